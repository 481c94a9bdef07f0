#!/usr/bin/env python3
"""Start-to-ready time of `reconciler run`, as systemd would see it.

    startup.py BINARY [--runs N] [--port P] [--json FILE]

For each run: exec BINARY run -c CONFIG, then time (from just before exec)
  ready   READY=1 on $NOTIFY_SOCKET (what ends `systemctl start` for Type=notify)
  readyz  the first 200 from GET /readyz (Docker answered and every repo was fetched)
  cpu     user+system CPU time the daemon had used by then (load-independent)
then SIGTERM and wait. Two series of N runs each:
  cold    an empty state directory every time (first start after install: clone, create state.db)
  warm    the state directory kept from the previous run (every restart after that)

The config is the packaged one in spirit: one local git repo holding examples/ and the example
stack suspended (planned against the engine, nothing deployed). Needs a reachable Docker engine.
The harness names itself "systemd" because .NET's UseSystemd() only sends READY=1 when its
parent process is called that.
"""
import argparse
import ctypes
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))


def make_repo(work):
    repo = os.path.join(work, "examples.git")
    src = os.path.join(work, "src")
    shutil.copytree(os.path.join(ROOT, "examples"), src)
    env = dict(os.environ, GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@localhost",
               GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@localhost")
    for cmd in (["git", "init", "-q", "-b", "main"], ["git", "add", "-A"],
                ["git", "-c", "commit.gpgsign=false", "commit", "-q", "-m", "examples"]):
        subprocess.run(cmd, cwd=src, env=env, check=True)
    subprocess.run(["git", "clone", "-q", "--bare", src, repo], check=True)
    return repo


def write_config(work, repo, port):
    path = os.path.join(work, "config.yaml")
    with open(path, "w") as f:
        f.write(f"""state_dir: {work}/state
metrics:
  listen: 127.0.0.1:{port}
repos:
  - name: examples
    url: {repo}
    branch: main
stacks:
  - name: hello
    repo: examples
    path: hello
    suspend: true
""")
    return path


def readyz(port):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=0.5)
        c.request("GET", "/readyz")
        return c.getresponse().status
    except OSError:
        return None


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_run(binary, config, port, notify_path, timeout=30.0):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    if os.path.exists(notify_path):
        os.unlink(notify_path)
    sock.bind(notify_path)
    sock.setblocking(False)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WATCHDOG_", "NOTIFY_"))}
    env["NOTIFY_SOCKET"] = notify_path
    t0 = time.monotonic()
    p = subprocess.Popen([binary, "run", "-c", config], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    ready = readyz_at = cpu = None
    try:
        while readyz_at is None or ready is None:
            now = time.monotonic() - t0
            if now > timeout:
                raise RuntimeError(f"not ready within {timeout}s (READY=1 at {ready}, readyz at {readyz_at})")
            if p.poll() is not None:
                raise RuntimeError(f"daemon exited {p.returncode}: {p.stderr.read().decode()[-2000:]}")
            try:
                while True:
                    msg = sock.recv(4096).decode()
                    if "READY=1" in msg.split("\n") and ready is None:
                        ready = time.monotonic() - t0
            except BlockingIOError:
                pass
            if readyz_at is None and readyz(port) == 200:
                readyz_at = time.monotonic() - t0
                cpu = cpu_seconds(p.pid)
            time.sleep(0.005)
    finally:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=45)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        sock.close()
    return {"ready": ready, "readyz": readyz_at, "cpu": cpu}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--port", type=int, default=9465)
    ap.add_argument("--json")
    a = ap.parse_args()
    binary = os.path.abspath(a.binary)
    ctypes.CDLL(None).prctl(15, b"systemd", 0, 0, 0)  # PR_SET_NAME: see the docstring

    work = tempfile.mkdtemp(prefix="reconciler-startup.")
    try:
        repo = make_repo(work)
        config = write_config(work, repo, a.port)
        notify = os.path.join(work, "notify")
        # One unmeasured start: page cache, Docker's first answer.
        one_run(binary, config, a.port, notify)
        results = {}
        for series in ("cold", "warm"):
            runs = []
            for _ in range(a.runs):
                if series == "cold":
                    shutil.rmtree(os.path.join(work, "state"), ignore_errors=True)
                runs.append(one_run(binary, config, a.port, notify))
            results[series] = runs
        version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
        t = time.monotonic()
        for _ in range(a.runs):
            subprocess.run([binary, "--version"], capture_output=True, check=True)
        version_ms = (time.monotonic() - t) / a.runs * 1000
    finally:
        shutil.rmtree(work, ignore_errors=True)

    load = os.getloadavg()[0]
    print(f"reconciler {version}  ({binary})")
    print(f"machine: {os.cpu_count()} CPUs, load average {load:.1f} at the end"
          + ("  ** busy machine: wall times are inflated; cpu is the steadier figure **" if load > os.cpu_count() else ""))
    print(f"{'series':6} {'READY=1 median':>15} {'/readyz 200 median':>19} {'cpu median':>11}   runs (readyz ms)")
    summary = {"version": version, "binary": binary, "load": load, "cpus": os.cpu_count(), "version_ms": version_ms}
    for series, runs in results.items():
        med = {k: statistics.median(r[k] for r in runs) * 1000 for k in ("ready", "readyz", "cpu")}
        summary[series] = {"median_ms": med, "runs": runs}
        print(f"{series:6} {med['ready']:>12.0f} ms {med['readyz']:>16.0f} ms {med['cpu']:>8.0f} ms   "
              + " ".join(f"{r['readyz'] * 1000:.0f}" for r in runs))
    print(f"reconciler --version: {version_ms:.0f} ms (mean of {a.runs})")
    target = summary["warm"]["median_ms"]["readyz"] < 1000 and summary["cold"]["median_ms"]["readyz"] < 1000
    print(f"target start-to-ready < 1 s: {'met' if target else 'NOT met'}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(summary, f, indent=2)


if __name__ == "__main__":
    sys.exit(main())
