"""The seed's pods chapter on real Podman, as a learner types it: a pod from the notes' YAML,
its log, port-forwarding to it from the host, exec into it, and deleting it."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from podman_shell import KUBIA, get_json, reset, shell, wait_for

# The notes' manifest, comments and all.
KUBIA_MANUAL = """\
apiVersion: v1 #描述符满足V1版本的Kubernetes API
kind: Pod #配置文件用于描述一个Pod
metadata:
  name: kubia-manual #这个Pod的名字
spec:
  containers:
  - image: taodaling/kubia #用来创建容器的镜像
    name: kubia #容器的名字
    ports:
    - containerPort: 8080 #应用监听的端口
      protocol: TCP #端口协议
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return str(answer.read().decode())
    except OSError:
        return ""


@pytest.mark.podman
def test_the_pods_chapter_runs_for_real(tmp_path: Path) -> None:
    state = tmp_path / "state"
    (tmp_path / "kubia-manual.yml").write_text(KUBIA_MANUAL)
    try:
        out = shell(state, f"kubectl create -f {tmp_path / 'kubia-manual.yml'}")
        assert out == "pod/kubia-manual created\n"
        assert wait_for(lambda: get_json(state, "pod kubia-manual").get("status", {})
                        .get("phase") == "Running", timeout=60)
        logs = wait_for(lambda: "Kubia server starting..." in (text := shell(
            state, "kubectl logs kubia-manual")) and text, timeout=20)
        assert logs == "Kubia server starting...\n"
        assert shell(state, "kubectl logs kubia-manual -c kubia") == logs

        port = free_port()
        with subprocess.Popen(
                [KUBIA, "shell", "--runtime", "podman", "--state-dir", str(state)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                text=True) as forward:
            assert forward.stdin is not None and forward.stdout is not None
            forward.stdin.write(f"kubectl port-forward kubia-manual {port}:8080\n")
            forward.stdin.flush()
            assert forward.stdout.readline() == f"Forwarding from 127.0.0.1:{port} -> 8080\n"
            answer = wait_for(lambda: fetch(f"http://127.0.0.1:{port}/"), timeout=10)
            assert answer == "You've hit kubia-manual\n"
            assert forward.stdout.readline() == f"Handling connection for {port}\n"
            forward.send_signal(signal.SIGINT)  # Ctrl+C, as a learner ends it
            forward.stdin.close()
            forward.wait(timeout=20)
        assert "Received request from" in shell(state, "kubectl logs kubia-manual")

        assert shell(state, "kubectl exec kubia-manual -- curl -s http://localhost:8080") == \
            "You've hit kubia-manual\n"
        started = time.monotonic()
        assert shell(state, "kubectl delete pod kubia-manual") == 'pod "kubia-manual" deleted\n'
        assert time.monotonic() - started < 15  # the kubia server ends on SIGTERM
        assert "NotFound" in shell(state, "kubectl get pod kubia-manual")
    finally:
        reset(state)
