"""Helpers for tests that run the real `kubia-tutor` command and its daemon as subprocesses:
`Kubia` runs subcommands on one state dir (always the fake runtime) and finds its daemons.

A module of its own, not conftest.py: test modules import from it, and `conftest` is a name
every test directory's conftest.py shares.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from kubia_tutor.client.http import HttpClient
from kubia_tutor.daemon import paths

KUBIA_TUTOR = Path(sys.executable).with_name("kubia-tutor")
_PID = re.compile(r"\(pid (\d+)")


def daemon_pids(state_dir: Path) -> list[int]:
    """Pids of live daemon processes serving `state_dir` (found by their command line)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            argv = Path("/proc", entry, "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        args = [a.decode(errors="replace") for a in argv]
        if "kubia_tutor.daemon" in args and _state_arg(args) == str(state_dir) and alive(
                int(entry)):
            found.append(int(entry))
    return sorted(found)


def _state_arg(args: list[str]) -> str | None:
    for i, arg in enumerate(args[:-1]):
        if arg == "--state-dir":
            return args[i + 1]
    return None


def alive(pid: int) -> bool:
    """True while `pid` runs (a zombie, whose parent has not reaped it yet, counts as gone)."""
    try:
        stat = Path("/proc", str(pid), "stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] not in ("Z", "X")


def wait_gone(pid: int, timeout: float = 10.0) -> None:
    """Wait until `pid` has exited."""
    deadline = time.monotonic() + timeout
    while alive(pid):
        if time.monotonic() > deadline:
            raise AssertionError(f"process {pid} still runs after {timeout}s")
        time.sleep(0.02)


def pid_of(output: str) -> int:
    """The pid a `kubia-tutor up|status|stop` line reports."""
    match = _PID.search(output)
    assert match, f"no pid in {output!r}"
    return int(match.group(1))


class Kubia:
    """Runs `kubia-tutor` subcommands on one state dir, always with the fake runtime."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.socket = paths.socket_file(str(state_dir))

    def argv(self, command: str, *extra: str) -> list[str]:
        """The command line of one subcommand on this state dir."""
        return [str(KUBIA_TUTOR), command, "--state-dir", str(self.state_dir),
                "--runtime", "fake", *extra]

    def run(self, command: str, *extra: str, stdin: str | None = None,
            timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
        """Run one subcommand to completion and capture what it printed."""
        return subprocess.run(self.argv(command, *extra), input=stdin, capture_output=True,
                              text=True, timeout=timeout,
                              stdin=None if stdin is not None else subprocess.DEVNULL)

    def up(self) -> int:
        """`up`, which must succeed; returns the daemon's pid."""
        result = self.run("up")
        assert result.returncode == 0, result.stderr
        return pid_of(result.stdout)

    def client(self, timeout: float = 30.0) -> HttpClient:
        """An API client on the daemon's socket (the caller closes it)."""
        return HttpClient(self.socket, timeout=timeout)

    def cleanup(self) -> None:
        """Stop the daemon; kill by pid any daemon process of this state dir still left."""
        if self.state_dir.exists():
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.run("stop", timeout=30)
        for pid in daemon_pids(self.state_dir):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            wait_gone(pid)
