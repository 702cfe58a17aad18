"""A Deployment's status: its counts and its Available and Progressing conditions, worded as
Kubernetes words them.

Design note. Progress is measured by `Progressing.lastUpdateTime`: each time the rollout moves
(more updated, ready or available pods, fewer old ones) the condition is written again with a
fresh lastUpdateTime; when it has not moved for progressDeadlineSeconds the condition turns
False with ProgressDeadlineExceeded. Pure functions; `now` is the controller's clock.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

from kubia_tutor.clock import parse_timestamp, timestamp
from kubia_tutor.controllers.deployment_rollout import (
    max_unavailable,
    replicas_of,
    status_count,
    total_spec,
    total_status,
)

Obj = dict[str, Any]

NEW_RS_CREATED = "NewReplicaSetCreated"
FOUND_NEW_RS = "FoundNewReplicaSet"
RS_UPDATED = "ReplicaSetUpdated"
NEW_RS_AVAILABLE = "NewReplicaSetAvailable"
TIMED_OUT = "ProgressDeadlineExceeded"
PAUSED = "DeploymentPaused"
RESUMED = "DeploymentResumed"


def condition(status: Obj, kind: str) -> Obj | None:
    for cond in status.get("conditions") or []:
        if cond.get("type") == kind:
            return dict(cond)
    return None


def new_condition(kind: str, state: str, reason: str, message: str, now: datetime) -> Obj:
    stamp = timestamp(now)
    return {"type": kind, "status": state, "lastUpdateTime": stamp,
            "lastTransitionTime": stamp, "reason": reason, "message": message}


def set_condition(status: Obj, cond: Obj) -> None:
    """`SetDeploymentCondition`: nothing when status and reason are unchanged; the transition
    time kept when only the reason changes; the condition moves to the end of the list."""
    current = condition(status, cond["type"])
    if current is not None and current.get("status") == cond["status"] and \
            current.get("reason") == cond["reason"]:
        return
    if current is not None and current.get("status") == cond["status"]:
        cond = {**cond, "lastTransitionTime": current.get("lastTransitionTime")}
    remove_condition(status, cond["type"])
    status.setdefault("conditions", []).append(cond)


def remove_condition(status: Obj, kind: str) -> None:
    kept = [c for c in status.get("conditions") or [] if c.get("type") != kind]
    if kept:
        status["conditions"] = kept
    else:
        status.pop("conditions", None)


def has_progress_deadline(deployment: Obj) -> bool:
    deadline = (deployment.get("spec") or {}).get("progressDeadlineSeconds")
    return deadline is not None and int(deadline) < 2**31 - 1


def calculate_status(deployment: Obj, all_rs: list[Obj], new_rs: Obj | None,
                     now: datetime) -> Obj:
    """Counts from the ReplicaSets, the old conditions, and Available (`calculateStatus`);
    zero counts are left out, as Go's omitempty does."""
    old = deployment.get("status") or {}
    available = total_status(all_rs, "availableReplicas")
    counts = {
        "observedGeneration": int(deployment["metadata"].get("generation") or 0),
        "replicas": total_status(all_rs, "replicas"),
        "updatedReplicas": status_count(new_rs, "replicas") if new_rs else 0,
        "readyReplicas": total_status(all_rs, "readyReplicas"),
        "availableReplicas": available,
        "unavailableReplicas": max(0, total_spec(all_rs) - available),
        "collisionCount": int(old.get("collisionCount") or 0),
    }
    status: Obj = {k: v for k, v in counts.items() if v}
    if old.get("conditions"):
        status["conditions"] = copy.deepcopy(old["conditions"])
    if available >= replicas_of(deployment) - max_unavailable(deployment):
        set_condition(status, new_condition("Available", "True", "MinimumReplicasAvailable",
                                            "Deployment has minimum availability.", now))
    else:
        set_condition(status, new_condition("Available", "False", "MinimumReplicasUnavailable",
                                            "Deployment does not have minimum availability.",
                                            now))
    return status


def is_complete(deployment: Obj, status: Obj) -> bool:
    """Every replica updated and available, and the latest spec observed."""
    desired = replicas_of(deployment)
    return (int(status.get("updatedReplicas") or 0) == desired
            and int(status.get("replicas") or 0) == desired
            and int(status.get("availableReplicas") or 0) == desired
            and int(status.get("observedGeneration") or 0)
            >= int(deployment["metadata"].get("generation") or 0))


