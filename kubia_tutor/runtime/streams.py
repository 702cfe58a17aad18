"""The kubelet's streaming endpoints: interactive exec, attach, followed logs, port-forward.

Design note. Like `Kubelet.container_exec`, each function picks the container instance the
request means (its running one; for logs the latest or, with `previous`, the one before) and
words its refusals as the kubelet's endpoints do, so kubectl-style messages reach the shell.
The bytes themselves are the runtime's business (`cri.StreamingRuntime`); a runtime without
processes (the fake one) refuses exec, attach and port-forward with one clear line, and its
logs are read by polling, which is all an in-memory container has.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime

from kubia_tutor.api.errors import ApiError, bad_request
from kubia_tutor.runtime.cri import (
    RUNNING,
    ByteStream,
    ContainerInstance,
    ContainerRuntime,
    Obj,
    ProcessStream,
    RuntimeError_,
    StreamingRuntime,
)

_NO_PROCESSES = ("the {runtime} runtime runs no containers: start the cluster with --runtime "
                 "podman to {what}")
POLL_SECONDS = 0.2


def container_name(pod: Obj, container: str, *, default_first: bool) -> str:
    """The container a request means: the one named (which must exist), else the only one
    (or, with `default_first`, the first, as exec and attach default)."""
    names = [str(c.get("name")) for c in (pod.get("spec") or {}).get("containers") or []]
    pod_name = pod["metadata"]["name"]
    if container:
        if container not in names:
            raise bad_request(f"container {container} is not valid for pod {pod_name}")
        return container
    if len(names) == 1 or (default_first and names):
        return names[0]
    raise bad_request(f"a container name must be specified for pod {pod_name}, choose one of: "
                      f"[{' '.join(names)}]")


def _streaming(runtime: ContainerRuntime, what: str) -> StreamingRuntime:
    if not isinstance(runtime, StreamingRuntime):
        raise bad_request(_NO_PROCESSES.format(runtime=runtime.name, what=what))
    return runtime


def _running(runtime: ContainerRuntime, pod: Obj, container: str) -> ContainerInstance:
    running = [i for i in runtime.instances(pod) if i.name == container and i.state == RUNNING]
    if not running:
        raise bad_request(f'unable to upgrade connection: container not found ("{container}")')
    return max(running, key=lambda i: i.attempt)


def _runtime_error(exc: RuntimeError_) -> ApiError:
    return bad_request(f"unable to upgrade connection: {exc}")


def exec_process(runtime: ContainerRuntime, pod: Obj, container: str, argv: list[str], *,
                 stdin: bool, tty: bool) -> ProcessStream:
    """Start `argv` in the pod's running container with its stdio connected."""
    if not argv:
        raise bad_request("you must specify at least one command for the container")
    name = container_name(pod, container, default_first=True)
    streaming = _streaming(runtime, "run commands in them")
    instance = _running(runtime, pod, name)
    try:
        return streaming.exec_stream(instance.id, argv, stdin=stdin, tty=tty)
    except RuntimeError_ as exc:
        raise _runtime_error(exc) from exc


def attach_process(runtime: ContainerRuntime, pod: Obj, container: str, *, stdin: bool,
                   tty: bool) -> ProcessStream:
    """Connect to the main process of the pod's running container."""
    name = container_name(pod, container, default_first=True)
    streaming = _streaming(runtime, "attach to them")
    instance = _running(runtime, pod, name)
    try:
        return streaming.attach(instance.id, stdin=stdin, tty=tty)
    except RuntimeError_ as exc:
        raise _runtime_error(exc) from exc


def since_unix(since_seconds: int | None, since_time: str) -> float | None:
    """`--since` (seconds before now) or `--since-time` (RFC 3339) as a unix time."""
    if since_seconds is not None:
        if since_seconds <= 0:
            raise bad_request("sinceSeconds must be greater than 0")
        return time.time() - since_seconds
    if since_time:
        try:
            return datetime.fromisoformat(since_time.replace("Z", "+00:00")).timestamp()
        except ValueError as exc:
            raise bad_request(f'parsing time "{since_time}" as "2006-01-02T15:04:05Z07:00": '
                              "cannot parse") from exc
    return None


def log_stream(runtime: ContainerRuntime, pod: Obj, container: str, *, follow: bool,
               previous: bool = False, tail: int | None = None, since: float | None = None,
               timestamps: bool = False) -> ByteStream:
    """A container's log as a stream, following new output while `follow` and the container
    runs."""
    name = container_name(pod, container, default_first=False)
    pod_name = pod["metadata"]["name"]
    history = sorted((i for i in runtime.instances(pod) if i.name == name),
                     key=lambda i: i.attempt)
    if previous:
        if len(history) < 2:
            raise bad_request(f'previous terminated container "{name}" in pod "{pod_name}" not '
                              "found")
        instance, follow = history[-2], False  # a previous instance has ended
    elif not history:
        raise bad_request(f'container "{name}" in pod "{pod_name}" is waiting to start: '
                          "ContainerCreating")
    else:
        instance = history[-1]
    try:
        if isinstance(runtime, StreamingRuntime):
            return runtime.log_stream(instance.id, follow=follow, tail=tail, since=since,
                                      timestamps=timestamps)
        return PolledLog(runtime, pod, instance, follow=follow, tail=tail,
                         timestamps=timestamps)
    except RuntimeError_ as exc:
        raise bad_request(str(exc)) from exc


def port_forward_address(runtime: ContainerRuntime, pod: Obj, port: int) -> tuple[str, int]:
    """Where the daemon connects to reach the pod's `port`."""
    if not 0 < port < 65536:
        raise bad_request(f"invalid port {port}")
    streaming = _streaming(runtime, "forward ports to them")
    phase = (pod.get("status") or {}).get("phase")
    if phase != "Running":
        raise bad_request("unable to forward port because pod is not running. Current "
                          f"status={phase}")
    try:
        return streaming.port_forward_address(pod, port)
    except RuntimeError_ as exc:
        raise bad_request(f"error forwarding port {port} to pod "
                          f"{pod['metadata']['name']}: {exc}") from exc


class PolledLog:
    """A followed log on a runtime that cannot stream one: its log once, then a wait for the
    instance to end (polling), since new output can only come from it while it runs."""

    def __init__(self, runtime: ContainerRuntime, pod: Obj, instance: ContainerInstance, *,
                 follow: bool, tail: int | None, timestamps: bool) -> None:
        self.runtime = runtime
        self.pod = pod
        self.instance = instance
        self.follow = follow
        self._first = runtime.logs(instance.id, tail=tail, timestamps=timestamps).encode()
        self._closed = threading.Event()
        self._sent = False

    def read(self) -> bytes:
        if not self._sent:
            self._sent = True
            if self._first:
                return self._first
        while self.follow and not self._closed.is_set():
            current = [i for i in self.runtime.instances(self.pod) if i.id == self.instance.id]
            if not current or current[0].state != RUNNING:
                break
            self._closed.wait(POLL_SECONDS)
        return b""

    def close(self) -> None:
        self._closed.set()
