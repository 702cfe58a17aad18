"""The book's kubia Ingress on real Podman: kubia.example.com answered on 127.0.0.1 by the
three kubia pods over HTTP, one keep-alive connection's requests for two hosts each going
to its own service; then, with `kubectl create secret tls` and the book's
`kubectl apply -f kubia-ingress-tls.yaml`, plain HTTP redirected (308) and HTTPS answered;
ADDRESS is 127.0.0.1 in `kubectl get ingress`."""

from __future__ import annotations

import http.client
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

# A second service on other pods, for the second host (pod names kubia-b-*).
KUBIA_B_RS = KUBIA_RS.replace("name: kubia\n", "name: kubia-b\n").replace(
    "app: kubia\n", "app: kubia-b\n").replace("replicas: 3", "replicas: 1")

RULES = """\
  rules:
  - host: kubia.example.com
    http:
      paths:
      - path: /
        backend:
          serviceName: kubia
          servicePort: 80
  - host: b.example.com
    http:
      paths:
      - path: /
        backend:
          serviceName: kubia-b
          servicePort: 80
"""

INGRESS = f"""\
apiVersion: extensions/v1beta1
kind: Ingress
metadata:
  name: kubia
spec:
{RULES}"""

INGRESS_TLS = f"""\
apiVersion: extensions/v1beta1
kind: Ingress
metadata:
  name: kubia
spec:
  tls:
  - hosts:
    - kubia.example.com
    secretName: tls-secret
{RULES}"""


def keep_alive_answers(port: int) -> tuple[list[str], bool]:
    """Two requests on one HTTP/1.1 connection, for b.example.com then kubia.example.com:
    the answers and whether the connection stayed the same one (http.client would quietly
    open a new one had the controller closed it)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        answers, sockets = [], []
        for host in ("b.example.com", "kubia.example.com"):
            conn.request("GET", "/", headers={"Host": host})
            answers.append(conn.getresponse().read().decode())
            sockets.append(conn.sock)
        return answers, sockets[0] is not None and sockets[0] is sockets[1]
    finally:
        conn.close()


def redirect_of(port: int) -> tuple[int, str | None]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/kubia", headers={"Host": "kubia.example.com"})
        reply = conn.getresponse()
        reply.read()
        return reply.status, reply.getheader("Location")
    finally:
        conn.close()


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
    (tmp_path / "kubia-b-rs.yml").write_text(KUBIA_B_RS)
    (tmp_path / "kubia-ingress.yml").write_text(INGRESS)
    (tmp_path / "kubia-ingress-tls.yml").write_text(INGRESS_TLS)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(tmp_path / "tls.key"), "-out", str(tmp_path / "tls.cert"),
                    "-subj", "/CN=kubia.example.com"], check=True, capture_output=True,
                   timeout=60)
    try:
        shell(state, f"kubectl create -f {tmp_path / 'kubia-rs.yml'}",
              f"kubectl create -f {tmp_path / 'kubia-b-rs.yml'}",
              "kubectl expose rs kubia --port=80 --target-port=8080",
              "kubectl expose rs kubia-b --port=80 --target-port=8080",
              f"kubectl create -f {tmp_path / 'kubia-ingress.yml'}")

        def ready(service: str) -> int:
            subsets = get_json(state, f"endpoints {service}").get("subsets") or []
            return len([a for s in subsets for a in s.get("addresses") or []])

        assert wait_for(lambda: ready("kubia") == 3 and ready("kubia-b") == 1, timeout=120), \
            shell(state, "kubectl get pods", "kubectl get endpoints")
        assert wait_for(lambda: "127.0.0.1" in shell(state, "kubectl get ingress"), 30)
        table = shell(state, "kubectl get ingress")
        assert re.search(r"kubia\s+<none>\s+kubia.example.com,b.example.com\s+127.0.0.1\s+80\s",
                         table), table
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
        (first, second), same_connection = keep_alive_answers(port)
        assert re.fullmatch(r"You've hit kubia-b-\w+\n", first), first
        assert re.fullmatch(r"You've hit kubia-\w+\n", second), second
        assert same_connection

        shell(state, f"kubectl create secret tls tls-secret --cert={tmp_path / 'tls.cert'} "
              f"--key={tmp_path / 'tls.key'}",
              f"kubectl apply -f {tmp_path / 'kubia-ingress-tls.yml'}")
        location = f"https://kubia.example.com{'' if tls_port == 443 else f':{tls_port}'}/kubia"
        assert wait_for(lambda: redirect_of(port) == (308, location), timeout=15), \
            redirect_of(port)
        out = subprocess.run(
            ["curl", "-sS", "-L", "--cacert", str(tmp_path / "tls.cert"), "--resolve",
             f"kubia.example.com:{port}:127.0.0.1", "--resolve",
             f"kubia.example.com:{tls_port}:127.0.0.1", f"http://kubia.example.com:{port}/"],
            capture_output=True, text=True, timeout=30)
        # the redirect is followed to HTTPS, where the certificate is the Secret's
        assert re.fullmatch(r"You've hit kubia-\w+\n", out.stdout), out.stderr
        table = shell(state, "kubectl get ingress")
        assert re.search(r"kubia\s+<none>\s+kubia.example.com,b.example.com\s+127.0.0.1\s+"
                         r"80, 443", table), table
    finally:
        reset(state)
