"""persistentVolumeClaim: the claim's bound PersistentVolume, mounted by its own source.

The kubelet resolves a claim volume through the API (claim -> bound PV) and mounts the PV's
source; `readOnly` on the pod's volume makes every mount of it read-only. hostPath PVs (the
book's `mongodb-pv` and every volume minikube's provisioner makes) go through the hostPath
preparer, so they live under `<state>/node/rootfs` and can never reach the host's own paths.

The volume manager sees pods only; reading claims and volumes takes an `ObjectLookup`, which
the cluster wiring hands it (`api_lookup`): a plain callable rather than the API server
itself keeps the manager testable with a dict and keeps the runtime from writing anything.
Messages follow the kubelet's desired-state populator.
"""

from __future__ import annotations

from collections.abc import Callable

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import resolve
from kubia_tutor.api.server import ApiServer
from kubia_tutor.runtime.volumes.base import (
    PREPARERS,
    Obj,
    Prepared,
    VolumeContext,
    register,
    setup_failed,
    source_of,
)

# (resource plural, namespace or None, name) -> the object, or None when there is none
ObjectLookup = Callable[[str, str | None, str], Obj | None]


def api_lookup(api: ApiServer) -> ObjectLookup:
    """A lookup that reads through the API server, as the kubelet's informers would."""
    def lookup(plural: str, namespace: str | None, name: str) -> Obj | None:
        try:
            return api.get(resolve(plural), namespace, name)
        except ApiError:
            return None
    return lookup


@register("persistentVolumeClaim")
def _persistent_volume_claim(ctx: VolumeContext) -> Prepared:
    claim_name = str(ctx.source.get("claimName") or "")
    lookup = ctx.manager.lookup
    if lookup is None:
        raise setup_failed(ctx.name, "kubia-tutor cannot mount persistentVolumeClaim volumes"
                                     " without the API server")
    namespace = str((ctx.pod.get("metadata") or {}).get("namespace") or "default")
    claim = lookup("persistentvolumeclaims", namespace, claim_name)
    if claim is None:
        raise setup_failed(ctx.name, f"error processing PVC {namespace}/{claim_name}: failed"
                                     " to fetch PVC from API server: persistentvolumeclaims"
                                     f' "{claim_name}" not found')
    if (claim.get("metadata") or {}).get("deletionTimestamp"):
        raise setup_failed(ctx.name, f"error processing PVC {namespace}/{claim_name}: can't"
                                     " start pod because PVC is being deleted")
    phase = str((claim.get("status") or {}).get("phase") or "")
    volume_name = str((claim.get("spec") or {}).get("volumeName") or "")
    if phase != "Bound" or not volume_name:
        raise setup_failed(ctx.name, f"PVC {namespace}/{claim_name} has non-bound phase"
                                     f' ("{phase}") or empty pvc.Spec.VolumeName'
                                     f' ("{volume_name}")')
    pv = lookup("persistentvolumes", None, volume_name)
    if pv is None:
        raise setup_failed(ctx.name, f"failed to fetch PV {volume_name} from API server:"
                                     f' persistentvolumes "{volume_name}" not found')
    ref = (pv.get("spec") or {}).get("claimRef") or {}
    if ref.get("uid") != (claim.get("metadata") or {}).get("uid"):
        raise setup_failed(ctx.name, f"found PV object {volume_name} but it has a ClaimRef"
                                     " that is bound to a different claim")
    source, body = _pv_source(pv)
    if source != "hostPath":
        raise setup_failed(ctx.name, f"kubia-tutor cannot mount {source} persistent volumes"
                                     f" (PV {volume_name}); only hostPath ones")
    prepared = PREPARERS["hostPath"](VolumeContext(ctx.manager, ctx.pod, ctx.name, body))
    read_only = bool(ctx.source.get("readOnly")) or prepared.read_only
    return Prepared(ctx.name, prepared.host_path, read_only=read_only)


def _pv_source(pv: Obj) -> tuple[str, Obj]:
    """The PV's volume source: its spec without the fields that are not one."""
    not_sources = {"accessModes", "capacity", "claimRef", "persistentVolumeReclaimPolicy",
                   "storageClassName", "mountOptions", "volumeMode", "nodeAffinity"}
    spec = {k: v for k, v in (pv.get("spec") or {}).items() if k not in not_sources}
    if not spec:
        return "(none)", {}
    return source_of({"name": "", **spec})
