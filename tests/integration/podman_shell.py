"""Driving a real `kubia-tutor shell` on the Podman runtime from tests, as a learner would."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

KUBIA = str(Path(sys.executable).with_name("kubia-tutor"))
T = TypeVar("T")


def shell(state: Path, *lines: str, runtime: str = "podman", timeout: float = 120) -> str:
    """Run kubectl lines in script mode; returns stdout and stderr together."""
    done = subprocess.run([KUBIA, "shell", "--runtime", runtime, "--state-dir", str(state)],
                          input="\n".join(lines) + "\n", capture_output=True, text=True,
                          timeout=timeout)
    return done.stdout + done.stderr


def get_json(state: Path, what: str) -> dict[str, Any]:
    """`kubectl get <what> -o json`, parsed ({} when it is not there)."""
    out = shell(state, f"kubectl get {what} -o json")
    try:
        found: dict[str, Any] = json.loads(out)
    except ValueError:
        return {}
    return found


def wait_for(probe: Callable[[], T], timeout: float = 60, every: float = 0.5) -> T:
    """Call `probe` until it returns something true; returns that, or the last value."""
    deadline = time.monotonic() + timeout
    value = probe()
    while not value and time.monotonic() < deadline:
        time.sleep(every)
        value = probe()
    return value


def labelled(cluster: str) -> list[str]:
    """Names of every Podman container labelled with this cluster id."""
    done = subprocess.run(["podman", "ps", "-a", "--filter",
                           f"label=io.kubia-tutor.cluster={cluster}", "--format",
                           "{{.Names}}"], capture_output=True, text=True, timeout=60)
    return [line for line in done.stdout.splitlines() if line]


def reset(state: Path) -> None:
    """Stop the daemon and remove everything of the cluster's."""
    subprocess.run([KUBIA, "reset", "--state-dir", str(state)], capture_output=True,
                   timeout=120)
