"""Streams into Podman containers: interactive exec, attach, followed logs, port-forward.

Design note. Exec and attach run the `podman` CLI in local mode (with the tutor's
containers.conf, never through a remote service), under a pseudo-terminal when a TTY is asked
for and on pipes otherwise. Why the CLI and not the exec API of the tutor's service: with a
TTY the CLI puts its side in raw mode, relays through conmon's attach socket and resizes on
SIGWINCH; on pipes it ends the process's stdin when ours ends (`echo hi | exec -i cat`) and
keeps stdout and stderr apart; and its exit status is the command's. Podman 4.3's hijacked
HTTP exec gives none of these reliably (stdin EOF is not passed on through a half-close), and
an exec costs about 60 ms more through the CLI, which nobody notices in an interactive session.
`attach` runs with `--sig-proxy=false` so that letting go of a session never signals the
container, and both run with `--detach-keys=` since kubectl has no detach sequence.

Followed logs go through the service's REST API (`follow=true`) on a socket of our own, so a
client that leaves can end the read at once (shutdown wakes a blocked recv; closing does not).
Port-forward only names the address: the pod's IP, which must lie on the cluster's network.
"""

from __future__ import annotations

import contextlib
import fcntl
import ipaddress
import os
import pty
import select
import shutil
import signal
import socket
import struct
import subprocess
import termios
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from kubia_tutor.runtime.cri import RuntimeError_
from kubia_tutor.runtime.podman.config import conf_file, podman_env

Obj = dict[str, Any]
API_PREFIX = "/v4.0.0/libpod"
STDOUT, STDERR = 1, 2
_READ = 65536
# A child that has exited but whose terminal stays open (a grandchild holding it) ends the
# stream after this long without output.
_EXIT_GRACE = 0.2


def podman_binary() -> str:
    """The podman CLI; RuntimeError_ when there is none."""
    found = shutil.which("podman")
    if found is None:
        raise RuntimeError_("the podman command is not installed")
    return found


def exec_args(container_id: str, argv: list[str], *, stdin: bool, tty: bool) -> list[str]:
    """The podman command line of an interactive exec."""
    flags = ["--detach-keys="] + (["-i"] if stdin else []) + (["-t"] if tty else [])
    return [podman_binary(), "exec", *flags, container_id, *argv]


def attach_args(container_id: str, *, stdin: bool) -> list[str]:
    """The podman command line of an attach to a container's main process."""
    flags = ["--detach-keys=", "--sig-proxy=false"] + ([] if stdin else ["--no-stdin"])
    return [podman_binary(), "attach", *flags, container_id]


class CliProcess:
    """A `podman exec|attach` process as a `cri.ProcessStream`."""

    def __init__(self, args: list[str], env: dict[str, str], *, stdin: bool, tty: bool,
                 known_exit: bool = True) -> None:
        self.tty = tty
        self.known_exit = known_exit
        self._lock = threading.Lock()
        self._closed = False
        self._stdin_fd: int | None = None
        if tty:
            master, slave = pty.openpty()
            _set_size(master, 80, 24)
            try:
                self.proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave,
                                             env=env, start_new_session=True)
            finally:
                os.close(slave)
            self._master: int | None = master
            self._outputs = {master: STDOUT}
            self._stdin_fd = master if stdin else None
        else:
            self._master = None
            self.proc = subprocess.Popen(args, stdin=subprocess.PIPE if stdin else
                                         subprocess.DEVNULL, stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, env=env,
                                         start_new_session=True)
            assert self.proc.stdout is not None and self.proc.stderr is not None
            self._outputs = {self.proc.stdout.fileno(): STDOUT,
                             self.proc.stderr.fileno(): STDERR}
            if stdin:
                assert self.proc.stdin is not None
                self._stdin_fd = self.proc.stdin.fileno()

    def read(self) -> tuple[int, bytes] | None:
        while self._outputs:
            ready, _, _ = select.select(list(self._outputs), [], [], _EXIT_GRACE)
            if not ready:
                if self.proc.poll() is not None and self.tty:
                    return None  # exited; whoever still holds the terminal is not ours
                continue
            fd = ready[0]
            try:
                data = os.read(fd, _READ)
            except OSError:  # EIO: the terminal's other side is closed
                data = b""
            if data:
                return self._outputs[fd], data
            del self._outputs[fd]
        return None

    def write(self, data: bytes) -> None:
        fd = self._stdin_fd
        if fd is None:
            return
        try:
            _write_all(fd, data)
        except OSError:
            self.close_stdin()

    def close_stdin(self) -> None:
        with self._lock:
            if self.tty or self._stdin_fd is None:
                return  # on a terminal, EOF is a ^D the user types, not a closed pipe
            self._stdin_fd = None
            if self.proc.stdin is not None:
                with contextlib.suppress(OSError):
                    self.proc.stdin.close()

    def resize(self, width: int, height: int) -> None:
        if self._master is None or width <= 0 or height <= 0:
            return
        _set_size(self._master, width, height)
        # podman is not the terminal's session leader, so the kernel does not signal it
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, signal.SIGWINCH)

    def wait(self) -> int | None:
        code = self.proc.wait()
        return code if self.known_exit else None

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        if self._master is not None:
            with contextlib.suppress(OSError):
                os.close(self._master)
            self._master = None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _set_size(fd: int, width: int, height: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))


