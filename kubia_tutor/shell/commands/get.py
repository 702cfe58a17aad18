"""`kubectl get`: list or read objects and print them as tables or in an -o format."""

from __future__ import annotations

from typing import Any

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import ResourceType
from kubia_tutor.shell.command import (
    ALL_NAMESPACES,
    FIELD_SELECTOR,
    FILENAME,
    PRINT_FLAGS,
    RECURSIVE,
    SELECTOR,
    Command,
    Context,
)
from kubia_tutor.shell.commands.common import list_selected, manifest_refs
from kubia_tutor.shell.errors import CommandError, Silent, format_api_error
from kubia_tutor.shell.flags import Flag, Parsed
from kubia_tutor.shell.output import Format, parse_format, print_objects, sort_objects
from kubia_tutor.shell.printers import tabwriter
from kubia_tutor.shell.printers.tables import table_rows
from kubia_tutor.shell.resources import Target, parse_targets

Obj = dict[str, Any]

NO_TYPE = (
    'You must specify the type of resource to get. Use "kubectl api-resources" for a complete '
    "list of supported resources.\n\n"
)


def fetch(ctx: Context, target: Target, parsed: Parsed, errors: list[str],
          ignore_not_found: bool = False) -> list[Obj]:
    """The objects a target names (or lists), collecting per-name errors as kubectl does."""
    rt = target.rt
    all_ns = bool(parsed.get("all-namespaces"))
    ns = None if (all_ns and not target.names) else ctx.namespace
    if target.names:
        found = []
        for name in target.names:
            try:
                found.append(ctx.client.get(rt, ns, name))
            except ApiError as err:
                if err.code == 404 and ignore_not_found:
                    continue
                errors.append(error_line(err))
        return found
    return list_selected(ctx, parsed, rt, ns)


def error_line(err: ApiError) -> str:
    """An API error as kubectl prints it."""
    return format_api_error(err.reason, err.message)


def run(ctx: Context, parsed: Parsed) -> int:
    """Run `kubectl get`."""
    fmt = parse_format(ctx, parsed["output"])
    if (parsed["show-labels"] or parsed["label-columns"]) and not fmt.is_table:
        flag = "--show-labels" if parsed["show-labels"] else "--label-columns"
        raise CommandError(f"{flag} option cannot be used with {fmt.kind} printer")
    if parsed["filename"]:
        targets = _targets_from_files(ctx, parsed)
    else:
        if not parsed.args:
            ctx.err.write(NO_TYPE)
            raise CommandError("Required resource not specified.\nUse \"kubectl explain "
                               "<resource>\" for a detailed description of that resource "
                               "(e.g. kubectl explain pods).", usage=True)
        targets = parse_targets(parsed.args)
    errors: list[str] = []
    results: list[tuple[Target, list[Obj]]] = []
    for target in targets:
        objs = fetch(ctx, target, parsed, errors, bool(parsed["ignore-not-found"]))
        results.append((target, objs))
    if parsed["watch"] or parsed["watch-only"]:
        return _watch(ctx, parsed, fmt, results, errors)
    show_kind = bool(parsed["show-kind"]) or len({t.rt for t in targets}) > 1 or (
        parsed.args[:1] == ["all"])
    single = len(targets) == 1 and len(targets[0].names) == 1
    items = [(t.rt, o) for t, objs in results for o in objs]
    if parsed["sort-by"]:
        items = sort_objects(items, parsed["sort-by"])
    if fmt.is_table:
        _print_tables(ctx, parsed, fmt, targets, items, show_kind)
        if not items and not errors and not parsed["ignore-not-found"]:
            _no_resources(ctx, parsed, targets)
    else:
        print_objects(ctx, fmt, items, as_list=not single or len(items) != 1, parsed=parsed)
    for line in errors:
        ctx.err.write(line + "\n")
    if errors:
        raise Silent(1)
    return 0


def _targets_from_files(ctx: Context, parsed: Parsed) -> list[Target]:
    targets: list[Target] = []
    for rt, _ns, meta in manifest_refs(ctx, parsed):
        name = str(meta.get("name", ""))
        if targets and targets[-1].rt is rt:
            targets[-1].names.append(name)
        else:
            targets.append(Target(rt, [name]))
    return targets


def _no_resources(ctx: Context, parsed: Parsed, targets: list[Target]) -> None:
    if any(t.names for t in targets):
        return
    namespaced = all(t.rt.namespaced for t in targets)
    if parsed.get("all-namespaces") or not namespaced:
        ctx.err.write("No resources found\n")
    else:
        ctx.err.write(f"No resources found in {ctx.namespace} namespace.\n")


