"""Pod workers: one sync at a time per pod, many pods at once.

Design note. The kubelet's own `podWorkers` give every pod a goroutine, so an image build or a
30-second grace period of one pod never holds up the others, while two syncs of the same pod
never overlap. Here a bounded thread pool does the same: `submit(key)` starts a sync unless
one is running for that key, in which case the key is marked dirty and synced once more when
the running one ends (the updates in between collapse into that one sync, which reads the
newest state anyway). A sync that asks to run again later goes back through `requeue`, the
controller loop's own delay queue.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger(__name__)

# Enough for a class's worth of pods starting together; each worker mostly waits on Podman.
DEFAULT_WORKERS = 16


class PodWorkers:
    """Runs `sync(key)` in a pool, serialized per key."""

    def __init__(self, sync: Callable[[str], float | None],
                 requeue: Callable[[str, float], None], size: int = DEFAULT_WORKERS) -> None:
        self._sync = sync
        self._requeue = requeue
        self._pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix="pod-worker")
        self._lock = threading.Lock()
        self._running: set[str] = set()
        self._dirty: set[str] = set()
        self._failures: dict[str, int] = {}
        self._closed = False

    def submit(self, key: str) -> None:
        """Sync `key` soon; at most one sync per key runs at a time."""
        with self._lock:
            if self._closed:
                return
            if key in self._running:
                self._dirty.add(key)
                return
            self._running.add(key)
        try:
            self._pool.submit(self._run, key)
        except RuntimeError:  # the pool shut down between the check and the submit
            with self._lock:
                self._running.discard(key)

    def busy(self) -> bool:
        """True while any sync runs or waits to run again."""
        with self._lock:
            return bool(self._running)

    def _run(self, key: str) -> None:
        while True:
            try:
                again = self._sync(key)
                self._failures.pop(key, None)
            except Exception:  # one pod's failure must not stop the worker pool
                failures = self._failures.get(key, 0) + 1
                self._failures[key] = failures
                log.exception("kubelet: sync of pod %s failed (%d)", key, failures)
                again = min(0.1 * 2 ** failures, 30.0)
            if again is not None:
                self._requeue(key, again)
            with self._lock:
                if key in self._dirty and not self._closed:
                    self._dirty.discard(key)
                    continue
                self._running.discard(key)
                return

    def close(self) -> None:
        """Stop taking work; syncs already running finish on their own."""
        with self._lock:
            self._closed = True
        self._pool.shutdown(wait=False, cancel_futures=True)
