"""The `Events:` section that ends most describe outputs."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from kubia_tutor.shell.describe.context import DescribeContext
from kubia_tutor.shell.describe.writer import PrefixWriter
from kubia_tutor.shell.printers.duration import age, parse_time

_EPOCH_ZERO = datetime.min.replace(tzinfo=UTC)


def append_events(w: PrefixWriter, obj: Mapping[str, Any], ctx: DescribeContext) -> None:
    """Write the Events section for `obj` unless events are switched off."""
    if ctx.show_events:
        describe_events(w, ctx.events(dict(obj)), ctx.now)


def describe_events(w: PrefixWriter, events: list[dict[str, Any]], now: datetime) -> None:
    """`Events:\\t<none>`, or the Type/Reason/Age/From/Message table oldest first."""
    if not events:
        w.line(0, "Events:", "<none>")
        return
    w.write(0, "Events:\n")
    w.line(1, "Type", "Reason", "Age", "From", "Message")
    w.line(1, "----", "------", "----", "----", "-------")
    # kubectl 1.20 orders by lastTimestamp alone; a stable sort keeps ties in list order.
    for event in sorted(events, key=_last_timestamp):
        w.line(
            1,
            event.get("type", ""),
            event.get("reason", ""),
            _interval(event, now),
            _source(event),
            str(event.get("message") or "").strip(),
        )


def _last_timestamp(event: Mapping[str, Any]) -> datetime:
    when = parse_time(event.get("lastTimestamp"))
    if when is None:
        return _EPOCH_ZERO
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _interval(event: Mapping[str, Any], now: datetime) -> str:
    """The Age cell: since first seen, or `<last> (xN over <first>)` for repeated events.

    kubectl 1.20 ignores `series`; later versions use it for the repeat count.
    """
    first = event.get("eventTime") or event.get("firstTimestamp")
    since_first = age(first, now)
    count = int(event.get("count") or 0)
    if count > 1:
        return f"{age(event.get('lastTimestamp'), now)} (x{count} over {since_first})"
    return since_first


def _source(event: Mapping[str, Any]) -> str:
    source = event.get("source")
    component = source.get("component") if isinstance(source, dict) else None
    # Go's Event.ReportingController field is serialised as `reportingComponent`.
    return str(component or event.get("reportingComponent") or "")
