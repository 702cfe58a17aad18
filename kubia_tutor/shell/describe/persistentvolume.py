"""`kubectl describe persistentvolume` and the helpers PVCs share with it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubia_tutor.shell.describe.context import DescribeContext
from kubia_tutor.shell.describe.events import append_events
from kubia_tutor.shell.describe.meta import quantity, spec_of, status_of
from kubia_tutor.shell.describe.statefulset import STORAGE_CLASS_ANNOTATION
from kubia_tutor.shell.describe.volumes import describe_source
from kubia_tutor.shell.describe.writer import (
    PrefixWriter,
    annotations_multiline,
    annotations_of,
    go_list,
    labels_multiline,
    labels_of,
    name_of,
    object_meta,
)
from kubia_tutor.shell.printers.duration import age

_MODES = (("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"))


def describe_persistentvolume(obj: dict[str, Any], ctx: DescribeContext) -> str:
    """Class, status, claim, policy, modes, capacity and the volume source."""
    w = PrefixWriter()
    meta, spec, status = object_meta(obj), spec_of(obj), status_of(obj)
    w.line(0, "Name:", name_of(obj))
    labels_multiline(w, "Labels", labels_of(obj))
    annotations_multiline(w, "Annotations", annotations_of(obj))
    w.line(0, "Finalizers:", go_list(meta.get("finalizers") or []))
    annotations = annotations_of(obj)
    w.line(0, "StorageClass:", annotations.get(STORAGE_CLASS_ANNOTATION,
                                                spec.get("storageClassName") or ""))
    w.line(0, "Status:", status_line(meta, status, ctx))
    claim = spec.get("claimRef")
    w.line(0, "Claim:", f"{claim.get('namespace', '')}/{claim.get('name', '')}"
           if isinstance(claim, dict) else "")
    w.line(0, "Reclaim Policy:", spec.get("persistentVolumeReclaimPolicy", ""))
    w.line(0, "Access Modes:", access_modes(spec.get("accessModes")))
    if spec.get("volumeMode"):
        w.line(0, "VolumeMode:", spec["volumeMode"])
    w.line(0, "Capacity:", str(quantity((spec.get("capacity") or {}).get("storage", 0))))
    _node_affinity(w, spec.get("nodeAffinity"))
    w.line(0, "Message:", status.get("message", ""))
    w.write(0, "Source:\n")
    describe_source(w, spec)
    append_events(w, obj, ctx)
    return w.render()


def status_line(meta: Mapping[str, Any], status: Mapping[str, Any], ctx: DescribeContext) -> str:
    """The phase, or `Terminating (lasts <age>)` once deletion has started."""
    if meta.get("deletionTimestamp"):
        return f"Terminating (lasts {age(meta['deletionTimestamp'], ctx.now)})"
    return str(status.get("phase", ""))


def access_modes(modes: object) -> str:
    """Abbreviated access modes in kubectl's fixed order: `RWO,ROX,RWX`."""
    present = set(modes) if isinstance(modes, list) else set()
    return ",".join(short for mode, short in _MODES if mode in present)


def _node_affinity(w: PrefixWriter, affinity: object) -> None:
    required = affinity.get("required") if isinstance(affinity, dict) else None
    if not isinstance(required, dict):
        w.line(0, "Node Affinity:", "<none>")
        return
    w.line(0, "Node Affinity:", "")
    terms = required.get("nodeSelectorTerms") or []
    w.line(1, "Required Terms:", "" if terms else "<none>")
    for i, term in enumerate(terms):
        w.write(2, f"Term {i}:\t")
        exprs = term.get("matchExpressions") or []
        if not exprs:
            w.write(0, "<none>\n")
        for j, req in enumerate(exprs):
            if j:
                w.write(2, "\t")
            text = f"{req.get('key', '')} {str(req.get('operator', '')).lower()}"
            if req.get("values"):
                text += f" [{', '.join(str(v) for v in req['values'])}]"
            w.write(0, text + "\n")
