"""`kubectl describe replicaset` (kubectl 1.20 layout)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubia_tutor.shell.describe.context import DescribeContext
from kubia_tutor.shell.describe.events import append_events
from kubia_tutor.shell.describe.meta import (
    controlled_by,
    format_label_selector,
    pods_status,
    spec_of,
    status_of,
)
from kubia_tutor.shell.describe.pod_template import describe_pod_template
from kubia_tutor.shell.describe.writer import (
    PrefixWriter,
    header,
)


def describe_replicaset(obj: dict[str, Any], ctx: DescribeContext) -> str:
    """Selector before labels, the owning Deployment, replica and pod counts, then the template."""
    w = PrefixWriter()
    spec, status = spec_of(obj), status_of(obj)
    header(w, obj, selector=format_label_selector(spec.get("selector")))
    if controlled_by(obj):
        w.line(0, "Controlled By:", controlled_by(obj))
    w.line(0, "Replicas:", replicas_line(spec, status))
    w.line(0, "Pods Status:", pods_status(ctx, obj, spec.get("selector")))
    describe_pod_template(w, spec.get("template"))
    controller_conditions(w, status)
    append_events(w, obj, ctx)
    return w.render()


def replicas_line(spec: Mapping[str, Any], status: Mapping[str, Any]) -> str:
    """`<status.replicas> current / <spec.replicas> desired` (spec defaults to 1)."""
    desired = spec.get("replicas")
    desired = 1 if desired is None else int(desired)
    return f"{int(status.get('replicas') or 0)} current / {desired} desired"


def controller_conditions(w: PrefixWriter, status: Mapping[str, Any]) -> None:
    """The Type/Status/Reason table of ReplicaSets and ReplicationControllers, when present."""
    conditions = status.get("conditions") or []
    if conditions:
        w.write(0, "Conditions:\n  Type\tStatus\tReason\n")
        w.line(1, "----", "------", "------")
        for cond in conditions:
            w.line(1, f"{cond.get('type', '')} ", cond.get("status", ""), cond.get("reason", ""))
