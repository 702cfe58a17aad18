"""`kubectl get -w`: the current table, then one row per change, no repeated header."""

from __future__ import annotations

import threading
import time

from harness import Shell

from kubia_tutor.api.kinds import resolve


def pod(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "c", "image": "busybox"}]}}


def test_watch_prints_rows_for_changes(shell: Shell) -> None:
    shell.cluster.api.create(resolve("pods"), "default", pod("first"))
    shell.run("kubectl get pods")  # let the controllers settle

    def later() -> None:
        time.sleep(0.4)
        shell.cluster.api.create(resolve("pods"), "default", pod("second"))

    thread = threading.Thread(target=later)
    thread.start()
    r = shell.run("kubectl get pods -w --request-timeout=2s", settle=False)
    thread.join()
    lines = r.out.splitlines()
    assert lines[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert lines[1].split()[:3] == ["first", "1/1", "Running"]
    assert sum(1 for line in lines if line.startswith("NAME")) == 1
    second = [line.split() for line in lines[2:] if line.startswith("second")]
    assert second[0][2] == "Pending"
    assert ["second", "1/1", "Running", "0", "0s"] in second
    assert r.code == 0


def test_watch_only_with_event_column(shell: Shell) -> None:
    def later() -> None:
        time.sleep(0.3)
        shell.cluster.api.create(resolve("pods"), "default", pod("x"))

    thread = threading.Thread(target=later)
    thread.start()
    r = shell.run("kubectl get pods --watch-only --output-watch-events --request-timeout=1s",
                  settle=False)
    thread.join()
    lines = [line.split() for line in r.out.splitlines()]
    assert lines[0] == ["EVENT", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert lines[1][:2] == ["ADDED", "x"]
