"""What the streaming verbs share (exec -i/-t, attach, run -i, logs -f, cp): the pod a
TYPE/NAME means, the user's terminal in raw mode with its size followed, and a session that
relays stdin and the output frames of a kubia-stream/1 connection (see
`daemon/stream_protocol.py`) until the status frame.

Design note. The relay reads the user's stdin on a thread of its own with select() and a
short timeout rather than a blocking read: the interactive shell keeps running after the
session, and a thread left blocked on its stdin would steal the next key the user types.
Output is written as bytes to the real stream's file descriptor when there is one (a binary
`tar` must pass through untouched), else decoded (tests hand in StringIO streams).
"""

from __future__ import annotations

import codecs
import contextlib
import json
import os
import select
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from types import FrameType
from typing import IO, Any, Protocol, TextIO

from kubia_tutor.api.kinds import resolve
from kubia_tutor.daemon.stream_protocol import (
    RESIZE,
    STATUS,
    STDERR,
    STDIN,
    STDOUT,
    FrameSocket,
)
from kubia_tutor.shell.command import Context
from kubia_tutor.shell.errors import CommandError, Silent
from kubia_tutor.shell.resources import resource_type

Obj = dict[str, Any]
PODS = resolve("pods")
_SELECTOR_KINDS = ("Service", "ReplicationController", "ReplicaSet", "Deployment",
                   "StatefulSet", "DaemonSet", "Job")
NO_TTY = "Unable to use a TTY - input is not a terminal or the right kind of file\n"


def parse_duration(text: str, flag: str) -> float:
    """A Go duration (`5s`, `1m30s`, `2h`) in seconds; CommandError for anything else."""
    units = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0,
             "h": 3600.0}
    rest, total = text.strip(), 0.0
    if rest in ("0", ""):
        return 0.0
    while rest:
        number = ""
        while rest and (rest[0].isdigit() or rest[0] == "."):
            number, rest = number + rest[0], rest[1:]
        unit = next((u for u in sorted(units, key=len, reverse=True) if rest.startswith(u)),
                    None)
        if not number or unit is None:
            raise CommandError(f'invalid argument "{text}" for "{flag}" flag: time: invalid '
                               f'duration "{text}"')
        total += float(number) * units[unit]
        rest = rest[len(unit):]
    return total


def split_ref(ref: str) -> tuple[str, str]:
    """`pod/x`, `svc/x`, `x` as (type word, name); the type word is '' for a bare name."""
    kind, sep, name = ref.partition("/")
    return (kind, name) if sep else ("", ref)


def pod_for(ctx: Context, ref: str) -> tuple[Obj, Obj | None]:
    """The pod a POD or TYPE/NAME argument means, and the object named when it was not a pod
    (kubectl picks one of a service's or a controller's pods by their selector)."""
    kind, name = split_ref(ref)
    if not kind:
        return ctx.client.get(PODS, ctx.namespace, name), None
    rt = resource_type(kind)
    if rt.kind == "Pod":
        return ctx.client.get(PODS, ctx.namespace, name), None
    if rt.kind not in _SELECTOR_KINDS:
        raise CommandError(f"cannot attach to {rt.kind_group}: not implemented")
    owner = ctx.client.get(rt, ctx.namespace, name)
    selector = selector_of(owner)
    if not selector:
        raise CommandError(f"cannot attach to {rt.kind_group}: selector for "
                           f"{rt.kind_group} not implemented")
    pods = ctx.client.list(PODS, ctx.namespace, label_selector=selector).get("items") or []
    if not pods:
        raise CommandError(f"no pods found for {rt.singular}/{name}")
    return sorted(pods, key=_preference)[0], owner


def selector_of(obj: Obj) -> str:
    """A service's or controller's pod selector as a label selector string."""
    spec = obj.get("spec") or {}
    selector = spec.get("selector") or {}
    labels = selector.get("matchLabels") if "matchLabels" in selector or \
        "matchExpressions" in selector else selector
    return ",".join(f"{k}={v}" for k, v in sorted((labels or {}).items()))


