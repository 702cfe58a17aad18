"""The scheduler: binds each pending pod to the node.

This is the first cut: one node, so a pod with no nodeName is bound to it when the node is
Ready and schedulable and the pod's nodeSelector matches the node's labels; otherwise it stays
Pending with a FailedScheduling event worded like Kubernetes'. Resource requests come later.

A pod that did not fit is parked, as in the real scheduler's unschedulable queue: it is tried
again when something that could change the answer changes (the pod itself, apart from its
status; a node's labels, taints, schedulability, allocatable or condition statuses) or after
a minute, not on the scheduler's own status write or a node heartbeat. So the
FailedScheduling event counts real attempts, as `kubectl describe` shows them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from kubia_tutor.api import events
from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import ResourceType, resolve
from kubia_tutor.api.server import ApiServer
from kubia_tutor.controllers.base import Controller, Obj, split_key

PODS = resolve("pods")
NODES = resolve("nodes")
# kube-scheduler's unschedulableQTimeInterval: how long a parked pod waits without a change.
RETRY_UNSCHEDULABLE_SECONDS = 60.0


class Scheduler(Controller):
    """Binds pending pods to a node."""

    name = "scheduler"
    watches = ("pods", "nodes")

    def __init__(self, api: ApiServer) -> None:
        super().__init__(api)
        # Pods that did not fit: key -> (what the attempt saw, when it was made).
        self._parked: dict[str, tuple[str, float]] = {}

    def keys_for(self, rt: ResourceType, obj: Obj) -> Iterable[str]:
        if rt is PODS:
            if not (obj.get("spec") or {}).get("nodeName"):
                yield f"{obj['metadata']['namespace']}/{obj['metadata']['name']}"
        else:  # a node changed: pending pods may fit now
            for pod in self.api.store.items("/registry/core/pods/"):
                if not (pod.get("spec") or {}).get("nodeName"):
                    yield f"{pod['metadata']['namespace']}/{pod['metadata']['name']}"

    def reconcile(self, key: str) -> float | None:
        ns, name = split_key(key)
        try:
            pod = self.api.get(PODS, ns, name)
        except ApiError:
            self._parked.pop(key, None)
            return None
        spec = pod.get("spec") or {}
        if spec.get("nodeName") or pod["metadata"].get("deletionTimestamp"):
            self._parked.pop(key, None)
            return None
        if spec.get("schedulerName", "default-scheduler") != "default-scheduler":
            return None
        nodes = self.api.list(NODES)["items"]
        seen = _inputs(pod, nodes)
        parked = self._parked.get(key)
        if parked is not None and parked[0] == seen:
            wait = parked[1] + RETRY_UNSCHEDULABLE_SECONDS - self.clock.monotonic()
            if wait > 0:
                return wait
        fits, reasons = [], []
        for node in nodes:
            reason = _unfit(pod, node)
            if reason:
                reasons.append(reason)
            else:
                fits.append(node)
        if not fits:
            message = _failed_message(len(nodes), reasons)
            self._parked[key] = (seen, self.clock.monotonic())
            self._set_unschedulable(pod, message)
            events.record(self.api, pod, "Warning", "FailedScheduling", message,
                          component="default-scheduler")
            return RETRY_UNSCHEDULABLE_SECONDS
        self._parked.pop(key, None)
        node = fits[0]["metadata"]["name"]
        # The event goes first: once bound, the kubelet starts at once and its Pulling/Created
        # events must not overtake Scheduled in the pod's event list.
        events.record(self.api, pod, "Normal", "Scheduled",
                      f"Successfully assigned {ns}/{name} to {node}",
                      component="default-scheduler")
        self.api.update(PODS, ns, name, {**pod, "spec": {**spec, "nodeName": node}},
                        subresource="binding")
        return None

    def _set_unschedulable(self, pod: Obj, message: str) -> None:
        status = dict(pod.get("status") or {})
        status["phase"] = "Pending"
        status["conditions"] = [{
            "type": "PodScheduled", "status": "False", "lastProbeTime": None,
            "lastTransitionTime": self.api.now(), "reason": "Unschedulable",
            "message": message,
        }]
        if status != pod.get("status"):
            pod = {**pod, "status": status}
            self.api.update(PODS, pod["metadata"]["namespace"], pod["metadata"]["name"], pod,
                            subresource="status")


def _inputs(pod: Obj, nodes: list[Obj]) -> str:
    """What a scheduling attempt depends on, as one comparable string.

    Leaves out the pod's status and resourceVersion and the nodes' heartbeat times, which
    change without changing where the pod fits (kube-scheduler ignores those updates too).
    """
    meta = pod.get("metadata") or {}
    seen = {
        "pod": {"labels": meta.get("labels"), "annotations": meta.get("annotations"),
                "spec": pod.get("spec")},
        "nodes": [{
            "name": node["metadata"].get("name"),
            "labels": node["metadata"].get("labels"),
            "unschedulable": (node.get("spec") or {}).get("unschedulable"),
            "taints": (node.get("spec") or {}).get("taints"),
            "allocatable": (node.get("status") or {}).get("allocatable"),
            "conditions": sorted((str(c.get("type")), str(c.get("status")))
                                 for c in (node.get("status") or {}).get("conditions") or []),
        } for node in nodes],
    }
    return json.dumps(seen, sort_keys=True)


def _unfit(pod: Obj, node: Obj) -> str:
    """Why the pod does not fit the node, in the scheduler's words; empty when it fits."""
    spec = pod.get("spec") or {}
    labels = node["metadata"].get("labels") or {}
    if (node.get("spec") or {}).get("unschedulable"):
        return "node(s) were unschedulable"
    selector = spec.get("nodeSelector") or {}
    if any(labels.get(k) != v for k, v in selector.items()):
        return "node(s) didn't match node selector"
    return ""


def _failed_message(total: int, reasons: list[str]) -> str:
    counts: dict[str, int] = {}
    for reason in reasons:
        counts[reason] = counts.get(reason, 0) + 1
    parts = ", ".join(f"{n} {r}" for r, n in sorted(counts.items()))
    return f"0/{total} nodes are available: {parts}."
