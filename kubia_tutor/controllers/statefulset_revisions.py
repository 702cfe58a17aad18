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

import copy
import json
from typing import Any

from kubia_tutor.controllers.pod_template import is_controlled_by, owner_reference

Obj = dict[str, Any]

HASH_LABEL = "controller.kubernetes.io/hash"
_SAFE = "bcdfghjklmnpqrstvwxz2456789"  # apimachinery rand.SafeEncodeString's alphabet


def go_json(value: Any) -> str:
    """JSON as Go's json.Marshal writes a map: sorted keys, compact, HTML-safe escapes."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return text


def fnv1_32(data: bytes) -> int:
    """Go's hash/fnv New32 (FNV-1, not 1a)."""
    value = 2166136261
    for byte in data:
        value = (value * 16777619) & 0xFFFFFFFF
        value ^= byte
    return value


def safe_encode(text: str) -> str:
    return "".join(_SAFE[ord(ch) % len(_SAFE)] for ch in text)


def template_patch(sts: Obj) -> Obj:
    """The revision data: the set's pod template as a replacing patch (`getPatch`)."""
    template = copy.deepcopy((sts.get("spec") or {}).get("template") or {})
    template["$patch"] = "replace"
    return {"spec": {"template": template}}


def revision_hash(data: Obj, collision_count: int) -> str:
    raw = go_json(data).encode() + str(collision_count).encode()
    return safe_encode(str(fnv1_32(raw)))


def new_revision(sts: Obj, number: int, collision_count: int) -> Obj:
    """A ControllerRevision of the set's current template (not yet stored)."""
    meta = sts["metadata"]
    data = template_patch(sts)
    digest = revision_hash(data, collision_count)
    labels = dict(((sts.get("spec") or {}).get("template") or {}).get("metadata", {})
                  .get("labels") or {})
    labels[HASH_LABEL] = digest
    metadata: Obj = {"name": f"{meta['name'][:223]}-{digest}", "namespace": meta.get("namespace"),
                     "labels": labels, "ownerReferences": [owner_reference(sts)]}
    if meta.get("annotations"):
        metadata["annotations"] = dict(meta["annotations"])
    return {"apiVersion": "apps/v1", "kind": "ControllerRevision", "metadata": metadata,
            "data": data, "revision": number}


def template_of(revision: Obj) -> Obj:
    """The pod template a revision holds (`ApplyRevision`)."""
    template = copy.deepcopy(((revision.get("data") or {}).get("spec") or {})
                             .get("template") or {})
    template.pop("$patch", None)
    return template


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
