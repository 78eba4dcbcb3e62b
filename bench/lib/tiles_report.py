#!/usr/bin/env python3
"""Render one run of bench/tiles as Markdown (and JSON).

Reads the run's working folder:
  meta.tsv    key<TAB>value lines: machine, versions, export times and sizes
  runs.jsonl  one wrk run per line: {"target", "conns", "result": lib/wrk.lua's WRK_RESULT}
  first.tsv   target<TAB>milliseconds: each tile's first request on a fresh server

Usage: tiles_report.py WORKDIR OUT.md [OUT.json]
"""

import json
import statistics
import sys

TARGETS = {
    "dx-atlas": "DX Atlas `/tiles/{z}/{x}/{y}.mvt` (warm: built on first request, then cached)",
    "martin-mbtiles": "martin serving the MBTiles file DX Atlas exported",
    "martin-postgis": "martin serving a PostGIS function (ST_AsMVT over the same boundaries)",
}


def main():
    work, out_md = sys.argv[1], sys.argv[2]
    out_json = sys.argv[3] if len(sys.argv) > 3 else None
    meta = {}
    with open(f"{work}/meta.tsv", encoding="utf-8") as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition("\t")
            meta[key] = value
    runs = []
    with open(f"{work}/runs.jsonl", encoding="utf-8") as f:
        runs = [json.loads(line) for line in f if line.strip()]
    first = {}
    with open(f"{work}/first.tsv", encoding="utf-8") as f:
        for line in f:
            target, _, ms = line.rstrip("\n").partition("\t")
            first.setdefault(target, []).append(float(ms))

    lines = ["# Vector tiles: DX Atlas against martin", ""]
    lines += ["| | |", "| --- | --- |"]
    for key, value in meta.items():
        lines.append(f"| {key} | {value} |")
    lines += ["", "## Warm throughput over the same tiles (wrk, GET, no compression)", ""]
    lines += ["| server | connections | requests/s | p50 ms | p99 ms | errors |", "| --- | --: | --: | --: | --: | --: |"]
    rps = {}
    for run in runs:
        r = run["result"]
        rps[(run["target"], run["conns"])] = r["rps"]
        lines.append(
            f"| {TARGETS.get(run['target'], run['target'])} | {run['conns']} | {r['rps']:.0f} | "
            f"{r['p50_us'] / 1000:.2f} | {r['p99_us'] / 1000:.2f} | {r['errors']} |"
        )
    lines += ["", "Ratios (DX Atlas ÷ martin, requests/s; above 1 means DX Atlas is faster):", ""]
    for (target, conns), value in sorted(rps.items()):
        if target == "dx-atlas":
            continue
        dx = rps.get(("dx-atlas", conns))
        if dx and value:
            lines.append(f"- {conns} connections, ÷ {target}: {dx / value:.2f}")
    lines += ["", "## First request of each tile (time to the last byte, curl, one at a time)", ""]
    lines += ["| server | tiles | median ms | p90 ms | max ms |", "| --- | --: | --: | --: | --: |"]
    for target, values in first.items():
        values.sort()
        p90 = values[int(0.9 * (len(values) - 1))]
        lines.append(
            f"| {target} | {len(values)} | {statistics.median(values):.2f} | {p90:.2f} | {values[-1]:.2f} |"
        )
    with open(out_md, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    if out_json:
        with open(out_json, "w", encoding="utf-8") as f:
            json.dump({"meta": meta, "runs": runs, "first_ms": first}, f, indent=1)


if __name__ == "__main__":
    main()
