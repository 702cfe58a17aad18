"""A small HTTP/1.1 client over a unix socket: just what the daemon's protocol needs.

http.client would do, but importing it (with ssl and email) costs about 45 ms, a sixth of the
time a shell takes to answer its first line; the daemon only ever speaks JSON bodies with a
Content-Length, or chunked streams of JSON lines for watches.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO


class ConnectionRefused(Exception):
    """The daemon does not answer on its socket."""


class ConnectionClosed(Exception):
    """The daemon closed a kept-alive connection; the request may be sent again."""


@dataclass
class Response:
    """A response's status, headers (lower-case names) and, unless streamed, its body."""

    status: int
    headers: dict[str, str]
    body: bytes = b""


class UnixConnection:
    """One kept-alive connection to a unix socket, opened on first use."""

    def __init__(self, path: str, timeout: float | None = None) -> None:
        self.path = path
        self.timeout = timeout
        self._sock: socket.socket | None = None
        self._reader: BinaryIO | None = None

    def _open(self) -> tuple[socket.socket, BinaryIO]:
        if self._sock is None or self._reader is None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            if self.timeout is not None:
                sock.settimeout(self.timeout)
            try:
                sock.connect(self.path)
            except OSError as exc:
                sock.close()
                raise ConnectionRefused(str(exc)) from exc
            self._sock, self._reader = sock, sock.makefile("rb")
        return self._sock, self._reader

    def close(self) -> None:
        """Close the connection (it reopens on the next request)."""
        if self._reader is not None:
            self._reader.close()
        if self._sock is not None:
            self._sock.close()
        self._sock = self._reader = None

    def send(self, method: str, path: str, body: bytes | None = None,
             headers: dict[str, str] | None = None) -> Response:
        """Send a request and read the response's status line and headers."""
        sock, reader = self._open()
        lines = [f"{method} {path} HTTP/1.1", "Host: localhost"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        lines.append(f"Content-Length: {len(body or b'')}")
        try:
            sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b""))
            status_line = reader.readline()
        except (BrokenPipeError, ConnectionResetError) as exc:
            self.close()
            raise ConnectionClosed(str(exc)) from exc
        if not status_line:
            self.close()
            raise ConnectionClosed("the daemon closed the connection")
        parts = status_line.decode("latin-1").split(" ", 2)
        response = Response(int(parts[1]), {})
        while True:
            line = reader.readline().decode("latin-1").rstrip("\r\n")
            if not line:
                break
            name, _, value = line.partition(":")
            response.headers[name.strip().lower()] = value.strip()
        return response

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> Response:
        """Send a request and read its whole response."""
        response = self.send(method, path, body, headers)
        response.body = self.request_body(response)
        if response.headers.get("connection", "").lower() == "close":
            self.close()
        return response

    def request_body(self, response: Response) -> bytes:
        """Read the body of a response whose headers `send` returned."""
        assert self._reader is not None
        if response.headers.get("transfer-encoding") == "chunked":
            return b"".join(self._chunks())
        return self._reader.read(int(response.headers.get("content-length") or 0))

    def _chunks(self) -> Iterator[bytes]:
        assert self._reader is not None
        while True:
            size_line = self._reader.readline()
            if not size_line:
                return
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                self._reader.readline()
                return
            data = self._reader.read(size)
            self._reader.readline()
            yield data

    def lines(self) -> Iterator[bytes]:
        """The lines of a chunked response body, as they arrive."""
        pending = b""
        for chunk in self._chunks():
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                yield line
        if pending:
            yield pending


def upgrade(path: str, method: str, target: str, protocol: str, timeout: float | None = 30.0
            ) -> tuple[socket.socket | None, Response]:
    """Send a request asking to switch to `protocol` on a new connection. On `101 Switching
    Protocols` returns the socket, positioned at the first byte after the headers (they are
    read a byte at a time, so nothing of the new protocol is swallowed by a buffer); on any
    other answer returns None and the whole response, and closes the connection."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(path)
    except OSError as exc:
        sock.close()
        raise ConnectionRefused(str(exc)) from exc
    try:
        sock.sendall((f"{method} {target} HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade"
                      f"\r\nUpgrade: {protocol}\r\nContent-Length: 0\r\n\r\n").encode())
        head = bytearray()
        while not head.endswith(b"\r\n\r\n"):
            byte = sock.recv(1)
            if not byte:
                raise ConnectionClosed("the daemon closed the connection")
            head += byte
    except (OSError, ConnectionClosed) as exc:
        sock.close()
        raise ConnectionRefused(str(exc)) from exc
    lines = head.decode("latin-1").split("\r\n")
    response = Response(int(lines[0].split(" ", 2)[1]), {})
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            response.headers[name.strip().lower()] = value.strip()
    if response.status == 101:
        sock.settimeout(None)  # a session lasts as long as the user wants
        return sock, response
    try:
        with sock.makefile("rb") as reader:
            response.body = reader.read(int(response.headers.get("content-length") or 0))
    finally:
        sock.close()
    return None, response
