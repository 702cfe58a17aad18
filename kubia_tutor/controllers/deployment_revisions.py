"""Deployment revisions: the pod-template-hash, the revision annotations a Deployment and its
ReplicaSets carry, which ReplicaSet is the new one, and which old ones history may drop.

Design note. A ReplicaSet stands for one pod template; its `deployment.kubernetes.io/revision`
says when that template was last rolled out. A rollback makes an old ReplicaSet the new one
again, so it gets the next revision number and its old number goes to
`deployment.kubernetes.io/revision-history` (the book's "revision 2 comes back as 4"). The
functions are pure, shared by the controller and by `kubectl rollout`.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from kubia_tutor.controllers.deployment_rollout import max_surge, replicas_of

Obj = dict[str, Any]

HASH_LABEL = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
CHANGE_CAUSE = "kubernetes.io/change-cause"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
ROLLBACK_TO = "deprecated.deployment.rollback.to"
# Annotations a Deployment does not hand down to its ReplicaSets (and `rollout undo` keeps).
SKIPPED_ANNOTATIONS = frozenset({LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS,
                                 MAX_REPLICAS, ROLLBACK_TO})
MAX_REVISION_HISTORY_CHARS = 2000
_SAFE = "bcdfghjklmnpqrstvwxz2456789"


def template_hash(template: Obj, collision_count: int = 0) -> str:
    """A stable hash of a pod template, spelled as Kubernetes spells its pod-template-hash:
    the decimal FNV-32a sum with each digit mapped to a consonant or digit (`5d8b9f6c4`)."""
    text = json.dumps(template or {}, sort_keys=True, separators=(",", ":"))
    if collision_count:
        text += str(collision_count)
    value = 0x811C9DC5
    for byte in text.encode():
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return "".join(_SAFE[ord(ch) % len(_SAFE)] for ch in str(value))


def without_hash(template: Obj | None) -> Obj:
    """The template minus the pod-template-hash label, empty values pruned (Go compares nil and
    empty alike)."""
    copied = copy.deepcopy(template or {})
    labels = (copied.get("metadata") or {}).get("labels")
    if isinstance(labels, dict):
        labels.pop(HASH_LABEL, None)
    pruned = _prune(copied)
    return pruned if isinstance(pruned, dict) else {}


def _prune(value: Any) -> Any:
    if isinstance(value, dict):
        pruned = {k: _prune(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if v not in (None, {}, [])}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def equal_ignore_hash(a: Obj | None, b: Obj | None) -> bool:
    """Whether two pod templates are the same but for the hash label (`EqualIgnoreHash`)."""
    return without_hash(a) == without_hash(b)


def annotations_of(obj: Obj) -> dict[str, str]:
    return dict((obj.get("metadata") or {}).get("annotations") or {})


def revision_of(obj: Obj) -> int:
    """The object's revision annotation as a number; 0 when absent or unreadable."""
    try:
        return int(annotations_of(obj).get(REVISION, "0"))
    except ValueError:
        return 0


def find_new(deployment: Obj, replica_sets: list[Obj]) -> Obj | None:
    """The oldest ReplicaSet whose template is the Deployment's (`FindNewReplicaSet`)."""
    template = (deployment.get("spec") or {}).get("template")
    for rs in sorted(replica_sets, key=lambda r: (
            str(r["metadata"].get("creationTimestamp") or ""), r["metadata"]["name"])):
        if equal_ignore_hash((rs.get("spec") or {}).get("template"), template):
            return rs
    return None


def new_rs_annotations(deployment: Obj, rs: Obj, revision: int, exists: bool) -> dict[str, str]:
    """The annotations the new ReplicaSet should carry (`SetNewReplicaSetAnnotations`): the
    Deployment's own (change-cause...), the new revision unless it already has a later one,
    and for a ReplicaSet brought back by a rollback its earlier revisions."""
    result = annotations_of(rs)
    for key, value in annotations_of(deployment).items():
        if key not in SKIPPED_ANNOTATIONS:
            result[key] = value
    old_text = result.get(REVISION, "")
    try:
        old = int(old_text) if old_text else 0
    except ValueError:
        return result
    if old < revision:
        result[REVISION] = str(revision)
        if old_text:
            history = [r for r in result.get(REVISION_HISTORY, "").split(",") if r]
            history.append(old_text)
            while history and len(",".join(history)) > MAX_REVISION_HISTORY_CHARS:
                history.pop(0)
            result[REVISION_HISTORY] = ",".join(history)
    if not exists:
        result.update(replicas_annotations(deployment))
    return result


def replicas_annotations(deployment: Obj) -> dict[str, str]:
    """desired-replicas and max-replicas, which a later proportional scale reads."""
    desired = replicas_of(deployment)
    return {DESIRED_REPLICAS: str(desired), MAX_REPLICAS: str(desired + max_surge(deployment))}


def history_to_drop(deployment: Obj, old_rs: list[Obj]) -> list[Obj]:
    """Old ReplicaSets past revisionHistoryLimit that are scaled to nothing, lowest revision
    first (`cleanupDeployment`)."""
    limit = (deployment.get("spec") or {}).get("revisionHistoryLimit")
    if limit is None:
        return []
    alive = [rs for rs in old_rs if not rs["metadata"].get("deletionTimestamp")]
    surplus = len(alive) - int(limit)
    if surplus <= 0:
        return []
    alive.sort(key=lambda rs: (revision_of(rs), str(rs["metadata"].get("creationTimestamp"))))
    drop = []
    for rs in alive[:surplus]:
        status = rs.get("status") or {}
        settled = int(status.get("observedGeneration") or 0) >= int(
            rs["metadata"].get("generation") or 0)
        if not status.get("replicas") and not (rs.get("spec") or {}).get("replicas") \
                and settled:
            drop.append(rs)
    return drop
