"""A pod's status as the kubelet writes it, from what one sync pass saw.

Design note. Status is computed, never accumulated: phase, conditions and container statuses
come from each container's newest and previous instances, the waiting reason the sync chose,
and the probe results; only condition transition times and startTime carry over from the old
status, so they stay stable while nothing changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kubia_tutor.runtime.cri import EXITED, RUNNING, ContainerInstance, PullResult

Obj = dict[str, Any]


@dataclass
class ContainerView:
    """What the kubelet knows of one spec container after this pass."""

    spec: Obj
    newest: ContainerInstance | None = None
    previous: ContainerInstance | None = None
    waiting: tuple[str, str] | None = None  # (reason, message)
    pulled: PullResult | None = None
    field: str = "containers"  # or initContainers, for events' field paths
    ready: bool = False  # set by the sync from probes (running containers)
    started: bool = False
    # the restart count the pod's status last showed: it never goes back, even when newer
    # instances were removed behind the kubelet's back
    known_restarts: int | None = None  # None: no instance was ever shown

    @property
    def name(self) -> str:
        return str(self.spec.get("name"))

    @property
    def path(self) -> str:
        return f"spec.{self.field}{{{self.name}}}"


@dataclass
class InitState:
    """Where the pod's init containers are."""

    views: list[ContainerView]
    done: bool  # every init container succeeded (or there are none)
    failed: bool  # one failed and restartPolicy Never lets it stay failed


def container_status(view: ContainerView, runtime: str, *, initializing: bool = False) -> Obj:
    """One entry of containerStatuses or initContainerStatuses."""
    image = str(view.spec.get("image") or "")
    newest = view.newest
    waiting = "PodInitializing" if initializing else "ContainerCreating"
    result: Obj = {"name": view.name, "image": image, "imageID": "", "ready": False,
                   "restartCount": 0, "started": False, "lastState": {},
                   "state": {"waiting": {"reason": waiting}}}
    if view.field == "initContainers":
        del result["started"]  # init containers report no started flag
    if view.pulled is not None:
        result["image"] = view.pulled.image
        result["imageID"] = view.pulled.image_id
    if newest is not None:
        result["image"] = newest.image or result["image"]
        result["imageID"] = newest.image_id or result["imageID"]
        result["containerID"] = f"{runtime}://{newest.id}"
        result["restartCount"] = max(newest.attempt, view.known_restarts or 0)
        if newest.state == RUNNING:
            result["state"] = {"running": {"startedAt": newest.started_at}}
            result["ready"] = view.ready
            if "started" in result:
                result["started"] = view.started
        elif newest.state == EXITED:
            result["state"] = {"terminated": terminated(newest)}
            # a completed init container counts as ready
            result["ready"] = view.field == "initContainers" and newest.exit_code == 0
        if view.previous is not None and view.previous.state == EXITED:
            result["lastState"] = {"terminated": terminated(view.previous)}
    if view.waiting is not None:
        reason, message = view.waiting
        result["state"] = {"waiting": {"reason": reason, "message": message}}
        result["ready"] = False
        if "started" in result:
            result["started"] = False
        if newest is not None and newest.state == EXITED and reason == "CrashLoopBackOff":
            result["lastState"] = {"terminated": terminated(newest)}
    return result


def terminated(instance: ContainerInstance) -> Obj:
    """A terminated state: exit code, reason (Completed, Error, OOMKilled) and times."""
    code = instance.exit_code or 0
    reason = instance.reason or (
        "OOMKilled" if instance.oom_killed else ("Completed" if code == 0 else "Error"))
    term: Obj = {"exitCode": code, "reason": reason, "startedAt": instance.started_at,
                 "finishedAt": instance.finished_at, "containerID": instance.id}
    if instance.message:
        term["message"] = instance.message
    return term


def phase(views: list[ContainerView], init: InitState, policy: str) -> str:
    """Pending, Running, Succeeded or Failed, as the kubelet derives it."""
    if init.failed:
        return "Failed"
    if not init.done:
        return "Pending"
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


def pod_status(pod: Obj, pod_ip: str, views: list[ContainerView], init: InitState,
               policy: str, runtime: str, now: str) -> Obj:
    """The whole status subresource for one pod."""
    old = pod.get("status") or {}
    initializing = not init.done
    statuses = [container_status(v, runtime, initializing=initializing) for v in views]
    all_ready = bool(statuses) and all(s["ready"] for s in statuses) and init.done
    before = {c.get("type"): c for c in old.get("conditions") or []}

    def condition(kind: str, value: bool, reason: str = "", message: str = "") -> Obj:
        text = "True" if value else "False"
        prior = before.get(kind)
        since = prior.get("lastTransitionTime") if prior and prior.get(
            "status") == text else now
        cond: Obj = {"type": kind, "status": text, "lastProbeTime": None,
                     "lastTransitionTime": since}
        if not value and reason:
            cond["reason"] = reason
            if message:
                cond["message"] = message
        return cond

    unready = " ".join(s["name"] for s in statuses if not s["ready"])
    current = phase(views, init, policy)
    # a finished pod is not ready because it completed, which its conditions say
    why, ready_message = (("PodCompleted", "") if current in ("Succeeded", "Failed") else
                          ("ContainersNotReady", f"containers with unready status: [{unready}]"))
    pending_init = " ".join(v.name for v in init.views
                            if v.newest is None or v.newest.state != EXITED
                            or v.newest.exit_code != 0)
    status = dict(old)
    status.update({
        "phase": current,
        "conditions": [
            condition("Initialized", init.done, "ContainersNotInitialized",
                      f"containers with incomplete status: [{pending_init}]"),
            condition("Ready", all_ready, why, ready_message),
            condition("ContainersReady", all_ready, why, ready_message),
            condition("PodScheduled", True)],
        "hostIP": "127.0.0.1",
        "podIP": pod_ip,
        "podIPs": [{"ip": pod_ip}] if pod_ip else [],
        "startTime": old.get("startTime") or now,
        "containerStatuses": statuses,
    })
    if init.views:
        status["initContainerStatuses"] = [container_status(v, runtime) for v in init.views]
    else:
        status.pop("initContainerStatuses", None)
    return status
