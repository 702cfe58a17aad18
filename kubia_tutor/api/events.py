"""Recording Events the way Kubernetes components do: one object per (object, reason,
message), its count and lastTimestamp bumped when the same thing happens again."""

from __future__ import annotations

import hashlib
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


def record(api: ApiServer, obj: Obj, event_type: str, reason: str, message: str, *,
           component: str, host: str = "", field_path: str = "") -> None:
    """Create or bump the Event for this occurrence; never fails the caller."""
    rt = resolve("events")
    ref = involved(obj, field_path)
    namespace = ref.get("namespace") or "default"
    digest = hashlib.sha1(f"{ref.get('uid')}|{reason}|{message}|{field_path}".encode())
    name = f"{ref.get('name')}.{digest.hexdigest()[:16]}"
    now = api.now()
    try:
        existing = api.get(rt, namespace, name)
    except ApiError:
        existing = None
    try:
        if existing is not None:
            existing["count"] = int(existing.get("count") or 1) + 1
            existing["lastTimestamp"] = now
            api.update(rt, namespace, name, existing)
            return
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
