"""`kubectl edit TYPE NAME`: the live object in an editor, saved back as an update.

As kubectl 1.20 does it: the object goes to `/tmp/kubectl-edit-*.yaml` (or `.json` with
-o json) under a comment header; `$KUBE_EDITOR`, else `$EDITOR`, else `vi` runs on the real
terminal; an unchanged or emptied file cancels; otherwise the object is written back with the
resourceVersion it was read at (a 409 if someone changed it meanwhile). When the file does not
parse or the server refuses it, the file is reopened with the reasons in the header; quitting
without a change then keeps the file (`A copy of your changes has been stored to ...`) and
fails. `launch_editor` is the one place an editor is started, for the shell and the TUI alike.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import tempfile
from typing import Any

import yaml

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import ResourceType
from kubia_tutor.shell.command import OUTPUT, RECORD, VALIDATE, Command, Context
from kubia_tutor.shell.commands.common import record_cause
from kubia_tutor.shell.errors import CommandError
from kubia_tutor.shell.flags import Flag, Parsed
from kubia_tutor.shell.printers import names, serialize
from kubia_tutor.shell.resources import parse_targets

Obj = dict[str, Any]
HEADER = ("# Please edit the object below. Lines beginning with a '#' will be ignored,\n"
          "# and an empty file will abort the edit. If an error occurs while saving this file "
          "will be\n"
          "# reopened with the relevant failures.\n"
          "#\n")
_IDENTITY = ("apiVersion", "kind")


def launch_editor(path: str, env: dict[str, str] | None = None) -> None:
    """Run the user's editor on `path` with the real terminal, as kubectl's editor package
    does: KUBE_EDITOR, then EDITOR, then vi; an editor line with quotes or escapes goes
    through the shell. Raises CommandError when it cannot be run or fails."""
    env = dict(os.environ if env is None else env)
    editor = env.get("KUBE_EDITOR") or env.get("EDITOR") or "vi"
    if " " not in editor:
        argv = [editor, path]
    elif not any(ch in editor for ch in "\"'\\"):
        argv = [*editor.split(" "), path]
    else:
        argv = [env.get("SHELL") or "/bin/bash", "-c", f"{editor} {shlex.quote(path)}"]
    try:
        done = subprocess.run(argv, env=env, check=False)
    except OSError:
        raise CommandError(f'unable to launch the editor "{editor}"') from None
    if done.returncode != 0:
        raise CommandError(f'there was a problem with the editor "{editor}"')


def _strip_comments(text: str) -> str:
    return "".join(line for line in text.splitlines(keepends=True)
                   if not line.lstrip().startswith("#"))


def _render(obj: Obj, fmt: str) -> str:
    return serialize.to_json(obj) if fmt == "json" else serialize.to_yaml(obj)


def _parse(text: str) -> Any:
    """The edited document as JSON data; ValueError with kubectl's words when it is not."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ValueError(f"The edited file had a syntax error: error converting YAML to JSON: "
                         f"yaml: {line}{problem}") from None
    # YAML timestamps and the like become strings, as they would in the JSON kubectl sends
    return json.loads(json.dumps(doc, default=str))


def _header(reasons: list[tuple[str, list[str]]]) -> str:
    text = HEADER
    for head, details in reasons:
        text += f"# {head}:\n" + "".join(f"# * {d}\n" for d in details) + "#\n"
    return text


def _targets(ctx: Context, parsed: Parsed) -> list[tuple[ResourceType, Obj]]:
    if not parsed.args:
        raise CommandError("You must provide one or more resources by argument or filename.",
                           usage=True)
    found = []
    for target in parse_targets(parsed.args):
        ns = ctx.namespace if target.rt.namespaced else None
        if not target.names:
            found += [(target.rt, o) for o in ctx.client.list(target.rt, ns)["items"]]
        found += [(target.rt, ctx.client.get(target.rt, ns, n)) for n in target.names]
    if not found:
        raise CommandError("edit cancelled, no objects found")
    return found


