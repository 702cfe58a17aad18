"""`-o` output: choosing a printer and printing objects in it (tables live in printers/)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kubia_tutor.api.kinds import ResourceType
from kubia_tutor.shell.command import Context
from kubia_tutor.shell.errors import CommandError
from kubia_tutor.shell.flags import Parsed

Obj = dict[str, Any]

ALLOWED = ("custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,"
           "jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml")


@dataclass
class Format:
    """A parsed `-o` value: kind is '', wide, yaml, json, name, jsonpath, custom-columns."""

    kind: str
    arg: Any = ""  # the template, or parsed columns for custom-columns-file

    @property
    def is_table(self) -> bool:
        """Tables (default and wide) are the human-readable formats."""
        return self.kind in ("", "wide")


def parse_format(ctx: Context, value: str, allowed: str = ALLOWED) -> Format:
    """Parse `-o`; unknown formats get kubectl's error."""
    kind, _, arg = value.partition("=")
    if kind in ("jsonpath-file", "custom-columns-file"):
        from kubia_tutor.shell.printers import custom_columns

        try:
            with open(ctx.path(arg)) as handle:
                text = handle.read()
        except OSError as exc:
            raise CommandError(f"error reading template {arg}, {exc}") from None
        if kind == "jsonpath-file":
            return Format("jsonpath", text)
        return Format("custom-columns", custom_columns.parse_columns_file(text))
    if kind in ("", "wide", "yaml", "json", "name") and not arg:
        return Format(kind)
    if kind in ("jsonpath", "custom-columns") and arg:
        return Format(kind, arg)
    if kind == "jsonpath-as-json" and arg:
        return Format(kind, arg)
    if kind in ("go-template", "template", "go-template-file", "templatefile"):
        raise CommandError("go-template output is not supported by kubia-tutor; use "
                           "-o jsonpath='{...}' instead")
    raise CommandError(f'unable to match a printer suitable for the output format "{value}", '
                       f"allowed formats are: {allowed}")


def print_objects(ctx: Context, fmt: Format, items: list[tuple[ResourceType, Obj]],
                  *, as_list: bool, parsed: Parsed | None = None) -> None:
    """Print objects in a non-table format; `as_list` wraps several objects in a List."""
    # Printers load on first use: a plain table never needs YAML or JSONPath.
    from kubia_tutor.shell.printers import custom_columns, jsonpath, names, serialize

    objs = [obj for _rt, obj in items]
    allow_missing = True if parsed is None else bool(parsed.get("allow-missing-template-keys",
                                                                 True))
    if fmt.kind == "name":
        for rt, obj in items:
            ctx.out.write(names.name_of(rt.kind_group, obj) + "\n")
        return
    data: Any = serialize.as_list(objs) if as_list else (objs[0] if objs else None)
    if data is None:
        return
    if fmt.kind == "yaml":
        ctx.out.write(serialize.to_yaml(data))
    elif fmt.kind == "json":
        ctx.out.write(serialize.to_json(data))
    elif fmt.kind in ("jsonpath", "jsonpath-as-json"):
        # kubectl parses -o jsonpath templates as given; only custom-columns and --sort-by
        # relax bare paths.
        try:
            template = jsonpath.parse(fmt.arg)
        except jsonpath.JsonPathError as exc:
            raise CommandError(jsonpath.parse_error_message(fmt.arg, exc)) from None
        try:
            if fmt.kind == "jsonpath":
                text = template.render(data, allow_missing=allow_missing)
            else:
                text = template.render_as_json(data, allow_missing=allow_missing)
        except jsonpath.JsonPathError as exc:
            # the message carries its own final newline; CommandError printing adds one
            raise CommandError(jsonpath.execute_error_message(fmt.arg, exc, data)[:-1]) from None
        ctx.out.write(text)
    elif fmt.kind == "custom-columns":
        try:
            ctx.out.write(custom_columns.render(fmt.arg, objs,
                                                headers=not (parsed and parsed.get("no-headers"))))
        except custom_columns.CustomColumnsError as exc:
            raise CommandError(str(exc)) from None


def sort_objects(items: list[tuple[ResourceType, Obj]],
                 sort_by: str) -> list[tuple[ResourceType, Obj]]:
    """Order objects by a JSONPath field as `--sort-by` does (numbers numerically)."""
    from kubia_tutor.shell.printers import jsonpath

    def key(item: tuple[ResourceType, Obj]) -> tuple[int, Any]:
        try:
            found = jsonpath.find(item[1], sort_by)
        except jsonpath.JsonPathError as exc:
            raise CommandError(str(exc)) from None
        if not found:
            return (0, "")
        value = found[0]
        if isinstance(value, bool):
            return (1, int(value))
        if isinstance(value, int | float):
            return (1, value)
        return (2, str(value))

    return sorted(items, key=key)
