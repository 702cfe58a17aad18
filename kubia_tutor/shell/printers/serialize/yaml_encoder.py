"""yaml.v2's encoder decisions: which strings need quotes, map key order, and the events.

kubectl's YAML is JSON read back by yaml.v2 and written out again, so a string is quoted exactly
when yaml.v2 would otherwise resolve it to something else, and numbers are what survived JSON.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterator, Mapping
from typing import Any

from yaml.events import (
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)

from kubia_tutor.shell.printers.serialize.gofmt import go_format_float, go_json_float

# --- YAML: when yaml.v2 needs quotes -------------------------------------------------------------

# Plain scalars yaml.v2 reads as something other than a string (its resolve table). y/Y/n/N,
# yes/no and on/off in three casings are booleans to yaml.v2, so kubectl prints them as "y",
# "no", ...; PyYAML's resolver does not know y/n, one reason these rules are our own here.
# "<<" is not here: its first byte is not in yaml.v2's hint table, so it stays a plain string.
_NON_STRING_WORDS = frozenset((
    "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
    "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF",
    "~", "null", "Null", "NULL",
    ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF",
    "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
))
_HINTED = frozenset("+-0123456789yYnNtTfFoO~.")
_GO_INT = re.compile(r"([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)")
_YAML_STYLE_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_DOT_FLOAT = re.compile(r"\.[0-9]+([eE][-+]?[0-9]+)?")
_BASE60_FLOAT = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?")
_DATE = r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"
_CLOCK = r"([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:\.[0-9]{1,9})?"
_TIMESTAMPS = (
    re.compile(_DATE + "[Tt]" + _CLOCK + r"(?:Z|[+-][0-9]{2}:[0-9]{2})"),
    re.compile(_DATE + " +" + _CLOCK),
    re.compile(_DATE),
)
_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _is_go_int(text: str) -> bool:
    match = _GO_INT.fullmatch(text)
    if match is None:
        return False
    sign, body = match.groups()
    if body[:2] in ("0x", "0X"):
        number = int(body[2:], 16)
    elif body[:2] in ("0o", "0O"):
        number = int(body[2:], 8)
    elif body[:2] in ("0b", "0B"):
        number = int(body[2:], 2)
    else:
        number = int(body, 8) if body.startswith("0") else int(body)
    if sign == "-":
        return number <= 2**63
    if sign == "+":
        return number < 2**63  # ParseUint, the fallback for big values, refuses a sign
    return number < 2**64


def _parses_as_float(text: str) -> bool:
    # Go's ParseFloat fails on overflow, and then yaml.v2 keeps the scalar a string.
    return not math.isinf(float(text))


def _is_go_timestamp(text: str) -> bool:
    """Whether yaml.v2's `parseTimestamp` (Go `time.Parse` on its four layouts) accepts text."""
    for pattern in _TIMESTAMPS:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        year, month, day = (int(g) for g in match.groups()[:3])
        if not 1 <= month <= 12:
            continue
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        if not 1 <= day <= _DAYS[month - 1] + (1 if month == 2 and leap else 0):
            continue
        clock = match.groups()[3:6]
        if clock:
            hour, minute, second = (int(g) for g in clock)
            if hour >= 24 or minute >= 60 or second >= 60:
                continue
        return True
    return False


def _resolves_to_string(text: str) -> bool:
    """Whether yaml.v2 would read `text`, written plain, back as a string."""
    if text == "":
        return False  # empty plain scalar is null
    if text[0] not in _HINTED:
        return True
    if text in _NON_STRING_WORDS:
        return False
    first = text[0]
    if first == ".":
        return not (_DOT_FLOAT.fullmatch(text) and _parses_as_float(text))
    if first in "+-0123456789":
        if _is_go_timestamp(text):
            return False
        plain = text.replace("_", "")
        if _is_go_int(plain):
            return False
        if _YAML_STYLE_FLOAT.fullmatch(plain) and _parses_as_float(plain):
            return False
    return True


def _string_style(text: str) -> str | None:
    """The style yaml.v2's encoder asks for: literal for multi-line, plain if safe, else "..."."""
    if "\n" in text:
        return "|"
    if _resolves_to_string(text) and not _BASE60_FLOAT.fullmatch(text):
        return None  # plain, or single quotes if the emitter finds indicators in it
    return '"'


# --- YAML: key order -----------------------------------------------------------------------------


def _key_less(a: str, b: str) -> bool:
    """yaml.v2's map key order: letters by code point, non-letters first, digit runs by value."""
    for i in range(min(len(a), len(b))):
        ca, cb = a[i], b[i]
        if ca == cb:
            continue
        a_letter, b_letter = ca.isalpha(), cb.isalpha()
        if a_letter and b_letter:
            return ca < cb
        if a_letter or b_letter:
            return b_letter
        a_num = b_num = 0
        if ca == "0" or cb == "0":
            # A zero inside a longer number (after a non-zero digit) compares as a digit run.
            j = i - 1
            while j >= 0 and a[j].isdecimal():
                if a[j] != "0":
                    a_num = b_num = 1
                    break
                j -= 1
        a_end = i
        while a_end < len(a) and a[a_end].isdecimal():
            a_num = a_num * 10 + ord(a[a_end]) - ord("0")
            a_end += 1
        b_end = i
        while b_end < len(b) and b[b_end].isdecimal():
            b_num = b_num * 10 + ord(b[b_end]) - ord("0")
            b_end += 1
        if a_num != b_num:
            return a_num < b_num
        if a_end != b_end:
            return a_end < b_end
        return ca < cb
    return len(a) < len(b)


def _key_cmp(a: str, b: str) -> int:
    if _key_less(a, b):
        return -1
    if _key_less(b, a):
        return 1
    return 0


_KEY_ORDER = functools.cmp_to_key(_key_cmp)


# --- YAML: events --------------------------------------------------------------------------------


def _yaml_number(value: int | float) -> str:
    if isinstance(value, int):
        return str(value)
    # The float went through JSON first: integral values lose their ".0" there, and yaml.v2
    # then reads them back as integers if they fit 64 bits.
    text = go_json_float(value)
    if _is_go_int(text):
        return str(int(text))
    return go_format_float(float(text))


def _scalar(value: str, style: str | None) -> ScalarEvent:
    return ScalarEvent(None, None, (True, True), value, style=style)


def _events(value: Any) -> Iterator[Event]:
    if isinstance(value, Mapping):
        yield MappingStartEvent(None, None, True, flow_style=False)
        keyed = sorted(((k if isinstance(k, str) else str(k), v) for k, v in value.items()),
                       key=lambda kv: _KEY_ORDER(kv[0]))
        for key, item in keyed:
            yield _scalar(key, _string_style(key))
            yield from _events(item)
        yield MappingEndEvent()
    elif isinstance(value, (list, tuple)):
        yield SequenceStartEvent(None, None, True, flow_style=False)
        for item in value:
            yield from _events(item)
        yield SequenceEndEvent()
    elif value is None:
        yield _scalar("null", None)
    elif value is True or value is False:
        yield _scalar("true" if value else "false", None)
    elif isinstance(value, (int, float)):
        yield _scalar(_yaml_number(value), None)
    elif isinstance(value, str):
        yield _scalar(value, _string_style(value))
    else:
        raise TypeError(f"cannot marshal {type(value).__name__} to YAML")
