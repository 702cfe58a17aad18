"""Reading `-f` manifests: files, directories and stdin; YAML or JSON, several documents,
`List` objects; old apiVersions converted with a warning; client-side validation as kubectl
1.20 does it. Each document gets its own result, so one bad document never stops the others."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from typing import Any

import yaml

from kubia_tutor.api import conversion, validation
from kubia_tutor.api.kinds import ResourceType, by_kind
from kubia_tutor.shell.command import Context
from kubia_tutor.shell.errors import CommandError

Obj = dict[str, Any]
_EXTENSIONS = (".json", ".yaml", ".yml")


@dataclass
class Manifest:
    """One object read from a source, or the error that stops it (printed by the caller)."""

    source: str
    obj: Obj
    rt: ResourceType | None = None
    error: str = ""
    warning: str = ""


def _files(ctx: Context, name: str, recursive: bool) -> list[tuple[str, str]]:
    """(shown name, path) pairs for one -f argument."""
    if name == "-":
        return [("STDIN", "-")]
    if name.startswith(("http://", "https://")):
        raise CommandError(f'unable to read URL "{name}", server reported 0 (offline): the '
                           "tutor has no network access; save the file and use its path")
    path = ctx.path(name)
    if not os.path.exists(path):
        raise CommandError(f'the path "{name}" does not exist')
    if not os.path.isdir(path):
        return [(name, path)]
    found: list[tuple[str, str]] = []
    for root, dirs, files in os.walk(path):
        dirs.sort()
        for file in sorted(files):
            if file.endswith(_EXTENSIONS):
                full = os.path.join(root, file)
                shown = os.path.join(name, os.path.relpath(full, path))
                found.append((shown, full))
        if not recursive:
            break
    return found


def _read(ctx: Context, path: str) -> str:
    if path == "-":
        stream = ctx.stdin or sys.stdin
        return stream.read()
    with open(path, encoding="utf-8", errors="replace") as handle:
        return handle.read()


def _documents(shown: str, text: str) -> list[Any]:
    stripped = text.lstrip()
    if stripped.startswith("{") or stripped.startswith("["):
        try:
            return [json.loads(text)]
        except json.JSONDecodeError:
            pass
    try:
        return [doc for doc in yaml.safe_load_all(text) if doc is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        line = f"line {mark.line + 1}: " if mark is not None else ""
        raise CommandError(f"error parsing {shown}: error converting YAML to JSON: yaml: "
                           f"{line}{problem}") from None


def load(ctx: Context, filenames: list[str], recursive: bool = False,
         validate: bool = True) -> list[Manifest]:
    """Read every object from the -f arguments; file-level problems raise CommandError."""
    if not filenames:
        raise CommandError("must specify one of -f and -k", usage=True)
    manifests: list[Manifest] = []
    for name in filenames:
        for shown, path in _files(ctx, name, recursive):
            for doc in _documents(shown, _read(ctx, path)):
                manifests.extend(_expand(shown, doc, validate))
    return manifests


def _expand(shown: str, doc: Any, validate: bool) -> list[Manifest]:
    if not isinstance(doc, dict):
        return [Manifest(shown, {}, error=f'error validating "{shown}": error validating data: '
                                         "invalid object to validate; if you choose to ignore "
                                         "these errors, turn validation off with "
                                         "--validate=false")]
    if str(doc.get("kind", "")).endswith("List") and isinstance(doc.get("items"), list):
        found: list[Manifest] = []
        for item in doc["items"]:
            found.extend(_expand(shown, item, validate))
        return found
    return [_one(shown, doc, validate)]


def _one(shown: str, doc: Obj, validate: bool) -> Manifest:
    missing = [f for f in ("apiVersion", "kind") if not doc.get(f)]
    if missing and validate:
        what = " and ".join(f"{f} not set" for f in missing) if len(missing) == 1 else \
            "[apiVersion not set, kind not set]"
        return Manifest(shown, doc, error=f'error validating "{shown}": error validating data: '
                                          f"{what}; if you choose to ignore these errors, turn "
                                          "validation off with --validate=false")
    if missing:
        which = "kind" if "kind" in missing else "apiVersion"
        return Manifest(shown, doc, error=f"unable to decode \"{shown}\": Object '{which.title()}"
                                          "' is missing in '" + json.dumps(doc) + "'")
    api_version, kind = str(doc["apiVersion"]), str(doc["kind"])
    obj, warning = conversion.convert(doc)
    rt = by_kind(str(obj["apiVersion"]), kind)
    if rt is None or not rt.stored:
        return Manifest(shown, doc, error=f'unable to recognize "{shown}": no matches for kind '
                                          f'"{kind}" in version "{api_version}"')
    if validate:
        problems = validation.validate(obj)
        if problems:
            return Manifest(shown, obj, rt, error=validation.format_error(shown, problems))
    return Manifest(shown, obj, rt, warning=warning or "")
