"""kubectl's HumanDuration: the AGE, LAST SEEN and DURATION cells."""

from __future__ import annotations

from datetime import UTC, datetime

from kubia_tutor.clock import parse_timestamp as parse_time  # the one timestamp parser


def human_duration(seconds: float) -> str:
    """Format a duration the way kubectl's `duration.HumanDuration` does (2-3 significant units)."""
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    s = int(seconds)
    if s < 60 * 2:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        rem = s % 60
        return f"{minutes}m" if rem == 0 else f"{minutes}m{rem}s"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 8:
        rem = minutes % 60
        return f"{hours}h" if rem == 0 else f"{hours}h{rem}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rem = hours % 24
        return f"{hours // 24}d" if rem == 0 else f"{hours // 24}d{rem}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        years = hours // 24 // 365
        return f"{years}y" if days == 0 else f"{years}y{days}d"
    return f"{hours // 24 // 365}y"


def age(stamp: str | None, now: datetime) -> str:
    """The AGE cell for a timestamp: HumanDuration since then, `<unknown>` when unset."""
    when = parse_time(stamp)
    if when is None:
        return "<unknown>"
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return human_duration((now - when).total_seconds())
