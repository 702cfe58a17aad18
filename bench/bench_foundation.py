"""Foundation benchmarks: kubectl get latency, shell start-up (cold and warm daemon) and daemon
memory, with raw Podman CLI calls measured in the same run as the reference point.

Run: .venv/bin/python bench/bench_foundation.py [--pods 500] [--repeat 15]
Prints a Markdown table. Not a test: numbers vary by machine; ratios are what to compare.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

from kubia_tutor.api.kinds import resolve
from kubia_tutor.client import lifecycle
from kubia_tutor.client.http import HttpClient
from kubia_tutor.daemon import paths
from kubia_tutor.daemon.cluster import Cluster
from kubia_tutor.shell import kubectl
from kubia_tutor.shell.command import Context
from kubia_tutor.shell.kubeconfig import KubeConfig

PODS = resolve("pods")
KUBIA = os.path.join(os.path.dirname(sys.executable), "kubia-tutor")


def pod(i: int) -> dict[str, object]:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"kubia-{i:04d}", "labels": {"app": "kubia"}},
            "spec": {"containers": [{"name": "kubia", "image": "luksa/kubia",
                                     "ports": [{"containerPort": 8080}]}]}}


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def summary(samples: list[float]) -> str:
    q = statistics.quantiles(samples, n=4) if len(samples) > 1 else samples * 3
    return f"{statistics.median(samples):.1f} ms (IQR {q[0]:.1f}-{q[2]:.1f}, n={len(samples)})"


def get_pods(client: object) -> None:
    out, err = io.StringIO(), io.StringIO()
    ctx = Context(client=client, out=out, err=err,  # type: ignore[arg-type]
                  config=KubeConfig(None, "unix://bench"))
    code = kubectl.run(ctx, ["get", "pods"])
    assert code == 0, err.getvalue()


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def run_cli(*args: str, stdin: str = "") -> None:
    subprocess.run([KUBIA, *args], input=stdin.encode(), check=True, capture_output=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pods", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    rows: list[tuple[str, str, str]] = []

    cluster = Cluster(None, "fake")
    for i in range(args.pods):
        cluster.api.create(PODS, "default", pod(i))
    cluster.settle()
    get_pods(cluster.api)
    local = timed(lambda: get_pods(cluster.api), args.repeat)
    rows.append((f"`kubectl get pods`, {args.pods} pods, in process (API in memory)",
                 summary(local), "target < 30 ms"))
    cluster.stop()

    state = tempfile.mkdtemp(prefix="kubia-bench-")
    try:
        start = time.perf_counter()
        run_cli("shell", "--runtime", "fake", "--state-dir", state, stdin="kubectl get ns\n")
        cold = (time.perf_counter() - start) * 1000
        rows.append(("`kubia-tutor shell` to first answer, cold daemon", f"{cold:.0f} ms",
                     "target < 1500 ms"))
        warm = timed(lambda: run_cli("shell", "--state-dir", state, stdin="kubectl get ns\n"),
                     max(5, args.repeat // 3))
        rows.append(("`kubia-tutor shell` to first answer, warm daemon", summary(warm),
                     "target < 300 ms"))
        client = HttpClient(paths.socket_file(state))
        status = lifecycle.probe(state)
        assert status is not None
        rows.append(("daemon RSS, idle, empty cluster", f"{rss_mb(status.pid):.1f} MB", ""))
        for i in range(args.pods):
            client.create(PODS, "default", pod(i))
        time.sleep(2.0)
        over_socket = timed(lambda: get_pods(client), args.repeat)
        rows.append((f"`kubectl get pods`, {args.pods} pods, over the daemon's socket",
                     summary(over_socket), "target < 30 ms"))
        rows.append((f"daemon RSS, idle, {args.pods} pods (+ their events)",
                     f"{rss_mb(status.pid):.1f} MB", "target < 120 MB"))
        podman = shutil.which("podman")
        if podman:
            ps = timed(lambda: subprocess.run([podman, "ps", "-a"], capture_output=True),
                       max(5, args.repeat // 3))
            version = timed(lambda: subprocess.run([podman, "version"], capture_output=True),
                            max(5, args.repeat // 3))
            rows.append(("reference: `podman ps -a` (raw Podman CLI)", summary(ps), ""))
            rows.append(("reference: `podman version`", summary(version), ""))
            ratio = statistics.median(warm) / statistics.median(ps)
            rows.append(("ratio: warm shell answer / `podman ps -a`", f"{ratio:.2f}x", ""))
    finally:
        lifecycle.stop(state)
        shutil.rmtree(state, ignore_errors=True)

    print(f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}\n")
    print("| measurement | result | note |\n|---|---|---|")
    for name, value, note in rows:
        print(f"| {name} | {value} | {note} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
