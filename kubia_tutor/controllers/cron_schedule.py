"""CronJob schedules as the cron library of Kubernetes 1.20 (robfig/cron v1) reads them:
five fields or a descriptor (`@hourly`) through croniter, and `@every <duration>`, which
croniter does not know, by hand. Times are UTC, the controller manager's zone on minikube."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta

from croniter import croniter

_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6,
                 "μs": 1e-6, "ns": 1e-9}
_PART = re.compile(r"([0-9]*\.?[0-9]+)(h|ms|m|s|us|µs|μs|ns)")


class ScheduleError(ValueError):
    """The schedule does not parse (validation normally refuses it first)."""


def _every(text: str) -> timedelta:
    """The delay of `@every <Go duration>`, rounded down to whole seconds, at least 1 s."""
    rest, seconds = text.strip(), 0.0
    while rest:
        match = _PART.match(rest)
        if match is None:
            raise ScheduleError(f"unparseable schedule: @every {text}")
        seconds += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        rest = rest[match.end():]
    return timedelta(seconds=max(1, int(seconds)))


def times_after(schedule: str, start: datetime) -> Iterator[datetime]:
    """The schedule's activation times strictly after `start`, in order, without end."""
    if schedule.startswith("@every "):
        delay = _every(schedule[len("@every "):])
        when = start.replace(microsecond=0)
        while True:
            when += delay
            yield when
    try:
        it = croniter(schedule, start)
    except (ValueError, KeyError) as err:
        raise ScheduleError(f"unparseable schedule: {schedule} : {err}") from None
    while True:
        yield it.get_next(datetime)


def next_time(schedule: str, after: datetime) -> datetime:
    """The first activation strictly after `after`."""
    return next(times_after(schedule, after))
