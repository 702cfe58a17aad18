"""Reliability: a soak of the daemon on real Podman with pods that never settle.

Crash-looping pods (a container that exits 1), pods failing their liveness probe and a
ReplicaSet with readiness probes run while the daemon's resident memory (VmRSS) and open file
descriptors are sampled, and a client polls the API as a learner's `kubectl get -w` would.
After a warm-up, memory may grow by less than 10% and file descriptors by a small slack; at
the end no container with the tutor's labels is left without its pod, a crash-looping
container keeps a bounded number of dead instances, and deleting the pods removes all their
containers.

KUBIA_SOAK_SECONDS sets the length (75 s by default, so CI exercises the test itself; 1200 for
the 20-minute soak).
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from pathlib import Path

import pytest
from reliability_helpers import (
    NS,
    PODS,
    RS,
    Obj,
    containers,
    env_int,
    fd_count,
    no_orphans,
    pod,
    replicaset,
    rss_kib,
    tutor,
    wait_for,
)

pytestmark = pytest.mark.podman

SECONDS = env_int("KUBIA_SOAK_SECONDS", 75)
MEMORY_GROWTH = 0.10
FD_SLACK = 8


def crasher(name: str) -> Obj:
    return pod(name, {"terminationGracePeriodSeconds": 1, "containers": [{
        "name": "main", "image": "busybox", "command": ["sh", "-c", "echo boom; exit 1"]}]})


def unhealthy(name: str) -> Obj:
    return pod(name, {"terminationGracePeriodSeconds": 1, "containers": [{
        "name": "main", "image": "busybox",
        "command": ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"],
        "livenessProbe": {"exec": {"command": ["false"]}, "periodSeconds": 2,
                          "failureThreshold": 1}}]})


def probed_replicaset(name: str) -> Obj:
    rs = replicaset(name, 2)
    rs["spec"]["template"]["spec"]["containers"][0]["readinessProbe"] = {
        "exec": {"command": ["true"]}, "periodSeconds": 1}
    return rs


def restarts(p: Obj) -> int:
    return sum(int(c.get("restartCount") or 0)
               for c in (p.get("status") or {}).get("containerStatuses") or [])


def test_soak_with_crash_loops_and_failing_probes(tmp_path: Path) -> None:
    names = ["crash-a", "crash-b", "sick-a", "sick-b"]
    with tutor(tmp_path / "state") as kubia, kubia.client() as client:
        pid = kubia.pid()
        for name in names:
            client.create(PODS, NS, crasher(name) if name.startswith("crash") else
                          unhealthy(name))
        client.create(RS, NS, probed_replicaset("steady"))

        warm_up = max(20.0, SECONDS / 4)
        every = 2.0 if SECONDS < 300 else 10.0
        start = time.monotonic()
        samples: list[tuple[float, int, int]] = []  # (seconds, RSS KiB, fds)
        while (now := time.monotonic() - start) < SECONDS:
            client.list(PODS, NS)  # a learner watching
            if now >= warm_up:
                samples.append((now, rss_kib(pid), fd_count(pid)))
            time.sleep(every)  # the sampling period: there is nothing to poll for
        assert len(samples) >= 6, samples
        third = max(3, len(samples) // 3)
        base_rss = statistics.median(s[1] for s in samples[:third])
        end_rss = statistics.median(s[1] for s in samples[-third:])
        base_fds = max(s[2] for s in samples[:third])
        end_fds = max(s[2] for s in samples[-third:])
        growth = (end_rss - base_rss) / base_rss
        report = (f"soak {SECONDS}s: RSS {base_rss / 1024:.1f} -> {end_rss / 1024:.1f} MiB "
                  f"({growth:+.1%}, max {max(s[1] for s in samples) / 1024:.1f}), fds "
                  f"{base_fds} -> {end_fds} (max {max(s[2] for s in samples)}), "
                  f"{len(samples)} samples")
        print(report)

        pods = {p["metadata"]["name"]: p for p in client.list(PODS, NS)["items"]}
        # the workload did what it was meant to: containers kept crashing and being killed
        assert all(restarts(pods[n]) >= 1 for n in names), \
            {n: (pods[n].get("status") or {}).get("containerStatuses") for n in names}
        assert growth < MEMORY_GROWTH, report
        assert end_fds <= base_fds + FD_SLACK, report

        # no container without its pod; dead instances do not pile up
        assert no_orphans(kubia, client) == []
        per_pod = Counter(c.pod_uid for c in containers(kubia.cluster_id) if c.container)
        crashers = {pods[n]["metadata"]["uid"]: n for n in names}
        print("container instances of the restarting pods:",
              {n: per_pod[u] for u, n in crashers.items()})
        piled = {crashers[u]: k for u, k in per_pod.items() if u in crashers and k > 3}
        assert not piled, (piled, report)

        # deleting the pods removes all their containers
        uids = {p["metadata"]["uid"] for p in pods.values()}
        client.delete(RS, NS, "steady")
        for name in names:
            client.delete(PODS, NS, name)
        left = wait_for(lambda: not [c for c in containers(kubia.cluster_id)
                                     if c.pod_uid in uids], 90, 1.0)
        assert left, [c for c in containers(kubia.cluster_id) if c.pod_uid in uids]
        assert no_orphans(kubia, client) == []
