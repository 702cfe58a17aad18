"""Helpers of the reliability suite (tests/integration/test_reliability_*.py): a real daemon on
the Podman runtime in a state dir of the test's own, started and found as a learner's would be,
and what the suite compares: the store's pods, the Podman containers labelled with the
cluster's id, the daemon's processes and their resources.

Every helper that lists Podman objects filters by the cluster's label, so nothing the tests did
not create is ever looked at, let alone touched.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from daemon_harness import KUBIA_TUTOR, daemon_pids, wait_gone

from kubia_tutor.api.kinds import resolve
from kubia_tutor.client import lifecycle
from kubia_tutor.client.http import HttpClient
from kubia_tutor.daemon import paths
from kubia_tutor.runtime.podman import labels

Obj = dict[str, Any]
T = TypeVar("T")

PODS = resolve("pods")
EVENTS = resolve("events")
RS = resolve("replicasets")
DEPLOY = resolve("deployments")
SVC = resolve("services")
CM = resolve("configmaps")
NS = "default"
IMAGE = "busybox"


def env_int(name: str, default: int) -> int:
    """An integer from the environment (the suite's long modes), else `default`."""
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def rng(name: str) -> tuple[random.Random, int]:
    """A seeded random source; KUBIA_RELIABILITY_SEED replays a failed run."""
    seed = env_int("KUBIA_RELIABILITY_SEED", random.SystemRandom().randrange(1 << 30))
    print(f"{name}: KUBIA_RELIABILITY_SEED={seed}")
    return random.Random(seed), seed


def wait_for(probe: Callable[[], T], timeout: float = 90.0, every: float = 0.5) -> T:
    """Call `probe` until it returns something true; returns that, or the last value."""
    deadline = time.monotonic() + timeout
    value = probe()
    while not value and time.monotonic() < deadline:
        time.sleep(every)
        value = probe()
    return value


class Tutor:
    """`kubia-tutor` on one state dir with the Podman runtime: a real daemon process."""

    def __init__(self, state: Path) -> None:
        self.state = state
        self.socket = paths.socket_file(str(state))

    def run(self, command: str, *extra: str, stdin: str | None = None,
            timeout: float = 180.0) -> subprocess.CompletedProcess[str]:
        """Run one subcommand to completion and capture what it printed."""
        return subprocess.run([str(KUBIA_TUTOR), command, "--state-dir", str(self.state),
                               "--runtime", "podman", *extra], input=stdin,
                              capture_output=True, text=True, timeout=timeout,
                              stdin=None if stdin is not None else subprocess.DEVNULL)

    def up(self) -> int:
        """Start the daemon (`lifecycle.up`, as `kubia-tutor up` does); returns its pid."""
        status, _ = lifecycle.up(str(self.state), "podman", timeout=120)
        return status.pid

    def pid(self) -> int:
        """The pid of the one daemon serving the state dir."""
        pids = daemon_pids(self.state)
        assert len(pids) == 1, f"daemons of {self.state}: {pids}"
        return pids[0]

    def kill9(self, pid: int | None = None) -> int:
        """SIGKILL the daemon (found when `pid` is not given), as a crash would end it;
        returns the pid killed."""
        pid = pid or self.pid()
        os.kill(pid, signal.SIGKILL)
        wait_gone(pid, timeout=20)
        return pid

    def client(self, timeout: float = 30.0) -> HttpClient:
        """An API client on the daemon's socket (the caller closes it)."""
        return HttpClient(self.socket, timeout=timeout)

    @property
    def cluster_id(self) -> str:
        return (self.state / "cluster-id").read_text().strip()

    def reset(self) -> None:
        """`kubia-tutor reset`: stop the daemon, remove its Podman objects, wipe the state;
        any daemon process of the state dir still alive after that is killed by pid."""
        cluster = self.cluster_id if (self.state / "cluster-id").exists() else None
        if self.state.exists():
            done = self.run("reset")
            assert done.returncode == 0, done.stdout + done.stderr
        for pid in daemon_pids(self.state):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            wait_gone(pid)
        if cluster is not None:
            left = containers(cluster)
            assert not left, f"reset left containers of cluster {cluster}: {left}"


@contextlib.contextmanager
def tutor(state: Path) -> Iterator[Tutor]:
    """A started Podman daemon on `state`, reset (everything of it removed) afterwards."""
    kubia = Tutor(state)
    try:
        kubia.up()
        yield kubia
    finally:
        kubia.reset()


# Podman, by the cluster's label only ----------------------------------------------------------


def podman(*args: str, conf: Path | None = None, timeout: float = 120
           ) -> subprocess.CompletedProcess[str]:
    """`podman ARGS` (with a containers.conf of the tutor's when given)."""
    env = dict(os.environ)
    if conf is not None:
        env["CONTAINERS_CONF"] = str(conf)
    return subprocess.run(["podman", *args], capture_output=True, text=True, env=env,
                          timeout=timeout, check=False)


@dataclass(frozen=True)
class Container:
    """A Podman container labelled with a cluster's id."""

    id: str
    name: str
    state: str
    pod_uid: str
    container: str  # "" for a pod's infra container


def containers(cluster: str) -> list[Container]:
    """Every Podman container (running or not) labelled with the cluster's id."""
    done = podman("ps", "-a", "--filter", f"label={labels.CLUSTER}={cluster}", "--format",
                  "json")
    assert done.returncode == 0, done.stderr
    found = []
    for entry in json.loads(done.stdout or "[]"):
        lab = entry.get("Labels") or {}
        if lab.get(labels.CLUSTER) != cluster:
            continue
        found.append(Container(id=str(entry["Id"]), name=(entry.get("Names") or [""])[0],
                               state=str(entry.get("State", "")),
                               pod_uid=lab.get(labels.POD_UID, ""),
                               container=lab.get(labels.CONTAINER, "")))
    return found


def store_pods(client: HttpClient) -> list[Obj]:
    """Every pod in the store, in every namespace."""
    items: list[Obj] = client.list(PODS, None)["items"]
    return items


def orphans(kubia: Tutor, client: HttpClient) -> list[Container]:
    """Containers labelled with the cluster's id whose pod object is not in the store."""
    # containers first: a pod created between the two listings can only add uids
    found = containers(kubia.cluster_id)
    uids = {p["metadata"]["uid"] for p in store_pods(client)}
    return [c for c in found if c.pod_uid not in uids]


def no_orphans(kubia: Tutor, client: HttpClient, timeout: float = 60.0) -> list[Container]:
    """Wait until no container is without its pod; returns what is left over ([] = fine)."""
    left = wait_for(lambda: not orphans(kubia, client), timeout=timeout, every=1.0)
    return [] if left else orphans(kubia, client)


# Objects and their state -------------------------------------------------------------------------


def sleeper() -> Obj:
    """A pod spec: one busybox container that sleeps and ends at once on SIGTERM."""
    return {"terminationGracePeriodSeconds": 1,
            "containers": [{"name": "main", "image": IMAGE,
                            "command": ["sh", "-c", "trap 'exit 0' TERM; "
                                        "while true; do sleep 1; done"]}]}


def pod(name: str, spec: Obj | None = None, labels_: dict[str, str] | None = None) -> Obj:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "labels": labels_ or {"run": name}},
            "spec": spec or sleeper()}


