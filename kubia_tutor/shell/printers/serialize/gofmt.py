"""Go's text forms for JSON-shaped data: float formatting, `fmt`'s `%v` and `%#v`, and `%q`."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

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


# --- Go fmt verbs --------------------------------------------------------------------------------


def _items(mapping: Mapping[Any, Any], sort_keys: bool) -> list[tuple[str, Any]]:
    pairs = [(k if isinstance(k, str) else str(k), v) for k, v in mapping.items()]
    if sort_keys:
        pairs.sort(key=lambda kv: kv[0])
    return pairs


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
