"""Reading decoded JSON the forgiving way the semantic checks need.

The schema check has already run, but the semantic checks still meet nulls, wrong types and
missing fields, and must treat them as Go's zero values rather than crash. These helpers are
shared by every module of the package (hence underscore names imported across it).
"""

from __future__ import annotations

from collections.abc import Container
from typing import Any

from kubia_tutor.api.quantity import Quantity, QuantityError, parse_quantity

Obj = dict[str, Any]


def _d(value: Any) -> Obj:
    return value if isinstance(value, dict) else {}


def _l(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _set(obj: Obj, key: str) -> bool:
    """Whether a field was given at all (defaulting fills the rest later)."""
    return obj.get(key) is not None


def _byte_len(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _semantic(value: Any) -> Any:
    """A value as Go's semantic equality sees it: unset, empty and zero are all the same."""
    if isinstance(value, dict):
        kept = {k: _semantic(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in (None, "", 0, False, [], {})}
    if isinstance(value, list):
        return [_semantic(v) for v in value]
    return value


def _same(a: Any, b: Any) -> bool:
    return bool(_semantic(a) == _semantic(b))


def _without(obj: Obj, keys: Container[str]) -> Obj:
    """A shallow copy of `obj` minus `keys` (the fields an update may change)."""
    return {k: v for k, v in obj.items() if k not in keys}


def _quantity(value: Any) -> Quantity | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return parse_quantity(value)
    except (QuantityError, ValueError, TypeError):
        return None  # undecodable quantities are the decoder's 400, not a 422
