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
     "tiles": {"layers": {"municipalities": n, ...}, "driver": "..."}   # GDAL OGCAPI driver
    }
"""

import json
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


def tiles_side(url):
    """GDAL's OGCAPI driver on the collection's vector tiles: the layers it finds, and the
    features of each in a small window over Tokyo."""
    from pyogrio import list_layers, read_dataframe

    source = f"OGCAPI:{url}/collections/municipalities"
    layers = {}
    for name, _ in list_layers(source):
        frame = read_dataframe(source, layer=str(name), bbox=(139.70, 35.65, 139.75, 35.70),
                               read_geometry=True)
        layers[str(name)] = len(frame)
    return {"layers": layers}


def main():
    request = json.load(sys.stdin)
    url, bbox = request["url"], request["bbox"]
    out = {"pyogrio": pyogrio_side(url, bbox)}
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
