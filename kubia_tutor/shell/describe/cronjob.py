"""`kubectl describe cronjob` (kubectl 1.20 layout, which reads batch/v1beta1)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubia_tutor.shell.describe.context import DescribeContext
from kubia_tutor.shell.describe.events import append_events
from kubia_tutor.shell.describe.meta import selector_string, spec_of, status_of
from kubia_tutor.shell.describe.pod_template import describe_pod_template
from kubia_tutor.shell.describe.writer import (
    PrefixWriter,
    header,
    rfc1123z,
    title_bool,
)


def describe_cronjob(obj: dict[str, Any], ctx: DescribeContext) -> str:
    """Schedule and policies, the job template, the last run and the active jobs."""
    w = PrefixWriter()
    spec, status = spec_of(obj), status_of(obj)
    header(w, obj)
    w.line(0, "Schedule:", spec.get("schedule", ""))
    w.line(0, "Concurrency Policy:", spec.get("concurrencyPolicy", ""))
    suspend = spec.get("suspend")
    w.line(0, "Suspend:", "<unset>" if suspend is None else title_bool(suspend))
    for title, key in (("Successful Job History Limit", "successfulJobsHistoryLimit"),
                       ("Failed Job History Limit", "failedJobsHistoryLimit")):
        value = spec.get(key)
        w.line(0, f"{title}:", "<unset>" if value is None else int(value))
    deadline = spec.get("startingDeadlineSeconds")
    w.line(0, "Starting Deadline Seconds:", "<unset>" if deadline is None else f"{int(deadline)}s")
    _job_template(w, spec.get("jobTemplate") or {})
    last = status.get("lastScheduleTime")
    w.line(0, "Last Schedule Time:", rfc1123z(last) if last else "<unset>")
    active = ", ".join(str(ref.get("name", "")) for ref in status.get("active") or [])
    w.line(0, "Active Jobs:", active or "<none>")
    append_events(w, obj, ctx)
    return w.render()


def _job_template(w: PrefixWriter, template: Mapping[str, Any]) -> None:
    spec = spec_of(template)
    selector = spec.get("selector")
    w.line(0, "Selector:", selector_string(selector) if selector is not None else "<unset>")
    for title, key in (("Parallelism", "parallelism"), ("Completions", "completions")):
        value = spec.get(key)
        w.line(0, f"{title}:", "<unset>" if value is None else int(value))
    if spec.get("activeDeadlineSeconds") is not None:
        w.line(0, "Active Deadline Seconds:", f"{int(spec['activeDeadlineSeconds'])}s")
    describe_pod_template(w, spec.get("template"))
