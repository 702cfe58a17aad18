"""The script-mode test harness: a shell over an in-memory cluster, and what it printed."""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from pathlib import Path

from kubia_tutor.daemon.cluster import Cluster
from kubia_tutor.shell.kubeconfig import KubeConfig
from kubia_tutor.shell.script import run_script
from kubia_tutor.shell.session import Session

SERVER = "unix:///state/api.sock"


@dataclass
class Result:
    """What one shell run printed and returned."""

    out: str
    err: str
    code: int


class Shell:
    """A script-mode shell over an in-memory cluster; `settle()` runs the controllers."""

    def __init__(self, cluster: Cluster, cwd: Path) -> None:
        self.cluster = cluster
        self.cwd = cwd
        self.config = KubeConfig(None, SERVER)

    def run(self, *lines: str, settle: bool = True, stdin: str = "") -> Result:
        """Run lines in script mode; after each, wait for the controllers to go quiet."""
        out, err = io.StringIO(), io.StringIO()
        session = Session(self.cluster.api, self.config, out=out, err=err, server=SERVER,
                          cwd=str(self.cwd), stdin=io.StringIO(stdin),
                          now=self.cluster.clock.now)
        code = 0
        for line in lines:
            code = run_script(session, [line])
            if settle:
                wait_quiet(self.cluster)
        return Result(out.getvalue(), err.getvalue(), code)

    def write(self, name: str, text: str) -> Path:
        path = self.cwd / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path


def wait_quiet(cluster: Cluster, quiet: float = 0.25, limit: float = 10.0) -> None:
    """Wait until the store has not changed for `quiet` seconds (controllers converged)."""
    deadline = time.monotonic() + limit
    revision = cluster.store.revision
    while time.monotonic() < deadline:
        if not cluster.store.wait(revision, quiet):
            return
        revision = cluster.store.revision
