"""`kubectl describe replicationcontroller` (kubectl 1.20 layout)."""

from __future__ import annotations

from typing import Any

from kubia_tutor.shell.describe.context import DescribeContext
from kubia_tutor.shell.describe.events import append_events
from kubia_tutor.shell.describe.meta import map_selector, pods_status, spec_of, status_of
from kubia_tutor.shell.describe.pod_template import describe_pod_template
from kubia_tutor.shell.describe.replicaset import controller_conditions, replicas_line
from kubia_tutor.shell.describe.writer import (
    PrefixWriter,
    format_labels,
    header,
    str_map,
)


def describe_replicationcontroller(obj: dict[str, Any], ctx: DescribeContext) -> str:
    """Like a ReplicaSet, with a map selector and no Controlled By line."""
    w = PrefixWriter()
    spec, status = spec_of(obj), status_of(obj)
    selector = str_map(spec.get("selector"))
    header(w, obj, selector=format_labels(selector))
    w.line(0, "Replicas:", replicas_line(spec, status))
    w.line(0, "Pods Status:", pods_status(ctx, obj, map_selector(selector)))
    describe_pod_template(w, spec.get("template"))
    controller_conditions(w, status)
    append_events(w, obj, ctx)
    return w.render()
