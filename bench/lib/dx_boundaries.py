#!/usr/bin/env python3
"""Write the municipal boundaries a running DX Atlas holds, as an N03-style GeoJSON
FeatureCollection, so that the comparison databases load the very boundaries DX Atlas serves.

Every municipality (the Northern Territories included) is read through GraphQL's `feature`
without `precision`, which answers the stored coordinates bit for bit; each feature gets the
N03 properties lib/load_postgis.py reads (N03_007 the code, N03_004 the name).

Standard library only. Usage:
    dx_boundaries.py http://127.0.0.1:PORT > boundaries.geojson
"""

import json
import sys
import urllib.request

QUERY = """
query($after: String) {
  municipalities(first: 1000, after: $after, filter: { includeNotAdministered: true }) {
    edges { node { code name feature } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


def page(url, after):
    """One page of municipalities: (features, cursor of the next page or None)."""
    body = json.dumps({"query": QUERY, "variables": {"after": after}}).encode()
    request = urllib.request.Request(
        f"{url}/graphql", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        answer = json.load(response)
    if answer.get("errors"):
        raise SystemExit(f"dx_boundaries: {answer['errors']}")
    connection = answer["data"]["municipalities"]
    features = [
        {
            "type": "Feature",
            "properties": {"N03_007": node["code"], "N03_004": node["name"]},
            "geometry": geometry(node["feature"]),
        }
        for node in (edge["node"] for edge in connection["edges"])
    ]
    info = connection["pageInfo"]
    return features, info["endCursor"] if info["hasNextPage"] else None


def geometry(feature):
    """The feature's geometry without DX Atlas's credit member."""
    g = (feature or {}).get("geometry")
    return {"type": g["type"], "coordinates": g["coordinates"]} if g else None


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    url = sys.argv[1].rstrip("/")
    features, after = page(url, None)
    while after:
        more, after = page(url, after)
        features.extend(more)
    json.dump({"type": "FeatureCollection", "features": features}, sys.stdout)
    print(f"dx_boundaries: {len(features)} municipalities", file=sys.stderr)


if __name__ == "__main__":
    main()
