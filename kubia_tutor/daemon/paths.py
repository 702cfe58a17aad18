"""Where a state dir keeps things: the store, the socket, the pid, the log."""

from __future__ import annotations

import os
from pathlib import Path

MARKER = ".kubia-tutor-state"

# The daemon's exit status when another daemon holds the state dir's lock (EX_TEMPFAIL): `up`
# then waits for that daemon instead of reporting a failed start.
EXIT_LOCKED = 75


def default_state_dir() -> str:
    """`$XDG_STATE_HOME/kubia-tutor`, or `~/.local/state/kubia-tutor`."""
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(Path.home(), ".local", "state")
    return os.path.join(base, "kubia-tutor")


def socket_file(state_dir: str) -> str:
    """The daemon's API socket."""
    return os.path.join(state_dir, "api.sock")


def pid_file(state_dir: str) -> str:
    """The running daemon's pid."""
    return os.path.join(state_dir, "daemon.pid")


def lock_file(state_dir: str) -> str:
    """Held by the running daemon: one daemon per state dir."""
    return os.path.join(state_dir, "daemon.lock")


def log_file(state_dir: str) -> str:
    """The daemon's log."""
    return os.path.join(state_dir, "daemon.log")


def mark(state_dir: str) -> None:
    """Mark a directory as ours, so `reset` may wipe it and nothing else."""
    Path(state_dir, MARKER).touch()


def is_ours(state_dir: str) -> bool:
    """True when the directory carries our marker."""
    return Path(state_dir, MARKER).exists()


def usable(state_dir: str) -> bool:
    """True when a daemon may keep its state in `state_dir`: it does not exist yet, is an
    empty directory, or is already ours.

    `up` used to mark whatever directory it was given, so `kubia-tutor up --state-dir ~/work`
    followed by `kubia-tutor reset --state-dir ~/work` wiped the user's files: the marker
    must only ever go on directories we create or that hold nothing.
    """
    path = Path(state_dir)
    if not path.exists():
        return True
    if not path.is_dir():
        return False
    return is_ours(state_dir) or not any(path.iterdir())


def kubeconfig_file(state_dir: str) -> str:
    """The shell's kubeconfig (contexts and current namespace)."""
    return os.path.join(state_dir, "kubeconfig")
