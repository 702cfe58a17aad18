"""How the TUI runs a shell line: three ways, chosen by what the line does.

- **inline**: a plain kubectl line runs in process through the session (fast; its output is
  kept for the lesson engine).
- **stream**: a line that runs until stopped (`get -w`, `logs -f`, `rollout status`,
  `port-forward`, `proxy`, loops, any host program) runs as a child in its own process group
  with the tutor's kubectl first on PATH; its output streams into the shell panel line by line
  and Ctrl+C (`interrupt`) sends SIGINT to the group, as a terminal would.
- **terminal**: an interactive line (`exec -it`, `run -it`, `attach -it`, `edit`, an editor or
  a pager) gets the real terminal while the app is suspended.

Nothing here imports Textual; the app hands in a `write` callback that is safe to call from
any thread.
"""

from __future__ import annotations

import codecs
import io
import os
import shlex
import signal
import subprocess
import threading
from collections.abc import Callable
from typing import Literal

from kubia_tutor.shell.session import Session, needs_shell

Mode = Literal["inline", "stream", "terminal"]
_INTERACTIVE_PROGRAMS = {"vi", "vim", "nvim", "nano", "emacs", "less", "more", "man", "top",
                         "htop", "bash", "sh", "zsh", "watch", "ssh"}
_STREAMING_VERBS = {"port-forward", "proxy", "attach"}
_STREAM_FLAGS = {"-w", "--watch", "--watch-only", "-f", "--follow"}


def words_of(line: str) -> list[str]:
    try:
        return shlex.split(line)
    except ValueError:
        return line.split()


def mode_of(line: str) -> Mode:
    """How a line must run (see the module's docstring)."""
    words = words_of(line.strip())
    if not words:
        return "inline"
    if words[0] == "kubectl":
        flags = set(words[1:])
        interactive = bool(flags & {"-it", "-ti", "--tty", "-t"}) or (
            {"-i", "--stdin"} & flags and {"exec", "run", "attach"} & flags)
        verb = next((w for w in words[1:] if not w.startswith("-")), "")
        if interactive or verb == "edit":
            return "terminal"
        if verb in _STREAMING_VERBS or flags & _STREAM_FLAGS or \
                any(w.startswith(("--watch=", "--follow=")) for w in words) or \
                (verb == "rollout" and "status" in words):
            return "stream"
    elif words[0] in _INTERACTIVE_PROGRAMS:
        return "terminal"
    if needs_shell(line):
        return "stream"
    return "inline"


class _Forward(io.TextIOBase):
    """A text stream that hands what is written to a callback and keeps a copy."""

    def __init__(self, write: Callable[[str], None], keep: list[str]) -> None:
        self._write = write
        self._keep = keep

    def write(self, text: str) -> int:
        if text:
            self._keep.append(text)
            self._write(text)
        return len(text)

    def writable(self) -> bool:
        return True


class CommandRunner:
    """Runs lines for one shell panel; `write` receives output as it comes."""

    def __init__(self, session_factory: Callable[[io.TextIOBase], Session],
                 write: Callable[[str], None]) -> None:
        self._kept: list[str] = []
        self._stream = _Forward(write, self._kept)
        self.session = session_factory(self._stream)
        self._write = write
        self._child: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        return self._child is not None

    def environment(self) -> dict[str, str]:
        """The environment of child lines: the tutor's kubectl first on PATH."""
        env = dict(os.environ)
        if self.session.bin_dir:
            env["PATH"] = self.session.bin_dir + os.pathsep + env.get("PATH", "")
        return env

    def run(self, line: str) -> tuple[int, str]:
        """Run an inline or stream line to its end (call from a worker thread); returns the
        exit status and everything it printed."""
        self._kept.clear()
        if mode_of(line) == "inline":
            code = self.session.run_line(line)
        else:
            code = self._run_child(line)
        return code, "".join(self._kept)

    def _run_child(self, line: str) -> int:
        child = subprocess.Popen(["/bin/sh", "-c", line], cwd=self.session.cwd,
                                 env=self.environment(), stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 start_new_session=True)
        with self._lock:
            self._child = child
        try:
            out = child.stdout
            assert out is not None
            decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
            while chunk := os.read(out.fileno(), 65536):
                self._stream.write(decoder.decode(chunk))  # a character may span two reads
            return child.wait()
        finally:
            if child.stdout is not None:
                child.stdout.close()
            with self._lock:
                self._child = None

    def interrupt(self) -> bool:
        """Ctrl+C: stop the running child line (its whole process group); False when none."""
        with self._lock:
            child = self._child
        if child is None:
            return False
        try:
            os.killpg(child.pid, signal.SIGINT)
        except ProcessLookupError:
            return False
        return True

    def close(self) -> None:
        """Stop a running child and close the session's connection."""
        self.interrupt()
        self.session.close()

    def run_on_terminal(self, line: str) -> int:
        """Run an interactive line on the real terminal (the app is suspended meanwhile)."""
        return subprocess.run(["/bin/sh", "-c", line], cwd=self.session.cwd,
                              env=self.environment(), check=False).returncode
