"""A StatefulSet's ControllerRevisions: one per pod template it has had, named
`<set>-<hash>`, which pods carry in their `controller-revision-hash` label.

Design note. Kubernetes stores the template as a patch (`{"spec":{"template":{...,"$patch":
"replace"}}}`) and names the revision after the FNV-1 hash of that JSON (Go's `json.Marshal`:
sorted keys, compact, HTML characters escaped) and the collision count, encoded with
apimachinery's `SafeEncodeString`. Doing the same keeps the names stable across daemon
restarts and shaped like a real cluster's. The current revision is the one
`status.currentRevision` names; the update revision is the one matching the spec now, reused
(its revision number bumped) when the spec goes back to an older template, as a rollback does.
"""

from __future__ import annotations

from typing import Any

from kubia_tutor.controllers.pod_template import is_controlled_by
from kubia_tutor.controllers.revisions import go_json, template_patch
from kubia_tutor.controllers.revisions import new_revision as shared_new_revision
from kubia_tutor.controllers.revisions import revision_hash as shared_hash

Obj = dict[str, Any]

HASH_LABEL = "controller.kubernetes.io/hash"


def revision_hash(data: Obj, collision_count: int) -> str:
    return shared_hash(data, collision_count)


def new_revision(sts: Obj, number: int, collision_count: int) -> Obj:
    """A ControllerRevision of the set's current template (not yet stored)."""
    digest = revision_hash(template_patch(sts), collision_count)
    return shared_new_revision(sts, number, digest, HASH_LABEL)


def same_data(a: Obj, b: Obj) -> bool:
    return go_json(a.get("data")) == go_json(b.get("data"))


def owned_revisions(sts: Obj, revisions: list[Obj]) -> list[Obj]:
    """The set's revisions, oldest first (by revision number, then name)."""
    mine = [r for r in revisions if is_controlled_by(r, sts)]
    return sorted(mine, key=lambda r: (int(r.get("revision") or 0), r["metadata"]["name"]))


def next_number(revisions: list[Obj]) -> int:
    return max((int(r.get("revision") or 0) for r in revisions), default=0) + 1


def history_to_delete(revisions: list[Obj], live: set[str], limit: int) -> list[Obj]:
    """The oldest revisions no pod and neither status revision uses, beyond the
    revisionHistoryLimit (`truncateHistory`)."""
    history = [r for r in revisions if r["metadata"]["name"] not in live]
    if len(history) <= limit:
        return []
    return history[:len(history) - limit]
