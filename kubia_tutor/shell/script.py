"""Script mode: command lines read from a non-terminal stdin, run in order.

This is the contract tests, benchmarks and lesson-pack tests rely on: `--echo` prints `$ ` and
the line before its output, output is flushed after every line, and the exit status is the
last line's. Lines ending in a backslash continue on the next one; a here-document
(`<<EOF ... EOF`) travels with its line to /bin/sh.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from kubia_tutor.shell.session import Session

_HEREDOC = re.compile(r"<<-?\s*['\"]?([A-Za-z_][A-Za-z0-9_]*)['\"]?")


def commands(lines: Iterable[str]) -> Iterator[str]:
    """Group raw input lines into whole commands (continuations and here-documents)."""
    pending: list[str] = []
    terminator: str | None = None
    for raw in lines:
        line = raw.rstrip("\n")
        if terminator is not None:
            pending.append(line)
            if line.strip() == terminator:
                yield "\n".join(pending)
                pending, terminator = [], None
            continue
        if line.endswith("\\") and not line.endswith("\\\\"):
            pending.append(line[:-1])
            continue
        pending.append(line)
        whole = " ".join(pending) if len(pending) > 1 else pending[0]
        match = _HEREDOC.search(whole)
        if match and not whole.lstrip().startswith("#"):
            pending = [whole]
            terminator = match.group(1)
            continue
        pending = []
        yield whole
    if pending:
        yield "\n".join(pending)


def run_script(session: Session, lines: Iterable[str], echo: bool = False) -> int:
    """Run every command; returns the exit status of the last one."""
    status = 0
    for command in commands(lines):
        if not command.strip():
            continue
        if echo:
            session.out.write(f"$ {command}\n")
            session.out.flush()
        status = session.run_line(command)
    return status
