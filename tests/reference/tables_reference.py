"""Reads DX Atlas's map downloads with the clients researchers use (tests/api/tables.rs).

Input on stdin, JSON: {"xlsx": path} for openpyxl; {"gis": {"gpkg": path, "fgb": path,
"geojson": path}} for pyogrio (GDAL) and shapely; {"url": url, "bbox": [w, s, e, n]} for a
FlatGeobuf read by GDAL over HTTP, a bounding box at a time. Prints what each client saw as JSON.
"""

import json
import sys


def xlsx(path):
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    out = {"sheets": book.sheetnames}
    rows = list(book["data"].iter_rows(values_only=True))
    header = list(rows[0])
    out["header"] = header
    out["rows"] = len(rows) - 1
    # Each column's Python types over the rows (None where a cell is empty).
    types = {}
    for row in rows[1:]:
        for name, value in zip(header, row):
            types.setdefault(name, set()).add(type(value).__name__)
    out["types"] = {k: sorted(v) for k, v in types.items()}
    out["by_code"] = {
        row[0]: dict(zip(header, row)) for row in rows[1:] if isinstance(row[0], str)
    }
    columns = list(book["columns"].iter_rows(values_only=True))
    out["columns_header"] = list(columns[0])
    out["columns"] = [
        dict(zip(columns[0], row)) for row in columns[1:] if row[0] in header
    ]
    out["credits"] = [list(row) for row in book["credits"].iter_rows(values_only=True)]
    return out


def gis(paths):
    import pyogrio
    import shapely

    with open(paths["geojson"], encoding="utf-8") as f:
        document = json.load(f)
    expected = {
        feature["id"]: shapely.geometry.shape(feature["geometry"])
        if feature["geometry"]
        else None
        for feature in document["features"]
    }
    out = {}
    for kind in ("gpkg", "fgb"):
        path = paths[kind]
        info = pyogrio.read_info(path)
        meta, _fids, geometries, fields = pyogrio.raw.read(path)
        names = list(meta["fields"])
        codes = list(fields[names.index("code")])
        shapes = [shapely.from_wkb(g) if g is not None else None for g in geometries]
        mismatched = []
        invalid = []
        for code, shape in zip(codes, shapes):
            want = expected.get(code)
            if want is None:
                if shape is not None and not shape.is_empty:
                    mismatched.append(code)
                continue
            if shape is None or not shape.is_valid:
                invalid.append(code)
                continue
            got = shapely.get_coordinates(shape)
            if not (
                got.shape == shapely.get_coordinates(want).shape
                and (got == shapely.get_coordinates(want)).all()
                and shape.equals(want)
            ):
                mismatched.append(code)
        out[kind] = {
            "driver": info["driver"],
            "count": int(info["features"]),
            "crs": info["crs"],
            "geometry_type": info["geometry_type"],
            "fields": dict(zip(names, [str(t) for t in meta["dtypes"]])),
            "codes": [str(c) for c in codes],
            "missing": sorted(set(expected) - set(codes)),
            "mismatched": mismatched,
            "invalid": invalid,
        }
    out["geojson_count"] = len(expected)
    return out


def ranged(url, bbox):
    import pyogrio

    meta, _fids, _geometries, fields = pyogrio.raw.read(url, bbox=tuple(bbox))
    names = list(meta["fields"])
    return {"codes": sorted(str(c) for c in fields[names.index("code")])}


def main():
    request = json.load(sys.stdin)
    if "xlsx" in request:
        result = xlsx(request["xlsx"])
    elif "gis" in request:
        result = gis(request["gis"])
    else:
        result = ranged(request["url"], request["bbox"])
    json.dump(result, sys.stdout, ensure_ascii=False, default=str)


main()
