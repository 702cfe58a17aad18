"""The daemon's side of kubia-stream/1: relays between a client's frames and a container.

Design note. A session opens in two steps, so that every refusal (no such container, a
runtime that runs no processes, nothing listening on the pod's port) is an ordinary error
response before the connection is upgraded: `StreamService.open` checks and starts what the
request names and returns a runner; the HTTP server (or `ApiServer.stream` in process) then
upgrades and hands the runner the socket. Each relay uses one thread per direction; whichever
side ends first ends the session, and the status frame comes last.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
from collections.abc import Callable
from typing import Any

from kubia_tutor.api.errors import ApiError, bad_request
from kubia_tutor.daemon.stream_protocol import (
    RESIZE,
    STDERR,
    STDIN,
    STDOUT,
    FrameSocket,
    ProtocolError,
)
from kubia_tutor.runtime import streams
from kubia_tutor.runtime.cri import ByteStream, ContainerRuntime, ProcessStream

log = logging.getLogger(__name__)

Obj = dict[str, Any]
Runner = Callable[[socket.socket], None]
CONNECT_TIMEOUT = 5.0


class StreamService:
    """Opens the streaming subresources of pods on this node's runtime."""

    def __init__(self, runtime: ContainerRuntime) -> None:
        self.runtime = runtime

    def open(self, pod: Obj, subresource: str, options: dict[str, Any]) -> Runner:
        """Check and start the session a request names; returns what relays it."""
        container = str(options.get("container") or "")
        if subresource in ("exec", "attach"):
            stdin, tty = bool(options.get("stdin")), bool(options.get("tty"))
            if subresource == "exec":
                process = streams.exec_process(
                    self.runtime, pod, container, [str(a) for a in options.get("command") or []],
                    stdin=stdin, tty=tty)
            else:
                process = streams.attach_process(self.runtime, pod, container, stdin=stdin,
                                                 tty=tty)
            return lambda sock: relay_process(FrameSocket(sock), process)
        if subresource == "log":
            tail = options.get("tailLines")
            stream = streams.log_stream(
                self.runtime, pod, container, follow=bool(options.get("follow")),
                previous=bool(options.get("previous")),
                tail=None if tail is None or tail < 0 else int(tail),
                since=streams.since_unix(options.get("sinceSeconds"),
                                         str(options.get("sinceTime") or "")),
                timestamps=bool(options.get("timestamps")))
            return lambda sock: relay_log(FrameSocket(sock), stream)
        if subresource == "portforward":
            ports = options.get("ports") or []
            if len(ports) != 1:
                raise bad_request("exactly one port is forwarded per stream")
            try:
                port = int(ports[0])
            except ValueError as exc:
                raise bad_request(f'invalid port "{ports[0]}"') from exc
            address = streams.port_forward_address(self.runtime, pod, port)
            if options.get("check"):
                # the client's preflight: the pod can be forwarded to; nothing is dialled
                return lambda sock: _checked(FrameSocket(sock))
            try:
                conn = socket.create_connection(address, timeout=CONNECT_TIMEOUT)
            except OSError as exc:
                raise bad_request(f"error forwarding port {port} to pod "
                                  f"{pod['metadata']['name']}: dial tcp {address[0]}:"
                                  f"{address[1]}: {_reason(exc)}") from exc
            conn.settimeout(None)
            return lambda sock: relay_tcp(FrameSocket(sock), conn)
        raise ApiError(404, "NotFound", "the server could not find the requested resource")


def _checked(frames: FrameSocket) -> None:
    frames.send_status(0)
    frames.close()


def _reason(exc: OSError) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connect: connection refused"
    if isinstance(exc, TimeoutError):
        return "i/o timeout"
    return str(exc.strerror or exc).lower()


def relay_process(frames: FrameSocket, process: ProcessStream) -> None:
    """Relay a process's stdio until its output ends, then send its exit status."""
    pump = threading.Thread(target=_client_to_process, args=(frames, process),
                            name="stream-stdin", daemon=True)
    pump.start()
    try:
        while True:
            chunk = process.read()
            if chunk is None:
                break
            channel, data = chunk
            if not frames.send(STDERR if channel == STDERR else STDOUT, data):
                process.close()  # the client is gone: let go of the process
                break
        code = process.wait()
        if code:
            frames.send_status(code, f"command terminated with non-zero exit code: {code}")
        else:
            frames.send_status(code)
    except Exception as exc:  # a relay must end the session with a status, never hang it
        log.exception("stream relay failed")
        frames.send_status(None, f"stream relay failed: {exc}")
    finally:
        process.close()
        frames.close()


def _client_to_process(frames: FrameSocket, process: ProcessStream) -> None:
    try:
        while True:
            frame = frames.read()
            if frame is None:
                # The client went away (or closed): stdin ends with it. The process is not
                # killed here: a `cat` given all its input must still finish its output.
                process.close_stdin()
                return
            channel, data = frame
            if channel == STDIN:
                if data:
                    process.write(data)
                else:
                    process.close_stdin()
            elif channel == RESIZE:
                size = json.loads(data)
                process.resize(int(size.get("Width") or 0), int(size.get("Height") or 0))
    except (OSError, ValueError, ProtocolError):
        process.close_stdin()


def relay_log(frames: FrameSocket, stream: ByteStream) -> None:
    """Send a log's chunks on stdout until it ends or the client leaves."""
    watcher = threading.Thread(target=_close_when_client_leaves, args=(frames, stream),
                               name="stream-log", daemon=True)
    watcher.start()
    try:
        while True:
            data = stream.read()
            if not data or not frames.send(STDOUT, data):
                break
        frames.send_status(0)
    except Exception as exc:
        log.exception("log stream failed")
        frames.send_status(None, f"log stream failed: {exc}")
    finally:
        stream.close()
        frames.close()


def _close_when_client_leaves(frames: FrameSocket, stream: ByteStream) -> None:
    try:
        while frames.read() is not None:
            pass
    except (OSError, ProtocolError):
        pass
    stream.close()


def relay_tcp(frames: FrameSocket, conn: socket.socket) -> None:
    """Relay a TCP connection to a pod: frames on stdin go to it, its bytes come on stdout;
    an empty frame either way is a half-close."""
    pump = threading.Thread(target=_client_to_tcp, args=(frames, conn), name="stream-tcp",
                            daemon=True)
    pump.start()
    try:
        while True:
            try:
                data = conn.recv(65536)
            except OSError:
                data = b""
            if not frames.send(STDOUT, data) or not data:
                break
        pump.join()
    finally:
        conn.close()
        frames.close()


def _client_to_tcp(frames: FrameSocket, conn: socket.socket) -> None:
    try:
        while True:
            frame = frames.read()
            if frame is None or (frame[0] == STDIN and not frame[1]):
                conn.shutdown(socket.SHUT_WR)
                return
            if frame[0] == STDIN:
                conn.sendall(frame[1])
    except (OSError, ProtocolError):
        with contextlib.suppress(OSError):
            conn.shutdown(socket.SHUT_RDWR)
