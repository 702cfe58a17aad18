"""Adoption and release: which objects a controller owns (`ControllerRefManager.ClaimObject`).

An object belongs to the controller its controller reference names. A controller keeps the
objects it owns that its selector still matches, lets go of the ones that stopped matching
(the book's "relabel a pod out of its ReplicationController"), and adopts matching objects that
have no controller at all. While the owner is being deleted it does neither: `--cascade=false`
has just orphaned those objects on purpose.
"""

from __future__ import annotations

from typing import Any

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import ResourceType
from kubia_tutor.api.selectors import LabelSelector
from kubia_tutor.api.server import ApiServer
from kubia_tutor.controllers.pod_template import controller_ref, is_terminating, owner_reference

Obj = dict[str, Any]


def claim(api: ApiServer, rt: ResourceType, owner: Obj, selector: LabelSelector,
          candidates: list[Obj]) -> list[Obj]:
    """The candidates `owner` controls once orphans are adopted and strays released (as they
    are after the writes this makes)."""
    uid = owner["metadata"]["uid"]
    deleting = bool(owner["metadata"].get("deletionTimestamp"))
    claimed = []
    for obj in candidates:
        ref = controller_ref(obj)
        matches = selector.matches(obj["metadata"].get("labels") or {})
        if ref is not None and ref.get("uid") == uid:
            if matches:
                claimed.append(obj)
            elif not deleting:
                refs = [r for r in obj["metadata"].get("ownerReferences") or []
                        if r.get("uid") != uid]
                _patch_refs(api, rt, obj, refs or None)
        elif ref is None and matches and not deleting and not is_terminating(obj):
            refs = [*(obj["metadata"].get("ownerReferences") or []), owner_reference(owner)]
            adopted = _patch_refs(api, rt, obj, refs)
            if adopted is not None:
                claimed.append(adopted)
    return claimed


def _patch_refs(api: ApiServer, rt: ResourceType, obj: Obj, refs: list[Obj] | None
                ) -> Obj | None:
    """Write the owner references, guarded by the resourceVersion that was read: a conflict
    raises, and the controller's next pass sees the object as it is now."""
    meta = obj["metadata"]
    patch = {"metadata": {"ownerReferences": refs, "resourceVersion": meta["resourceVersion"]}}
    try:
        return api.patch(rt, meta.get("namespace"), meta["name"], patch, "merge")
    except ApiError as err:
        if err.code == 404:
            return None
        raise
