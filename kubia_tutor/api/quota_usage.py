"""What one object uses of a ResourceQuota: Kubernetes' quota evaluators, per kind.

Pods use compute resources (`requests.cpu`, `limits.memory`, the bare `cpu` and `memory` that
mean the requests, ...) and `pods`, but only while they run: a pod that has finished, or whose
deletion grace period is over, keeps only its `count/pods`. Services count `services`, their
node ports and load balancers; claims count `persistentvolumeclaims` and `requests.storage`,
also per storage class (`ssd.storageclass.storage.k8s.io/requests.storage`). Everything else
counts as `count/<resource>[.<group>]`, with the old names (`configmaps`, `secrets`,
`replicationcontrollers`, `resourcequotas`) kept as aliases.

Scopes (BestEffort, NotBestEffort, Terminating, NotTerminating) select pods only, so a quota
with scopes never matches other kinds.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from kubia_tutor.api.defaulting.qos import pod_qos_class
from kubia_tutor.api.kinds import RESOURCE_TYPES, ResourceType
from kubia_tutor.api.pod_resources import Amounts, is_terminal, pod_requests_and_limits
from kubia_tutor.api.quantity import Quantity, QuantityError
from kubia_tutor.clock import parse_timestamp

Obj = dict[str, Any]
ONE = Quantity(1)
STORAGE_CLASS_SUFFIX = ".storageclass.storage.k8s.io/"
# Compute resource names a quota on pods may hold (besides requests.hugepages-*).
POD_RESOURCES = frozenset({
    "pods", "count/pods", "cpu", "memory", "ephemeral-storage", "requests.cpu",
    "requests.memory", "requests.ephemeral-storage", "limits.cpu", "limits.memory",
    "limits.ephemeral-storage",
})
# What the "must specify" rule (the podEvaluator's Constraints) insists every container sets.
CONSTRAINED = frozenset({"cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu",
                         "limits.memory"})
SERVICE_RESOURCES = frozenset({"count/services", "services", "services.loadbalancers",
                               "services.nodeports"})
CLAIM_RESOURCES = frozenset({"count/persistentvolumeclaims", "persistentvolumeclaims",
                             "requests.storage"})
LEGACY_COUNTS = {"configmaps": "configmaps", "secrets": "secrets",
                 "replicationcontrollers": "replicationcontrollers",
                 "resourcequotas": "resourcequotas"}


def count_name(rt: ResourceType) -> str:
    """`count/pods`, `count/deployments.apps`."""
    return f"count/{rt.qualified}"


def matching_resources(rt: ResourceType, names: list[str]) -> list[str]:
    """The quota resource names (of `names`) that objects of this type use."""
    return [n for n in names if _matches(rt, n)]


def _matches(rt: ResourceType, name: str) -> bool:
    if rt.kind == "Pod":
        return name in POD_RESOURCES or name.startswith("requests.hugepages-")
    if rt.kind == "Service":
        return name in SERVICE_RESOURCES
    if rt.kind == "PersistentVolumeClaim" and (
            name in CLAIM_RESOURCES or STORAGE_CLASS_SUFFIX in name):
        return True
    return name == count_name(rt) or (not rt.group and LEGACY_COUNTS.get(rt.plural) == name)


def types_of(names: list[str]) -> list[ResourceType]:
    """The stored types whose objects a quota with these hard names counts."""
    return [rt for rt in RESOURCE_TYPES if rt.stored and rt.namespaced
            and matching_resources(rt, names)]


def scopes_match(quota: Mapping[str, Any], rt: ResourceType, obj: Obj) -> bool:
    """Whether every scope of the quota selects the object (scopes select pods only)."""
    scopes = list((quota.get("spec") or {}).get("scopes") or [])
    for requirement in ((quota.get("spec") or {}).get("scopeSelector") or {}).get(
            "matchExpressions") or []:
        if isinstance(requirement, dict) and requirement.get("operator") == "Exists":
            scopes.append(requirement.get("scopeName"))
    if not scopes:
        return True
    if rt.kind != "Pod":
        return False
    return all(_pod_in_scope(str(scope), obj) for scope in scopes)


def _pod_in_scope(scope: str, pod: Obj) -> bool:
    deadline = (pod.get("spec") or {}).get("activeDeadlineSeconds")
    if scope == "Terminating":
        return isinstance(deadline, int) and deadline >= 0
    if scope == "NotTerminating":
        return deadline is None
    if scope == "BestEffort":
        return pod_qos_class(pod) == "BestEffort"
    if scope == "NotBestEffort":
        return pod_qos_class(pod) != "BestEffort"
    return False


def usage(rt: ResourceType, obj: Obj, now: datetime) -> Amounts:
    """What the object uses, by quota resource name."""
    if rt.kind == "Pod":
        return pod_usage(obj, now)
    if rt.kind == "Service":
        return _service_usage(rt, obj)
    if rt.kind == "PersistentVolumeClaim":
        return _claim_usage(rt, obj)
    out = {count_name(rt): ONE}
    if not rt.group and rt.plural in LEGACY_COUNTS:
        out[LEGACY_COUNTS[rt.plural]] = ONE
    return out


def pod_usage(pod: Obj, now: datetime) -> Amounts:
    """PodUsageFunc: `count/pods` always; the rest only while the pod counts (QuotaV1Pod).
    Requests a limit implies count even before defaulting has written them."""
    out: Amounts = {"count/pods": ONE}
    if not _pod_counts(pod, now):
        return out
    requests, limits = pod_requests_and_limits(pod, default_requests=True)
    out["pods"] = ONE
    for name in ("cpu", "memory", "ephemeral-storage"):
        if name in requests:
            out[name] = out[f"requests.{name}"] = requests[name]
        if name in limits:
            out[f"limits.{name}"] = limits[name]
    for name, amount in requests.items():
        if name.startswith("hugepages-"):
            out[f"requests.{name}"] = amount
    return out


def _pod_counts(pod: Obj, now: datetime) -> bool:
    if is_terminal(pod):
        return False
    meta = pod.get("metadata") or {}
    stamp = meta.get("deletionTimestamp")
    if not stamp:
        return True
    deleted = parse_timestamp(str(stamp))
    if deleted is None:
        return True
    grace = int(meta.get("deletionGracePeriodSeconds") or 0)
    return now <= deleted + timedelta(seconds=grace)


def _service_usage(rt: ResourceType, svc: Obj) -> Amounts:
    spec = svc.get("spec") or {}
    out: Amounts = {count_name(rt): ONE, "services": ONE}
    ports = len(spec.get("ports") or [])
    if spec.get("type") in ("NodePort", "LoadBalancer"):
        out["services.nodeports"] = Quantity(ports)
    if spec.get("type") == "LoadBalancer":
        out["services.loadbalancers"] = ONE
    return out


def _claim_usage(rt: ResourceType, claim: Obj) -> Amounts:
    spec = claim.get("spec") or {}
    out: Amounts = {count_name(rt): ONE, "persistentvolumeclaims": ONE}
    storage_class = spec.get("storageClassName") or \
        ((claim.get("metadata") or {}).get("annotations") or {}).get(
            "volume.beta.kubernetes.io/storage-class")
    if storage_class:
        out[f"{storage_class}{STORAGE_CLASS_SUFFIX}persistentvolumeclaims"] = ONE
    wanted = ((spec.get("resources") or {}).get("requests") or {}).get("storage")
    try:
        storage = Quantity.parse(wanted if isinstance(wanted, str | int) else "")
    except QuantityError:
        return out
    out["requests.storage"] = storage
    if storage_class:
        out[f"{storage_class}{STORAGE_CLASS_SUFFIX}requests.storage"] = storage
    return out


def missing_constraints(pod: Obj, hard: list[str]) -> list[str]:
    """The podEvaluator's Constraints: compute resources the quota limits that some
    container does not set (checked before defaulting: a limit implies its request)."""
    required = CONSTRAINED.intersection(hard)
    missing: set[str] = set()
    spec = pod.get("spec") or {}
    for key in ("containers", "initContainers"):
        for container in spec.get(key) or []:
            if not isinstance(container, dict):
                continue
            resources = container.get("resources") or {}
            limits = dict(resources.get("limits") or {})
            requests = {**limits, **(resources.get("requests") or {})}
            has = set()
            for name in ("cpu", "memory"):
                if name in requests:
                    has |= {name, f"requests.{name}"}
                if name in limits:
                    has.add(f"limits.{name}")
            missing |= required - has
    return sorted(missing)
