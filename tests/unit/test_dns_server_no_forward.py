"""The cluster DNS never forwards: names outside the cluster are answered at once from the
store, and the server sends nothing to anyone but the client that asked, not even to a
resolver configured in this process (a fake upstream that must never get a packet)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dns.message
import dns.query
import dns.rcode
import dns.resolver
import pytest

from kubia_tutor.daemon.cluster import Cluster
from kubia_tutor.runtime.network import dns_records, dns_server
from kubia_tutor.runtime.network.dns_records import ApiRecords
from kubia_tutor.runtime.network.dns_server import DnsServer

OUTSIDE = [("example.com", "A"), ("example.com", "AAAA"), ("www.google.com", "A"),
           ("example.com", "MX"), ("8.8.8.8.in-addr.arpa", "PTR"), ("com", "NS"),
           ("kubia.default.svc.cluster.local.example.com", "A")]


class Upstream:
    """A resolver on 127.0.0.1 (UDP and TCP) that records whatever reaches it."""

    def __init__(self) -> None:
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.udp.setblocking(False)
        self.port: int = self.udp.getsockname()[1]
        self.tcp = socket.create_server(("127.0.0.1", self.port))
        self.tcp.setblocking(False)

    def got_anything(self) -> bool:
        try:
            self.udp.recvfrom(65535)
            return True
        except BlockingIOError:
            pass
        try:
            self.tcp.accept()[0].close()
            return True
        except BlockingIOError:
            return False


@pytest.fixture
def upstream(monkeypatch: pytest.MonkeyPatch) -> Iterator[Upstream]:
    fake = Upstream()
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = ["127.0.0.1"]
    resolver.port = fake.port
    monkeypatch.setattr(dns.resolver, "default_resolver", resolver)
    yield fake
    fake.udp.close()
    fake.tcp.close()


def test_outside_names_are_answered_at_once_and_nothing_is_sent_elsewhere(
        cluster: Cluster, upstream: Upstream, monkeypatch: pytest.MonkeyPatch) -> None:
    server = DnsServer(ApiRecords(cluster.api), host="127.0.0.1", port=0)
    server.start()
    # every datagram sent and every connection made in this process, by address
    sent: list[Any] = []
    real_sendto, real_connect = socket.socket.sendto, socket.socket.connect

    def sendto(self: socket.socket, data: bytes, *rest: Any) -> int:
        sent.append(rest[-1])
        return real_sendto(self, data, *rest)

    def connect(self: socket.socket, address: Any) -> None:
        sent.append(address)
        real_connect(self, address)

    monkeypatch.setattr(socket.socket, "sendto", sendto)
    monkeypatch.setattr(socket.socket, "connect", connect)
    try:
        for name, rdtype in OUTSIDE:
            for tcp in (False, True):
                query = dns.message.make_query(name, rdtype)
                started = time.monotonic()
                ask = dns.query.tcp if tcp else dns.query.udp
                with socket.socket(socket.AF_INET,
                                   socket.SOCK_STREAM if tcp else socket.SOCK_DGRAM) as sock:
                    sock.bind(("127.0.0.1", 0))
                    client = sock.getsockname()
                    if tcp:  # dns.query.tcp takes a connected socket
                        sock.connect(("127.0.0.1", server.port))
                    reply = ask(query, "127.0.0.1", port=server.port, timeout=2, sock=sock)
                assert time.monotonic() - started < 0.5, (name, rdtype)
                assert reply.rcode() in (dns.rcode.NXDOMAIN, dns.rcode.REFUSED), (name, rdtype)
                assert not reply.answer
                # the client's own query, and the server's answer to that client: no more
                assert all(address in (("127.0.0.1", server.port), client)
                           for address in sent), sent
                sent.clear()
    finally:
        monkeypatch.undo()
        server.stop()
    assert not upstream.got_anything()


def test_the_server_has_no_way_to_forward() -> None:
    """No resolver, query or outgoing-connection call anywhere in the DNS modules: the only
    send is the UDP reply to the asking client."""
    for module in (dns_server, dns_records):
        source = Path(str(module.__file__)).read_text()
        for call in ("dns.query", "dns.resolver", "getaddrinfo", "gethostbyname",
                     "create_connection", ".connect("):
            assert call not in source, (module.__name__, call)
        assert source.count("sendto(") == (1 if module is dns_server else 0)