def _print_tables(ctx: Context, parsed: Parsed, fmt: Format, targets: list[Target],
                  items: list[tuple[ResourceType, Obj]], show_kind: bool) -> None:
    groups: list[tuple[ResourceType, list[Obj]]] = []
    for rt, obj in items:
        if groups and groups[-1][0] is rt:
            groups[-1][1].append(obj)
        else:
            groups.append((rt, [obj]))
    now = ctx.now()
    for index, (rt, objs) in enumerate(groups):
        rows = table_rows(
            rt.kind, objs, now, wide=fmt.kind == "wide",
            with_kind_prefix=rt.kind_group if show_kind else None,
            namespace_column=bool(parsed["all-namespaces"]) and rt.namespaced,
            show_labels=bool(parsed["show-labels"]), label_columns=parsed["label-columns"],
            headers=not parsed["no-headers"])
        if index:
            ctx.out.write("\n")
        ctx.out.write(tabwriter.table(rows))


def _watch(ctx: Context, parsed: Parsed, fmt: Format, results: list[tuple[Target, list[Obj]]],
           errors: list[str]) -> int:
    """Print the current objects, then one line (or document) per change until interrupted."""
    if len(results) != 1:
        raise CommandError("watch is only supported on individual resources and resource "
                           "collections, but 2 resources were found")
    target, objs = results[0]
    rt = target.rt
    for line in errors:
        ctx.err.write(line + "\n")
    wide = fmt.kind == "wide"
    ns_col = bool(parsed["all-namespaces"]) and rt.namespaced
    now = ctx.now()

    def emit(obj: Obj, headers: bool, event: str = "") -> None:
        if fmt.is_table:
            rows = table_rows(rt.kind, [obj], ctx.now(), wide=wide, namespace_column=ns_col,
                              show_labels=bool(parsed["show-labels"]),
                              label_columns=parsed["label-columns"],
                              headers=headers and not parsed["no-headers"])
            if parsed["output-watch-events"]:
                rows = [(["EVENT"] if i == 0 and headers else [event]) + r
                        for i, r in enumerate(rows)]
            ctx.out.write(tabwriter.table(rows))
        else:
            print_objects(ctx, fmt, [(rt, obj)], as_list=False, parsed=parsed)
        ctx.out.flush()

    if not parsed["watch-only"]:
        if fmt.is_table and objs:
            rows = table_rows(rt.kind, objs, now, wide=wide, namespace_column=ns_col,
                              show_labels=bool(parsed["show-labels"]),
                              label_columns=parsed["label-columns"],
                              headers=not parsed["no-headers"])
            ctx.out.write(tabwriter.table(rows))
            ctx.out.flush()
        elif not fmt.is_table:
            for obj in objs:
                emit(obj, False)
    listing = ctx.client.list(rt, None if parsed["all-namespaces"] else ctx.namespace,
                              label_selector=parsed["selector"] or "",
                              field_selector=parsed["field-selector"] or "")
    names = set(target.names)
    header_pending = bool(parsed["watch-only"])
    timeout = _timeout(parsed.get("request-timeout"))
    try:
        for event in ctx.client.watch(
                rt, None if parsed["all-namespaces"] else ctx.namespace,
                resource_version=listing["metadata"]["resourceVersion"],
                label_selector=parsed["selector"] or "",
                field_selector=parsed["field-selector"] or "", timeout=timeout):
            obj = event.get("object") or {}
            if names and obj.get("metadata", {}).get("name") not in names:
                continue
            if event.get("type") == "ERROR":
                break
            # with --watch-only the first change carries the header, as in kubectl
            emit(obj, header_pending, str(event.get("type")))
            header_pending = False
    except KeyboardInterrupt:
        return 0
    return 1 if errors else 0


def _timeout(value: Any) -> float | None:
    text = str(value or "0").rstrip("s")
    try:
        seconds = float(text)
    except ValueError:
        raise CommandError(f"invalid timeout value {value}") from None
    return seconds or None


COMMAND = Command(
    "get", "Display one or many resources",
    [*PRINT_FLAGS, SELECTOR, FIELD_SELECTOR, ALL_NAMESPACES, FILENAME, RECURSIVE,
     Flag("watch", "w", "bool", False), Flag("watch-only", kind="bool", default=False),
     Flag("output-watch-events", kind="bool", default=False),
     Flag("show-labels", kind="bool", default=False),
     Flag("label-columns", "L", "list"), Flag("no-headers", kind="bool", default=False),
     Flag("sort-by", default=""), Flag("ignore-not-found", kind="bool", default=False),
     Flag("show-kind", kind="bool", default=False), Flag("chunk-size", kind="int", default=500),
     Flag("raw", default=""), Flag("server-print", kind="bool", default=True)],
    run, usage="kubectl get [(-o|--output=)json|yaml|wide|custom-columns=...] (TYPE[.VERSION]"
               "[.GROUP] [NAME | -l label] | TYPE[.VERSION][.GROUP]/NAME ...) [flags]",
)
