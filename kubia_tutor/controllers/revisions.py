"""ControllerRevisions, shared by the DaemonSet and StatefulSet controllers and `kubectl
rollout history|undo` for them.

Design note. Kubernetes stores each pod template a workload has had as a ControllerRevision
whose data is the patch that puts it back (`{"spec":{"template":{...,"$patch":"replace"}}}`)
and names it `<owner>-<hash>`, the hash being FNV-1 (32 bit) over that JSON as Go's
json.Marshal writes it (sorted keys, compact, HTML characters escaped), plus the collision
count when there is one, encoded with apimachinery's SafeEncodeString
(`history.HashControllerRevision`). Doing the same keeps names stable across daemon restarts
and shaped like a real cluster's.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from kubia_tutor.controllers.pod_template import owner_reference

Obj = dict[str, Any]
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


def template_patch(owner: Obj) -> Obj:
    """The revision data: the owner's pod template as a replacing patch."""
    template = copy.deepcopy((owner.get("spec") or {}).get("template") or {})
    template["$patch"] = "replace"
    return {"spec": {"template": template}}


def revision_hash(data: Obj, collision_count: int | None = None) -> str:
    """`HashControllerRevision`: FNV-1 over the data's JSON (and the collision count)."""
    raw = go_json(data).encode()
    if collision_count is not None:
        raw += str(collision_count).encode()
    return safe_encode(str(fnv1_32(raw)))


def new_revision(owner: Obj, number: int, digest: str, hash_label: str) -> Obj:
    """A ControllerRevision of the owner's current template (not yet stored): the template's
    labels plus the hash label, the owner's annotations (change-cause included)."""
    meta = owner["metadata"]
    labels = dict(((owner.get("spec") or {}).get("template") or {}).get("metadata", {})
                  .get("labels") or {})
    labels[hash_label] = digest
    metadata: Obj = {"name": f"{meta['name'][:223]}-{digest}",
                     "namespace": meta.get("namespace"), "labels": labels,
                     "ownerReferences": [owner_reference(owner)]}
    if meta.get("annotations"):
        metadata["annotations"] = dict(meta["annotations"])
    return {"apiVersion": "apps/v1", "kind": "ControllerRevision", "metadata": metadata,
            "data": template_patch(owner), "revision": number}


def template_of(revision: Obj) -> Obj:
    """The pod template a revision holds (`ApplyRevision`)."""
    template = copy.deepcopy(((revision.get("data") or {}).get("spec") or {})
                             .get("template") or {})
    template.pop("$patch", None)
    return template
