"""The Job controller: runs a Job's pods to completion (Kubernetes 1.20's `syncJob`).

Design note. Each reconcile counts the Job's own pods (active, Succeeded, Failed), decides
whether the Job has failed (backoffLimit, activeDeadlineSeconds) or completed, and otherwise
keeps min(parallelism, remaining completions) pods active. Everything it needs is in the
store, so it is level-driven; only the back-off before replacing a failed pod is remembered in
memory (1.20 keeps it in its work queue's requeue count, which a restart forgets too).

Failures count as 1.20 counts them: with restartPolicy Never every Failed pod is a failure and
a replacement is made (after 0 s, then 10 s, 20 s, ... up to 6 min); with OnFailure the kubelet
restarts the container in place and the restarts of the active pods count against the
backoffLimit. A finished Job is never touched again; its pods stay for `kubectl logs`.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import datetime

from kubia_tutor.api import events
from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import ResourceType, resolve
from kubia_tutor.api.server import ApiServer
from kubia_tutor.controllers.base import Controller, Obj, key_of, split_key
from kubia_tutor.controllers.pod_template import (
    controller_ref,
    is_active,
    is_controlled_by,
    is_ready,
    new_pod,
    now_stamp,
    parse_timestamp,
)

JOBS = resolve("jobs")
PODS = resolve("pods")
COMPONENT = "job-controller"
# The job controller's DefaultJobBackOff and MaxJobBackOff.
BACKOFF_SECONDS = 10.0
MAX_BACKOFF_SECONDS = 360.0


class JobController(Controller):
    """Creates a Job's pods and records its progress in status."""

    name = "job-controller"
    watches = ("jobs", "pods")

    def __init__(self, api: ApiServer) -> None:
        super().__init__(api)
        # key -> (failures seen, when the newest was seen): the back-off's starting point.
        self._failures_seen: dict[str, tuple[int, float]] = {}

    def keys_for(self, rt: ResourceType, obj: Obj) -> Iterable[str]:
        if rt is JOBS:
            yield key_of(obj)
            return
        ref = controller_ref(obj)
        if ref is not None and ref.get("kind") == "Job" and ref.get("name"):
            yield f"{obj['metadata'].get('namespace')}/{ref['name']}"

    def reconcile(self, key: str) -> float | None:
        ns, name = split_key(key)
        try:
            job = self.api.get(JOBS, ns, name)
        except ApiError:
            self._failures_seen.pop(key, None)
            return None
        if is_finished(job):
            self._failures_seen.pop(key, None)
            return None
        spec = job.get("spec") or {}
        pods = [p for p in self.api.list(PODS, ns)["items"] if is_controlled_by(p, job)]
        active_pods = [p for p in pods if is_active(p)]
        succeeded = sum(1 for p in pods if _phase(p) == "Succeeded")
        failed = sum(1 for p in pods if _phase(p) == "Failed")
        status = copy.deepcopy(job.get("status") or {})
        now = self.clock.now()
        if not status.get("startTime"):
            status["startTime"] = now_stamp(now)
        new_failure = failed > int(status.get("failed") or 0)
        if new_failure:
            self._failures_seen[key] = (failed, self.clock.monotonic())

        failure = self._failure(job, status, pods, failed, now)
        again: float | None = None
        active = len(active_pods)
        if failure is not None:
            reason, message = failure
            for pod in active_pods:
                self._delete_pod(job, pod)
            failed += active
            active = 0
            status.setdefault("conditions", []).append(_condition("Failed", now, reason,
                                                                  message))
            events.record(self.api, job, "Warning", reason, message, component=COMPONENT)
        else:
            if not job["metadata"].get("deletionTimestamp"):
                active, again = self._manage(key, job, active_pods, succeeded, failed)
            if _complete(spec, succeeded, active):
                self._warn_too_many(job, spec, succeeded, active)
                status.setdefault("conditions", []).append(_condition("Complete", now))
                status["completionTime"] = now_stamp(now)
                events.record(self.api, job, "Normal", "Completed", "Job completed",
                              component=COMPONENT)
        _set_count(status, "active", active)
        _set_count(status, "succeeded", succeeded)
        _set_count(status, "failed", failed)
        if status != job.get("status"):
            self.api.update(JOBS, ns, name, {**job, "status": status}, subresource="status")
        if is_finished({"status": status}):
            self._failures_seen.pop(key, None)
            return None
        deadline = _deadline_left(spec, status, now)
        if deadline is not None:
            again = deadline if again is None else min(again, deadline)
        return again

    # Decisions -------------------------------------------------------------------------------

    def _failure(self, job: Obj, status: Obj, pods: list[Obj], failed: int,
                 now: datetime) -> tuple[str, str] | None:
        """(reason, message) when the Job has failed; backoffLimit is checked first, as in
        1.20, then activeDeadlineSeconds."""
        spec = job.get("spec") or {}
        limit = int(spec.get("backoffLimit", 6))
        if failed > limit or _past_backoff_on_failure(spec, pods, limit):
            return "BackoffLimitExceeded", "Job has reached the specified backoff limit"
        left = _deadline_left(spec, status, now)
        if left is not None and left <= 0:
            return "DeadlineExceeded", "Job was active longer than specified deadline"
        return None

    def _manage(self, key: str, job: Obj, active_pods: list[Obj], succeeded: int,
                failed: int) -> tuple[int, float | None]:
        """Create or delete pods toward the wanted number of active ones: 1.20's
        `manageJob`. Returns how many are active now and when to look again (a back-off)."""
        spec = job.get("spec") or {}
        active = len(active_pods)
        parallelism = int(spec.get("parallelism", 1))
        if active > parallelism:
            for pod in deletion_order(active_pods)[:active - parallelism]:
                self._delete_pod(job, pod)
            return parallelism, None
        completions = spec.get("completions")
        if completions is None:
            # A work queue: once one pod succeeded, leave running what runs.
            want = active if succeeded > 0 else parallelism
        else:
            want = min(int(completions) - succeeded, parallelism)
        missing = want - active
        if missing <= 0:
            return active, None
        wait = self._backoff_left(key, failed)
        if wait > 0:
            return active, wait
        for _ in range(missing):
            if self._create_pod(job):
                active += 1
        return active, None

    def _backoff_left(self, key: str, failed: int) -> float:
        """Seconds before a failed pod may be replaced: none after the first failure, then
        10 s doubling per failure up to 6 minutes."""
        seen = self._failures_seen.get(key)
        if seen is None or failed < 2:
            return 0.0
        delay = min(BACKOFF_SECONDS * 2 ** (failed - 2), MAX_BACKOFF_SECONDS)
        return max(0.0, seen[1] + delay - self.clock.monotonic())

    # Writes ----------------------------------------------------------------------------------

    def _create_pod(self, job: Obj) -> bool:
        ns = job["metadata"]["namespace"]
        pod = new_pod(job, (job.get("spec") or {}).get("template") or {},
                      generate_name=f"{job['metadata']['name']}-")
        try:
            created = self.api.create(PODS, ns, pod)
        except ApiError as err:
            events.record(self.api, job, "Warning", "FailedCreate", f"Error creating: {err}",
                          component=COMPONENT)
            return False
        events.record(self.api, job, "Normal", "SuccessfulCreate",
                      f"Created pod: {created['metadata']['name']}", component=COMPONENT)
        return True

    def _delete_pod(self, job: Obj, pod: Obj) -> None:
        name = pod["metadata"]["name"]
        try:
            self.api.delete(PODS, pod["metadata"]["namespace"], name)
        except ApiError as err:
            if err.code != 404:
                events.record(self.api, job, "Warning", "FailedDelete", f"Error deleting: {err}",
                              component=COMPONENT)
            return
        events.record(self.api, job, "Normal", "SuccessfulDelete", f"Deleted pod: {name}",
                      component=COMPONENT)

    def _warn_too_many(self, job: Obj, spec: Obj, succeeded: int, active: int) -> None:
        completions = spec.get("completions")
        if completions is None:
            return
        if active > 0:
            events.record(self.api, job, "Warning", "TooManyActivePods",
                          "Too many active pods running after completion count reached",
                          component=COMPONENT)
        if succeeded > int(completions):
            events.record(self.api, job, "Warning", "TooManySucceededPods",
                          "Too many succeeded pods running after completion count reached",
                          component=COMPONENT)


