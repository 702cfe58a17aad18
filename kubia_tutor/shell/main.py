"""The `kubectl` the shell puts on PATH: `python -m kubia_tutor.shell.main --state-dir D ...`."""

from __future__ import annotations

import os
import sys
from typing import TextIO

from kubia_tutor.client import lifecycle
from kubia_tutor.daemon import paths
from kubia_tutor.shell.kubeconfig import KubeConfig
from kubia_tutor.shell.session import Session


def open_session(state_dir: str, runtime: str = "auto", *, out: TextIO | None = None,
                 err: TextIO | None = None, stdin: TextIO | None = None) -> Session:
    """Connect to (starting if needed) the state dir's daemon and open a session on it;
    output goes to the process's streams unless others are given (the lesson engine keeps
    each command's output)."""
    client = lifecycle.connect(state_dir, runtime)
    server = f"unix://{paths.socket_file(state_dir)}"
    config = KubeConfig(paths.kubeconfig_file(state_dir), server)
    if not config.path or not os.path.exists(config.path):
        config.save()
    own = out is None
    return Session(client, config, out=out or sys.stdout, err=err or sys.stderr, server=server,
                   state_dir=state_dir, stdin=sys.stdin if own and stdin is None else stdin)


def main(argv: list[str] | None = None) -> int:
    """Run one kubectl command line against the state dir's cluster."""
    args = list(sys.argv[1:] if argv is None else argv)
    state_dir = paths.default_state_dir()
    if len(args) >= 2 and args[0] == "--state-dir":
        state_dir = args[1]
        args = args[2:]
    try:
        session = open_session(state_dir)
    except lifecycle.DaemonError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    try:
        return session.kubectl(args)
    except BrokenPipeError:  # `kubectl port-forward ... | head -2`
        return closed_pipe()


def closed_pipe() -> int:
    """The reader of our output went away (`kubectl get pods | head -1`): end quietly, with
    the status of a process ended by SIGPIPE, and keep Python from complaining when it
    flushes stdout at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 141


if __name__ == "__main__":
    sys.exit(main())
