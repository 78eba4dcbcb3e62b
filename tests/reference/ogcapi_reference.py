#!/usr/bin/env python3
"""DX Atlas's OGC API read by the GIS clients researchers use: GDAL's OAPIF and OGCAPI drivers
(through pyogrio's bundled GDAL, and through Debian's ogrinfo and ogr2ogr), OWSLib's
ogcapi.features.Features, and shapely judging what ogr2ogr copied.

DX Atlas serves OGC API - Features and - Tiles in Rust (src/ogcapi/, src/http/ogcapi.rs). Its
integration tests (tests/api/ogcapi.rs) run this script.

Input, one JSON object on stdin:

    {"url": "http://127.0.0.1:PORT/ogcapi",
     "bbox": [139.56, 35.52, 139.92, 35.82],
     "folder": "/tmp/...",                 # where ogr2ogr writes its GeoPackage
     "page": 400}                          # limit of each page OWSLib pages through

Output, one JSON object on stdout:

    {"pyogrio": {"layers": [...], "count": 1741, "fields": {"code": "object", ...},
                 "bbox_codes": [...], "gdal": "3.x"},
     "ogrinfo": {"count": 1741, "fields": {"code": "String", ...}, "bbox_codes": [...],
                 "version": "GDAL 3.6..."},
     "ogr2ogr": {"count": 1741, "invalid": [...], "empty": [...]},
     "owslib": {"collections": [...], "queryables": [...], "bbox_returned": n,
                "bbox_matched": n, "bbox_codes": [...], "paged": [...], "pages": n},
     "served_in_box": [...],      # codes whose served geometry meets the box
     "tiles": {"layers": ["Zoom level 0", ...], "zoom10_codes": [...], "valid": true}
    }
"""

import json
import math
import os
import re
import subprocess
import sys
import urllib.request


def pyogrio_side(url, bbox):
    import pyogrio

    source = f"OAPIF:{url}"
    layers = [str(name) for name, _ in pyogrio.list_layers(source)]
    info = pyogrio.read_info(source, layer="municipalities", force_feature_count=True)
    frame = pyogrio.read_dataframe(source, layer="municipalities", read_geometry=False)
    boxed = pyogrio.read_dataframe(source, layer="municipalities", bbox=tuple(bbox), read_geometry=False)
    return {
        "gdal": pyogrio.__gdal_version_string__,
        "layers": layers,
        "count": int(info["features"]),
        "rows": len(frame),
        "fields": {name: str(dtype) for name, dtype in zip(info["fields"], info["dtypes"])},
        "sample": {k: (None if v != v else v) for k, v in frame.iloc[0].to_dict().items()
                   if isinstance(v, (str, int, float, bool))},
        "bbox_codes": sorted(str(c) for c in boxed["code"]),
    }


def run(args):
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {done.stderr}")
    return done.stdout


def ogrinfo_side(url, bbox, folder):
    source = f"OAPIF:{url}"
    version = run(["ogrinfo", "--version"]).strip()
    summary = run(["ogrinfo", "-ro", "-so", source, "municipalities"])
    count = int(re.search(r"Feature Count: (\d+)", summary).group(1))
    fields = dict(re.findall(r"^(\w+): (\w+) \(", summary, re.M))
    listed = run(["ogrinfo", "-ro", "-q", source, "municipalities", "-spat", *map(str, bbox),
                  "-fields=YES", "-geom=NO"])
    codes = sorted(re.findall(r"^\s+code \(String\) = (\d+)", listed, re.M))
    gpkg = os.path.join(folder, "municipalities.gpkg")
    run(["ogr2ogr", "-f", "GPKG", gpkg, source, "municipalities"])
    return {"version": version, "count": count, "fields": fields, "bbox_codes": codes}, gpkg


