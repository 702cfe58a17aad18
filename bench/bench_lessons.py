"""Lesson-engine benchmark: evaluating one step's checks against a cluster holding 300 objects.

The checks are evaluated as the TUI evaluates them after each command: through the daemon's
API socket (a real `kubia-tutor up --runtime fake` in a temporary state dir, so no container
noise), with a step of eight checks of the kinds lessons use most (exists, field, count with a
selector, ready over a selector, rollout, absent, ran, output). The cluster holds 300 objects:
a Deployment with 100 pods, 180 ConfigMaps, and the ReplicaSet and system objects.

Run: .venv/bin/python bench/bench_lessons.py [--rounds 50]
Prints a Markdown table. Not a test: numbers vary by machine.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import shutil
import statistics
import tempfile
import time

from bench_runtime import summary

from kubia_tutor.api.kinds import resolve
from kubia_tutor.client import lifecycle
from kubia_tutor.lessons.checks import CheckContext, CommandRecord, evaluate_all
from kubia_tutor.lessons.model import Check
from kubia_tutor.shell.main import open_session

CHECKS = [
    Check("exists", {"kind": "deployment", "name": "kubia"}),
    Check("field", {"kind": "deployment", "name": "kubia", "path": "spec.replicas",
                    "equals": 100}),
    Check("count", {"kind": "pod", "selector": "app=kubia", "equals": 100}),
    Check("ready", {"kind": "pod", "selector": "app=kubia"}),
    Check("rollout", {"kind": "deployment", "name": "kubia"}),
    Check("absent", {"kind": "pod", "name": "kubia-manual"}),
    Check("ran", {"pattern": r"kubectl scale deployment kubia"}),
    Check("output", {"command": "kubectl get", "contains": "kubia"}),
]
HISTORY = [CommandRecord("kubectl scale deployment kubia --replicas=100", 0,
                         "deployment.apps/kubia scaled\n"),
           CommandRecord("kubectl get deploy", 0, "NAME    READY     UP-TO-DATE   AVAILABLE\n"
                                                  "kubia   100/100   100          100\n")]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    state = tempfile.mkdtemp(prefix="kubia-bench-lessons-")
    try:
        lifecycle.up(state, "fake")
        buffer = io.StringIO()
        session = open_session(state, "fake", out=buffer, err=buffer)
        session.run_line("kubectl create deployment kubia --image=luksa/kubia")
        session.run_line("kubectl scale deployment kubia --replicas=100")
        for n in range(180):
            session.run_line(f"kubectl create configmap bench-{n} --from-literal=n={n}")
        ctx = CheckContext(session.context(), history=HISTORY, in_pods=False)
        deadline = time.monotonic() + 120
        while not all(r.passed for r in evaluate_all(CHECKS, ctx)):
            if time.monotonic() > deadline:
                failing = [r.message for r in evaluate_all(CHECKS, ctx) if not r.passed]
                raise SystemExit(f"the cluster did not converge: {failing}")
            time.sleep(0.5)
        objects = sum(len(session.client.list(rt, None).get("items") or [])
                      for rt in (resolve("pods"), resolve("configmaps"), resolve("replicasets"),
                                 resolve("deployments"), resolve("services"),
                                 resolve("endpoints"), resolve("namespaces"),
                                 resolve("serviceaccounts"), resolve("secrets")))
        samples = []
        for _ in range(args.rounds):
            started = time.perf_counter()
            results = evaluate_all(CHECKS, ctx)
            samples.append(time.perf_counter() - started)
            assert all(r.passed for r in results)
        median_ms = statistics.median(samples) * 1000
        session.close()
    finally:
        lifecycle.reset(state)
        shutil.rmtree(state, ignore_errors=True)
    print(f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}\n")
    print("| measurement | result | note |\n|---|---|---|")
    print(f"| a step's {len(CHECKS)} checks against {objects} objects, over the daemon's "
          f"socket | {summary(samples)} | target < 10 ms: "
          f"{'met' if median_ms < 10 else 'missed'} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
