"""Service traffic on real Podman through the userspace proxy: a pod reaches `http://kubia`
(the cluster IP, DNAT-ed to the proxy's listener on 127.0.0.1) and more than one pod
answers; a NodePort answers on 127.0.0.1:<nodePort> from the host; the proxy listens on
127.0.0.1 only; `reset` leaves no NAT chain behind."""

from __future__ import annotations

import re
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from daemon_harness import daemon_pids
from podman_shell import get_json, reset, shell, wait_for

from kubia_tutor.runtime.network.redirect import chain_name, service_chain_name

KUBIA_RS = """\
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: kubia
spec:
  replicas: 3
  selector:
    matchLabels:
      app: kubia
  template:
    metadata:
      labels:
        app: kubia
    spec:
      containers:
      - name: kubia
        image: taodaling/kubia
        ports:
        - containerPort: 8080
"""

NODEPORT = """\
apiVersion: v1
kind: Service
metadata:
  name: kubia-nodeport
spec:
  type: NodePort
  ports:
  - port: 80
    targetPort: 8080
    nodePort: {node_port}
  selector:
    app: kubia
"""


EXTERNAL = """\
apiVersion: v1
kind: Service
metadata:
  name: external-service
spec:
  ports:
  - port: 80
---
apiVersion: v1
kind: Endpoints
metadata:
  name: external-service
subsets:
- addresses:
  - ip: 11.11.11.11
  ports:
  - port: 80
"""


def nat_rules(table: str = "nat") -> str:
    return subprocess.run(["iptables", "-w", "5", "-t", table, "-S"], capture_output=True,
                          text=True, timeout=30).stdout


def free_node_port() -> int:
    for port in [30123, *range(31500, 31600)]:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError("no free node port")


def listeners_of(pid: int) -> list[str]:
    """The local addresses of the TCP sockets `pid` listens on (`ss -ltnp`)."""
    out = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True, timeout=30).stdout
    return [line.split()[3] for line in out.splitlines() if f"pid={pid}," in line]


def ready(state: Path) -> list[str]:
    pods = get_json(state, "endpoints kubia").get("subsets") or []
    return [a["ip"] for s in pods for a in s.get("addresses") or []]


@pytest.mark.podman
def test_pods_and_the_host_reach_services_through_the_proxy(tmp_path: Path) -> None:
    state = tmp_path / "state"
    node_port = free_node_port()
    (tmp_path / "kubia-rs.yml").write_text(KUBIA_RS)
    (tmp_path / "kubia-svc-nodeport.yml").write_text(NODEPORT.format(node_port=node_port))
    cluster = ""
    try:
        shell(state, f"kubectl create -f {tmp_path / 'kubia-rs.yml'}",
              "kubectl expose rs kubia --port=80 --target-port=8080",
              f"kubectl create -f {tmp_path / 'kubia-svc-nodeport.yml'}")
        cluster = (state / "cluster-id").read_text().strip()
        assert wait_for(lambda: len(ready(state)) == 3, timeout=120), \
            shell(state, "kubectl get pods", "kubectl get endpoints")
        pod = get_json(state, "pods -l app=kubia")["items"][0]["metadata"]["name"]
        ip = get_json(state, "service kubia")["spec"]["clusterIP"]
        answers = set()
        for _ in range(8):
            out = shell(state, f"kubectl exec {pod} -- curl -s http://kubia")
            assert re.fullmatch(r"You've hit kubia-\w+\n", out), out
            answers.add(out)
        assert len(answers) > 1
        assert shell(state, f"kubectl exec {pod} -- curl -s http://{ip}").startswith(
            "You've hit kubia-")
        with urllib.request.urlopen(f"http://127.0.0.1:{node_port}", timeout=10) as reply:
            assert reply.read().decode().startswith("You've hit kubia-")
        assert service_chain_name(cluster) in nat_rules()
        # every listener of the daemon (the proxy's among them) is on 127.0.0.1 only
        pids = daemon_pids(state)
        assert pids
        local = listeners_of(pids[0])
        assert f"127.0.0.1:{node_port}" in local
        assert all(address.startswith("127.0.0.1:") for address in local), local
        # a service whose endpoint is outside the pod network fails at once, never dialled
        (tmp_path / "external.yml").write_text(EXTERNAL)
        shell(state, f"kubectl create -f {tmp_path / 'external.yml'}")
        started = time.monotonic()
        out = shell(state, f"kubectl exec {pod} -- curl -sS http://external-service")
        assert "You've hit" not in out and "curl: (" in out, out
        assert time.monotonic() - started < 10
    finally:
        reset(state)
    rules = nat_rules()
    assert cluster and service_chain_name(cluster) not in rules
    assert chain_name(cluster) not in rules
    # the REJECT of the unserved service range (the filter table's chain) goes too
    assert service_chain_name(cluster) not in nat_rules("filter")
