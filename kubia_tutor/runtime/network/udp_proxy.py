"""UDP service ports for the userspace service proxy, as kube-proxy's userspace mode had them.

Each UDP port of a service gets a socket on 127.0.0.1:<ephemeral> (and one on
127.0.0.1:<nodePort> for NodePort services); the NAT rule leads datagrams for
<cluster IP>:<port> there. UDP has no connections, so the proxy keeps a *session* per client
address: the first datagram from a client picks an endpoint through the port's `Balancer`
(round robin, or the client's own under sessionAffinity: ClientIP) and opens an upstream
socket connected to it; later datagrams from that client go the same way, and what the
endpoint answers goes back to the client through the listening socket, so conntrack turns its
source back into the cluster IP the client asked. A session idle for `SESSION_IDLE` seconds
ends (kube-proxy's `--udp-timeout` did the same, on a much shorter default: a learner's `nc
-u` pauses longer than 250 ms between lines).

The sockets are non-blocking and served by the service proxy's selector thread: no thread per
session. A datagram for a port with no usable endpoint (none ready, or only ones outside the
pod network, which are never sent to) is dropped, as the userspace proxy did.
"""

from __future__ import annotations

import contextlib
import logging
import selectors
import socket
import time

from kubia_tutor.runtime.network.balancer import Backend, Balancer

log = logging.getLogger(__name__)

SESSION_IDLE = 60.0  # seconds without a datagram either way before a session ends
DATAGRAM_MAX = 65535
READS_PER_WAKE = 64  # datagrams read per readiness event, so one busy port cannot starve others


class _Session:
    """One client's datagrams to one endpoint."""

    def __init__(self, port: UdpPort, client: tuple[str, int], backend: Backend,
                 upstream: socket.socket) -> None:
        self.port = port
        self.client = client
        self.backend = backend
        self.upstream = upstream
        self.last = time.monotonic()

    def __call__(self) -> None:
        """The endpoint answered: pass its datagrams back to the client."""
        for _ in range(READS_PER_WAKE):
            try:
                data = self.upstream.recv(DATAGRAM_MAX)
            except BlockingIOError:
                return
            except OSError as err:  # ICMP port unreachable from the endpoint: end the session
                log.info("service %s: endpoint %s:%s: %s", self.port.balancer.name,
                         *self.backend, err)
                self.port.end(self)
                return
            self.last = time.monotonic()
            with contextlib.suppress(OSError):  # the client is gone: its loss
                self.port.sock.sendto(data, self.client)


class UdpPort:
    """The socket of one service port (or node port) on 127.0.0.1 and its client sessions."""

    def __init__(self, port: int, balancer: Balancer, selector: selectors.BaseSelector) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.bind(("127.0.0.1", port))  # never beyond the loopback address
        except OSError:
            sock.close()
            raise
        sock.setblocking(False)
        self.sock = sock
        self.port: int = sock.getsockname()[1]
        self.balancer = balancer
        self.selector = selector
        self.sessions: dict[tuple[str, int], _Session] = {}
        selector.register(sock, selectors.EVENT_READ, self)

    def __call__(self) -> None:
        """Datagrams from clients: each goes on through its client's session."""
        for _ in range(READS_PER_WAKE):
            try:
                data, client = self.sock.recvfrom(DATAGRAM_MAX)
            except BlockingIOError:
                return
            except OSError:  # an ICMP error for an earlier reply to a client; nothing to do
                continue
            session = self.sessions.get(client) or self._open(client)
            if session is None:
                continue
            session.last = time.monotonic()
            try:
                session.upstream.send(data)
            except OSError as err:
                log.info("service %s: endpoint %s:%s: %s", self.balancer.name,
                         *session.backend, err)
                self.end(session)

    def _open(self, client: tuple[str, int]) -> _Session | None:
        backend = self.balancer.pick(client[0])
        if backend is None:
            return None  # no usable endpoint: dropped, as by kube-proxy's userspace mode
        upstream = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            upstream.setblocking(False)
            upstream.connect(backend)  # replies from anyone else are not taken
        except OSError as err:
            upstream.close()
            log.info("service %s: endpoint %s:%s: %s", self.balancer.name, *backend, err)
            return None
        session = _Session(self, client, backend, upstream)
        self.sessions[client] = session
        self.selector.register(upstream, selectors.EVENT_READ, session)
        return session

    def end(self, session: _Session) -> None:
        if self.sessions.pop(session.client, None) is not None:
            with contextlib.suppress(KeyError, ValueError):
                self.selector.unregister(session.upstream)
            session.upstream.close()

    def expire(self, now: float) -> None:
        """End the sessions idle for SESSION_IDLE, and those whose endpoint is no longer one
        the balancer would pick (a deleted pod's)."""
        usable = set(self.balancer.backends)
        for session in list(self.sessions.values()):
            if now - session.last >= SESSION_IDLE or session.backend not in usable:
                self.end(session)

    def close(self) -> None:
        for session in list(self.sessions.values()):
            self.end(session)
        with contextlib.suppress(KeyError, ValueError):
            self.selector.unregister(self.sock)
        self.sock.close()
