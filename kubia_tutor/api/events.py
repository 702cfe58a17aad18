"""Recording Events the way Kubernetes components do: one object per (object, reason,
message), its count and lastTimestamp bumped when the same thing happens again."""

from __future__ import annotations

import threading
from typing import Any

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import resolve
from kubia_tutor.api.server import ApiServer

Obj = dict[str, Any]


def involved(obj: Obj, field_path: str = "") -> Obj:
    """The involvedObject reference for an object."""
    meta = obj.get("metadata") or {}
    ref: Obj = {
        "kind": obj.get("kind"),
        "namespace": meta.get("namespace"),
        "name": meta.get("name"),
        "uid": meta.get("uid"),
        "apiVersion": obj.get("apiVersion"),
        "resourceVersion": meta.get("resourceVersion"),
    }
    if field_path:
        ref["fieldPath"] = field_path
    return {k: v for k, v in ref.items() if v is not None}


_names = threading.Lock()
_last_nanos = 0


def _event_name(api: ApiServer, object_name: str) -> str:
    """`<object>.<creation time in hex nanoseconds>`, as Kubernetes names events; strictly
    increasing even on a frozen clock, so listing by name lists in the order they happened."""
    global _last_nanos
    with _names:
        nanos = max(int(api.clock.now().timestamp() * 1_000_000_000), _last_nanos + 1)
        _last_nanos = nanos
    return f"{object_name}.{nanos:x}"


def _existing(api: ApiServer, namespace: str, ref: Obj, reason: str, message: str,
              field_path: str) -> Obj | None:
    """The event already recorded for the same occurrence on the same object, if any."""
    selector = f"involvedObject.uid={ref.get('uid')},reason={reason}"
    try:
        found = api.list(resolve("events"), namespace, field_selector=selector)["items"]
    except ApiError:
        return None
    for event in found:
        if event.get("message") == message and \
                (event.get("involvedObject") or {}).get("fieldPath", "") == field_path:
            return dict(event)
    return None


def record(api: ApiServer, obj: Obj, event_type: str, reason: str, message: str, *,
           component: str, host: str = "", field_path: str = "") -> None:
    """Create or bump the Event for this occurrence; never fails the caller."""
    rt = resolve("events")
    ref = involved(obj, field_path)
    namespace = ref.get("namespace") or "default"
    now = api.now()
    existing = _existing(api, namespace, ref, reason, message, field_path)
    try:
        if existing is not None:
            existing["count"] = int(existing.get("count") or 1) + 1
            existing["lastTimestamp"] = now
            api.update(rt, namespace, existing["metadata"]["name"], existing)
            return
        name = _event_name(api, str(ref.get("name")))
        source: Obj = {"component": component}
        if host:
            source["host"] = host
        api.create(rt, namespace, {
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": name, "namespace": namespace},
            "involvedObject": ref, "reason": reason, "message": message,
            "source": source, "firstTimestamp": now, "lastTimestamp": now, "count": 1,
            "type": event_type, "eventTime": None, "reportingComponent": "",
            "reportingInstance": "",
        })
    except ApiError:
        return  # events are best effort, as in Kubernetes
