"""The scheduler: binds each pending pod to a node that can take it.

A node is filtered as kube-scheduler 1.20's default plugins do, in their order, the first
failing one giving the node's reason: NodeUnschedulable (a cordoned node, unless the pod
tolerates `node.kubernetes.io/unschedulable`), NodeResourcesFit (the pod's requests against
the node's allocatable minus what the pods bound to it and not finished request, and its pod
count), NodeAffinity (the nodeSelector and required node affinity) and TaintToleration
(NoSchedule and NoExecute taints). When no node passes, the pod stays Pending with a
FailedScheduling event worded like 1.20's
(`0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory.`).

A pod that did not fit is parked, as in the real scheduler's unschedulable queue: it is tried
again when something that could change the answer changes (the pod itself, apart from its
status; a node's labels, taints, schedulability, allocatable or condition statuses; what the
node's pods request, so a pod that finishes or is deleted frees room at once) or after a
minute, not on the scheduler's own status write or a node heartbeat. So the FailedScheduling
event counts real attempts, as `kubectl describe` shows them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from kubia_tutor.api import events
from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import ResourceType, resolve
from kubia_tutor.api.pod_resources import (
    Amounts,
    is_terminal,
    pod_requests_and_limits,
    resource_amounts,
    tolerates,
)
from kubia_tutor.api.server import ApiServer
from kubia_tutor.controllers.base import Controller, Obj, split_key
from kubia_tutor.controllers.node_affinity import matches_node

PODS = resolve("pods")
NODES = resolve("nodes")
PVCS = resolve("persistentvolumeclaims")
# kube-scheduler's unschedulableQTimeInterval: how long a parked pod waits without a change.
RETRY_UNSCHEDULABLE_SECONDS = 60.0
UNSCHEDULABLE_TAINT = {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}
# Resources NodeResourcesFit checks by name; anything else a pod requests is a scalar
# (extended or hugepages) resource, checked after these in name order.
_NAMED = ("cpu", "memory", "ephemeral-storage")


class Scheduler(Controller):
    """Binds pending pods to a node."""

    name = "scheduler"
    watches = ("pods", "nodes", "persistentvolumeclaims")

    def __init__(self, api: ApiServer) -> None:
        super().__init__(api)
        # Pods that did not fit: key -> (what the attempt saw, when it was made).
        self._parked: dict[str, tuple[str, float]] = {}

    def keys_for(self, rt: ResourceType, obj: Obj) -> Iterable[str]:
        if rt is PODS:
            if not (obj.get("spec") or {}).get("nodeName"):
                yield f"{obj['metadata']['namespace']}/{obj['metadata']['name']}"
            else:
                # A bound pod changed (finished, deleted, ...): parked pods may fit now. The
                # attempt compares what it sees, so a mere status write costs no attempt.
                yield from list(self._parked)
        elif rt is PVCS:  # a claim came or was bound: the namespace's pending pods may fit
            namespace = obj["metadata"].get("namespace")
            for pod in self.api.store.items(f"/registry/core/pods/{namespace}/"):
                if not (pod.get("spec") or {}).get("nodeName"):
                    yield f"{pod['metadata']['namespace']}/{pod['metadata']['name']}"
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
        usage = _node_usage(self.api.list(PODS)["items"])
        claims = self._claim_problem(pod)
        seen = _inputs(pod, nodes, usage) + claims
        parked = self._parked.get(key)
        if parked is not None and parked[0] == seen:
            wait = parked[1] + RETRY_UNSCHEDULABLE_SECONDS - self.clock.monotonic()
            if wait > 0:
                return wait
        fits, reasons = [], []
        for node in nodes:
            # VolumeBinding's PreFilter: a missing or unbound claim fits no node
            why = [claims] if claims else unfit_reasons(
                pod, node, *usage.get(node["metadata"]["name"], ({}, 0)))
            if why:
                reasons.extend(why)
            else:
                fits.append(node)
        if not fits:
            message = failed_message(len(nodes), reasons)
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

    def _claim_problem(self, pod: Obj) -> str:
        """Why the pod's PersistentVolumeClaims keep it off every node, or ''."""
        namespace = pod["metadata"]["namespace"]
        for volume in (pod.get("spec") or {}).get("volumes") or []:
            claim = (volume.get("persistentVolumeClaim") or {}).get("claimName")
            if not claim:
                continue
            try:
                found = self.api.get(PVCS, namespace, str(claim))
            except ApiError:
                return f'persistentvolumeclaim "{claim}" not found'
            if (found.get("status") or {}).get("phase") != "Bound":
                return "pod has unbound immediate PersistentVolumeClaims"
        return ""

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


