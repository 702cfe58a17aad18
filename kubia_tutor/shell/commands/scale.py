"""`kubectl scale TYPE NAME --replicas=N`."""

from __future__ import annotations

from typing import Any

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import ResourceType
from kubia_tutor.shell.command import ALL, DRY_RUN, OUTPUT, SELECTOR, Command, Context
from kubia_tutor.shell.commands.common import api_error_line, dry_run_mode, list_selected
from kubia_tutor.shell.errors import CommandError, Silent
from kubia_tutor.shell.flags import Flag, Parsed
from kubia_tutor.shell.printers import names
from kubia_tutor.shell.resources import parse_targets

SCALABLE = frozenset({"Deployment", "ReplicaSet", "ReplicationController", "StatefulSet"})


def run(ctx: Context, parsed: Parsed) -> int:
    """Set spec.replicas, checking --current-replicas and --resource-version when given."""
    replicas = parsed["replicas"]
    if replicas < 0:
        raise CommandError("The --replicas=COUNT flag is required, and COUNT must be greater "
                           "than or equal to 0", usage=True)
    mode = dry_run_mode(ctx, parsed)
    targets = parse_targets(parsed.args)
    if not targets:
        raise CommandError("You must provide one or more resources by argument or filename.",
                           usage=True)
    objs: list[tuple[ResourceType, dict[str, Any]]] = []
    for target in targets:
        ns = ctx.namespace if target.rt.namespaced else None
        if target.names:
            objs.extend((target.rt, ctx.client.get(target.rt, ns, n)) for n in target.names)
        elif parsed["selector"] or parsed["all"]:
            objs.extend((target.rt, o) for o in list_selected(ctx, parsed, target.rt, ns))
        else:
            raise CommandError("resource(s) were provided, but no name, label selector, or "
                               "--all flag specified")
    failures = 0
    for rt, obj in objs:
        name = obj["metadata"]["name"]
        if rt.kind not in SCALABLE:
            raise CommandError(f'no scaler has been implemented for {{"{rt.group}" '
                               f'"{rt.kind}"}}')
        current = int((obj.get("spec") or {}).get("replicas", 1))
        if parsed["current-replicas"] >= 0 and parsed["current-replicas"] != current:
            raise CommandError(f"Expected replicas to be {parsed['current-replicas']}, was "
                               f"{current}")
        patch: dict[str, object] = {"spec": {"replicas": replicas}}
        if parsed["resource-version"]:
            patch["metadata"] = {"resourceVersion": parsed["resource-version"]}
        try:
            if mode != "client":
                ctx.client.patch(rt, obj["metadata"].get("namespace"), name, patch, "merge",
                                 dry_run=mode == "server")
        except ApiError as err:
            ctx.err.write(api_error_line(err) + "\n")
            failures += 1
            continue
        if parsed["output"] == "name":
            ctx.out.write(names.name_of(rt.kind_group, obj) + "\n")
        else:
            # kubectl 1.20 prints no dry-run note for scale
            ctx.out.write(f"{names.name_of(rt.kind_group, obj)} scaled\n")
    if failures:
        raise Silent(1)
    return 0


COMMAND = Command(
    "scale", "Set a new size for a Deployment, ReplicaSet or Replication Controller",
    [OUTPUT, DRY_RUN, SELECTOR, ALL, Flag("replicas", kind="int", default=-1),
     Flag("current-replicas", kind="int", default=-1), Flag("resource-version", default=""),
     Flag("timeout", default="0s"), Flag("record", kind="bool", default=False),
     Flag("filename", "f", "list")],
    run)
