"""The userspace service proxy with plain sockets on 127.0.0.1 (no Podman, no iptables):
endpoint picking, the relay, no endpoints and endpoints outside the pod subnet."""

from __future__ import annotations

import errno
import logging
import socket
import threading
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


def endpoints(name: str, ips: list[str], port: int) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Endpoints",
            "metadata": {"name": name, "namespace": "default"},
            "subsets": [{"addresses": [{"ip": ip} for ip in ips],
                         "ports": [{"port": port, "protocol": "TCP"}]}]}


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
