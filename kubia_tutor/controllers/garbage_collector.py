"""The garbage collector: ownerReferences and cascading deletion.

Design note. Kubernetes keeps a graph of owners and dependents; with a few thousand objects at
most, we rebuild an index of dependents by owner uid on each pass instead, which keeps the
logic obviously right. Three duties, as in Kubernetes: delete dependents whose owners are all
gone (background propagation), delete dependents first and then release an owner that carries
the `foregroundDeletion` finalizer, and strip owner references from the dependents of an owner
that carries the `orphan` finalizer before releasing it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import ResourceType, stored_types
from kubia_tutor.api.server import object_key
from kubia_tutor.api.store import Change
from kubia_tutor.controllers.base import Controller

Obj = dict[str, Any]
_ALL = "*"


class GarbageCollector(Controller):
    """Deletes orphaned dependents and finishes foreground and orphan deletions."""

    name = "garbage-collector"
    watches = tuple(rt.plural if not rt.group else f"{rt.plural}.{rt.group}"
                    for rt in stored_types() if rt.plural != "events")
    resync_seconds = 20.0

    def keys_for(self, rt: ResourceType, obj: Obj) -> Iterable[str]:
        meta = obj.get("metadata") or {}
        if meta.get("ownerReferences") or meta.get("deletionTimestamp"):
            yield _ALL

    def _keys_for_change(self, change: Change) -> Iterable[str]:
        # An owner deleted for good carries no owner references and no deletionTimestamp,
        # yet its dependents must go now, not at the next resync.
        if change.kind == "DELETED" and any(change.key.startswith(prefix)
                                            for prefix, _rt in self._prefixes):
            return [_ALL]
        return super()._keys_for_change(change)

    def all_keys(self) -> Iterable[str]:
        yield _ALL

    def reconcile(self, key: str) -> float | None:
        objects = self._everything()
        by_uid = {o["metadata"]["uid"]: (rt, o) for rt, o in objects}
        dependents: dict[str, list[tuple[ResourceType, Obj]]] = {}
        for rt, obj in objects:
            for ref in obj["metadata"].get("ownerReferences") or []:
                dependents.setdefault(ref.get("uid", ""), []).append((rt, obj))
        again = None
        for rt, obj in objects:
            meta = obj["metadata"]
            finalizers = meta.get("finalizers") or []
            if meta.get("deletionTimestamp") and "orphan" in finalizers:
                self._orphan(rt, obj, dependents.get(meta["uid"], []))
            elif meta.get("deletionTimestamp") and "foregroundDeletion" in finalizers and \
                    self._foreground(rt, obj, dependents.get(meta["uid"], [])):
                again = 0.5
            refs = meta.get("ownerReferences") or []
            if refs and not meta.get("deletionTimestamp") and \
                    all(r.get("uid") not in by_uid for r in refs):
                self._delete(rt, obj, "Background")
            elif refs and not meta.get("deletionTimestamp") and self._owner_going_foreground(
                    refs, by_uid):
                self._delete(rt, obj, "Foreground")
        return again

    def _everything(self) -> list[tuple[ResourceType, Obj]]:
        found = []
        for rt in self._types:
            for obj in self.api.store.items(object_key(rt, None)):
                found.append((rt, obj))
        return found

    def _owner_going_foreground(self, refs: list[Obj],
                                by_uid: dict[str, tuple[ResourceType, Obj]]) -> bool:
        for ref in refs:
            owner = by_uid.get(ref.get("uid", ""))
            if owner is None:
                continue
            meta = owner[1]["metadata"]
            if meta.get("deletionTimestamp") and "foregroundDeletion" in (
                    meta.get("finalizers") or []):
                return True
        return False

    def _orphan(self, rt: ResourceType, owner: Obj, deps: list[tuple[ResourceType, Obj]]) -> None:
        uid = owner["metadata"]["uid"]
        for dep_rt, dep in deps:
            refs = [r for r in dep["metadata"].get("ownerReferences") or [] if r.get("uid") != uid]
            patch: Obj = {"metadata": {"ownerReferences": refs or None,
                                       "resourceVersion": dep["metadata"]["resourceVersion"]}}
            self._try(lambda dep_rt=dep_rt, dep=dep, patch=patch: self.api.patch(
                dep_rt, dep["metadata"].get("namespace"), dep["metadata"]["name"], patch,
                "merge"))
        self._drop_finalizer(rt, owner, "orphan")

    def _foreground(self, rt: ResourceType, owner: Obj,
                    deps: list[tuple[ResourceType, Obj]]) -> bool:
        """Delete the owner's dependents; release the owner once the blocking ones are gone.
        Returns True while it still waits."""
        uid = owner["metadata"]["uid"]
        blocking = False
        for dep_rt, dep in deps:
            if not dep["metadata"].get("deletionTimestamp"):
                self._delete(dep_rt, dep, "Foreground")
            for ref in dep["metadata"].get("ownerReferences") or []:
                if ref.get("uid") == uid and ref.get("blockOwnerDeletion"):
                    blocking = True
        if not blocking:
            self._drop_finalizer(rt, owner, "foregroundDeletion")
        return blocking

    def _drop_finalizer(self, rt: ResourceType, obj: Obj, finalizer: str) -> None:
        rest = [f for f in obj["metadata"].get("finalizers") or [] if f != finalizer]
        patch: Obj = {"metadata": {"finalizers": rest or None,
                                   "resourceVersion": obj["metadata"]["resourceVersion"]}}
        self._try(lambda: self.api.patch(rt, obj["metadata"].get("namespace"),
                                         obj["metadata"]["name"], patch, "merge"))

    def _delete(self, rt: ResourceType, obj: Obj, propagation: str) -> None:
        self._try(lambda: self.api.delete(rt, obj["metadata"].get("namespace"),
                                          obj["metadata"]["name"], propagation=propagation))

    @staticmethod
    def _try(action: Any) -> None:
        """Conflicts and vanished objects are normal here: the next pass sees fresh state."""
        try:
            action()
        except ApiError as err:
            if err.code not in (404, 409):
                raise
