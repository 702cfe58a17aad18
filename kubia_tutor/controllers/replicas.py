"""What ReplicationControllers and ReplicaSets share: keep N pods matching a selector.

Design note. Kubernetes runs one `ReplicaSetController` for both kinds (the RC is converted to a
ReplicaSet on the way in); here a base class holds the loop and the two kinds only say how to
read their selector and which component name their events carry. A reconcile claims pods first
(`ControllerRefManager.ClaimPods`: keep the owned pods that still match, release the owned ones
that stopped matching, adopt matching orphans), then creates or deletes pods to reach
`spec.replicas`, counting only active pods (a terminating pod is already on its way out), then
writes the status. Kubernetes needs "expectations" because it reads from an informer cache that
lags its own writes; we read the store itself, so a pod created a moment ago is always counted.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from kubia_tutor.api import events
from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import ResourceType, resolve
from kubia_tutor.api.selectors import LabelSelector, selector_from_map
from kubia_tutor.api.server import object_key
from kubia_tutor.controllers.base import Controller, Obj, key_of, split_key
from kubia_tutor.controllers.claims import claim
from kubia_tutor.controllers.pod_template import (
    controller_ref,
    is_active,
    is_available,
    is_ready,
    is_terminating,
    new_pod,
    parse_timestamp,
)

PODS = resolve("pods")
# The ReplicaFailure condition's reason when a pod could not be created (a quota, a limit).
FAILED_CREATE = "FailedCreate"


class ReplicaController(Controller):
    """Keeps `spec.replicas` active pods matching the owner's selector. Subclasses set `name`,
    `watches` (their own type, then pods), `kind` and `component`, and say how to read the
    selector."""

    kind = ""
    component = ""

    def selector(self, owner: Obj) -> LabelSelector:
        """The pods this owner manages."""
        raise NotImplementedError

    # Keys ------------------------------------------------------------------------------------

    def keys_for(self, rt: ResourceType, obj: Obj) -> Iterable[str]:
        if rt is not PODS:
            yield key_of(obj)
            return
        ns = obj["metadata"].get("namespace")
        ref = controller_ref(obj)
        if ref is not None:
            if ref.get("kind") == self.kind:
                yield f"{ns}/{ref.get('name')}"
            return
        if is_terminating(obj):
            return
        labels = obj["metadata"].get("labels") or {}
        for owner in self.api.store.items(object_key(self._types[0], ns)):
            if self._selects(owner, labels):
                yield key_of(owner)

    def _selects(self, owner: Obj, labels: dict[str, str]) -> bool:
        try:
            return self.selector(owner).matches(labels)
        except ApiError:  # a selector the server let through but cannot be read: no pods
            return False

    # Reconcile -------------------------------------------------------------------------------

    def reconcile(self, key: str) -> float | None:
        ns, name = split_key(key)
        owner = self.api.store.get(object_key(self._types[0], ns, name))
        if owner is None:
            return None  # the garbage collector removes the pods it owned
        try:
            selector = self.selector(owner)
        except ApiError:
            return None
        pods = self._active_pods(owner, selector)
        failure = ""
        if not owner["metadata"].get("deletionTimestamp"):
            failure = self._manage(owner, pods)
            pods = self._active_pods(owner, selector)
        return self._write_status(owner, pods, failure)

    def _active_pods(self, owner: Obj, selector: LabelSelector) -> list[Obj]:
        """The active pods the owner controls, after adoption and release."""
        pods = self.api.store.items(object_key(PODS, owner["metadata"].get("namespace")))
        return [p for p in claim(self.api, PODS, owner, selector, pods) if is_active(p)]

    def _manage(self, owner: Obj, pods: list[Obj]) -> str:
        """Create or delete pods to reach spec.replicas; returns why a create failed, if one
        did."""
        want = int((owner.get("spec") or {}).get("replicas", 1) or 0)
        diff = len(pods) - want
        if diff < 0:
            template = (owner.get("spec") or {}).get("template") or {}
            for _ in range(-diff):
                pod = new_pod(owner, template, generate_name=f"{owner['metadata']['name']}-")
                try:
                    created = self.api.create(PODS, owner["metadata"].get("namespace"), pod)
                except ApiError as err:
                    events.record(self.api, owner, "Warning", FAILED_CREATE,
                                  f"Error creating: {err.message}", component=self.component)
                    return err.message
                events.record(self.api, owner, "Normal", "SuccessfulCreate",
                              f"Created pod: {created['metadata']['name']}",
                              component=self.component)
        elif diff > 0:
            for pod in sorted(pods, key=deletion_rank)[:diff]:
                meta = pod["metadata"]
                try:
                    self.api.delete(PODS, meta.get("namespace"), meta["name"])
                except ApiError as err:
                    if err.code != 404:
                        raise
                    continue
                events.record(self.api, owner, "Normal", "SuccessfulDelete",
                              f"Deleted pod: {meta['name']}", component=self.component)
        return ""

    def _write_status(self, owner: Obj, pods: list[Obj], failure: str) -> float | None:
        """Write the counts; returns when to look again for a pod to become available."""
        spec = owner.get("spec") or {}
        min_ready = int(spec.get("minReadySeconds") or 0)
        now = self.clock.now()
        template_labels = selector_from_map(
            ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {})
        status = replica_status(owner, pods, template_labels, min_ready, now)
        conditions = [c for c in (owner.get("status") or {}).get("conditions") or []
                      if c.get("type") != "ReplicaFailure"]
        old_failure = next((c for c in (owner.get("status") or {}).get("conditions") or []
                            if c.get("type") == "ReplicaFailure"), None)
        if failure:
            conditions.append(old_failure or {
                "type": "ReplicaFailure", "status": "True", "lastTransitionTime": self.api.now(),
                "reason": FAILED_CREATE, "message": failure})
        if conditions:
            status["conditions"] = conditions
        if status != (owner.get("status") or {}):
            new = copy.deepcopy(owner)
            new["status"] = status
            meta = owner["metadata"]
            try:
                self.api.update(self._types[0], meta.get("namespace"), meta["name"], new,
                                subresource="status")
            except ApiError as err:
                if err.code != 404:
                    raise
        if failure:
            return 10.0  # try the create again, as the rate-limited queue does
        return _next_available(pods, min_ready, now)


def replica_status(owner: Obj, pods: list[Obj], template_labels: LabelSelector,
                   min_ready: int, now: datetime) -> Obj:
    """The status fields Kubernetes computes (`calculateStatus`), zero counts left out as Go's
    omitempty leaves them out (`replicas` is always there)."""
    status: Obj = {"replicas": len(pods)}
    counts = {
        "fullyLabeledReplicas": sum(
            1 for p in pods if template_labels.matches(p["metadata"].get("labels") or {})),
        "readyReplicas": sum(1 for p in pods if is_ready(p)),
        "availableReplicas": sum(1 for p in pods if is_available(p, min_ready, now)),
        "observedGeneration": int(owner["metadata"].get("generation") or 0),
    }
    status.update({k: v for k, v in counts.items() if v})
    return status


def _next_available(pods: list[Obj], min_ready: int, now: datetime) -> float | None:
    """Seconds until the next ready pod has been ready for minReadySeconds."""
    if min_ready <= 0:
        return None
    waits = []
    for pod in pods:
        if is_ready(pod) and not is_available(pod, min_ready, now):
            since = _ready_since(pod)
            if since is not None:
                waits.append(max(0.1, min_ready - (now - since).total_seconds()))
    return min(waits) if waits else None


def _ready_since(pod: Obj) -> datetime | None:
    for cond in (pod.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            return parse_timestamp(cond.get("lastTransitionTime"))
    return None


_PHASE_RANK = {"Pending": 0, "Unknown": 1, "Running": 2}


def deletion_rank(pod: Obj) -> tuple[Any, ...]:
    """Sort key putting the pods to delete first, as Kubernetes' `ActivePods` orders them:
    unscheduled before scheduled, Pending before Unknown before Running, not ready before
    ready, ready for less time before longer, more restarts before fewer, newer before
    older."""
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    ready = is_ready(pod)
    since = _ready_since(pod) if ready else None
    restarts = max((int(c.get("restartCount") or 0)
                    for c in status.get("containerStatuses") or []), default=0)
    created = str(pod["metadata"].get("creationTimestamp") or "")
    return (
        bool(spec.get("nodeName")),
        _PHASE_RANK.get(str(status.get("phase") or "Pending"), 0),
        ready,
        -(since.timestamp() if since else 0.0),
        -restarts,
        _Desc(created),
    )


class _Desc:
    """Orders strings backwards, so the newest creation time sorts first."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __lt__(self, other: _Desc) -> bool:
        return self.text > other.text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Desc) and self.text == other.text

    def __hash__(self) -> int:
        return hash(self.text)
