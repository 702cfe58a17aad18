"""Command-line flags parsed the way kubectl's (cobra/pflag) parser does, with its messages.

pflag rules: flags may come anywhere among the arguments; `--name=value` or `--name value`;
`-n value`, `-nvalue` and `-n=value`; boolean flags take no separate value (`--all`,
`--all=false`) and short booleans combine (`-it`); `--` ends flag parsing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class FlagError(Exception):
    """A flag problem; str() is pflag's message (printed after `Error: `)."""


@dataclass(frozen=True)
class Flag:
    """One flag: `kind` is bool, str, int or list (repeatable / comma-separated)."""

    name: str
    short: str = ""
    kind: str = "str"
    default: Any = None
    split_commas: bool = True  # for list flags: `--from-literal` must not split
    no_opt_default: str | None = None  # value when given without one (`--dry-run`)


@dataclass
class Parsed:
    """The result: flag values by name, positional arguments, and what came after `--`."""

    values: dict[str, Any]
    args: list[str]
    after_dash: list[str] = field(default_factory=list)
    given: set[str] = field(default_factory=set)
    dash_index: int = -1  # position of `--` among the positional args (cobra's ArgsLenAtDash)

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def get(self, name: str, default: Any = None) -> Any:
        """A flag's value or default."""
        return self.values.get(name, default)

    def changed(self, name: str) -> bool:
        """True when the user gave the flag."""
        return name in self.given


def parse(argv: list[str], flags: list[Flag]) -> Parsed:
    """Parse argv against the flags; raises FlagError with pflag's wording."""
    by_name = {f.name: f for f in flags}
    by_short = {f.short: f for f in flags if f.short}
    values: dict[str, Any] = {f.name: ([] if f.kind == "list" else f.default) for f in flags}
    given: set[str] = set()
    args: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        i += 1
        if arg == "--":
            return Parsed(values, args + argv[i:], argv[i:], given, len(args))
        if arg.startswith("--") and len(arg) > 2:
            name, eq, value = arg[2:].partition("=")
            flag = by_name.get(name)
            if flag is None:
                raise FlagError(f"unknown flag: --{name}")
            if not eq:
                if flag.kind == "bool":
                    value = "true"
                elif flag.no_opt_default is not None:
                    value = flag.no_opt_default
                elif i < len(argv):
                    value = argv[i]
                    i += 1
                else:
                    raise FlagError(f"flag needs an argument: --{name}")
            _set(values, flag, value, f"--{name}")
            given.add(flag.name)
        elif arg.startswith("-") and len(arg) > 1 and arg != "-":
            i = _parse_shorts(arg, argv, i, by_short, values, given)
        else:
            args.append(arg)
    return Parsed(values, args, [], given, -1)


def _parse_shorts(arg: str, argv: list[str], i: int, by_short: dict[str, Flag],
                  values: dict[str, Any], given: set[str]) -> int:
    chars = arg[1:]
    j = 0
    while j < len(chars):
        c = chars[j]
        flag = by_short.get(c)
        if flag is None:
            raise FlagError(f"unknown shorthand flag: '{c}' in {arg}")
        rest = chars[j + 1:]
        if flag.kind == "bool":
            if rest.startswith("="):
                _set(values, flag, rest[1:], f"-{c}")
                given.add(flag.name)
                return i
            _set(values, flag, "true", f"-{c}")
            given.add(flag.name)
            j += 1
            continue
        if rest:
            value = rest[1:] if rest.startswith("=") else rest
        elif flag.no_opt_default is not None:
            value = flag.no_opt_default
        elif i < len(argv):
            value = argv[i]
            i += 1
        else:
            raise FlagError(f"flag needs an argument: '{c}' in -{c}")
        _set(values, flag, value, f"-{c}, --{flag.name}")
        given.add(flag.name)
        return i
    return i


def _set(values: dict[str, Any], flag: Flag, value: str, shown: str) -> None:
    if flag.kind == "bool":
        low = value.lower()
        if low in ("true", "t", "1"):
            values[flag.name] = True
        elif low in ("false", "f", "0"):
            values[flag.name] = False
        else:
            raise FlagError(f'invalid argument "{value}" for "{shown}" flag: strconv.ParseBool: '
                            f'parsing "{value}": invalid syntax')
    elif flag.kind == "int":
        try:
            values[flag.name] = int(value)
        except ValueError:
            raise FlagError(f'invalid argument "{value}" for "{shown}" flag: strconv.ParseInt: '
                            f'parsing "{value}": invalid syntax') from None
    elif flag.kind == "list":
        parts = value.split(",") if flag.split_commas else [value]
        values[flag.name] = [*values[flag.name], *parts]
    else:
        values[flag.name] = value
