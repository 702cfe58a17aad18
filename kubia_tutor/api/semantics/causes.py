"""Collecting failures: field.ErrorList and the cause wording shared by all kinds."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from kubia_tutor.api.selectors import go_quote
from kubia_tutor.api.semantics.fields import Obj, _int, _set, _text
from kubia_tutor.api.semantics.govalues import go_value

IMMUTABLE = "field is immutable"
NEGATIVE = "must be greater than or equal to 0"


@dataclass
class Errors:
    """field.ErrorList: (path, message) causes in the order the server finds them."""

    causes: list[tuple[str, str]] = field(default_factory=list)

    def add(self, path: str, message: str) -> None:
        """Record one cause unless the identical one is already there (kubectl drops repeats)."""
        if (path, message) not in self.causes:
            self.causes.append((path, message))

    def required(self, path: str, detail: str = "") -> None:
        """`Required value[: detail]`."""
        self.add(path, "Required value" + (f": {detail}" if detail else ""))

    def invalid(self, path: str, value: Any, detail: str) -> None:
        """`Invalid value: <value>: detail`."""
        self.add(path, f"Invalid value: {go_value(value)}" + (f": {detail}" if detail else ""))

    def not_supported(self, path: str, value: Any, valid: Iterable[str]) -> None:
        """`Unsupported value: <value>: supported values: "a", "b"`."""
        shown = ", ".join(go_quote(v) for v in valid)
        self.add(path, f"Unsupported value: {go_value(value)}"
                 + (f": supported values: {shown}" if shown else ""))

    def duplicate(self, path: str, value: Any) -> None:
        """`Duplicate value: <value>`."""
        self.add(path, f"Duplicate value: {go_value(value)}")

    def not_found(self, path: str, value: Any) -> None:
        """`Not found: <value>`."""
        self.add(path, f"Not found: {go_value(value)}")

    def forbidden(self, path: str, detail: str) -> None:
        """`Forbidden: detail`."""
        self.add(path, f"Forbidden: {detail}")

    def too_long(self, path: str, limit: int) -> None:
        """`Too long: must have at most N bytes`."""
        self.add(path, f"Too long: must have at most {limit} bytes")

    def nonnegative(self, obj: Obj, key: str, path: str) -> None:
        """ValidateNonnegativeField for an optional integer field."""
        value = _int(obj.get(key))
        if value is not None and value < 0:
            self.invalid(f"{path}.{key}", value, NEGATIVE)


def _one_of(e: Errors, obj: Obj, key: str, valid: tuple[str, ...], path: str) -> None:
    """An enum field with a default: unset is fine, "" is missing, others must be known."""
    if not _set(obj, key):
        return
    value = _text(obj[key])
    if not value:
        e.required(path)
    elif value not in valid:
        e.not_supported(path, value, valid)
