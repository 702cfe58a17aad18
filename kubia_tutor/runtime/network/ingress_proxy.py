"""One client connection of the Ingress controller, request by request.

As nginx does, every request on a keep-alive connection is routed on its own Host and
path: its head is read, the controller answers it itself (404, 503, the 308 to HTTPS) or
names a backend, and the request goes to a pod on a new connection of its own (so round
robin spreads one client's requests too, and the pod's connection ends with the exchange).
The response is relayed as framed (Content-Length, chunked, or until the pod closes) and
the client connection waits for the next request, unless the client ends it (or the pod's
response is one that only its closing ends). An upgrade (WebSocket) is piped both ways
once sent, until either side closes.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import ssl
import threading
from typing import Protocol

from kubia_tutor.runtime.network import ingress_http as http
from kubia_tutor.runtime.network.service_proxy import Balancer


class Router(Protocol):
    """What the connection needs of the controller."""

    @property
    def stopped(self) -> threading.Event: ...

    def answer(self, request: http.Request, tls: bool) -> Balancer | http.Canned:
        """The backend for a request, or the controller's own answer."""

    def dial(self, balancer: Balancer, client_ip: str) -> socket.socket | None:
        """A connection to one of the balancer's pods, closed by `release`."""

    def release(self, sock: socket.socket) -> None: ...


def serve(router: Router, client: socket.socket, client_ip: str, tls: bool,
          port: int) -> None:
    """Serve requests on `client` until it closes or one exchange ends the connection.
    Raises OSError or http.BadMessage when the client goes wrong."""
    reader = http.Reader(client)
    while not router.stopped.is_set():
        try:
            raw = reader.head(idle=http.KEEPALIVE_TIMEOUT, request=True)
            if raw is None:
                return
            request = http.parse_request(raw)
            framing = http.request_framing(request)
        except http.BadMessage:
            client.sendall(http.BAD_REQUEST.render(keep_alive=False))
            raise
        answer = router.answer(request, tls)
        if isinstance(answer, http.Canned):
            keep = request.keep_alive and _discard_body(reader, request, framing)
            client.sendall(answer.render(keep, request.version == "HTTP/1.0"))
        else:
            keep = _exchange(router, answer, reader, request, framing, client_ip, tls, port)
        if not keep:
            return


def _discard_body(reader: http.Reader, request: http.Request, framing: http.Framing) -> bool:
    """Read away the body of a request answered without a pod, so that the connection can
    go on; False when the connection has to end instead (the client waits for a 100
    Continue it will not get)."""
    if framing.kind == "none":
        return True
    if "100-continue" in request.head.tokens(b"expect"):
        return False
    http.copy_body(reader, framing, lambda _data: None)
    return True


def _exchange(router: Router, balancer: Balancer, reader: http.Reader,
              request: http.Request, framing: http.Framing, client_ip: str, tls: bool,
              port: int) -> bool:
    """Pass one request to a pod and its response back; whether the connection goes on."""
    client = reader.sock
    upstream = router.dial(balancer, client_ip)
    if upstream is None:
        client.sendall(http.BAD_GATEWAY.render(keep_alive=False))
        return False
    answered = False
    try:
        upstream.sendall(http.forwarded(request, client_ip, "https" if tls else "http", port))
        if request.upgrade:
            if reader.buffer:
                upstream.sendall(reader.buffer)
            _relay(client, upstream, router.stopped)
            return False
        if framing.kind != "none" and "100-continue" in request.head.tokens(b"expect"):
            client.sendall(http.CONTINUE)  # nginx answers Expect itself; the pod never sees it
        body_sent = True
        try:
            http.copy_body(reader, framing, upstream.sendall)
        except BrokenPipeError:  # the pod answered early and closed: read its response,
            body_sent = False  # then end the connection, the rest of the body unread
        pods = http.Reader(upstream)
        head = _final_head(pods)
        response = http.response_framing(request.method, head)
        http10 = request.version == "HTTP/1.0"
        dechunk = http10 and response.kind == "chunked"  # HTTP/1.0 knows no chunks
        # The pod's own `Connection: close` ends only the pod's connection, as in nginx
        # (the book's kubia pods say it on every response); a body that ends when the pod
        # closes can only be passed on by closing the client's connection too.
        keep = request.keep_alive and body_sent and response.kind != "close" and not dechunk
        answered = True
        client.sendall(http.relayed_response(head, keep, http10, dechunk))
        http.copy_body(pods, response, client.sendall, dechunk)
        return keep
    except (OSError, http.BadMessage) as err:
        if not answered:  # the pod failed (or went silent) before its response, as nginx says
            failure = http.GATEWAY_TIMEOUT if isinstance(err, TimeoutError) else \
                http.BAD_GATEWAY
            with contextlib.suppress(OSError):
                client.sendall(failure.render(keep_alive=False))
        raise
    finally:
        router.release(upstream)


def _final_head(pods: http.Reader) -> http.Head:
    """The pod's response head after any interim (1xx) ones, which nginx does not pass on."""
    while True:
        raw = pods.head()
        if raw is None:
            raise http.BadMessage("the pod closed without a response")
        head = http.parse_head(raw)
        if http.status_of(head) >= 200:
            return head


def _relay(client: socket.socket, upstream: socket.socket, stop: threading.Event) -> None:
    """Relay both ways in one thread (an SSL socket must not be read and written from two
    threads at once) until the pod closes; a client's half-close is passed on."""
    client.settimeout(None)
    upstream.settimeout(None)
    with selectors.DefaultSelector() as selector:
        selector.register(client, selectors.EVENT_READ)
        selector.register(upstream, selectors.EVENT_READ)
        reading_client = True
        while not stop.is_set():
            # bytes OpenSSL already decrypted are not visible to select
            buffered = reading_client and isinstance(client, ssl.SSLSocket) and \
                client.pending() > 0
            ready = {key.fileobj for key, _ in selector.select(0 if buffered else 1.0)}
            if buffered:
                ready.add(client)
            if upstream in ready:
                data = upstream.recv(65536)
                if not data:
                    return
                client.sendall(data)
            if client in ready and reading_client:
                data = client.recv(65536)
                if data:
                    upstream.sendall(data)
                else:
                    reading_client = False
                    selector.unregister(client)
                    with contextlib.suppress(OSError):
                        upstream.shutdown(socket.SHUT_WR)
