"""The cluster as the TUI shows it: live copies of a few resource types, kept by watches.

One thread per type lists, then watches from the list's revision (the informer pattern of
client-go, kept small); after a dropped watch it lists again. `on_change` is called from those
threads after every change; the app coalesces the calls into a few redraws a second. When the
daemon stops answering, `alive` turns False (the app says so) and the threads keep retrying.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from kubia_tutor.api.kinds import ResourceType, resolve
from kubia_tutor.client.base import ApiClient

Obj = dict[str, Any]
WATCHED = ("pods", "deployments", "replicasets", "replicationcontrollers", "statefulsets",
           "daemonsets", "jobs", "cronjobs", "services", "endpoints", "events", "nodes",
           "persistentvolumeclaims", "ingresses")
WATCH_SECONDS = 60.0


class ClusterWatch:
    def __init__(self, client_factory: Callable[[], ApiClient],
                 on_change: Callable[[], None], types: tuple[str, ...] = WATCHED) -> None:
        self._factory = client_factory
        self._on_change = on_change
        self._types = [resolve(name) for name in types]
        self._objects: dict[str, dict[str, Obj]] = {rt.plural: {} for rt in self._types}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._clients: list[ApiClient] = []
        self.alive = True
        self.revision = 0  # counts changes, so a view can tell it is stale

    def start(self) -> None:
        for rt in self._types:
            threading.Thread(target=self._run, args=(rt,), name=f"watch-{rt.plural}",
                             daemon=True).start()

    def stop(self) -> None:
        self._stop.set()
        for client in self._clients:
            closer = getattr(client, "close", None)
            if callable(closer):
                closer()  # unblocks a thread waiting for the next event

    def objects(self, plural: str) -> list[Obj]:
        """A snapshot of one type's objects, sorted by namespace and name."""
        with self._lock:
            found = list(self._objects.get(plural, {}).values())
        return sorted(found, key=lambda o: (o["metadata"].get("namespace") or "",
                                            o["metadata"]["name"]))

    def _run(self, rt: ResourceType) -> None:
        if self._stop.is_set():
            return
        client = self._factory()
        self._clients.append(client)
        delay = 0.5
        while not self._stop.is_set():
            try:
                listing = client.list(rt, None)
                self._replace(rt, listing.get("items") or [])
                self._set_alive(True)
                delay = 0.5
                revision = str(listing["metadata"].get("resourceVersion") or "")
                for event in client.watch(rt, None, resource_version=revision,
                                          timeout=WATCH_SECONDS):
                    if self._stop.is_set():
                        return
                    self._apply(rt, event)
            except Exception:
                if self._stop.is_set():
                    return
                self._set_alive(False)
                self._stop.wait(delay)
                delay = min(delay * 2, 5.0)

    def _key(self, obj: Obj) -> str:
        meta = obj.get("metadata") or {}
        return f"{meta.get('namespace') or ''}/{meta.get('name')}"

    def _replace(self, rt: ResourceType, items: list[Obj]) -> None:
        with self._lock:
            self._objects[rt.plural] = {self._key(o): o for o in items}
            self.revision += 1
        self._on_change()

    def _apply(self, rt: ResourceType, event: Obj) -> None:
        obj = event.get("object") or {}
        if event.get("type") not in ("ADDED", "MODIFIED", "DELETED") or "metadata" not in obj:
            return
        with self._lock:
            if event["type"] == "DELETED":
                self._objects[rt.plural].pop(self._key(obj), None)
            else:
                self._objects[rt.plural][self._key(obj)] = obj
            self.revision += 1
        self._on_change()

    def _set_alive(self, alive: bool) -> None:
        if alive != self.alive:
            self.alive = alive
            self._on_change()


def wait_until(predicate: Callable[[], bool], timeout: float) -> bool:
    """Poll `predicate` until it holds or `timeout` passes (for tests and start-up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()
