"""`kubectl wait --for=condition=X | --for=delete`: block until objects reach a state."""

from __future__ import annotations

import time
from typing import Any

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import ResourceType
from kubia_tutor.shell.command import (
    ALL,
    ALL_NAMESPACES,
    FIELD_SELECTOR,
    FILENAME,
    OUTPUT,
    RECURSIVE,
    SELECTOR,
    Command,
    Context,
)
from kubia_tutor.shell.commands.common import list_selected
from kubia_tutor.shell.commands.delete import _seconds
from kubia_tutor.shell.errors import CommandError
from kubia_tutor.shell.flags import Flag, Parsed
from kubia_tutor.shell.printers import names
from kubia_tutor.shell.resources import parse_targets

Obj = dict[str, Any]


def _condition(spec: str) -> tuple[str, str] | None:
    """Parse `--for`: ('delete', '') or (condition type, wanted status)."""
    if spec == "delete":
        return ("delete", "")
    if spec.lower().startswith("condition="):
        body = spec.split("=", 1)[1]
        kind, _, value = body.partition("=")
        return (kind, value or "true")
    return None


def _met(obj: Obj, kind: str, value: str) -> bool:
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if str(cond.get("type", "")).lower() == kind.lower():
            return str(cond.get("status", "")).lower() == value.lower()
    return False


def run(ctx: Context, parsed: Parsed) -> int:
    """`kubectl wait`."""
    spec = _condition(parsed["for"] or "")
    if spec is None:
        raise CommandError(f"unrecognized condition: \"{parsed['for']}\"" if parsed["for"]
                           else "--for must be specified")
    timeout = _seconds(parsed["timeout"])
    if not parsed.args:
        raise CommandError("resource(s) were provided, but no name, label selector, or --all "
                           "flag specified")
    targets = parse_targets(parsed.args)
    objs: list[tuple[ResourceType, Obj]] = []
    for target in targets:
        ns = ctx.namespace if target.rt.namespaced else None
        if target.names:
            for name in target.names:
                try:
                    objs.append((target.rt, ctx.client.get(target.rt, ns, name)))
                except ApiError as err:
                    if spec[0] == "delete" and err.code == 404:
                        continue
                    raise
        else:
            objs.extend((target.rt, o) for o in list_selected(ctx, parsed, target.rt, ns))
    if not objs and spec[0] != "delete":
        raise CommandError("no matching resources found")
    deadline = time.monotonic() + timeout
    for rt, obj in objs:
        meta = obj["metadata"]
        while True:
            try:
                current = ctx.client.get(rt, meta.get("namespace"), meta["name"])
            except ApiError as err:
                if err.code == 404 and spec[0] == "delete":
                    break
                raise
            if spec[0] == "delete":
                if current["metadata"].get("uid") != meta.get("uid"):
                    break
            elif _met(current, *spec):
                break
            if time.monotonic() >= deadline:
                raise CommandError(
                    f"timed out waiting for the condition on {rt.qualified}/{meta['name']}")
            time.sleep(0.05)
        ctx.out.write(f"{names.name_of(rt.kind_group, obj)} condition met\n")
        ctx.out.flush()
    return 0


COMMAND = Command(
    "wait", "Experimental: Wait for a specific condition on one or many resources.",
    [OUTPUT, SELECTOR, FIELD_SELECTOR, ALL, ALL_NAMESPACES, FILENAME, RECURSIVE,
     Flag("for", default=""), Flag("timeout", default="30s")],
    run)
