"""The ResourceQuota controller: keeps each quota's status.hard and status.used current.

Design note. Admission (`api/resource_quotas.py`) recomputes usage from the store on every
check, so this controller only has to make the status tell the same story: a change to any
object a quota could count enqueues the quotas of its namespace, and the reconcile writes the
recomputed status when it differs. A pod that finishes or goes away thus frees its share in
`kubectl describe quota` too. Events are not watched (nobody quotas them here, and they
change all the time); a resync catches deletion grace periods running out.
"""

from __future__ import annotations

from collections.abc import Iterable

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import RESOURCE_TYPES, ResourceType, resolve
from kubia_tutor.api.resource_quotas import quota_status
from kubia_tutor.api.server import object_key
from kubia_tutor.controllers.base import Controller, Obj, key_of, split_key

QUOTAS = resolve("resourcequotas")
_UNCOUNTED = frozenset({"events", "leases", "resourcequotas"})


class ResourceQuotaController(Controller):
    """Writes every quota's used and hard amounts into its status."""

    name = "resourcequota"
    watches = ("resourcequotas", *(rt.qualified for rt in RESOURCE_TYPES
                                   if rt.stored and rt.namespaced and rt.plural not in _UNCOUNTED))

    def keys_for(self, rt: ResourceType, obj: Obj) -> Iterable[str]:
        if rt is QUOTAS:
            yield key_of(obj)
            return
        namespace = (obj.get("metadata") or {}).get("namespace")
        if namespace:
            for quota in self.api.store.items(object_key(QUOTAS, namespace, "")):
                yield key_of(quota)

    def reconcile(self, key: str) -> float | None:
        ns, name = split_key(key)
        try:
            quota = self.api.get(QUOTAS, ns, name)
        except ApiError:
            return None
        status = quota_status(self.api, quota)
        if status != quota.get("status"):
            try:
                self.api.update(QUOTAS, ns, name, {**quota, "status": status},
                                subresource="status")
            except ApiError as err:
                if err.code == 409:  # changed meanwhile: the change brings us back
                    return None
                raise
        return None
