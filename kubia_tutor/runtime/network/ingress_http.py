"""The HTTP/1.1 the Ingress controller needs: read one message head at a time from a
buffered socket, frame bodies (Content-Length, chunked or until close) so that a keep-alive
connection's next request can be routed on its own, rewrite hop-by-hop headers, and the
canned answers ingress-nginx gives itself (its nginx pages, the 308 to HTTPS).

Bodies are relayed as received, chunk framing included: the Transfer-Encoding header is
kept with them, so nothing is re-encoded.
"""

from __future__ import annotations

import email.utils
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

MAX_HEAD = 65536  # nginx's large_client_header_buffers is smaller; enough for any lesson
IO_TIMEOUT = 60.0  # nginx's client_header/body and proxy_read timeouts: between two reads
KEEPALIVE_TIMEOUT = 75.0  # nginx's keepalive_timeout: the wait for a connection's next request
CHUNK = 65536

# Headers that belong to one hop (RFC 9110 7.6.1): never passed on. Transfer-Encoding is
# absent on purpose: chunked bodies are relayed as they are, so their header goes with them.
_HOP_BY_HOP = {b"connection", b"proxy-connection", b"keep-alive", b"te", b"trailer",
               b"upgrade", b"proxy-authenticate", b"proxy-authorization"}
# What ingress-nginx sets itself, whatever the client sent (use-forwarded-headers: false).
_REPLACED = (b"x-forwarded-", b"x-real-ip", b"x-scheme")
# nginx does not pass these from the pod (proxy_pass_header's defaults): it sends its own.
_UPSTREAM_HIDDEN = frozenset({b"server", b"date"})


class BadMessage(Exception):
    """A message that cannot be framed or routed: the connection cannot go on."""


