#!/usr/bin/env python3
"""Render one benchmark run as Markdown (and JSON).

Reads the run's working folder:
  meta.tsv    key<TAB>value lines: machine, versions, settings and single measurements
              (start-to-ready time, RSS, body sizes), in the order they were taken
  runs.jsonl  one load test per line: {"target", "conns", "body_bytes", "result": {...}}
              where result is lib/wrk.lua's WRK_RESULT object (or pgbench_result.py's)

Usage: report.py WORKDIR OUT.md [OUT.json]
"""

import json
import sys

TARGETS = {
    "dx-choropleth": "DX Atlas — whole-country choropleth GeoJSON",
    "dx-prefecture": "DX Atlas — prefecture choropleth GeoJSON",
    "dx-graphql": "DX Atlas — GraphQL `municipality(code)` (POST)",
    "dx-graphql-map": "DX Atlas — GraphQL whole-country `choropleth` with legend and document (POST)",
    "dx-soak": "DX Atlas — soak, whole-country choropleth",
    "dx-graphql-varied": "DX Atlas — GraphQL `choropleth` with document, a different map every request (cache misses)",
    "nginx-static": "nginx — static copy of DX Atlas's whole-country GeoJSON",
    "postgraphile": "PostGraphile 4 + PostGIS — `allMunicipalities` with GeoJSON and indicator",
    "postgis-sql": "PostGIS — one FeatureCollection statement (pgbench, tps)",
}

# (numerator target, denominator target, what the ratio says)
RATIOS = [
    ("dx-choropleth", "postgraphile", "DX Atlas whole-country choropleth ÷ PostGraphile all municipalities"),
    ("dx-choropleth", "postgis-sql", "DX Atlas whole-country choropleth ÷ PostGIS FeatureCollection statement"),
    ("dx-choropleth", "nginx-static", "DX Atlas whole-country choropleth ÷ nginx serving the same bytes"),
    ("dx-graphql-map", "postgraphile", "DX Atlas GraphQL whole-country choropleth ÷ PostGraphile all municipalities"),
]

META_LABELS = {
    "date": "run started (UTC)",
    "host_nproc": "CPUs (nproc)",
    "host_cpu": "CPU model",
    "host_ram": "RAM",
    "host_kernel": "kernel",
    "loadavg_start": "load average at start (1/5/15 min)",
    "loadavg_end": "load average at end",
    "dx_atlas_version": "DX Atlas",
    "dx_atlas_git": "DX Atlas commit",
    "wrk_version": "wrk",
    "nginx_version": "nginx",
    "postgres_version": "PostgreSQL",
    "postgis_version": "PostGIS",
    "postgraphile_version": "PostGraphile",
    "graphile_postgis_version": "@graphile/postgis",
    "node_version": "Node.js",
    "duration_s": "duration of each load test (s)",
    "soak_s": "soak duration (s)",
    "wrk_threads": "wrk threads",
    "wrk_timeout": "wrk request timeout",
}

DX_LABELS = {
    "dx_start_to_ready_ms": "start on an empty SQLite file → /readyz 200 (ms)",
    "dx_first_choropleth_ms": "first whole-country choropleth request after ready (ms, cold)",
    "dx_rss_ready_kb": "RSS when ready, before any load (KiB)",
    "dx_rss_after_varied_kb": "RSS after the varied (uncached) choropleth runs (KiB, VmRSS)",
    "dx_rss_after_load_kb": "RSS after all load tests and the soak (KiB, VmRSS)",
    "dx_rss_peak_kb": "peak RSS over the run (KiB, VmHWM)",
    "dx_rss_settled_kb": "RSS once settled, SETTLE_SECONDS (default 10) after the load (KiB, VmRSS)",
    "dx_choropleth_bytes": "whole-country choropleth body (bytes)",
    "dx_prefecture_bytes": "prefecture choropleth body (bytes)",
    "dx_graphql_bytes": "GraphQL `municipality(code)` body (bytes)",
    "dx_graphql_map_bytes": "GraphQL whole-country `choropleth` body (bytes)",
    "postgraphile_ready_ms": "PostGraphile start → first GraphQL 200 (ms, database already loaded)",
    "postgraphile_rss_after_load_kb": "PostGraphile (node) RSS after its load tests (KiB)",
    "postgraphile_bytes": "PostGraphile `allMunicipalities` body (bytes)",
    "postgis_sql_bytes": "PostGIS FeatureCollection statement result (bytes)",
    "postgis_rows": "PostGIS rows loaded (municipalities / with geometry / indicator)",
    "soak_verdict": "soak verdict",
}


