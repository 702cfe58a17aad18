"""A pod's resource requests and limits as Kubernetes totals them, and the tolerations check.

One helper for everyone who counts a pod: the scheduler (what it needs from a node), the
quota admission and its status controller (what it uses of a namespace), LimitRanger's Pod
type and `kubectl describe node`. The rule is Kubernetes' (`PodRequestsAndLimits`): app
containers add up, init containers run one at a time so the largest of them is compared
with that sum, and the pod's overhead is added to the requests and to limits that are set.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubia_tutor.api.quantity import Quantity, QuantityError

Obj = dict[str, Any]
Amounts = dict[str, Quantity]


def resource_amounts(values: Any) -> Amounts:
    """A ResourceList (`{"cpu": "100m"}`) as quantities; malformed entries are skipped."""
    out: Amounts = {}
    if not isinstance(values, Mapping):
        return out
    for name, value in values.items():
        try:
            out[str(name)] = Quantity.parse(value)
        except (QuantityError, TypeError):
            continue
    return out


def container_amounts(container: Mapping[str, Any],
                      default_requests: bool = False) -> tuple[Amounts, Amounts]:
    """A container's (requests, limits). With `default_requests`, a limit without a request
    counts as the request too, as the API server's defaulting makes it (admission runs
    before defaulting here, so admission asks for this)."""
    resources = container.get("resources") or {}
    if not isinstance(resources, Mapping):
        return {}, {}
    limits = resource_amounts(resources.get("limits"))
    requests = resource_amounts(resources.get("requests"))
    if default_requests:
        requests = {**limits, **requests}
    return requests, limits


def _containers(spec: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    items = spec.get(key)
    return [c for c in items if isinstance(c, Mapping)] if isinstance(items, list) else []


def pod_requests_and_limits(pod: Mapping[str, Any],
                            default_requests: bool = False) -> tuple[Amounts, Amounts]:
    """The pod's total (requests, limits): containers summed, raised to any larger
    init-container amount, plus the pod overhead."""
    spec = pod.get("spec") or {}
    if not isinstance(spec, Mapping):
        return {}, {}
    requests: Amounts = {}
    limits: Amounts = {}
    for container in _containers(spec, "containers"):
        for total, amounts in zip((requests, limits),
                                  container_amounts(container, default_requests), strict=True):
            for name, quantity in amounts.items():
                total[name] = total[name] + quantity if name in total else quantity
    for container in _containers(spec, "initContainers"):
        for total, amounts in zip((requests, limits),
                                  container_amounts(container, default_requests), strict=True):
            for name, quantity in amounts.items():
                if name not in total or quantity.value > total[name].value:
                    total[name] = quantity
    for name, quantity in resource_amounts(spec.get("overhead")).items():
        requests[name] = requests[name] + quantity if name in requests else quantity
        if name in limits:
            limits[name] = limits[name] + quantity
    return requests, limits


def is_terminal(pod: Mapping[str, Any]) -> bool:
    """True once the pod has Succeeded or Failed: it holds no resources any more."""
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


def tolerates(tolerations: Any, taint: Mapping[str, Any]) -> bool:
    """Whether any toleration matches the taint (Toleration.ToleratesTaint): an empty effect
    or key matches any; `Exists` ignores the value, `Equal` (the default) compares it."""
    for toleration in tolerations if isinstance(tolerations, list) else []:
        if not isinstance(toleration, Mapping):
            continue
        if toleration.get("effect") and toleration.get("effect") != taint.get("effect"):
            continue
        if toleration.get("key") and toleration.get("key") != taint.get("key"):
            continue
        operator = toleration.get("operator") or "Equal"
        if operator == "Exists" or (operator == "Equal" and
                                    (toleration.get("value") or "") == (taint.get("value") or "")):
            return True
    return False
