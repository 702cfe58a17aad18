"""Where a state dir keeps things: the store, the socket, the pid, the log."""

from __future__ import annotations

import os
from pathlib import Path

MARKER = ".kubia-tutor-state"


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


def kubeconfig_file(state_dir: str) -> str:
    """The shell's kubeconfig (contexts and current namespace)."""
    return os.path.join(state_dir, "kubeconfig")