class Reader:
    """A socket with a read buffer: the bytes after one message are the next one's start."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def _fill(self) -> bool:
        chunk = self.sock.recv(CHUNK)
        self.buffer += chunk
        return bool(chunk)

    def head(self, idle: float | None = None, request: bool = False) -> bytes | None:
        """The next head, without its blank line; None when the peer closed (or stayed
        silent `idle` seconds) before sending a byte of it."""
        while True:
            if request:  # RFC 9112 2.2: empty lines before a request line are ignored
                self.buffer = self.buffer.lstrip(b"\r\n")
            end = self.buffer.find(b"\r\n\r\n")
            if end >= 0:
                head, self.buffer = self.buffer[:end], self.buffer[end + 4:]
                return head
            if len(self.buffer) > MAX_HEAD:
                raise BadMessage("head too large")
            idling = not self.buffer and idle is not None
            self.sock.settimeout(idle if idling else IO_TIMEOUT)
            try:
                more = self._fill()
            except TimeoutError:
                if idling:  # a keep-alive connection nobody uses any more
                    return None
                raise
            if not more:
                if self.buffer.strip(b"\r\n"):
                    raise BadMessage("head cut short")
                return None

    def line(self) -> bytes:
        """One line with its CRLF (a chunk size, a trailer)."""
        while (end := self.buffer.find(b"\r\n")) < 0:
            if len(self.buffer) > MAX_HEAD:
                raise BadMessage("line too long")
            self.sock.settimeout(IO_TIMEOUT)
            if not self._fill():
                raise BadMessage("message cut short")
        line, self.buffer = self.buffer[:end + 2], self.buffer[end + 2:]
        return line

    def take(self, limit: int) -> bytes:
        """Between 1 and `limit` bytes; b'' when the peer closed."""
        if self.buffer:
            data, self.buffer = self.buffer[:limit], self.buffer[limit:]
            return data
        self.sock.settimeout(IO_TIMEOUT)
        return self.sock.recv(min(limit, CHUNK))


@dataclass
class Head:
    """A request or response head: its first line and its header fields as received."""

    first: list[str]  # request: method, target, version; response: version, code, reason
    fields: list[tuple[bytes, bytes]]  # (name, value) with the value stripped

    def values(self, name: bytes) -> list[str]:
        return [v.decode("latin-1") for n, v in self.fields if n.lower() == name]

    def tokens(self, name: bytes) -> set[str]:
        """The comma-separated tokens of every `name` field, lower case (Connection...)."""
        return {t.strip().lower() for v in self.values(name) for t in v.split(",") if t.strip()}


def parse_head(raw: bytes) -> Head:
    first_line, *lines = raw.split(b"\r\n")
    fields = []
    for line in lines:
        name, colon, value = line.partition(b":")
        if not colon or not name or name != name.strip():
            raise BadMessage("malformed header line")
        fields.append((name, value.strip()))
    return Head(first_line.decode("latin-1").split(" ", 2), fields)


@dataclass
class Request:
    head: Head
    method: str
    target: str
    version: str
    host_header: str  # as the client sent it, with any port
    host: str  # lower case, without the port
    path: str  # without the query

    @property
    def uri(self) -> str:
        """The path and query (nginx's $request_uri), also of an absolute-form target."""
        if self.target.startswith(("http://", "https://")):
            split = urlsplit(self.target)
            return (split.path or "/") + (f"?{split.query}" if split.query else "")
        return self.target

    @property
    def keep_alive(self) -> bool:
        """Whether the client wants the connection kept after this request's response."""
        tokens = self.head.tokens(b"connection")
        if self.version == "HTTP/1.0":
            return "keep-alive" in tokens
        return "close" not in tokens

    @property
    def upgrade(self) -> bool:
        return "upgrade" in self.head.tokens(b"connection") and bool(
            self.head.values(b"upgrade"))


def parse_request(raw: bytes) -> Request:
    head = parse_head(raw)
    if len(head.first) != 3 or not head.first[2].startswith("HTTP/1."):
        raise BadMessage("malformed request line")
    method, target, version = head.first
    hosts = head.values(b"host")
    host = hosts[0].strip() if hosts else ""
    if len(hosts) > 1:
        raise BadMessage("more than one Host header")
    if target.startswith(("http://", "https://")):  # the absolute form names the host
        split = urlsplit(target)
        host, path = split.netloc, split.path or "/"
    else:
        path = target.split("?", 1)[0] or "/"
    return Request(head, method, target, version, host, _without_port(host).lower(), path)


def _without_port(host: str) -> str:
    if host.startswith("["):  # an IPv6 literal: [::1]:80
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


@dataclass(frozen=True)
class Framing:
    """How a body ends: no body, after `length` bytes, at the last chunk, or at close."""

    kind: Literal["none", "length", "chunked", "close"]
    length: int = 0


def _length_framing(head: Head, otherwise: Framing) -> Framing:
    if "chunked" in head.tokens(b"transfer-encoding"):
        return Framing("chunked")
    lengths = {v.strip() for v in head.values(b"content-length")}
    if not lengths:
        return otherwise
    if len(lengths) != 1 or not next(iter(lengths)).isdigit():
        raise BadMessage("bad Content-Length")
    return Framing("length", int(lengths.pop()))


def request_framing(request: Request) -> Framing:
    return _length_framing(request.head, Framing("none"))


def response_framing(method: str, head: Head) -> Framing:
    """RFC 9112 6.3: HEAD, 1xx, 204 and 304 have no body; else by length, or until close."""
    code = status_of(head)
    if method == "HEAD" or code < 200 or code in (204, 304):
        return Framing("none")
    return _length_framing(head, Framing("close"))


def status_of(head: Head) -> int:
    if len(head.first) < 2 or not head.first[0].startswith("HTTP/") or \
            not head.first[1].isdigit():
        raise BadMessage("malformed status line")
    return int(head.first[1])


def copy_body(reader: Reader, framing: Framing, write: Callable[[bytes], None],
              dechunk: bool = False) -> None:
    """Pass one body from `reader` to `write`, exactly as framed, stopping at its end;
    `dechunk` passes a chunked body's data only (for an HTTP/1.0 client)."""
    if framing.kind == "length":
        _copy_exactly(reader, framing.length, write)
    elif framing.kind == "chunked":
        framed = (lambda _data: None) if dechunk else write
        while True:
            line = reader.line()
            framed(line)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError as err:
                raise BadMessage("bad chunk size") from err
            if size == 0:
                while (trailer := reader.line()) != b"\r\n":
                    framed(trailer)
                framed(trailer)
                return
            _copy_exactly(reader, size, write)
            if (end := reader.line()) != b"\r\n":
                raise BadMessage("chunk longer than its size")
            framed(end)
    elif framing.kind == "close":
        while data := reader.take(CHUNK):
            write(data)


def _copy_exactly(reader: Reader, count: int, write: Callable[[bytes], None]) -> None:
    while count:
        data = reader.take(min(count, CHUNK))
        if not data:
            raise BadMessage("body cut short")
        write(data)
        count -= len(data)


def _kept(fields: list[tuple[bytes, bytes]], named: set[str],
          dropped: frozenset[bytes]) -> list[bytes]:
    """The field lines that are not hop-by-hop (also those the Connection header names)."""
    return [n + b": " + v for n, v in fields
            if n.lower() not in _HOP_BY_HOP and n.lower() not in dropped
            and n.decode("latin-1").lower() not in named]


def forwarded(request: Request, client_ip: str, scheme: str, port: int) -> bytes:
    """The request head as sent to the pod: hop-by-hop headers dropped (an upgrade keeps
    its Upgrade, as ingress-nginx's proxy_set_header does), the X-Forwarded-* set that
    ingress-nginx sets, and Expect dropped (the controller answers 100-continue itself)."""
    head = request.head
    named = head.tokens(b"connection")
    kept = [line for line in _kept(head.fields, named, frozenset({b"expect"}))
            if not line.lower().startswith(_REPLACED)]
    added = [f"X-Real-IP: {client_ip}", f"X-Forwarded-For: {client_ip}",
             f"X-Forwarded-Host: {request.host_header}", f"X-Forwarded-Port: {port}",
             f"X-Forwarded-Proto: {scheme}", f"X-Scheme: {scheme}"]
    if request.upgrade:
        added += [f"Upgrade: {request.head.values(b'upgrade')[0]}", "Connection: upgrade"]
    line = f"{request.method} {request.uri} HTTP/1.1"  # nginx sends the origin form
    return _join(line, kept + [a.encode("latin-1") for a in added])


def relayed_response(head: Head, keep_alive: bool, http10_client: bool,
                     dechunked: bool = False) -> bytes:
    """The pod's response head as the client gets it: nginx's status line version, its own
    Server and Date, the pod's hop-by-hop headers replaced by this connection's own."""
    named = head.tokens(b"connection")
    hidden = _UPSTREAM_HIDDEN | {b"transfer-encoding"} if dechunked else _UPSTREAM_HIDDEN
    kept = _kept(head.fields, named, hidden)
    reason = head.first[2] if len(head.first) > 2 else ""
    return _join(f"HTTP/1.1 {head.first[1]} {reason}".rstrip(),
                 [*_own_headers(), *kept, *_connection(keep_alive, http10_client)])


def _own_headers() -> list[bytes]:
    return [b"Server: nginx", f"Date: {email.utils.formatdate(usegmt=True)}".encode()]


def _connection(keep_alive: bool, http10_client: bool) -> list[bytes]:
    if not keep_alive:
        return [b"Connection: close"]
    return [b"Connection: keep-alive"] if http10_client else []


def _join(first: str, lines: list[bytes]) -> bytes:
    return b"\r\n".join([first.encode("latin-1"), *lines]) + b"\r\n\r\n"


def nginx_page(status: int, reason: str, keep_alive: bool = False,
               extra: tuple[str, ...] = (), http10_client: bool = False) -> bytes:
    """An answer of nginx's own, with the page nginx words it with."""
    body = (f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
            f"<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n"
            "</body>\r\n</html>\r\n").encode()
    lines = [*_own_headers(), b"Content-Type: text/html", f"Content-Length: {len(body)}".encode(),
             *(e.encode("latin-1") for e in extra), *_connection(keep_alive, http10_client)]
    return _join(f"HTTP/1.1 {status} {reason}", lines) + body


@dataclass(frozen=True)
class Canned:
    """An answer the controller gives itself, as an nginx page."""

    status: int
    reason: str
    extra: tuple[str, ...] = ()  # header lines

    def render(self, keep_alive: bool, http10_client: bool = False) -> bytes:
        return nginx_page(self.status, self.reason, keep_alive, self.extra, http10_client)


NOT_FOUND = Canned(404, "Not Found")  # ingress-nginx's own default backend
UNAVAILABLE = Canned(503, "Service Temporarily Unavailable")  # no ready endpoint
BAD_GATEWAY = Canned(502, "Bad Gateway")
GATEWAY_TIMEOUT = Canned(504, "Gateway Time-out")
BAD_REQUEST = Canned(400, "Bad Request")
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


def redirect_to_https(request: Request, https_port: int,
                      preserve_trailing_slash: bool) -> Canned:
    """ingress-nginx's ssl-redirect: 308 to the same host (without the port it was asked
    on) and request URI; nginx drops a final '/' unless preserve-trailing-slash is set, so
    `/` goes to `https://host`. A non-standard HTTPS port is named in the Location."""
    uri = request.uri
    if not preserve_trailing_slash and uri.endswith("/"):
        uri = uri[:-1]
    port = "" if https_port == 443 else f":{https_port}"
    return Canned(308, "Permanent Redirect",
                  (f"Location: https://{_without_port(request.host_header)}{port}{uri}",))
