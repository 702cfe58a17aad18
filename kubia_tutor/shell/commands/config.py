"""`kubectl config`: view, current-context, get-contexts, use-context, set-context."""

from __future__ import annotations

from kubia_tutor.shell.command import OUTPUT, Command, Context
from kubia_tutor.shell.errors import CommandError
from kubia_tutor.shell.flags import Flag, Parsed
from kubia_tutor.shell.printers import serialize, tabwriter


def view(ctx: Context, parsed: Parsed) -> int:
    """`config view` (YAML by default, like kubectl)."""
    data = ctx.config.view()
    if parsed["minify"]:
        current = ctx.config.current_context
        data["contexts"] = [c for c in data.get("contexts") or [] if c.get("name") == current]
    fmt = parsed["output"] or "yaml"
    if fmt == "json":
        ctx.out.write(serialize.to_json(data))
    elif fmt == "yaml":
        ctx.out.write(serialize.to_yaml(data))
    else:
        raise CommandError(f'unable to match a printer suitable for the output format "{fmt}", '
                           "allowed formats are: json,yaml")
    return 0


def current_context(ctx: Context, parsed: Parsed) -> int:
    """`config current-context`."""
    name = ctx.config.current_context
    if not name:
        raise CommandError("current-context is not set")
    ctx.out.write(name + "\n")
    return 0


def get_contexts(ctx: Context, parsed: Parsed) -> int:
    """`config get-contexts`."""
    contexts = ctx.config.contexts()
    if parsed.args:
        contexts = [c for c in contexts if c.get("name") in parsed.args]
    if parsed["output"] == "name":
        for entry in contexts:
            ctx.out.write(f"{entry.get('name')}\n")
        return 0
    rows = [] if parsed["no-headers"] else [["CURRENT", "NAME", "CLUSTER", "AUTHINFO",
                                             "NAMESPACE"]]
    for entry in contexts:
        body = entry.get("context") or {}
        rows.append(["*" if entry.get("name") == ctx.config.current_context else "",
                     str(entry.get("name", "")), str(body.get("cluster", "")),
                     str(body.get("user", "")), str(body.get("namespace", ""))])
    ctx.out.write(tabwriter.table(rows))
    return 0


def use_context(ctx: Context, parsed: Parsed) -> int:
    """`config use-context NAME`."""
    if len(parsed.args) != 1:
        raise CommandError("Unexpected args: " + str(parsed.args), usage=True)
    name = parsed.args[0]
    if ctx.config.context(name) is None:
        raise CommandError(f'no context exists with the name: "{name}"')
    ctx.config.data["current-context"] = name
    ctx.config.save()
    ctx.out.write(f'Switched to context "{name}".\n')
    return 0


def set_context(ctx: Context, parsed: Parsed) -> int:
    """`config set-context [NAME | --current] [--namespace=...]`."""
    if parsed["current"]:
        if parsed.args:
            raise CommandError("you cannot specify a context name and --current",
                               usage=True)
        name = ctx.config.current_context
        if not name:
            raise CommandError("no current context is set")
    elif len(parsed.args) == 1:
        name = parsed.args[0]
    else:
        raise CommandError("Unexpected args: " + str(parsed.args), usage=True)
    body = ctx.config.context(name)
    created = body is None
    if body is None:
        body = {}
        ctx.config.data.setdefault("contexts", []).append({"name": name, "context": body})
    for flag in ("namespace", "cluster", "user"):
        if parsed.changed(flag):
            body[flag] = parsed[flag]
    ctx.config.save()
    ctx.out.write(f'Context "{name}" {"created" if created else "modified"}.\n')
    return 0


COMMAND = Command("config", "Modify kubeconfig files", [], None, {
    "view": Command("view", "Display merged kubeconfig settings or a specified kubeconfig file",
                    [OUTPUT, Flag("minify", kind="bool", default=False),
                     Flag("raw", kind="bool", default=False),
                     Flag("flatten", kind="bool", default=False)], view),
    "current-context": Command("current-context", "Display the current-context", [],
                               current_context),
    "get-contexts": Command("get-contexts", "Describe one or many contexts",
                            [OUTPUT, Flag("no-headers", kind="bool", default=False)],
                            get_contexts),
    "use-context": Command("use-context", "Set the current-context in a kubeconfig file", [],
                           use_context, aliases=("use",)),
    "set-context": Command("set-context", "Set a context entry in kubeconfig",
                           [Flag("current", kind="bool", default=False)], set_context),
})
