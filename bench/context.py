#!/usr/bin/env python3
"""First start, imports and the researcher's queries, measured on the release binary.

    cargo build --release && bench/context.py [--runs 3] [--queries 40]

1. First start: `serve` on an empty SQLite file until /readyz answers 200 (migrate, import the
   boundaries, seed the survey from the dashboard table, import SSDSE-A and the names, build
   the read model), `--runs` times; and the server's resident memory once ready.
2. Imports on a loaded database whose record of the import is removed, so that each run
   imports again: `import-dashboard` (the four files) and `import-statistics` (SSDSE-A).
3. Uncached GraphQL: `--queries` relationships, each between a different pair of statistics
   (so that no answer comes from the cache), and as many crosstabs of yes/no indicators, each
   timed from request to last byte.

Prints medians and the spread as Markdown. Only the standard library; run from anywhere.
"""

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import tempfile
import time
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(
    os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target")), "release", "dx-atlas"
)


def wait_ready(port, process, timeout=120):
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if process.poll() is not None:
            raise SystemExit(f"dx-atlas exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.01)
    raise SystemExit("dx-atlas did not get ready")


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def serve(db, port):
    return subprocess.Popen(
        [BINARY, "serve", "--database-url", f"sqlite://{db}?mode=rwc", "--bind", f"127.0.0.1:{port}"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "RUST_LOG": "warn"},
    )


def first_starts(work, runs, port):
    seconds, memory = [], []
    for i in range(runs):
        db = os.path.join(work, f"start{i}.sqlite")
        started = time.monotonic()
        process = serve(db, port)
        wait_ready(port, process)
        seconds.append(time.monotonic() - started)
        time.sleep(1)
        memory.append(rss_mb(process.pid))
        process.terminate()
        process.wait()
    return seconds, memory, db


def timed_import(loaded, work, runs, source, args):
    out = []
    for i in range(runs):
        db = os.path.join(work, f"import{i}.sqlite")
        shutil.copy(loaded, db)
        with sqlite3.connect(db) as c:
            c.execute("DELETE FROM source WHERE code = ?", (source,))
        started = time.monotonic()
        subprocess.run(
            [BINARY, *args, "--database-url", f"sqlite://{db}"],
            cwd=REPO, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        out.append(time.monotonic() - started)
    return out


def post(port, query):
    body = json.dumps({"query": query}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql", data=body, headers={"content-type": "application/json"}
    )
    started = time.monotonic()
    with urllib.request.urlopen(request) as r:
        answer = json.loads(r.read())
    elapsed = time.monotonic() - started
    if "errors" in answer:
        raise SystemExit(f"query failed: {answer['errors']}")
    return elapsed


def queries(loaded, work, count, port):
    db = os.path.join(work, "queries.sqlite")
    shutil.copy(loaded, db)
    process = serve(db, port)
    wait_ready(port, process)
    try:
        codes = ["A1101", "A1303", "A1419", "A7101", "B1103", "D1202", "D2203", "D3203",
                 "E2501", "F1102", "density", "share_65_plus", "staff_per_1000"]
        pairs = [(x, y) for x in codes for y in codes if x < y][:count]
        relationship = [
            post(port, f'{{ relationship(x: {{statistic: "{x}"}}, y: {{statistic: "{y}"}}, '
                       f'method: {"SPEARMAN" if i % 2 else "PEARSON"}) '
                       f'{{ coefficient n pValue pairs {{ code x y }} }} }}')
            for i, (x, y) in enumerate(pairs)
        ]
        yes_no = ["cio.appointed", "cio_assistant.appointed", "dx_structure.established",
                  "external_talent.used", "training.implemented", "ai.adopted", "rpa.adopted",
                  "telework.adopted"]
        tabs = [(a, b) for a in yes_no for b in yes_no if a < b][:count]
        crosstab = [
            post(port, f'{{ crosstab(a: "{a}", b: "{b}") {{ counts chiSquare pValue cramersV }} }}')
            for a, b in tabs
        ]
        return relationship, crosstab
    finally:
        process.terminate()
        process.wait()


def row(name, values, unit, scale=1.0):
    values = [v * scale for v in values]
    return (f"| {name} | {len(values)} | {statistics.median(values):.{3 if unit == 's' else 1}f} {unit} "
            f"| {min(values):.{3 if unit == 's' else 1}f}–{max(values):.{3 if unit == 's' else 1}f} {unit} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--port", type=int, default=18099)
    options = parser.parse_args()
    if not os.path.isfile(BINARY):
        raise SystemExit(f"{BINARY} is missing: cargo build --release")
    work = tempfile.mkdtemp(prefix="dx-atlas-bench-")
    try:
        starts, memory, loaded = first_starts(work, options.runs, options.port)
        dashboard = timed_import(loaded, work, options.runs, "digital-agency-dashboard",
                                 ["import-dashboard"])
        ssdse = timed_import(loaded, work, options.runs, "nstac-ssdse-a", ["import-statistics"])
        relationship, crosstab = queries(loaded, work, options.queries, options.port)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("| measure | runs | median | range |")
    print("| --- | ---: | ---: | ---: |")
    print(row("first start, empty SQLite file → /readyz 200", starts, "s"))
    print(row("resident memory once ready (MB)", memory, "MB"))
    print(row("import-dashboard (four files, replacing every answer)", dashboard, "s"))
    print(row("import-statistics (SSDSE-A)", ssdse, "s"))
    print(row("uncached relationship over all municipalities", relationship, "ms", 1000))
    print(row("uncached crosstab over all municipalities", crosstab, "ms", 1000))


if __name__ == "__main__":
    main()
