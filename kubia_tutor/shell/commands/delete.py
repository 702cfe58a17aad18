"""`kubectl delete`: by name, by file, by label selector, `--all`, and `all --all`; with
kubectl's cascading, grace-period and wait semantics."""

from __future__ import annotations

import time
from typing import Any

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import ResourceType
from kubia_tutor.shell.command import (
    ALL,
    ALL_NAMESPACES,
    DRY_RUN,
    FIELD_SELECTOR,
    FILENAME,
    OUTPUT,
    RECURSIVE,
    SELECTOR,
    Command,
    Context,
)
from kubia_tutor.shell.commands.common import (
    api_error_line,
    dry_run_mode,
    list_selected,
    manifest_refs,
    suffix,
)
from kubia_tutor.shell.errors import CommandError, Silent
from kubia_tutor.shell.flags import Flag, Parsed
from kubia_tutor.shell.printers import names
from kubia_tutor.shell.resources import parse_targets

Obj = dict[str, Any]

NO_RESOURCES = (
    "You must provide one or more resources by argument or filename.\n"
    "Example resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n"
    "   '<resource> <name>'\n   '<resource>'")
_FORCE_WARNING = ("warning: Immediate deletion does not wait for confirmation that the running "
                  "resource has been terminated. The resource may continue to run on the "
                  "cluster indefinitely.\n")


def propagation(ctx: Context, value: str) -> str:
    """The deletion propagation policy for a --cascade value (1.20 accepts the old booleans
    with a warning)."""
    if value in ("true", "background"):
        return "Background"
    if value == "false":
        ctx.err.write("warning: --cascade=false is deprecated (boolean value) and can be "
                      "replaced with --cascade=orphan.\n")
        return "Orphan"
    if value == "orphan":
        return "Orphan"
    if value == "foreground":
        return "Foreground"
    raise CommandError(f'invalid cascade value ({value}). Must be "background", "foreground", '
                       'or "orphan".')


def _collect(ctx: Context, parsed: Parsed) -> list[tuple[ResourceType, str | None, str]]:
    """The (type, namespace, name) of every object to delete."""
    if parsed["filename"]:
        if parsed.args:
            raise CommandError("Unexpected args: " + str(parsed.args), usage=True)
        return [(rt, ns, str(meta.get("name", ""))) for rt, ns, meta in manifest_refs(ctx, parsed)]
    if not parsed.args:
        raise CommandError(NO_RESOURCES, usage=True)
    targets = parse_targets(parsed.args)
    selecting = parsed["all"] or parsed["selector"] or parsed["field-selector"]
    if any(t.names for t in targets) and selecting:
        raise CommandError("name cannot be provided when a selector is specified")
    if not any(t.names for t in targets) and not selecting:
        raise CommandError("resource(s) were provided, but no name, label selector, or --all "
                           "flag specified")
    found: list[tuple[ResourceType, str | None, str]] = []
    for target in targets:
        ns = ctx.namespace if target.rt.namespaced else None
        if target.names:
            found.extend((target.rt, ns, name) for name in target.names)
            continue
        for obj in list_selected(ctx, parsed, target.rt, ns):
            found.append((target.rt, obj["metadata"].get("namespace"), obj["metadata"]["name"]))
    return found


def run(ctx: Context, parsed: Parsed) -> int:
    """`kubectl delete`."""
    mode = dry_run_mode(ctx, parsed)
    policy = propagation(ctx, str(parsed["cascade"]))
    grace = parsed["grace-period"]
    if parsed["now"]:
        grace = 1
    force = bool(parsed["force"])
    if force and grace < 0:
        grace = 0
    if force and grace == 0:
        ctx.err.write(_FORCE_WARNING)
    elif grace == 0:
        grace = 1  # kubectl: a zero grace period without --force means "as fast as possible"
    output = parsed["output"]
    if output not in ("", "name"):
        raise CommandError(f'unable to match a printer suitable for the output format '
                           f'"{output}", allowed formats are: name')
    doomed = _collect(ctx, parsed)
    if not doomed:
        ctx.out.write("No resources found\n")
        return 0
    failures = 0
    waiting: list[tuple[ResourceType, str | None, str, str]] = []
    for rt, ns, name in doomed:
        try:
            obj = ctx.client.delete(rt, ns, name, propagation=policy,
                                    grace_period=None if grace < 0 else grace,
                                    dry_run=mode != "none") if mode != "client" else \
                ctx.client.get(rt, ns, name)
        except ApiError as err:
            if err.code == 404 and parsed["ignore-not-found"]:
                continue
            ctx.err.write(api_error_line(err) + "\n")
            failures += 1
            continue
        verb = "force deleted" if force and grace == 0 else "deleted"
        if output == "name":
            ctx.out.write(names.name_of(rt.kind_group, obj) + "\n")
        else:
            ctx.out.write(f'{rt.kind_group} "{name}" {verb}{suffix(mode)}\n')
        ctx.out.flush()
        waiting.append((rt, ns, name, obj["metadata"].get("uid", "")))
    if parsed["wait"] and mode == "none":
        _wait_gone(ctx, waiting, parsed["timeout"])
    if failures:
        raise Silent(1)
    return 0


def _wait_gone(ctx: Context, doomed: list[tuple[ResourceType, str | None, str, str]],
               timeout: str) -> None:
    """Block until every deleted object is really gone (kubectl's --wait, on by default)."""
    limit = _seconds(timeout) or 600.0
    deadline = time.monotonic() + limit
    pending = list(doomed)
    delay = 0.01
    while pending and time.monotonic() < deadline:
        still = []
        for rt, ns, name, uid in pending:
            try:
                obj = ctx.client.get(rt, ns, name)
            except ApiError as err:
                if err.code == 404:
                    continue
                raise
            if obj["metadata"].get("uid") == uid:
                still.append((rt, ns, name, uid))
        pending = still
        if pending:
            time.sleep(delay)
            delay = min(delay * 2, 0.25)
    if pending:
        rt, _ns, name, _uid = pending[0]
        raise CommandError(f'timed out waiting for the condition on {rt.plural}/{name}')


def _seconds(value: str) -> float:
    text = str(value or "0")
    units = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
    for unit in ("ms", "s", "m", "h"):
        if text.endswith(unit):
            try:
                return float(text[: -len(unit)]) * units[unit]
            except ValueError:
                break
    try:
        return float(text)
    except ValueError:
        raise CommandError(f'invalid argument "{value}" for "--timeout" flag: time: invalid '
                           f'duration "{value}"') from None


COMMAND = Command(
    "delete", "Delete resources by filenames, stdin, resources and names, or by resources and "
    "label selector",
    [OUTPUT, SELECTOR, FIELD_SELECTOR, ALL, ALL_NAMESPACES, FILENAME, RECURSIVE, DRY_RUN,
     Flag("cascade", default="background", no_opt_default="background"),
     Flag("grace-period", kind="int", default=-1), Flag("force", kind="bool", default=False),
     Flag("now", kind="bool", default=False), Flag("wait", kind="bool", default=True),
     Flag("timeout", default="0s"), Flag("ignore-not-found", kind="bool", default=False),
     Flag("raw", default="")],
    run)
