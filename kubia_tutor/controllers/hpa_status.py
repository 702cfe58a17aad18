"""An HPA's status as the autoscaler writes it: the conditions list (AbleToScale,
ScalingActive, ScalingLimited; a condition's lastTransitionTime moves only when its status
does) and the metric statuses in the stored autoscaling/v2 shape."""

from __future__ import annotations

import copy
from fractions import Fraction
from typing import Any

from kubia_tutor.api.quantity import Quantity

Obj = dict[str, Any]


class HpaStatus:
    """The status being built during one pass, starting from what is stored."""

    def __init__(self, hpa: Obj, now: str) -> None:
        stored = hpa.get("status") or {}
        self.now = now
        self.conditions: list[Obj] = copy.deepcopy(stored.get("conditions") or [])
        self.current_metrics: list[Obj] | None = copy.deepcopy(stored.get("currentMetrics"))
        self.desired = int(stored.get("desiredReplicas") or 0)
        self.last_scale_time = stored.get("lastScaleTime")

    def condition(self, kind: str, status: str, reason: str, message: str) -> None:
        """`setCondition`: replace in place or append; a new status gets a new time."""
        found = next((c for c in self.conditions if c.get("type") == kind), None)
        if found is None:
            found = {"type": kind}
            self.conditions.append(found)
        if found.get("status") != status:
            found["lastTransitionTime"] = self.now
        found.update({"status": status, "reason": reason, "message": message})

    def render(self, current: int, desired: int, rescaled: bool) -> Obj:
        """The status object (`setStatus`): lastScaleTime moves only on a rescale."""
        if rescaled:
            self.last_scale_time = self.now
        status: Obj = {"currentReplicas": current, "desiredReplicas": desired}
        if self.last_scale_time:
            status["lastScaleTime"] = self.last_scale_time
        if self.current_metrics:
            status["currentMetrics"] = self.current_metrics
        if self.conditions:
            status["conditions"] = [_ordered(c) for c in self.conditions]
        return status


def _ordered(condition: Obj) -> Obj:
    keys = ("type", "status", "lastTransitionTime", "reason", "message")
    return {k: condition[k] for k in keys if k in condition}


def milli_quantity(milli: int) -> str:
    """`resource.NewMilliQuantity(v, DecimalSI)` as text: 45 -> `45m`, 1000 -> `1`."""
    return Quantity(Fraction(milli, 1000)).canonical()


def resource_status(name: str, raw_average: int, utilization: int | None) -> Obj:
    """A Resource metric's current value in the autoscaling/v2 shape."""
    current: Obj = {"averageValue": milli_quantity(raw_average)}
    if utilization is not None:
        current["averageUtilization"] = utilization
    return {"type": "Resource", "resource": {"name": name, "current": current}}
