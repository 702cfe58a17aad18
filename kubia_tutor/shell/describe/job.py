"""`kubectl describe job` (kubectl 1.20 layout)."""

from __future__ import annotations

from typing import Any

from kubia_tutor.shell.describe.context import DescribeContext
from kubia_tutor.shell.describe.events import append_events
from kubia_tutor.shell.describe.meta import controlled_by, selector_string, spec_of, status_of
from kubia_tutor.shell.describe.pod_template import describe_pod_template
from kubia_tutor.shell.describe.writer import (
    PrefixWriter,
    header,
    rfc1123z,
)
from kubia_tutor.shell.printers.duration import human_duration, parse_time


def describe_job(obj: dict[str, Any], ctx: DescribeContext) -> str:
    """Parallelism, completions, timing, pod counts and the template."""
    w = PrefixWriter()
    spec, status = spec_of(obj), status_of(obj)
    header(w, obj, selector=selector_string(spec.get("selector")))
    if controlled_by(obj):
        w.line(0, "Controlled By:", controlled_by(obj))
    if spec.get("parallelism") is not None:
        w.line(0, "Parallelism:", int(spec["parallelism"]))
    completions = spec.get("completions")
    w.line(0, "Completions:", "<unset>" if completions is None else int(completions))
    start, done = status.get("startTime"), status.get("completionTime")
    if start:
        w.line(0, "Start Time:", rfc1123z(start))
    if done:
        w.line(0, "Completed At:", rfc1123z(done))
    began, ended = parse_time(start), parse_time(done)
    if began is not None and ended is not None:
        w.line(0, "Duration:", human_duration((ended - began).total_seconds()))
    if spec.get("activeDeadlineSeconds") is not None:
        w.line(0, "Active Deadline Seconds:", f"{int(spec['activeDeadlineSeconds'])}s")
    counts = [int(status.get(k) or 0) for k in ("active", "succeeded", "failed")]
    w.line(0, "Pods Statuses:", f"{counts[0]} Running / {counts[1]} Succeeded / {counts[2]} Failed")
    describe_pod_template(w, spec.get("template"))
    append_events(w, obj, ctx)
    return w.render()
