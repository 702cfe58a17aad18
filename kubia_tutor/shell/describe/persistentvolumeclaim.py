"""`kubectl describe persistentvolumeclaim` (kubectl 1.20 layout)."""

from __future__ import annotations

from typing import Any

from kubia_tutor.shell.describe.context import DescribeContext
from kubia_tutor.shell.describe.events import append_events
from kubia_tutor.shell.describe.meta import quantity, spec_of, status_of
from kubia_tutor.shell.describe.persistentvolume import access_modes, status_line
from kubia_tutor.shell.describe.statefulset import claim_class
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


def describe_persistentvolumeclaim(obj: dict[str, Any], ctx: DescribeContext) -> str:
    """Class, status, bound volume, capacity and modes, the pods mounting it, conditions."""
    w = PrefixWriter()
    meta, spec, status = object_meta(obj), spec_of(obj), status_of(obj)
    w.line(0, "Name:", name_of(obj))
    w.line(0, "Namespace:", namespace_of(obj))
    w.line(0, "StorageClass:", claim_class(obj))
    w.line(0, "Status:", status_line(meta, status, ctx))
    w.line(0, "Volume:", spec.get("volumeName", ""))
    labels_multiline(w, "Labels", labels_of(obj))
    annotations_multiline(w, "Annotations", annotations_of(obj))
    w.line(0, "Finalizers:", go_list(meta.get("finalizers") or []))
    capacity, modes = "", ""
    if spec.get("volumeName"):
        modes = access_modes(status.get("accessModes"))
        capacity = str(quantity((status.get("capacity") or {}).get("storage", 0)))
    w.line(0, "Capacity:", capacity)
    w.line(0, "Access Modes:", modes)
    if spec.get("volumeMode"):
        w.line(0, "VolumeMode:", spec["volumeMode"])
    _data_source(w, spec.get("dataSource"))
    users = sorted(name_of(pod) for pod in ctx.list_objects("Pod", namespace_of(obj))
                   if _mounts_claim(pod, name_of(obj)))
    w.write(0, "Used By:\t")
    w.write(0, "\n\t".join(users) + "\n" if users else "<none>\n")
    conditions = status.get("conditions") or []
    if conditions:
        w.write(0, "Conditions:\n")
        w.line(1, "Type", "Status", "LastProbeTime", "LastTransitionTime", "Reason", "Message")
        w.line(1, "----", "------", "-----------------", "------------------", "------", "-------")
        for c in conditions:
            w.line(1, f"{c.get('type', '')} ", f"{c.get('status', '')} ",
                   f"{rfc1123z(c.get('lastProbeTime'))} ",
                   f"{rfc1123z(c.get('lastTransitionTime'))} ", f"{c.get('reason', '')} ",
                   c.get("message", ""))
    append_events(w, obj, ctx)
    return w.render()


def _mounts_claim(pod: dict[str, Any], claim: str) -> bool:
    return any((v.get("persistentVolumeClaim") or {}).get("claimName") == claim
               for v in spec_of(pod).get("volumes") or [])


def _data_source(w: PrefixWriter, source: object) -> None:
    if isinstance(source, dict):
        w.write(0, "DataSource:\n")
        if source.get("apiGroup") is not None:
            w.line(1, "APIGroup:", source["apiGroup"])
        w.line(1, "Kind:", source.get("kind", ""))
        w.line(1, "Name:", source.get("name", ""))
