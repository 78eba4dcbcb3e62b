"""What the Python benchmarks share: the release binary, a server of it on an empty SQLite file,
wrk runs with lib/wrk.lua, and readings of the process and its metrics."""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(BENCH)
RESULTS = os.environ.get("RESULTS_DIR", os.path.join(BENCH, "results"))


def binary(script):
    """The DX Atlas binary: DX_ATLAS_BIN, else the release build in CARGO_TARGET_DIR or target/."""
    path = os.environ.get("DX_ATLAS_BIN") or os.path.join(
        os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target")), "release", "dx-atlas"
    )
    if not os.access(path, os.X_OK):
        sys.exit(f"bench/{script}: no DX Atlas binary at {path}: run 'cargo build --release'")
    return path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_kb(pid, field):
    """A field of /proc/PID/status in kB (VmRSS, VmHWM)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def get(url, timeout=60):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read()


def timed_get(url, timeout=120):
    """Status, body and the milliseconds the request took."""
    t0 = time.perf_counter()
    status, body = get(url, timeout)
    return status, body, (time.perf_counter() - t0) * 1000


def ensure_wrk():
    if shutil.which("wrk") is None:
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)


def wrk(url, conns, seconds, env, threads=2, script="bench"):
    """One wrk run with lib/wrk.lua (or the script named by env's SCRIPT); its result line."""
    lua = env.pop("SCRIPT", os.path.join(BENCH, "lib", "wrk.lua"))
    out = subprocess.run(
        ["wrk", f"-t{min(threads, conns)}", f"-c{conns}", f"-d{seconds}s", "--timeout", "30s",
         "-s", lua, url],
        env={**os.environ, **env}, capture_output=True, text=True, check=True,
    ).stdout
    line = next((l for l in out.splitlines() if l.startswith("WRK_RESULT ")), None)
    if line is None:
        sys.exit(f"bench/{script}: wrk printed no result\n{out}")
    return json.loads(line[len("WRK_RESULT "):])


def metric(base, name):
    """The sum of a Prometheus metric's series on /metrics."""
    _, body = get(f"{base}/metrics")
    total = 0.0
    for line in body.decode().splitlines():
        if line.startswith(name) and not line.startswith("#"):
            total += float(line.split()[-1])
    return total


class Server:
    """DX Atlas serving an empty SQLite file in a temporary folder, until the block ends. It
    runs in `cwd` (default: that folder); from the checkout it finds the dashboard table and
    SSDSE-A as a user's server does (data/, then ../shared/data/)."""

    def __init__(self, script, args=(), cwd=None):
        self.script = script
        self.args = list(args)
        self.cwd = cwd

    def __enter__(self):
        self.work = tempfile.mkdtemp(prefix=f"dx-atlas-{self.script}.")
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.log = open(os.path.join(self.work, "dx-atlas.log"), "w")
        env = {**os.environ, "DATABASE_URL": f"sqlite://{self.work}/dx.sqlite?mode=rwc"}
        self.process = subprocess.Popen(
            [binary(self.script), "serve", "--bind", f"127.0.0.1:{port}", *self.args],
            cwd=self.cwd or self.work, env=env, stdout=self.log, stderr=self.log,
        )
        for _ in range(1200):
            try:
                if get(f"{self.base}/readyz", timeout=2)[0] == 200:
                    return self
            except OSError:
                time.sleep(0.5)
        self.__exit__(None, None, None)
        sys.exit(f"bench/{self.script}: DX Atlas did not become ready")

    @property
    def pid(self):
        return self.process.pid

    def __exit__(self, *_):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()
        shutil.rmtree(self.work, ignore_errors=True)


def write_report(name, report, markdown):
    """results/NAME.json and results/NAME.md, and the Markdown on stdout."""
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, f"{name}.json"), "w") as f:
        json.dump(report, f, indent=2)
    with open(os.path.join(RESULTS, f"{name}.md"), "w") as f:
        f.write(markdown)
    print(markdown)
