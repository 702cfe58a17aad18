"""`kubectl patch` and `kubectl replace`."""

from __future__ import annotations

from typing import Any

import yaml

from kubia_tutor.api.errors import ApiError
from kubia_tutor.shell import manifests
from kubia_tutor.shell.command import (
    DRY_RUN,
    FILENAME,
    PRINT_FLAGS,
    RECORD,
    RECURSIVE,
    VALIDATE,
    Command,
    Context,
)
from kubia_tutor.shell.commands.common import (
    api_error_line,
    dry_run_mode,
    manifest_refs,
    object_namespace,
    output_format,
    record_cause,
    report,
)
from kubia_tutor.shell.errors import CommandError, Silent
from kubia_tutor.shell.flags import Flag, Parsed
from kubia_tutor.shell.resources import parse_targets

Obj = dict[str, Any]


def _patch_body(ctx: Context, parsed: Parsed) -> Any:
    text = parsed["patch"]
    if parsed["patch-file"]:
        try:
            with open(ctx.path(parsed["patch-file"])) as handle:
                text = handle.read()
        except OSError as exc:
            raise CommandError(f"unable to read patch file: {exc}") from None
    if not text:
        raise CommandError("Must specify -p to patch", usage=True)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CommandError(f"unable to parse \"{text}\": yaml: {exc}") from None


def run_patch(ctx: Context, parsed: Parsed) -> int:
    """`kubectl patch TYPE NAME -p PATCH [--type strategic|merge|json]`."""
    kind = parsed["type"]
    if kind not in ("strategic", "merge", "json"):
        raise CommandError(f'--type must be one of [json merge strategic], not "{kind}"')
    body = _patch_body(ctx, parsed)
    mode = dry_run_mode(ctx, parsed)
    fmt = output_format(ctx, parsed)
    if parsed["filename"]:
        targets = [(rt, str(meta.get("name"))) for rt, _ns, meta in manifest_refs(ctx, parsed)]
    else:
        if not parsed.args:
            raise CommandError("You must provide one or more resources by argument or "
                               "filename.", usage=True)
        targets = [(t.rt, n) for t in parse_targets(parsed.args) for n in t.names]
        if not targets:
            raise CommandError("resource(s) were provided, but no name was specified")
    for rt, name in targets:
        ns = ctx.namespace if rt.namespaced else None
        before = ctx.client.get(rt, ns, name)
        if mode == "client":
            report(ctx, fmt, rt, before, "patched", mode)
            continue
        after = ctx.client.patch(rt, ns, name, body, kind, dry_run=mode == "server",
                                 subresource=parsed["subresource"] or "")
        same = after["metadata"].get("resourceVersion") == before["metadata"].get(
            "resourceVersion")
        report(ctx, fmt, rt, after, "patched (no change)" if same else "patched", mode)
    return 0


def run_replace(ctx: Context, parsed: Parsed) -> int:
    """`kubectl replace -f FILE [--force]`."""
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
        rt, obj = manifest.rt, manifest.obj
        record_cause(obj, parsed, ctx.argv)
        try:
            ns = object_namespace(ctx, rt, obj)
            name = str(obj["metadata"].get("name", ""))
            if parsed["force"]:
                ctx.client.delete(rt, ns, name, propagation="Background")
                _wait_deleted(ctx, rt, ns, name)
                report(ctx, None, rt, obj, "deleted", mode)
                created = ctx.client.create(rt, ns, obj)
                report(ctx, fmt, rt, created, "replaced", mode)
                continue
            result = obj if mode == "client" else ctx.client.update(
                rt, ns, name, obj, dry_run=mode == "server")
        except ApiError as err:
            ctx.err.write(api_error_line(err, "replacing", manifest.source) + "\n")
            failures += 1
            continue
        report(ctx, fmt, rt, result, "replaced", mode)
    if failures:
        raise Silent(1)
    return 0


def _wait_deleted(ctx: Context, rt: Any, ns: str | None, name: str) -> None:
    import time

    for _ in range(600):
        try:
            ctx.client.get(rt, ns, name)
        except ApiError as err:
            if err.code == 404:
                return
            raise
        time.sleep(0.05)


PATCH = Command(
    "patch", "Update field(s) of a resource",
    [*PRINT_FLAGS, DRY_RUN, FILENAME, RECURSIVE, RECORD, Flag("patch", "p", default=""),
     Flag("patch-file", default=""), Flag("type", default="strategic"),
     Flag("local", kind="bool", default=False), Flag("subresource", default="")],
    run_patch)
REPLACE = Command(
    "replace", "Replace a resource by filename or stdin",
    [*PRINT_FLAGS, DRY_RUN, FILENAME, RECURSIVE, VALIDATE, RECORD,
     Flag("force", kind="bool", default=False), Flag("grace-period", kind="int", default=-1),
     Flag("cascade", default="background"), Flag("wait", kind="bool", default=False),
     Flag("timeout", default="0s"), Flag("save-config", kind="bool", default=False)],
    run_replace)
