"""One pass of the kubelet over one pod: make the runtime match the spec, then say what is.

Design note. Decisions are made from what the runtime reports (`instances`), never from what
the kubelet remembers, except the back-off clocks: a restarted daemon therefore picks up pods
where their containers are. Init containers run first, one at a time in order, each to a
successful exit; only then do the app containers start. For each container the newest
instance decides: none yet → pull and start; running → nothing; exited → restart as
restartPolicy says, after the back-off. The probe manager is told which instances run, and
its results decide each container's ready and started flags.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kubia_tutor.clock import Clock, parse_timestamp, timestamp
from kubia_tutor.runtime.backoff import Backoff
from kubia_tutor.runtime.cri import (
    EXITED,
    RUNNING,
    ContainerInstance,
    ContainerRuntime,
    ImagePullError,
    RuntimeError_,
)
from kubia_tutor.runtime.durations import go_duration
from kubia_tutor.runtime.env import resolve_env
from kubia_tutor.runtime.env_sources import EnvSources
from kubia_tutor.runtime.pod_status import ContainerView, InitState, pod_status
from kubia_tutor.runtime.probes import ProbeManager

log = logging.getLogger(__name__)

Obj = dict[str, Any]
# (pod, event type, reason, message, field path)
Recorder = Callable[[Obj, str, str, str, str], None]

__all__ = ["ContainerView", "PodSync", "SyncResult", "go_duration"]


@dataclass
class SyncResult:
    """The pod's new status and when the kubelet should look at it again."""

    status: Obj
    requeue: float | None = None
    views: list[ContainerView] = field(default_factory=list)


def _restarts(policy: str, instance: ContainerInstance) -> bool:
    if policy == "Always":
        return True
    if policy == "OnFailure":
        return instance.exit_code != 0
    return False


