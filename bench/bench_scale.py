"""Scale benchmarks: start-up to a usable shell, many pods to Ready against raw Podman, the
daemon's memory, and `kubectl get` latency as the number of objects grows.

startup  Cold start: no daemon runs and the state dir is new; `kubia-tutor up --runtime podman`
         then `kubia-tutor shell` answering `kubectl get nodes` (two processes, as a learner
         types them). Warm start: the daemon runs; `kubia-tutor shell` answering the same.
         Also from the cold start until kube-system's pods (the cluster DNS) are Ready. Each
         cold start gets a new state dir, removed with `kubia-tutor reset` afterwards.
pods     30 and N (default 100) pods from one multi-document manifest until all are Ready, with
         raw Podman (`podman pod create` + `podman run -d --init`, serially and 4 at a time)
         starting as many in the same run (bench_runtime's Tutor and RawPodman); and the
         daemon's memory (PSS of its process, and of the tutor's Podman service) idle and with
         the N pods running.
get      `kubectl get configmaps` at 10, 100 and 1,000 objects in a namespace, run in this
         process over the daemon's socket as the shell runs it (fake runtime: no containers).

Run: .venv/bin/python bench/bench_scale.py [startup|pods|get ...] [--repeat 5] [--batches 3]
     [--many 100] [--cold 3]
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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench_runtime import (
    PODS,
    RawPodman,
    Tutor,
    pod_yaml,
    podman_version,
    pss_kib,
    summary,
    wait,
)

from kubia_tutor.api.kinds import resolve
from kubia_tutor.client import lifecycle
from kubia_tutor.client.http import HttpClient
from kubia_tutor.daemon import paths
from kubia_tutor.runtime.images import catalog
from kubia_tutor.runtime.podman.service import pid_file
from kubia_tutor.shell import kubectl
from kubia_tutor.shell.command import Context
from kubia_tutor.shell.kubeconfig import KubeConfig

KUBIA = os.path.join(os.path.dirname(sys.executable), "kubia-tutor")
CONFIGMAPS = resolve("configmaps")
Row = tuple[str, str, str]


def run_cli(*args: str, stdin: str = "", timeout: float = 300) -> str:
    done = subprocess.run([KUBIA, *args], input=stdin, text=True, capture_output=True,
                          timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"kubia-tutor {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


def seconds(samples: list[float]) -> str:
    """Median and IQR of samples in seconds, in seconds."""
    q = statistics.quantiles(samples, n=4) if len(samples) > 1 else samples * 3
    return (f"{statistics.median(samples):.2f} s (IQR {q[0]:.2f}-{q[2]:.2f}, "
            f"n={len(samples)})")


def millis(samples: list[float]) -> str:
    """Median and IQR of samples in seconds, in milliseconds with one decimal."""
    q = statistics.quantiles(samples, n=4) if len(samples) > 1 else samples * 3
    return (f"{statistics.median(samples) * 1000:.1f} ms (IQR {q[0] * 1000:.1f}-"
            f"{q[2] * 1000:.1f}, n={len(samples)})")


def ready_in(client: HttpClient, namespace: str) -> bool:
    items = client.list(PODS, namespace)["items"]
    return bool(items) and all(any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in (p.get("status") or {}).get("conditions") or []) for p in items)


def reset(state: str) -> None:
    done = subprocess.run([KUBIA, "reset", "--state-dir", state], capture_output=True,
                          text=True, timeout=300)
    if done.returncode != 0:  # say so: the cluster's Podman objects may be left behind
        print(f"kubia-tutor reset failed: {done.stderr.strip()}", file=sys.stderr)
    shutil.rmtree(state, ignore_errors=True)


def startup_rows(cold_runs: int, warm_runs: int) -> list[Row]:
    """Cold and warm start to a shell answering `kubectl get nodes`, on the Podman runtime."""
    cold, dns = [], []
    for _ in range(cold_runs):
        state = tempfile.mkdtemp(prefix="kubia-bench-cold-")
        try:
            started = time.perf_counter()
            run_cli("up", "--runtime", "podman", "--state-dir", state)
            out = run_cli("shell", "--state-dir", state, stdin="kubectl get nodes\n")
            cold.append(time.perf_counter() - started)
            if "Ready" not in out:
                raise RuntimeError(f"kubectl get nodes: {out!r}")
            with HttpClient(paths.socket_file(state)) as client:
                wait(lambda c=client: ready_in(c, "kube-system"), 300)
            dns.append(time.perf_counter() - started)
        finally:
            reset(state)
    state = tempfile.mkdtemp(prefix="kubia-bench-warm-")
    warm = []
    try:
        run_cli("up", "--runtime", "podman", "--state-dir", state)
        run_cli("shell", "--state-dir", state, stdin="kubectl get nodes\n")
        for _ in range(warm_runs):
            started = time.perf_counter()
            run_cli("shell", "--state-dir", state, stdin="kubectl get nodes\n")
            warm.append(time.perf_counter() - started)
    finally:
        reset(state)
    return [
        ("cold start: `kubia-tutor up` (new state dir, Podman) + `kubia-tutor shell` answering "
         "`kubectl get nodes`", seconds(cold), "minikube ≈ 51 s, kind ≈ 33 s, k3d ≈ 20 s"),
        ("cold start until kube-system's pods (cluster DNS) are Ready", seconds(dns), ""),
        ("warm start: daemon running, `kubia-tutor shell` answering `kubectl get nodes`",
         summary(warm), ""),
    ]


def service_pss_kib(state: str) -> int:
    try:
        return pss_kib(int(pid_file(state).read_text().strip()))
    except (OSError, ValueError):
        return 0


def pods_rows(batches: int, many: int) -> list[Row]:
    """30 and `many` pods to Ready against raw Podman; the daemon's PSS idle and with `many`."""
    rows: list[Row] = []
    state = tempfile.mkdtemp(prefix="kubia-bench-scale-")
    tutor: Tutor | None = None
    raw: RawPodman | None = None
    try:
        tutor = Tutor(state)
        status = lifecycle.probe(state)
        assert status is not None
        work = Path(state, "manifests")
        work.mkdir()
        # warm-up: builds the catalog image and the pause image once, outside the timings
        Path(work, "warm.yaml").write_text(pod_yaml("warm"))
        tutor.apply_until_ready(str(work / "warm.yaml"), {"warm"})
        tutor.delete_all()
        found = catalog.resolve("luksa/kubia")
        assert found is not None
        raw = podman = RawPodman(state, found.local_name())
        raw.start_pod()
        raw.remove_all()
        time.sleep(2.0)
        idle, idle_service = pss_kib(status.pid), service_pss_kib(state)
        busy = busy_service = 0
        for count in (30, many):
            ours, serial, parallel = [], [], []
            for batch in range(batches):
                names = {f"scale-{count}-{batch}-{i:03d}" for i in range(count)}
                path = work / f"scale-{count}-{batch}.yaml"
                path.write_text("---\n".join(pod_yaml(n) for n in sorted(names)))
                ours.append(tutor.apply_until_ready(str(path), names, timeout=1200))
                if count == many and batch == 0:
                    time.sleep(2.0)
                    busy, busy_service = pss_kib(status.pid), service_pss_kib(state)
                tutor.delete_all()
                start = time.perf_counter()
                for _ in range(count):
                    raw.start_pod()
                serial.append(time.perf_counter() - start)
                raw.remove_all()
                start = time.perf_counter()
                with ThreadPoolExecutor(4) as pool:
                    list(pool.map(lambda _: podman.start_pod(), range(count)))
                parallel.append(time.perf_counter() - start)
                raw.remove_all()
            rows.append((f"{count} pods, one multi-document manifest → all Ready",
                         seconds(ours), ""))
            rows.append((f"raw: {count} × (pod create + run -d), one after another",
                         seconds(serial), ""))
            rows.append((f"raw: {count} pods, 4 at a time", seconds(parallel), ""))
            rows.append((f"{count} pods: ratio against serial / 4-at-a-time raw Podman",
                         f"{statistics.median(ours) / statistics.median(serial):.2f}x / "
                         f"{statistics.median(ours) / statistics.median(parallel):.2f}x",
                         "target ≤ 1.5 (serial)"))
        rows.append(("daemon memory, idle (PSS of the daemon process; + the tutor's Podman "
                     "service)", f"{idle / 1024:.1f} MB; {(idle + idle_service) / 1024:.1f} MB",
                     ""))
        rows.append((f"daemon memory, {many} pods running (PSS of the daemon process; + the "
                     "tutor's Podman service)",
                     f"{busy / 1024:.1f} MB; {(busy + busy_service) / 1024:.1f} MB",
                     "k3s ≈ 1.6 GB with a workload"))
    finally:
        if raw is not None:
            raw.close()
        if tutor is not None:
            tutor.close()
        shutil.rmtree(state, ignore_errors=True)
    return rows


