"""Container lifecycle on real Podman: a memory limit ends in OOMKilled, deletion honours the
grace period, and the kubelet recovers containers removed behind its back and the leftovers
of pods deleted while the daemon was down."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from podman_shell import KUBIA, get_json, labelled, reset, shell, wait_for

from kubia_tutor.api.kinds import resolve
from kubia_tutor.api.server import ApiServer
from kubia_tutor.api.store import Store
from kubia_tutor.clock import Clock

OOM = """\
apiVersion: v1
kind: Pod
metadata:
  name: hog
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: busybox
    command: ["sh", "-c", "x=$(head -c 64000000 /dev/zero | tr '\\\\0' a); echo $x | wc -c"]
    resources:
      limits:
        memory: 16Mi
"""

STUBBORN = """\
apiVersion: v1
kind: Pod
metadata:
  name: stubborn
spec:
  terminationGracePeriodSeconds: 3
  containers:
  - name: main
    image: busybox
    command: ["sh", "-c", "trap '' TERM; while true; do sleep 1; done"]
"""


def container(state: Path, pod: str) -> dict:
    return (get_json(state, f"pod {pod}").get("status", {}).get("containerStatuses")
            or [{}])[0]


@pytest.mark.podman
def test_a_container_over_its_memory_limit_is_oom_killed(tmp_path: Path) -> None:
    state = tmp_path / "state"
    (tmp_path / "pod.yaml").write_text(OOM)
    try:
        shell(state, f"kubectl create -f {tmp_path / 'pod.yaml'}")
        term = wait_for(lambda: (container(state, "hog").get("state") or {}).get(
            "terminated"), timeout=60)
        assert term, container(state, "hog")
        assert term["reason"] == "OOMKilled"
        assert term["exitCode"] == 137
        line = shell(state, "kubectl get pod hog").splitlines()[1].split()
        assert line[2] == "OOMKilled"
    finally:
        reset(state)


@pytest.mark.podman
def test_deletion_waits_out_the_grace_period_then_kills(tmp_path: Path) -> None:
    state = tmp_path / "state"
    (tmp_path / "pod.yaml").write_text(STUBBORN)
    try:
        shell(state, f"kubectl create -f {tmp_path / 'pod.yaml'}")
        assert wait_for(lambda: "running" in (container(state, "stubborn").get("state")
                                               or {}), timeout=60)
        with subprocess.Popen(
                [KUBIA, "shell", "--runtime", "podman", "--state-dir", str(state)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                text=True) as deleter:
            started = time.monotonic()
            assert deleter.stdin is not None and deleter.stdout is not None
            deleter.stdin.write("kubectl delete pod stubborn\n")
            deleter.stdin.close()
            shown = wait_for(lambda: "Terminating" in shell(state, "kubectl get pod stubborn"),
                             timeout=5, every=0.2)
            assert shown, "the pod never showed as Terminating"
            out = deleter.stdout.read()
            deleter.wait(timeout=60)
        took = time.monotonic() - started
        assert out == 'pod "stubborn" deleted\n'
        # SIGTERM is ignored, so only SIGKILL after the 3 s grace period ends it
        assert 2.5 <= took < 20, took
    finally:
        reset(state)


@pytest.mark.podman
def test_kubelet_recovers_containers_and_removes_leftovers(tmp_path: Path) -> None:
    state = tmp_path / "state"
    try:
        shell(state, "kubectl run keep --image=busybox -- sleep 3600",
              "kubectl run gone --image=busybox -- sleep 3600")
        for name in ("keep", "gone"):
            assert wait_for(lambda n=name: "running" in (container(state, n).get("state")
                                                         or {}), timeout=60)
        cluster = (state / "cluster-id").read_text().strip()
        first = container(state, "keep")["containerID"].removeprefix("podman://")
        # a container removed behind the kubelet's back is recreated, and counts a restart
        subprocess.run(["podman", "rm", "-f", first], capture_output=True, timeout=60)
        status = wait_for(lambda: (c := container(state, "keep")).get("restartCount") == 1
                          and "running" in (c.get("state") or {}) and c, timeout=30)
        assert status, container(state, "keep")
        # the pod "gone" is deleted while the daemon is down (straight from its store,
        # as a crash between the API's delete and the kubelet's cleanup would leave it)
        subprocess.run([KUBIA, "stop", "--state-dir", str(state)], capture_output=True,
                       timeout=60)
        assert any(n.endswith("-gone-0") for n in labelled(cluster))
        store = Store(str(state / "store.db"))
        ApiServer(store, Clock()).delete(resolve("pods"), "default", "gone", grace_period=0)
        store.close()
        keep = sorted(n for n in labelled(cluster) if "-keep-" in n)
        # on restart the running containers of "keep" are adopted, not recreated, and
        # everything of "gone" is removed
        assert "keep" in shell(state, "kubectl get pods")
        assert wait_for(lambda: not any("-gone-" in n for n in labelled(cluster)), timeout=30)
        time.sleep(3)
        assert container(state, "keep")["restartCount"] == 1
        assert sorted(n for n in labelled(cluster) if "-keep-" in n) == keep
    finally:
        reset(state)


@pytest.mark.podman
def test_a_missing_command_is_container_cannot_run(tmp_path: Path) -> None:
    state = tmp_path / "state"
    try:
        shell(state, "kubectl run typo --image=busybox --restart=Never --command -- nosuchcmd")
        term = wait_for(lambda: (container(state, "typo").get("state") or {}).get(
            "terminated"), timeout=60)
        assert term, container(state, "typo")
        assert (term["reason"], term["exitCode"]) == ("ContainerCannotRun", 127)
        assert 'exec: "nosuchcmd": executable file not found in $PATH' in term["message"]
        assert shell(state, "kubectl get pod typo").splitlines()[1].split()[2] == \
            "ContainerCannotRun"
    finally:
        reset(state)
