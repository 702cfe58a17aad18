"""`-o yaml` and `-o json` output byte for byte as kubectl v1.20.2 writes it, plus Go value text.

kubectl's JSON is Go's `encoding/json` (`MarshalIndent` with four spaces). Its YAML goes through
`sigs.k8s.io/yaml`: the object is marshalled to JSON, the JSON is read back by `gopkg.in/yaml.v2`
(v2.2.8 in kubectl 1.20, which still wraps long lines at 80 columns) and written out by it. So
the YAML side here reproduces yaml.v2: its key order, its rules for when a string needs quotes,
and the libyaml emitter it is a port of. PyYAML's emitter is a port of the same libyaml code, so
it does the layout; the few places where the two ports differ are overridden in `_GoEmitter`.

The module also holds the Go text forms other printers need: `fmt`'s `%v` (`go_sprint`), compact
JSON (`to_compact_json`, what jsonpath prints for maps and lists) and float formatting.
"""

from __future__ import annotations

import functools
import io
import math
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from yaml.emitter import Emitter, ScalarAnalysis
from yaml.events import (
    DocumentEndEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)

__all__ = [
    "as_list",
    "go_format_float",
    "go_json_float",
    "go_quote",
    "go_sharp_v",
    "go_sprint",
    "to_compact_json",
    "to_json",
    "to_yaml",
]


def as_list(items: list[Any], resource_version: str = "") -> dict[str, Any]:
    """The `List` kubectl 1.20 wraps several objects in for -o json/yaml (1.21 dropped selfLink)."""
    return {
        "apiVersion": "v1",
        "items": list(items),
        "kind": "List",
        "metadata": {"resourceVersion": resource_version, "selfLink": ""},
    }


# --- Go number formatting ----------------------------------------------------------------------


def _shortest_digits(value: float) -> tuple[str, int]:
    """Shortest round-trip digits of |value| and the decimal point position (0.DIGITS x 10^dp).

    Python's repr and Go's `-1` precision both pick the shortest digit string that reads back
    as the same float, so the digits agree; only the layout around them differs.
    """
    if value == 0:
        return "0", 1
    _sign, digit_tuple, exponent = Decimal(repr(abs(value))).normalize().as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(str(d) for d in digit_tuple)
    return digits, len(digits) + exponent


def _layout_f(digits: str, dp: int) -> str:
    if digits == "0":
        return "0"
    if dp <= 0:
        return "0." + "0" * (-dp) + digits
    if dp >= len(digits):
        return digits + "0" * (dp - len(digits))
    return digits[:dp] + "." + digits[dp:]


def _layout_e(digits: str, dp: int) -> str:
    exp = dp - 1 if digits != "0" else 0
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"


def go_format_float(value: float) -> str:
    """Go's `strconv.FormatFloat(v, 'g', -1, 64)`, which is also what `fmt` prints for `%v`."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    sign = "-" if math.copysign(1.0, value) < 0 else ""
    digits, dp = _shortest_digits(value)
    exp = dp - 1
    # Shortest-form %g switches to an exponent outside 1e-4 <= |v| < 1e6 ("eprec" 6 in Go).
    if digits != "0" and (exp < -4 or exp >= 6):
        return sign + _layout_e(digits, dp)
    return sign + _layout_f(digits, dp)


def go_json_float(value: float) -> str:
    """How `encoding/json` writes a float64: plain decimals, exponents only outside 1e-6..1e21."""
    if math.isnan(value) or math.isinf(value):
        raise ValueError(f"json: unsupported value: {go_format_float(value)}")
    sign = "-" if math.copysign(1.0, value) < 0 else ""
    digits, dp = _shortest_digits(value)
    magnitude = abs(value)
    if magnitude != 0 and (magnitude < 1e-6 or magnitude >= 1e21):
        text = _layout_e(digits, dp)
        # encoding/json trims the exponent's leading zero for negative exponents only.
        text = re.sub(r"e-0(\d)$", r"e-\1", text)
        return sign + text
    return sign + _layout_f(digits, dp)


# --- JSON ----------------------------------------------------------------------------------------


def _json_string(text: str) -> str:
    # encoding/json escapes HTML-significant characters and U+2028/9 too, and writes \b and \f
    # as \u0008 and \u000c (the short forms arrived in Go 1.22, after kubectl 1.20's Go 1.15).
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif code < 0x20 or ch in "<>&" or code in (0x2028, 0x2029):
            out.append(f"\\u{code:04x}")
        elif 0xD800 <= code <= 0xDFFF:
            out.append("\ufffd")  # a lone surrogate is invalid UTF-8 to Go
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _json_scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return go_json_float(value)
    if isinstance(value, str):
        return _json_string(value)
    raise TypeError(f"json: unsupported type: {type(value).__name__}")


def _items(mapping: Mapping[Any, Any], sort_keys: bool) -> list[tuple[str, Any]]:
    pairs = [(k if isinstance(k, str) else str(k), v) for k, v in mapping.items()]
    if sort_keys:
        pairs.sort(key=lambda kv: kv[0])
    return pairs


def _json_indented(value: Any, indent: str, sort_keys: bool, out: list[str]) -> None:
    inner = indent + "    "
    if isinstance(value, Mapping):
        pairs = _items(value, sort_keys)
        if not pairs:
            out.append("{}")
            return
        out.append("{\n")
        for i, (key, item) in enumerate(pairs):
            out.append(f"{inner}{_json_string(key)}: ")
            _json_indented(item, inner, sort_keys, out)
            out.append(",\n" if i < len(pairs) - 1 else "\n")
        out.append(indent + "}")
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        out.append("[\n")
        for i, item in enumerate(value):
            out.append(inner)
            _json_indented(item, inner, sort_keys, out)
            out.append(",\n" if i < len(value) - 1 else "\n")
        out.append(indent + "]")
    else:
        out.append(_json_scalar(value))


def to_json(obj: Any, *, sort_keys: bool = True) -> str:
    """`kubectl -o json`: 4-space indent, newline-terminated.

    Objects kubectl gets from a server are unstructured maps, which Go writes with sorted keys,
    hence the default. Objects kubectl builds itself (`create ... --dry-run=client -o json`) are
    Go structs written in field order: build the dict in that order and pass sort_keys=False.
    """
    out: list[str] = []
    _json_indented(obj, "", sort_keys, out)
    out.append("\n")
    return "".join(out)


def to_compact_json(obj: Any, *, sort_keys: bool = True) -> str:
    """Go's `json.Marshal`: no whitespace at all, e.g. `{"a":"b","c":[1,2]}`."""
    if isinstance(obj, Mapping):
        inner = ",".join(
            f"{_json_string(k)}:{to_compact_json(v, sort_keys=sort_keys)}"
            for k, v in _items(obj, sort_keys)
        )
        return "{" + inner + "}"
    if isinstance(obj, (list, tuple)):
        return "[" + ",".join(to_compact_json(v, sort_keys=sort_keys) for v in obj) + "]"
    return _json_scalar(obj)


