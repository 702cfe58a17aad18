"""Workload controller benchmarks: `kubectl scale rs --replicas=30` to 30 Ready pods on real
Podman against raw Podman starting 30 such pods in the same run, and the ReplicaSet
controller's reaction time from a pod's deletion to its replacement's creation.

The scale-up runs the real daemon (`kubia-tutor up --runtime podman`) in a temporary state dir
with kubectl in this process over the daemon's socket, as `bench_runtime.py` does (its Tutor and
RawPodman helpers are reused: same catalog image, same network setup for raw Podman). The
reaction time needs no containers: it runs the controllers in-process on the fake runtime, so
it measures the controller loop alone. `kubia-tutor reset` removes the cluster at the end.

Run: .venv/bin/python bench/bench_controllers.py [--batches 3] [--pods 30] [--reactions 30]
Prints a Markdown table. Not a test: numbers vary by machine; ratios are what to compare.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench_runtime import PODS, RawPodman, Tutor, podman_version, summary, wait

from kubia_tutor.api.kinds import resolve
from kubia_tutor.daemon.cluster import Cluster
from kubia_tutor.runtime.images import catalog

RSS = resolve("replicasets")

REPLICASET = """apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: kubia
spec:
  replicas: 0
  selector:
    matchLabels:
      bench: "true"
  template:
    metadata:
      labels:
        bench: "true"
    spec:
      containers:
      - name: main
        image: luksa/kubia
"""


def ready_count(tutor: Tutor) -> int:
    items = tutor.client.list(PODS, "default", label_selector="bench=true")["items"]
    return sum(1 for p in items if not p["metadata"].get("deletionTimestamp") and any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in (p.get("status") or {}).get("conditions") or []))


def scale_to_zero(tutor: Tutor) -> None:
    tutor.kubectl("scale", "rs", "kubia", "--replicas=0")
    wait(lambda: not tutor.client.list(PODS, "default")["items"], 300)
    wait(lambda: not tutor.podman_pods(), 300)


def reaction_times(count: int) -> list[float]:
    """Seconds from `delete pod` to the replacement pod existing, with the controllers running
    in threads as in the daemon (fake runtime: no containers)."""
    cluster = Cluster(None, "fake")
    cluster.start()
    samples = []
    try:
        cluster.api.create(RSS, "default", {
            "apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "kubia"},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "kubia"}},
                     "template": {"metadata": {"labels": {"app": "kubia"}},
                                  "spec": {"containers": [{"name": "kubia",
                                                           "image": "luksa/kubia"}]}}}})

        def names() -> set[str]:
            return {p["metadata"]["name"] for p in cluster.api.list(PODS, "default")["items"]}

        wait(lambda: len(names()) == 3, 30)
        for _ in range(count):
            time.sleep(0.3)  # let the previous round's writes settle
            before = names()
            victim = sorted(before)[0]
            start = time.perf_counter()
            cluster.api.delete(PODS, "default", victim, grace_period=0)
            while not names() - before:
                cluster.store.wait(cluster.store.revision, 0.05)
            samples.append(time.perf_counter() - start)
    finally:
        cluster.stop()
    return samples


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=3)
    parser.add_argument("--pods", type=int, default=30)
    parser.add_argument("--reactions", type=int, default=30)
    args = parser.parse_args()
    rows: list[tuple[str, str, str]] = []

    reactions = reaction_times(args.reactions)
    median_ms = statistics.median(reactions) * 1000
    rows.append(("(b) pod deleted → replacement created (ReplicaSet controller, in-process, "
                 "fake runtime)", summary(reactions),
                 f"target < 200 ms: {'met' if median_ms < 200 else 'missed'}"))

    if not shutil.which("podman"):
        print("podman is not installed: only the in-process measurement ran")
    else:
        rows[:0] = scale_rows(args)
    print(f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}, {podman_version()}\n")
    print("| measurement | result | note |\n|---|---|---|")
    for name, value, note in rows:
        print(f"| {name} | {value} | {note} |")
    return 0


def scale_rows(args: argparse.Namespace) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    state = tempfile.mkdtemp(prefix="kubia-bench-ctl-")
    tutor: Tutor | None = None
    raw: RawPodman | None = None
    try:
        tutor = live = Tutor(state)
        path = Path(state, "rs.yaml")
        path.write_text(REPLICASET)
        tutor.kubectl("apply", "-f", str(path))
        # warm-up: the catalog image and the pause image are built once, outside the timings
        tutor.kubectl("scale", "rs", "kubia", "--replicas=1")
        wait(lambda: ready_count(live) == 1, 300)
        scale_to_zero(tutor)
        found = catalog.resolve("luksa/kubia")
        assert found is not None
        raw = podman = RawPodman(state, found.local_name())
        raw.start_pod()
        raw.remove_all()
        ours, serial, parallel = [], [], []
        for _ in range(args.batches):
            start = time.perf_counter()
            tutor.kubectl("scale", "rs", "kubia", f"--replicas={args.pods}")
            wait(lambda: ready_count(live) == args.pods, 600)
            ours.append(time.perf_counter() - start)
            scale_to_zero(tutor)
            start = time.perf_counter()
            for _ in range(args.pods):
                raw.start_pod()
            serial.append(time.perf_counter() - start)
            raw.remove_all()
            start = time.perf_counter()
            with ThreadPoolExecutor(4) as pool:
                list(pool.map(lambda _: podman.start_pod(), range(args.pods)))
            parallel.append(time.perf_counter() - start)
            raw.remove_all()
        rows.append((f"(a) `kubectl scale rs kubia --replicas={args.pods}` → all Ready",
                     summary(ours), ""))
        rows.append((f"(a) raw: {args.pods} × (pod create + run -d), one after another",
                     summary(serial), ""))
        rows.append(("(a) raw: the same, 4 at a time", summary(parallel), ""))
        ratio = statistics.median(ours) / statistics.median(serial)
        rows.append(("(a) ratio against serial raw Podman", f"{ratio:.2f}x", "target ≤ 1.5"))
        rows.append(("(a) ratio against 4-at-a-time raw Podman",
                     f"{statistics.median(ours) / statistics.median(parallel):.2f}x", ""))
    finally:
        if raw is not None:
            raw.close()
        if tutor is not None:
            tutor.close()
        shutil.rmtree(state, ignore_errors=True)
    return rows


if __name__ == "__main__":
    sys.exit(main())