def _node_usage(pods: list[Obj]) -> dict[str, tuple[Amounts, int]]:
    """node name -> (what its pods request, how many there are), counting the pods bound to
    it that have not finished (terminating ones still hold their share until they go)."""
    usage: dict[str, tuple[Amounts, int]] = {}
    for pod in pods:
        node = (pod.get("spec") or {}).get("nodeName")
        if not node or is_terminal(pod):
            continue
        requested, count = usage.get(node, ({}, 0))
        for name, quantity in pod_requests_and_limits(pod)[0].items():
            requested[name] = requested[name] + quantity if name in requested else quantity
        usage[node] = (requested, count + 1)
    return usage


def _inputs(pod: Obj, nodes: list[Obj], usage: Mapping[str, tuple[Amounts, int]]) -> str:
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
            "requested": _usage_text(usage.get(str(node["metadata"].get("name")))),
        } for node in nodes],
    }
    return json.dumps(seen, sort_keys=True)


def _usage_text(usage: tuple[Amounts, int] | None) -> list[str]:
    if usage is None:
        return []
    requested, count = usage
    return [str(count), *(f"{k}={v}" for k, v in sorted(requested.items()))]


def unfit_reasons(pod: Obj, node: Obj, requested: Amounts, pod_count: int) -> list[str]:
    """Why the pod does not fit the node, in the scheduler's words; empty when it fits.

    The filters run in kube-scheduler 1.20's order and the first that fails answers;
    NodeResourcesFit alone can give several reasons (cpu and memory)."""
    spec = pod.get("spec") or {}
    node_spec = node.get("spec") or {}
    if node_spec.get("unschedulable") and \
            not tolerates(spec.get("tolerations"), UNSCHEDULABLE_TAINT):
        return ["node(s) were unschedulable"]
    insufficient = _insufficient(pod, node, requested, pod_count)
    if insufficient:
        return insufficient
    if not matches_node(spec, node):  # nodeSelector and required node affinity
        return ["node(s) didn't match node selector"]
    for taint in node_spec.get("taints") or []:
        if not isinstance(taint, dict) or taint.get("effect") not in ("NoSchedule", "NoExecute"):
            continue
        if not tolerates(spec.get("tolerations"), taint):
            return [f"node(s) had taint {{{taint.get('key', '')}: {taint.get('value', '')}}}, "
                    "that the pod didn't tolerate"]
    return []


def _insufficient(pod: Obj, node: Obj, requested: Amounts, pod_count: int) -> list[str]:
    """NodeResourcesFit: `Too many pods`, then `Insufficient <resource>` for each resource
    whose allocatable is less than what is requested already plus what the pod requests."""
    status = node.get("status") or {}
    allocatable = resource_amounts(status.get("allocatable") or status.get("capacity"))
    out = []
    max_pods = allocatable.get("pods")
    if max_pods is not None and pod_count + 1 > max_pods.int_value():
        out.append("Too many pods")
    wants = pod_requests_and_limits(pod)[0]
    scalars = sorted(n for n in wants if n not in _NAMED and n != "pods")
    if not scalars and all(_units(wants, n) == 0 for n in _NAMED):
        return out
    for name in (*_NAMED, *scalars):
        if _units(allocatable, name) < _units(wants, name) + _units(requested, name):
            out.append(f"Insufficient {name}")
    return out


def _units(amounts: Amounts, name: str) -> int:
    """cpu in millicores, everything else in whole units, as the scheduler compares them."""
    q = amounts.get(name)
    if q is None:
        return 0
    return q.milli_value() if name == "cpu" else q.int_value()


def failed_message(total: int, reasons: list[str]) -> str:
    """`0/N nodes are available: <count> <reason>, ....` with the entries sorted as text."""
    counts: dict[str, int] = {}
    for reason in reasons:
        counts[reason] = counts.get(reason, 0) + 1
    parts = ", ".join(sorted(f"{n} {r}" for r, n in counts.items()))
    return f"0/{total} nodes are available: {parts}."
