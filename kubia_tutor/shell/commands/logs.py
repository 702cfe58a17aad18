"""`kubectl logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER] [--tail N] [--since D]
[--since-time T] [--timestamps] [-l selector]`.

A plain read goes through `pods/<name>/log`; following (-f) and the time filters stream over
kubia-stream/1 until the container ends or the user presses Ctrl+C.
"""

from __future__ import annotations

import threading
from typing import Any

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import resolve
from kubia_tutor.daemon.stream_protocol import STDOUT, FrameSocket
from kubia_tutor.shell.command import SELECTOR, Command, Context
from kubia_tutor.shell.commands import streaming
from kubia_tutor.shell.errors import CommandError, UsageError, format_api_error
from kubia_tutor.shell.flags import Flag, Parsed

_USAGE = ("expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\n"
          "POD or TYPE/NAME is a required argument for the logs command")


def default_container(ctx: Context, pod_name: str) -> str:
    """The only container of a pod; kubectl 1.20 refuses to guess between several."""
    pod = ctx.client.get(resolve("pods"), ctx.namespace, pod_name)
    names = [str(c.get("name")) for c in (pod.get("spec") or {}).get("containers") or []]
    if len(names) != 1:
        raise CommandError(f"a container name must be specified for pod {pod_name}, choose one "
                           f"of: [{' '.join(names)}]")
    return names[0]


def _stream_options(ctx: Context, parsed: Parsed, tail: int | None) -> dict[str, Any]:
    """The log options of a streamed read, checked as kubectl checks them."""
    since, since_time = parsed["since"] or "", parsed["since-time"] or ""
    if since and since_time:
        raise CommandError("at most one of `sinceTime` or `sinceSeconds` may be specified")
    options: dict[str, Any] = {"follow": bool(parsed["follow"]),
                               "previous": bool(parsed["previous"]),
                               "timestamps": bool(parsed["timestamps"])}
    if tail is not None:
        options["tailLines"] = tail
    if since:
        try:
            seconds = streaming.parse_duration(since, "--since")
        except CommandError as err:
            raise UsageError(err.message) from None
        options["sinceSeconds"] = max(1, int(seconds + 0.999))  # kubectl rounds up
    if since_time:
        from datetime import datetime

        try:
            datetime.fromisoformat(since_time.replace("Z", "+00:00"))
        except ValueError:
            raise CommandError(f'parsing time "{since_time}" as "2006-01-02T15:04:05Z07:00": '
                               f'cannot parse "{since_time}" as "2006"') from None
        options["sinceTime"] = since_time
    return options


def run(ctx: Context, parsed: Parsed) -> int:
    """Print (or follow) a container's log, as the node keeps it."""
    tail = parsed["tail"] if parsed["tail"] >= 0 else None
    streamed = bool(parsed["follow"] or parsed["since"] or parsed["since-time"])
    if parsed["selector"]:
        if parsed.args:
            raise CommandError("only a selector (-l) or a POD name is allowed", usage=True)
        listing = ctx.client.list(resolve("pods"), ctx.namespace,
                                  label_selector=parsed["selector"])
        names = [p["metadata"]["name"] for p in listing.get("items") or []]
        tail = 10 if tail is None else tail  # kubectl's default with a selector
        container = parsed["container"] or ""
    else:
        if not parsed.args or len(parsed.args) > 2:
            raise CommandError(_USAGE, usage=True)
        pod, _ = streaming.pod_for(ctx, parsed.args[0])
        names = [pod["metadata"]["name"]]
        container = parsed.args[1] if len(parsed.args) == 2 else parsed["container"]
        if not container:
            container = default_container(ctx, names[0])
    if not streamed:
        for name in names:
            ctx.out.write(ctx.client.pod_logs(ctx.namespace, name, container=container or "",
                                              previous=bool(parsed["previous"]), tail=tail,
                                              timestamps=bool(parsed["timestamps"])))
        return 0
    options = {**_stream_options(ctx, parsed, tail), "container": container or ""}
    if parsed["follow"] and len(names) > parsed["max-log-requests"]:
        raise CommandError(f"you are attempting to follow {len(names)} log streams, but maximum "
                           f"allowed concurrency is {parsed['max-log-requests']}, use "
                           "--max-log-requests to increase the limit")
    if len(names) == 1 or not parsed["follow"]:
        for name in names:
            frames = streaming.open_frames(ctx, name, "log", options)
            outcome = streaming.relay(ctx, frames, stdin=False, tty=False)
            if outcome.status == "Failure" and outcome.message:
                raise CommandError(outcome.message)
        return 0
    return _follow_many(ctx, names, options)


def _follow_many(ctx: Context, names: list[str], options: dict[str, Any]) -> int:
    """Follow several pods' logs at once, as kubectl -f -l does (one stream each)."""
    sessions: list[FrameSocket] = []
    for name in names:
        try:
            sessions.append(streaming.open_frames(ctx, name, "log", options))
        except ApiError as err:
            ctx.err.write(format_api_error(err.reason, err.message) + "\n")
    lock = threading.Lock()
    out = streaming.BinaryOut(ctx.out)

    def pump(frames: FrameSocket) -> None:
        while (frame := frames.read()) is not None:
            if frame[0] == STDOUT:
                with lock:
                    out.write(frame[1])

    threads = [threading.Thread(target=pump, args=(f,), daemon=True) for f in sessions]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            while thread.is_alive():
                thread.join(0.2)  # a short join keeps Ctrl+C deliverable
    finally:
        for frames in sessions:
            frames.close()
        out.flush()
    return 0


COMMAND = Command(
    "logs", "Print the logs for a container in a pod",
    [Flag("container", "c", default=""), Flag("previous", "p", "bool", False),
     Flag("follow", "f", "bool", False), Flag("tail", kind="int", default=-1),
     Flag("timestamps", kind="bool", default=False), SELECTOR,
     Flag("all-containers", kind="bool", default=False), Flag("since", default=""),
     Flag("since-time", default=""), Flag("limit-bytes", kind="int", default=0),
     Flag("prefix", kind="bool", default=False),
     Flag("max-log-requests", kind="int", default=5),
     Flag("pod-running-timeout", default="20s")],
    run)
