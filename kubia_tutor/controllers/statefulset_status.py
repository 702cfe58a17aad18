"""A StatefulSet's status counted from its pods, as Kubernetes 1.20 counts it.

`replicas` counts every pod the set has (terminating ones too), `readyReplicas` the Running
and Ready ones, `currentReplicas`/`updatedReplicas` the live pods at the current and update
revisions. A rolling update is complete (the update revision becomes the current one) once
every pod is updated and ready; with OnDelete the current revision stays where it was.
Zero counts are left out, as the API's omitempty fields are.
"""

from __future__ import annotations

from typing import Any

from kubia_tutor.controllers.pod_template import is_ready, is_terminating
from kubia_tutor.controllers.statefulset_pods import pod_revision

Obj = dict[str, Any]


def compute_status(sts: Obj, pods: list[Obj], current: Obj, update: Obj,
                   collisions: int) -> Obj:
    """The status to write for the set, given its pods and revisions."""
    current_name = current["metadata"]["name"]
    update_name = update["metadata"]["name"]
    ready = current_count = updated = 0
    for pod in pods:
        phase = (pod.get("status") or {}).get("phase")
        if phase == "Running" and is_ready(pod):
            ready += 1
        if phase and not is_terminating(pod):
            current_count += pod_revision(pod) == current_name
            updated += pod_revision(pod) == update_name
    strategy = ((sts.get("spec") or {}).get("updateStrategy") or {}).get("type")
    if strategy == "RollingUpdate" and updated == len(pods) and ready == len(pods):
        current_count, current_name = updated, update_name
    status: Obj = {"observedGeneration": sts["metadata"].get("generation"),
                   "replicas": len(pods)}
    for field, value in (("readyReplicas", ready), ("currentReplicas", current_count),
                         ("updatedReplicas", updated)):
        if value:
            status[field] = value
    status.update({"currentRevision": current_name, "updateRevision": update_name,
                   "collisionCount": collisions})
    if status["observedGeneration"] is None:
        del status["observedGeneration"]
    return status
