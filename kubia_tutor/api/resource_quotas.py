"""ResourceQuota admission, and the usage a quota's status reports.

Design note. Kubernetes' ResourceQuota plugin checks a new object against every quota of its
namespace that counts it, and refuses it with a 403 when it would go over:

    pods "x" is forbidden: exceeded quota: cpu-and-mem, requested: requests.cpu=600m,
    used: requests.cpu=800m, limited: requests.cpu=1

or, for a pod that leaves a limited compute resource unset, `failed quota: cpu-and-mem: must
specify limits.cpu,...`. The real plugin keeps status.used current itself, under a lock per
namespace, so that concurrent creates cannot both slip under the limit. Here admission runs
inside the API server's write lock (see `ApiServer.create`), and the usage is recomputed from
the store on every check: the check and the write are one atomic step, and a quota's status
can never drift from what is stored. The quota controller (`controllers/resourcequota.py`)
writes that same computation into status.used so `kubectl describe quota` shows it, and a
new quota gets its status here at creation, as a real one gets it a moment later.
Checked on creation; updates (a service turned into a NodePort) are not re-checked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kubia_tutor.api import quota_usage
from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import ResourceType, resolve
from kubia_tutor.api.pod_resources import Amounts, resource_amounts
from kubia_tutor.api.quantity import Quantity

if TYPE_CHECKING:
    from kubia_tutor.api.server import ApiServer

Obj = dict[str, Any]
QUOTAS = resolve("resourcequotas")


def _prefix(rt: ResourceType, namespace: str) -> str:
    from kubia_tutor.api.server import object_key

    return object_key(rt, namespace, "")


def admit(server: ApiServer, rt: ResourceType, obj: Obj) -> None:
    """Refuse the new object if a quota of its namespace would go over; call with the
    store's lock held, after every mutating admission step."""
    if not rt.namespaced:
        return
    namespace = str(obj["metadata"].get("namespace") or "default")
    quotas = server.store.items(_prefix(QUOTAS, namespace))
    if not quotas:
        return
    now = server.clock.now()
    delta = {k: v for k, v in quota_usage.usage(rt, obj, now).items() if not v.is_zero()}
    for quota in quotas:
        hard = resource_amounts((quota.get("spec") or {}).get("hard"))
        restricted = quota_usage.matching_resources(rt, list(hard))
        if not restricted or not quota_usage.scopes_match(quota, rt, obj):
            continue
        name = quota["metadata"]["name"]
        if rt.kind == "Pod":
            missing = quota_usage.missing_constraints(obj, restricted)
            if missing:
                raise _forbidden(rt, obj, f"failed quota: {name}: must specify "
                                          + ",".join(missing))
        requested = {k: v for k, v in delta.items() if k in hard}
        if not requested:
            continue
        used = used_by(server, quota, namespace, [rt])
        exceeded = sorted(k for k, v in requested.items()
                          if (used.get(k, Quantity(0)) + v).value > hard[k].value)
        if exceeded:
            raise _forbidden(
                rt, obj, f"exceeded quota: {name}, requested: {_pretty(requested, exceeded)}, "
                         f"used: {_pretty(used, exceeded)}, limited: {_pretty(hard, exceeded)}")


def _forbidden(rt: ResourceType, obj: Obj, message: str) -> ApiError:
    name = str(obj["metadata"].get("name") or "")
    return ApiError(403, "Forbidden", f'{rt.qualified} "{name}" is forbidden: {message}',
                    {"name": name, "group": rt.group, "kind": rt.plural})


def _pretty(amounts: Amounts, keys: list[str]) -> str:
    """prettyPrint: `name=value` for the keys present, sorted, joined by commas."""
    return ",".join(f"{k}={amounts[k]}" for k in keys if k in amounts)


def used_by(server: ApiServer, quota: Obj, namespace: str,
            types: list[ResourceType] | None = None) -> Amounts:
    """What the stored objects of the namespace use of the quota's hard resources (every
    hard resource present, 0 when unused); only `types` are counted when given."""
    hard = list(resource_amounts((quota.get("spec") or {}).get("hard")))
    used: Amounts = {name: Quantity(0) for name in hard}
    now = server.clock.now()
    for rt in types if types is not None else quota_usage.types_of(hard):
        names = set(quota_usage.matching_resources(rt, hard))
        if not names:
            continue
        for obj in server.store.items(_prefix(rt, namespace)):
            if not quota_usage.scopes_match(quota, rt, obj):
                continue
            for name, amount in quota_usage.usage(rt, obj, now).items():
                if name in names:
                    used[name] = used[name] + amount
    return used


def quota_status(server: ApiServer, quota: Obj) -> Obj:
    """The status a quota should report: hard as its spec says, used as stored objects use."""
    namespace = str(quota["metadata"].get("namespace") or "default")
    hard = (quota.get("spec") or {}).get("hard") or {}
    used = used_by(server, quota, namespace)
    return {"hard": {k: str(Quantity.parse(v)) for k, v in hard.items()
                     if k in used},
            "used": {k: str(v) for k, v in sorted(used.items())}}


def admit_quota(server: ApiServer, quota: Obj) -> None:
    """A new quota starts with its status filled in, so it can be checked at once."""
    try:
        quota["status"] = quota_status(server, quota)
    except (TypeError, ValueError, AttributeError):
        return  # a malformed quota is for validation to reject, not for us to crash on
