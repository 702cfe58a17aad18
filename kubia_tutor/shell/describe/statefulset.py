"""`kubectl describe statefulset` (kubectl 1.20 layout), with its volume claim templates."""

from __future__ import annotations

from typing import Any

from kubia_tutor.shell.describe.context import DescribeContext
from kubia_tutor.shell.describe.events import append_events
from kubia_tutor.shell.describe.meta import (
    pods_status,
    quantity,
    selector_string,
    spec_of,
    status_of,
)
from kubia_tutor.shell.describe.pod_template import describe_pod_template
from kubia_tutor.shell.describe.writer import (
    PrefixWriter,
    annotations_multiline,
    annotations_of,
    go_list,
    labels_multiline,
    labels_of,
    name_of,
    namespace_of,
    object_meta,
    rfc1123z,
)

STORAGE_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class"


def describe_statefulset(obj: dict[str, Any], ctx: DescribeContext) -> str:
    """Replicas, update strategy, pod counts, template and volume claim templates."""
    w = PrefixWriter()
    spec, status = spec_of(obj), status_of(obj)
    w.line(0, "Name:", name_of(obj))
    w.line(0, "Namespace:", namespace_of(obj))
    w.line(0, "CreationTimestamp:", rfc1123z(object_meta(obj).get("creationTimestamp")))
    w.line(0, "Selector:", selector_string(spec.get("selector")))
    labels_multiline(w, "Labels", labels_of(obj))
    annotations_multiline(w, "Annotations", annotations_of(obj))
    desired = 1 if spec.get("replicas") is None else int(spec["replicas"])
    w.line(0, "Replicas:", f"{desired} desired | {int(status.get('replicas') or 0)} total")
    strategy = spec.get("updateStrategy") or {}
    w.line(0, "Update Strategy:", strategy.get("type", ""))
    rolling = strategy.get("rollingUpdate")
    if isinstance(rolling, dict) and rolling.get("partition") is not None:
        w.line(1, "Partition:", int(rolling["partition"]))
    w.line(0, "Pods Status:", pods_status(ctx, obj, spec.get("selector")))
    describe_pod_template(w, spec.get("template"))
    _claim_templates(w, spec.get("volumeClaimTemplates") or [])
    append_events(w, obj, ctx)
    return w.render()


def claim_class(claim: dict[str, Any]) -> str:
    """The claim's storage class: the beta annotation wins over spec.storageClassName."""
    annotations = object_meta(claim).get("annotations") or {}
    if STORAGE_CLASS_ANNOTATION in annotations:
        return str(annotations[STORAGE_CLASS_ANNOTATION])
    return str(spec_of(claim).get("storageClassName") or "")


def _claim_templates(w: PrefixWriter, claims: list[dict[str, Any]]) -> None:
    if not claims:
        w.line(0, "Volume Claims:", "<none>")
        return
    w.write(0, "Volume Claims:\n")
    for claim in claims:
        spec = spec_of(claim)
        w.line(1, "Name:", name_of(claim))
        w.line(1, "StorageClass:", claim_class(claim))
        labels_multiline(w, "Labels", labels_of(claim), indent="  ")
        # kubectl prints the template's annotations in the k=v label style.
        labels_multiline(w, "Annotations", annotations_of(claim), indent="  ")
        storage = ((spec.get("resources") or {}).get("requests") or {}).get("storage")
        w.line(1, "Capacity:", str(quantity(storage)) if storage is not None else "<default>")
        w.line(1, "Access Modes:", go_list(spec.get("accessModes") or []))
