"""The autoscaler's view of the resource metrics API (metrics.k8s.io PodMetrics), as
client-go's `resourceMetricsClient` reads it: one value per pod (its containers' usage added
up, CPU in millicores), with when it was measured and over how long a window.

It reads through the API server's non-resource path, so whatever serves `kubectl top` (the
daemon's metrics collector on Podman, a fake source in tests) serves the autoscaler too, and
a cluster without one fails the way a cluster without metrics-server does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.quantity import Quantity, QuantityError
from kubia_tutor.api.server import ApiServer
from kubia_tutor.controllers.pod_template import parse_timestamp

Obj = dict[str, Any]
_NO_RESOURCE = "the server could not find the requested resource"
_DURATION_PART = re.compile(r"([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0,
                 "h": 3600.0}


class MetricsError(Exception):
    """A metric could not be read; str() is the error as the HPA controller words it."""


@dataclass(frozen=True)
class PodMetric:
    """One pod's usage in thousandths of the unit (millicores for CPU, millibytes for
    memory, as `Quantity.MilliValue` counts both): `metricsclient.PodMetric`."""

    value: int
    timestamp: datetime | None = None
    window: float = 0.0  # seconds


def pod_metrics(api: ApiServer, namespace: str, selector: str, resource: str
                ) -> dict[str, PodMetric]:
    """Usage of `resource` by the pods the selector picks, by pod name.

    Raises MetricsError: `unable to fetch metrics from resource metrics API: ...` when the API
    is not there, `no metrics returned from resource metrics API` when it has none yet."""
    path = (f"/apis/metrics.k8s.io/v1beta1/namespaces/{namespace}/pods"
            f"?labelSelector={quote(selector, safe='')}")
    try:
        listing = api.raw_get(path)
    except ApiError as err:
        message = err.message
        if err.code == 404 and message == _NO_RESOURCE:
            message += " (get pods.metrics.k8s.io)"  # client-go names what it asked for
        raise MetricsError(f"unable to fetch metrics from resource metrics API: {message}"
                           ) from None
    items = (listing or {}).get("items") or []
    if not items:
        raise MetricsError("no metrics returned from resource metrics API")
    found: dict[str, PodMetric] = {}
    for item in items:
        containers = item.get("containers") or []
        total, missing = 0, not containers
        for container in containers:
            usage = (container.get("usage") or {}).get(resource)
            if usage is None:
                missing = True
                break
            total += _milli(usage)
        if not missing:
            name = str((item.get("metadata") or {}).get("name") or "")
            found[name] = PodMetric(total, parse_timestamp(item.get("timestamp")),
                                    go_seconds(str(item.get("window") or "")))
    return found


def _milli(value: Any) -> int:
    try:
        return Quantity.parse(value).milli_value()
    except (QuantityError, TypeError):
        return 0


def go_seconds(text: str) -> float:
    """A Go duration (`15s`, `1m0.5s`, `250ms`) in seconds; 0 when it is not one."""
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return 0.0
    return sum(float(number) * _UNIT_SECONDS[unit] for number, unit in parts)
