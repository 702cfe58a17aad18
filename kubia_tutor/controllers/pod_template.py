"""What every workload controller needs about pods: making one from a template, owner
references, and whether a pod counts as active, ready or available.

Design note. Kubernetes' controllers share these rules (`controller.GetPodFromTemplate`,
`IsPodActive`, `IsPodReady`, `IsPodAvailable`, `metav1.NewControllerRef`); keeping them in one
module keeps ReplicaSets, Jobs, DaemonSets and StatefulSets counting pods the same way.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from kubia_tutor.clock import parse_timestamp, timestamp

Obj = dict[str, Any]


def owner_reference(owner: Obj, *, controller: bool = True) -> Obj:
    """A controller reference to `owner`, as `metav1.NewControllerRef` makes it."""
    meta = owner["metadata"]
    return {"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": meta["name"],
            "uid": meta["uid"], "controller": controller, "blockOwnerDeletion": True}


def controller_ref(obj: Obj) -> Obj | None:
    """The owner reference with controller: true, if any."""
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("controller"):
            return dict(ref)
    return None


def is_controlled_by(obj: Obj, owner: Obj) -> bool:
    """Whether `owner` is `obj`'s controller (by uid)."""
    ref = controller_ref(obj)
    return ref is not None and ref.get("uid") == owner["metadata"].get("uid")


def new_pod(owner: Obj, template: Obj, *, name: str = "", generate_name: str = "",
            labels: dict[str, str] | None = None) -> Obj:
    """A pod from a pod template, controlled by `owner`: the template's labels, annotations
    and spec, with the given name or generateName (`<owner>-` by default), extra labels
    merged in (a pod-template-hash, a StatefulSet's pod name label...)."""
    template = template or {}
    meta = template.get("metadata") or {}
    pod_labels = dict(meta.get("labels") or {})
    pod_labels.update(labels or {})
    metadata: Obj = {"labels": pod_labels,
                     "ownerReferences": [owner_reference(owner)]}
    if meta.get("annotations"):
        metadata["annotations"] = dict(meta["annotations"])
    if owner["metadata"].get("namespace"):
        metadata["namespace"] = owner["metadata"]["namespace"]
    if name:
        metadata["name"] = name
    else:
        metadata["generateName"] = generate_name or f"{owner['metadata']['name']}-"
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata,
            "spec": copy.deepcopy(template.get("spec") or {})}


def is_terminating(pod: Obj) -> bool:
    return bool((pod.get("metadata") or {}).get("deletionTimestamp"))


def is_active(pod: Obj) -> bool:
    """Neither finished (Succeeded/Failed) nor being deleted: `controller.IsPodActive`."""
    phase = (pod.get("status") or {}).get("phase")
    return phase not in ("Succeeded", "Failed") and not is_terminating(pod)


def _ready_condition(pod: Obj) -> Obj | None:
    for cond in (pod.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            return dict(cond)
    return None


def is_ready(pod: Obj) -> bool:
    """The pod's Ready condition is True."""
    cond = _ready_condition(pod)
    return cond is not None and cond.get("status") == "True"


def is_available(pod: Obj, min_ready_seconds: int, now: datetime) -> bool:
    """Ready for at least minReadySeconds: `podutil.IsPodAvailable`."""
    cond = _ready_condition(pod)
    if cond is None or cond.get("status") != "True":
        return False
    if min_ready_seconds <= 0:
        return True
    since = parse_timestamp(cond.get("lastTransitionTime"))
    return since is not None and (now - since).total_seconds() >= min_ready_seconds


def now_stamp(when: datetime) -> str:
    """RFC 3339 at second precision, as conditions and status times are written."""
    return timestamp(when)


__all__ = [
    "controller_ref",
    "is_active",
    "is_available",
    "is_controlled_by",
    "is_ready",
    "is_terminating",
    "new_pod",
    "now_stamp",
    "owner_reference",
    "parse_timestamp",
]
