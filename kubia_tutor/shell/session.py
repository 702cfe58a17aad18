"""A shell session: one client, one kubeconfig, one working directory, many command lines.

Plain `kubectl ...` lines run in process; any other line (pipes, `$(...)`, curl, sleep) runs in
`/bin/sh` with a `kubectl` first on PATH that talks to the same cluster, so the host's own
kubectl (if any) never answers instead.
"""

from __future__ import annotations

import io
import os
import shlex
import stat
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from typing import TextIO, cast

from kubia_tutor.client.base import ApiClient
from kubia_tutor.shell import kubectl
from kubia_tutor.shell.command import Context
from kubia_tutor.shell.kubeconfig import KubeConfig

_SHELL_SYNTAX = ("|", ">", "<", "$(", "`", ";", "&&", "||", "&", "*", "?", "~")


def needs_shell(line: str) -> bool:
    """True when a line must go to /bin/sh rather than the in-process kubectl."""
    try:
        words = shlex.split(line)
    except ValueError:
        return True
    if not words or words[0] != "kubectl":
        return True
    unquoted = _strip_quoted(line)
    return any(token in unquoted for token in _SHELL_SYNTAX) or "$" in unquoted


def _strip_quoted(line: str) -> str:
    """The line without its quoted text, except what stays special inside double quotes
    (`$` and backticks: `--requests="cpu=$(...)"` needs the shell)."""
    out, quote = [], ""
    for ch in line:
        if quote:
            if ch == quote:
                quote = ""
            elif quote == '"' and ch in "$`":
                out.append(ch)
            continue
        if ch in "'\"":
            quote = ch
            continue
        out.append(ch)
    return "".join(out)


def write_kubectl_shim(bin_dir: str, state_dir: str) -> str:
    """Write `<bin_dir>/kubectl`, which runs our kubectl against this state dir, and
    `<bin_dir>/kubia-tutor` (for `kubia-tutor service NAME` in a shell line), which runs the
    tutor's command on this state dir; returns the kubectl shim's path."""
    _write_shim(os.path.join(bin_dir, "kubia-tutor"), (
        "# kubia-tutor on the cluster of this shell's state dir.\n"
        f"exec {shlex.quote(sys.executable)} -m kubia_tutor "
        f"--state-dir {shlex.quote(state_dir)} \"$@\"\n"))
    return _write_shim(os.path.join(bin_dir, "kubectl"), (
        "# kubia-tutor's kubectl: talks to the tutor's cluster, not to any other.\n"
        f"exec {shlex.quote(sys.executable)} -m kubia_tutor.shell.main "
        f"--state-dir {shlex.quote(state_dir)} \"$@\"\n"))


def _write_shim(path: str, body: str) -> str:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    script = "#!/bin/sh\n" + body
    current = None
    if os.path.exists(path):
        with open(path) as handle:
            current = handle.read()
    if current != script:
        with open(path, "w") as handle:
            handle.write(script)
        os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


class OrderedStream(io.TextIOBase):
    """One of a session's two output streams: writing to it first flushes its partner.

    kubectl is written in Go, whose stdout and stderr are unbuffered, so when both go to one
    pipe (`2>&1`, a test harness) every line lands in the order it was written: a table, then
    the error about a missing name. Python buffers a piped stdout, which would let that error
    overtake the table; flushing the other stream before each write restores Go's order
    without giving up buffering within one stream.
    """

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self.stream = stream
        self.partner: TextIO | None = None

    def write(self, text: str) -> int:
        if self.partner is not None and not self.partner.closed:
            self.partner.flush()
        return self.stream.write(text)

    def flush(self) -> None:
        # The session does not own the stream: it may be closed first, and a wrapper that is
        # garbage-collected later (IOBase.__del__ flushes) must not fail on it.
        if not self.stream.closed:
            self.stream.flush()

    def fileno(self) -> int:
        return self.stream.fileno()

    def isatty(self) -> bool:
        return self.stream.isatty()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.stream, "encoding", None) or "utf-8"


