"""`kubectl create -f`: create every object in the given manifests; and `kubectl create
<generator>`, which builds the object from its arguments (`create namespace NAME`)."""

from __future__ import annotations

import json
from typing import Any

from kubia_tutor.api.errors import ApiError
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
    LAST_APPLIED,
    api_error_line,
    dry_run_mode,
    object_namespace,
    output_format,
    record_cause,
    report,
)
from kubia_tutor.shell.errors import CommandError, Silent
from kubia_tutor.shell.flags import Flag, Parsed

Obj = dict[str, Any]


def warn(ctx: Context, text: str) -> None:
    """A server warning, printed as kubectl prints them."""
    ctx.err.write(f"Warning: {text}\n")


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


def annotate_last_applied(obj: Obj) -> None:
    """Record the object as given in the last-applied annotation, as apply and
    --save-config do (without the annotation itself)."""
    clean = json.loads(json.dumps(obj))
    annotations = (clean.get("metadata") or {}).get("annotations") or {}
    annotations.pop(LAST_APPLIED, None)
    if not annotations and "annotations" in (clean.get("metadata") or {}):
        del clean["metadata"]["annotations"]
    text = json.dumps(clean, separators=(",", ":"), sort_keys=True) + "\n"
    meta = obj.setdefault("metadata", {})
    meta.setdefault("annotations", {})
    if meta["annotations"] is None:
        meta["annotations"] = {}
    meta["annotations"][LAST_APPLIED] = text


def run(ctx: Context, parsed: Parsed) -> int:
    """`kubectl create -f FILE...`."""
    if parsed.args:
        raise CommandError(f"Unexpected args: {parsed.args}", usage=True)
    if not parsed["filename"]:
        raise CommandError("must specify one of -f and -k", usage=True)
    mode = dry_run_mode(ctx, parsed)
    fmt = output_format(ctx, parsed)
    failures = 0
    for manifest in manifests.load(ctx, parsed["filename"], parsed["recursive"],
                                   parsed["validate"]):
        if manifest.error or manifest.rt is None:
            ctx.err.write(f"error: {manifest.error}\n")
            failures += 1
            continue
        if manifest.warning:
            warn(ctx, manifest.warning)
        record_cause(manifest.obj, parsed, ctx.argv)
        try:
            created = create_object(ctx, manifest.rt, manifest.obj, mode,
                                    save_config=bool(parsed["save-config"]))
        except ApiError as err:
            ctx.err.write(api_error_line(err, "creating", manifest.source) + "\n")
            failures += 1
            continue
        except CommandError as err:
            ctx.err.write(f"error: {err.message}\n")
            failures += 1
            continue
        report(ctx, fmt, manifest.rt, created, "created", mode)
    if failures:
        raise Silent(1)
    return 0


SAVE_CONFIG = Flag("save-config", kind="bool", default=False)

FLAGS = [*PRINT_FLAGS, DRY_RUN, FILENAME, RECURSIVE, VALIDATE, RECORD, FIELD_MANAGER,
         SAVE_CONFIG, Flag("edit", kind="bool", default=False),
         Flag("windows-line-endings", kind="bool", default=False)]

from kubia_tutor.shell.commands.create_generators import GENERATORS  # noqa: E402 - cycle

COMMAND = Command("create", "Create a resource from a file or from stdin.", FLAGS, run,
                  subcommands=GENERATORS)
