"""Go's `encoding/json`: `-o json` (MarshalIndent, four spaces) and compact `json.Marshal`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubia_tutor.shell.printers.serialize.gofmt import _items, go_json_float


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
