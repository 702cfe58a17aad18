"""`kubectl describe storageclass`."""

from __future__ import annotations

from typing import Any

from kubia_tutor.shell.describe.context import DescribeContext
from kubia_tutor.shell.describe.events import append_events
from kubia_tutor.shell.describe.writer import (
    PrefixWriter,
    annotations_of,
    format_labels,
    name_of,
    str_map,
    title_bool,
)

_DEFAULT_KEYS = ("storageclass.kubernetes.io/is-default-class",
                 "storageclass.beta.kubernetes.io/is-default-class")


def describe_storageclass(obj: dict[str, Any], ctx: DescribeContext) -> str:
    """Default flag, provisioner, parameters and policies; annotations print as k=v."""
    w = PrefixWriter()
    annotations = annotations_of(obj)
    w.line(0, "Name:", name_of(obj))
    is_default = any(annotations.get(k) == "true" for k in _DEFAULT_KEYS)
    w.line(0, "IsDefaultClass:", "Yes" if is_default else "No")
    w.line(0, "Annotations:", format_labels(annotations))
    w.line(0, "Provisioner:", obj.get("provisioner", ""))
    w.line(0, "Parameters:", format_labels(str_map(obj.get("parameters"))))
    expand = obj.get("allowVolumeExpansion")
    w.line(0, "AllowVolumeExpansion:", "<unset>" if expand is None else title_bool(expand))
    options = obj.get("mountOptions") or []
    if options:
        w.write(0, "MountOptions:\n")
        for option in options:
            w.write(1, f"{option}\n")
    else:
        w.line(0, "MountOptions:", "<none>")
    if obj.get("reclaimPolicy"):
        w.line(0, "ReclaimPolicy:", obj["reclaimPolicy"])
    if obj.get("volumeBindingMode"):
        w.line(0, "VolumeBindingMode:", obj["volumeBindingMode"])
    topologies = obj.get("allowedTopologies")
    if topologies is not None:
        w.write(0, "AllowedTopologies:\t")
        w.write(0, "\n" if topologies else "<none>\n")
        for i, term in enumerate(topologies):
            w.write(1, f"Term {i}:\t")
            exprs = term.get("matchLabelExpressions") or []
            if not exprs:
                w.write(0, "<none>\n")
            for j, req in enumerate(exprs):
                if j:
                    w.write(1, "\t")
                values = ", ".join(str(v) for v in req.get("values") or [])
                w.write(0, f"{req.get('key', '')} in [{values}]\n" if values
                        else f"{req.get('key', '')} in\n")
    append_events(w, obj, ctx)
    return w.render()
