"""The book's kubia Ingress on real Podman: kubia.example.com answered on 127.0.0.1 by the
three kubia pods, over HTTP and, with `kubectl create secret tls`, over HTTPS; ADDRESS is
127.0.0.1 in `kubectl get ingress`."""

from __future__ import annotations

import re
import subprocess
import urllib.request
from pathlib import Path

import pytest
from daemon_harness import daemon_pids
from podman_shell import get_json, reset, shell, wait_for

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

INGRESS = """\
apiVersion: extensions/v1beta1
kind: Ingress
metadata:
  name: kubia
spec:
  tls:
  - hosts:
    - kubia.example.com
    secretName: tls-secret
  rules:
  - host: kubia.example.com
    http:
      paths:
      - path: /
        backend:
          serviceName: kubia
          servicePort: 80
"""


def http_get(port: int) -> str:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/",
                                     headers={"Host": f"kubia.example.com:{port}"})
    with urllib.request.urlopen(request, timeout=10) as reply:
        return str(reply.read().decode())


def ingress_ports(state: Path) -> tuple[int, int]:
    """The HTTP and HTTPS ports this test's daemon listens on: 80/443 when it could bind
    them, else its fallback 8080/8443 (another daemon on the machine may hold 80/443)."""
    pids = daemon_pids(state)
    assert pids
    out = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True, timeout=30).stdout
    local = {line.split()[3] for line in out.splitlines() if f"pid={pids[0]}," in line}
    found = [next((p for p in ports if f"127.0.0.1:{p}" in local), 0)
             for ports in ((80, 8080), (443, 8443))]
    assert all(found), local
    return found[0], found[1]


@pytest.mark.podman
def test_the_kubia_ingress_answers_on_127_0_0_1(tmp_path: Path) -> None:
    state = tmp_path / "state"
    (tmp_path / "kubia-rs.yml").write_text(KUBIA_RS)
    (tmp_path / "kubia-ingress-tls.yml").write_text(INGRESS)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(tmp_path / "tls.key"), "-out", str(tmp_path / "tls.cert"),
                    "-subj", "/CN=kubia.example.com"], check=True, capture_output=True,
                   timeout=60)
    try:
        shell(state, f"kubectl create -f {tmp_path / 'kubia-rs.yml'}",
              "kubectl expose rs kubia --port=80 --target-port=8080",
              f"kubectl create secret tls tls-secret --cert={tmp_path / 'tls.cert'} "
              f"--key={tmp_path / 'tls.key'}",
              f"kubectl create -f {tmp_path / 'kubia-ingress-tls.yml'}")

        def ready() -> int:
            subsets = get_json(state, "endpoints kubia").get("subsets") or []
            return len([a for s in subsets for a in s.get("addresses") or []])

        assert wait_for(lambda: ready() == 3, timeout=120), \
            shell(state, "kubectl get pods", "kubectl get endpoints")
        assert wait_for(lambda: "127.0.0.1" in shell(state, "kubectl get ingress"), 30)
        table = shell(state, "kubectl get ingress")
        assert re.search(r"kubia\s+<none>\s+kubia.example.com\s+127.0.0.1\s+80, 443", table), \
            table
        port, tls_port = ingress_ports(state)

        def answered() -> bool:
            try:
                return http_get(port).startswith("You've hit kubia-")
            except OSError:  # a 503 until the controller has seen the ready endpoints
                return False

        assert wait_for(answered, timeout=15)
        answers = {http_get(port) for _ in range(9)}
        assert all(re.fullmatch(r"You've hit kubia-\w+\n", a) for a in answers), answers
        assert len(answers) > 1
        out = subprocess.run(
            ["curl", "-sS", "--cacert", str(tmp_path / "tls.cert"), "--resolve",
             f"kubia.example.com:{tls_port}:127.0.0.1", f"https://kubia.example.com:{tls_port}/"],
            capture_output=True, text=True, timeout=30)
        assert re.fullmatch(r"You've hit kubia-\w+\n", out.stdout), out.stderr
    finally:
        reset(state)