def is_progressing(deployment: Obj, status: Obj) -> bool:
    """Whether the rollout moved since the stored status (`DeploymentProgressing`)."""
    old = deployment.get("status") or {}

    def get(s: Obj, k: str) -> int:
        return int(s.get(k) or 0)

    old_old = get(old, "replicas") - get(old, "updatedReplicas")
    new_old = get(status, "replicas") - get(status, "updatedReplicas")
    return (get(status, "updatedReplicas") > get(old, "updatedReplicas") or new_old < old_old
            or get(status, "readyReplicas") > get(old, "readyReplicas")
            or get(status, "availableReplicas") > get(old, "availableReplicas"))


def _progress_since(cond: Obj) -> datetime | None:
    return parse_timestamp(cond.get("lastUpdateTime"))


def timed_out(deployment: Obj, status: Obj, now: datetime) -> bool:
    """No progress for progressDeadlineSeconds (`DeploymentTimedOut`)."""
    if not has_progress_deadline(deployment):
        return False
    cond = condition(status, "Progressing")
    if cond is None or cond.get("reason") == NEW_RS_AVAILABLE:
        return False
    if cond.get("reason") == TIMED_OUT:
        return True
    since = _progress_since(cond)
    deadline = int((deployment.get("spec") or {}).get("progressDeadlineSeconds") or 0)
    return since is not None and since + timedelta(seconds=deadline) < now


def rollout_status(deployment: Obj, all_rs: list[Obj], new_rs: Obj | None,
                   now: datetime) -> Obj:
    """The status with the Progressing condition brought up to date (`syncRolloutStatus`)."""
    status = calculate_status(deployment, all_rs, new_rs, now)
    if not has_progress_deadline(deployment):
        remove_condition(status, "Progressing")
    current = condition(status, "Progressing")
    complete = (int(status.get("replicas") or 0) == int(status.get("updatedReplicas") or 0)
                and current is not None and current.get("reason") == NEW_RS_AVAILABLE)
    if has_progress_deadline(deployment) and not complete:
        name = new_rs["metadata"]["name"] if new_rs else ""
        if is_complete(deployment, status):
            message = f'ReplicaSet "{name}" has successfully progressed.' if new_rs else \
                "Deployment has successfully progressed."
            set_condition(status, new_condition("Progressing", "True", NEW_RS_AVAILABLE,
                                                message, now))
        elif is_progressing(deployment, status):
            message = f'ReplicaSet "{name}" is progressing.' if new_rs else \
                "Deployment is progressing."
            cond = new_condition("Progressing", "True", RS_UPDATED, message, now)
            if current is not None and current.get("status") == "True":
                cond["lastTransitionTime"] = current.get("lastTransitionTime")
            remove_condition(status, "Progressing")
            set_condition(status, cond)
        elif timed_out(deployment, status, now):
            message = f'ReplicaSet "{name}" has timed out progressing.' if new_rs else \
                "Deployment has timed out progressing."
            set_condition(status, new_condition("Progressing", "False", TIMED_OUT, message,
                                                now))
    failure = next((condition(rs.get("status") or {}, "ReplicaFailure") for rs in all_rs
                    if condition(rs.get("status") or {}, "ReplicaFailure")), None)
    if failure is not None:
        set_condition(status, new_condition("ReplicaFailure", failure.get("status", "True"),
                                            failure.get("reason", ""),
                                            failure.get("message", ""), now))
    else:
        remove_condition(status, "ReplicaFailure")
    return status


def seconds_to_deadline(deployment: Obj, status: Obj, now: datetime) -> float | None:
    """When to look again for a stuck rollout (`requeueStuckDeployment`); None when there
    is nothing to watch for."""
    cond = condition(status, "Progressing")
    if cond is None or is_complete(deployment, status) or cond.get("reason") == TIMED_OUT:
        return None
    if not has_progress_deadline(deployment):
        return None
    since = _progress_since(cond)
    if since is None:
        return None
    deadline = int((deployment.get("spec") or {}).get("progressDeadlineSeconds") or 0)
    after = (since + timedelta(seconds=deadline) - now).total_seconds()
    return max(after, 0.0) + 1.0
