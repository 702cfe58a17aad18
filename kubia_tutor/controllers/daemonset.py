"""The DaemonSet controller: one pod per node the template fits (Kubernetes 1.20's
`syncDaemonSet`: manage, rolling update, status).

Design note. Nodes are watched too, so labelling a node (`kubectl label node minikube
disk=ssd`) makes or removes its pod at once. As in 1.20 (ScheduleDaemonSetPods), the
controller decides which nodes should run a pod but does not bind it: the pod carries a
required node affinity on `metadata.name` and the default scheduler binds it, so `describe
pod` shows the scheduler's `Scheduled` event, and the pod tolerates the node conditions and
`unschedulable` taints a daemon must survive. Pods are labelled with the template's
`controller-revision-hash` (see `daemonset_history.py`) and `pod-template-generation`; an
update with the RollingUpdate strategy deletes old pods, at most maxUnavailable nodes without
an available pod at a time, and the next pass creates their replacements. OnDelete leaves
old pods until someone deletes them.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from kubia_tutor.api import events
from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import ResourceType, resolve
from kubia_tutor.api.pod_resources import tolerates
from kubia_tutor.api.server import ApiServer
from kubia_tutor.controllers import daemonset_history as history
from kubia_tutor.controllers.base import Controller, Obj, key_of, split_key
from kubia_tutor.controllers.node_affinity import matches_node, pin_to_node, pinned_node
from kubia_tutor.controllers.pod_template import (
    controller_ref,
    is_available,
    is_controlled_by,
    is_ready,
    is_terminating,
    new_pod,
    parse_timestamp,
)

DAEMONSETS = resolve("daemonsets")
PODS = resolve("pods")
NODES = resolve("nodes")
COMPONENT = "daemonset-controller"
GENERATION_ANNOTATION = "deprecated.daemonset.template.generation"
GENERATION_LABEL = "pod-template-generation"
# The tolerations every daemon pod gets (`AddOrUpdateDaemonPodTolerations`).
DAEMON_TOLERATIONS = (
    ("node.kubernetes.io/not-ready", "NoExecute"),
    ("node.kubernetes.io/unreachable", "NoExecute"),
    ("node.kubernetes.io/disk-pressure", "NoSchedule"),
    ("node.kubernetes.io/memory-pressure", "NoSchedule"),
    ("node.kubernetes.io/pid-pressure", "NoSchedule"),
    ("node.kubernetes.io/unschedulable", "NoSchedule"),
)
# failedPodsBackoff: 1 s doubling to 15 minutes before a failed daemon pod is replaced again.
FAILED_POD_BACKOFF = (1.0, 900.0)


class DaemonSetController(Controller):
    """Keeps one pod of each DaemonSet on every node that should run it."""

    name = "daemonset-controller"
    watches = ("daemonsets", "pods", "nodes")

    def __init__(self, api: ApiServer) -> None:
        super().__init__(api)
        # (daemonset key, node) -> (current back-off, when it may delete a failed pod again)
        self._failed_backoff: dict[tuple[str, str], tuple[float, float]] = {}

    def keys_for(self, rt: ResourceType, obj: Obj) -> Iterable[str]:
        if rt is DAEMONSETS:
            yield key_of(obj)
        elif rt is PODS:
            ref = controller_ref(obj)
            if ref is not None and ref.get("kind") == "DaemonSet" and ref.get("name"):
                yield f"{obj['metadata'].get('namespace')}/{ref['name']}"
        else:  # a node came, went or changed its labels or taints: every daemon set looks
            yield from self.all_keys()

    def reconcile(self, key: str) -> float | None:
        ns, name = split_key(key)
        try:
            ds = self.api.get(DAEMONSETS, ns, name)
        except ApiError:
            return None
        if ds["metadata"].get("deletionTimestamp"):
            return None
        nodes = self.api.list(NODES)["items"]
        hash_, old_revisions = history.current_revision(self.api, ds)
        generation = template_generation(ds)
        again = self._manage(key, ds, nodes, hash_, generation)
        strategy = (ds.get("spec") or {}).get("updateStrategy") or {}
        if strategy.get("type", "RollingUpdate") == "RollingUpdate":
            self._rolling_update(ds, nodes, hash_, generation)
        pods = self._pods(ds)
        live = {str((p["metadata"].get("labels") or {}).get(history.HASH_LABEL))
                for p in pods}
        history.cleanup(self.api, ds, old_revisions, live)
        ready_wait = self._update_status(ds, nodes, pods, hash_, generation)
        waits = [w for w in (again, ready_wait) if w is not None]
        return min(waits) if waits else None

    # Which pods go where ---------------------------------------------------------------------

    def _pods(self, ds: Obj) -> list[Obj]:
        ns = ds["metadata"]["namespace"]
        return [p for p in self.api.list(PODS, ns)["items"] if is_controlled_by(p, ds)]

    def _manage(self, key: str, ds: Obj, nodes: list[Obj], hash_: str,
                generation: int | None) -> float | None:
        """Create the pods nodes lack; delete those on nodes that should not run one,
        failed ones (with a back-off), duplicates and those pinned to vanished nodes."""
        by_node = _pods_by_node(self._pods(ds))
        to_create: list[str] = []
        to_delete: list[Obj] = []
        again: float | None = None
        for node in nodes:
            node_name = node["metadata"]["name"]
            should_run, should_continue = should_run_on(ds, node)
            pods = by_node.pop(node_name, [])
            if should_run and not pods:
                to_create.append(node_name)
            elif should_continue:
                running = []
                for pod in pods:
                    if is_terminating(pod):
                        continue
                    if (pod.get("status") or {}).get("phase") == "Failed":
                        wait = self._failed_pod_wait(key, node_name)
                        if wait > 0:
                            again = wait if again is None else min(again, wait)
                            continue
                        self._event(ds, "Warning", "FailedDaemonPod",
                                    f"Found failed daemon pod {pod['metadata']['namespace']}/"
                                    f"{pod['metadata']['name']} on node {node_name}, will try "
                                    "to kill it")
                        to_delete.append(pod)
                    else:
                        running.append(pod)
                to_delete.extend(_oldest_first(running)[1:])
            else:
                to_delete.extend(p for p in pods if not is_terminating(p))
        for pods in by_node.values():  # pinned to nodes that no longer exist
            to_delete.extend(p for p in pods if not is_terminating(p))
        for pod in to_delete:
            self._delete_pod(ds, pod)
        for node_name in to_create:
            self._create_pod(ds, node_name, hash_, generation)
        return again

    def _failed_pod_wait(self, key: str, node: str) -> float:
        """0 when a failed pod on the node may be deleted now (starting the next back-off),
        else the seconds left."""
        now = self.clock.monotonic()
        backoff, until = self._failed_backoff.get((key, node), (0.0, 0.0))
        if now < until:
            return until - now
        first, cap = FAILED_POD_BACKOFF
        backoff = first if backoff == 0 else min(backoff * 2, cap)
        self._failed_backoff[(key, node)] = (backoff, now + backoff)
        return 0.0

    def _rolling_update(self, ds: Obj, nodes: list[Obj], hash_: str,
                        generation: int | None) -> None:
        """Delete old pods: unavailable ones at once, available ones while fewer than
        maxUnavailable nodes lack an available pod."""
        pods = self._pods(ds)
        by_node = _pods_by_node(pods)
        now = self.clock.now()
        min_ready = int((ds.get("spec") or {}).get("minReadySeconds") or 0)
        desired, unavailable = 0, 0
        for node in nodes:
            if not should_run_on(ds, node)[0]:
                continue
            desired += 1
            mine = by_node.get(node["metadata"]["name"], [])
            if not any(not is_terminating(p) and is_available(p, min_ready, now) for p in mine):
                unavailable += 1
        max_unavailable = _max_unavailable(ds, desired)
        old = [p for p in pods
               if not is_terminating(p) and not is_updated(p, hash_, generation)]
        for pod in old:
            if not is_available(pod, min_ready, now):
                self._delete_pod(ds, pod)
        for pod in old:
            if is_available(pod, min_ready, now):
                if unavailable >= max_unavailable:
                    break
                self._delete_pod(ds, pod)
                unavailable += 1

    # Status ----------------------------------------------------------------------------------

    def _update_status(self, ds: Obj, nodes: list[Obj], pods: list[Obj], hash_: str,
                       generation: int | None) -> float | None:
        """Write the counts `get ds` and `rollout status` read; return when a ready pod
        becomes available (minReadySeconds), if that is still to come."""
        by_node = _pods_by_node(pods)
        now = self.clock.now()
        min_ready = int((ds.get("spec") or {}).get("minReadySeconds") or 0)
        counts = dict.fromkeys(("desired", "current", "ready", "available", "updated",
                                "misscheduled"), 0)
        again: float | None = None
        for node in nodes:
            scheduled = by_node.get(node["metadata"]["name"], [])
            if not should_run_on(ds, node)[0]:
                counts["misscheduled"] += 1 if scheduled else 0
                continue
            counts["desired"] += 1
            if not scheduled:
                continue
            counts["current"] += 1
            pod = _oldest_first(scheduled)[0]
            if is_ready(pod):
                counts["ready"] += 1
                if is_available(pod, min_ready, now):
                    counts["available"] += 1
                else:
                    wait = _available_in(pod, min_ready, now)
                    again = wait if again is None else min(again, wait)
            if is_updated(pod, hash_, generation):
                counts["updated"] += 1
        status = copy.deepcopy(ds.get("status") or {})
        status.update({
            "currentNumberScheduled": counts["current"],
            "numberMisscheduled": counts["misscheduled"],
            "desiredNumberScheduled": counts["desired"],
            "numberReady": counts["ready"],
            "observedGeneration": ds["metadata"].get("generation", 1),
        })
        for field, value in (("updatedNumberScheduled", counts["updated"]),
                             ("numberAvailable", counts["available"]),
                             ("numberUnavailable", counts["desired"] - counts["available"])):
            if value:
                status[field] = value
            else:
                status.pop(field, None)  # omitempty in DaemonSetStatus
        if status != ds.get("status"):
            meta = ds["metadata"]
            self.api.update(DAEMONSETS, meta["namespace"], meta["name"], {**ds, "status": status},
                            subresource="status")
        return again

    # Writes ----------------------------------------------------------------------------------

    def _create_pod(self, ds: Obj, node: str, hash_: str, generation: int | None) -> None:
        labels = {history.HASH_LABEL: hash_}
        if generation is not None:
            labels[GENERATION_LABEL] = str(generation)
        pod = new_pod(ds, (ds.get("spec") or {}).get("template") or {},
                      generate_name=f"{ds['metadata']['name']}-", labels=labels)
        spec = pod["spec"]
        spec["tolerations"] = daemon_tolerations(spec)
        spec["affinity"] = pin_to_node(spec.get("affinity"), node)
        try:
            created = self.api.create(PODS, ds["metadata"]["namespace"], pod)
        except ApiError as err:
            self._event(ds, "Warning", "FailedCreate", f"Error creating: {err}")
            return
        self._event(ds, "Normal", "SuccessfulCreate",
                    f"Created pod: {created['metadata']['name']}")

    def _delete_pod(self, ds: Obj, pod: Obj) -> None:
        name = pod["metadata"]["name"]
        try:
            self.api.delete(PODS, pod["metadata"]["namespace"], name)
        except ApiError as err:
            if err.code != 404:
                self._event(ds, "Warning", "FailedDelete", f"Error deleting: {err}")
            return
        self._event(ds, "Normal", "SuccessfulDelete", f"Deleted pod: {name}")

    def _event(self, ds: Obj, kind: str, reason: str, message: str) -> None:
        events.record(self.api, ds, kind, reason, message, component=COMPONENT)


# Rules -----------------------------------------------------------------------------------


def template_generation(ds: Obj) -> int | None:
    """The template generation the API server keeps in an annotation; metadata.generation
    stands in when the annotation is missing."""
    meta = ds.get("metadata") or {}
    value = (meta.get("annotations") or {}).get(GENERATION_ANNOTATION)
    try:
        return int(value) if value is not None else int(meta.get("generation", 1))
    except (TypeError, ValueError):
        return None


def is_updated(pod: Obj, hash_: str, generation: int | None) -> bool:
    """The pod runs the current template: its hash or its template generation matches."""
    labels = (pod.get("metadata") or {}).get("labels") or {}
    if hash_ and labels.get(history.HASH_LABEL) == hash_:
        return True
    return generation is not None and labels.get(GENERATION_LABEL) == str(generation)


def daemon_tolerations(spec: Obj) -> list[Obj]:
    """The pod's tolerations plus the daemon ones it lacks (hostNetwork pods also tolerate
    an unavailable network)."""
    out = [dict(t) for t in spec.get("tolerations") or []]
    wanted = list(DAEMON_TOLERATIONS)
    if spec.get("hostNetwork"):
        wanted.append(("node.kubernetes.io/network-unavailable", "NoSchedule"))
    for key, effect in wanted:
        out = [t for t in out if not (t.get("key") == key and t.get("effect") == effect)]
        out.append({"key": key, "operator": "Exists", "effect": effect})
    return out


def should_run_on(ds: Obj, node: Obj) -> tuple[bool, bool]:
    """(should run, should keep running) for the node: `nodeShouldRunDaemonPod`."""
    spec = ((ds.get("spec") or {}).get("template") or {}).get("spec") or {}
    node_name = node["metadata"]["name"]
    if spec.get("nodeName") and spec["nodeName"] != node_name:
        return False, False
    if not matches_node(spec, node):
        return False, False
    tolerations = daemon_tolerations(spec)
    taints = [t for t in (node.get("spec") or {}).get("taints") or [] if isinstance(t, dict)]
    if any(t.get("effect") in ("NoSchedule", "NoExecute") and not tolerates(tolerations, t)
           for t in taints):
        keep = not any(t.get("effect") == "NoExecute" and not tolerates(tolerations, t)
                       for t in taints)
        return False, keep
    return True, True


def _pods_by_node(pods: list[Obj]) -> dict[str, list[Obj]]:
    by_node: dict[str, list[Obj]] = {}
    for pod in pods:
        by_node.setdefault(pinned_node(pod), []).append(pod)
    return by_node


def _oldest_first(pods: list[Obj]) -> list[Obj]:
    """Scheduled pods first, then by creation time and name (`podByCreationTimestamp...`)."""
    return sorted(pods, key=lambda p: (not (p.get("spec") or {}).get("nodeName"),
                                       str(p["metadata"].get("creationTimestamp") or ""),
                                       p["metadata"]["name"]))


def _max_unavailable(ds: Obj, desired: int) -> int:
    """rollingUpdate.maxUnavailable as a number of nodes (a percentage rounds up)."""
    update = ((ds.get("spec") or {}).get("updateStrategy") or {}).get("rollingUpdate") or {}
    value: Any = update.get("maxUnavailable", 1)
    if isinstance(value, str) and value.endswith("%"):
        try:
            return -(-int(value[:-1]) * desired // 100)
        except ValueError:
            return 1
    try:
        return int(value)
    except (TypeError, ValueError):
        return 1


def _available_in(pod: Obj, min_ready: int, now: Any) -> float:
    for cond in (pod.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            since = parse_timestamp(cond.get("lastTransitionTime"))
            if since is not None:
                return max(0.0, min_ready - (now - since).total_seconds()) + 0.5
    return 1.0
