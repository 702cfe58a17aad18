"""Which PersistentVolume a claim may bind: the PV controller's `findBestMatchForClaim`.

Kept apart from the controller so the rules read in one place: a volume fits a claim when it
is free (no claimRef, or a claimRef naming this claim: pre-bound by an admin or a
provisioner), not being deleted, of the claim's class ("" meaning no class), volume mode and
label selector, offers every access mode the claim asks for and at least its storage request.
Among the volumes that fit, one pre-bound to the claim wins, then the smallest.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.quantity import Quantity
from kubia_tutor.api.selectors import selector_from_spec

Obj = dict[str, Any]

# Annotations the PV controller and provisioners write (pkg/controller/volume/persistentvolume).
BIND_COMPLETED = "pv.kubernetes.io/bind-completed"
BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller"
PROVISIONED_BY = "pv.kubernetes.io/provisioned-by"
STORAGE_PROVISIONER = "volume.beta.kubernetes.io/storage-provisioner"
BETA_STORAGE_CLASS = "volume.beta.kubernetes.io/storage-class"
DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class"


def annotations_of(obj: Obj) -> dict[str, str]:
    found = (obj.get("metadata") or {}).get("annotations")
    return dict(found) if isinstance(found, dict) else {}


def class_of(obj: Obj) -> str:
    """The storage class of a PV or claim: the beta annotation wins, as in v1helper."""
    beta = annotations_of(obj).get(BETA_STORAGE_CLASS)
    if beta is not None:
        return str(beta)
    return str((obj.get("spec") or {}).get("storageClassName") or "")


def storage(amount: Any) -> Quantity | None:
    try:
        return Quantity.parse(str(amount)) if amount not in (None, "") else None
    except (ValueError, TypeError):
        return None


def claim_request(claim: Obj) -> Quantity | None:
    requests = ((claim.get("spec") or {}).get("resources") or {}).get("requests") or {}
    return storage(requests.get("storage"))


def volume_capacity(pv: Obj) -> Quantity | None:
    return storage(((pv.get("spec") or {}).get("capacity") or {}).get("storage"))


def claim_ref_names(pv: Obj, claim: Obj) -> bool:
    """Whether the PV's claimRef names this claim (by namespace and name, and by uid when
    the claimRef has one: a new claim of the same name is another claim)."""
    ref = (pv.get("spec") or {}).get("claimRef") or {}
    meta = claim.get("metadata") or {}
    if ref.get("name") != meta.get("name") or ref.get("namespace") != meta.get("namespace"):
        return False
    return not ref.get("uid") or ref.get("uid") == meta.get("uid")


def fits(pv: Obj, claim: Obj) -> bool:
    """Whether the PV satisfies the claim, ignoring who holds it."""
    spec, cspec = pv.get("spec") or {}, claim.get("spec") or {}
    if class_of(pv) != class_of(claim):
        return False
    if (spec.get("volumeMode") or "Filesystem") != (cspec.get("volumeMode") or "Filesystem"):
        return False
    if not set(cspec.get("accessModes") or []) <= set(spec.get("accessModes") or []):
        return False
    wanted, offered = claim_request(claim), volume_capacity(pv)
    if wanted is not None and (offered is None or offered.value < wanted.value):
        return False
    if cspec.get("selector") is not None:
        try:
            selector = selector_from_spec(cspec["selector"])
        except ApiError:
            return False
        if not selector.matches((pv.get("metadata") or {}).get("labels") or {}):
            return False
    return True


def best_match(volumes: list[Obj], claim: Obj) -> Obj | None:
    """The volume the claim should bind, or None."""
    wanted_name = str((claim.get("spec") or {}).get("volumeName") or "")
    candidates = []
    for pv in volumes:
        meta = pv.get("metadata") or {}
        if meta.get("deletionTimestamp") or (wanted_name and meta.get("name") != wanted_name):
            continue
        ref = (pv.get("spec") or {}).get("claimRef")
        if ref and not claim_ref_names(pv, claim):
            continue
        if not ref and (pv.get("status") or {}).get("phase") not in (None, "", "Pending",
                                                                      "Available"):
            continue
        if fits(pv, claim):
            candidates.append(pv)

    def order(pv: Obj) -> tuple[int, Any, str]:
        capacity = volume_capacity(pv)
        prebound = 0 if (pv.get("spec") or {}).get("claimRef") else 1
        return prebound, capacity.value if capacity is not None else 0, pv["metadata"]["name"]

    return min(candidates, key=order) if candidates else None


def storage_keys(claims: list[Obj], volumes: list[Obj]) -> Iterable[str]:
    """The keys storage controllers work by: `claim:<ns>/<name>` and `volume:<name>`."""
    for claim in claims:
        yield f"claim:{claim['metadata']['namespace']}/{claim['metadata']['name']}"
    for pv in volumes:
        yield f"volume:{pv['metadata']['name']}"
