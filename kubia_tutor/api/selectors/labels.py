"""Label selectors as values: requirements, their operators, matching and printing."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Operator(StrEnum):
    """A requirement's operator, spelled as apimachinery's `selection.Operator` values."""

    IN = "in"
    NOT_IN = "notin"
    EQUALS = "="
    DOUBLE_EQUALS = "=="
    NOT_EQUALS = "!="
    EXISTS = "exists"
    DOES_NOT_EXIST = "!"
    GREATER_THAN = "gt"
    LESS_THAN = "lt"


_INT64 = re.compile(r"[+-]?[0-9]+")


def _parse_int64(text: str) -> int | None:
    """Go's strconv.ParseInt(text, 10, 64), or None where it would fail."""
    if not _INT64.fullmatch(text):
        return None
    value = int(text)
    return value if -(2**63) <= value < 2**63 else None


@dataclass(frozen=True)
class Requirement:
    """One clause of a label selector: a key, an operator and its values."""

    key: str
    operator: Operator
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether a label set satisfies this clause (absent keys satisfy `!=` and `notin`)."""
        op = self.operator
        present = self.key in labels
        if op is Operator.EXISTS:
            return present
        if op is Operator.DOES_NOT_EXIST:
            return not present
        if op in (Operator.IN, Operator.EQUALS, Operator.DOUBLE_EQUALS):
            return present and labels[self.key] in self.values
        if op in (Operator.NOT_IN, Operator.NOT_EQUALS):
            return not present or labels[self.key] not in self.values
        if not present or len(self.values) != 1:
            return False
        have, want = _parse_int64(str(labels[self.key])), _parse_int64(self.values[0])
        if have is None or want is None:
            return False
        return have > want if op is Operator.GREATER_THAN else have < want

    def __str__(self) -> str:
        op = self.operator
        if op is Operator.EXISTS:
            return self.key
        if op is Operator.DOES_NOT_EXIST:
            return "!" + self.key
        values = ",".join(sorted(self.values)) if len(self.values) != 1 else self.values[0]
        if op in (Operator.IN, Operator.NOT_IN):
            return f"{self.key} {op.value} ({values})"
        symbol = {Operator.GREATER_THAN: ">", Operator.LESS_THAN: "<"}.get(op, op.value)
        return f"{self.key}{symbol}{values}"


@dataclass(frozen=True)
class LabelSelector:
    """A conjunction of requirements, or the selector that selects nothing.

    `LabelSelector()` (also `EVERYTHING`) has no requirements: it is `empty` and matches every
    object. `NOTHING` is what a nil metav1.LabelSelector means: it matches no object and is not
    `empty`. Both print as `""`; callers print `<none>` where kubectl does.
    """

    requirements: tuple[Requirement, ...] = ()
    selects_nothing: bool = False

    @classmethod
    def everything(cls) -> LabelSelector:
        """The selector with no requirements, which matches every label set."""
        return EVERYTHING

    @classmethod
    def nothing(cls) -> LabelSelector:
        """The selector of a nil LabelSelector, which matches nothing."""
        return NOTHING

    @property
    def empty(self) -> bool:
        """True when the selector does not restrict anything (it matches everything)."""
        return not self.selects_nothing and not self.requirements

    def matches(self, labels: Mapping[str, Any] | None) -> bool:
        """Whether an object with these labels is selected."""
        if self.selects_nothing:
            return False
        have = {str(k): str(v) for k, v in (labels or {}).items()}
        return all(req.matches(have) for req in self.requirements)

    def add(self, *requirements: Requirement) -> LabelSelector:
        """A new selector with more requirements, kept sorted by key."""
        if self.selects_nothing:
            return self
        merged = sorted((*self.requirements, *requirements), key=lambda r: r.key)
        return LabelSelector(tuple(merged))

    def requires_exact_match(self, key: str) -> str | None:
        """The single value the selector demands for `key`, if it demands exactly one."""
        for req in self.requirements:
            if req.key == key:
                exact = (Operator.EQUALS, Operator.DOUBLE_EQUALS, Operator.IN)
                if req.operator in exact and len(req.values) == 1:
                    return req.values[0]
                return None
        return None

    def __str__(self) -> str:
        return ",".join(str(req) for req in self.requirements)


EVERYTHING = LabelSelector()
NOTHING = LabelSelector(selects_nothing=True)


def selector_from_map(labels: Mapping[str, Any] | None) -> LabelSelector:
    """The selector of a plain map (ReplicationController and Service `spec.selector`).

    Like labels.SelectorFromSet, an absent or empty map gives EVERYTHING and nothing is
    validated; callers decide what an absent map means for them (a Service without a
    selector gets no endpoints at all).
    """
    if not labels:
        return EVERYTHING
    found = [Requirement(str(k), Operator.EQUALS, (str(v),)) for k, v in labels.items()]
    return LabelSelector(tuple(sorted(found, key=lambda r: r.key)))