def _preference(pod: Obj) -> tuple[int, int, str]:
    status = pod.get("status") or {}
    ready = any(c.get("type") == "Ready" and c.get("status") == "True"
                for c in status.get("conditions") or [])
    return (0 if status.get("phase") == "Running" else 1, 0 if ready else 1,
            str(pod["metadata"].get("creationTimestamp") or ""))


def container_names(pod: Obj) -> list[str]:
    """The names of a pod's (app) containers."""
    return [str(c.get("name")) for c in (pod.get("spec") or {}).get("containers") or []]


def container_spec(pod: Obj, name: str) -> Obj:
    """The spec of the pod's container `name` (init containers too), or {}."""
    spec = pod.get("spec") or {}
    for container in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        if container.get("name") == name:
            return dict(container)
    return {}


# The user's terminal ------------------------------------------------------------------------


def stdin_fd(ctx: Context) -> int | None:
    """The file descriptor of the session's stdin, when it is a real one."""
    if ctx.stdin is None:
        return None
    try:
        return ctx.stdin.fileno()
    except (OSError, ValueError, AttributeError):
        return None


def is_terminal(ctx: Context) -> bool:
    """True when the session's stdin is a terminal (what -t needs)."""
    fd = stdin_fd(ctx)
    return fd is not None and os.isatty(fd)


def terminal_size(fd: int) -> tuple[int, int] | None:
    """(columns, rows) of a terminal."""
    try:
        size = os.get_terminal_size(fd)
    except OSError:
        return None
    return size.columns, size.lines


@contextlib.contextmanager
def raw_terminal(fd: int) -> Iterator[None]:
    """The terminal in raw mode (keys go to the container as typed, ^C included), restored
    however the session ends."""
    import termios
    import tty

    saved = termios.tcgetattr(fd)
    try:
        tty.setraw(fd)
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


class BinaryOut:
    """Writes a stream's bytes to a text stream: to its file descriptor when it has one
    (untouched), else decoded as UTF-8 (a character split between frames is kept whole)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        try:
            self.fd: int | None = stream.fileno()
        except (OSError, ValueError, AttributeError):
            self.fd = None

    def write(self, data: bytes) -> None:
        if self.fd is not None:
            self.stream.flush()  # what was printed before goes first
            view = memoryview(data)
            while view:
                view = view[os.write(self.fd, view):]
            return
        self.stream.write(self._decoder.decode(data))

    def flush(self) -> None:
        if self.fd is None:
            self.stream.write(self._decoder.decode(b"", final=True))
        self.stream.flush()


# A session ------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """How a session ended: the status frame's exit code and message (None, '' if none)."""

    exit_code: int | None
    message: str
    status: str


class ByteSink(Protocol):
    """Where a session's stdout goes: BinaryOut, or a pipe into `tar` for cp."""

    def write(self, data: bytes) -> None: ...

    def flush(self) -> None: ...


def open_frames(ctx: Context, pod_name: str, subresource: str, options: Obj,
                namespace: str | None = None) -> FrameSocket:
    """Open a session on a pod's streaming subresource."""
    return FrameSocket(ctx.client.stream(namespace or ctx.namespace, pod_name, subresource,
                                         options))


def default_container(ctx: Context, pod: Obj, container: str) -> str:
    """The container an exec means: the one named, else the first, saying so (with kubectl's
    pointer to describe) when the pod has several."""
    if container:
        return container
    names = container_names(pod)
    if len(names) > 1:
        meta = pod["metadata"]
        ctx.err.write(f"Defaulting container name to {names[0]}.\nUse 'kubectl describe "
                      f"pod/{meta['name']} -n {meta.get('namespace') or ctx.namespace}' to see "
                      "all of the containers in this pod.\n")
    return names[0] if names else ""


