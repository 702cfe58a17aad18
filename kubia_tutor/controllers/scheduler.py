"""The scheduler: binds each pending pod to the node.

This is the first cut: one node, so a pod with no nodeName is bound to it when the node is
Ready and schedulable and the pod's nodeSelector matches the node's labels; otherwise it stays
Pending with a FailedScheduling event worded like Kubernetes'. Resource requests come later.
"""

from __future__ import annotations

from collections.abc import Iterable

from kubia_tutor.api import events
from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import ResourceType, resolve
from kubia_tutor.controllers.base import Controller, Obj, split_key

PODS = resolve("pods")
NODES = resolve("nodes")


class Scheduler(Controller):
    """Binds pending pods to a node."""

    name = "scheduler"
    watches = ("pods", "nodes")

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
            return None
        spec = pod.get("spec") or {}
        if spec.get("nodeName") or pod["metadata"].get("deletionTimestamp"):
            return None
        if spec.get("schedulerName", "default-scheduler") != "default-scheduler":
            return None
        nodes = self.api.list(NODES)["items"]
        fits, reasons = [], []
        for node in nodes:
            reason = _unfit(pod, node)
            if reason:
                reasons.append(reason)
            else:
                fits.append(node)
        if not fits:
            message = _failed_message(len(nodes), reasons)
            self._set_unschedulable(pod, message)
            events.record(self.api, pod, "Warning", "FailedScheduling", message,
                          component="default-scheduler")
            return None
        node = fits[0]["metadata"]["name"]
        self.api.update(PODS, ns, name, {**pod, "spec": {**spec, "nodeName": node}},
                        subresource="binding")
        events.record(self.api, pod, "Normal", "Scheduled",
                      f"Successfully assigned {ns}/{name} to {node}",
                      component="default-scheduler")
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