def ordered_pair(out: TextIO, err: TextIO) -> tuple[TextIO, TextIO]:
    """`out` and `err` wrapped so that what is written to one never overtakes the other."""
    ordered_out, ordered_err = OrderedStream(out), OrderedStream(err)
    ordered_out.partner, ordered_err.partner = err, out
    # io.TextIOBase is a text stream at run time, but typeshed does not make it a TextIO.
    return cast(TextIO, ordered_out), cast(TextIO, ordered_err)


class Session:
    """Runs command lines against one cluster, keeping the working directory between them."""

    def __init__(self, client: ApiClient, config: KubeConfig, *, out: TextIO, err: TextIO,
                 server: str, state_dir: str | None = None, cwd: str | None = None,
                 stdin: TextIO | None = None,
                 now: Callable[[], datetime] | None = None) -> None:
        self.client = client
        self.now = now
        self.config = config
        self.out, self.err = ordered_pair(out, err)
        self.server = server
        self.state_dir = state_dir
        self.cwd = cwd or os.getcwd()
        self.stdin = stdin
        self.bin_dir = os.path.join(state_dir, "bin") if state_dir else None
        if self.bin_dir and state_dir:
            write_kubectl_shim(self.bin_dir, state_dir)

    def context(self) -> Context:
        """A fresh command context (commands may change its namespace)."""
        ctx = Context(client=self.client, out=self.out, err=self.err, config=self.config,
                      stdin=self.stdin, cwd=self.cwd, server=self.server,
                      state_dir=self.state_dir)
        if self.now is not None:
            ctx.now = self.now
        return ctx

    def close(self) -> None:
        """Close the connection to the daemon (an in-process API has none)."""
        closer = getattr(self.client, "close", None)
        if callable(closer):
            closer()

    def kubectl(self, argv: list[str]) -> int:
        """Run one kubectl command (argv without `kubectl`)."""
        return kubectl.run(self.context(), argv)

    def run_line(self, line: str) -> int:
        """Run one line as the shell's script mode does; returns its exit status."""
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            return 0
        if stripped == "cd" or stripped.startswith("cd "):
            return self._cd(stripped)
        if not needs_shell(stripped):
            code = self.kubectl(shlex.split(stripped)[1:])
            self.out.flush()
            self.err.flush()
            return code
        return self._sh(stripped)

    def _cd(self, line: str) -> int:
        words = shlex.split(line)
        target = words[1] if len(words) > 1 else os.path.expanduser("~")
        path = target if os.path.isabs(target) else os.path.join(self.cwd, target)
        if not os.path.isdir(path):
            self.err.write(f"cd: {target}: No such file or directory\n")
            return 1
        self.cwd = os.path.normpath(path)
        return 0

    def _sh(self, line: str) -> int:
        env = dict(os.environ)
        if self.bin_dir:
            env["PATH"] = self.bin_dir + os.pathsep + env.get("PATH", "")
        self.out.flush()
        self.err.flush()
        out_fd, err_fd = _fileno(self.out), _fileno(self.err)
        if out_fd is not None and err_fd is not None:
            # Real streams: the child writes to them directly, so interleaving is kept.
            return subprocess.run(["/bin/sh", "-c", line], cwd=self.cwd, env=env,
                                  stdin=subprocess.DEVNULL, stdout=out_fd,
                                  stderr=err_fd).returncode
        proc = subprocess.run(["/bin/sh", "-c", line], cwd=self.cwd, env=env,
                              stdin=subprocess.DEVNULL, capture_output=True)
        self.out.write(proc.stdout.decode(errors="replace"))
        self.out.flush()
        self.err.write(proc.stderr.decode(errors="replace"))
        self.err.flush()
        return proc.returncode


def _fileno(stream: TextIO) -> int | None:
    try:
        return stream.fileno()
    except (OSError, AttributeError, ValueError):
        return None
