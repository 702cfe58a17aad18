"""Starting, finding and stopping the daemon of a state dir (`up | status | stop | reset`)."""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import sys
import threading
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
    notice: str = ""  # why `auto` fell back to the fake runtime, when it did


def probe(state_dir: str) -> DaemonStatus | None:
    """The daemon's status if one answers on the state dir's socket, else None."""
    sock = paths.socket_file(state_dir)
    if not os.path.exists(sock):
        return None
    try:
        # Closed at once: a client left open leaked its socket to the garbage collector.
        with HttpClient(sock, timeout=5) as client:
            info: Any = client.raw_get("/kubia/status")
    except (ConnectionRefused, OSError):
        return None
    except Exception:
        return None
    return DaemonStatus(int(info["pid"]), str(info["runtime"]), int(info["revision"]),
                        float(info["started"]), str(info.get("notice") or ""))


def up(state_dir: str, runtime: str = "auto", timeout: float = 30.0) -> tuple[DaemonStatus, bool]:
    """Start the daemon unless it runs; returns its status and whether it was started now."""
    running = probe(state_dir)
    if running is not None:
        return running, False
    if not paths.usable(state_dir):
        raise DaemonError(f"{state_dir} is not a kubia-tutor state dir (it holds files of its "
                          f"own); choose an empty or new directory")
    os.makedirs(state_dir, exist_ok=True)
    paths.mark(state_dir)
    proc = _spawn(state_dir, runtime)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = probe(state_dir)
        if status is not None:
            if status.pid != proc.pid:
                # Concurrent `up`s each start a daemon; one takes the state dir's lock and the
                # others exit. This used to report "started" for whichever daemon answered and
                # return while ours was still starting up (a second daemon process, if only
                # briefly); now the loser says "already running" and reaps its daemon first.
                _reap(proc)
            else:
                _reap_later(proc)
            return status, status.pid == proc.pid
        code = proc.poll()
        if code == paths.EXIT_LOCKED:
            # Another daemon holds the lock: one still starting (a concurrent `up`, which used
            # to make this `up` fail with "exited during start-up") or one on its way out
            # (just stopped or killed). Keep waiting for it to answer; start ours again once
            # the lock is free and still nobody answers.
            if not _locked(state_dir):
                proc = _spawn(state_dir, runtime)
        elif code is not None:
            raise DaemonError(f"the cluster daemon exited during start-up; see "
                              f"{paths.log_file(state_dir)}")
        time.sleep(0.02)
    _reap_later(proc)
    raise DaemonError(f"the cluster daemon did not answer within {timeout:.0f}s; see "
                      f"{paths.log_file(state_dir)}")


def _spawn(state_dir: str, runtime: str) -> subprocess.Popen[bytes]:
    state_dir = os.path.abspath(state_dir)  # the daemon runs in it, so no relative path
    with open(paths.log_file(state_dir), "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "kubia_tutor.daemon", "--state-dir", state_dir,
             "--runtime", runtime],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
            close_fds=True,
            # a daemon keeps no user directory busy, and what it (or conmon under it) writes
            # by a relative path lands in the state dir
            cwd=state_dir,
        )


def _reap(proc: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """Wait for a daemon that lost the race for the lock to exit (it does so on its own)."""
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _reap_later(proc: subprocess.Popen[bytes]) -> None:
    """Reap the daemon we started whenever it exits, from a background thread.

    The daemon is our child until this process ends. Dropping its Popen used to warn
    "subprocess ... is still running" (a ResourceWarning: an error under the tests'
    filterwarnings=error, for any in-process `up`/`connect`), and a daemon stopped while we
    ran stayed a zombie of ours.
    """
    threading.Thread(target=proc.wait, name=f"reap-daemon-{proc.pid}", daemon=True).start()


def _locked(state_dir: str) -> bool:
    """True while some process holds the state dir's daemon lock."""
    try:
        fd = os.open(paths.lock_file(state_dir), os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


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
        with HttpClient(paths.socket_file(state_dir), timeout=5) as client:
            client.request("POST", "/kubia/shutdown")
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
    _remove_podman_objects(state_dir)
    from kubia_tutor.runtime.volumes import VolumeManager

    VolumeManager(state_dir).cleanup_all()  # a tmpfs left mounted would make rmtree fail
    shutil.rmtree(state_dir)
    return True


def _remove_podman_objects(state_dir: str) -> None:
    """Remove every Podman pod, container and network labelled with this cluster's id (and
    nothing else), when the cluster ever ran on Podman."""
    ident = os.path.join(state_dir, "cluster-id")
    if not os.path.exists(ident) or not os.path.isdir(os.path.join(state_dir, "podman")):
        return
    from kubia_tutor.runtime.podman.backend import PodmanRuntime

    with open(ident) as handle:
        cluster = handle.read().strip()
    runtime = PodmanRuntime(state_dir, cluster_id=cluster)
    try:
        runtime.remove_all()
    finally:
        runtime.close()
        # a Podman service a killed daemon left running would outlive the state dir
        from kubia_tutor.runtime.podman.service import stop_recorded

        stop_recorded(state_dir)
