"""Storage: PersistentVolumes, PersistentVolumeClaims (stored ones and a StatefulSet's claim
templates alike) and StorageClasses."""

from __future__ import annotations

from kubia_tutor.api.defaulting.fields import Obj, _child, _fill, _fill_all, _spec
from kubia_tutor.api.defaulting.pods import _default_volume_sources


def _default_claim(claim: Obj) -> None:
    """A PersistentVolumeClaim, whether stored on its own or a StatefulSet's template."""
    spec = _child(claim, "spec")
    if spec is not None:
        _fill(spec, "volumeMode", "Filesystem")
        _fill(spec, "resources", {})
    status = _child(claim, "status")
    if status is not None:
        _fill(status, "phase", "Pending")


def _default_persistent_volume(volume: Obj) -> None:
    spec = _spec(volume)
    if spec is not None:
        _fill(spec, "persistentVolumeReclaimPolicy", "Retain")
        _fill(spec, "volumeMode", "Filesystem")
        _default_volume_sources(spec)
    status = _child(volume, "status")
    if status is not None:
        _fill(status, "phase", "Pending")


def _default_storage_class(storage_class: Obj) -> None:
    _fill_all(storage_class, {"reclaimPolicy": "Delete", "volumeBindingMode": "Immediate"})
