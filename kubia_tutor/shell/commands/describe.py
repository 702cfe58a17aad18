"""`kubectl describe`: objects by name, prefix or selector, with their events."""

from __future__ import annotations

from typing import Any

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import resolve
from kubia_tutor.shell.command import (
    ALL_NAMESPACES,
    FILENAME,
    RECURSIVE,
    SELECTOR,
    Command,
    Context,
)
from kubia_tutor.shell.describe import describe
from kubia_tutor.shell.describe.context import DescribeContext
from kubia_tutor.shell.errors import CommandError, Silent, format_api_error
from kubia_tutor.shell.flags import Flag, Parsed
from kubia_tutor.shell.resources import parse_targets

Obj = dict[str, Any]


def _context(ctx: Context, show_events: bool) -> DescribeContext:
    cache: dict[tuple[str, str | None], list[Obj]] = {}

    def list_objects(kind: str, namespace: str | None) -> list[Obj]:
        key = (kind, namespace)
        if key not in cache:
            cache[key] = ctx.client.list(resolve(kind), namespace).get("items") or []
        return cache[key]

    def get_object(kind: str, namespace: str | None, name: str) -> Obj | None:
        try:
            return ctx.client.get(resolve(kind), namespace, name)
        except ApiError:
            return None

    def events(obj: Obj) -> list[Obj]:
        meta = obj.get("metadata") or {}
        selector = (f"involvedObject.name={meta.get('name')},"
                    f"involvedObject.namespace={meta.get('namespace') or ''},"
                    f"involvedObject.kind={obj.get('kind')},"
                    f"involvedObject.uid={meta.get('uid')}")
        ns = meta.get("namespace") or "default"
        found: list[Obj] = ctx.client.list(resolve("events"), ns,
                                           field_selector=selector).get("items") or []
        return found

    return DescribeContext(now=ctx.now(), events=events, list_objects=list_objects,
                           get_object=get_object, show_events=show_events)


def run(ctx: Context, parsed: Parsed) -> int:
    """`kubectl describe TYPE [NAME_PREFIX | -l label]`."""
    if not parsed.args and not parsed["filename"]:
        raise CommandError("You must specify the type of resource to describe. Use "
                           "\"kubectl api-resources\" for a complete list of supported "
                           "resources.\n", usage=True)
    targets = parse_targets(parsed.args)
    dctx = _context(ctx, bool(parsed["show-events"]))
    first = True
    failures = 0
    for target in targets:
        rt = target.rt
        ns = None if parsed["all-namespaces"] or not rt.namespaced else ctx.namespace
        objs: list[Obj] = []
        if target.names:
            for name in target.names:
                try:
                    objs.append(ctx.client.get(rt, ns, name))
                except ApiError as err:
                    if err.code != 404:
                        raise
                    # kubectl describe falls back to a name-prefix match
                    matches = [o for o in ctx.client.list(rt, ns).get("items") or []
                               if o["metadata"]["name"].startswith(name)]
                    if not matches:
                        ctx.err.write(format_api_error(err.reason, err.message) + "\n")
                        failures += 1
                    objs.extend(matches)
        else:
            objs = ctx.client.list(rt, ns, label_selector=parsed["selector"] or "").get(
                "items") or []
        for obj in objs:
            if not first:
                ctx.out.write("\n\n")
            first = False
            ctx.out.write(describe(rt.kind, obj, dctx))
    if first and not failures and not any(t.names for t in targets):
        ns_text = "" if parsed["all-namespaces"] else f" in {ctx.namespace} namespace"
        ctx.err.write(f"No resources found{ns_text}.\n")
    if failures:
        raise Silent(1)
    return 0


COMMAND = Command(
    "describe", "Show details of a specific resource or group of resources",
    [SELECTOR, ALL_NAMESPACES, FILENAME, RECURSIVE,
     Flag("show-events", kind="bool", default=True)], run)
