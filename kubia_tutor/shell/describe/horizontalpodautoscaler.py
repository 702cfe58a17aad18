"""`kubectl describe hpa` in the layout kubectl 1.20 uses for autoscaling/v2beta2 objects."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubia_tutor.shell.describe.context import DescribeContext
from kubia_tutor.shell.describe.events import append_events
from kubia_tutor.shell.describe.meta import quantity, spec_of, status_of
from kubia_tutor.shell.describe.writer import (
    PrefixWriter,
    header,
    object_meta,
    rfc1123z,
)


def describe_horizontalpodautoscaler(obj: dict[str, Any], ctx: DescribeContext) -> str:
    """Reference, one line per metric (`current / target`), replica bounds and conditions."""
    w = PrefixWriter()
    spec, status = spec_of(obj), status_of(obj)
    target = spec.get("scaleTargetRef") or {}
    header(w, obj)
    w.line(0, "CreationTimestamp:", rfc1123z(object_meta(obj).get("creationTimestamp")))
    w.line(0, "Reference:", f"{target.get('kind', '')}/{target.get('name', '')}")
    w.line(0, "Metrics:", "( current / target )")
    current = _current_metrics(status)
    for i, metric in enumerate(_metrics(spec)):
        _metric_line(w, metric, current[i] if i < len(current) else {})
    min_replicas = spec.get("minReplicas")
    w.line(0, "Min replicas:", "<unset>" if min_replicas is None else int(min_replicas))
    w.line(0, "Max replicas:", int(spec.get("maxReplicas") or 0))
    w.line(0, f"{target.get('kind', '')} pods:", f"{int(status.get('currentReplicas') or 0)} "
           f"current / {int(status.get('desiredReplicas') or 0)} desired")
    conditions = status.get("conditions") or []
    if conditions:
        w.write(0, "Conditions:\n")
        w.line(1, "Type", "Status", "Reason", "Message")
        w.line(1, "----", "------", "------", "-------")
        for c in conditions:
            w.line(1, c.get("type", ""), c.get("status", ""), c.get("reason", ""),
                   c.get("message", ""))
    append_events(w, obj, ctx)
    return w.render()


def _metrics(spec: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Spec metrics (the stored v2 shape), or v1's CPU target as the one metric it means."""
    if spec.get("metrics"):
        return list(spec["metrics"])
    if spec.get("targetCPUUtilizationPercentage") is not None:
        pct = int(spec["targetCPUUtilizationPercentage"])
        return [{"type": "Resource", "resource": {"name": "cpu", "target": {
            "type": "Utilization", "averageUtilization": pct}}}]
    return []


def _current_metrics(status: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Current metrics, or v1's CPU utilisation (which carries no average value)."""
    if status.get("currentMetrics"):
        return list(status["currentMetrics"])
    if status.get("currentCPUUtilizationPercentage") is not None:
        return [{"type": "Resource", "resource": {"name": "cpu", "current": {
            "averageUtilization": int(status["currentCPUUtilizationPercentage"])}}}]
    return []


def _quantity(value: object) -> str:
    # A missing Quantity pointer prints as <nil> in kubectl.
    return "<nil>" if value is None else str(quantity(value))


def _metric_line(w: PrefixWriter, metric: Mapping[str, Any], current: Mapping[str, Any]) -> None:
    kind = metric.get("type", "")
    if kind == "Resource":
        resource = metric.get("resource") or {}
        target = resource.get("target") or {}
        now = (current.get("resource") or {}).get("current") or {}
        w.write(1, f"resource {resource.get('name', '')} on pods")
        if target.get("averageValue") is not None:
            value = _quantity(now.get("averageValue")) if now else "<unknown>"
            w.write(0, f":\t{value} / {_quantity(target['averageValue'])}\n")
            return
        value = "<unknown>"
        if now.get("averageUtilization") is not None:
            value = f"{int(now['averageUtilization'])}% ({_quantity(now.get('averageValue'))})"
        goal = target.get("averageUtilization")
        w.write(1, f"(as a percentage of request):\t{value} / "
                   f"{'<auto>' if goal is None else f'{int(goal)}%'}\n")
    elif kind == "Pods":
        pods = metric.get("pods") or {}
        now = (current.get("pods") or {}).get("current") or {}
        value = _quantity(now.get("averageValue")) if now else "<unknown>"
        name = (pods.get("metric") or {}).get("name", "")
        target = (pods.get("target") or {}).get("averageValue")
        w.write(1, f'"{name}" on pods:\t{value} / {_quantity(target)}\n')
    else:
        w.write(1, f'<unknown metric type "{kind}">\n')
