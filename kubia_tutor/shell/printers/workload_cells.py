"""Cells for controllers: rc, rs, deployment, daemonset, statefulset, job, cronjob, hpa, pdb."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from kubia_tutor.shell.printers.cell_helpers import (
    Cell,
    Obj,
    as_list,
    as_map,
    container_cells,
    dig,
    label_selector_cell,
    map_string,
    num,
    quantity_text,
    replicas,
    selector_string,
    text,
)
from kubia_tutor.shell.printers.duration import age, human_duration, parse_time


def _status_int(field: str) -> Cell:
    def cell(obj: Obj, _now: datetime) -> str:
        return str(num(dig(obj, "status", field)))

    cell.__doc__ = f"status.{field} (0 when absent)."
    return cell


def desired_replicas(obj: Obj, _now: datetime) -> str:
    """DESIRED: spec.replicas."""
    return str(replicas(obj))


current_replicas = _status_int("replicas")
ready_replicas = _status_int("readyReplicas")
updated_replicas = _status_int("updatedReplicas")
available_replicas = _status_int("availableReplicas")


def ready_of_desired(obj: Obj, _now: datetime) -> str:
    """READY for deployments and statefulsets: `<ready>/<desired>`."""
    return f"{num(dig(obj, 'status', 'readyReplicas'))}/{replicas(obj)}"


def template_containers(obj: Obj, _now: datetime) -> str:
    """CONTAINERS of spec.template."""
    return container_cells(dig(obj, "spec", "template", "spec"))[0]


def template_images(obj: Obj, _now: datetime) -> str:
    """IMAGES of spec.template."""
    return container_cells(dig(obj, "spec", "template", "spec"))[1]


def map_selector(obj: Obj, _now: datetime) -> str:
    """SELECTOR of a replication controller: its plain label map."""
    return map_string(as_map(dig(obj, "spec", "selector")))


def label_selector(obj: Obj, _now: datetime) -> str:
    """SELECTOR of a set-based spec.selector, `<none>` when empty."""
    return label_selector_cell(dig(obj, "spec", "selector"))


def deployment_selector(obj: Obj, _now: datetime) -> str:
    """Deployment SELECTOR: printed straight from the parsed selector, so empty stays empty."""
    return selector_string(dig(obj, "spec", "selector"))


# DaemonSet counts live under their own status names.
ds_desired = _status_int("desiredNumberScheduled")
ds_current = _status_int("currentNumberScheduled")
ds_ready = _status_int("numberReady")
ds_updated = _status_int("updatedNumberScheduled")
ds_available = _status_int("numberAvailable")


def ds_node_selector(obj: Obj, _now: datetime) -> str:
    """NODE SELECTOR: the pod template's nodeSelector (`disk=ssd`)."""
    return map_string(as_map(dig(obj, "spec", "template", "spec", "nodeSelector")))


def job_completions(obj: Obj, _now: datetime) -> str:
    """COMPLETIONS: `<succeeded>/<completions>`, or `/1 of <parallelism>` for work queues."""
    succeeded = num(dig(obj, "status", "succeeded"))
    completions = dig(obj, "spec", "completions")
    if completions is not None:
        return f"{succeeded}/{num(completions)}"
    parallelism = num(dig(obj, "spec", "parallelism"))
    if parallelism > 1:
        return f"{succeeded}/1 of {parallelism}"
    return f"{succeeded}/1"


def job_duration(obj: Obj, now: datetime) -> str:
    """DURATION: running time so far, or start to completion once done; empty before start."""
    start = _aware(parse_time(dig(obj, "status", "startTime")))
    if start is None:
        return ""
    end = _aware(parse_time(dig(obj, "status", "completionTime")))
    return human_duration(((end or now) - start).total_seconds())


def _aware(when: datetime | None) -> datetime | None:
    if when is not None and when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    return when


def cronjob_schedule(obj: Obj, _now: datetime) -> str:
    """SCHEDULE, verbatim."""
    return text(dig(obj, "spec", "schedule"))


def cronjob_suspend(obj: Obj, _now: datetime) -> str:
    """SUSPEND: True/False; `<unset>` if the field is absent (the server normally sets it)."""
    value = dig(obj, "spec", "suspend")
    if value is None:
        return "<unset>"
    return "True" if value is True else "False"


def cronjob_active(obj: Obj, _now: datetime) -> str:
    """ACTIVE: how many jobs are running."""
    return str(len(as_list(dig(obj, "status", "active"))))


def cronjob_last_schedule(obj: Obj, now: datetime) -> str:
    """LAST SCHEDULE: age of the last run, `<none>` if it never ran."""
    stamp = dig(obj, "status", "lastScheduleTime")
    return age(stamp, now) if stamp else "<none>"


def _job_template_pod(obj: Obj) -> Any:
    return dig(obj, "spec", "jobTemplate", "spec", "template", "spec")


def cronjob_containers(obj: Obj, _now: datetime) -> str:
    """CONTAINERS of the job template."""
    return container_cells(_job_template_pod(obj))[0]


def cronjob_images(obj: Obj, _now: datetime) -> str:
    """IMAGES of the job template."""
    return container_cells(_job_template_pod(obj))[1]


def cronjob_selector(obj: Obj, _now: datetime) -> str:
    """SELECTOR of the job template (usually unset, so `<none>`)."""
    return label_selector_cell(dig(obj, "spec", "jobTemplate", "spec", "selector"))