def copied(gpkg):
    import pyogrio
    import shapely

    frame = pyogrio.read_dataframe(gpkg)
    geometries = frame.geometry.values
    invalid = [f"{code}: {shapely.is_valid_reason(g)}" for code, g in zip(frame["code"], geometries)
               if g is not None and not shapely.is_valid(g)]
    empty = [str(code) for code, g in zip(frame["code"], geometries) if g is None or g.is_empty]
    return {"count": len(frame), "invalid": invalid, "empty": empty,
            "code_type": str(frame["code"].dtype)}


def owslib_side(url, bbox, page):
    from owslib.ogcapi.features import Features

    api = Features(url)
    collections = [c["id"] for c in api.collections()["collections"]]
    queryables = sorted(api.collection_queryables("municipalities")["properties"].keys())
    boxed = api.collection_items("municipalities", limit=10, bbox=list(bbox))
    everything = api.collection_items("municipalities", limit=10000, bbox=list(bbox))
    # Paging by the `next` links, as a client that does not know of offsets does.
    first = api.collection_items("municipalities", limit=page)
    ids = [f["id"] for f in first["features"]]
    pages = 1
    document = first
    while True:
        following = [link["href"] for link in document.get("links", []) if link.get("rel") == "next"]
        if not following:
            break
        with urllib.request.urlopen(following[0]) as response:
            document = json.load(response)
        ids.extend(f["id"] for f in document["features"])
        pages += 1
    return {
        "collections": collections,
        "queryables": queryables,
        "bbox_returned": boxed["numberReturned"],
        "bbox_matched": boxed["numberMatched"],
        "bbox_codes": sorted(f["properties"]["code"] for f in everything["features"]),
        "paged": ids,
        "pages": pages,
    }


def mercator(lon, lat):
    """EPSG:3857 metres of a CRS84 position."""
    radius = 6378137.0
    return (math.radians(lon) * radius,
            math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * radius)


def tiles_side(url):
    """GDAL's OGCAPI driver on the collection's vector tiles: one layer per zoom level, and
    the features of zoom 10 in a small window over central Tokyo. The driver takes a vector
    tileset's window in the tile matrix set's CRS: it reads the collection's CRS84 extent as
    metres of EPSG:3857, so the window is given as open options (MINX…) in metres."""
    from pyogrio import list_layers, read_dataframe

    source = f"OGCAPI:{url}/collections/municipalities"
    west, south = mercator(139.70, 35.65)
    east, north = mercator(139.75, 35.70)
    window = {"MINX": west, "MINY": south, "MAXX": east, "MAXY": north}
    frame = read_dataframe(source, layer="Zoom level 10", **window)
    codes = sorted(str(c) for c in frame["code"]) if "code" in frame else []
    return {"layers": [str(name) for name, _ in list_layers(source)],
            "zoom10_codes": codes,
            "valid": bool(frame.geometry.is_valid.all()) if len(frame) else False}


def served_in_box(url, bbox):
    """The codes whose served geometry (the default zoom's) meets the box: what a client that
    filters again on the geometry it received keeps of the server's answer. The server picks
    by the stored boundaries (finer), so an area that only just touches the box may be
    dropped by such a client."""
    import shapely
    from shapely.geometry import box, shape

    query = ",".join(map(str, bbox))
    with urllib.request.urlopen(f"{url}/collections/municipalities/items?limit=10000&bbox={query}") as r:
        document = json.load(r)
    area = box(*bbox)
    return sorted(f["properties"]["code"] for f in document["features"]
                  if f["geometry"] is not None and shape(f["geometry"]).intersects(area))


def main():
    request = json.load(sys.stdin)
    url, bbox = request["url"], request["bbox"]
    out = {"pyogrio": pyogrio_side(url, bbox), "served_in_box": served_in_box(url, bbox)}
    ogr, gpkg = ogrinfo_side(url, bbox, request["folder"])
    out["ogrinfo"] = ogr
    out["ogr2ogr"] = copied(gpkg)
    out["owslib"] = owslib_side(url, bbox, request.get("page", 400))
    try:
        out["tiles"] = tiles_side(url)
    except Exception as e:  # reported, and judged by the Rust side
        out["tiles"] = {"error": f"{type(e).__name__}: {e}"}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
