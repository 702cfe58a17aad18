"""The controller loop: changes to watched types only enqueue keys; `reconcile` reads current
state and converges it, level-driven and idempotent (sample-controller's shape).

Design note. Each controller runs in one thread that follows the store's change log, maps each
change to the keys it affects, and reconciles every distinct key once per batch. A reconcile
may ask to run again after a delay (a back-off, a grace period) by returning seconds; an
exception re-queues the key with a back-off instead of killing the loop.
"""

from __future__ import annotations

import heapq
import logging
import threading
from collections.abc import Iterable
from typing import Any

from kubia_tutor.api.kinds import ResourceType, resolve
from kubia_tutor.api.server import ApiServer, object_key
from kubia_tutor.api.store import Change

Obj = dict[str, Any]
log = logging.getLogger(__name__)


class Controller:
    """Subclasses set `watches` (type names) and implement `reconcile(key)`."""

    name = "controller"
    watches: tuple[str, ...] = ()
    # How often every key of the primary type is reconciled even without changes.
    resync_seconds = 30.0

    def __init__(self, api: ApiServer) -> None:
        self.api = api
        self.clock = api.clock
        self._types = [resolve(t) for t in self.watches]
        self._prefixes = [(object_key(rt, None), rt) for rt in self._types]
        self._delayed: list[tuple[float, str]] = []
        self._delayed_lock = threading.Lock()  # workers of the kubelet requeue from threads
        self._failures: dict[str, int] = {}

    # To override -----------------------------------------------------------------------------

    def keys_for(self, rt: ResourceType, obj: Obj) -> Iterable[str]:
        """The keys a change to `obj` (of type rt) affects; by default the object's own key
        when rt is the primary (first) watched type."""
        if rt is self._types[0]:
            yield key_of(obj)

    def reconcile(self, key: str) -> float | None:
        """Converge one key; return seconds to run it again, or None."""
        raise NotImplementedError

    def all_keys(self) -> Iterable[str]:
        """Every key of the primary type, for the initial sync and resyncs."""
        rt = self._types[0]
        for obj in self.api.store.items(object_key(rt, None)):
            yield key_of(obj)

    # The loop --------------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Run until `stop` is set."""
        revision = self.api.store.revision
        pending: set[str] = set(self.all_keys())
        next_resync = self.clock.monotonic() + self.resync_seconds
        while not stop.is_set() and not self.api.store.closed:
            changes, revision = self.api.store.changes_since(revision)
            for change in changes:
                pending.update(self._keys_for_change(change))
            now = self.clock.monotonic()
            with self._delayed_lock:
                while self._delayed and self._delayed[0][0] <= now:
                    pending.add(heapq.heappop(self._delayed)[1])
            if now >= next_resync:
                pending.update(self.all_keys())
                next_resync = now + self.resync_seconds
            for key in sorted(pending):
                if stop.is_set():
                    return
                self._run_one(key)
            pending.clear()
            wait = 0.5
            with self._delayed_lock:
                if self._delayed:
                    wait = max(0.0, min(wait, self._delayed[0][0] - self.clock.monotonic()))
            self.api.store.wait(revision, wait)

    def run_once(self, keys: Iterable[str] | None = None) -> None:
        """Reconcile the given keys (all keys by default) synchronously; for tests."""
        for key in sorted(set(self.all_keys() if keys is None else keys)):
            self._run_one(key)

    def _keys_for_change(self, change: Change) -> Iterable[str]:
        for prefix, rt in self._prefixes:
            if change.key.startswith(prefix):
                return list(self.keys_for(rt, change.object()))
        return []

    def _run_one(self, key: str) -> None:
        try:
            again = self.reconcile(key)
            self._failures.pop(key, None)
        except Exception:  # a bad object must not stop the loop; retry with back-off
            failures = self._failures.get(key, 0) + 1
            self._failures[key] = failures
            log.exception("%s: reconcile %s failed (%d)", self.name, key, failures)
            again = min(0.1 * 2 ** failures, 30.0)
        if again is not None:
            self.enqueue(key, again)

    def enqueue(self, key: str, after: float = 0.0) -> None:
        """Reconcile `key` again after `after` seconds; safe from any thread. A key due now
        wakes the loop at once."""
        with self._delayed_lock:
            heapq.heappush(self._delayed, (self.clock.monotonic() + after, key))
        if after <= 0:
            self.api.store.wake()


def key_of(obj: Obj) -> str:
    """`namespace/name`, or `name` for cluster-scoped objects."""
    meta = obj.get("metadata") or {}
    ns = meta.get("namespace")
    return f"{ns}/{meta['name']}" if ns else str(meta["name"])


def split_key(key: str) -> tuple[str | None, str]:
    """The (namespace, name) of a key."""
    ns, _, name = key.rpartition("/")
    return (ns or None), name
