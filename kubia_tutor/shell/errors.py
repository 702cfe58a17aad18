"""The errors a kubectl command reports, each printed in kubectl's own format."""

from __future__ import annotations


class CommandError(Exception):
    """`error: <message>` on stderr, exit 1; with `usage`, kubectl's help hint follows."""

    def __init__(self, message: str, usage: bool = False, code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.usage = usage
        self.code = code


class UsageError(Exception):
    """A cobra-level error: `Error: <message>` and, with `hint`, `See '<cmd> --help' for
    usage.` (cobra leaves the hint off for missing required flags)."""

    def __init__(self, message: str, hint: bool = True) -> None:
        super().__init__(message)
        self.hint = hint


class Silent(Exception):
    """Errors already printed; only the exit code remains."""

    def __init__(self, code: int = 1) -> None:
        super().__init__(code)
        self.code = code


def format_api_error(reason: str, message: str, where: str = "") -> str:
    """An API error as kubectl prints it; Invalid errors read `The Pod "x" is invalid: ...`
    and carry no `error when ...` prefix, as in kubectl."""
    if reason == "Invalid":
        return f"The {message}"
    if reason:
        return f"Error from server ({reason}): {where}{message}"
    return f"Error from server: {where}{message}"
