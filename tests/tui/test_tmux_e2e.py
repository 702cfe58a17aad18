"""End to end as a person uses it: `kubia-tutor` in a real terminal (tmux), keys sent, the
screen read back. The free-play shell runs a command, the cluster view shows the node, help
opens, and Ctrl+Q ends the app with status 0 and the terminal given back."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent / "kubia-tutor"


def tmux(*args: str) -> str:
    done = subprocess.run(["tmux", *args], capture_output=True, text=True, timeout=20,
                          check=True)
    return done.stdout


def screen(session: str) -> str:
    return tmux("capture-pane", "-p", "-t", session)


def wait_for(session: str, text: str, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    shown = ""
    while time.monotonic() < deadline:
        shown = screen(session)
        if text in shown:
            return shown
        time.sleep(0.2)
    raise AssertionError(f"{text!r} never showed; the screen:\n{shown}")


@pytest.fixture
def session(state_dir: str, tmp_path: Path) -> str:
    assert shutil.which("tmux"), "tmux is needed (scripts/setup.sh installs it)"
    name = f"kubia-e2e-{uuid.uuid4().hex[:8]}"
    done = tmp_path / "exit-status"
    command = (f"{shlex.quote(str(BIN))} --state-dir {shlex.quote(state_dir)} --runtime fake; "
               f"echo $? > {shlex.quote(str(done))}; sleep 30")
    tmux("new-session", "-d", "-s", name, "-x", "100", "-y", "30", command)
    yield name
    subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True, check=False)


def test_the_app_in_a_real_terminal(session: str, tmp_path: Path) -> None:
    wait_for(session, "Free-play shell")  # the home screen's footer
    tmux("send-keys", "-t", session, "s")
    wait_for(session, "default $")
    tmux("send-keys", "-t", session, "kubectl get nodes", "Enter")
    shown = wait_for(session, "minikube")
    assert "NAME" in shown and "Ready" in shown
    tmux("send-keys", "-t", session, "F6")
    shown = wait_for(session, "Workloads")
    tmux("send-keys", "-t", session, "F1")
    wait_for(session, "what it does")
    tmux("send-keys", "-t", session, "Escape")
    tmux("send-keys", "-t", session, "C-q")
    deadline = time.monotonic() + 20
    status = tmp_path / "exit-status"
    while time.monotonic() < deadline and not status.exists():
        time.sleep(0.2)
    assert status.read_text().strip() == "0"
