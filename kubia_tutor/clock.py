"""The one clock the daemon, controllers and kubelet share, so tests can run time faster."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta


class Clock:
    """Wall-clock time; `FakeClock` replaces it in tests."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        return datetime.now(UTC)

    def monotonic(self) -> float:
        """Seconds from an arbitrary origin, for intervals."""
        return time.monotonic()

    def sleep(self, seconds: float, stop: threading.Event | None = None) -> bool:
        """Sleep (interruptibly when `stop` is given); True when woken by `stop`."""
        if stop is None:
            time.sleep(seconds)
            return False
        return stop.wait(seconds)


class FakeClock(Clock):
    """A clock whose wall time moves only when told: `advance()` makes timing tests instant.

    Its monotonic time is real time plus whatever was advanced, so controller loops running
    in threads keep turning while the timestamps they write stay fixed.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 1, tzinfo=UTC)
        self._mono = 0.0
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        with self._lock:
            return time.monotonic() + self._mono

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        with self._lock:
            self._now += timedelta(seconds=seconds)
            self._mono += seconds

    def sleep(self, seconds: float, stop: threading.Event | None = None) -> bool:
        self.advance(seconds)
        return bool(stop and stop.is_set())


def timestamp(when: datetime) -> str:
    """RFC 3339 with second precision, as metadata timestamps are written."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_timestamp(stamp: object) -> datetime | None:
    """An RFC 3339 time as the API writes it (`2026-11-28T06:42:56Z`), timezone-aware; None
    when absent or unreadable."""
    if not isinstance(stamp, str) or not stamp:
        return None
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
