"""Probes on real Podman: the book's kubia-unhealthy pod is restarted by its liveness probe,
an exec readiness probe follows a file inside the container, a TCP probe on a closed port
fails with the kernel's answer, and an init container runs before the app."""

from __future__ import annotations

from pathlib import Path

import pytest
from podman_shell import get_json, reset, shell, wait_for

LIVENESS = """\
apiVersion: v1
kind: Pod
metadata:
  name: kubia-liveness
spec:
  containers:
  - image: luksa/kubia-unhealthy
    name: kubia
    livenessProbe:
      httpGet:
        path: /
        port: 8080
      periodSeconds: 1
"""

READINESS = """\
apiVersion: v1
kind: Pod
metadata:
  name: ready-file
spec:
  initContainers:
  - name: prepare
    image: busybox
    command: ["sh", "-c", "echo prepared > /work/state"]
    volumeMounts:
    - name: work
      mountPath: /work
  containers:
  - name: main
    image: busybox
    command: ["sh", "-c", "cat /work/state; sleep 3600"]
    volumeMounts:
    - name: work
      mountPath: /work
    readinessProbe:
      exec:
        command: ["ls", "/var/ready"]
      periodSeconds: 1
    livenessProbe:
      tcpSocket:
        port: 9999
      initialDelaySeconds: 3600
  volumes:
  - name: work
    emptyDir: {}
"""

TCP = """\
apiVersion: v1
kind: Pod
metadata:
  name: closed-port
spec:
  containers:
  - name: main
    image: luksa/kubia
    readinessProbe:
      tcpSocket:
        port: 9999
      periodSeconds: 1
"""


def container(state: Path, pod: str) -> dict:
    return (get_json(state, f"pod {pod}").get("status", {}).get("containerStatuses")
            or [{}])[0]


@pytest.mark.podman
def test_liveness_probe_restarts_the_unhealthy_kubia(tmp_path: Path) -> None:
    state = tmp_path / "state"
    manifest = tmp_path / "pod.yaml"
    manifest.write_text(LIVENESS)
    try:
        assert "pod/kubia-liveness created" in shell(state, f"kubectl create -f {manifest}")
        # five good answers, then 500s: three failed probes in a row restart it
        status = wait_for(lambda: (c := container(state, "kubia-liveness")).get(
            "restartCount", 0) >= 1 and c, timeout=90)
        assert status, container(state, "kubia-liveness")
        assert status["lastState"]["terminated"]["reason"] == "Error"
        out = shell(state, "kubectl describe pod kubia-liveness")
        assert "Liveness:       http-get http://:8080/ delay=0s timeout=1s period=1s " \
               "#success=1 #failure=3" in out
        assert "Liveness probe failed: HTTP probe failed with statuscode: 500" in out
        assert "Container kubia failed liveness probe, will be restarted" in out
        previous = shell(state, "kubectl logs kubia-liveness --previous")
        assert "Kubia server starting..." in previous
        assert previous.count("Received request from") >= 8
    finally:
        reset(state)


@pytest.mark.podman
def test_exec_readiness_probe_and_init_container(tmp_path: Path) -> None:
    state = tmp_path / "state"
    manifest = tmp_path / "pod.yaml"
    manifest.write_text(READINESS)
    try:
        assert "pod/ready-file created" in shell(state, f"kubectl create -f {manifest}")
        running = wait_for(lambda: "running" in (container(state, "ready-file").get("state")
                                                  or {}), timeout=60)
        assert running
        pod = get_json(state, "pod ready-file")
        init = pod["status"]["initContainerStatuses"][0]
        assert init["state"]["terminated"]["reason"] == "Completed"
        assert shell(state, "kubectl logs ready-file -c main") == "prepared\n"
        assert container(state, "ready-file")["ready"] is False
        line = shell(state, "kubectl get pod ready-file").splitlines()[1].split()
        assert line[1:3] == ["0/1", "Running"]
        shell(state, "kubectl exec ready-file -c main -- touch /var/ready")
        assert wait_for(lambda: container(state, "ready-file").get("ready"), timeout=20)
        assert shell(state, "kubectl get pod ready-file").splitlines()[1].split()[1] == "1/1"
        # the liveness probe's long initial delay keeps it from ever running
        assert container(state, "ready-file")["restartCount"] == 0
    finally:
        reset(state)


@pytest.mark.podman
def test_tcp_probe_on_a_closed_port_says_connection_refused(tmp_path: Path) -> None:
    state = tmp_path / "state"
    manifest = tmp_path / "pod.yaml"
    manifest.write_text(TCP)
    try:
        shell(state, f"kubectl create -f {manifest}")
        ip = wait_for(lambda: get_json(state, "pod closed-port").get("status", {})
                      .get("podIP"), timeout=60)
        expected = f"Readiness probe failed: dial tcp {ip}:9999: connect: connection refused"
        events = wait_for(lambda: expected in (out := shell(
            state, "kubectl get events --field-selector involvedObject.name=closed-port"))
            and out, timeout=30)
        assert events, shell(state, "kubectl describe pod closed-port")
        assert container(state, "closed-port")["ready"] is False
    finally:
        reset(state)
