"""What the mutating verbs share: dry-run modes, namespace checks, result lines."""

from __future__ import annotations

import shlex
from typing import Any

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import ResourceType
from kubia_tutor.shell.command import Context
from kubia_tutor.shell.errors import CommandError, format_api_error
from kubia_tutor.shell.flags import Parsed
from kubia_tutor.shell.output import Format, parse_format, print_objects
from kubia_tutor.shell.printers import names

Obj = dict[str, Any]
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
CHANGE_CAUSE = "kubernetes.io/change-cause"


def dry_run_mode(ctx: Context, parsed: Parsed) -> str:
    """`none`, `client` or `server` from --dry-run, with kubectl's checks and warning."""
    value = str(parsed.get("dry-run") or "none")
    if value == "unchanged":
        ctx.err.write("W0000 --dry-run is deprecated and can be replaced with "
                      "--dry-run=client.\n")
        return "client"
    if value in ("true",):
        return "client"
    if value in ("false",):
        return "none"
    if value not in ("none", "client", "server"):
        raise CommandError(f'Invalid dry-run value ({value}). Must be "none", "server", or '
                           '"client".')
    return value


def suffix(mode: str) -> str:
    """The note kubectl appends to a result line in a dry run."""
    return {"client": " (dry run)", "server": " (server dry run)"}.get(mode, "")


def object_namespace(ctx: Context, rt: ResourceType, obj: Obj, stamp: bool = True) -> str | None:
    """The namespace an object from a file goes to, checking it against -n; with `stamp`
    the object's metadata.namespace is set to it."""
    if not rt.namespaced:
        return None
    meta = obj.setdefault("metadata", {})
    declared = meta.get("namespace")
    if declared and ctx.namespace_given and declared != ctx.namespace:
        raise CommandError(
            f'the namespace from the provided object "{declared}" does not match the namespace '
            f'"{ctx.namespace}". You must pass \'--namespace={declared}\' to perform this '
            "operation.")
    ns = str(declared or ctx.namespace)
    if stamp:
        meta["namespace"] = ns
    return ns


def report(ctx: Context, fmt: Format | None, rt: ResourceType, obj: Obj, verb: str,
           mode: str = "none") -> None:
    """Print a result: `kind/name verb` or the object in the -o format."""
    if fmt is None or fmt.kind == "" or (fmt.kind == "name" and not verb):
        ctx.out.write(f"{names.name_of(rt.kind_group, obj)} {verb}{suffix(mode)}\n")
    elif fmt.kind == "name":
        ctx.out.write(names.name_of(rt.kind_group, obj) + "\n")
    else:
        print_objects(ctx, fmt, [(rt, obj)], as_list=False)
    ctx.out.flush()


def output_format(ctx: Context, parsed: Parsed) -> Format | None:
    """The -o format of a mutating command, or None for the plain result line."""
    value = parsed.get("output") or ""
    if not value:
        return None
    allowed = ("go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,"
               "name,template,templatefile,yaml")
    fmt = parse_format(ctx, value, allowed)
    if fmt.kind in ("wide", "custom-columns"):
        raise CommandError(f'unable to match a printer suitable for the output format "{value}"'
                           f", allowed formats are: {allowed}")
    return fmt


def record_cause(obj: Obj, parsed: Parsed, argv: list[str] | None) -> None:
    """--record: store the command line in the change-cause annotation."""
    if parsed.get("record") and argv is not None:
        annotations = obj.setdefault("metadata", {}).setdefault("annotations", {}) or {}
        obj["metadata"]["annotations"] = annotations
        annotations[CHANGE_CAUSE] = "kubectl " + shlex.join(argv) + " --record=true" \
            if "--record" not in " ".join(argv) else "kubectl " + " ".join(argv)


def api_error_line(err: ApiError, verb: str = "", source: str = "") -> str:
    """An API error as kubectl prints it, with `error when <verb> "<file>": ` for files."""
    where = f'error when {verb} "{source}": ' if verb and source else ""
    return format_api_error(err.reason, err.message, where)
