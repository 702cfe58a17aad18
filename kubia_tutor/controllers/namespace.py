"""The namespace controller: empties a terminating namespace, then removes it."""

from __future__ import annotations

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import resolve, stored_types
from kubia_tutor.api.server import object_key
from kubia_tutor.controllers.base import Controller

NAMESPACES = resolve("namespaces")


class NamespaceController(Controller):
    """Deletes everything in a namespace that has a deletionTimestamp."""

    name = "namespace"
    watches = ("namespaces",)

    def reconcile(self, key: str) -> float | None:
        ns = self.api.store.get(object_key(NAMESPACES, None, key))
        if ns is None or not ns["metadata"].get("deletionTimestamp"):
            return None
        remaining = 0
        for rt in stored_types():
            if not rt.namespaced:
                continue
            for obj in self.api.store.items(object_key(rt, key, "")):
                remaining += 1
                if obj["metadata"].get("deletionTimestamp"):
                    continue
                try:
                    self.api.delete(rt, key, obj["metadata"]["name"], propagation="Background")
                except ApiError as err:
                    if err.code not in (404, 409):
                        raise
        if remaining:
            return 0.5
        self.api.finalize(NAMESPACES, None, key)
        return None
