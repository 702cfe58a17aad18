"""minikube's storage provisioner, `k8s.io/minikube-hostpath`, as a controller of the daemon.

Design note. minikube runs it as the `storage-provisioner` pod in kube-system; here it is a
loop in the daemon, which needs no image and cannot crash-loop. It does what the external
provisioner library does for it: a claim the PV controller has annotated with this
provisioner's name (`volume.beta.kubernetes.io/storage-provisioner`) and that has no volume
gets a PV named `pvc-<claim uid>`, pre-bound to the claim (claimRef with the uid), whose
hostPath is `/tmp/hostpath-provisioner/<namespace>/<claim>` as minikube makes it; the PV
controller then binds the two. That path lives on the node, i.e. under `<state>/node/rootfs`,
where the kubelet's hostPath preparer finds it. A provisioned volume that is Released with
the Delete policy loses its directory, then the PV goes.

Events use the library's wording (`Provisioning`, `ProvisioningSucceeded`) and its source,
`<provisioner>_<node>_<instance id>`.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterable
from pathlib import Path

from kubia_tutor.api import events
from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import ResourceType, resolve
from kubia_tutor.api.server import ApiServer
from kubia_tutor.controllers.base import Controller, Obj, split_key
from kubia_tutor.controllers.volume_matching import (
    PROVISIONED_BY,
    STORAGE_PROVISIONER,
    annotations_of,
    class_of,
    storage_keys,
)

PROVISIONER = "k8s.io/minikube-hostpath"
PROVISION_ROOT = "/tmp/hostpath-provisioner"
PVCS = resolve("persistentvolumeclaims")
PVS = resolve("persistentvolumes")
CLASSES = resolve("storageclasses")


class HostPathProvisioner(Controller):
    """Creates hostPath volumes for claims of its classes and deletes released ones."""

    name = "storage-provisioner"
    watches = ("persistentvolumeclaims", "persistentvolumes")

    def __init__(self, api: ApiServer, rootfs: Path | None = None,
                 node_name: str = "minikube") -> None:
        super().__init__(api)
        self.rootfs = rootfs  # None: an in-memory cluster, no directories are made
        self.identity = f"{PROVISIONER}_{node_name}_{uuid.uuid4()}"

    def all_keys(self) -> Iterable[str]:
        return storage_keys(self.api.list(PVCS)["items"], self.api.list(PVS)["items"])

    def keys_for(self, rt: ResourceType, obj: Obj) -> Iterable[str]:
        meta = obj["metadata"]
        if rt is PVCS:
            yield f"claim:{meta['namespace']}/{meta['name']}"
        else:
            yield f"volume:{meta['name']}"

    def reconcile(self, key: str) -> float | None:
        kind, _, rest = key.partition(":")
        if kind == "claim":
            ns, name = split_key(rest)
            try:
                claim = self.api.get(PVCS, ns, name)
            except ApiError:
                return None
            if self._should_provision(claim):
                self._provision(claim)
        else:
            try:
                pv = self.api.get(PVS, None, rest)
            except ApiError:
                return None
            if self._should_delete(pv):
                self._delete(pv)
        return None

    # -- provisioning -------------------------------------------------------------------------

    def _should_provision(self, claim: Obj) -> bool:
        meta, spec = claim["metadata"], claim.get("spec") or {}
        if meta.get("deletionTimestamp") or spec.get("volumeName"):
            return False
        if annotations_of(claim).get(STORAGE_PROVISIONER) != PROVISIONER:
            return False
        try:
            self.api.get(PVS, None, f"pvc-{meta['uid']}")
            return False  # provisioned already; the PV controller binds it
        except ApiError:
            return True

    def _provision(self, claim: Obj) -> None:
        meta, spec = claim["metadata"], claim.get("spec") or {}
        class_name = class_of(claim)
        try:
            storage_class = self.api.get(CLASSES, None, class_name)
        except ApiError:
            return  # the PV controller tells the claim that the class is missing
        if storage_class.get("provisioner") != PROVISIONER:
            return
        ns, name = meta["namespace"], meta["name"]
        events.record(self.api, claim, "Normal", "Provisioning",
                      f'External provisioner is provisioning volume for claim "{ns}/{name}"',
                      component=self.identity)
        path = f"{PROVISION_ROOT}/{ns}/{name}"
        if self.rootfs is not None:
            host = node_path(self.rootfs, path)
            if host is None:
                events.record(self.api, claim, "Warning", "ProvisioningFailed",
                              f"failed to provision volume with StorageClass "
                              f'"{class_name}": {path} is outside the node',
                              component=self.identity)
                return
            host.mkdir(parents=True, exist_ok=True)
            host.chmod(0o777)  # minikube's provisioner makes it world-writable too
        volume_name = f"pvc-{meta['uid']}"
        requests = (spec.get("resources") or {}).get("requests") or {}
        pv: Obj = {
            "apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": {"name": volume_name,
                         "annotations": {PROVISIONED_BY: PROVISIONER}},
            "spec": {
                "accessModes": list(spec.get("accessModes") or []),
                "capacity": {"storage": requests.get("storage", "0")},
                "claimRef": {"kind": "PersistentVolumeClaim", "namespace": ns, "name": name,
                             "uid": meta["uid"], "apiVersion": "v1",
                             "resourceVersion": meta.get("resourceVersion")},
                "hostPath": {"path": path, "type": ""},
                "persistentVolumeReclaimPolicy":
                    storage_class.get("reclaimPolicy") or "Delete",
                "storageClassName": class_name,
                "volumeMode": spec.get("volumeMode") or "Filesystem",
            },
        }
        try:
            self.api.create(PVS, None, pv)
        except ApiError as err:
            if err.code != 409:  # 409: made by an earlier pass
                events.record(self.api, claim, "Warning", "ProvisioningFailed",
                              f'failed to provision volume with StorageClass "{class_name}": '
                              f"{err.message}", component=self.identity)
                return
        events.record(self.api, claim, "Normal", "ProvisioningSucceeded",
                      f"Successfully provisioned volume {volume_name}", component=self.identity)

    # -- deletion -----------------------------------------------------------------------------

    def _should_delete(self, pv: Obj) -> bool:
        spec = pv.get("spec") or {}
        return (annotations_of(pv).get(PROVISIONED_BY) == PROVISIONER
                and (pv.get("status") or {}).get("phase") == "Released"
                and spec.get("persistentVolumeReclaimPolicy") == "Delete"
                and not pv["metadata"].get("deletionTimestamp"))

    def _delete(self, pv: Obj) -> None:
        path = str(((pv.get("spec") or {}).get("hostPath") or {}).get("path") or "")
        if self.rootfs is not None and path.startswith(PROVISION_ROOT + "/"):
            host = node_path(self.rootfs, path)
            if host is not None and host.is_dir():
                shutil.rmtree(host, ignore_errors=True)
        try:
            self.api.delete(PVS, None, pv["metadata"]["name"])
        except ApiError as err:
            if err.code != 404:
                raise


def node_path(rootfs: Path, spec_path: str) -> Path | None:
    """Where a hostPath lives on the node (`<rootfs>/<path>`), or None when it would
    resolve outside the node's root file system (`..`, a symlink out)."""
    if ".." in Path(spec_path).parts:
        return None
    host = rootfs / spec_path.lstrip("/")
    real_root = os.path.realpath(rootfs)
    real = os.path.realpath(host)
    if os.path.commonpath([real_root, real]) != real_root or real == real_root:
        return None
    return Path(real)


def scrub(path: Path) -> None:
    """Empty a directory without following symlinks out of it (the recycler's rm -rf)."""
    if not path.is_dir() or path.is_symlink():
        return
    for entry in path.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
