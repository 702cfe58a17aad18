"""The rest: Namespaces, Secrets, Nodes, Events, PriorityClasses, RBAC bindings and
LimitRanges."""

from __future__ import annotations

import base64
import copy

from kubia_tutor.api.defaulting.fields import Obj, _child, _entries, _existing, _fill, _unset

_RBAC_GROUP = "rbac.authorization.k8s.io"


def _default_namespace(namespace: Obj) -> None:
    status = _child(namespace, "status")
    if status is None:
        return
    # The `kubernetes` finalizer is added on create only; the namespace controller removes it
    # by update, so it must not come back. A stored namespace always has a phase, so a missing
    # phase is how a create looks from here.
    if _unset(status.get("phase")):
        spec = _child(namespace, "spec")
        if spec is not None:
            finalizers = spec.get("finalizers")
            if finalizers is None:
                finalizers = spec["finalizers"] = []
            if isinstance(finalizers, list) and "kubernetes" not in finalizers:
                finalizers.append("kubernetes")
        status["phase"] = "Active"


def _default_secret(secret: Obj) -> None:
    _fill(secret, "type", "Opaque")
    # v1 -> internal conversion: stringData values overwrite data's, and stringData is gone
    strings = secret.pop("stringData", None)
    if isinstance(strings, dict) and strings:
        data = secret.get("data")
        data = data if isinstance(data, dict) else {}
        secret["data"] = {**data, **{str(k): base64.b64encode(str(v).encode()).decode()
                                     for k, v in strings.items()}}


def _default_node(node: Obj) -> None:
    _child(node, "spec")
    status = _existing(node, "status")
    if status is not None and status.get("allocatable") is None \
            and isinstance(status.get("capacity"), dict):
        status["allocatable"] = dict(status["capacity"])


def _default_event(event: Obj) -> None:
    # Fields of core/v1 Event that print even when nobody set them.
    for key, value in (("eventTime", None), ("firstTimestamp", None), ("lastTimestamp", None),
                       ("reportingComponent", ""), ("reportingInstance", ""),
                       ("involvedObject", {}), ("source", {})):
        event.setdefault(key, copy.deepcopy(value))


def _default_priority_class(priority_class: Obj) -> None:
    _fill(priority_class, "preemptionPolicy", "PreemptLowerPriority")


def _default_role_binding(binding: Obj) -> None:
    role_ref = _existing(binding, "roleRef")
    if role_ref is not None:
        _fill(role_ref, "apiGroup", _RBAC_GROUP)
    for subject in _entries(binding, "subjects"):
        if _unset(subject.get("apiGroup")) and subject.get("kind") in ("User", "Group"):
            subject["apiGroup"] = _RBAC_GROUP


def _default_limit_range(limit_range: Obj) -> None:
    """Container items: default falls back to max, defaultRequest to default, then to min."""
    for item in _entries(_existing(limit_range, "spec"), "limits"):
        if item.get("type") != "Container":
            continue
        default = dict(_existing(item, "default") or {})
        request = dict(_existing(item, "defaultRequest") or {})
        for name, value in (_existing(item, "max") or {}).items():
            default.setdefault(name, value)
        for source in (default, _existing(item, "min") or {}):
            for name, value in source.items():
                request.setdefault(name, value)
        # Empty maps are omitted when printed, so only non-empty ones appear.
        if default:
            item["default"] = default
        if request:
            item["defaultRequest"] = request
