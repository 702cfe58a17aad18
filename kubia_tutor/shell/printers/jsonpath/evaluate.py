"""Evaluating parsed nodes against data: fields, slices, filters, recursion and range/end."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubia_tutor.shell.printers.jsonpath.errors import JsonPathError, _EvalError
from kubia_tutor.shell.printers.jsonpath.nodes import (
    _Array,
    _Bool,
    _Field,
    _Filter,
    _Float,
    _Identifier,
    _Int,
    _List,
    _Node,
    _Recursive,
    _Text,
    _Union,
    _Wildcard,
)
from kubia_tutor.shell.printers.serialize import go_sprint, to_compact_json


def _go_type(value: Any) -> str:
    if isinstance(value, Mapping):
        return "map[string]interface {}"
    if isinstance(value, (list, tuple)):
        return "[]interface {}"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int64"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    return type(value).__name__


def _children(value: Any) -> list[Any]:
    if isinstance(value, Mapping):
        return [value[k] for k in sorted(value)]
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, str):
        return list(value.encode("utf-8"))  # Go indexes a string by byte
    return []


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    raise JsonPathError("invalid type for comparison")


def _equal(left: Any, right: Any) -> bool:
    if _kind(left) != _kind(right):
        raise JsonPathError("incompatible types for comparison")
    return bool(left == right)


def _less(left: Any, right: Any) -> bool:
    kind = _kind(left)
    if kind != _kind(right):
        raise JsonPathError("incompatible types for comparison")
    if kind == "bool":
        raise JsonPathError("invalid type for comparison")
    return bool(left < right)


def _compare(operator: str, left: Any, right: Any) -> bool:
    if operator == "==":
        return _equal(left, right)
    if operator == "!=":
        return not _equal(left, right)
    if operator == "<":
        return _less(left, right)
    if operator == "<=":
        return _less(left, right) or _equal(left, right)
    if operator == ">":
        return not (_less(left, right) or _equal(left, right))
    if operator == ">=":
        return not _less(left, right)
    raise JsonPathError(f"unrecognized filter operator {operator}")


class _Run:
    """One execution: client-go keeps range bookkeeping in counters, and so does this."""

    def __init__(self, nodes: list[_Node], allow_missing: bool) -> None:
        self.nodes = nodes
        self.allow_missing = allow_missing
        self.begin_range = 0
        self.in_range = 0
        self.end_range = 0
        self.last_end: int | None = None

    def results(self, data: Any, start: int = 0) -> list[list[Any]]:
        cur = [data]
        full: list[list[Any]] = []
        i = start
        while i < len(self.nodes):
            found = self.walk(cur, self.nodes[i])
            if self.end_range > 0 and self.end_range <= self.in_range:
                self.end_range -= 1
                self.last_end = i
                break
            if self.begin_range > 0:
                self.begin_range -= 1
                self.in_range += 1
                if found:
                    for value in found:
                        full.extend(self.results(value, i + 1))
                else:
                    self.results(None, i + 1)  # only to move past the matching {end}
                self.in_range -= 1
                for k in range(i + 1, len(self.nodes)):
                    if k == self.last_end:
                        i = k
                        break
                i += 1
                continue
            full.append(found)
            i += 1
        return full

    def walk(self, values: list[Any], node: _Node) -> list[Any]:
        if isinstance(node, _List):
            for child in node.nodes:
                values = self.walk(values, child)
            return values
        if isinstance(node, _Text):
            return [node.text]
        if isinstance(node, _Field):
            return self._field(values, node.name)
        if isinstance(node, _Array):
            return self._array(values, node)
        if isinstance(node, _Filter):
            return self._filter(values, node)
        if isinstance(node, (_Int, _Float, _Bool)):
            return [node.value] * len(values)
        if isinstance(node, _Wildcard):
            return [child for value in values for child in _children(value)]
        if isinstance(node, _Recursive):
            return self._recursive(values)
        if isinstance(node, _Union):
            return [found for part in node.lists for found in self.walk(values, part)]
        return self._identifier(values, node)

    def _field(self, values: list[Any], name: str) -> list[Any]:
        if not values:
            return []
        found = [v[name] for v in values if isinstance(v, Mapping) and name in v]
        if not found and not self.allow_missing:
            raise _EvalError(f"{name} is not found", [])
        return found

    def _array(self, values: list[Any], node: _Array) -> list[Any]:
        result: list[Any] = []
        for value in values:
            if value is None:
                continue
            if not isinstance(value, (list, tuple)):
                raise _EvalError(f"{_go_type(value)} is not array or slice", values)
            length = len(value)
            first, end, step = node.params
            lo = first.value if first.known else 0
            if lo < 0:
                lo += length
            hi = end.value if end.known else length
            if hi < 0 or (hi == 0 and end.derived):
                hi += length
            if hi == lo:
                # client-go stops at the first empty selection, even with more input left.
                return result
            if lo >= length or lo < 0:
                raise _EvalError(
                    f"array index out of bounds: index {lo}, length {length}", values)
            if hi > length or hi < 0:
                raise _EvalError(
                    f"array index out of bounds: index {hi - 1}, length {length}", values)
            if lo > hi:
                raise _EvalError(
                    f"starting index {lo} is greater than ending index {hi}", values)
            stride = 1
            if step.known:
                if step.value <= 0:
                    raise _EvalError("step must be > 0", values)
                stride = step.value
            result.extend(value[lo:hi:stride])
        return result

    def _filter(self, values: list[Any], node: _Filter) -> list[Any]:
        result: list[Any] = []
        for value in values:
            if not isinstance(value, (list, tuple)):
                raise _EvalError(
                    f"{go_sprint(value)} is not array or slice and cannot be filtered", values)
            for item in value:
                try:
                    lefts = self.walk([item], node.left)
                    left_error: _EvalError | None = None
                except _EvalError as err:
                    lefts, left_error = err.partial, err
                if node.operator == "exists":
                    if lefts:
                        result.append(item)
                    continue
                if left_error is not None:
                    raise _EvalError(str(left_error), values)
                if not lefts:
                    continue
                if len(lefts) > 1:
                    raise _EvalError("can only compare one element at a time", values)
                try:
                    rights = self.walk([item], node.right)
                except _EvalError as err:
                    raise _EvalError(str(err), values) from None
                if not rights:
                    continue
                if len(rights) > 1:
                    raise _EvalError("can only compare one element at a time", values)
                try:
                    passed = _compare(node.operator, lefts[0], rights[0])
                except JsonPathError as err:
                    raise _EvalError(str(err), result) from None
                if passed:
                    result.append(item)
        return result

    def _recursive(self, values: list[Any]) -> list[Any]:
        result: list[Any] = []
        for value in values:
            if value is None:
                continue
            children = _children(value)
            if children:
                result.append(value)
                result.extend(self._recursive(children))
        return result

    def _identifier(self, values: list[Any], node: _Identifier) -> list[Any]:
        if node.name == "range":
            self.begin_range += 1
            return values
        if node.name == "end":
            if self.in_range > 0:
                self.end_range += 1
                return []
            raise _EvalError("not in range, nothing to end", [])
        raise _EvalError(f"unrecognized identifier {node.name}", values)


def _text(value: Any) -> str:
    """How client-go prints one result: maps and lists as compact JSON, the rest via fmt."""
    if isinstance(value, (Mapping, list, tuple)):
        return to_compact_json(value)
    return go_sprint(value)