def is_finished(job: Obj) -> bool:
    """Whether the Job has a Complete or Failed condition that is True."""
    return finished_type(job) is not None


def finished_type(job: Obj) -> str | None:
    """`Complete` or `Failed` once the Job has finished, else None."""
    for cond in (job.get("status") or {}).get("conditions") or []:
        if cond.get("type") in ("Complete", "Failed") and cond.get("status") == "True":
            return str(cond["type"])
    return None


def _complete(spec: Obj, succeeded: int, active: int) -> bool:
    completions = spec.get("completions")
    if completions is None:
        return succeeded > 0 and active == 0
    return succeeded >= int(completions)


def _past_backoff_on_failure(spec: Obj, pods: list[Obj], limit: int) -> bool:
    """OnFailure: the restarts of the pending and running pods' containers against the
    limit (`pastBackoffLimitOnFailure`)."""
    template_spec = (spec.get("template") or {}).get("spec") or {}
    if template_spec.get("restartPolicy") != "OnFailure":
        return False
    restarts = 0
    for pod in pods:
        if _phase(pod) not in ("Pending", "Running"):
            continue
        status = pod.get("status") or {}
        for container in [*(status.get("initContainerStatuses") or []),
                          *(status.get("containerStatuses") or [])]:
            restarts += int(container.get("restartCount") or 0)
    return restarts > 0 if limit == 0 else restarts >= limit


def _deadline_left(spec: Obj, status: Obj, now: datetime) -> float | None:
    """Seconds until activeDeadlineSeconds runs out (<= 0 once past), or None without one."""
    seconds = spec.get("activeDeadlineSeconds")
    started = parse_timestamp(status.get("startTime"))
    if seconds is None or started is None:
        return None
    return float(seconds) - (now - started).total_seconds()


def _condition(kind: str, now: datetime, reason: str = "", message: str = "") -> Obj:
    cond: Obj = {"type": kind, "status": "True", "lastProbeTime": now_stamp(now),
                 "lastTransitionTime": now_stamp(now)}
    if reason:
        cond["reason"] = reason
    if message:
        cond["message"] = message
    return cond


def _set_count(status: Obj, field: str, value: int) -> None:
    """Counts are omitted when zero, as JobStatus's omitempty fields are."""
    if value:
        status[field] = value
    else:
        status.pop(field, None)


def _phase(pod: Obj) -> str:
    return str((pod.get("status") or {}).get("phase") or "Pending")


_PHASE_RANK = {"Pending": 0, "Unknown": 1, "Running": 2}


def deletion_order(pods: list[Obj]) -> list[Obj]:
    """Pods least far along first (`controller.ActivePods`): unscheduled, pending, not
    ready, more restarts, then newer."""
    newest_first = sorted(pods, key=lambda p: str(p["metadata"].get("creationTimestamp") or ""),
                          reverse=True)
    return sorted(newest_first, key=lambda p: (
        bool((p.get("spec") or {}).get("nodeName")), _PHASE_RANK.get(_phase(p), 2),
        is_ready(p), -sum(int(c.get("restartCount") or 0)
                          for c in (p.get("status") or {}).get("containerStatuses") or [])))
