"""The public face of jsonpath: parsed templates, rendering, and kubectl's relaxed paths."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from kubia_tutor.shell.printers.jsonpath.errors import JsonPathError
from kubia_tutor.shell.printers.jsonpath.evaluate import _Run, _text
from kubia_tutor.shell.printers.jsonpath.nodes import _List
from kubia_tutor.shell.printers.jsonpath.parser import _Parser
from kubia_tutor.shell.printers.serialize import to_json


@dataclass(frozen=True)
class Template:
    """A parsed jsonpath template; render it against one object (or a `List`)."""

    source: str
    root: _List

    def find_results(self, data: Any, allow_missing: bool = True) -> list[list[Any]]:
        """The raw results: one list per top-level piece (text or `{...}`), as client-go has it."""
        return _Run(self.root.nodes, allow_missing).results(data)

    def render(self, data: Any, allow_missing: bool = True) -> str:
        """What `kubectl -o jsonpath=TEMPLATE` writes; a piece's results are joined by spaces.

        With allow_missing False (`--allow-missing-template-keys=false`) a missing field raises
        JsonPathError("<field> is not found"); `execute_error_message` words it as kubectl does.
        Nothing is written when evaluation fails, as in kubectl.
        """
        groups = self.find_results(data, allow_missing)
        return "".join(" ".join(_text(v) for v in group) for group in groups)

    def render_as_json(self, data: Any, allow_missing: bool = True) -> str:
        """What `-o jsonpath-as-json=TEMPLATE` writes: each piece's results as an indented array."""
        groups = self.find_results(data, allow_missing)
        return "".join(to_json(group) for group in groups)


def parse(template: str) -> Template:
    """Parse a jsonpath template; raises JsonPathError with client-go's message on bad syntax."""
    return Template(template, _Parser(template).parse())


_RELAXED = re.compile(r"\{\.?([^{}]+)\}|\.?([^{}]+)")


def relaxed(expr: str) -> str:
    """kubectl's RelaxedJSONPathExpression: `a.b`, `.a.b`, `{a.b}` all become `{.a.b}`.

    custom-columns and --sort-by use it; `-o jsonpath` does not (there a template without braces
    is plain text, so `-o jsonpath=.metadata.name` prints `.metadata.name` literally).
    """
    if not expr:
        return expr
    match = _RELAXED.fullmatch(expr)
    if match is None:
        raise JsonPathError(
            "unexpected path string, expected a 'name1.name2' or '.name1.name2' or "
            "'{name1.name2}' or '{.name1.name2}'"
        )
    return "{." + (match.group(1) or match.group(2)) + "}"


def find(data: Any, expr: str, allow_missing: bool = True) -> list[Any]:
    """Every value one path selects, e.g. find(pod, ".metadata.name") == ["kubia"].

    The path is relaxed first, so braces and the leading dot are optional.
    """
    groups = parse(relaxed(expr)).find_results(data, allow_missing)
    return [value for group in groups for value in group]