# --- Go fmt verbs --------------------------------------------------------------------------------


def go_sprint(value: Any) -> str:
    """`fmt.Sprintf("%v", v)` for JSON-shaped data: `map[k:v k2:v2]`, `[a b]`, `<nil>`."""
    if value is None:
        return "<nil>"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return go_format_float(value)
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        # fmt prints maps with their keys sorted (Go 1.12 and later).
        inner = " ".join(f"{k}:{go_sprint(v)}" for k, v in _items(value, True))
        return f"map[{inner}]"
    if isinstance(value, (list, tuple)):
        return "[" + " ".join(go_sprint(v) for v in value) + "]"
    return str(value)


def go_quote(text: str) -> str:
    """Go's `strconv.Quote` (`%q`): double quotes, Go escapes for anything not printable."""
    out = ['"']
    short = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t",
             "\v": "\\v", '"': '\\"', "\\": "\\\\"}
    for ch in text:
        code = ord(ch)
        if ch in short:
            out.append(short[ch])
        elif ch == " " or (ch.isprintable() and code != 0xFEFF and not 0xD800 <= code <= 0xDFFF):
            out.append(ch)
        elif code < 0x80:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def go_sharp_v(value: Any) -> str:
    """`fmt.Sprintf("%#v", v)` for unstructured JSON data (`map[string]interface {}{...}`).

    Used in kubectl's jsonpath execution error, which dumps the object it was given.
    """
    if value is None:
        return "interface {}(nil)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return go_format_float(value)
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, Mapping):
        inner = ", ".join(
            f"{go_quote(k)}:{go_sharp_v(v)}" for k, v in _items(value, True)
        )
        return "map[string]interface {}{" + inner + "}"
    if isinstance(value, (list, tuple)):
        return "[]interface {}{" + ", ".join(go_sharp_v(v) for v in value) + "}"
    return repr(value)


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


# --- YAML: events and emitter --------------------------------------------------------------------


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


_BREAKS = "\r\n\x85\u2028\u2029"
_ESCAPES = {
    "\0": "0", "\a": "a", "\b": "b", "\t": "t", "\n": "n", "\v": "v", "\f": "f", "\r": "r",
    "\x1b": "e", '"': '"', "\\": "\\", "\x85": "N", "\xa0": "_", "\u2028": "L", "\u2029": "P",
}


def _go_printable(ch: str) -> bool:
    # libyaml's IS_PRINTABLE as yaml.v2 has it: tab, NEL and everything past U+FFFF are not.
    code = ord(ch)
    return (
        ch == "\n"
        or 0x20 <= code <= 0x7E
        or 0xA0 <= code <= 0xD7FF
        or (0xE000 <= code <= 0xFFFD and code != 0xFEFF)
    )


def _go_escape(ch: str) -> str:
    if ch in _ESCAPES:
        return "\\" + _ESCAPES[ch]
    code = ord(ch)
    if code <= 0xFF:
        return f"\\x{code:02X}"
    if code <= 0xFFFF:
        return f"\\u{code:04X}"
    return f"\\U{code:08X}"


