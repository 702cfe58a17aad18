"""The one exception type every generator raises for bad input."""

from __future__ import annotations


class GeneratorError(Exception):
    """Bad input to a generator, worded exactly as kubectl v1.20.2 words it.

    ``message`` is the text kubectl prints after ``error: `` (or after ``Error: `` when
    ``cobra`` is set: those are flag-parser errors such as a missing required flag).
    ``usage_hint`` means kubectl adds a second line ``See '<command path> -h' for help and
    examples``; the command layer knows the command path, so it writes that line itself.
    """

    def __init__(self, message: str, *, usage_hint: bool = False, cobra: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.usage_hint = usage_hint
        self.cobra = cobra

    def __repr__(self) -> str:
        return (
            f"GeneratorError({self.message!r}, usage_hint={self.usage_hint!r}, "
            f"cobra={self.cobra!r})"
        )


def required_flag(flag: str) -> GeneratorError:
    """The cobra error for a flag marked required but not given (`required flag(s) "x" not set`)."""
    return GeneratorError(f'required flag(s) "{flag}" not set', cobra=True)
