"""Nothing leaves the machine, on real Podman, and each way out fails fast and locally:

- an address of the service range that no service has (10.96.99.99) is refused at once, from
  a pod and from the host (the cluster's REJECT chain; the range is routed locally);
- the host reaches cluster IPs (`curl http://<cluster IP>`) and the cluster DNS at
  10.96.0.10, as on a minikube node;
- the cluster DNS answers an outside name (example.com) NXDOMAIN at once, never forwarding;
- the book's `external-service` (no selector, Endpoints 11.11.11.11 and 22.22.22.22) is
  stored and shown, but a connection to it from a pod is refused at once;
- UDP service ports: a pod and the host (through the node port) reach a UDP server in a pod;
- `reset` leaves no chain, jump or route of the cluster's behind.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import dns.message
import dns.query
import dns.rcode
import pytest
from podman_cleanup import podman
from podman_shell import get_json, reset, shell, wait_for

from kubia_tutor.runtime.network.redirect import chain_name, service_chain_name
from kubia_tutor.runtime.podman import labels

UNSERVED = "10.96.99.99"
FAST = 1.0  # seconds: a refusal, not a timeout (a dropped SYN would take far longer)

PODS = """\
apiVersion: v1
kind: Pod
metadata:
  name: client
spec:
  containers:
  - name: main
    image: busybox
    command: ["sleep", "infinity"]
---
apiVersion: v1
kind: Pod
metadata:
  name: dnsutils
spec:
  containers:
  - name: main
    image: tutum/dnsutils
    command: ["sleep", "infinity"]
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels:
    app: web
spec:
  containers:
  - name: main
    image: luksa/kubia
    ports:
    - containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports:
  - port: 80
    targetPort: 8080
  selector:
    app: web
---
apiVersion: v1
kind: Pod
metadata:
  name: udp-echo
  labels:
    app: udp-echo
spec:
  containers:
  - name: main
    image: busybox
    command: ["sleep", "infinity"]
---
apiVersion: v1
kind: Service
metadata:
  name: udp-echo
spec:
  type: NodePort
  ports:
  - name: dns
    port: 5353
    protocol: UDP
    nodePort: {node_port}
  selector:
    app: udp-echo
---
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
  - ip: 22.22.22.22
  ports:
  - port: 80
"""

# A DNS responder for any TXT question, answering the pod's name: the UDP server of the
# UDP test (the catalog's busybox has no UDP `nc`). It runs in the udp-echo pod's network
# namespace, started from the host with nsenter; dig in a pod is the client.
RESPONDER = """\
import socket, sys
import dns.message, dns.rrset
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("0.0.0.0", 5353))
print("ready", flush=True)
while True:
    data, client = sock.recvfrom(65535)
    query = dns.message.from_wire(data)
    reply = dns.message.make_response(query)
    reply.answer.append(dns.rrset.from_text(query.question[0].name, 0, "IN", "TXT",
                                            '"' + sys.argv[1] + '"'))
    sock.sendto(reply.to_wire(), client)