def read_meta(path):
    meta = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if "\t" in line:
                k, v = line.split("\t", 1)
                meta[k] = v
    return meta


def read_runs(path):
    runs = []
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    runs.append(json.loads(line))
    except FileNotFoundError:
        pass
    return runs


def ms(us):
    return f"{us / 1000:.1f}"


def errors(r):
    socket = r["connect"] + r["read"] + r["write"] + r["timeout"]
    detail = []
    for k in ("connect", "read", "write", "timeout"):
        if r[k]:
            detail.append(f"{k} {r[k]}")
    s = f"{r['status']} / {socket}"
    return s + (f" ({', '.join(detail)})" if detail else "")


def render(meta, runs):
    out = []
    w = out.append
    w("# DX Atlas benchmark results")
    w("")
    w(
        "Loopback load tests with wrk (and pgbench for the SQL statement). Numbers from a "
        "machine that was doing other work at the same time are not comparable with other "
        "runs; the load averages below tell how busy it was."
    )
    w("")
    w("## Machine and versions")
    w("")
    w("| | |")
    w("| --- | --- |")
    for k, label in META_LABELS.items():
        if k in meta:
            w(f"| {label} | {meta[k]} |")
    w("")

    w("## Load tests")
    w("")
    w(
        "requests: completed in the run. req/s: completed requests per second over the run (pgbench: transactions per second). "
        "p50/p99: latency percentiles in milliseconds. errors: responses with status ≥ 400 (pgbench: "
        "failed transactions) / socket errors (connect, read, write, timeout). body: bytes of "
        "one response body. MB/s: bytes received per second, headers included."
    )
    w("")
    w("| target | conns | requests | req/s | p50 ms | p99 ms | errors (status / socket) | body bytes | MB/s |")
    w("| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |")
    for run in runs:
        r = run["result"]
        secs = r["duration_us"] / 1e6 if r["duration_us"] else 0
        mbps = f"{r['bytes'] / secs / 1e6:.1f}" if secs and r["bytes"] else "—"
        body = run.get("body_bytes")
        w(
            f"| {TARGETS.get(run['target'], run['target'])} | {run['conns']} | {r['requests']} | {r['rps']:.1f} | "
            f"{ms(r['p50_us'])} | {ms(r['p99_us'])} | {errors(r)} | "
            f"{body if body not in (None, '') else '—'} | {mbps} |"
        )
    w("")

    w("## Ratios at the same connection count")
    w("")
    w("Requests per second of DX Atlas divided by the other's; above 1 means DX Atlas served more.")
    w("")
    w("| ratio | conns | value |")
    w("| --- | ---: | ---: |")
    by = {(r["target"], r["conns"]): r["result"] for r in runs}
    conns = sorted({r["conns"] for r in runs if r["target"] == "dx-choropleth"})
    for num, den, label in RATIOS:
        for c in conns:
            a, b = by.get((num, c)), by.get((den, c))
            if a and b and b["rps"] > 0:
                w(f"| {label} | {c} | {a['rps'] / b['rps']:.2f} |")
    w("")

    w("## DX Atlas and comparison servers: single measurements")
    w("")
    w("| | |")
    w("| --- | --- |")
    for k, label in DX_LABELS.items():
        if k in meta:
            w(f"| {label} | {meta[k]} |")
    w("")
    return "\n".join(out)


def main():
    work = sys.argv[1]
    meta = read_meta(f"{work}/meta.tsv")
    runs = read_runs(f"{work}/runs.jsonl")
    md = render(meta, runs)
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        f.write(md)
    if len(sys.argv) > 3:
        with open(sys.argv[3], "w", encoding="utf-8") as f:
            json.dump({"meta": meta, "runs": runs}, f, indent=2, ensure_ascii=False)
            f.write("\n")
    print(md)


if __name__ == "__main__":
    main()