def hpa_reference(obj: Obj, _now: datetime) -> str:
    """REFERENCE: `<Kind>/<name>` of the scale target."""
    ref = as_map(dig(obj, "spec", "scaleTargetRef"))
    return f"{text(ref.get('kind'))}/{text(ref.get('name'))}"


def hpa_min_pods(obj: Obj, _now: datetime) -> str:
    """MINPODS, `<unset>` when absent."""
    value = dig(obj, "spec", "minReplicas")
    return "<unset>" if value is None else str(num(value))


def hpa_max_pods(obj: Obj, _now: datetime) -> str:
    """MAXPODS."""
    return str(num(dig(obj, "spec", "maxReplicas")))


def hpa_replicas(obj: Obj, _now: datetime) -> str:
    """REPLICAS: status.currentReplicas."""
    return str(num(dig(obj, "status", "currentReplicas")))


def hpa_targets(obj: Obj, _now: datetime) -> str:
    """TARGETS: up to two `<current>/<target>` entries, then ` + N more...`; `<none>` if none."""
    specs = as_list(dig(obj, "spec", "metrics"))
    statuses = as_list(dig(obj, "status", "currentMetrics"))
    if not specs and dig(obj, "spec", "targetCPUUtilizationPercentage") is not None:
        # An autoscaling/v1 shaped object: its single CPU target reads like a v2 metric.
        specs, statuses = _v1_cpu_metric(obj)
    if not specs:
        return "<none>"
    entries = [_metric_entry(spec, statuses[i] if i < len(statuses) else None)
               for i, spec in enumerate(specs)]
    shown = ", ".join(entries[:2])
    if len(entries) > 2:
        return f"{shown} + {len(entries) - 2} more..."
    return shown


def _v1_cpu_metric(obj: Obj) -> tuple[list[Any], list[Any]]:
    target = num(dig(obj, "spec", "targetCPUUtilizationPercentage"))
    spec = {"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": target}}}
    current = dig(obj, "status", "currentCPUUtilizationPercentage")
    if current is None:
        return [spec], []
    status = {"type": "Resource", "resource": {
        "name": "cpu", "current": {"averageUtilization": current}}}
    return [spec], [status]


# The key under which each metric type keeps its source, in spec and in status.
_METRIC_SOURCES = {"External": "external", "Pods": "pods", "Object": "object",
                   "Resource": "resource", "ContainerResource": "containerResource"}


def _metric_entry(spec: Any, status: Any) -> str:
    mtype = text(dig(spec, "type"))
    key = _METRIC_SOURCES.get(mtype)
    if key is None:
        return "<unknown type>"
    target = as_map(dig(spec, key, "target"))
    current_src = dig(status, key)
    current = as_map(dig(current_src, "current"))
    has_current = isinstance(current_src, dict)
    if mtype == "Pods":
        now = quantity_text(current.get("averageValue")) if has_current else "<unknown>"
        return f"{now}/{quantity_text(target.get('averageValue'))}"
    if mtype in ("External", "Object"):
        if target.get("averageValue") is not None:
            avg = current.get("averageValue")
            now = quantity_text(avg) if has_current and avg is not None else "<unknown>"
            return f"{now}/{quantity_text(target.get('averageValue'))} (avg)"
        now = quantity_text(current.get("value")) if has_current else "<unknown>"
        return f"{now}/{quantity_text(target.get('value'))}"
    # Resource and ContainerResource
    if target.get("averageValue") is not None:
        avg = current.get("averageValue")
        now = quantity_text(avg) if has_current and avg is not None else "<unknown>"
        return f"{now}/{quantity_text(target.get('averageValue'))}"
    util = current.get("averageUtilization")
    now = f"{num(util)}%" if has_current and util is not None else "<unknown>"
    goal = target.get("averageUtilization")
    wanted = "<auto>" if goal is None else f"{num(goal)}%"
    return f"{now}/{wanted}"


def _int_or_string(value: Any) -> str:
    if value is None:
        return "N/A"
    return text(value)


def pdb_min_available(obj: Obj, _now: datetime) -> str:
    """MIN AVAILABLE: a number or percentage, `N/A` when unset."""
    return _int_or_string(dig(obj, "spec", "minAvailable"))


def pdb_max_unavailable(obj: Obj, _now: datetime) -> str:
    """MAX UNAVAILABLE: a number or percentage, `N/A` when unset."""
    return _int_or_string(dig(obj, "spec", "maxUnavailable"))


pdb_allowed = _status_int("disruptionsAllowed")


def revision_controller(obj: Obj, _now: datetime) -> str:
    """CONTROLLER: `<kind>[.<group>]/<name>` of the controlling owner, or `<none>`."""
    for ref in as_list(dig(obj, "metadata", "ownerReferences")):
        if dig(ref, "controller") is True:
            group = text(dig(ref, "apiVersion")).rpartition("/")[0]
            kind = text(dig(ref, "kind"))
            qualified = f"{kind}.{group}" if group else kind
            return f"{qualified.lower()}/{text(dig(ref, 'name'))}"
    return "<none>"


def revision_number(obj: Obj, _now: datetime) -> str:
    """REVISION."""
    return str(num(obj.get("revision")))
