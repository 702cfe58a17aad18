"""End to end on real Podman: a pod from `kubectl run` runs as Podman containers, its log is
the container's, deletion stops it, and `reset` leaves nothing of the cluster behind."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest
from podman_shell import KUBIA, labelled, shell


@pytest.mark.podman
def test_a_pod_runs_for_real_and_reset_removes_it(tmp_path: Path) -> None:
    state = tmp_path / "state"
    try:
        out = shell(state, "kubectl run kubia --image=luksa/kubia --port=8080")
        assert "pod/kubia created" in out
        cluster = (state / "cluster-id").read_text().strip()
        deadline = time.monotonic() + 60
        phase = ""
        while time.monotonic() < deadline:
            pod = json.loads(shell(state, "kubectl get pod kubia -o json"))
            phase = pod.get("status", {}).get("phase", "")
            if phase == "Running":
                break
            time.sleep(0.5)
        assert phase == "Running"
        status = pod["status"]["containerStatuses"][0]
        assert status["containerID"].startswith("podman://")
        assert pod["status"]["podIP"].startswith("10.244.")
        names = labelled(cluster)
        assert any(name.endswith("-kubia-0") for name in names)
        logs = ""
        while time.monotonic() < deadline and "Kubia server starting..." not in logs:
            logs = shell(state, "kubectl logs kubia")
            time.sleep(0.2)
        assert "Kubia server starting..." in logs
        assert shell(state, "kubectl exec kubia -- curl -s http://localhost:8080") == \
            "You've hit kubia\n"
        out = shell(state, 'kubectl exec kubia -- sh -c "echo oops >&2; exit 3"')
        assert out == "oops\ncommand terminated with exit code 3\n"
        assert shell(state, "kubectl delete pod kubia") == 'pod "kubia" deleted\n'
        # kube-system's coredns pod stays; nothing of the deleted pod does
        assert [n for n in labelled(cluster) if not n.startswith("kube-system_")] == []
    finally:
        subprocess.run([KUBIA, "reset", "--state-dir", str(state)], capture_output=True,
                       timeout=120)
    assert not state.exists()
    if os.geteuid() == 0:
        routes = subprocess.run(["ip", "route", "show", "type", "unreachable"],
                                capture_output=True, text=True).stdout
        assert "10.244.0.0/16" in routes and "10.96.0.0/12" in routes


CRASH = """\
apiVersion: v1
kind: Pod
metadata:
  name: crash
spec:
  containers:
  - name: main
    image: busybox
    command: ["sh", "-c", "echo started; sleep 1; exit 1"]
"""


@pytest.mark.podman
def test_a_crashing_container_is_restarted_by_the_kubelet_with_back_off(tmp_path: Path) -> None:
    state = tmp_path / "state"
    manifest = tmp_path / "crash.yaml"
    manifest.write_text(CRASH)
    try:
        assert "pod/crash created" in shell(state, f"kubectl create -f {manifest}")
        deadline = time.monotonic() + 60
        status: dict = {}
        while time.monotonic() < deadline:
            pod = json.loads(shell(state, "kubectl get pod crash -o json"))
            status = (pod.get("status", {}).get("containerStatuses") or [{}])[0]
            waiting = (status.get("state") or {}).get("waiting") or {}
            if status.get("restartCount", 0) >= 1 and waiting.get("reason") == \
                    "CrashLoopBackOff":
                break
            time.sleep(0.5)
        assert (status["state"]["waiting"]["reason"]) == "CrashLoopBackOff"
        assert status["lastState"]["terminated"]["exitCode"] == 1
        assert status["lastState"]["terminated"]["reason"] == "Error"
        # each instance is its own container: the log holds one run, --previous the one before
        assert shell(state, "kubectl logs crash") == "started\n"
        assert shell(state, "kubectl logs crash --previous") == "started\n"
    finally:
        subprocess.run([KUBIA, "reset", "--state-dir", str(state)], capture_output=True,
                       timeout=120)
    assert not state.exists()
