"""The tutor's own `podman system service`, one per state dir.

`PodmanService(state_dir).start()` writes `<state>/podman/containers.conf` (see `config`),
starts `podman system service --time=0 unix://<state>/podman/podman.sock` with
`CONTAINERS_CONF` pointing at it when no service answers on that socket yet, waits until one
answers `GET /_ping`, and returns a podman-py `PodmanClient` on the socket. `close()` closes the
client and stops the process it started (SIGTERM, then SIGKILL), by PID; a service that was
already answering is left running (`stop_recorded` stops one a crashed daemon left behind).

The service's stdout and stderr go to `<state>/podman/service.log`, its PID to
`<state>/podman/service.pid`. It runs in a session of its own, so a Ctrl-C meant for the
terminal does not reach it: its owner stops it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from kubia_tutor.runtime.podman.config import HostFacts, configure, podman_dir

if TYPE_CHECKING:
    from podman import PodmanClient

# sun_path holds 108 bytes, the terminating NUL included.
MAX_SOCKET_PATH = 107


class ServiceError(RuntimeError):
    """The service could not be started (the message says why, with its log's last lines)."""


def socket_file(state_dir: str | os.PathLike[str]) -> Path:
    """`<state>/podman/podman.sock`."""
    return podman_dir(state_dir) / "podman.sock"


def log_file(state_dir: str | os.PathLike[str]) -> Path:
    """`<state>/podman/service.log`: the service's stdout and stderr."""
    return podman_dir(state_dir) / "service.log"


def pid_file(state_dir: str | os.PathLike[str]) -> Path:
    """`<state>/podman/service.pid`: the PID of the service the tutor started."""
    return podman_dir(state_dir) / "service.pid"


def ping(socket_path: str | os.PathLike[str], timeout: float = 1.0) -> bool:
    """True when a Podman service answers `GET /_ping` with 200 on the unix socket."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(os.fspath(socket_path))
            sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: podman\r\n\r\n")
            head = b""
            while b"\r\n" not in head and len(head) < 4096:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                head += chunk
    except OSError:
        return False
    status = head.split(b"\r\n", 1)[0].split()
    return len(status) >= 2 and status[0].startswith(b"HTTP/") and status[1] == b"200"


def rss_kib(pid: int) -> int | None:
    """A process's resident set size (VmRSS) in KiB, or None when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def _is_our_service(pid: int, url: str) -> bool:
    """True when `pid` is a `podman system service` serving `url` (guards against a reused PID)."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"system" in argv and b"service" in argv and url.encode() in argv


def _terminate(pid: int, wait: float) -> None:
    """SIGTERM `pid` (not our child), then SIGKILL when it outlives `wait` seconds."""
    for sig, grace in ((signal.SIGTERM, wait), (signal.SIGKILL, 2.0)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            if not Path(f"/proc/{pid}").exists() or _is_zombie(pid):
                return
            time.sleep(0.02)


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] == "Z"


def stop_recorded(state_dir: str | os.PathLike[str], wait: float = 5.0) -> int | None:
    """Stop the service whose PID `<state>/podman/service.pid` records (one a crashed daemon
    left behind), when that PID still is this state dir's service. Returns the PID stopped."""
    path = pid_file(state_dir)
    try:
        pid = int(path.read_text().strip())
    except (OSError, ValueError):
        return None
    url = "unix://" + str(socket_file(state_dir))
    stopped = None
    if _is_our_service(pid, url):
        _terminate(pid, wait)
        stopped = pid
    path.unlink(missing_ok=True)
    return stopped


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


class PodmanService:
    """The state dir's Podman service: started when none answers, stopped on `close()` when
    this object started it."""

    def __init__(self, state_dir: str | os.PathLike[str], *, podman: str | None = None,
                 host: HostFacts | None = None, base_env: Mapping[str, str] | None = None,
                 client_timeout: float | None = None) -> None:
        self.state_dir = Path(state_dir)
        self.socket_path = socket_file(state_dir)
        self.url = "unix://" + str(self.socket_path)
        self.log_path = log_file(state_dir)
        self._podman = podman
        self._host = host
        self._base_env = base_env
        self._client_timeout = client_timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self.client: PodmanClient | None = None
        # Milliseconds from starting the process to the first answered ping (None: reused).
        self.startup_ms: float | None = None

    @property
    def pid(self) -> int | None:
        """The PID of the service this object started (None when it reused one, or stopped)."""
        return self._proc.pid if self._proc is not None else None

    @property
    def started_here(self) -> bool:
        """True when this object started the running service (and `close()` stops it)."""
        return self._proc is not None and self._proc.poll() is None

    def ping(self, timeout: float = 1.0) -> bool:
        """True when a service answers on the state dir's socket."""
        return ping(self.socket_path, timeout)

    def rss_kib(self) -> int | None:
        """VmRSS of the service this object started, in KiB."""
        return rss_kib(self._proc.pid) if self._proc is not None else None

    def start(self, timeout: float = 20.0) -> PodmanClient:
        """Make sure a service answers on the socket (starting one when needed) and return a
        client on it."""
        if self.client is not None:
            return self.client
        if len(os.fsencode(self.socket_path)) > MAX_SOCKET_PATH:
            raise ServiceError(
                f"the Podman socket path {self.socket_path} is longer than {MAX_SOCKET_PATH}"
                " bytes, the most a unix socket path may have: use a shorter state dir")
        if not self.ping():
            self._spawn(timeout)
        from podman import PodmanClient  # podman-py (and requests) only when a client is made

        self.client = PodmanClient(base_url=self.url, timeout=self._client_timeout)
        return self.client

    def _spawn(self, timeout: float) -> None:
        podman = self._podman or shutil.which("podman")
        if podman is None:
            raise ServiceError("podman is not installed (apt-get install -y podman)")
        env = configure(self.state_dir, self._host, self._base_env)
        self.socket_path.unlink(missing_ok=True)  # a dead service's socket
        with open(self.log_path, "ab") as log:
            log.write(f"--- {time.strftime('%Y-%m-%dT%H:%M:%S%z')} kubia-tutor starts"
                      f" {podman} system service --time=0 {self.url}\n".encode())
            log.flush()
            started = time.monotonic()
            self._proc = subprocess.Popen(
                [podman, "system", "service", "--time=0", self.url],
                env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                start_new_session=True, close_fds=True,
                # conmon writes files (an `oom` marker) relative to the service's working
                # directory: never the user's
                cwd=str(self.socket_path.parent))
        pid_file(self.state_dir).write_text(f"{self._proc.pid}\n")
        pause = 0.002
        deadline = started + timeout
        while True:
            if self.ping(timeout=max(0.1, min(1.0, deadline - time.monotonic()))):
                self.startup_ms = (time.monotonic() - started) * 1000
                return
            code = self._proc.poll()
            if code is not None:
                self._forget()
                raise ServiceError(f"podman system service exited with status {code}:\n"
                                   f"{_tail(self.log_path)}")
            if time.monotonic() >= deadline:
                self._stop(wait=2.0)
                raise ServiceError(f"podman system service did not answer within {timeout:g} s:"
                                   f"\n{_tail(self.log_path)}")
            time.sleep(pause)
            pause = min(pause * 2, 0.05)

    def _forget(self) -> None:
        self._proc = None
        pid_file(self.state_dir).unlink(missing_ok=True)

    def _stop(self, wait: float) -> None:
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(wait)
            except subprocess.TimeoutExpired:
                proc.kill()
                # Unkillable for now (D state) when this times out: the kernel reaps it later.
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(5.0)
        self._forget()

    def close(self, wait: float = 5.0) -> None:
        """Close the client; stop the service when this object started it."""
        if self.client is not None:
            self.client.close()
            self.client = None
        self._stop(wait)

    def __enter__(self) -> PodmanService:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