class PodSync:
    """Drives containers of pods through a runtime; one instance per kubelet."""

    def __init__(self, runtime: ContainerRuntime, clock: Clock, record: Recorder,
                 probes: ProbeManager | None = None) -> None:
        self.runtime = runtime
        self.clock = clock
        self.record = record
        self.probes = probes
        self.backoff = Backoff()
        self.env_sources: EnvSources | None = None  # ConfigMaps, Secrets, Services (kubelet)
        # pods starting together on one image make it once, not once each
        self._image_locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def sync(self, pod: Obj) -> SyncResult:
        """Start or restart what the spec and restartPolicy ask for; return the status."""
        spec = pod.get("spec") or {}
        policy = spec.get("restartPolicy") or "Always"
        now = self.clock.monotonic()
        try:
            pod_ip = self.runtime.ensure_sandbox(pod)
        except RuntimeError_ as err:
            return self._sandbox_failed(pod, policy, err, now)
        by_name: dict[str, list[ContainerInstance]] = {}
        for instance in self.runtime.instances(pod):
            by_name.setdefault(instance.name, []).append(instance)
        waits: list[float] = []

        init = self._init_containers(pod, policy, by_name, now, waits)
        views: list[ContainerView] = []
        for container in spec.get("containers") or []:
            view = _view(container, by_name, "containers", pod)
            if init.done:
                wait = self._converge(pod, policy, view, now)
                if wait is not None:
                    waits.append(wait)
            views.append(view)

        running = {v.name: v.newest.id for v in views
                   if v.newest is not None and v.newest.state == RUNNING and not v.waiting}
        if self.probes is not None:
            self.probes.sync(pod, running, pod_ip)
        for view in views:
            if view.name in running:
                view.started, view.ready = self._probe_flags(view)
        status = pod_status(pod, pod_ip, views, init, policy, self.runtime.name,
                            timestamp(self.clock.now()))
        return SyncResult(status, min(waits) if waits else None, views)

    def _sandbox_failed(self, pod: Obj, policy: str, err: RuntimeError_, now: float
                        ) -> SyncResult:
        """The sandbox (or a volume it needs) cannot be set up: say why in an event, keep
        every container ContainerCreating and try again after a back-off."""
        spec = pod.get("spec") or {}
        reason = str(getattr(err, "reason", "") or "FailedCreatePodSandBox")
        self.record(pod, "Warning", reason, str(err), "")
        delay = self.backoff.next(f"{pod['metadata']['uid']}/sandbox", now)
        views = [_view(c, {}, "containers", pod) for c in spec.get("containers") or []]
        inits = [_view(c, {}, "initContainers", pod) for c in spec.get("initContainers") or []]
        init = InitState(inits, not inits, False)
        pod_ip = str((pod.get("status") or {}).get("podIP") or "")
        status = pod_status(pod, pod_ip, views, init, policy, self.runtime.name,
                            timestamp(self.clock.now()))
        return SyncResult(status, delay, views)

    def _init_containers(self, pod: Obj, policy: str,
                         by_name: dict[str, list[ContainerInstance]], now: float,
                         waits: list[float]) -> InitState:
        """Run init containers in order, each to a successful exit."""
        views: list[ContainerView] = []
        done, failed = True, False
        # a failed init container is retried unless the pod never restarts anything
        init_policy = "Never" if policy == "Never" else "OnFailure"
        for container in (pod.get("spec") or {}).get("initContainers") or []:
            view = _view(container, by_name, "initContainers", pod)
            views.append(view)
            if not done:
                continue
            newest = view.newest
            if newest is not None and newest.state == EXITED and newest.exit_code == 0:
                continue
            done = False
            if newest is not None and newest.state == EXITED and init_policy == "Never":
                failed = True
                continue
            wait = self._converge(pod, init_policy, view, now)
            if wait is not None:
                waits.append(wait)
        return InitState(views, done, failed)

    def _probe_flags(self, view: ContainerView) -> tuple[bool, bool]:
        """(started, ready) of a running container, from its probes."""
        assert view.newest is not None
        cid = view.newest.id
        has_startup = bool(view.spec.get("startupProbe"))
        has_readiness = bool(view.spec.get("readinessProbe"))
        if self.probes is None:
            return True, True
        started = self.probes.started(cid) if has_startup else True
        ready = started and (self.probes.ready(cid) if has_readiness else True)
        return started, ready

    # Decisions --------------------------------------------------------------------------------

    def _converge(self, pod: Obj, policy: str, view: ContainerView, now: float
                  ) -> float | None:
        uid = pod["metadata"]["uid"]
        newest = view.newest
        name = view.name
        key = f"{uid}/{view.field}/{name}"
        if newest is not None and newest.state == RUNNING:
            started = parse_timestamp(newest.started_at)
            if started and (self.clock.now() - started).total_seconds() > 600:
                self.backoff.reset(key)
            return None
        if newest is not None and newest.state == EXITED and not _restarts(policy, newest):
            return None
        if newest is None:
            # 0 for a new container, else one past the restarts shown: instances removed
            # behind the kubelet's back still count, as on a real node
            attempt = 0 if view.known_restarts is None else view.known_restarts + 1
        elif newest.state == EXITED:
            # one past the restarts shown, not past the newest instance left: a newer one
            # removed behind the kubelet's back was a restart too
            attempt = max(newest.attempt, view.known_restarts or 0) + 1
        else:
            attempt = newest.attempt
        if newest is not None and newest.state == EXITED:
            left = self.backoff.waiting(key, now)
            if left > 0:
                delay = int(self.backoff.current(key))
                view.waiting = ("CrashLoopBackOff",
                                f"back-off {delay}s restarting failed container={name} "
                                f"pod={pod['metadata']['name']}_{pod['metadata']['namespace']}"
                                f"({uid})")
                self.record(pod, "Warning", "BackOff", "Back-off restarting failed container",
                            view.path)
                return left
        return self._start(pod, view, attempt, key, now)

    def _image_lock(self, image: str) -> threading.Lock:
        with self._locks_guard:
            return self._image_locks.setdefault(image, threading.Lock())

    def _start(self, pod: Obj, view: ContainerView, attempt: int, key: str,
               now: float) -> float | None:
        container = view.spec
        name = view.name
        image = str(container.get("image") or "")
        policy = str(container.get("imagePullPolicy") or "IfNotPresent")
        pull_key = f"{key}/pull"
        left = self.backoff.waiting(pull_key, now)
        if left > 0:
            view.waiting = ("ImagePullBackOff", f'Back-off pulling image "{image}"')
            self.record(pod, "Normal", "BackOff", f'Back-off pulling image "{image}"',
                        view.path)
            self.record(pod, "Warning", "Failed", "Error: ImagePullBackOff", view.path)
            return left
        try:
            with self._image_lock(image):
                pulled = self.runtime.ensure_image(image, policy)
        except ImagePullError as err:
            delay = self.backoff.next(pull_key, now)
            view.waiting = ("ErrImagePull", str(err))
            self.record(pod, "Normal", "Pulling", f'Pulling image "{image}"', view.path)
            self.record(pod, "Warning", "Failed", f'Failed to pull image "{image}": {err}',
                        view.path)
            self.record(pod, "Warning", "Failed", "Error: ErrImagePull", view.path)
            return delay
        self.backoff.reset(pull_key)
        view.pulled = pulled
        if pulled.pulled:
            self.record(pod, "Normal", "Pulling", f'Pulling image "{image}"', view.path)
            self.record(pod, "Normal", "Pulled", f'Successfully pulled image "{image}" in '
                        f"{go_duration(pulled.seconds)}", view.path)
        else:
            self.record(pod, "Normal", "Pulled",
                        f'Container image "{image}" already present on machine', view.path)
        if view.newest is not None and view.newest.state == EXITED:
            self.backoff.next(key, now)
        try:
            cid = self.runtime.create_container(pod, container, attempt,
                                                resolve_env(pod, container, self.env_sources,
                                                            self.record))
        except RuntimeError_ as err:
            return self._failed(pod, view, err, key, now, "CreateContainerError")
        self.record(pod, "Normal", "Created", f"Created container {name}", view.path)
        try:
            self.runtime.start_container(cid)
        except RuntimeError_ as err:
            return self._failed(pod, view, err, key, now, "RunContainerError")
        self.record(pod, "Normal", "Started", f"Started container {name}", view.path)
        every = self.runtime.instances(pod)
        instances = [i for i in every if i.id == cid]
        if instances:
            view.previous = view.newest if view.newest is not None else view.previous
            view.newest = instances[0]
        self._collect_dead(name, cid, every)
        return None

    def _collect_dead(self, name: str, running: str, every: list[ContainerInstance]) -> None:
        """Keep one dead instance per container (for `logs --previous`), as the kubelet's
        container garbage collection does (MaxPerPodContainer 1): a crash-looping pod must
        not pile up exited containers."""
        dead = sorted((i for i in every if i.name == name and i.id != running
                       and i.state == EXITED), key=lambda i: i.attempt)
        for old in dead[:-1]:
            try:
                self.runtime.remove_container(old.id)
            except RuntimeError_:
                log.debug("could not remove the dead container %s", old.id, exc_info=True)


    def _failed(self, pod: Obj, view: ContainerView, err: RuntimeError_, key: str, now: float,
                reason: str) -> float:
        """A container that could not be created or started: the kubelet's `Failed` event
        with `Error: ...`, the reason as its waiting state, and a retry after a back-off."""
        reason = str(getattr(err, "reason", "") or reason)
        if reason == "FailedMount":
            reason = "CreateContainerConfigError"
        view.waiting = (reason, str(err))
        self.record(pod, "Warning", "Failed", f"Error: {err}", view.path)
        return self.backoff.next(f"{key}/create", now)


def _view(container: Obj, by_name: dict[str, list[ContainerInstance]], kind: str,
          pod: Obj) -> ContainerView:
    history = sorted(by_name.get(str(container.get("name")), []), key=lambda i: i.attempt)
    return ContainerView(container, history[-1] if history else None,
                         history[-2] if len(history) > 1 else None, field=kind,
                         known_restarts=_shown_restarts(pod, kind, str(container.get("name"))))


def _shown_restarts(pod: Obj, kind: str, name: str) -> int | None:
    """The restart count the pod's status last showed for a container that had an instance,
    or None when it never had one."""
    key = "initContainerStatuses" if kind == "initContainers" else "containerStatuses"
    for status in (pod.get("status") or {}).get(key) or []:
        if status.get("name") == name and status.get("containerID"):
            return int(status.get("restartCount") or 0)
    return None
