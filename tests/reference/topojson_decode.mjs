// Decodes a TopoJSON topology read on stdin with the reference client topojson-client and
// prints the GeoJSON FeatureCollection of its `choropleth` object on stdout.
import { feature } from "topojson-client";

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const topology = JSON.parse(input);
  const collection = feature(topology, topology.objects.choropleth);
  process.stdout.write(JSON.stringify(collection));
});
