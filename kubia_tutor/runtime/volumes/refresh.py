"""Keeping mounted configMap and secret volumes up to date when their objects change.

Design note. A real kubelet rewrites these volumes in its periodic pod sync (about a minute
plus its cache's TTL). The tutor's kubelet sets volumes up only when it makes a pod's sandbox,
and its full resync is 30 s, so an update would wait for neither. Instead every projected
volume is tracked here, per volume manager, and a small thread re-reads the tracked objects
every `INTERVAL` seconds through the manager's `lookup` (the API server's in-memory store: a
dict read, no disk) and swaps `..data` when an object's resourceVersion moved. Polling rather
than a watch keeps the runtime free of the API server's watch machinery and a missed event
can never leave a volume stale; a few dict reads a second cost nothing. The thread starts
with the first tracked volume and ends when none is left (their pods' directories are
removed), so managers without an API (tests, `reset`) never start one.
"""

from __future__ import annotations

import logging
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kubia_tutor.runtime.volumes.base import Obj, VolumeError
from kubia_tutor.runtime.volumes.projection import Source, make_payload, write_atomic

if TYPE_CHECKING:
    from kubia_tutor.runtime.volumes.manager import VolumeManager

log = logging.getLogger(__name__)

INTERVAL = 2.0


@dataclass
class Tracked:
    """One projected volume of one pod and the object version it shows."""

    volume: str
    source: Source
    target: Path
    version: str = ""


class Refresher:
    """The projected volumes of one volume manager, and the thread that refreshes them."""

    def __init__(self, manager: VolumeManager) -> None:
        self._manager = weakref.ref(manager)
        self._lock = threading.Lock()
        self._tracked: dict[Path, Tracked] = {}
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def project(self, volume: str, source: Source, target: Path) -> None:
        """Write the volume now (raising the kubelet's FailedMount message when it cannot be)
        and keep it current from then on."""
        tracked = self._tracked.get(target) or Tracked(volume, source, target)
        self._write(tracked, raise_errors=True)
        with self._lock:
            self._tracked[target] = tracked
            manager = self._manager()
            if manager is not None and manager.lookup is not None and (
                    self._thread is None or not self._thread.is_alive()):
                self._stop.clear()
                self._thread = threading.Thread(target=self._run, name="volume-refresh",
                                                daemon=True)
                self._thread.start()

    def refresh_once(self) -> int:
        """Rewrite the tracked volumes whose object changed; the number rewritten."""
        with self._lock:
            tracked = list(self._tracked.values())
        changed = 0
        for item in tracked:
            if not item.target.is_dir():  # the pod's volumes were removed
                with self._lock:
                    self._tracked.pop(item.target, None)
                continue
            changed += self._write(item, raise_errors=False)
        return changed

    def stop(self) -> None:
        self._stop.set()

    def _write(self, item: Tracked, *, raise_errors: bool) -> bool:
        manager = self._manager()
        lookup = manager.lookup if manager is not None else None
        if lookup is None:
            return False
        plural = "configmaps" if item.source.kind == "configmap" else "secrets"
        obj = lookup(plural, item.source.namespace, item.source.name)
        version = _version(obj)
        if version == item.version and not raise_errors:
            return False
        try:
            payload = make_payload(item.volume, item.source, obj)
            with self._lock:  # one writer per volume: a pod sync and this thread
                changed = write_atomic(item.volume, item.target, payload)
        except VolumeError as err:
            if raise_errors:
                raise
            # the kubelet keeps what it last wrote when a refresh fails (a deleted ConfigMap)
            log.info("refreshing volume %s: %s", item.volume, err)
            return False
        item.version = version
        return changed

    def _run(self) -> None:
        while not self._stop.wait(INTERVAL):
            if self._manager() is None:
                return
            try:
                self.refresh_once()
            except Exception as err:  # a bad moment on disk: try again next round
                log.warning("volume refresh failed: %s", err)
            with self._lock:
                if not self._tracked:
                    self._thread = None
                    return


def _version(obj: Obj | None) -> str:
    return str(((obj or {}).get("metadata") or {}).get("resourceVersion") or "") if obj \
        else "(none)"


_REFRESHERS: weakref.WeakKeyDictionary[VolumeManager, Refresher] = weakref.WeakKeyDictionary()
_GUARD = threading.Lock()


def refresher_for(manager: VolumeManager) -> Refresher:
    """The manager's refresher (kept beside it rather than in it, so the manager needs no
    knowledge of projected volumes)."""
    with _GUARD:
        found = _REFRESHERS.get(manager)
        if found is None:
            found = _REFRESHERS[manager] = Refresher(manager)
        return found
