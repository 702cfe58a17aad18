"""`kubectl describe poddisruptionbudget` (kubectl 1.20 layout)."""

from __future__ import annotations

from typing import Any

from kubia_tutor.shell.describe.context import DescribeContext
from kubia_tutor.shell.describe.events import append_events
from kubia_tutor.shell.describe.meta import format_label_selector, spec_of, status_of
from kubia_tutor.shell.describe.writer import PrefixWriter, name_of, namespace_of

_STATUS = (("Allowed disruptions", "disruptionsAllowed"), ("Current", "currentHealthy"),
           ("Desired", "desiredHealthy"), ("Total", "expectedPods"))


def describe_poddisruptionbudget(obj: dict[str, Any], ctx: DescribeContext) -> str:
    """The budget (min available or max unavailable), its selector and the disruption counts."""
    w = PrefixWriter()
    spec, status = spec_of(obj), status_of(obj)
    w.line(0, "Name:", name_of(obj))
    w.line(0, "Namespace:", namespace_of(obj))
    if spec.get("minAvailable") is not None:
        w.line(0, "Min available:", spec["minAvailable"])
    elif spec.get("maxUnavailable") is not None:
        w.line(0, "Max unavailable:", spec["maxUnavailable"])
    selector = spec.get("selector")
    w.line(0, "Selector:", format_label_selector(selector) if selector is not None else "<unset>")
    w.write(0, "Status:\n")
    for title, key in _STATUS:
        w.line(2, f"{title}:", int(status.get(key) or 0))
    append_events(w, obj, ctx)
    return w.render()
