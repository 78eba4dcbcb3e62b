"""Reads DX Atlas's downloads as GIS users do, over HTTP with pyogrio's bundled GDAL.

Input (JSON on stdin): {"url": a download URL, "bbox": [w, s, e, n] (optional)}.
Output (JSON on stdout): what GDAL read from the URL by its `/vsicurl/` ranged reader — the
number of features, the codes in order, the codes' dtype, whether shapely finds every geometry
valid — and, with a bbox, the codes GDAL's own spatial filter keeps.
"""

import json
import sys

import pyogrio
import shapely


def read(url, bbox=None):
    frame = pyogrio.read_dataframe(url, bbox=tuple(bbox) if bbox else None)
    geometries = frame.geometry.values
    present = [g for g in geometries if g is not None and not g.is_empty]
    return {
        "features": len(frame),
        "codes": [str(c) for c in frame["code"]],
        "code_dtype": str(frame["code"].dtype),
        "columns": list(frame.columns),
        "valid": bool(all(shapely.is_valid(g) for g in present)),
        "driver": pyogrio.read_info(url)["driver"],
    }


def main():
    request = json.load(sys.stdin)
    out = {"whole": read(request["url"])}
    if request.get("bbox"):
        out["filtered"] = read(request["url"], request["bbox"])
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
