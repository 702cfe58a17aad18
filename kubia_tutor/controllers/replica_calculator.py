"""The autoscaler's arithmetic, as Kubernetes 1.20's `replica_calculator.go` and
`horizontal.go` do it: pure functions of pods, metrics and time, so tests can drive them.

- `resource_replicas`: utilization = usage / requests over the ready pods; desired =
  ceil(ready pods * utilization / target), unless within the 10% tolerance. Pods still
  starting are left out (Pending ones, and for CPU unready ones or samples taken before a
  whole window of readiness), pods without metrics count as 100% on a scale-down and 0% on a
  scale-up, and a result that would flip the direction keeps the current count.
- `limit_replicas`: min/max replicas and the scale-up limit of max(2 * current, 4).
- `Recommendations`: the downscale stabilization window, the highest recommendation of the
  last 5 minutes, kept per HPA.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kubia_tutor.api.quantity import Quantity, QuantityError
from kubia_tutor.controllers.pod_template import parse_timestamp
from kubia_tutor.controllers.resource_metrics import MetricsError, PodMetric

Obj = dict[str, Any]

TOLERANCE = 0.1
CPU_INITIALIZATION_PERIOD = 300.0  # --horizontal-pod-autoscaler-cpu-initialization-period
INITIAL_READINESS_DELAY = 30.0  # --horizontal-pod-autoscaler-initial-readiness-delay
DOWNSCALE_STABILIZATION = 300.0  # --horizontal-pod-autoscaler-downscale-stabilization
SCALE_UP_FACTOR = 2.0
SCALE_UP_MINIMUM = 4.0


@dataclass(frozen=True)
class Proposal:
    """What one metric asks for: replicas, and the utilization (percent, for a utilization
    target) and raw average (thousandths of the unit) it saw."""

    replicas: int
    utilization: int
    raw_average: int


def group_pods(pods: list[Obj], metrics: dict[str, PodMetric], resource: str, now: datetime
               ) -> tuple[int, set[str], set[str]]:
    """(ready pod count, ignored pods, pods without metrics), as `groupPods` sorts them."""
    ready, ignored, missing = 0, set(), set()
    for pod in pods:
        name = pod["metadata"]["name"]
        status = pod.get("status") or {}
        if pod["metadata"].get("deletionTimestamp") or status.get("phase") == "Failed":
            continue
        if status.get("phase") == "Pending":
            ignored.add(name)
            continue
        metric = metrics.get(name)
        if metric is None:
            missing.add(name)
            continue
        if resource == "cpu" and _cpu_sample_ignored(status, metric, now):
            ignored.add(name)
            continue
        ready += 1
    return ready, ignored, missing


def _cpu_sample_ignored(status: Obj, metric: PodMetric, now: datetime) -> bool:
    """A pod's CPU is skewed while it starts: within the initialization period a sample
    counts only once the pod is ready and a whole window was measured after that; later,
    only a pod that has never been ready is left out."""
    condition = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"),
                     None)
    started = parse_timestamp(status.get("startTime"))
    if condition is None or started is None:
        return True
    since = parse_timestamp(condition.get("lastTransitionTime")) or started
    unready = condition.get("status") == "False"
    if started + timedelta(seconds=CPU_INITIALIZATION_PERIOD) > now:
        sampled = metric.timestamp or now
        return unready or sampled < since + timedelta(seconds=metric.window)
    return unready and started + timedelta(seconds=INITIAL_READINESS_DELAY) > since


def pod_requests(pods: list[Obj], resource: str) -> dict[str, int]:
    """Each pod's request of the resource in thousandths; every container must have one."""
    requests: dict[str, int] = {}
    for pod in pods:
        total = 0
        for container in (pod.get("spec") or {}).get("containers") or []:
            value = ((container.get("resources") or {}).get("requests") or {}).get(resource)
            if value is None:
                raise MetricsError(f"missing request for {resource}")
            try:
                total += Quantity.parse(value).milli_value()
            except (QuantityError, TypeError):
                raise MetricsError(f"missing request for {resource}") from None
        requests[pod["metadata"]["name"]] = total
    return requests


def utilization_ratio(metrics: dict[str, int], requests: dict[str, int], target: int
                      ) -> tuple[float, int, int]:
    """(usage / target ratio, utilization percent, average usage), over the pods that have
    both a metric and a request (`GetResourceUtilizationRatio`)."""
    used = requested = entries = 0
    for name, value in metrics.items():
        if name in requests:
            used += value
            requested += requests[name]
            entries += 1
    if requested == 0:
        raise MetricsError("no metrics returned matched known pods")
    utilization = used * 100 // requested
    return utilization / target, utilization, used // entries


