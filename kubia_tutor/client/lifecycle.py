"""Starting, finding and stopping the daemon of a state dir (`up | status | stop | reset`)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

from kubia_tutor.client.http import ConnectionRefused, HttpClient
from kubia_tutor.daemon import paths


class DaemonError(Exception):
    """The daemon could not be started or reached; str() is the message for the user."""


@dataclass
class DaemonStatus:
    """What a running daemon reports about itself."""

    pid: int
    runtime: str
    revision: int
    started: float


def probe(state_dir: str) -> DaemonStatus | None:
    """The daemon's status if one answers on the state dir's socket, else None."""
    sock = paths.socket_file(state_dir)
    if not os.path.exists(sock):
        return None
    try:
        info: Any = HttpClient(sock, timeout=5).raw_get("/kubia/status")
    except (ConnectionRefused, OSError):
        return None
    except Exception:
        return None
    return DaemonStatus(int(info["pid"]), str(info["runtime"]), int(info["revision"]),
                        float(info["started"]))


def up(state_dir: str, runtime: str = "auto", timeout: float = 30.0) -> tuple[DaemonStatus, bool]:
    """Start the daemon unless it runs; returns its status and whether it was started now."""
    running = probe(state_dir)
    if running is not None:
        return running, False
    os.makedirs(state_dir, exist_ok=True)
    paths.mark(state_dir)
    with open(paths.log_file(state_dir), "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "kubia_tutor.daemon", "--state-dir", state_dir,
             "--runtime", runtime],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
            close_fds=True,
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = probe(state_dir)
        if status is not None:
            return status, True
        if proc.poll() is not None:
            # Another process may have won the race for the lock: use its daemon.
            status = probe(state_dir)
            if status is not None:
                return status, False
            raise DaemonError(f"the cluster daemon exited during start-up; see "
                              f"{paths.log_file(state_dir)}")
        time.sleep(0.02)
    raise DaemonError(f"the cluster daemon did not answer within {timeout:.0f}s; see "
                      f"{paths.log_file(state_dir)}")


def connect(state_dir: str, runtime: str = "auto") -> HttpClient:
    """A client for the state dir's daemon, starting the daemon when it is not running."""
    up(state_dir, runtime)
    return HttpClient(paths.socket_file(state_dir))


def stop(state_dir: str, timeout: float = 20.0) -> int | None:
    """Stop the daemon, keeping its state; returns the pid stopped, or None if none ran."""
    status = probe(state_dir)
    if status is None:
        return None
    try:
        HttpClient(paths.socket_file(state_dir), timeout=5).request("POST", "/kubia/shutdown")
    except Exception:
        os.kill(status.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(status.pid):
            return status.pid
        time.sleep(0.05)
    os.kill(status.pid, signal.SIGKILL)
    return status.pid


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours counts as gone.
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def reset(state_dir: str) -> bool:
    """Stop the daemon and wipe the state dir; False when the dir is not one of ours."""
    if not os.path.exists(state_dir):
        return True
    if not paths.is_ours(state_dir):
        return False
    stop(state_dir)
    shutil.rmtree(state_dir)
    return True
