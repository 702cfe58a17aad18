"""`kubectl create -f`: create every object in the given manifests; and `kubectl create
<generator>`, which builds the object from its arguments (`create namespace NAME`)."""

from __future__ import annotations

from typing import Any

from kubia_tutor.api.kinds import ResourceType
from kubia_tutor.shell import manifests
from kubia_tutor.shell.command import (
    DRY_RUN,
    FIELD_MANAGER,
    FILENAME,
    PRINT_FLAGS,
    RECORD,
    RECURSIVE,
    VALIDATE,
    Command,
    Context,
)
from kubia_tutor.shell.commands.common import (
    annotate_last_applied,
    each_manifest,
    object_namespace,
)
from kubia_tutor.shell.flags import Flag, Parsed

Obj = dict[str, Any]


def create_object(ctx: Context, rt: ResourceType, obj: Obj, mode: str, *,
                  save_config: bool = False) -> Obj:
    """Create one object (or pretend to, for a client dry run, which prints the object
    without the namespace unless -n named one, as kubectl does)."""
    ns = object_namespace(ctx, rt, obj, stamp=mode != "client" or ctx.namespace_given)
    if save_config:
        annotate_last_applied(obj)
    if mode == "client":
        return obj
    return ctx.client.create(rt, ns, obj, dry_run=mode == "server")


def run(ctx: Context, parsed: Parsed) -> int:
    """`kubectl create -f FILE...`."""

    def act(manifest: manifests.Manifest, rt: ResourceType, mode: str) -> tuple[Obj, str]:
        created = create_object(ctx, rt, manifest.obj, mode,
                                save_config=bool(parsed["save-config"]))
        return created, "created"

    return each_manifest(ctx, parsed, "creating", act)


SAVE_CONFIG = Flag("save-config", kind="bool", default=False)

FLAGS = [*PRINT_FLAGS, DRY_RUN, FILENAME, RECURSIVE, VALIDATE, RECORD, FIELD_MANAGER,
         SAVE_CONFIG, Flag("edit", kind="bool", default=False),
         Flag("windows-line-endings", kind="bool", default=False)]

from kubia_tutor.shell.commands.create_generators import GENERATORS  # noqa: E402 - cycle

COMMAND = Command("create", "Create a resource from a file or from stdin.", FLAGS, run,
                  subcommands=GENERATORS)
