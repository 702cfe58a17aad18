"""Cells for persistent volumes, claims and storage classes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kubia_tutor.shell.printers.cell_helpers import Obj, as_list, as_map, dig, quantity_text, text

# Printed in this fixed order whatever order the spec lists them in.
_ACCESS_MODES = (("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"))


def access_modes(modes: Any) -> str:
    """Access modes abbreviated, deduplicated and in RWO,ROX,RWX order."""
    present = {text(m) for m in as_list(modes)}
    return ",".join(short for long, short in _ACCESS_MODES if long in present)


def _storage_class(obj: Obj) -> str:
    beta = as_map(dig(obj, "metadata", "annotations")).get(
        "volume.beta.kubernetes.io/storage-class")
    if beta is not None:
        return text(beta)
    return text(dig(obj, "spec", "storageClassName"))


def storage_class_of(obj: Obj, _now: datetime) -> str:
    """STORAGECLASS of a PV or PVC: the beta annotation, else spec.storageClassName."""
    return _storage_class(obj)


def pv_capacity(obj: Obj, _now: datetime) -> str:
    """CAPACITY of a PV: spec.capacity.storage in canonical form (`0` if missing)."""
    return quantity_text(dig(obj, "spec", "capacity", "storage"))


def pv_access_modes(obj: Obj, _now: datetime) -> str:
    """ACCESS MODES of a PV."""
    return access_modes(dig(obj, "spec", "accessModes"))


def pv_reclaim_policy(obj: Obj, _now: datetime) -> str:
    """RECLAIM POLICY."""
    return text(dig(obj, "spec", "persistentVolumeReclaimPolicy"))


def _phase_or_terminating(obj: Obj) -> str:
    if dig(obj, "metadata", "deletionTimestamp"):
        return "Terminating"
    return text(dig(obj, "status", "phase"))


def volume_status(obj: Obj, _now: datetime) -> str:
    """STATUS of a PV or PVC: the phase, or Terminating once deletion has begun."""
    return _phase_or_terminating(obj)


def pv_claim(obj: Obj, _now: datetime) -> str:
    """CLAIM: `<namespace>/<name>` of the bound claim, empty when unbound."""
    ref = dig(obj, "spec", "claimRef")
    if not isinstance(ref, dict):
        return ""
    return f"{text(ref.get('namespace'))}/{text(ref.get('name'))}"


def pv_reason(obj: Obj, _now: datetime) -> str:
    """REASON: status.reason, usually empty."""
    return text(dig(obj, "status", "reason"))


def volume_mode(obj: Obj, _now: datetime) -> str:
    """VOLUMEMODE (wide): Filesystem or Block, `<unset>` when absent."""
    value = dig(obj, "spec", "volumeMode")
    return "<unset>" if value is None else text(value)


def pvc_volume(obj: Obj, _now: datetime) -> str:
    """VOLUME: the bound PV's name."""
    return text(dig(obj, "spec", "volumeName"))


def pvc_capacity(obj: Obj, _now: datetime) -> str:
    """CAPACITY of a PVC: empty until bound, then status.capacity.storage."""
    if not text(dig(obj, "spec", "volumeName")):
        return ""
    return quantity_text(dig(obj, "status", "capacity", "storage"))


def pvc_access_modes(obj: Obj, _now: datetime) -> str:
    """ACCESS MODES of a PVC: empty until bound, then status.accessModes."""
    if not text(dig(obj, "spec", "volumeName")):
        return ""
    return access_modes(dig(obj, "status", "accessModes"))


_DEFAULT_CLASS_KEYS = ("storageclass.kubernetes.io/is-default-class",
                       "storageclass.beta.kubernetes.io/is-default-class")


def storageclass_name(obj: Obj, _now: datetime) -> str:
    """NAME of a storage class, with ` (default)` for the cluster's default class."""
    name = text(dig(obj, "metadata", "name"))
    annotations = as_map(dig(obj, "metadata", "annotations"))
    if any(annotations.get(key) == "true" for key in _DEFAULT_CLASS_KEYS):
        name += " (default)"
    return name


def storageclass_provisioner(obj: Obj, _now: datetime) -> str:
    """PROVISIONER."""
    return text(obj.get("provisioner"))


def storageclass_reclaim(obj: Obj, _now: datetime) -> str:
    """RECLAIMPOLICY, Delete when unset."""
    return text(obj.get("reclaimPolicy")) or "Delete"


def storageclass_binding_mode(obj: Obj, _now: datetime) -> str:
    """VOLUMEBINDINGMODE, Immediate when unset."""
    return text(obj.get("volumeBindingMode")) or "Immediate"


def storageclass_expansion(obj: Obj, _now: datetime) -> str:
    """ALLOWVOLUMEEXPANSION: true/false."""
    return "true" if obj.get("allowVolumeExpansion") is True else "false"
