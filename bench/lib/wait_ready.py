#!/usr/bin/env python3
"""Poll a URL until it answers 200; print the milliseconds since T0_NS (a `date +%s%N`
taken just before the server was started).

Fails when the server process PID exits first or TIMEOUT seconds pass. With --post BODY the
poll is a JSON POST (for GraphQL servers that have no health route).

Usage: wait_ready.py URL T0_NS PID [--timeout S] [--post BODY]
"""

import argparse
import os
import sys
import time
import urllib.error
import urllib.request


def alive(pid):
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("State:"):
                    return "Z" not in line.split()[1]
    except FileNotFoundError:
        return False
    return True


def main():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("t0_ns", type=int)
    p.add_argument("pid", type=int)
    p.add_argument("--timeout", type=float, default=300.0)
    p.add_argument("--post")
    a = p.parse_args()

    deadline = time.monotonic() + a.timeout
    data = a.post.encode() if a.post is not None else None
    headers = {"Content-Type": "application/json"} if data is not None else {}
    while True:
        try:
            req = urllib.request.Request(a.url, data=data, headers=headers)
            with urllib.request.urlopen(req, timeout=2) as resp:
                if resp.status == 200:
                    resp.read()
                    print(f"{(time.time_ns() - a.t0_ns) / 1e6:.0f}")
                    return 0
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        if not alive(a.pid):
            print(f"wait_ready: process {a.pid} exited before {a.url} answered 200", file=sys.stderr)
            return 1
        if time.monotonic() > deadline:
            print(f"wait_ready: {a.url} not ready after {a.timeout:.0f} s", file=sys.stderr)
            return 1
        time.sleep(0.005)


if __name__ == "__main__":
    sys.exit(main())