class _GoEmitter(Emitter):
    """PyYAML's emitter with the spots where yaml.v2's port of libyaml behaves differently."""

    def _put(self, data: str) -> None:
        self.column += len(data)
        self.stream.write(data)

    def analyze_scalar(self, scalar: str) -> ScalarAnalysis:
        # yaml.v2's analysis: its own printable set, and '\r' counts as a line break.
        if not scalar:
            return ScalarAnalysis(scalar=scalar, empty=True, multiline=False,
                                  allow_flow_plain=False, allow_block_plain=True,
                                  allow_single_quoted=True, allow_double_quoted=True,
                                  allow_block=False)
        flow_ind = block_ind = scalar.startswith(("---", "..."))
        line_breaks = special = False
        leading_space = leading_break = trailing_space = trailing_break = False
        break_space = space_break = previous_space = previous_break = False
        preceded_by_ws = True
        last = len(scalar) - 1
        for i, ch in enumerate(scalar):
            followed_by_ws = i == last or scalar[i + 1] in " \t"
            if i == 0:
                if ch in "#,[]{}&*!|>'\"%@`":
                    flow_ind = block_ind = True
                elif ch in "?:":
                    flow_ind = True
                    block_ind = block_ind or followed_by_ws
                elif ch == "-" and followed_by_ws:
                    flow_ind = block_ind = True
            elif ch in ",?[]{}":
                flow_ind = True
            elif ch == ":":
                flow_ind = True
                block_ind = block_ind or followed_by_ws
            elif ch == "#" and preceded_by_ws:
                flow_ind = block_ind = True
            if not _go_printable(ch):
                special = True
            if ch == " ":
                leading_space = leading_space or i == 0
                trailing_space = trailing_space or i == last
                break_space = break_space or previous_break
                previous_space, previous_break = True, False
            elif ch in _BREAKS:
                line_breaks = True
                leading_break = leading_break or i == 0
                trailing_break = trailing_break or i == last
                space_break = space_break or previous_space
                previous_space, previous_break = False, True
            else:
                previous_space = previous_break = False
            preceded_by_ws = ch in " \t" or ch in _BREAKS or ch == "\0"
        flow_plain = block_plain = single = block = True
        if leading_space or leading_break or trailing_space or trailing_break:
            flow_plain = block_plain = False
        if trailing_space:
            block = False
        if break_space:
            flow_plain = block_plain = single = False
        if space_break or special:
            flow_plain = block_plain = single = block = False
        if line_breaks:
            flow_plain = block_plain = False
        if flow_ind:
            flow_plain = False
        if block_ind:
            block_plain = False
        return ScalarAnalysis(scalar=scalar, empty=False, multiline=line_breaks,
                              allow_flow_plain=flow_plain, allow_block_plain=block_plain,
                              allow_single_quoted=single, allow_double_quoted=True,
                              allow_block=block)

    def check_simple_key(self) -> bool:
        # yaml.v2 allows keys up to 128 bytes, empty ones included; PyYAML stops below 128 chars.
        event = self.event
        if isinstance(event, ScalarEvent):
            if self.analysis is None:
                self.analysis = self.analyze_scalar(event.value)
            return not self.analysis.multiline and len(event.value.encode("utf-8")) <= 128
        if isinstance(event, SequenceStartEvent):
            return self.check_empty_sequence()
        if isinstance(event, MappingStartEvent):
            return self.check_empty_mapping()
        return False

    def write_double_quoted(self, text: str, split: bool = True) -> None:
        # yaml.v2 folds a long double-quoted scalar at a space, dropping the space into the
        # line break; PyYAML instead ends the line with an escaped break and keeps the space.
        self.write_indicator('"', True)
        spaces = False
        last = len(text) - 1
        for i, ch in enumerate(text):
            if not _go_printable(ch) or ch == "\ufeff" or ch in _BREAKS or ch in '"\\':
                self._put(_go_escape(ch))
                spaces = False
            elif ch == " ":
                if split and not spaces and self.column > self.best_width and 0 < i < last:
                    self.write_indent()
                    if text[i + 1] == " ":
                        self._put("\\")
                else:
                    self._put(ch)
                spaces = True
            else:
                self._put(ch)
                spaces = False
        self.write_indicator('"', False)


def to_yaml(obj: Any) -> str:
    """`kubectl -o yaml`: keys in yaml.v2 order, 2-space indent, lists flush with their key."""
    stream = io.StringIO()
    emitter = _GoEmitter(stream, indent=2, width=80, allow_unicode=True, line_break="\n")
    emitter.emit(StreamStartEvent())
    emitter.emit(DocumentStartEvent(explicit=False))
    for event in _events(obj):
        emitter.emit(event)
    emitter.emit(DocumentEndEvent(explicit=False))
    # yaml.v2's encoder clears this before ending the stream, so a value that ends in a kept
    # blank line (`|+`) is not followed by a `...` document-end marker.
    emitter.open_ended = False
    emitter.emit(StreamEndEvent())
    return stream.getvalue()
