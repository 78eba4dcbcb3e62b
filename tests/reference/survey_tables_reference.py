"""Reads DX Atlas's whole-survey files with the clients researchers use
(tests/api/survey_tables.rs).

Input on stdin, JSON, one of:
- {"long": path, "indicators": [code, ...]}: pandas reads the long table, `code` as text, and
  gives each indicator's values per authority;
- {"xlsx": path, "codes": [code, ...]}: openpyxl reads the wide workbook;
- {"package": folder}: `frictionless validate` on the unzipped package's datapackage.json,
  and pyogrio (GDAL) reads its GeoPackages.
Prints what each client saw as JSON.
"""

import json
import os
import subprocess
import sys


def long_table(path, indicators):
    import pandas

    frame = pandas.read_csv(path, dtype={"code": str, "option": str}, keep_default_na=False, na_values={"value": [""]})
    out = {
        "code_dtype": str(frame["code"].dtype),
        "codes_are_text": bool(frame["code"].map(lambda c: isinstance(c, str)).all()),
        "columns": list(frame.columns),
        "rows": int(len(frame)),
        "values": {},
    }
    for indicator in indicators:
        rows = frame[frame["indicator"] == indicator]
        values = {}
        for code, group in rows.groupby("code"):
            first = group.iloc[0]
            numeric = (group["option"] == "").all()
            value = None
            if numeric and not pandas.isna(first["value"]):
                value = float(first["value"])
            values[code] = {
                "options": sorted(group.loc[group["value"] == 1, "option"]) if not numeric else [],
                "value": value,
                "provenance": first["provenance"],
                "source": first["source"],
                "reference_date": first["reference_date"] or None,
            }
        out["values"][indicator] = values
    return out


def workbook(path, codes):
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    rows = list(book["data"].iter_rows(values_only=True))
    header = list(rows[0])
    types = {}
    for row in rows[1:]:
        for name, value in zip(header, row):
            types.setdefault(name, set()).add(type(value).__name__)
    columns = list(book["columns"].iter_rows(values_only=True))
    described = {row[0]: dict(zip(columns[0], row)) for row in columns[1:] if row[0] in header}
    return {
        "sheets": book.sheetnames,
        "header": header,
        "rows": len(rows) - 1,
        "types": {k: sorted(v) for k, v in types.items()},
        "by_code": {row[0]: dict(zip(header, row)) for row in rows[1:] if row[0] in codes},
        "described": described,
        "credits": [list(row) for row in book["credits"].iter_rows(values_only=True)],
    }


def package(folder):
    import pyogrio

    frictionless = os.path.join(os.path.dirname(sys.executable), "frictionless")
    run = subprocess.run(
        [frictionless, "validate", "--json", "datapackage.json"],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    report = json.loads(run.stdout) if run.stdout.strip().startswith("{") else {}
    errors = [
        error.get("message")
        for task in report.get("tasks", [])
        for error in task.get("errors", [])
    ] + [error.get("message") for error in report.get("errors", [])]
    layers = {}
    for name in ("municipalities.gpkg", "prefectures.gpkg"):
        path = os.path.join(folder, name)
        info = pyogrio.read_info(path)
        meta, _fids, geometries, fields = pyogrio.raw.read(path)
        names = list(meta["fields"])
        layers[name] = {
            "driver": info["driver"],
            "count": int(info["features"]),
            "crs": info["crs"],
            "geometry_type": info["geometry_type"],
            "fields": dict(zip(names, [str(t) for t in meta["dtypes"]])),
            "codes": [str(c) for c in fields[names.index("code")]][:5],
            "without_geometry": sum(1 for g in geometries if g is None),
        }
    return {
        "exit": run.returncode,
        "valid": report.get("valid"),
        "errors": errors[:20],
        "stderr": run.stderr[-2000:],
        "layers": layers,
    }


def main():
    request = json.load(sys.stdin)
    if "long" in request:
        result = long_table(request["long"], request["indicators"])
    elif "xlsx" in request:
        result = workbook(request["xlsx"], request["codes"])
    else:
        result = package(request["package"])
    json.dump(result, sys.stdout, ensure_ascii=False, default=str)


main()
