"""`kubectl top` on real Podman: a pod spinning a busy loop (and holding some memory) shows CPU
and memory above zero, measured from Podman's stats by the daemon's metrics collector, and
`top node` prints the host's row for minikube.

The cluster runs in process (API server, controllers, kubelet, metrics collector) on a
`PodmanRuntime` of its own: a temporary state dir with its own `podman system service`, a
cluster id of this run's and a /24 of its own in 10.243.0.0/16, so it never collides with a
tutor cluster on this host. Everything it creates carries its labels and is removed after.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import Shell
from podman_cleanup import podman_cluster

pytestmark = pytest.mark.podman

RUN = uuid.uuid4().hex[:8]
CLUSTER = f"top-{RUN}"
SUBNET = f"10.243.{int(RUN[:2], 16)}.0/24"

# A busy loop that first puts about 8 MiB in a shell variable, so memory shows as whole Mi.
BUSY = """\
apiVersion: v1
kind: Pod
metadata:
  name: busy
  labels:
    app: busy
spec:
  containers:
  - name: spin
    image: busybox
    command: ["sh", "-c", "a=$(head -c 8388608 /dev/zero | tr '\\\\000' x); while true; do :; done"]
"""


@pytest.fixture
def podman_shell(tmp_path: Path) -> Iterator[Shell]:
    state = tmp_path / "state"
    state.mkdir()
    with podman_cluster(state, CLUSTER, SUBNET, metrics_interval=1.0) as cluster:
        yield Shell(cluster, tmp_path)


def until(shell: Shell, line: str, timeout: float = 60.0) -> str:
    """Run a command until it succeeds; returns its output."""
    deadline = time.monotonic() + timeout
    while True:
        r = shell.run(line, settle=False)
        if r.code == 0 and r.out:
            return r.out
        if time.monotonic() > deadline:
            raise AssertionError(f"{line!r} still fails: {r.err}")
        time.sleep(0.5)


def test_top_pod_shows_a_busy_loop_and_top_node_the_host(podman_shell: Shell) -> None:
    shell = podman_shell
    path = shell.write("busy.yaml", BUSY)
    assert shell.run(f"kubectl apply -f {path}", settle=False).out == "pod/busy created\n"
    out = until(shell, "kubectl top pod busy")
    header, row = out.splitlines()
    assert header.split() == ["NAME", "CPU(cores)", "MEMORY(bytes)"]
    name, cpu, memory = row.split()
    assert name == "busy"
    cpu_m = int(re.fullmatch(r"(\d+)m", cpu).group(1))  # type: ignore[union-attr]
    memory_mi = int(re.fullmatch(r"(\d+)Mi", memory).group(1))  # type: ignore[union-attr]
    # a busy loop takes about a whole core; 8 MiB of shell variable is at least 8Mi
    assert 300 <= cpu_m <= 1000 * (os.cpu_count() or 1) + 100, out
    assert memory_mi >= 8, out

    listed = until(shell, "kubectl top pod --containers -l app=busy").split()
    assert listed[:4] == ["POD", "NAME", "CPU(cores)", "MEMORY(bytes)"]
    assert listed[4:6] == ["busy", "spin"]

    node = until(shell, "kubectl top node").splitlines()
    assert node[0].split() == ["NAME", "CPU(cores)", "CPU%", "MEMORY(bytes)", "MEMORY%"]
    cells = node[1].split()
    assert cells[0] == "minikube"
    assert re.fullmatch(r"\d+m", cells[1]) and re.fullmatch(r"\d+%", cells[2])
    assert re.fullmatch(r"\d+Mi", cells[3]) and re.fullmatch(r"\d+%", cells[4])
    # the host runs the busy loop too: its CPU is at least most of that core
    assert int(cells[1][:-1]) >= 300, node

    # deleted: its metrics go with it
    assert shell.run("kubectl delete pod busy --grace-period=0 --force",
                     settle=False).code == 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        r = shell.run("kubectl top pod busy", settle=False)
        if r.code == 1:
            break
        time.sleep(0.5)
    assert r.err.startswith("Error from server (NotFound): ")
