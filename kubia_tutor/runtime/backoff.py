"""The kubelet's back-off for restarting crashed containers and for pulling images.

Kubernetes waits 10 s after the first failure, doubles the wait after each further one up to
5 minutes, and forgets the history once a container has run for 10 minutes without failing.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

INITIAL = 10.0
MAXIMUM = 300.0
RESET_AFTER = 600.0


@dataclass
class _Entry:
    delay: float
    until: float


@dataclass
class Backoff:
    """Back-off state per key (pod uid + container name + what is retried)."""

    initial: float = INITIAL
    maximum: float = MAXIMUM
    _entries: dict[str, _Entry] = field(default_factory=dict)
    # the kubelet's pod workers share one Backoff across threads
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def next(self, key: str, now: float) -> float:
        """Record a failure at `now`; returns the delay before the next try."""
        with self._lock:
            entry = self._entries.get(key)
            delay = self.initial if entry is None else min(entry.delay * 2, self.maximum)
            self._entries[key] = _Entry(delay, now + delay)
        return delay

    def waiting(self, key: str, now: float) -> float:
        """Seconds left to wait before the next try (0 when it may go now)."""
        entry = self._entries.get(key)
        return 0.0 if entry is None else max(0.0, entry.until - now)

    def current(self, key: str) -> float:
        """The delay in force for a key (for the BackOff message), 0 when none."""
        entry = self._entries.get(key)
        return 0.0 if entry is None else entry.delay

    def reset(self, key: str) -> None:
        """Forget a key's history (it ran long enough, or it is gone)."""
        with self._lock:
            self._entries.pop(key, None)

    def forget_prefix(self, prefix: str) -> None:
        """Forget every key of a pod."""
        with self._lock:
            for key in [k for k in self._entries if k.startswith(prefix)]:
                del self._entries[key]
