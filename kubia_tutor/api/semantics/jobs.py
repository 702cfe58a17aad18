"""Jobs and CronJobs: counts, a restart policy jobs can live with, and their selectors."""

from __future__ import annotations

from kubia_tutor.api.selectors import max_len_error
from kubia_tutor.api.semantics.causes import IMMUTABLE, Errors, _one_of
from kubia_tutor.api.semantics.cron import cron_schedule_error
from kubia_tutor.api.semantics.fields import Obj, _byte_len, _d, _int, _same, _text
from kubia_tutor.api.semantics.govalues import GoLiteral, go_label_selector
from kubia_tutor.api.semantics.meta import _label_selector
from kubia_tutor.api.semantics.pods import _pod_template
from kubia_tutor.api.semantics.workloads import (
    _as_selector,
    _template_labels,
    _template_mismatch,
)


def _job_spec(e: Errors, spec: Obj, path: str) -> None:
    """validateJobSpec: counts, the template, and a restart policy jobs can live with."""
    for key in ("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit",
                "ttlSecondsAfterFinished"):
        e.nonnegative(spec, key, path)
    template = _d(spec.get("template"))
    _pod_template(e, template, f"{path}.template")
    # Pod templates default to Always, which is exactly what a Job refuses.
    restart = _text(_d(template.get("spec")).get("restartPolicy")) or "Always"
    if restart not in ("OnFailure", "Never"):
        e.not_supported(f"{path}.template.spec.restartPolicy", restart, ("OnFailure", "Never"))


def _job(e: Errors, job: Obj) -> None:
    spec = _d(job.get("spec"))
    _job_spec(e, spec, "spec")
    selector = spec.get("selector")
    if selector is None:
        if spec.get("manualSelector") is True:
            e.required("spec.selector")
        else:
            return  # the registry generates `controller-uid` after this check
    else:
        _label_selector(e, selector, "spec.selector")
    converted = _as_selector(spec)
    template = _d(spec.get("template"))
    if converted is not None and not converted.matches(_d(_template_labels(template))):
        _template_mismatch(e, template, "spec.template")


def _cron_job(e: Errors, cron_job: Obj) -> None:
    _cron_job_spec(e, cron_job)
    name = _text(_d(cron_job.get("metadata")).get("name"))
    if _byte_len(name) > 52:  # job names get an 11-character suffix and must stay under 63
        e.invalid("metadata.name", name, max_len_error(52))


def _cron_job_spec(e: Errors, cron_job: Obj) -> None:
    spec = _d(cron_job.get("spec"))
    schedule = _text(spec.get("schedule"))
    if not schedule:
        e.required("spec.schedule")
    else:
        problem = cron_schedule_error(schedule)
        if problem:
            e.invalid("spec.schedule", schedule, problem)
    e.nonnegative(spec, "startingDeadlineSeconds", "spec")
    _one_of(e, spec, "concurrencyPolicy", ("Allow", "Forbid", "Replace"),
            "spec.concurrencyPolicy")
    job_spec = _d(_d(spec.get("jobTemplate")).get("spec"))
    _job_spec(e, job_spec, "spec.jobTemplate.spec")
    if job_spec.get("selector") is not None:
        e.invalid("spec.jobTemplate.spec.selector", go_label_selector(job_spec["selector"]),
                  "`selector` will be auto-generated")
    if job_spec.get("manualSelector") is True:
        e.not_supported("spec.jobTemplate.spec.manualSelector", True, ("nil", "false"))
    e.nonnegative(spec, "successfulJobsHistoryLimit", "spec")
    e.nonnegative(spec, "failedJobsHistoryLimit", "spec")


def _job_update(e: Errors, new: Obj, old: Obj) -> None:
    ns, os_ = _d(new.get("spec")), _d(old.get("spec"))
    if not _same(ns.get("completions"), os_.get("completions")):
        e.invalid("spec.completions", _int(ns.get("completions")), IMMUTABLE)
    if not _same(ns.get("selector"), os_.get("selector")):
        e.invalid("spec.selector", go_label_selector(ns.get("selector")), IMMUTABLE)
    if not _same(ns.get("template"), os_.get("template")):
        e.invalid("spec.template", GoLiteral("core.PodTemplateSpec{...}"), IMMUTABLE)
