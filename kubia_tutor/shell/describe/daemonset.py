"""`kubectl describe daemonset` (kubectl 1.20 layout)."""

from __future__ import annotations

from typing import Any

from kubia_tutor.shell.describe.context import DescribeContext
from kubia_tutor.shell.describe.events import append_events
from kubia_tutor.shell.describe.meta import pods_status, selector_string, spec_of, status_of
from kubia_tutor.shell.describe.pod_template import describe_pod_template
from kubia_tutor.shell.describe.writer import (
    PrefixWriter,
    annotations_multiline,
    annotations_of,
    format_labels,
    labels_multiline,
    labels_of,
    name_of,
    str_map,
)

# These lines have no tab in kubectl, so they are never aligned with their neighbours.
_NODE_COUNTS = (
    ("Desired Number of Nodes Scheduled", "desiredNumberScheduled"),
    ("Current Number of Nodes Scheduled", "currentNumberScheduled"),
    ("Number of Nodes Scheduled with Up-to-date Pods", "updatedNumberScheduled"),
    ("Number of Nodes Scheduled with Available Pods", "numberAvailable"),
    ("Number of Nodes Misscheduled", "numberMisscheduled"),
)


def describe_daemonset(obj: dict[str, Any], ctx: DescribeContext) -> str:
    """Selectors, node counts, pod counts and the template."""
    w = PrefixWriter()
    spec, status = spec_of(obj), status_of(obj)
    template_spec = spec_of(spec.get("template") or {})
    w.line(0, "Name:", name_of(obj))
    # kubectl 1.20 has no Namespace line for daemon sets.
    w.line(0, "Selector:", selector_string(spec.get("selector")))
    w.line(0, "Node-Selector:", format_labels(str_map(template_spec.get("nodeSelector"))))
    labels_multiline(w, "Labels", labels_of(obj))
    annotations_multiline(w, "Annotations", annotations_of(obj))
    for title, key in _NODE_COUNTS:
        w.write(0, f"{title}: {int(status.get(key) or 0)}\n")
    w.line(0, "Pods Status:", pods_status(ctx, obj, spec.get("selector")))
    describe_pod_template(w, spec.get("template"))
    append_events(w, obj, ctx)
    return w.render()
