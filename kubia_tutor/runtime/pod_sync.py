"""One pass of the kubelet over one pod: make the runtime match the spec, then say what is.

Design note. Decisions are made from what the runtime reports (`instances`), never from what
the kubelet remembers, except the back-off clocks: a restarted daemon therefore picks up pods
where their containers are. Each container's newest instance decides: none yet → pull and
start; running → nothing; exited → restart as restartPolicy says, after the back-off.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kubia_tutor.clock import Clock, timestamp
from kubia_tutor.runtime.backoff import Backoff
from kubia_tutor.runtime.cri import (
    EXITED,
    RUNNING,
    ContainerInstance,
    ContainerRuntime,
    ImagePullError,
    PullResult,
)

Obj = dict[str, Any]
# (pod, event type, reason, message, field path)
Recorder = Callable[[Obj, str, str, str, str], None]


@dataclass
class ContainerView:
    """What the kubelet knows of one spec container after this pass."""

    spec: Obj
    newest: ContainerInstance | None = None
    previous: ContainerInstance | None = None
    waiting: tuple[str, str] | None = None  # (reason, message)
    pulled: PullResult | None = None


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


def go_duration(seconds: float) -> str:
    """Go's time.Duration.String(), which the kubelet's "Successfully pulled" event uses:
    `0s`, `850ns`, `35.2µs`, `512.3ms`, `6.412s`, `1m30.5s`, `1h0m0s`."""
    ns = round(seconds * 1e9)
    if ns == 0:
        return "0s"
    sign, ns = ("-", -ns) if ns < 0 else ("", ns)
    if ns < 1_000:
        return f"{sign}{ns}ns"
    if ns < 1_000_000:
        return f"{sign}{_decimal(ns, 1_000)}µs"
    if ns < 1_000_000_000:
        return f"{sign}{_decimal(ns, 1_000_000)}ms"
    hours, rest = divmod(ns, 3_600_000_000_000)
    minutes, rest = divmod(rest, 60_000_000_000)
    text = f"{hours}h" if hours else ""
    if hours or minutes:
        text += f"{minutes}m"
    return f"{sign}{text}{_decimal(rest, 1_000_000_000)}s"


def _decimal(value: int, unit: int) -> str:
    """`value / unit` with as many decimals as needed and no trailing zeros."""
    whole, frac = divmod(value, unit)
    digits = str(frac).rjust(len(str(unit)) - 1, "0").rstrip("0")
    return f"{whole}.{digits}" if digits else str(whole)


class PodSync:
    """Drives containers of pods through a runtime; one instance per kubelet."""

    def __init__(self, runtime: ContainerRuntime, clock: Clock, record: Recorder) -> None:
        self.runtime = runtime
        self.clock = clock
        self.record = record
        self.backoff = Backoff()

    def sync(self, pod: Obj) -> SyncResult:
        """Start or restart what the spec and restartPolicy ask for; return the status."""
        spec = pod.get("spec") or {}
        uid = pod["metadata"]["uid"]
        policy = spec.get("restartPolicy") or "Always"
        pod_ip = self.runtime.ensure_sandbox(pod)
        by_name: dict[str, list[ContainerInstance]] = {}
        for instance in self.runtime.instances(pod):
            by_name.setdefault(instance.name, []).append(instance)
        views: list[ContainerView] = []
        requeue: float | None = None
        now = self.clock.monotonic()
        for container in spec.get("containers") or []:
            name = str(container.get("name"))
            history = sorted(by_name.get(name, []), key=lambda i: i.attempt)
            view = ContainerView(container, history[-1] if history else None,
                                 history[-2] if len(history) > 1 else None)
            wait = self._converge(pod, uid, policy, view, now)
            if wait is not None:
                requeue = wait if requeue is None else min(requeue, wait)
            views.append(view)
        return SyncResult(self._status(pod, pod_ip, views, policy), requeue, views)

    # Decisions --------------------------------------------------------------------------------

    def _converge(self, pod: Obj, uid: str, policy: str, view: ContainerView,
                  now: float) -> float | None:
        newest = view.newest
        name = str(view.spec.get("name"))
        key = f"{uid}/{name}"
        if newest is not None and newest.state == RUNNING:
            started = _parse(newest.started_at)
            if started and (self.clock.now() - started).total_seconds() > 600:
                self.backoff.reset(key)
            return None
        if newest is not None and newest.state == EXITED and not _restarts(policy, newest):
            return None
        attempt = 0 if newest is None else newest.attempt + (newest.state == EXITED)
        if newest is not None and newest.state == EXITED:
            left = self.backoff.waiting(key, now)
            if left > 0:
                delay = int(self.backoff.current(key))
                view.waiting = ("CrashLoopBackOff",
                                f"back-off {delay}s restarting failed container={name} "
                                f"pod={pod['metadata']['name']}_{pod['metadata']['namespace']}"
                                f"({uid})")
                self.record(pod, "Warning", "BackOff", "Back-off restarting failed container",
                            _path(name))
                return left
        return self._start(pod, uid, view, attempt, key, now)

    def _start(self, pod: Obj, uid: str, view: ContainerView, attempt: int, key: str,
               now: float) -> float | None:
        container = view.spec
        name = str(container.get("name"))
        image = str(container.get("image") or "")
        policy = str(container.get("imagePullPolicy") or "IfNotPresent")
        pull_key = f"{key}/pull"
        left = self.backoff.waiting(pull_key, now)
        if left > 0:
            view.waiting = ("ImagePullBackOff", f'Back-off pulling image "{image}"')
            self.record(pod, "Normal", "BackOff", f'Back-off pulling image "{image}"',
                        _path(name))
            self.record(pod, "Warning", "Failed", "Error: ImagePullBackOff", _path(name))
            return left
        try:
            pulled = self.runtime.ensure_image(image, policy)
        except ImagePullError as err:
            delay = self.backoff.next(pull_key, now)
            view.waiting = ("ErrImagePull", str(err))
            self.record(pod, "Normal", "Pulling", f'Pulling image "{image}"', _path(name))
            self.record(pod, "Warning", "Failed", f'Failed to pull image "{image}": {err}',
                        _path(name))
            self.record(pod, "Warning", "Failed", "Error: ErrImagePull", _path(name))
            return delay
        self.backoff.reset(pull_key)
        view.pulled = pulled
        if pulled.pulled:
            self.record(pod, "Normal", "Pulling", f'Pulling image "{image}"', _path(name))
            self.record(pod, "Normal", "Pulled", f'Successfully pulled image "{image}" in '
                        f"{go_duration(pulled.seconds)}", _path(name))
        else:
            self.record(pod, "Normal", "Pulled",
                        f'Container image "{image}" already present on machine', _path(name))
        if view.newest is not None and view.newest.state == EXITED:
            self.backoff.next(key, now)
        cid = self.runtime.create_container(pod, container, attempt, resolve_env(pod, container))
        self.record(pod, "Normal", "Created", f"Created container {name}", _path(name))
        self.runtime.start_container(cid)
        self.record(pod, "Normal", "Started", f"Started container {name}", _path(name))
        instances = [i for i in self.runtime.instances(pod) if i.id == cid]
        if instances:
            view.previous = view.newest if view.newest is not None else view.previous
            view.newest = instances[0]
        return None

    # Status -----------------------------------------------------------------------------------

    def _status(self, pod: Obj, pod_ip: str, views: list[ContainerView], policy: str) -> Obj:
        old = pod.get("status") or {}
        now = timestamp(self.clock.now())
        statuses = [self._container_status(v) for v in views]
        all_ready = bool(statuses) and all(s["ready"] for s in statuses)
        phase = _phase(views, policy)
        previous_conditions = {c.get("type"): c for c in old.get("conditions") or []}

        def condition(kind: str, value: bool) -> Obj:
            text = "True" if value else "False"
            before = previous_conditions.get(kind)
            since = before.get("lastTransitionTime") if before and before.get(
                "status") == text else now
            cond: Obj = {"type": kind, "status": text, "lastProbeTime": None,
                         "lastTransitionTime": since}
            if not value and kind in ("Ready", "ContainersReady"):
                waiting = [s["name"] for s in statuses if not s["ready"]]
                cond["reason"] = "ContainersNotReady"
                cond["message"] = f"containers with unready status: [{' '.join(waiting)}]"
            return cond

        status = dict(old)
        status.update({
            "phase": phase,
            "conditions": [condition("Initialized", True), condition("Ready", all_ready),
                           condition("ContainersReady", all_ready),
                           condition("PodScheduled", True)],
            "hostIP": "127.0.0.1",
            "podIP": pod_ip,
            "podIPs": [{"ip": pod_ip}] if pod_ip else [],
            "startTime": old.get("startTime") or now,
            "containerStatuses": statuses,
        })
        return status

    def _container_status(self, view: ContainerView) -> Obj:
        name = str(view.spec.get("name"))
        image = str(view.spec.get("image") or "")
        newest = view.newest
        result: Obj = {"name": name, "image": image, "imageID": "", "ready": False,
                       "restartCount": 0, "started": False, "lastState": {},
                       "state": {"waiting": {"reason": "ContainerCreating"}}}
        if view.pulled is not None:
            result["image"] = view.pulled.image
            result["imageID"] = view.pulled.image_id
        if newest is not None:
            result["image"] = newest.image or result["image"]
            result["imageID"] = newest.image_id or result["imageID"]
            result["containerID"] = f"{self.runtime.name}://{newest.id}"
            result["restartCount"] = newest.attempt
            if newest.state == RUNNING:
                result["state"] = {"running": {"startedAt": newest.started_at}}
                result["ready"] = True
                result["started"] = True
            elif newest.state == EXITED:
                result["state"] = {"terminated": _terminated(newest)}
            if view.previous is not None and view.previous.state == EXITED:
                result["lastState"] = {"terminated": _terminated(view.previous)}
        if view.waiting is not None:
            reason, message = view.waiting
            result["state"] = {"waiting": {"reason": reason, "message": message}}
            result["ready"] = False
            result["started"] = False
            if newest is not None and newest.state == EXITED and reason == "CrashLoopBackOff":
                result["lastState"] = {"terminated": _terminated(newest)}
        return result


def _terminated(instance: ContainerInstance) -> Obj:
    code = instance.exit_code or 0
    reason = "OOMKilled" if instance.oom_killed else ("Completed" if code == 0 else "Error")
    term: Obj = {"exitCode": code, "reason": reason, "startedAt": instance.started_at,
                 "finishedAt": instance.finished_at, "containerID": instance.id}
    if instance.message:
        term["message"] = instance.message
    return term


def _phase(views: list[ContainerView], policy: str) -> str:
    if not views or any(v.newest is None for v in views):
        return "Pending"
    newest = [v.newest for v in views if v.newest is not None]
    if any(i.state == RUNNING for i in newest) or any(v.waiting for v in views):
        return "Running"
    if all(i.state == EXITED for i in newest) and policy != "Always":
        if all(i.exit_code == 0 for i in newest):
            return "Succeeded"
        # OnFailure restarts the failed ones, so only Never ends in Failed
        return "Failed" if policy == "Never" else "Running"
    return "Running" if policy == "Always" else "Pending"


def _path(name: str) -> str:
    return f"spec.containers{{{name}}}"


def _parse(stamp: str | None) -> datetime | None:
    if not stamp:
        return None
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None


def resolve_env(pod: Obj, container: Obj) -> dict[str, str]:
    """The container's environment with `$(VAR)` expanded and the fieldRefs the book uses
    resolved (metadata.name, metadata.namespace, status.podIP, spec.nodeName)."""
    meta = pod.get("metadata") or {}
    fields = {
        "metadata.name": meta.get("name", ""), "metadata.namespace": meta.get("namespace", ""),
        "metadata.uid": meta.get("uid", ""),
        "spec.nodeName": (pod.get("spec") or {}).get("nodeName", ""),
        "spec.serviceAccountName": (pod.get("spec") or {}).get("serviceAccountName", ""),
        "status.podIP": (pod.get("status") or {}).get("podIP", ""),
        "status.hostIP": (pod.get("status") or {}).get("hostIP", ""),
    }
    env: dict[str, str] = {}
    for var in container.get("env") or []:
        name = str(var.get("name"))
        if "value" in var:
            env[name] = _expand(str(var.get("value") or ""), env)
        else:
            ref = ((var.get("valueFrom") or {}).get("fieldRef") or {}).get("fieldPath")
            if ref:
                env[name] = str(fields.get(ref, ""))
    return env


def _expand(text: str, env: dict[str, str]) -> str:
    """Kubernetes' `$(VAR)` expansion: known names expand, `$$` escapes, unknown stay."""
    out, i = [], 0
    while i < len(text):
        if text.startswith("$$", i):
            out.append("$")
            i += 2
        elif text.startswith("$(", i) and ")" in text[i:]:
            end = text.index(")", i)
            name = text[i + 2:end]
            out.append(env[name] if name in env else text[i:end + 1])
            i = end + 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)