def relay(ctx: Context, frames: FrameSocket, *, stdin: bool, tty: bool,
          out: ByteSink | None = None, source: IO[bytes] | None = None) -> Outcome:
    """Relay a session: stdin (or `source`) to the container, its output to ctx.out and
    ctx.err (or `out`), the terminal's size with a TTY, until the status frame. The
    terminal is raw while it lasts, and restored however it ends."""
    stop = threading.Event()
    fd = stdin_fd(ctx)
    pump: threading.Thread | None = None
    if stdin:
        pump = threading.Thread(target=_pump_stdin, args=(ctx, frames, stop, source),
                                name="stdin", daemon=True)
    raw = contextlib.nullcontext()
    previous_handler: Any = None
    if tty and fd is not None and os.isatty(fd):
        raw = raw_terminal(fd)  # type: ignore[assignment]
        size = terminal_size(fd)
        if size:
            frames.send_json(RESIZE, {"Width": size[0], "Height": size[1]})
        previous_handler = _follow_size(fd, frames)
    stdout: ByteSink = out or BinaryOut(ctx.out)
    stderr = BinaryOut(ctx.err)
    outcome = Outcome(None, "", "")
    try:
        with raw:
            if pump is not None:
                pump.start()
            while True:
                frame = frames.read()
                if frame is None:
                    break
                channel, data = frame
                if channel == STDOUT:
                    stdout.write(data)
                elif channel == STDERR:
                    stderr.write(data)
                elif channel == STATUS:
                    body = json.loads(data or b"{}")
                    outcome = Outcome(body.get("exitCode"), str(body.get("message") or ""),
                                      str(body.get("status") or ""))
    finally:
        stop.set()
        frames.close()
        if previous_handler is not None:
            with contextlib.suppress(ValueError):
                signal.signal(signal.SIGWINCH, previous_handler)
        stdout.flush()
        stderr.flush()
    return outcome


def _follow_size(fd: int, frames: FrameSocket) -> Any:
    """Send the terminal's new size on every SIGWINCH; returns the handler it replaced (None
    when signals cannot be handled here: not the main thread)."""
    def on_resize(signum: int, frame: FrameType | None) -> None:
        size = terminal_size(fd)
        if size:
            frames.send_json(RESIZE, {"Width": size[0], "Height": size[1]})

    try:
        return signal.signal(signal.SIGWINCH, on_resize)
    except ValueError:
        return None


def _pump_stdin(ctx: Context, frames: FrameSocket, stop: threading.Event,
                source: IO[bytes] | None) -> None:
    try:
        if source is not None:
            while not stop.is_set():
                data = source.read(65536)
                if not data:
                    break
                if not frames.send(STDIN, data):
                    return
        else:
            fd = stdin_fd(ctx)
            if fd is None:
                # not a real stream (tests): its text, all at once
                text = ctx.stdin.read() if ctx.stdin is not None else ""
                if text:
                    frames.send(STDIN, text.encode())
            else:
                while not stop.is_set():
                    ready, _, _ = select.select([fd], [], [], 0.1)
                    if not ready:
                        continue
                    data = os.read(fd, 65536)
                    if not data:
                        break
                    if not frames.send(STDIN, data):
                        return
        frames.send(STDIN, b"")  # end of stdin
    except (OSError, ValueError):
        return


def finish(ctx: Context, outcome: Outcome) -> int:
    """The exit of an exec-like session as kubectl reports it: `command terminated with exit
    code N` and exit N, or the stream's error."""
    if outcome.exit_code:
        ctx.err.write(f"command terminated with exit code {outcome.exit_code}\n")
        raise Silent(int(outcome.exit_code))
    if outcome.status == "Failure" and outcome.message:
        raise CommandError(outcome.message)
    return 0


def wait_running(ctx: Context, pod_name: str, timeout: float) -> Obj:
    """Wait until the pod runs with every container ready, or has completed; returns it.
    kubectl's podRunningAndReady, polled (a watch would do as well; polling is simpler over
    both clients)."""
    deadline = time.monotonic() + timeout
    while True:
        pod = ctx.client.get(PODS, ctx.namespace, pod_name)
        status = pod.get("status") or {}
        phase = status.get("phase")
        if phase in ("Succeeded", "Failed"):
            return pod
        if phase == "Running" and any(c.get("type") == "Ready" and c.get("status") == "True"
                                      for c in status.get("conditions") or []):
            return pod
        if time.monotonic() > deadline:
            raise CommandError("timed out waiting for the condition")
        time.sleep(0.1)
