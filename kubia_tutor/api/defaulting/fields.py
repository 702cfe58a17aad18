"""Small tolerant accessors for the plain-dict objects defaulting works on.

Defaulting runs before validation, so these helpers meet nulls, wrong types and missing fields
and must neither crash nor invent structure where there is none. They are shared by every
module of the package (hence underscore names imported across it).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

Obj = dict[str, Any]


def _unset(value: Any) -> bool:
    """Go's "not given" for a string or pointer field: absent, null or the empty string."""
    return value is None or value == ""


def _unset_int(value: Any) -> bool:
    """Go's "not given" for a plain int32 field, where 0 cannot be told from absent."""
    return value is None or (value == 0 and not isinstance(value, bool))


def _fill(obj: Obj, key: str, value: Any) -> None:
    """Set `key` to a fresh copy of `value` when the field is unset."""
    if _unset(obj.get(key)):
        obj[key] = copy.deepcopy(value)


def _fill_all(obj: Obj, defaults: dict[str, Any]) -> None:
    for key, value in defaults.items():
        _fill(obj, key, value)


def _child(obj: Obj, key: str) -> Obj | None:
    """The dict at `key`, created when absent or null; None when it holds something else."""
    value = obj.get(key)
    if value is None:
        value = obj[key] = {}
    return value if isinstance(value, dict) else None


def _existing(obj: Any, key: str) -> Obj | None:
    """The dict at `key` if there is one; never creates it."""
    if not isinstance(obj, dict):
        return None
    value = obj.get(key)
    return value if isinstance(value, dict) else None


def _entries(obj: Any, key: str) -> Iterator[Obj]:
    """The dict elements of the list at `key`, skipping anything malformed."""
    if not isinstance(obj, dict):
        return
    items = obj.get(key)
    if isinstance(items, list):
        yield from (item for item in items if isinstance(item, dict))


def _labels(obj: Obj) -> Any:
    meta = obj.get("metadata")
    return meta.get("labels") if isinstance(meta, dict) else None


def _copy_labels_if_empty(obj: Obj, labels: Any) -> None:
    """Give an object its template's labels when it has none (RC and Job defaulting)."""
    if not isinstance(labels, dict):
        return
    meta = _child(obj, "metadata")
    if meta is not None and not meta.get("labels"):
        meta["labels"] = dict(labels)


def _spec(obj: Obj) -> Obj | None:
    return _child(obj, "spec")


def _containers(spec: Obj) -> Iterator[Obj]:
    yield from _entries(spec, "initContainers")
    yield from _entries(spec, "containers")


def _null_creation_timestamp(template: Obj) -> None:
    """A template's metadata is an ObjectMeta struct, so an unset creationTimestamp prints as
    null (pod templates, a CronJob's job template, a StatefulSet's volume claim templates)."""
    meta = _child(template, "metadata")
    if meta is not None:
        meta.setdefault("creationTimestamp", None)
