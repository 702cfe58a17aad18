"""Cron schedules, in the words of the cron library (robfig/cron v1) v1.20 validates with."""

from __future__ import annotations

import re

from kubia_tutor.api.selectors import go_quote

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
# (lowest, highest, names) for minute, hour, day of month, month and day of week.
_CRON_FIELDS: tuple[tuple[int, int, dict[str, int]], ...] = (
    (0, 59, {}), (0, 23, {}), (1, 31, {}),
    (1, 12, {m: i + 1 for i, m in enumerate(_MONTHS)}),
    (0, 6, {d: i for i, d in enumerate(_WEEKDAYS)}),
)
_DESCRIPTORS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
_DURATION_UNITS = ("ns", "us", "µs", "μs", "ms", "s", "m", "h")


class _CronError(Exception):
    pass


def _atoi(text: str) -> int:
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        raise _CronError(f"Failed to parse int from {text}: strconv.Atoi: parsing "
                         f"{go_quote(text)}: invalid syntax")
    value = int(text)
    if not -(2**63) <= value < 2**63:
        raise _CronError(f"Failed to parse int from {text}: strconv.Atoi: parsing "
                         f"{go_quote(text)}: value out of range")
    if value < 0:
        raise _CronError(f"Negative number ({value}) not allowed: {text}")
    return value


def _cron_range(expr: str, low: int, high: int, names: dict[str, int]) -> None:
    range_step = expr.split("/")
    bounds = range_step[0].split("-")

    def number(text: str) -> int:
        return names[text.lower()] if text.lower() in names else _atoi(text)

    if bounds[0] in ("*", "?"):
        start, end = low, high
    else:
        start = number(bounds[0])
        if len(bounds) == 1:
            end = start
        elif len(bounds) == 2:
            end = number(bounds[1])
        else:
            raise _CronError(f"Too many hyphens: {expr}")
    step = 1
    if len(range_step) == 2:
        step = _atoi(range_step[1])
        if len(bounds) == 1:  # "N/step" runs from N to the end of the range
            end = high
    elif len(range_step) > 2:
        raise _CronError(f"Too many slashes: {expr}")
    if start < low:
        raise _CronError(f"Beginning of range ({start}) below minimum ({low}): {expr}")
    if end > high:
        raise _CronError(f"End of range ({end}) above maximum ({high}): {expr}")
    if start > end:
        raise _CronError(f"Beginning of range ({start}) beyond end of range ({end}): {expr}")
    if step == 0:
        raise _CronError(f"Step of range should be a positive number: {expr}")


def _go_duration_error(text: str) -> str | None:
    orig = go_quote(text)
    rest = text.lstrip("+-")
    if rest == "0":
        return None
    if not rest:
        return f"time: invalid duration {orig}"
    while rest:
        number = re.match(r"[0-9]*(\.[0-9]*)?", rest)
        digits = number.group(0) if number else ""
        if digits in ("", "."):
            return f"time: invalid duration {orig}"
        rest = rest[len(digits):]
        unit = re.match(r"[^0-9.]*", rest)
        unit_text = unit.group(0) if unit else ""
        if not unit_text:
            return f"time: missing unit in duration {orig}"
        if unit_text not in _DURATION_UNITS:
            return f"time: unknown unit {go_quote(unit_text)} in duration {orig}"
        rest = rest[len(unit_text):]
    return None


def cron_schedule_error(schedule: str) -> str | None:
    """Why a CronJob schedule does not parse (robfig/cron v1 wording), or None."""
    if schedule.startswith("@"):
        if schedule in _DESCRIPTORS:
            return None
        if schedule.startswith("@every "):
            problem = _go_duration_error(schedule[len("@every "):])
            return f"Failed to parse duration {schedule}: {problem}" if problem else None
        return f"Unrecognized descriptor: {schedule}"
    fields = schedule.split()
    if len(fields) != 5:
        return f"Expected exactly 5 fields, found {len(fields)}: {schedule}"
    try:
        for text, (low, high, names) in zip(fields, _CRON_FIELDS, strict=True):
            for expr in (part for part in text.split(",") if part):
                _cron_range(expr, low, high, names)
    except _CronError as err:
        return str(err)
    return None
