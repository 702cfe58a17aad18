"""Workload controllers: ReplicationControllers, ReplicaSets, Deployments, DaemonSets,
StatefulSets, Jobs (and the selector the server generates for them), CronJobs and
HorizontalPodAutoscalers."""

from __future__ import annotations

from typing import Any

from kubia_tutor.api.defaulting.fields import (
    Obj,
    _child,
    _copy_labels_if_empty,
    _entries,
    _existing,
    _fill,
    _fill_all,
    _labels,
    _null_creation_timestamp,
    _spec,
    _unset,
)
from kubia_tutor.api.defaulting.pods import _default_pod_template
from kubia_tutor.api.defaulting.storage import _default_claim


def _default_replication_controller(rc: Obj) -> None:
    spec = _spec(rc)
    if spec is None:
        return
    labels = _labels(spec["template"]) if isinstance(spec.get("template"), dict) else None
    if isinstance(labels, dict):
        if not spec.get("selector"):
            spec["selector"] = dict(labels)
        _copy_labels_if_empty(rc, labels)
    _fill(spec, "replicas", 1)
    if spec.get("template") is not None:
        _default_pod_template(spec)


def _default_replica_set(rs: Obj) -> None:
    spec = _spec(rs)
    if spec is None:
        return
    _fill(spec, "replicas", 1)
    _default_pod_template(spec)


def _default_rolling_strategy(strategy: Obj, rolling: dict[str, Any]) -> None:
    _fill(strategy, "type", "RollingUpdate")
    if strategy.get("type") == "RollingUpdate":
        update = _child(strategy, "rollingUpdate")
        if update is not None:
            _fill_all(update, rolling)


def _default_deployment(deployment: Obj) -> None:
    spec = _spec(deployment)
    if spec is None:
        return
    _fill(spec, "replicas", 1)
    strategy = _child(spec, "strategy")
    if strategy is not None:
        _default_rolling_strategy(strategy, {"maxSurge": "25%", "maxUnavailable": "25%"})
    _fill(spec, "revisionHistoryLimit", 10)
    _fill(spec, "progressDeadlineSeconds", 600)
    _default_pod_template(spec)


def _default_daemon_set(daemon_set: Obj) -> None:
    spec = _spec(daemon_set)
    if spec is None:
        return
    strategy = _child(spec, "updateStrategy")
    if strategy is not None:
        _default_rolling_strategy(strategy, {"maxUnavailable": 1})
    _fill(spec, "revisionHistoryLimit", 10)
    _default_pod_template(spec)


def _default_stateful_set(stateful_set: Obj) -> None:
    spec = _spec(stateful_set)
    if spec is None:
        return
    _fill(spec, "podManagementPolicy", "OrderedReady")
    strategy = _child(spec, "updateStrategy")
    if strategy is not None:
        if _unset(strategy.get("type")):
            # Only a defaulted type brings a rollingUpdate block; an explicit RollingUpdate
            # without one stays without one.
            strategy["type"] = "RollingUpdate"
            _child(strategy, "rollingUpdate")
        update = _existing(strategy, "rollingUpdate")
        if strategy["type"] == "RollingUpdate" and update is not None:
            _fill(update, "partition", 0)
    _fill(spec, "replicas", 1)
    _fill(spec, "revisionHistoryLimit", 10)
    _default_pod_template(spec)
    for claim in _entries(spec, "volumeClaimTemplates"):
        _null_creation_timestamp(claim)
        _default_claim(claim)


def _default_job(job: Obj) -> None:
    spec = _spec(job)
    if spec is None:
        return
    # A job that says neither is one pod run once; parallelism alone still defaults to 1.
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
    _fill(spec, "parallelism", 1)
    _fill(spec, "backoffLimit", 6)
    _default_pod_template(spec)
    template = spec.get("template")
    _copy_labels_if_empty(job, _labels(template) if isinstance(template, dict) else None)


def apply_job_selector(job: Obj) -> None:
    """Give a Job the selector the API server generates unless `spec.manualSelector` is true:
    `controller-uid: <metadata.uid>` as matchLabels, and `controller-uid` plus `job-name`
    added to the pod template's labels.

    Needs metadata.uid and name. It may run before or after `apply_defaults`: the Job's own
    labels are copied from the template's as the server's two defaulting passes do (once on
    decode, before the generated labels exist, and once when the stored object is read back).
    """
    meta = job.get("metadata")
    spec = job.get("spec")
    if not isinstance(meta, dict) or not isinstance(spec, dict):
        return
    if spec.get("manualSelector") is True or _unset(meta.get("uid")):
        return
    template = _child(spec, "template")
    if template is None:
        return
    template_meta = _child(template, "metadata")
    if template_meta is None:
        return
    _copy_labels_if_empty(job, template_meta.get("labels"))
    labels = _child(template_meta, "labels")
    selector = _child(spec, "selector")
    match = _child(selector, "matchLabels") if selector is not None else None
    if labels is None or match is None:
        return
    uid = str(meta["uid"])
    labels.setdefault("controller-uid", uid)
    labels.setdefault("job-name", str(meta.get("name") or ""))
    match.setdefault("controller-uid", uid)
    _copy_labels_if_empty(job, labels)


def _default_cron_job(cron_job: Obj) -> None:
    spec = _spec(cron_job)
    if spec is None:
        return
    _fill(spec, "concurrencyPolicy", "Allow")
    _fill(spec, "suspend", False)
    _fill(spec, "successfulJobsHistoryLimit", 3)
    _fill(spec, "failedJobsHistoryLimit", 1)
    # The job template's JobSpec gets no Job defaults (those belong to the Job type).
    job_template = _child(spec, "jobTemplate")
    if job_template is None:
        return
    _null_creation_timestamp(job_template)
    job_spec = _child(job_template, "spec")
    if job_spec is not None:
        _default_pod_template(job_spec)


def _default_horizontal_pod_autoscaler(hpa: Obj) -> None:
    spec = _spec(hpa)
    if spec is None:
        return
    _fill(spec, "minReplicas", 1)
    # autoscaling/v2: no metrics means "keep CPU at 80%", the controller's old default
    # (an autoscaling/v1 reader sees it as targetCPUUtilizationPercentage: 80).
    if not spec.get("metrics") and "targetCPUUtilizationPercentage" not in spec:
        spec["metrics"] = [{"type": "Resource", "resource": {
            "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]
