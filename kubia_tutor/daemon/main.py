"""The daemon process: one per state dir, serving the cluster on `<state>/api.sock`."""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import logging
import os
import signal
import sys
import threading
import time
from typing import Any

from kubia_tutor.daemon import paths
from kubia_tutor.daemon.cluster import Cluster
from kubia_tutor.daemon.http import HttpServer

log = logging.getLogger("kubia_tutor.daemon")


class _Extra:
    """The daemon's own endpoints under /kubia/: status and shutdown."""

    def __init__(self, cluster: Cluster, stop: threading.Event) -> None:
        self.cluster = cluster
        self.stop = stop
        self.started = time.time()

    def handle(self, handler: Any, method: str, path: str, body: Any) -> None:
        if path.startswith("/kubia/status"):
            handler.send_json(200, {**self.cluster.status(), "pid": os.getpid(),
                                    "started": self.started,
                                    "stateDir": self.cluster.state_dir})
        elif path.startswith("/kubia/shutdown") and method == "POST":
            handler.send_json(200, {"stopping": True})
            self.stop.set()
        else:
            handler.send_json(404, {"kind": "Status", "code": 404, "reason": "NotFound",
                                    "message": "the server could not find the requested "
                                               "resource"})


def serve(state_dir: str, runtime: str) -> int:
    """Run the daemon in the foreground until SIGTERM, SIGINT or /kubia/shutdown."""
    if not paths.usable(state_dir):  # never adopt (and so let `reset` wipe) a foreign dir
        print(f"kubia-tutor: {state_dir} is not a kubia-tutor state dir", file=sys.stderr)
        return 1
    os.makedirs(state_dir, exist_ok=True)
    paths.mark(state_dir)
    lock = open(paths.lock_file(state_dir), "w")  # noqa: SIM115 - held for the process' life
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        print("kubia-tutor: a daemon is already running for this state dir", file=sys.stderr)
        # A distinct status, so the `up` that started us waits for the other daemon.
        return paths.EXIT_LOCKED
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    stop = threading.Event()
    cluster = Cluster(state_dir, runtime)
    server = HttpServer(paths.socket_file(state_dir), cluster.api, _Extra(cluster, stop))
    cluster.start()
    server.start()
    with open(paths.pid_file(state_dir), "w") as handle:
        handle.write(str(os.getpid()))
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    log.info("serving on %s with the %s runtime", paths.socket_file(state_dir),
             cluster.runtime.name)
    while not stop.wait(1.0):
        pass
    log.info("stopping")
    server.shutdown()
    cluster.stop()
    with contextlib.suppress(OSError):
        os.unlink(paths.pid_file(state_dir))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m kubia_tutor.daemon`."""
    parser = argparse.ArgumentParser(prog="kubia-tutor-daemon")
    parser.add_argument("--state-dir", required=True)
    parser.add_argument("--runtime", default="auto")
    args = parser.parse_args(argv)
    return serve(args.state_dir, args.runtime)