def exec_stream(state_dir: str, container_id: str, argv: list[str], *, stdin: bool,
                tty: bool) -> CliProcess:
    """Start a command in a running container with its stdio connected."""
    env = podman_env(conf_file(state_dir))
    return CliProcess(exec_args(container_id, argv, stdin=stdin, tty=tty), env, stdin=stdin,
                      tty=tty)


def attach(state_dir: str, container_id: str, *, stdin: bool, tty: bool) -> CliProcess:
    """Connect to a running container's main process."""
    env = podman_env(conf_file(state_dir))
    return CliProcess(attach_args(container_id, stdin=stdin), env, stdin=stdin, tty=tty,
                      known_exit=False)


def log_path(container_id: str, *, follow: bool, tail: int | None, since: float | None,
             timestamps: bool) -> str:
    """The libpod API path of a container's log with these options."""
    params = {"stdout": "true", "stderr": "true", "follow": "true" if follow else "false",
              "timestamps": "true" if timestamps else "false"}
    if tail is not None:
        params["tail"] = str(max(0, tail))
    if since is not None:
        params["since"] = datetime.fromtimestamp(since, UTC).isoformat()
    return f"{API_PREFIX}/containers/{container_id}/logs?{urlencode(params)}"


class ApiLog:
    """A container's log read from the Podman service as it is written (a `cri.ByteStream`):
    the libpod stream is multiplexed (8-byte headers: stream, 0, 0, 0, length) and chunked."""

    def __init__(self, socket_path: str | os.PathLike[str], path: str) -> None:
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._sock.connect(os.fspath(socket_path))
            self._sock.sendall(f"GET {path} HTTP/1.1\r\nHost: podman\r\n\r\n".encode())
        except OSError as exc:
            self._sock.close()
            raise RuntimeError_(f"the Podman service does not answer: {exc}") from exc
        self._reader = self._sock.makefile("rb")
        self._closed = False
        status = self._reader.readline().decode("latin-1").split(" ", 2)
        headers: dict[str, str] = {}
        while True:
            line = self._reader.readline().decode("latin-1").rstrip("\r\n")
            if not line:
                break
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        self._chunked = headers.get("transfer-encoding", "").lower() == "chunked"
        self._pending = bytearray()
        self._done = False
        if len(status) < 2 or status[1] != "200":
            body = self._body_text()
            self.close()
            raise RuntimeError_(f"podman logs: {body or ' '.join(status).strip()}")

    def _body_text(self) -> str:
        data = b"".join(iter(self._raw, b""))
        return data.decode(errors="replace").strip()

    def _raw(self) -> bytes:
        """The next piece of the HTTP body as it arrives; b"" at its end."""
        if self._done:
            return b""
        try:
            if not self._chunked:
                data: bytes = self._reader.read1(_READ)
                self._done = not data
                return data
            size_line = self._reader.readline()
            size = int(size_line.split(b";")[0].strip() or b"0", 16) if size_line else 0
            if size == 0:
                self._done = True
                return b""
            data = self._reader.read(size)
            self._reader.readline()
            return data
        except (OSError, ValueError):
            self._done = True
            return b""

    def read(self) -> bytes:
        while True:
            if len(self._pending) >= 8:
                length = struct.unpack_from(">L", self._pending, 4)[0]
                if len(self._pending) >= 8 + length:
                    payload = bytes(self._pending[8:8 + length])
                    del self._pending[:8 + length]
                    if payload:
                        return payload
                    continue
            data = self._raw()
            if not data:
                return b""
            self._pending += data

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self._reader.close()
        self._sock.close()


def log_stream(socket_path: str | Path, container_id: str, *, follow: bool,
               tail: int | None, since: float | None, timestamps: bool) -> ApiLog:
    """A container's log from the Podman service, following it while it runs."""
    return ApiLog(socket_path, log_path(container_id, follow=follow, tail=tail, since=since,
                                        timestamps=timestamps))


def port_forward_address(pod: Obj, port: int, subnet: str) -> tuple[str, int]:
    """The pod's address for `port`: its IP, which must be on the cluster's network (so a
    forward can never be pointed off the machine)."""
    ip = str((pod.get("status") or {}).get("podIP") or "")
    if not ip:
        raise RuntimeError_("the pod has no IP address yet")
    try:
        inside = ipaddress.ip_address(ip) in ipaddress.ip_network(subnet)
    except ValueError:
        inside = False
    if not inside:
        raise RuntimeError_(f"the pod's address {ip} is not on the cluster network {subnet}")
    return ip, port