def replicaset(name: str, replicas: int) -> Obj:
    sel = {"app": name}
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": name, "labels": sel},
            "spec": {"replicas": replicas, "selector": {"matchLabels": sel},
                     "template": {"metadata": {"labels": sel}, "spec": sleeper()}}}


def deployment(name: str, replicas: int) -> Obj:
    sel = {"app": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "labels": sel},
            "spec": {"replicas": replicas, "selector": {"matchLabels": sel},
                     "template": {"metadata": {"labels": sel}, "spec": sleeper()}}}


def service(name: str, app: str, node_port: bool = False) -> Obj:
    spec: Obj = {"selector": {"app": app}, "ports": [{"port": 80, "targetPort": 8080}]}
    if node_port:
        spec["type"] = "NodePort"
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": spec}


def configmap(name: str, **data: str) -> Obj:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}


def ready(pod_: Obj) -> bool:
    """Whether a pod is running, Ready and not being deleted."""
    if pod_["metadata"].get("deletionTimestamp"):
        return False
    status = pod_.get("status") or {}
    return status.get("phase") == "Running" and any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in status.get("conditions") or [])


def owned_by(pod_: Obj, uid: str) -> bool:
    return any(ref.get("uid") == uid for ref in pod_["metadata"].get("ownerReferences") or [])


def events_of(client: HttpClient, pod_name: str) -> list[Obj]:
    """The events recorded about one pod of the default namespace."""
    items: list[Obj] = client.list(EVENTS, NS)["items"]
    return [e for e in items if (e.get("involvedObject") or {}).get("name") == pod_name
            and (e.get("involvedObject") or {}).get("kind") == "Pod"]


# The daemon's processes -----------------------------------------------------------------------


def _ppid(pid: int) -> int | None:
    try:
        stat = Path("/proc", str(pid), "stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[-1].split()[1])


def descendants(*roots: int) -> set[int]:
    """`roots` and every process below them."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (ppid := _ppid(int(entry))) is not None:
            parents[int(entry)] = ppid
    found = set(roots)
    grew = True
    while grew:
        more = {pid for pid, ppid in parents.items() if ppid in found} - found
        found |= more
        grew = bool(more)
    return found


def rss_kib(pid: int) -> int:
    """The process's resident set size (VmRSS) in KiB."""
    for line in Path("/proc", str(pid), "status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


def fd_count(pid: int) -> int:
    """How many file descriptors the process has open."""
    return len(os.listdir(f"/proc/{pid}/fd"))
