"""The PersistentVolume controller: binds claims to volumes and reclaims released volumes.

Design note. As kube-controller-manager's persistentvolume-binder, one loop syncs both kinds,
keyed `claim:<ns>/<name>` and `volume:<name>`, each sync level-driven:

- an unbound claim binds to the best volume that fits (`volume_matching`); with none, a claim
  of a class waits for that class's provisioner (it is annotated with the provisioner's name,
  which is what the external provisioner in `provisioner.py` looks for), and a claim without
  a class stays Pending with a FailedBinding event;
- binding writes both sides in Kubernetes' order (the PV's claimRef, its phase, the claim's
  volumeName, its status), each write guarded by the resourceVersion read, so a conflict just
  runs the sync again and a half-done bind is finished by the next pass;
- a bound claim whose volume is gone is Lost; a volume whose claim is gone is Released and
  reclaimed by its policy: Retain keeps it, Recycle scrubs a hostPath directory (on the node's
  rootfs, never the host's) and frees it, Delete removes it (a provisioned volume is left to
  its provisioner, which removes its directory too).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from kubia_tutor.api import events
from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import ResourceType, resolve
from kubia_tutor.api.server import ApiServer
from kubia_tutor.controllers.base import Controller, Obj, split_key
from kubia_tutor.controllers.provisioner import node_path, scrub
from kubia_tutor.controllers.volume_matching import (
    BIND_COMPLETED,
    BOUND_BY_CONTROLLER,
    PROVISIONED_BY,
    STORAGE_PROVISIONER,
    annotations_of,
    best_match,
    claim_ref_names,
    class_of,
)

PVCS = resolve("persistentvolumeclaims")
PVS = resolve("persistentvolumes")
CLASSES = resolve("storageclasses")
COMPONENT = "persistentvolume-controller"


class PersistentVolumeController(Controller):
    """Binding, Lost claims, Released volumes and their reclaim policies."""

    name = "persistentvolume-binder"
    watches = ("persistentvolumeclaims", "persistentvolumes", "storageclasses")
    resync_seconds = 15.0  # the PV controller's own resync period

    def __init__(self, api: ApiServer, rootfs: Path | None = None) -> None:
        super().__init__(api)
        self.rootfs = rootfs  # the node's root file system, where hostPath volumes live

    # -- keys ---------------------------------------------------------------------------------

    def all_keys(self) -> Iterable[str]:
        for claim in self.api.list(PVCS)["items"]:
            yield _claim_key(claim)
        for pv in self.api.list(PVS)["items"]:
            yield f"volume:{pv['metadata']['name']}"

    def keys_for(self, rt: ResourceType, obj: Obj) -> Iterable[str]:
        if rt is PVCS:
            yield _claim_key(obj)
            meta, spec = obj["metadata"], obj.get("spec") or {}
            if spec.get("volumeName"):
                yield f"volume:{spec['volumeName']}"
            for pv in self.api.list(PVS)["items"]:  # a deleted claim releases its volume
                ref = (pv.get("spec") or {}).get("claimRef") or {}
                if ref.get("name") == meta["name"] and \
                        ref.get("namespace") == meta.get("namespace"):
                    yield f"volume:{pv['metadata']['name']}"
            return
        if rt is PVS:
            yield f"volume:{obj['metadata']['name']}"
            ref = (obj.get("spec") or {}).get("claimRef") or {}
            if ref.get("name"):
                yield f"claim:{ref.get('namespace')}/{ref['name']}"
        # a new or freed volume, or a new class, may be what a pending claim waits for
        for claim in self.api.list(PVCS)["items"]:
            if (claim.get("status") or {}).get("phase") != "Bound":
                yield _claim_key(claim)

    def reconcile(self, key: str) -> float | None:
        kind, _, rest = key.partition(":")
        if kind == "claim":
            ns, name = split_key(rest)
            claim = _get(self.api, PVCS, ns, name)
            if claim is not None:
                self._sync_claim(claim)
        elif kind == "volume":
            pv = _get(self.api, PVS, None, rest)
            if pv is not None:
                self._sync_volume(pv)
        return None

    # -- claims -------------------------------------------------------------------------------

    def _sync_claim(self, claim: Obj) -> None:
        if annotations_of(claim).get(BIND_COMPLETED) != "yes":
            self._sync_unbound_claim(claim)
            return
        volume_name = str((claim.get("spec") or {}).get("volumeName") or "")
        if not volume_name:
            self._lose(claim, "ClaimLost", "Bound claim has lost reference to "
                                           "PersistentVolume. Data on the volume is lost!")
            return
        pv = _get(self.api, PVS, None, volume_name)
        if pv is None:
            self._lose(claim, "ClaimLost",
                       "Bound claim has lost its PersistentVolume. Data on the volume is lost!")
        elif not (pv.get("spec") or {}).get("claimRef") or claim_ref_names(pv, claim):
            self._bind(pv, claim)  # finishes a half-done bind; writes nothing when complete
        else:
            self._lose(claim, "ClaimMisbound", "Two claims are bound to the same volume, this "
                                               "one is bound incorrectly")

    def _sync_unbound_claim(self, claim: Obj) -> None:
        pv = best_match(self.api.list(PVS)["items"], claim)
        if pv is not None:
            self._bind(pv, claim)
            return
        class_name = class_of(claim)
        if (claim.get("spec") or {}).get("volumeName"):
            pass  # pre-bound to a volume that is missing or taken: wait for it
        elif class_name:
            claim = self._wait_for_provisioner(claim, class_name)
        else:
            events.record(self.api, claim, "Normal", "FailedBinding",
                          "no persistent volumes available for this claim and no storage "
                          "class is set", component=COMPONENT)
        self._claim_status(claim, "Pending", None)

    def _wait_for_provisioner(self, claim: Obj, class_name: str) -> Obj:
        storage_class = _get(self.api, CLASSES, None, class_name)
        if storage_class is None:
            events.record(self.api, claim, "Warning", "ProvisioningFailed",
                          f'storageclass.storage.k8s.io "{class_name}" not found',
                          component=COMPONENT)
            return claim
        provisioner = str(storage_class.get("provisioner") or "")
        if annotations_of(claim).get(STORAGE_PROVISIONER) != provisioner:
            meta = claim["metadata"]
            claim = self.api.update(PVCS, meta["namespace"], meta["name"], {
                **claim, "metadata": {**meta, "annotations": {
                    **annotations_of(claim), STORAGE_PROVISIONER: provisioner}}})
        events.record(self.api, claim, "Normal", "ExternalProvisioning",
                      "waiting for a volume to be created, either by external provisioner "
                      f'"{provisioner}" or manually created by system administrator',
                      component=COMPONENT)
        return claim

    def _bind(self, pv: Obj, claim: Obj) -> None:
        meta, pv_meta = claim["metadata"], pv["metadata"]
        ref = (pv.get("spec") or {}).get("claimRef") or {}
        if ref.get("uid") != meta["uid"]:
            pv_annotations = annotations_of(pv)
            if not ref:  # the controller chose this volume; a pre-bound one keeps its mark
                pv_annotations[BOUND_BY_CONTROLLER] = "yes"
            pv = self.api.update(PVS, None, pv_meta["name"], {
                **pv, "metadata": {**pv_meta, "annotations": pv_annotations},
                "spec": {**pv["spec"], "claimRef": {
                    "kind": "PersistentVolumeClaim", "namespace": meta["namespace"],
                    "name": meta["name"], "uid": meta["uid"], "apiVersion": "v1",
                    "resourceVersion": meta.get("resourceVersion")}}})
        pv = self._volume_phase(pv, "Bound")
        spec = claim.get("spec") or {}
        claim_annotations = annotations_of(claim)
        if spec.get("volumeName") != pv["metadata"]["name"] or \
                claim_annotations.get(BIND_COMPLETED) != "yes":
            claim_annotations[BIND_COMPLETED] = "yes"
            if not spec.get("volumeName"):
                claim_annotations[BOUND_BY_CONTROLLER] = "yes"
            claim = self.api.update(PVCS, meta["namespace"], meta["name"], {
                **claim, "metadata": {**meta, "annotations": claim_annotations},
                "spec": {**spec, "volumeName": pv["metadata"]["name"]}})
        self._claim_status(claim, "Bound", pv)

    def _lose(self, claim: Obj, reason: str, message: str) -> None:
        if (claim.get("status") or {}).get("phase") != "Lost":
            events.record(self.api, claim, "Warning", reason, message, component=COMPONENT)
        self._claim_status(claim, "Lost", None)

    def _claim_status(self, claim: Obj, phase: str, pv: Obj | None) -> Obj:
        status = {k: v for k, v in (claim.get("status") or {}).items()
                  if k not in ("accessModes", "capacity")}
        status["phase"] = phase
        if pv is not None:
            status["accessModes"] = list((pv.get("spec") or {}).get("accessModes") or [])
            status["capacity"] = dict((pv.get("spec") or {}).get("capacity") or {})
        if status == claim.get("status"):
            return claim
        meta = claim["metadata"]
        return self.api.update(PVCS, meta["namespace"], meta["name"],
                               {**claim, "status": status}, subresource="status")

    # -- volumes ------------------------------------------------------------------------------

    def _sync_volume(self, pv: Obj) -> None:
        ref = (pv.get("spec") or {}).get("claimRef") or {}
        if not ref or not ref.get("uid"):
            self._volume_phase(pv, "Available")  # free, or pre-bound to a claim to come
            return
        claim = _get(self.api, PVCS, ref.get("namespace"), str(ref.get("name") or ""))
        if claim is None or claim["metadata"].get("uid") != ref.get("uid"):
            if (pv.get("status") or {}).get("phase") not in ("Released", "Failed"):
                pv = self._volume_phase(pv, "Released")
            self._reclaim(pv)
            return
        volume_name = (claim.get("spec") or {}).get("volumeName")
        if not volume_name:
            self.enqueue(_claim_key(claim))  # the claim's sync finishes the bind
        elif volume_name == pv["metadata"]["name"]:
            self._volume_phase(pv, "Bound")
        elif annotations_of(pv).get(BOUND_BY_CONTROLLER) == "yes":
            self._unbind(pv)  # the claim went to another volume: this one is free again

    def _reclaim(self, pv: Obj) -> None:
        if (pv.get("status") or {}).get("phase") != "Released" or \
                pv["metadata"].get("deletionTimestamp"):
            return
        policy = (pv.get("spec") or {}).get("persistentVolumeReclaimPolicy") or "Retain"
        if policy == "Recycle":
            self._recycle(pv)
        elif policy == "Delete" and not annotations_of(pv).get(PROVISIONED_BY):
            # a provisioned volume is deleted by its provisioner, which owns its storage
            try:
                self.api.delete(PVS, None, pv["metadata"]["name"])
            except ApiError as err:
                if err.code != 404:
                    raise

    def _recycle(self, pv: Obj) -> None:
        host_path = ((pv.get("spec") or {}).get("hostPath") or {}).get("path")
        if not host_path:
            events.record(self.api, pv, "Warning", "VolumeFailedRecycle",
                          "kubia-tutor recycles hostPath volumes only", component=COMPONENT)
            self._volume_phase(pv, "Failed")
            return
        if self.rootfs is not None:
            path = node_path(self.rootfs, str(host_path))
            if path is None:
                events.record(self.api, pv, "Warning", "VolumeFailedRecycle",
                              f"hostPath {host_path} is outside the node's root file system",
                              component=COMPONENT)
                self._volume_phase(pv, "Failed")
                return
            scrub(path)  # what the recycler pod's `rm -rf /scrub/*` does
        events.record(self.api, pv, "Normal", "VolumeRecycled", "Volume recycled",
                      component=COMPONENT)
        self._unbind(pv)

    def _unbind(self, pv: Obj) -> None:
        meta = pv["metadata"]
        kept = {k: v for k, v in annotations_of(pv).items() if k != BOUND_BY_CONTROLLER}
        spec = {k: v for k, v in (pv.get("spec") or {}).items() if k != "claimRef"}
        new_meta = {**meta, "annotations": kept}
        if not kept:
            new_meta.pop("annotations")
        pv = self.api.update(PVS, None, meta["name"], {**pv, "metadata": new_meta,
                                                       "spec": spec})
        self._volume_phase(pv, "Available")

    def _volume_phase(self, pv: Obj, phase: str) -> Obj:
        status = dict(pv.get("status") or {})
        if status.get("phase") == phase:
            return pv
        status["phase"] = phase
        return self.api.update(PVS, None, pv["metadata"]["name"], {**pv, "status": status},
                               subresource="status")


def _claim_key(claim: Obj) -> str:
    return f"claim:{claim['metadata'].get('namespace')}/{claim['metadata']['name']}"


def _get(api: ApiServer, rt: ResourceType, namespace: str | None, name: str) -> Obj | None:
    try:
        return api.get(rt, namespace, name)
    except ApiError as err:
        if err.code == 404:
            return None
        raise