def configmap(i: int) -> dict[str, object]:
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": f"bench-{i:04d}", "labels": {"bench": "true"}},
            "data": {"n": str(i), "greeting": "hello from the benchmark"}}


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def get_rows(repeat: int, sizes: tuple[int, ...] = (10, 100, 1000)) -> list[Row]:
    """`kubectl get configmaps` over the daemon's socket (fake runtime) at each size."""
    rows: list[Row] = []
    state = tempfile.mkdtemp(prefix="kubia-bench-get-")
    try:
        lifecycle.up(state, "fake")
        with HttpClient(paths.socket_file(state)) as client:
            def get() -> None:
                out, err = io.StringIO(), io.StringIO()
                ctx = Context(client=client, out=out, err=err,
                              config=KubeConfig(None, "unix://bench"), cwd=state)
                if kubectl.run(ctx, ["get", "configmaps", "-n", "bench"]) != 0:
                    raise RuntimeError(err.getvalue())

            client.create(resolve("namespaces"), None, {
                "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "bench"}})
            made = 0
            for size in sizes:
                while made < size:
                    client.create(CONFIGMAPS, "bench", configmap(made))
                    made += 1
                get()  # warm-up
                samples = timed(get, repeat)
                rows.append((f"`kubectl get configmaps`, {size} objects, over the daemon's "
                             "socket (fake runtime)", millis(samples), ""))
    finally:
        lifecycle.reset(state)
        shutil.rmtree(state, ignore_errors=True)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("parts", nargs="*", metavar="startup|pods|get",
                        help="what to measure (default: all)")
    parser.add_argument("--repeat", type=int, default=15, help="samples of quick timings")
    parser.add_argument("--cold", type=int, default=5, help="cold starts")
    parser.add_argument("--batches", type=int, default=3, help="runs of each pod count")
    parser.add_argument("--many", type=int, default=100, help="the larger pod count")
    args = parser.parse_args()
    parts = args.parts or ["startup", "pods", "get"]
    unknown = set(parts) - {"startup", "pods", "get"}
    if unknown:
        parser.error(f"unknown part(s): {' '.join(sorted(unknown))}")
    podman = shutil.which("podman") is not None
    rows: list[Row] = []
    if "get" in parts:
        rows += get_rows(args.repeat)
    if podman and "startup" in parts:
        rows += startup_rows(args.cold, max(5, args.repeat // 2))
    if podman and "pods" in parts:
        rows += pods_rows(args.batches, args.many)
    if not podman and set(parts) - {"get"}:
        print("podman is not installed: only the fake-runtime measurements ran",
              file=sys.stderr)
    print(f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}, {podman_version() if podman else 'no podman'}\n")
    print("| measurement | result | note |\n|---|---|---|")
    for name, value, note in rows:
        print(f"| {name} | {value} | {note} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
