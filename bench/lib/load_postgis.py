#!/usr/bin/env python3
"""Write the SQL that loads the comparison PostGIS database, to stdout, for psql.

Input: the N03 municipal boundaries as a GeoJSON FeatureCollection (property N03_007 is
the five-digit code) and, optionally, DX Atlas's own /choropleth.csv download for one
indicator (columns code,name,value,...). Output: sql/schema.sql, the rows as COPY data,
then sql/merge.sql, which merges features sharing a code into one MultiPolygon and keeps
only indicator rows whose code is a known municipality.

Standard library only. Usage:
    load_postgis.py --geojson FILE [--csv FILE] | psql -v ON_ERROR_STOP=1 -d dx_bench
"""

import argparse
import csv
import json
import pathlib
import sys

SQL_DIR = pathlib.Path(__file__).resolve().parent.parent / "sql"


def copy_field(value):
    """One field in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    return (
        str(value)
        .replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


def copy_block(table, columns, rows, out):
    out.write(f"COPY {table} ({', '.join(columns)}) FROM STDIN;\n")
    for row in rows:
        out.write("\t".join(copy_field(v) for v in row))
        out.write("\n")
    out.write("\\.\n")


def boundary_rows(path):
    """(code, name, geometry as GeoJSON text or None) per feature that has a code."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    if doc.get("type") != "FeatureCollection":
        raise SystemExit(f"{path}: not a GeoJSON FeatureCollection")
    skipped = 0
    rows = []
    for feature in doc["features"]:
        props = feature.get("properties") or {}
        code = props.get("N03_007")
        if not code:
            skipped += 1
            continue
        # Designated cities carry their name in N03_003 with N03_004 empty.
        name = props.get("N03_004") or props.get("N03_003") or props.get("N03_001")
        geometry = feature.get("geometry")
        rows.append((code, name, json.dumps(geometry, separators=(",", ":")) if geometry else None))
    codes = len({r[0] for r in rows})
    nulls = sum(1 for r in rows if r[2] is None)
    print(
        f"load_postgis: {len(rows)} features with a code ({codes} codes, "
        f"{nulls} with a null geometry), {skipped} without a code skipped",
        file=sys.stderr,
    )
    return rows


def indicator_rows(path):
    """(code, value) per CSV row; an empty value is NULL."""
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        missing = {"code", "value"} - set(reader.fieldnames or [])
        if missing:
            raise SystemExit(f"{path}: missing columns {sorted(missing)}")
        rows = [(r["code"], r["value"] if r["value"] != "" else None) for r in reader]
    print(f"load_postgis: {len(rows)} indicator rows", file=sys.stderr)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--geojson", required=True, help="N03 GeoJSON FeatureCollection")
    parser.add_argument("--csv", help="DX Atlas /choropleth.csv download (code,name,value,...)")
    args = parser.parse_args()

    out = sys.stdout
    out.write("\\set ON_ERROR_STOP on\nSET client_min_messages = warning;\nBEGIN;\n")
    out.write((SQL_DIR / "schema.sql").read_text(encoding="utf-8"))
    copy_block("boundary_stage", ["code", "name", "geojson"], boundary_rows(args.geojson), out)
    if args.csv:
        copy_block("indicator_stage", ["code", "value"], indicator_rows(args.csv), out)
    out.write((SQL_DIR / "merge.sql").read_text(encoding="utf-8"))
    out.write("COMMIT;\n")


if __name__ == "__main__":
    main()
