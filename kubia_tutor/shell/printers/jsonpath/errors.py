"""The errors jsonpath raises, and how kubectl words them for the user."""

from __future__ import annotations

from typing import Any

from kubia_tutor.shell.printers.serialize import go_quote, go_sharp_v


class JsonPathError(Exception):
    """A parse or execution error; str() is client-go's own wording (kubectl adds context)."""


class _EvalError(JsonPathError):
    """An execution error, carrying the values client-go hands back alongside it.

    An existence filter ignores the error and looks only at those values, so
    `[?(@.ports[9])]` keeps items whose list is too short (client-go returns the input there).
    """

    def __init__(self, message: str, partial: list[Any]) -> None:
        super().__init__(message)
        self.partial = partial


def parse_error_message(template: str, error: JsonPathError) -> str:
    """kubectl's text for a template that does not parse (it prints "error: " before it)."""
    return f"error parsing jsonpath {template}, {error}"


def execute_error_message(template: str, error: JsonPathError, data: Any) -> str:
    """kubectl's text when evaluation fails, ending in a dump of the object it was given.

    It already ends in a newline (three, in fact), so kubectl's "error: " printer adds none.
    """
    return (
        f"error executing jsonpath {go_quote(template)}: Error executing template: {error}. "
        "Printing more information for debugging the template:\n"
        f"\ttemplate was:\n\t\t{template}\n"
        f"\tobject given to jsonpath engine was:\n\t\t{go_sharp_v(data)}\n\n\n"
    )
