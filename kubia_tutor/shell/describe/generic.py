"""The generic describer kubectl falls back to for kinds without their own layout."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from kubia_tutor.shell.describe.context import DescribeContext
from kubia_tutor.shell.describe.events import append_events
from kubia_tutor.shell.describe.writer import PrefixWriter, header

# kubectl 1.20 does not yet hide managedFields here.
_SKIP = {".metadata.name", ".metadata.namespace", ".metadata.labels", ".metadata.annotations"}
_ACRONYMS = {"API", "URL", "UID", "OSB", "GUID"}
# Runs of one character class: lower, upper, digit, anything else.
_RUNS = re.compile(r"[a-z]+|[A-Z]+|[0-9]+|[^a-zA-Z0-9]+")


def describe_generic(obj: dict[str, Any], ctx: DescribeContext) -> str:
    """Name, Namespace, Labels, Annotations, then every other field as an indented tree."""
    w = PrefixWriter()
    header(w, obj)
    _content(w, 0, obj, "")
    append_events(w, obj, ctx)
    return w.render()


def _content(w: PrefixWriter, level: int, content: Mapping[str, Any], prefix: str) -> None:
    for field in sorted(content):
        path = f"{prefix}.{field}"
        if path in _SKIP:
            continue
        value = content[field]
        if isinstance(value, dict):
            w.write(level, f"{smart_label(field)}:\n")
            _content(w, level + 1, value, path)
        elif isinstance(value, list):
            w.write(level, f"{smart_label(field)}:\n")
            for child in value:
                if isinstance(child, dict):
                    _content(w, level + 1, child, path)
                else:
                    w.write(level + 1, f"{_go_value(child)}\n")
        else:
            w.write(level, f"{smart_label(field)}:\t{_go_value(value)}\n")


def smart_label(field: str) -> str:
    """`apiVersion` -> `API Version`: camel-case words, titled, common acronyms upper-cased."""
    if any(not (ch.isalpha() or ch == "-") for ch in field):
        return field
    runs = _RUNS.findall(field)
    # An upper-case run followed by lower case gives its last letter to the next word.
    for i in range(len(runs) - 1):
        if runs[i].isupper() and runs[i + 1].islower() and len(runs[i]) > 1:
            runs[i + 1] = runs[i][-1] + runs[i + 1]
            runs[i] = runs[i][:-1]
        elif runs[i].isupper() and runs[i + 1].islower():
            runs[i + 1] = runs[i] + runs[i + 1]
            runs[i] = ""
    words = [r for r in runs if r and r != "_"]
    return " ".join(w.upper() if w.upper() in _ACRONYMS else w[:1].upper() + w[1:] for w in words)


def _go_value(value: object) -> str:
    """Go's %v of a decoded JSON value (`[a b]` for lists, `map[k:v]` for objects)."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    if isinstance(value, list):
        return "[" + " ".join(_go_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{_go_value(value[k])}" for k in sorted(value)) + "]"
    return str(value)
