"""The little HTTP/1.1 the Ingress controller needs: read a request's head to route it,
rewrite its hop-by-hop headers, and the canned answers ingress-nginx gives itself.

Only the request head is parsed. The controller sends `Connection: close` to the pod, so
each client connection carries one request and the response can be relayed byte for byte
until the pod closes, without parsing it (a keep-alive connection could otherwise carry a
second request for another host to the first one's pod).
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_HEAD = 65536  # nginx's large_client_header_buffers is smaller; enough for any lesson
HEAD_TIMEOUT = 30.0

# The headers that belong to one hop: dropped, as a proxy must, before the pod sees them.
_HOP_BY_HOP = {b"connection", b"proxy-connection", b"keep-alive"}

NOT_FOUND = b"default backend - 404"  # the body of ingress-nginx's default backend


@dataclass
class RequestHead:
    method: str
    target: str
    version: str
    host: str  # lower case, without the port
    path: str  # without the query
    lines: list[bytes]  # the header lines as received
    rest: bytes  # what was read after the head: the start of the body


class BadRequest(Exception):
    """A request head that cannot be routed."""


def read_head(sock: socket.socket) -> RequestHead | None:
    """The request head from `sock` (None: the client closed before sending one)."""
    sock.settimeout(HEAD_TIMEOUT)
    data = b""
    while b"\r\n\r\n" not in data:
        if len(data) > MAX_HEAD:
            raise BadRequest("request head too large")
        chunk = sock.recv(65536)
        if not chunk:
            if data:
                raise BadRequest("request head cut short")
            return None
        data += chunk
    sock.settimeout(None)
    head, _, rest = data.partition(b"\r\n\r\n")
    request_line, *lines = head.split(b"\r\n")
    parts = request_line.decode("latin-1").split()
    if len(parts) != 3 or not parts[2].startswith("HTTP/"):
        raise BadRequest("malformed request line")
    method, target, version = parts
    host = ""
    for line in lines:
        name, colon, value = line.partition(b":")
        if not colon:
            raise BadRequest("malformed header line")
        if name.strip().lower() == b"host":
            host = value.strip().decode("latin-1")
    if target.startswith(("http://", "https://")):  # the absolute form names the host
        split = urlsplit(target)
        host, path = split.netloc, split.path or "/"
    else:
        path = target.split("?", 1)[0] or "/"
    return RequestHead(method, target, version, _without_port(host).lower(), path, lines, rest)


def _without_port(host: str) -> str:
    if host.startswith("["):  # an IPv6 literal: [::1]:80
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def forwarded(head: RequestHead, client_ip: str, scheme: str) -> bytes:
    """The request head as sent to the pod: hop-by-hop headers replaced by
    `Connection: close`, and the X-Forwarded-* headers ingress-nginx adds."""
    kept = [line for line in head.lines
            if line.partition(b":")[0].strip().lower() not in _HOP_BY_HOP
            and not line.lower().startswith((b"x-forwarded-", b"x-real-ip"))]
    added = [f"X-Real-IP: {client_ip}", f"X-Forwarded-For: {client_ip}",
             f"X-Forwarded-Host: {head.host}", f"X-Forwarded-Proto: {scheme}",
             "Connection: close"]
    request_line = f"{head.method} {head.target} {head.version}".encode("latin-1")
    return b"\r\n".join([request_line, *kept, *(a.encode("latin-1") for a in added)]) + \
        b"\r\n\r\n" + head.rest


def nginx_page(status: int, reason: str) -> bytes:
    """An error page worded as nginx words its own."""
    body = (f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
            f"<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n"
            "</body>\r\n</html>\r\n").encode()
    return response(status, reason, body, "text/html")


def response(status: int, reason: str, body: bytes, content_type: str = "text/plain") -> bytes:
    return (f"HTTP/1.1 {status} {reason}\r\nServer: nginx\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body
