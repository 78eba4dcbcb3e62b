#!/usr/bin/env python3
"""Turn one pgbench run into the same result object that lib/wrk.lua prints.

Reads pgbench's summary (stdout saved to OUT) for tps and failed transactions, and its
per-transaction logs (-l --log-prefix=PREFIX, files PREFIX.PID[.N]) for latency
percentiles. Prints one JSON object: requests, duration_us, rps (= tps), p50_us, p90_us,
p99_us, max_us, mean_us, status and errors (failed transactions), and zero socket-error
counters.

Usage: pgbench_result.py OUT PREFIX
"""

import glob
import json
import re
import sys


def percentile(sorted_values, pct):
    """Nearest-rank percentile, as wrk reports it."""
    if not sorted_values:
        return 0
    rank = max(1, int(round(pct / 100.0 * len(sorted_values) + 0.5)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def main():
    out_path, prefix = sys.argv[1], sys.argv[2]
    text = open(out_path, encoding="utf-8", errors="replace").read()

    def grab(pattern, cast=float, default=None):
        m = re.search(pattern, text, re.M)
        return cast(m.group(1)) if m else default

    tps = grab(r"^tps = ([0-9.]+)")
    if tps is None:
        sys.exit(f"pgbench_result: no tps line in {out_path}:\n{text}")
    processed = grab(r"^number of transactions actually processed: (\d+)", int, 0)
    failed = grab(r"^number of failed transactions: (\d+)", int, 0)
    duration_s = grab(r"^duration: (\d+) s", int, 0)

    latencies = []
    for path in glob.glob(prefix + ".*"):
        with open(path, encoding="ascii", errors="replace") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3 and parts[2].isdigit():
                    latencies.append(int(parts[2]))
    latencies.sort()
    mean = sum(latencies) / len(latencies) if latencies else 0.0
    result = {
        "requests": processed,
        "duration_us": duration_s * 1_000_000,
        "rps": round(tps, 2),
        "bytes": 0,
        "p50_us": percentile(latencies, 50),
        "p90_us": percentile(latencies, 90),
        "p99_us": percentile(latencies, 99),
        "max_us": latencies[-1] if latencies else 0,
        "mean_us": round(mean, 1),
        "status": failed,
        "connect": 0,
        "read": 0,
        "write": 0,
        "timeout": 0,
        "errors": failed,
    }
    print(json.dumps(result, separators=(",", ":")))


if __name__ == "__main__":
    main()
