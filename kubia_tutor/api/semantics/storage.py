"""PersistentVolumes and PersistentVolumeClaims: capacity, access modes, sources, immutability."""

from __future__ import annotations

import copy
from typing import Any

from kubia_tutor.api.selectors import dns1123_subdomain_errors, go_quote
from kubia_tutor.api.semantics.causes import IMMUTABLE, NEGATIVE, Errors, _one_of
from kubia_tutor.api.semantics.fields import Obj, _d, _l, _quantity, _same, _text, _without
from kubia_tutor.api.semantics.govalues import GoLiteral, spec_diff
from kubia_tutor.api.semantics.meta import _label_selector
from kubia_tutor.api.semantics.pods import _volume_source

ACCESS_MODES = ("ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce")
_PV_NON_SOURCES = frozenset({"accessModes", "capacity", "claimRef", "persistentVolumeReclaimPolicy",
                             "storageClassName", "mountOptions", "volumeMode", "nodeAffinity"})


def _capacity_repr(capacity: Any) -> GoLiteral:
    items = ", ".join(f"{go_quote(str(k))}:{go_quote(_text(v))}"
                      for k, v in sorted(_d(capacity).items()))
    return GoLiteral(f"core.ResourceList{{{items}}}")


def _requests(spec: Obj) -> Obj:
    """A claim spec's `resources.requests`."""
    return _d(_d(spec.get("resources")).get("requests"))


def _access_modes(e: Errors, spec: Obj, path: str) -> None:
    for mode in _l(spec.get("accessModes")):
        if _text(mode) not in ACCESS_MODES:
            e.not_supported(path, _text(mode), ACCESS_MODES)


def _persistent_volume(e: Errors, pv: Obj) -> None:
    spec = _d(pv.get("spec"))
    if not _l(spec.get("accessModes")):
        e.required("spec.accessModes")
    capacity = _d(spec.get("capacity"))
    if not capacity:
        e.required("spec.capacity")
    if "storage" not in capacity or len(capacity) > 1:
        e.not_supported("spec.capacity", _capacity_repr(capacity), ("storage",))
    for name in sorted(capacity, key=str):
        amount = _quantity(capacity[name])
        if amount is not None and amount.value <= 0:
            e.invalid(f"spec.capacity[{name}]", amount.canonical(), "must be greater than zero")
    _access_modes(e, spec, "spec.accessModes")
    _one_of(e, spec, "persistentVolumeReclaimPolicy", ("Delete", "Recycle", "Retain"),
            "spec.persistentVolumeReclaimPolicy")
    _volume_source(e, _without(spec, _PV_NON_SOURCES), "spec")


def _persistent_volume_claim(e: Errors, pvc: Obj) -> None:
    spec = _d(pvc.get("spec"))
    if not _l(spec.get("accessModes")):
        e.required("spec.accessModes", "at least 1 access mode is required")
    if spec.get("selector") is not None:
        _label_selector(e, spec["selector"], "spec.selector")
    _access_modes(e, spec, "spec.accessModes")
    requests = _requests(spec)
    if "storage" not in requests:
        e.required("spec.resources[storage]")
    else:
        amount = _quantity(requests["storage"])
        if amount is not None and amount.value < 0:
            e.invalid("spec.resources[storage]", amount.canonical(), NEGATIVE)
        if amount is not None and amount.value <= 0:
            e.invalid("spec.resources[storage]", amount.canonical(), "must be greater than zero")
    class_name = _text(spec.get("storageClassName"))
    for msg in dns1123_subdomain_errors(class_name) if class_name else []:
        e.invalid("spec.storageClassName", class_name, msg)
    _one_of(e, spec, "volumeMode", ("Block", "Filesystem"), "spec.volumeMode")


def _persistent_volume_update(e: Errors, new: Obj, old: Obj) -> None:
    ns, os_ = _d(new.get("spec")), _d(old.get("spec"))
    now, before = _without(ns, _PV_NON_SOURCES), _without(os_, _PV_NON_SOURCES)
    if not _same(now, before):
        e.forbidden("spec.persistentvolumesource",
                    "spec.persistentvolumesource is immutable after creation\n"
                    + spec_diff("core.PersistentVolumeSource", now, before))
    if not _same(ns.get("volumeMode"), os_.get("volumeMode")):
        e.invalid("volumeMode", ns.get("volumeMode"), IMMUTABLE)


def _persistent_volume_claim_update(e: Errors, new: Obj, old: Obj) -> None:
    ns, os_ = copy.deepcopy(_d(new.get("spec"))), copy.deepcopy(_d(old.get("spec")))
    if not _text(os_.get("volumeName")):
        os_["volumeName"] = ns.get("volumeName")  # binding fills it in once
    new_size = _quantity(_requests(ns).get("storage"))
    old_size = _quantity(_requests(os_).get("storage"))
    if _text(_d(new.get("status")).get("phase")) == "Bound":
        requests = _d(ns.get("resources")).get("requests")
        if isinstance(requests, dict):
            requests["storage"] = _requests(os_).get("storage")
    if not _same(ns, os_):
        e.forbidden("spec", "spec is immutable after creation except resources.requests for "
                            "bound claims")
    if new_size is not None and old_size is not None and new_size < old_size:
        e.forbidden("spec.resources.requests.storage",
                    "field can not be less than previous value")