"""


def iptables_rules(table: str) -> str:
    return subprocess.run(["iptables", "-w", "5", "-t", table, "-S"], capture_output=True,
                          text=True, timeout=30).stdout


def local_route() -> str:
    return subprocess.run(["ip", "route", "show", "table", "local", "exact", "10.96.0.0/12"],
                          capture_output=True, text=True, timeout=30).stdout


def free_node_port() -> int:
    for port in range(31600, 31700):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError("no free node port")


def running(state: Path, *names: str) -> bool:
    pods = get_json(state, "pods").get("items") or []
    phases = {p["metadata"]["name"]: p.get("status", {}).get("phase") for p in pods}
    return all(phases.get(name) == "Running" for name in names)


def timed(state: Path, line: str) -> tuple[str, float]:
    """A kubectl line's output and how long the command in the pod took (the shell's own
    start-up is measured apart and taken off)."""
    started = time.monotonic()
    out = shell(state, line)
    return out, time.monotonic() - started


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, int]]:
    tmp = tmp_path_factory.mktemp("boundary")
    state = tmp / "state"
    node_port = free_node_port()
    (tmp / "pods.yml").write_text(PODS.format(node_port=node_port))
    cluster_id = ""
    try:
        shell(state, f"kubectl create -f {tmp / 'pods.yml'}")
        cluster_id = (state / "cluster-id").read_text().strip()
        assert wait_for(lambda: running(state, "client", "dnsutils", "web", "udp-echo"),
                        timeout=120), shell(state, "kubectl get pods")
        yield state, node_port
    finally:
        reset(state)
    # everything of the cluster's is gone; the route too unless another cluster runs here
    for table in ("nat", "filter"):
        rules = iptables_rules(table)
        assert cluster_id and service_chain_name(cluster_id) not in rules
        assert chain_name(cluster_id) not in rules
    others = "-N KUBIA-SVC-" in iptables_rules("nat")
    assert others or "10.96.0.0" not in local_route()


def baseline(state: Path) -> float:
    """How long a trivial `kubectl exec` takes here: the floor under every timing below."""
    return min(timed(state, "kubectl exec client -- true")[1] for _ in range(2))


@pytest.mark.podman
def test_an_unserved_service_address_is_refused_at_once(cluster: tuple[Path, int]) -> None:
    state, _ = cluster
    floor = baseline(state)
    out, took = timed(state, f"kubectl exec client -- nc -w 5 {UNSERVED} 80")
    assert "Connection refused" in out, out
    assert took - floor < FAST, (took, floor)
    # from the host: refused, not routed out (the range's route is local), in well under 1 s
    for port in (80, 8080):
        started = time.monotonic()
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((UNSERVED, port), timeout=5)
        assert time.monotonic() - started < 0.1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:  # UDP: port unreachable
        sock.settimeout(5)
        sock.connect((UNSERVED, 53))
        started = time.monotonic()
        with pytest.raises(OSError) as raised:
            sock.send(b"x")
            sock.recv(10)
        assert not isinstance(raised.value, TimeoutError)
        assert time.monotonic() - started < 0.1


@pytest.mark.podman
def test_the_host_reaches_cluster_ips_and_the_cluster_dns(cluster: tuple[Path, int]) -> None:
    state, _ = cluster
    assert wait_for(lambda: (get_json(state, "endpoints web").get("subsets") or [{}])[0]
                    .get("addresses"), timeout=60)
    ip = get_json(state, "service web")["spec"]["clusterIP"]

    def answer() -> bytes:
        try:
            with socket.create_connection((ip, 80), timeout=5) as sock:
                sock.sendall(b"GET / HTTP/1.0\r\nHost: web\r\n\r\n")
                data = b""
                while chunk := sock.recv(4096):
                    data += chunk
                return data
        except OSError:
            return b""

    assert b"You've hit web" in wait_for(answer, timeout=10)
    query = dns.message.make_query("web.default.svc.cluster.local", "A")
    reply = dns.query.udp(query, "10.96.0.10", timeout=5)
    assert [r.address for rrset in reply.answer for r in rrset] == [ip]
    reply = dns.query.tcp(query, "10.96.0.10", timeout=5)
    assert [r.address for rrset in reply.answer for r in rrset] == [ip]


@pytest.mark.podman
def test_the_cluster_dns_never_forwards(cluster: tuple[Path, int]) -> None:
    state, _ = cluster
    started = time.monotonic()
    reply = dns.query.udp(dns.message.make_query("example.com", "A"), "10.96.0.10", timeout=5)
    assert reply.rcode() == dns.rcode.NXDOMAIN and not reply.answer
    assert time.monotonic() - started < 0.1
    floor = baseline(state)
    out, took = timed(state, "kubectl exec dnsutils -- dig +tries=1 +time=5 example.com")
    assert "status: NXDOMAIN" in out and "SERVER: 10.96.0.10#53" in out, out
    assert took - floor < FAST, (took, floor)


@pytest.mark.podman
def test_external_endpoints_are_shown_but_never_connected(cluster: tuple[Path, int]) -> None:
    state, _ = cluster
    out = shell(state, "kubectl get endpoints external-service",
                "kubectl describe service external-service")
    assert "11.11.11.11:80,22.22.22.22:80" in out, out
    assert "Endpoints:         11.11.11.11:80,22.22.22.22:80" in out, out
    floor = baseline(state)
    out, took = timed(state, "kubectl exec client -- curl -sS http://external-service")
    assert "curl: (7)" in out and "Connection refused" in out, out
    assert took - floor < FAST, (took, floor)


@pytest.mark.podman
def test_udp_service_ports_from_a_pod_and_the_node_port(cluster: tuple[Path, int]) -> None:
    state, node_port = cluster
    cluster_id = (state / "cluster-id").read_text().strip()
    found = podman(state, "ps", "-q", "--filter", f"label={labels.CLUSTER}={cluster_id}",
                   "--filter", f"label={labels.POD}=udp-echo", "--filter",
                   f"label={labels.CONTAINER}=main").stdout.split()
    assert len(found) == 1, found
    pid = podman(state, "inspect", "--format", "{{.State.Pid}}", found[0]).stdout.strip()
    server = subprocess.Popen(["nsenter", "-t", pid, "-n", sys.executable, "-c", RESPONDER,
                               "udp-echo"], stdout=subprocess.PIPE, text=True,
                              env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    try:
        assert server.stdout is not None and server.stdout.readline() == "ready\n"
        ip = get_json(state, "service udp-echo")["spec"]["clusterIP"]
        assert wait_for(lambda: get_json(state, "endpoints udp-echo").get("subsets"),
                        timeout=60)
        for server_name in ("udp-echo", ip):  # the service's name, then its cluster IP
            out = shell(state, f"kubectl exec dnsutils -- dig +short +tries=1 +time=2 -p 5353 "
                        f"@{server_name} anything TXT")
            assert out == '"udp-echo"\n', out
        query = dns.message.make_query("from-the-host", "TXT")
        reply = dns.query.udp(query, "127.0.0.1", port=node_port, timeout=5)
        assert reply.answer[0].to_text().endswith('TXT "udp-echo"')
        reply = dns.query.udp(query, ip, port=5353, timeout=5)  # the cluster IP, from the host
        assert reply.answer[0].to_text().endswith('TXT "udp-echo"')
    finally:
        server.kill()
        server.wait(timeout=10)
        if server.stdout is not None:
            server.stdout.close()
