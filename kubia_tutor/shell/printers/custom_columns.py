"""`kubectl get -o custom-columns=HDR:path,...` and `-o custom-columns-file=FILE`, as in v1.20.

Each column is a relaxed jsonpath (braces and the leading dot optional) evaluated with missing
keys allowed. A column with no result prints `<none>`; results print in Go's `%v` form (maps as
`map[k:v]`, lists as `[a b]`) and several results are joined with commas. The table goes through
the same elastic tabstops as `kubectl get` (minwidth 6, padding 3) but, unlike server-side
tables, cells are written as they are: a value with a newline or a tab breaks the layout in
kubectl too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kubia_tutor.shell.printers.jsonpath import JsonPathError, Template, parse, relaxed
from kubia_tutor.shell.printers.serialize import go_sprint
from kubia_tutor.shell.printers.tabwriter import GET, tabwrite

__all__ = [
    "Column",
    "CustomColumnsError",
    "parse_columns_file",
    "parse_spec",
    "render",
    "render_columns",
]

_FILE_FORMAT = (
    "Expected format is one line of space separated headers, "
    "one line of space separated column specs."
)


class CustomColumnsError(Exception):
    """A bad column spec or path; str() is kubectl's message without its "error: " prefix."""


@dataclass(frozen=True)
class Column:
    """One column: its header as given (not upper-cased) and its braced jsonpath."""

    header: str
    field_spec: str


def parse_spec(spec: str) -> list[Column]:
    """Columns from `HDR:path,HDR2:path2` (the text after `custom-columns=`)."""
    if not spec:
        raise CustomColumnsError("custom-columns format specified but no custom columns given")
    columns: list[Column] = []
    # kubectl splits on every comma, so a path with a union or a filter containing "," breaks.
    for part in spec.split(","):
        header, sep, path = part.partition(":")
        if not sep:
            raise CustomColumnsError(
                f"unexpected custom-columns spec: {part}, expected <header>:<json-path-expr>"
            )
        columns.append(Column(header, _checked_relaxed(path)))
    return columns


def parse_columns_file(text: str) -> list[Column]:
    """Columns from a custom-columns file: a line of headers, then a line of paths."""
    lines = text.splitlines()
    if not lines:
        raise CustomColumnsError(f"invalid template, missing header line. {_FILE_FORMAT}")
    if len(lines) < 2:
        raise CustomColumnsError(f"invalid template, missing spec line. {_FILE_FORMAT}")
    headers, specs = lines[0].split(), lines[1].split()
    if len(headers) != len(specs):
        raise CustomColumnsError(
            f"number of headers ({len(headers)}) and field specifications ({len(specs)}) "
            "don't match"
        )
    return [Column(h, _checked_relaxed(s)) for h, s in zip(headers, specs, strict=True)]


def _checked_relaxed(path: str) -> str:
    try:
        return relaxed(path)
    except JsonPathError as err:
        raise CustomColumnsError(str(err)) from None


def _cell(template: Template, obj: Any) -> str:
    groups = template.find_results(obj, allow_missing=True)
    values = [go_sprint(v) for group in groups for v in group]
    if not groups or not groups[0]:
        values.insert(0, "<none>")
    return ",".join(values)


def render_columns(columns: Sequence[Column], objs: list[Any], headers: bool = True) -> str:
    """The table for already-parsed columns, one row per object, newline-terminated."""
    try:
        templates = [parse(c.field_spec) for c in columns]
        rows = [[_cell(t, obj) for t in templates] for obj in objs]
    except JsonPathError as err:
        raise CustomColumnsError(str(err)) from None
    lines = ([[c.header for c in columns]] if headers else []) + rows
    minwidth, _tabwidth, padding = GET
    return tabwrite("".join("\t".join(cells) + "\n" for cells in lines), minwidth, padding)


def render(spec: str | Sequence[Column], objs: list[Any], headers: bool = True) -> str:
    """`-o custom-columns=SPEC` for these objects (the items of a list, in order).

    spec is the text after `custom-columns=`, or columns already parsed (the file form, from
    `parse_columns_file`). headers=False is `--no-headers`. Raises CustomColumnsError with
    kubectl's wording.
    """
    columns = parse_spec(spec) if isinstance(spec, str) else list(spec)
    return render_columns(columns, objs, headers)
