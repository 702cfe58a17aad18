"""`kubectl label` and `kubectl annotate`: add, overwrite (`--overwrite`) and remove (`key-`)
labels or annotations on objects named, selected (`-l`) or all (`--all`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import ResourceType
from kubia_tutor.shell.command import (
    ALL,
    ALL_NAMESPACES,
    DRY_RUN,
    FIELD_SELECTOR,
    FILENAME,
    OVERWRITE,
    PRINT_FLAGS,
    RECORD,
    RECURSIVE,
    SELECTOR,
    Command,
    Context,
)
from kubia_tutor.shell.commands.common import (
    CHANGE_CAUSE,
    api_error_line,
    dry_run_mode,
    list_selected,
    manifest_refs,
    output_format,
    report,
)
from kubia_tutor.shell.errors import CommandError, Silent
from kubia_tutor.shell.flags import Flag, Parsed
from kubia_tutor.shell.resources import parse_targets

Obj = dict[str, Any]


def split_changes(args: list[str], what: str) -> tuple[list[str], dict[str, str], list[str]]:
    """Separate resource arguments from `k=v` and `k-` changes."""
    resources: list[str] = []
    sets: dict[str, str] = {}
    removes: list[str] = []
    seen_change = False
    for arg in args:
        if "=" in arg:
            key, _, value = arg.partition("=")
            if not key:
                raise CommandError(f"invalid {what} spec: {arg}")
            sets[key] = value
            seen_change = True
        elif arg.endswith("-") and len(arg) > 1 and (seen_change or resources):
            removes.append(arg[:-1])
            seen_change = True
        else:
            if seen_change:
                raise CommandError(f"all resources must be specified before {what} changes: "
                                   f"{arg}")
            resources.append(arg)
    for key in removes:
        if key in sets:
            raise CommandError(f"can not both modify and remove {what}s in the same command")
    return resources, sets, removes


def _objects(ctx: Context, parsed: Parsed, resources: list[str], errors: list[Failure]
             ) -> list[tuple[ResourceType, Obj]]:
    """The objects to change; a name that cannot be read becomes an error and the others
    are still changed (kubectl's builder continues on error)."""

    def read(rt: ResourceType, ns: str | None, name: str) -> None:
        try:
            found.append((rt, ctx.client.get(rt, ns, name)))
        except ApiError as err:
            errors.append(Failure([api_error_line(err)], api=True))

    found: list[tuple[ResourceType, Obj]] = []
    if parsed["filename"]:
        for rt, ns, meta in manifest_refs(ctx, parsed):
            read(rt, ns, str(meta.get("name")))
        return found
    if not resources:
        raise CommandError("one or more resources must be specified as <resource> <name> or "
                           "<resource>/<name>", usage=True)
    targets = parse_targets(resources)
    selecting = parsed["all"] or parsed["selector"] or parsed["field-selector"]
    for target in targets:
        ns = ctx.namespace if target.rt.namespaced else None
        if target.names:
            if selecting:
                raise CommandError("cannot specify both a selector and resource names")
            for name in target.names:
                read(target.rt, ns, name)
            continue
        if not selecting:
            raise CommandError("resource(s) were provided, but no name, label selector, or "
                               "--all flag specified", usage=True)
        found.extend((target.rt, o) for o in list_selected(ctx, parsed, target.rt, ns))
    return found


@dataclass
class Failure:
    """One object's error: its messages (several for several clashing labels), and whether
    it came from the API server (then it is printed as is, `Error from server ...`)."""

    messages: list[str]
    api: bool = False


def print_failures(ctx: Context, failures: list[Failure]) -> None:
    """The errors after all objects were tried, as kubectl's CheckErr prints an aggregate:
    one error gets `error: `; several are printed one per line without it, and an object's
    own list of several becomes `[a, b]` (Go's aggregate text)."""
    if len(failures) == 1:
        failure = failures[0]
        if failure.api:
            ctx.err.write(failure.messages[0] + "\n")
        elif len(failure.messages) == 1:
            ctx.err.write(f"error: {failure.messages[0]}\n")
        else:
            ctx.err.write("".join(m + "\n" for m in failure.messages))
        return
    for failure in failures:
        text = failure.messages[0] if len(failure.messages) == 1 else \
            "[" + ", ".join(failure.messages) + "]"
        ctx.err.write(text + "\n")


def _run(ctx: Context, parsed: Parsed, field: str, what: str) -> int:
    """The shared body of label and annotate."""
    resources, sets, removes = split_changes(parsed.args, what)
    if not sets and not removes and not parsed.get("list"):
        raise CommandError(f"at least one {what} update is required", usage=True)
    mode = dry_run_mode(ctx, parsed)
    fmt = output_format(ctx, parsed)
    failures: list[Failure] = []
    for rt, obj in _objects(ctx, parsed, resources, failures):
        meta = obj.get("metadata") or {}
        current: dict[str, str] = dict(meta.get(field) or {})
        if parsed.get("list"):
            for key in sorted(current):
                ctx.out.write(f"{key}={current[key]}\n")
            continue
        # Said before the overwrite check, as kubectl does.
        if what == "label" and mode != "client":
            for key in removes:
                if key not in current:
                    ctx.out.write(f'label "{key}" not found.\n')
        if not parsed["overwrite"]:
            # kubectl always lets --record rewrite the change-cause annotation.
            clashes = [k for k in sorted(sets) if k in current and k != CHANGE_CAUSE]
            if clashes and what == "label":
                failures.append(Failure([f"'{k}' already has a value ({current[k]}), and "
                                         "--overwrite is false" for k in clashes]))
                continue
            if clashes:
                detail = "; ".join(f"'{k}' already has a value ({current[k]})" for k in clashes)
                failures.append(Failure(["--overwrite is false but found the following "
                                         f"declared annotation(s): {detail}"]))
                continue
        updated = dict(current)
        updated.update(sets)
        for key in removes:
            updated.pop(key, None)
        patch: Obj = {"metadata": {field: {**sets, **{k: None for k in removes}}}}
        if parsed["resource-version"]:
            patch["metadata"]["resourceVersion"] = parsed["resource-version"]
        verb = "labeled" if what == "label" else "annotated"
        # kubectl 1.20 compares the object before and after as JSON; one without labels gains
        # an empty `labels: {}` on the way, so it counts as labeled even when nothing changed.
        if updated == current and what == "label" and current:
            verb = "not labeled"
        result = obj
        try:
            if mode != "client" and updated != current:
                result = ctx.client.patch(rt, meta.get("namespace"), meta["name"], patch,
                                          "merge", dry_run=mode == "server")
        except ApiError as err:
            failures.append(Failure([api_error_line(err)], api=True))
            continue
        # kubectl 1.20's label prints no dry-run note; annotate does.
        note_mode = "none" if what == "label" else mode
        report(ctx, fmt, rt, result, verb, note_mode)
    if failures:
        print_failures(ctx, failures)
        raise Silent(1)
    return 0


def run_label(ctx: Context, parsed: Parsed) -> int:
    """`kubectl label`."""
    return _run(ctx, parsed, "labels", "label")


def run_annotate(ctx: Context, parsed: Parsed) -> int:
    """`kubectl annotate`."""
    return _run(ctx, parsed, "annotations", "annotation")


_FLAGS = [*PRINT_FLAGS, OVERWRITE, ALL, ALL_NAMESPACES, SELECTOR, FIELD_SELECTOR, FILENAME,
          RECURSIVE, DRY_RUN, RECORD, Flag("resource-version", default=""),
          Flag("local", kind="bool", default=False)]

LABEL = Command("label", "Update the labels on a resource",
                [*_FLAGS, Flag("list", kind="bool", default=False)], run_label)
ANNOTATE = Command("annotate", "Update the annotations on a resource", _FLAGS, run_annotate)
