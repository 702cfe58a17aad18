"""The cluster DNS server: UDP and TCP on one port of 127.0.0.1, answers from `dns_records`.

It only ever answers: a name outside the cluster's zones is NXDOMAIN, never forwarded, so no
query leads to traffic off this machine. How pods reach it (a redirect from 10.96.0.10:53) is
the network's business, not this module's.

UDP replies follow RFC 1035/6891: at most 512 bytes, or the client's EDNS payload size; a
larger reply goes out empty with the TC bit, and resolvers (dig, glibc, musl) ask again over
TCP, where a 2-byte length prefixes each message.
"""

from __future__ import annotations

import logging
import socket
import socketserver
import struct
import threading
from typing import Protocol

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode

from kubia_tutor.runtime.network.dns_records import Reply

log = logging.getLogger(__name__)

UDP_LIMIT = 512  # without EDNS (RFC 1035 4.2.1)
TCP_IDLE_SECONDS = 10.0  # a client keeping a TCP connection open and silent is let go


class RecordsSource(Protocol):
    """Answers one question (`dns_records.ApiRecords`)."""

    def answer(self, qname: dns.name.Name, qtype: int) -> Reply: ...


def respond(source: RecordsSource, wire: bytes) -> dns.message.Message | None:
    """The response to one query message, or None when it cannot be read at all."""
    try:
        query = dns.message.from_wire(wire)
    except dns.exception.DNSException:
        return _format_error(wire)
    response = dns.message.make_response(query)
    response.flags |= dns.flags.RA  # CoreDNS sets it; the seed's dig shows `qr aa rd ra`
    if query.opcode() != dns.opcode.QUERY:
        response.set_rcode(dns.rcode.NOTIMP)
        return response
    if len(query.question) != 1:
        response.set_rcode(dns.rcode.FORMERR)
        return response
    question = query.question[0]
    try:
        reply = source.answer(question.name, question.rdtype)
    except Exception:  # a bad object in the store must not take the server down
        log.exception("cluster DNS: answering %s failed", question.name)
        response.set_rcode(dns.rcode.SERVFAIL)
        return response
    response.set_rcode(reply.rcode)
    if reply.authoritative:
        response.flags |= dns.flags.AA
    response.answer = list(reply.answer)
    response.authority = list(reply.authority)
    response.additional = list(reply.additional)
    return response


def _format_error(wire: bytes) -> dns.message.Message | None:
    """FORMERR with the query's id, when at least its header is there to answer."""
    if len(wire) < 12:
        return None
    response = dns.message.Message(id=struct.unpack("!H", wire[:2])[0])
    response.flags = dns.flags.QR
    response.set_rcode(dns.rcode.FORMERR)
    return response


def udp_wire(response: dns.message.Message, limit: int) -> bytes:
    """The response in at most `limit` bytes; when it does not fit, the sections go and TC is
    set, so the client retries over TCP."""
    try:
        return to_wire(response, limit)
    except dns.exception.TooBig:
        pass
    response.flags |= dns.flags.TC
    response.answer, response.authority, response.additional = [], [], []
    return to_wire(response, limit)


def to_wire(response: dns.message.Message, limit: int) -> bytes:
    """The response's wire form, records in the order the answer gave them. dnspython would
    shuffle them; we keep the Endpoints' order (sorted by IP as text), which is what the
    book's `nslookup kubia-headless` (.10, .9, .8) and `dig SRV` (kubia-0, kubia-1) show."""
    return response.to_wire(max_size=limit, want_shuffle=False)


def _udp_limit(response: dns.message.Message) -> int:
    # make_response keeps the query's EDNS payload size as the response's request_payload
    if response.edns >= 0:
        return max(UDP_LIMIT, response.request_payload)
    return UDP_LIMIT


class _UdpHandler(socketserver.BaseRequestHandler):
    server: _UdpServer

    def handle(self) -> None:
        data, sock = self.request
        response = respond(self.server.source, data)
        if response is not None:
            sock.sendto(udp_wire(response, _udp_limit(response)), self.client_address)


class _TcpHandler(socketserver.BaseRequestHandler):
    server: _TcpServer

    def handle(self) -> None:
        conn: socket.socket = self.request
        conn.settimeout(TCP_IDLE_SECONDS)
        try:
            while True:  # RFC 7766: a client may send several queries on one connection
                head = _read_exact(conn, 2)
                if head is None:
                    return
                data = _read_exact(conn, struct.unpack("!H", head)[0])
                if data is None:
                    return
                response = respond(self.server.source, data)
                if response is None:
                    return
                wire = to_wire(response, 65535)
                conn.sendall(struct.pack("!H", len(wire)) + wire)
        except (OSError, dns.exception.TooBig):
            return


def _read_exact(conn: socket.socket, size: int) -> bytes | None:
    chunks = b""
    while len(chunks) < size:
        chunk = conn.recv(size - len(chunks))
        if not chunk:
            return None
        chunks += chunk
    return chunks


class _UdpServer(socketserver.ThreadingUDPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], source: RecordsSource) -> None:
        self.source = source
        super().__init__(address, _UdpHandler)


class _TcpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], source: RecordsSource) -> None:
        self.source = source
        super().__init__(address, _TcpHandler)


class DnsServer:
    """Cluster DNS on `host:port` over UDP and TCP; port 0 picks a free port for both."""

    def __init__(self, records_source: RecordsSource, host: str = "127.0.0.1",
                 port: int = 0) -> None:
        if host != "127.0.0.1":
            # Everything the tutor serves stays on this machine (DESIGN.md, Network).
            raise ValueError("the cluster DNS server listens on 127.0.0.1 only")
        self.source = records_source
        self.host = host
        self._requested_port = port
        self._udp: _UdpServer | None = None
        self._tcp: _TcpServer | None = None
        self._threads: list[threading.Thread] = []

    @property
    def port(self) -> int:
        """The port both transports listen on (after `start`)."""
        if self._udp is None:
            return self._requested_port
        return int(self._udp.server_address[1])

    def start(self) -> None:
        """Bind both sockets and serve them in background threads."""
        if self._udp is not None:
            return
        self._udp, self._tcp = self._bind()
        for name, server in (("dns-udp", self._udp), ("dns-tcp", self._tcp)):
            thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                                      name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def _bind(self) -> tuple[_UdpServer, _TcpServer]:
        # With port 0 the UDP port is chosen first; the same TCP port may be taken, so try a
        # few times rather than serve the two transports on different ports.
        attempts = 20 if self._requested_port == 0 else 1
        for attempt in range(attempts):
            udp = _UdpServer((self.host, self._requested_port), self.source)
            try:
                tcp = _TcpServer((self.host, int(udp.server_address[1])), self.source)
            except OSError:
                udp.server_close()
                if attempt == attempts - 1:
                    raise
                continue
            return udp, tcp
        raise OSError("no free port for cluster DNS")  # unreachable: the loop raises

    def stop(self) -> None:
        """Stop serving and close both sockets."""
        for server in (self._udp, self._tcp):
            if server is not None:
                server.shutdown()
                server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._udp = self._tcp = None
        self._threads = []