def resource_replicas(current: int, target_utilization: int, metrics: dict[str, PodMetric],
                      pods: list[Obj], resource: str, now: datetime) -> Proposal:
    """The replica count a utilization target asks for (`GetResourceReplicas`)."""
    if not pods:
        raise MetricsError("no pods returned by selector while calculating replica count")
    ready, ignored, missing = group_pods(pods, metrics, resource, now)
    values = {name: m.value for name, m in metrics.items() if name not in ignored}
    requests = pod_requests(pods, resource)
    if not values:
        raise MetricsError("did not receive metrics for any ready pods")
    ratio, utilization, raw = utilization_ratio(values, requests, target_utilization)
    rebalance = bool(ignored) and ratio > 1.0
    if not rebalance and not missing:
        if abs(1.0 - ratio) <= TOLERANCE:
            return Proposal(current, utilization, raw)
        return Proposal(math.ceil(ratio * ready), utilization, raw)
    _fill_gaps(values, missing, ignored if rebalance else set(), ratio,
               lambda name: requests.get(name, 0))
    new_ratio = utilization_ratio(values, requests, target_utilization)[0]
    return Proposal(_rebalanced(current, ratio, new_ratio, len(values)), utilization, raw)


def value_replicas(current: int, target_milli: int, metrics: dict[str, PodMetric],
                   pods: list[Obj], resource: str, now: datetime) -> Proposal:
    """The replica count an average-value target asks for (`calcPlainMetricReplicas`)."""
    if not pods:
        raise MetricsError("no pods returned by selector while calculating replica count")
    ready, ignored, missing = group_pods(pods, metrics, resource, now)
    values = {name: m.value for name, m in metrics.items() if name not in ignored}
    if not values:
        raise MetricsError("did not receive metrics for any ready pods")
    average = sum(values.values()) // len(values)
    ratio = average / target_milli
    rebalance = bool(ignored) and ratio > 1.0
    if not rebalance and not missing:
        if abs(1.0 - ratio) <= TOLERANCE:
            return Proposal(current, 0, average)
        return Proposal(math.ceil(ratio * ready), 0, average)
    _fill_gaps(values, missing, ignored if rebalance else set(), ratio, lambda _: target_milli)
    new_ratio = (sum(values.values()) // len(values)) / target_milli
    return Proposal(_rebalanced(current, ratio, new_ratio, len(values)), 0, average)


def _fill_gaps(values: dict[str, int], missing: set[str], ignored: set[str], ratio: float,
               full: Any) -> None:
    """Pods without metrics use all they asked for on a scale-down and nothing on a
    scale-up; on a scale-up the ignored (starting) pods count as using nothing."""
    for name in missing:
        values[name] = full(name) if ratio < 1.0 else 0
    for name in ignored:
        values[name] = 0


def _rebalanced(current: int, ratio: float, new_ratio: float, pods: int) -> int:
    if abs(1.0 - new_ratio) <= TOLERANCE or (ratio < 1.0 < new_ratio) or \
            (ratio > 1.0 > new_ratio):
        return current  # too small a change, or the gaps flipped the direction
    return math.ceil(new_ratio * pods)


def scale_up_limit(current: int) -> int:
    return int(max(SCALE_UP_FACTOR * current, SCALE_UP_MINIMUM))


def limit_replicas(current: int, desired: int, minimum: int, maximum: int
                   ) -> tuple[int, str, str]:
    """(allowed replicas, ScalingLimited reason, message): `convertDesiredReplicasWithRules`."""
    limit = scale_up_limit(current)
    if maximum > limit:
        ceiling, reason = limit, "ScaleUpLimit"
        message = "the desired replica count is increasing faster than the maximum scale rate"
    else:
        ceiling, reason = maximum, "TooManyReplicas"
        message = "the desired replica count is more than the maximum replica count"
    if desired < minimum:
        return (minimum, "TooFewReplicas",
                "the desired replica count is less than the minimum replica count")
    if desired > ceiling:
        return ceiling, reason, message
    return desired, "DesiredWithinRange", "the desired count is within the acceptable range"


class Recommendations:
    """Recent recommendations per HPA, for the downscale stabilization window."""

    def __init__(self, window: float = DOWNSCALE_STABILIZATION) -> None:
        self.window = window
        self._by_key: dict[str, list[tuple[int, float]]] = {}

    def record_initial(self, key: str, replicas: int, now: float) -> None:
        """A new HPA starts from the target's current size, so it does not scale down at
        once after a restart of the controller."""
        self._by_key.setdefault(key, [(replicas, now)])

    def stabilize(self, key: str, recommendation: int, now: float) -> int:
        """The highest recommendation within the window (this one included); stores this
        one in the place of an expired one."""
        found = self._by_key.setdefault(key, [])
        highest = recommendation
        expired = -1
        for i, (value, when) in enumerate(found):
            if when < now - self.window:
                expired = i
            elif value > highest:
                highest = value
        if expired >= 0:
            found[expired] = (recommendation, now)
        else:
            found.append((recommendation, now))
        return highest

    def forget(self, key: str) -> None:
        self._by_key.pop(key, None)
