"""A pod's QoS class, as the API server sets `status.qosClass` (describe shows it too)."""

from __future__ import annotations

from typing import Any

from kubia_tutor.api.defaulting.fields import Obj, _containers, _existing
from kubia_tutor.api.quantity import Quantity, QuantityError

# Only these two count towards a pod's QoS class; hugepages and ephemeral-storage do not.
_QOS_RESOURCES = ("cpu", "memory")


def _positive(value: Any) -> Quantity | None:
    if not isinstance(value, str | int | float):
        return None
    try:
        quantity = Quantity.parse(value)
    except QuantityError:
        return None
    return quantity if quantity.value > 0 else None


def pod_qos_class(pod: Obj) -> str:
    """`Guaranteed`, `Burstable` or `BestEffort`, as the API server sets `status.qosClass`.

    Only cpu and memory count, summed over containers and init containers. Requests a Pod
    would get from its limits by defaulting are taken into account, so the answer is the same
    before and after `apply_defaults`.
    """
    spec = pod.get("spec")
    requests: dict[str, Quantity] = {}
    limits: dict[str, Quantity] = {}
    guaranteed = True
    for container in _containers(spec if isinstance(spec, dict) else {}):
        resources = _existing(container, "resources")
        own_limits: Obj = _existing(resources, "limits") or {}
        own_requests: Obj = {**own_limits, **(_existing(resources, "requests") or {})}
        for name in _QOS_RESOURCES:
            request = _positive(own_requests.get(name))
            if request is not None:
                requests[name] = requests.get(name, Quantity(0)) + request
            limit = _positive(own_limits.get(name))
            if limit is not None:
                limits[name] = limits.get(name, Quantity(0)) + limit
            else:
                # Every container must limit both cpu and memory to be Guaranteed.
                guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if guaranteed and requests.keys() == limits.keys() \
            and all(requests[name] == limits[name] for name in requests):
        return "Guaranteed"
    return "Burstable"