def run(ctx: Context, parsed: Parsed) -> int:
    """Edit the named objects; 0 when saved or cancelled, 1 when the edit is given up."""
    fmt = parsed["output"] or "yaml"
    if fmt not in ("yaml", "json"):
        raise CommandError(f'the edit mode "{fmt}" is not supported; supported formats are: '
                           "json, yaml")
    targets = _targets(ctx, parsed)
    data: Obj = targets[0][1] if len(targets) == 1 else serialize.as_list(
        [obj for _rt, obj in targets])
    body = _render(data, fmt)
    handle, path = tempfile.mkstemp(prefix="kubectl-edit-", suffix=f".{fmt}")
    os.close(handle)
    reasons: list[tuple[str, list[str]]] = []
    previous = body
    while True:
        written = _header(reasons) + previous
        with open(path, "w", encoding="utf-8") as out:
            out.write(written)
        launch_editor(path)
        with open(path, encoding="utf-8") as edited_file:
            edited = edited_file.read()
        if _strip_comments(edited) == _strip_comments(written):
            if not reasons:
                os.unlink(path)
                ctx.err.write("Edit cancelled, no changes made.\n")
                return 0
            ctx.err.write(f'A copy of your changes has been stored to "{path}"\n')
            raise CommandError("Edit cancelled, no valid changes were saved.")
        if not _strip_comments(edited).strip():
            os.unlink(path)
            ctx.err.write("Edit cancelled, saved file was empty.\n")
            return 0
        previous = _strip_comments(edited)
        reasons, failed = _save(ctx, parsed, targets, previous)
        if not reasons:
            os.unlink(path)
            return 0
        if failed:  # reopen with only what was not saved, as the user left it
            targets = [(rt, original) for rt, original, _edited in failed]
            kept = [edited for _rt, _original, edited in failed]
            previous = _render(kept[0] if len(kept) == 1 else serialize.as_list(kept), fmt)


Failed = list[tuple[ResourceType, Obj, Obj]]


def _save(ctx: Context, parsed: Parsed, targets: list[tuple[ResourceType, Obj]],
          text: str) -> tuple[list[tuple[str, list[str]]], Failed]:
    """Write back each edited object: the reasons to reopen the file, if any, and the
    (type, original, edited) of the objects that were not saved (none when the file as a
    whole is at fault)."""
    try:
        doc = _parse(text)
    except ValueError as exc:
        return [(str(exc), [])], []
    items = doc.get("items") if isinstance(doc, dict) and len(targets) > 1 else [doc]
    if not isinstance(items, list) or len(items) != len(targets):
        return [("The edited file must keep the same objects", [])], []
    reasons: list[tuple[str, list[str]]] = []
    failed: Failed = []
    for (rt, original), edited in zip(targets, items, strict=True):
        meta = original["metadata"]
        what = f'{rt.qualified} "{meta["name"]}"'
        if not isinstance(edited, dict) or any(edited.get(k) != original.get(k)
                                                for k in _IDENTITY) \
                or (edited.get("metadata") or {}).get("name") != meta["name"]:
            reasons.append((f"{what} could not be patched",
                            ["At least one of apiVersion, kind and name was changed"]))
            failed.append((rt, original, edited if isinstance(edited, dict) else original))
            continue
        if edited == original:
            ctx.out.write(f"{names.name_of(rt.kind_group, original)} skipped\n")
            continue
        record_cause(edited, parsed, ctx.argv)
        try:
            ctx.client.update(rt, meta.get("namespace"), meta["name"], edited)
        except ApiError as err:
            causes = (err.details or {}).get("causes") or []
            if err.reason == "Invalid" and causes:
                reasons.append((f"{what} was not valid",
                                [f"{c.get('field')}: {c.get('message')}" for c in causes]))
            else:
                reasons.append((f"{what} could not be patched", [err.message]))
            failed.append((rt, original, edited))
            continue
        ctx.out.write(f"{names.name_of(rt.kind_group, original)} edited\n")
    return reasons, failed


COMMAND = Command(
    "edit", "Edit a resource on the server",
    [OUTPUT, RECORD, VALIDATE, Flag("output-patch", kind="bool", default=False),
     Flag("windows-line-endings", kind="bool", default=False),
     Flag("save-config", kind="bool", default=False), Flag("filename", "f", "list")],
    run, usage="kubectl edit (RESOURCE/NAME | -f FILENAME) [options]")
