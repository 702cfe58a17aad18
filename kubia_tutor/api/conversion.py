"""Conversion of the book's old apiVersions to the versions this cluster stores.

The book was written against 1.7-1.9 clusters: Deployments in apps/v1beta1, ReplicaSets in
apps/v1beta2, Ingress and friends in extensions/v1beta1, CronJobs in batch/v1beta1. A 1.20
cluster no longer serves most of them, which would stop a learner at the first manifest. We
accept them, convert to the current version, and warn with the API server's own deprecation
wording so the learner sees what changed.
"""

from __future__ import annotations

import copy
from typing import Any

Obj = dict[str, Any]

# (old apiVersion, kind) -> (new apiVersion, deprecated in, unavailable in)
_MOVES: dict[tuple[str, str], tuple[str, str, str]] = {
    ("extensions/v1beta1", "Deployment"): ("apps/v1", "v1.8", "v1.16"),
    ("extensions/v1beta1", "DaemonSet"): ("apps/v1", "v1.8", "v1.16"),
    ("extensions/v1beta1", "ReplicaSet"): ("apps/v1", "v1.8", "v1.16"),
    ("extensions/v1beta1", "NetworkPolicy"): ("networking.k8s.io/v1", "v1.9", "v1.16"),
    ("extensions/v1beta1", "Ingress"): ("networking.k8s.io/v1", "v1.14", "v1.22"),
    ("networking.k8s.io/v1beta1", "Ingress"): ("networking.k8s.io/v1", "v1.19", "v1.22"),
    ("apps/v1beta1", "Deployment"): ("apps/v1", "v1.9", "v1.16"),
    ("apps/v1beta1", "StatefulSet"): ("apps/v1", "v1.9", "v1.16"),
    ("apps/v1beta2", "Deployment"): ("apps/v1", "v1.9", "v1.16"),
    ("apps/v1beta2", "StatefulSet"): ("apps/v1", "v1.9", "v1.16"),
    ("apps/v1beta2", "ReplicaSet"): ("apps/v1", "v1.9", "v1.16"),
    ("apps/v1beta2", "DaemonSet"): ("apps/v1", "v1.9", "v1.16"),
    ("batch/v1beta1", "CronJob"): ("batch/v1", "v1.21", "v1.25"),
    ("batch/v2alpha1", "CronJob"): ("batch/v1", "v1.8", "v1.21"),
    ("autoscaling/v2beta1", "HorizontalPodAutoscaler"): ("autoscaling/v2", "v1.22", "v1.25"),
    ("autoscaling/v2beta2", "HorizontalPodAutoscaler"): ("autoscaling/v2", "v1.23", "v1.26"),
    ("policy/v1beta1", "PodDisruptionBudget"): ("policy/v1", "v1.21", "v1.25"),
    ("rbac.authorization.k8s.io/v1beta1", "Role"): ("rbac.authorization.k8s.io/v1", "v1.17",
                                                    "v1.22"),
    ("rbac.authorization.k8s.io/v1beta1", "RoleBinding"): ("rbac.authorization.k8s.io/v1",
                                                           "v1.17", "v1.22"),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRole"): ("rbac.authorization.k8s.io/v1",
                                                           "v1.17", "v1.22"),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRoleBinding"): (
        "rbac.authorization.k8s.io/v1", "v1.17", "v1.22"),
    ("storage.k8s.io/v1beta1", "StorageClass"): ("storage.k8s.io/v1", "v1.19", "v1.22"),
}

# Versions still served that we store in a newer form without a warning.
_SILENT: dict[tuple[str, str], str] = {
    ("autoscaling/v1", "HorizontalPodAutoscaler"): "autoscaling/v2",
}


def convert(obj: Obj) -> tuple[Obj, str | None]:
    """Return the object in its stored version and the warning to print, if any."""
    key = (str(obj.get("apiVersion", "")), str(obj.get("kind", "")))
    if key in _SILENT:
        new = copy.deepcopy(obj)
        new["apiVersion"] = _SILENT[key]
        _convert_body(key, new)
        return new, None
    move = _MOVES.get(key)
    if move is None:
        return obj, None
    target, deprecated, unavailable = move
    new = copy.deepcopy(obj)
    new["apiVersion"] = target
    _convert_body(key, new)
    warning = (f"{key[0]} {key[1]} is deprecated in {deprecated}+, unavailable in "
               f"{unavailable}+; use {target} {key[1]}")
    return new, warning


def is_convertible(api_version: str, kind: str) -> bool:
    """True when `convert` knows this (apiVersion, kind)."""
    return (api_version, kind) in _MOVES or (api_version, kind) in _SILENT


def _convert_body(key: tuple[str, str], obj: Obj) -> None:
    version, kind = key
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return
    if kind in ("Deployment", "DaemonSet", "ReplicaSet", "StatefulSet"):
        _default_selector(spec)
    if kind == "Ingress":
        _convert_ingress(spec)
    if kind == "HorizontalPodAutoscaler":
        _convert_hpa(version, spec)


def _default_selector(spec: Obj) -> None:
    """The beta versions defaulted the selector to the template's labels; apps/v1 requires it."""
    if spec.get("selector"):
        return
    labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels")
    if isinstance(labels, dict) and labels:
        spec["selector"] = {"matchLabels": dict(labels)}


def _convert_backend(backend: Any) -> Any:
    if not isinstance(backend, dict) or "serviceName" not in backend:
        return backend
    port = backend.get("servicePort")
    port_ref = {"number": port} if isinstance(port, int) else {"name": str(port)}
    if isinstance(port, str) and port.isdigit():
        port_ref = {"number": int(port)}
    return {"service": {"name": backend["serviceName"], "port": port_ref}}


def _convert_ingress(spec: Obj) -> None:
    if "backend" in spec:
        spec["defaultBackend"] = _convert_backend(spec.pop("backend"))
    for rule in spec.get("rules") or []:
        http = rule.get("http") if isinstance(rule, dict) else None
        for path in (http or {}).get("paths") or []:
            if not isinstance(path, dict):
                continue
            path["backend"] = _convert_backend(path.get("backend"))
            path.setdefault("pathType", "ImplementationSpecific")


def _convert_hpa(version: str, spec: Obj) -> None:
    if version == "autoscaling/v1":
        target = spec.pop("targetCPUUtilizationPercentage", None)
        if target is not None:
            spec["metrics"] = [{"type": "Resource", "resource": {
                "name": "cpu", "target": {"type": "Utilization", "averageUtilization": target}}}]
        return
    if version != "autoscaling/v2beta1":
        return
    for metric in spec.get("metrics") or []:
        res = metric.get("resource") if isinstance(metric, dict) else None
        if not isinstance(res, dict):
            continue
        if "targetAverageUtilization" in res:
            res["target"] = {"type": "Utilization",
                             "averageUtilization": res.pop("targetAverageUtilization")}
        elif "targetAverageValue" in res:
            res["target"] = {"type": "AverageValue",
                             "averageValue": res.pop("targetAverageValue")}
