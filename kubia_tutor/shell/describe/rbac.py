"""`kubectl describe rolebinding` / `clusterrolebinding`: the role referred to and its subjects."""

from __future__ import annotations

from typing import Any

from kubia_tutor.shell.describe.context import DescribeContext
from kubia_tutor.shell.describe.writer import (
    PrefixWriter,
    annotations_multiline,
    annotations_of,
    labels_multiline,
    labels_of,
    name_of,
)


def describe_binding(obj: dict[str, Any], ctx: DescribeContext) -> str:
    """Name, labels, annotations, the role reference and a Kind/Name/Namespace subject table.

    kubectl prints no namespace line and no events for bindings.
    """
    del ctx  # bindings have no Events section
    w = PrefixWriter()
    w.line(0, "Name:", name_of(obj))
    labels_multiline(w, "Labels", labels_of(obj))
    annotations_multiline(w, "Annotations", annotations_of(obj))
    role = obj.get("roleRef") or {}
    w.write(0, "Role:\n")
    w.line(1, "Kind:", role.get("kind", ""))
    w.line(1, "Name:", role.get("name", ""))
    w.write(0, "Subjects:\n")
    w.line(1, "Kind", "Name", "Namespace")
    w.line(1, "----", "----", "---------")
    for subject in obj.get("subjects") or []:
        w.line(1, subject.get("kind", ""), subject.get("name", ""), subject.get("namespace", ""))
    return w.render()
