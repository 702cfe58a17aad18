"""The userspace service proxy with plain sockets on 127.0.0.1 (no Podman, no iptables):
endpoint picking, the relay, no endpoints and endpoints outside the pod subnet."""

from __future__ import annotations

import errno
import logging
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from kubia_tutor.api.server import object_key
from kubia_tutor.api.store import Store
from kubia_tutor.runtime.network.service_proxy import (
    ENDPOINTS,
    SERVICES,
    Balancer,
    ServiceProxy,
    backends_of,
)

SUBNET = "10.244.0.0/24"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_round_robin_over_ready_endpoints() -> None:
    balancer = Balancer("default/kubia:80")
    pods = [("10.244.0.2", 8080), ("10.244.0.3", 8080), ("10.244.0.4", 8080)]
    balancer.update(pods, SUBNET, None)
    assert [balancer.pick("10.244.0.9") for _ in range(6)] == pods + pods


def test_client_ip_affinity_sticks_until_the_timeout() -> None:
    clock = Clock()
    balancer = Balancer("default/kubia:80", clock)
    balancer.update([("10.244.0.2", 8080), ("10.244.0.3", 8080)], SUBNET, 60.0)
    first = balancer.pick("10.244.0.9")
    other = balancer.pick("10.244.0.10")
    assert first != other
    for _ in range(5):
        clock.now += 30  # each use renews the stickiness
        assert balancer.pick("10.244.0.9") == first
    # once expired, each pick is round robin's again: they alternate
    picks = set()
    for _ in range(2):
        clock.now += 61
        picks.add(balancer.pick("10.244.0.9"))
    assert picks == {("10.244.0.2", 8080), ("10.244.0.3", 8080)}


def test_a_gone_endpoint_ends_stickiness() -> None:
    balancer = Balancer("default/kubia:80")
    balancer.update([("10.244.0.2", 8080), ("10.244.0.3", 8080)], SUBNET, 60.0)
    first = balancer.pick("10.244.0.9")
    assert first is not None
    rest = [b for b in [("10.244.0.2", 8080), ("10.244.0.3", 8080)] if b != first]
    balancer.update(rest, SUBNET, 60.0)
    assert balancer.pick("10.244.0.9") == rest[0]


def test_none_ready_and_outside_the_subnet_give_nothing(caplog: pytest.LogCaptureFixture
                                                        ) -> None:
    balancer = Balancer("default/external-service:80")
    balancer.update([], SUBNET, None)
    assert balancer.pick("10.244.0.9") is None
    with caplog.at_level(logging.WARNING):
        balancer.update([("11.11.11.11", 80), ("22.22.22.22", 80)], SUBNET, None)
    assert balancer.pick("10.244.0.9") is None
    assert "11.11.11.11:80, 22.22.22.22:80 are outside the cluster's pod network" in caplog.text
    # before the pod network exists nothing is inside it
    balancer.update([("10.244.0.2", 8080)], "", None)
    assert balancer.pick("10.244.0.9") is None


def test_backends_of_matches_the_port_name() -> None:
    endpoints = {"subsets": [
        {"addresses": [{"ip": "10.244.0.2"}], "notReadyAddresses": [{"ip": "10.244.0.5"}],
         "ports": [{"name": "http", "port": 8080, "protocol": "TCP"},
                   {"name": "https", "port": 8443, "protocol": "TCP"}]}]}
    assert backends_of(endpoints, "http") == [("10.244.0.2", 8080)]
    assert backends_of(endpoints, "https") == [("10.244.0.2", 8443)]
    assert backends_of(None, "") == []


def test_backends_of_matches_the_protocol() -> None:
    endpoints = {"subsets": [
        {"addresses": [{"ip": "10.244.0.2"}],
         "ports": [{"name": "dns", "port": 53, "protocol": "UDP"},
                   {"name": "dns-tcp", "port": 53, "protocol": "TCP"}]}]}
    assert backends_of(endpoints, "dns") == []
    assert backends_of(endpoints, "dns", "UDP") == [("10.244.0.2", 53)]
    assert backends_of(endpoints, "dns-tcp", "UDP") == []


# The proxy end to end, on loopback: "pod IPs" are 127.0.0.x here --------------------------


