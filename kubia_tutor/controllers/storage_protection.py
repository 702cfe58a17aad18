"""Storage object in-use protection: the pvc-protection and pv-protection controllers.

Admission gives every new claim the `kubernetes.io/pvc-protection` finalizer and every new
volume `kubernetes.io/pv-protection` (`api/admission.py`), so a delete only marks them
Terminating. These loops let the delete finish once nothing needs the object any more: a
claim when no pod on a node uses it (the kubelet refuses to start a pod whose claim is being
deleted, so pods not yet scheduled do not count), a volume when it is no longer Bound.
"""

from __future__ import annotations

from collections.abc import Iterable

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import ResourceType, resolve
from kubia_tutor.api.pod_resources import is_terminal
from kubia_tutor.controllers.base import Controller, Obj, split_key
from kubia_tutor.controllers.volume_matching import storage_keys

PVC_PROTECTION = "kubernetes.io/pvc-protection"
PV_PROTECTION = "kubernetes.io/pv-protection"
PVCS = resolve("persistentvolumeclaims")
PVS = resolve("persistentvolumes")
PODS = resolve("pods")


def claims_of(pod: Obj) -> list[str]:
    """The names of the claims a pod's volumes use."""
    return [str(v["persistentVolumeClaim"]["claimName"])
            for v in (pod.get("spec") or {}).get("volumes") or []
            if isinstance(v, dict) and isinstance(v.get("persistentVolumeClaim"), dict)
            and v["persistentVolumeClaim"].get("claimName")]


class StorageProtectionController(Controller):
    """Removes the protection finalizers of deleted claims and volumes no longer in use."""

    name = "storage-protection"
    watches = ("persistentvolumeclaims", "persistentvolumes", "pods")

    def all_keys(self) -> Iterable[str]:
        return storage_keys(self.api.list(PVCS)["items"], self.api.list(PVS)["items"])

    def keys_for(self, rt: ResourceType, obj: Obj) -> Iterable[str]:
        meta = obj["metadata"]
        if rt is PVCS:
            yield f"claim:{meta['namespace']}/{meta['name']}"
        elif rt is PVS:
            yield f"volume:{meta['name']}"
        else:  # a pod came, finished or went: the claims it uses may be free now
            for name in claims_of(obj):
                yield f"claim:{meta['namespace']}/{name}"

    def reconcile(self, key: str) -> float | None:
        kind, _, rest = key.partition(":")
        ns, name = split_key(rest)
        rt = PVCS if kind == "claim" else PVS
        try:
            obj = self.api.get(rt, ns, name)
        except ApiError:
            return None
        meta = obj["metadata"]
        finalizer = PVC_PROTECTION if rt is PVCS else PV_PROTECTION
        if not meta.get("deletionTimestamp") or finalizer not in (meta.get("finalizers") or []):
            return None
        in_use = self._claim_in_use(obj) if rt is PVCS else \
            (obj.get("status") or {}).get("phase") == "Bound"
        if in_use:
            return None
        kept = [f for f in meta.get("finalizers") or [] if f != finalizer]
        self.api.update(rt, ns, name, {**obj, "metadata": {**meta, "finalizers": kept}})
        return None

    def _claim_in_use(self, claim: Obj) -> bool:
        ns, name = claim["metadata"]["namespace"], claim["metadata"]["name"]
        for pod in self.api.list(PODS, ns)["items"]:
            if (pod.get("spec") or {}).get("nodeName") and not is_terminal(pod) and \
                    name in claims_of(pod):
                return True
        return False
