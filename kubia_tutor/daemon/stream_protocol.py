"""kubia-stream/1: the framed protocol of kubectl's streaming verbs between shell and daemon.

Design note. `exec -i -t`, `attach`, `logs -f`, `port-forward` and `cp` need a connection that
carries bytes both ways for as long as the session lasts. Kubernetes upgrades an HTTP request
to SPDY or WebSocket and multiplexes channels over it (channel.k8s.io); we keep its channel
numbers and drop the rest:

1. The client sends `POST /api/v1/namespaces/NS/pods/NAME/<exec|attach|log|portforward>?...`
   with `Connection: Upgrade` and `Upgrade: kubia-stream/1`. The query holds the options in
   Kubernetes' names (`command` repeated, `container`, `stdin`, `tty`, `ports`, `follow`,
   `tailLines`, `sinceSeconds`, `sinceTime`, `timestamps`, `previous`; and `check` for a
   port-forward that only asks whether the pod can be forwarded to, dialling nothing).
2. The daemon answers an ordinary error response with a Status body when the session cannot
   start (no such pod or container, a runtime that runs no containers), else
   `101 Switching Protocols`, after which the socket carries frames only.
3. A frame is 1 byte channel, 4 bytes big-endian payload length, then the payload:
   0 stdin (client to daemon; an empty payload ends stdin), 1 stdout, 2 stderr (daemon to
   client), 3 status (daemon to client, the last frame: JSON `{"status": "Success" |
   "Failure", "exitCode": N, "message": ...}`), 4 resize (client to daemon, JSON
   `{"Width": W, "Height": H}`). Port-forward carries bytes to the pod on 0 and from it on 1;
   an empty frame on either is a half-close.

The in-process client (`ApiServer.stream`) speaks the same frames over a socketpair, so the
shell has one code path whichever client it holds.
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

PROTOCOL = "kubia-stream/1"

STDIN = 0
STDOUT = 1
STDERR = 2
STATUS = 3
RESIZE = 4

_HEADER = struct.Struct(">BI")
MAX_PAYLOAD = 1 << 20  # a frame larger than this is a broken peer, not data

# The options each streaming subresource takes, and how their text in a query is read.
_LISTS = {"command", "ports"}
_BOOLS = {"stdin", "stdout", "stderr", "tty", "follow", "previous", "timestamps", "check"}
_INTS = {"tailLines", "sinceSeconds", "limitBytes"}


class ProtocolError(Exception):
    """The peer sent something that is not a kubia-stream/1 frame."""


def encode_frame(channel: int, data: bytes = b"") -> bytes:
    """One frame: channel, length, payload."""
    return _HEADER.pack(channel, len(data)) + data


def query(options: Mapping[str, Any]) -> str:
    """Stream options as a query string (lists repeated, booleans as true/false)."""
    pairs: list[tuple[str, str]] = []
    for key, value in options.items():
        if value is None:
            continue
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            pairs.append((key, ("true" if item else "false") if isinstance(item, bool)
                          else str(item)))
    return urlencode(pairs)


def parse_options(raw: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """Stream options from a parsed query (`parse_qs`), typed: lists, booleans, integers.
    A number that does not parse raises ValueError with the option's name."""
    out: dict[str, Any] = {}
    for key, values in raw.items():
        if key in _LISTS:
            out[key] = list(values)
        elif key in _BOOLS:
            out[key] = values[-1].lower() in ("true", "1")
        elif key in _INTS:
            try:
                out[key] = int(values[-1])
            except ValueError as exc:
                raise ValueError(f'invalid {key} "{values[-1]}"') from exc
        else:
            out[key] = values[-1]
    return out


class FrameSocket:
    """One end of a kubia-stream/1 connection: reads and writes frames on a socket.

    Writes may come from several threads (a stdout pump and a status writer), so they are
    serialized; reads belong to one thread."""

    def __init__(self, sock: socket.socket, initial: bytes = b"") -> None:
        self.sock = sock
        self._buffer = bytearray(initial)
        self._write_lock = threading.Lock()
        self.closed = False

    def _fill(self, size: int) -> bool:
        while len(self._buffer) < size:
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                return False
            if not chunk:
                return False
            self._buffer += chunk
        return True

    def read(self) -> tuple[int, bytes] | None:
        """The next frame as (channel, payload); None once the peer closed the connection."""
        if not self._fill(_HEADER.size):
            return None
        channel, length = _HEADER.unpack_from(self._buffer)
        if length > MAX_PAYLOAD:
            raise ProtocolError(f"frame of {length} bytes on channel {channel}")
        if not self._fill(_HEADER.size + length):
            return None
        data = bytes(self._buffer[_HEADER.size:_HEADER.size + length])
        del self._buffer[:_HEADER.size + length]
        return channel, data

    def send(self, channel: int, data: bytes = b"") -> bool:
        """Send one frame (large data in several); False when the peer is gone."""
        with self._write_lock:
            try:
                if not data:
                    self.sock.sendall(encode_frame(channel))
                for at in range(0, len(data), MAX_PAYLOAD):
                    self.sock.sendall(encode_frame(channel, data[at:at + MAX_PAYLOAD]))
            except OSError:
                return False
        return True

    def send_json(self, channel: int, body: Any) -> bool:
        """Send a JSON frame (status, resize)."""
        return self.send(channel, json.dumps(body, separators=(",", ":")).encode())

    def send_status(self, exit_code: int | None, message: str = "") -> bool:
        """The final status frame: Success for exit code 0 (or unknown), else Failure."""
        body: dict[str, Any] = {"status": "Success" if not exit_code and not message
                                else "Failure"}
        if exit_code is not None:
            body["exitCode"] = exit_code
        if message:
            body["message"] = message
        return self.send_json(STATUS, body)

    def shutdown_write(self) -> None:
        """Tell the peer nothing more comes (it still may send)."""
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        """Close the connection; a thread blocked in read() returns None."""
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