class Echo:
    """A server that answers each connection with its name and what it read until EOF."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                data = b""
                while chunk := conn.recv(4096):
                    data += chunk
                conn.sendall(f"{self.name}:".encode() + data)


def service(name: str, ports: list[dict[str, Any]], **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"clusterIP": "10.96.0.50", "ports": ports, **spec}}


def endpoints(name: str, ips: list[str], port: int, protocol: str = "TCP") -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Endpoints",
            "metadata": {"name": name, "namespace": "default"},
            "subsets": [{"addresses": [{"ip": ip} for ip in ips],
                         "ports": [{"port": port, "protocol": protocol}]}]}


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        port: int = sock.getsockname()[1]
        return port


def ask(port: int, payload: bytes = b"hello") -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(payload)
        sock.shutdown(socket.SHUT_WR)  # the half-close must reach the endpoint
        data = b""
        while chunk := sock.recv(4096):
            data += chunk
        return data


def assert_reset(port: int) -> None:
    """The proxy accepts and resets at once. The reset may land before the client's send or
    half-close, so which call sees it (and with which errno) is a race; a refused connection
    (no listener) is not a reset and fails the test."""
    with pytest.raises(OSError) as raised:
        ask(port)
    assert raised.value.errno in (errno.ECONNRESET, errno.EPIPE, errno.ENOTCONN), raised.value


@pytest.fixture
def store() -> Iterator[Store]:
    found = Store(":memory:")
    yield found
    found.close()


def test_the_proxy_relays_to_each_endpoint_and_on_the_node_port(store: Store) -> None:
    echo = Echo("one")
    node_port = free_port()
    store.create(object_key(SERVICES, "default", "kubia"),
                 service("kubia", [{"port": 80, "targetPort": echo.port, "protocol": "TCP",
                                    "nodePort": node_port}], type="NodePort"))
    # two "pods" on two loopback addresses, the same port
    store.create(object_key(ENDPOINTS, "default", "kubia"),
                 endpoints("kubia", ["127.0.0.1", "127.0.0.1"], echo.port))
    proxy = ServiceProxy(store, lambda: ("", "127.0.0.0/8"), None)
    proxy.start()
    try:
        listener = proxy._cluster[("default", "kubia", "80")]
        assert listener.sock.getsockname()[0] == "127.0.0.1"
        assert ask(listener.port) == b"one:hello"
        assert ask(node_port, b"x" * 200000) == b"one:" + b"x" * 200000
    finally:
        proxy.stop()
        echo.sock.close()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", node_port), timeout=2)


def test_no_endpoint_or_one_outside_the_subnet_resets_at_once(store: Store) -> None:
    store.create(object_key(SERVICES, "default", "external-service"),
                 service("external-service", [{"port": 80, "protocol": "TCP"}]))
    proxy = ServiceProxy(store, lambda: ("", SUBNET), None)
    proxy.start()
    try:
        port = proxy._cluster[("default", "external-service", "80")].port
        assert_reset(port)
        store.create(object_key(ENDPOINTS, "default", "external-service"),
                     endpoints("external-service", ["11.11.11.11", "22.22.22.22"], 80))
        proxy.reconcile()
        assert_reset(port)
    finally:
        proxy.stop()


def test_the_dns_service_address_is_left_to_the_dns_redirect(store: Store) -> None:
    """kube-system/kube-dns has 10.96.0.10: the node's DNS server answers there, so the
    proxy neither listens for it nor writes rules that would shadow the DNS redirect."""
    dns = service("kube-dns", [{"name": "dns-tcp", "port": 53, "protocol": "TCP"},
                               {"name": "metrics", "port": 9153, "protocol": "TCP"}])
    dns["metadata"]["namespace"] = "kube-system"
    dns["spec"]["clusterIP"] = "10.96.0.10"
    store.create(object_key(SERVICES, "kube-system", "kube-dns"), dns)
    proxy = ServiceProxy(store, lambda: ("", SUBNET), None)
    proxy.reconcile()
    try:
        assert not [key for key in proxy._cluster if key[1] == "kube-dns"]
    finally:
        proxy.stop()


# UDP -----------------------------------------------------------------------------------------


class UdpEcho:
    """Answers each datagram with its name and the datagram, and counts what it got."""

    def __init__(self, name: str, host: str = "127.0.0.1", port: int = 0) -> None:
        self.name = name
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((host, port))
        self.port: int = self.sock.getsockname()[1]
        self.clients: list[tuple[str, int]] = []
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while True:
            try:
                data, client = self.sock.recvfrom(65535)
            except OSError:
                return
            self.clients.append(client)
            self.sock.sendto(f"{self.name}:".encode() + data, client)


def udp_client() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(5)
    return sock


def udp_ask(sock: socket.socket, port: int, payload: bytes = b"hello") -> bytes:
    sock.sendto(payload, ("127.0.0.1", port))
    data, source = sock.recvfrom(65535)
    assert source == ("127.0.0.1", port)  # the answer comes from the address asked
    return data


def test_udp_sessions_round_robin_and_stick_per_client(store: Store) -> None:
    one = UdpEcho("one")
    two = UdpEcho("two", "127.0.0.2", one.port)  # a second "pod", the same port
    node_port = free_port()
    store.create(object_key(SERVICES, "default", "kubia-udp"),
                 service("kubia-udp", [{"port": 53, "protocol": "UDP", "nodePort": node_port}],
                         type="NodePort"))
    store.create(object_key(ENDPOINTS, "default", "kubia-udp"),
                 endpoints("kubia-udp", ["127.0.0.1", "127.0.0.2"], one.port, "UDP"))
    proxy = ServiceProxy(store, lambda: ("", "127.0.0.0/8"), None)
    proxy.start()
    clients = [udp_client(), udp_client()]
    try:
        port = proxy._udp[("default", "kubia-udp", "53")]
        assert port.sock.getsockname()[0] == "127.0.0.1"
        assert ("default", "kubia-udp", "53") not in proxy._cluster  # no TCP listener
        first = udp_ask(clients[0], port.port)
        second = udp_ask(clients[1], port.port)
        assert {first, second} == {b"one:hello", b"two:hello"}
        # later datagrams of a client stay in its session, on its endpoint
        for _ in range(3):
            assert udp_ask(clients[0], port.port, b"again") == first.replace(b"hello", b"again")
        assert len(port.sessions) == 2
        big = b"x" * 60000
        assert udp_ask(clients[1], port.port, big).endswith(big)
        # the node port on 127.0.0.1 answers too
        assert udp_ask(clients[0], node_port).split(b":")[1] == b"hello"
        # sessions idle for SESSION_IDLE end (their upstream sockets close)
        proxy._udp[("default", "kubia-udp", "53")].expire(time.monotonic() + 61)
        assert not port.sessions
    finally:
        proxy.stop()
        for sock in [*clients, one.sock, two.sock]:
            sock.close()
    with udp_client() as late:  # the node port is closed with the proxy
        late.settimeout(0.5)
        late.sendto(b"x", ("127.0.0.1", node_port))
        with pytest.raises(OSError):
            late.recvfrom(10)


def test_udp_with_endpoints_outside_the_subnet_sends_nothing(store: Store) -> None:
    """An endpoint outside the pod network is never sent a datagram: the proxy drops it and
    opens no session (here the "outside" address is a live echo server, which must stay
    silent)."""
    outside = UdpEcho("outside")
    store.create(object_key(SERVICES, "default", "external-udp"),
                 service("external-udp", [{"port": 53, "protocol": "UDP"}]))
    store.create(object_key(ENDPOINTS, "default", "external-udp"),
                 endpoints("external-udp", ["127.0.0.1"], outside.port, "UDP"))
    proxy = ServiceProxy(store, lambda: ("", SUBNET), None)
    proxy.start()
    try:
        port = proxy._udp[("default", "external-udp", "53")]
        with udp_client() as client:
            client.settimeout(0.5)
            client.sendto(b"hello", ("127.0.0.1", port.port))
            with pytest.raises(TimeoutError):
                client.recvfrom(100)
        assert not port.sessions
        assert outside.clients == []
    finally:
        proxy.stop()
        outside.sock.close()


class FakeRedirect:
    """Records the rules the proxy asks for."""

    def __init__(self) -> None:
        self.applied: list[tuple[str, list[tuple[str, str, int, int]]]] = []

    def apply(self, bridge: str, rules: list[tuple[str, str, int, int]]) -> None:
        self.applied.append((bridge, sorted(rules)))

    def remove(self) -> None:
        pass


def test_rules_per_protocol_even_before_the_bridge_exists(store: Store) -> None:
    """One DNAT per protocol and port with endpoints, to the listener of that protocol;
    written before any pod made the bridge, since the host reaches cluster IPs too."""
    store.create(object_key(SERVICES, "default", "mixed"),
                 service("mixed", [{"name": "dns", "port": 53, "protocol": "UDP"},
                                   {"name": "dns-tcp", "port": 53, "protocol": "TCP"},
                                   {"name": "sctp", "port": 99, "protocol": "SCTP"}]))
    redirect = FakeRedirect()
    proxy = ServiceProxy(store, lambda: ("", "10.244.0.0/24"), redirect)  # type: ignore[arg-type]
    proxy.reconcile()
    try:
        udp = proxy._udp[("default", "mixed", "dns")].port
        tcp = proxy._cluster[("default", "mixed", "dns-tcp")].port
        # no endpoint yet: no rule, so the unserved range's REJECT refuses at once
        assert redirect.applied[-1] == ("", [])
        store.create(object_key(ENDPOINTS, "default", "mixed"), {
            "apiVersion": "v1", "kind": "Endpoints",
            "metadata": {"name": "mixed", "namespace": "default"},
            "subsets": [{"addresses": [{"ip": "10.244.0.2"}],
                         "ports": [{"name": "dns", "port": 53, "protocol": "UDP"},
                                   {"name": "dns-tcp", "port": 53, "protocol": "TCP"}]}]})
        proxy.reconcile()
        assert redirect.applied[-1] == ("", sorted([("udp", "10.96.0.50", 53, udp),
                                                    ("tcp", "10.96.0.50", 53, tcp)]))
        store.delete(object_key(SERVICES, "default", "mixed"))
        proxy.reconcile()
        assert redirect.applied[-1] == ("", [])
        assert not proxy._udp and not proxy._cluster
    finally:
        proxy.stop()
