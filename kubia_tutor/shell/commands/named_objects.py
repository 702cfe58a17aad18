"""The live objects a verb acts on, named as kubectl names them: `TYPE NAME...`,
`TYPE/NAME...`, `TYPE -l SELECTOR`, `TYPE --all` or `-f FILE` (scale, set image, rollout)."""

from __future__ import annotations

from typing import Any

from kubia_tutor.api.kinds import ResourceType
from kubia_tutor.shell.command import Context
from kubia_tutor.shell.commands.common import list_selected, manifest_refs
from kubia_tutor.shell.errors import CommandError
from kubia_tutor.shell.flags import Parsed
from kubia_tutor.shell.resources import parse_targets

Obj = dict[str, Any]


def named_objects(ctx: Context, parsed: Parsed, resources: list[str], *, missing: str,
                  list_unnamed: bool = False) -> list[tuple[ResourceType, Obj]]:
    """Each object with its type. `missing` is the error when nothing is named; a bare TYPE
    lists every object of it with `list_unnamed` (rollout), else needs -l or --all."""
    if parsed.get("filename"):
        return [(rt, ctx.client.get(rt, ns, str(meta.get("name"))))
                for rt, ns, meta in manifest_refs(ctx, parsed)]
    targets = parse_targets(resources)
    if not targets:
        raise CommandError(missing, usage=True)
    found: list[tuple[ResourceType, Obj]] = []
    for target in targets:
        ns = ctx.namespace if target.rt.namespaced else None
        if target.names:
            found.extend((target.rt, ctx.client.get(target.rt, ns, n)) for n in target.names)
        elif list_unnamed or parsed.get("selector") or parsed.get("all"):
            found.extend((target.rt, o) for o in list_selected(ctx, parsed, target.rt, ns))
        else:
            raise CommandError("resource(s) were provided, but no name, label selector, or "
                               "--all flag specified")
    return found
