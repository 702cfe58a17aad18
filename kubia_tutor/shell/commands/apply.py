"""`kubectl apply -f`: declarative create-or-update with a three-way merge.

kubectl compares three versions of an object: what was last applied (kept in the
last-applied-configuration annotation), what the file says now, and what the cluster holds.
Fields the file dropped since the last apply are removed; fields the file sets are set; fields
only the cluster knows (status, defaults, what controllers wrote) are left alone.
"""

from __future__ import annotations

import json
from typing import Any

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import ResourceType
from kubia_tutor.api.patch import MERGE_KEYS
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
    FailedAction,
    annotate_last_applied,
    each_manifest,
    object_namespace,
    warn,
)
from kubia_tutor.shell.errors import CommandError
from kubia_tutor.shell.flags import Flag, Parsed

Obj = dict[str, Any]
_MISSING_ANNOTATION = (
    "resource {res} is missing the kubectl.kubernetes.io/last-applied-configuration annotation "
    "which is required by kubectl apply. kubectl apply should only be used on resources created "
    "declaratively by either kubectl create --save-config or kubectl apply. The missing "
    "annotation will be patched automatically.")


def three_way_patch(original: Any, modified: Any, current: Any, field: str = "") -> Any:
    """A strategic merge patch taking `current` to `modified`, deleting what `original` had
    and `modified` dropped. Returns {} when nothing needs to change."""
    if not isinstance(modified, dict):
        return modified
    original = original if isinstance(original, dict) else {}
    current = current if isinstance(current, dict) else {}
    patch: Obj = {}
    for key, value in modified.items():
        cur = current.get(key)
        if isinstance(value, dict) and isinstance(cur, dict):
            sub = three_way_patch(original.get(key), value, cur, key)
            if sub:
                patch[key] = sub
        elif isinstance(value, list):
            merged = _list_patch(original.get(key), value, cur, key)
            if merged is not None:
                patch[key] = merged
        elif cur != value:
            patch[key] = value
    for key in original:
        if key not in modified and key in current:
            patch[key] = None
    return patch


def _list_patch(original: Any, modified: list[Any], current: Any, field: str) -> Any:
    keys = MERGE_KEYS.get(field)
    if not keys or not all(isinstance(i, dict) for i in modified):
        return None if modified == current else modified
    key = next((k for k in keys if all(k in i for i in modified)), keys[0])
    originals = {i.get(key): i for i in original or [] if isinstance(i, dict)}
    currents = {i.get(key): i for i in current or [] if isinstance(i, dict)}
    items: list[Any] = []
    for item in modified:
        sub = three_way_patch(originals.get(item.get(key)), item, currents.get(item.get(key)),
                              field)
        if sub or item.get(key) not in currents:
            items.append({key: item.get(key), **sub})
    wanted = {i.get(key) for i in modified}
    for name in originals:
        if name not in wanted and name in currents:
            items.append({key: name, "$patch": "delete"})
    return items or None


def apply_one(ctx: Context, manifest: manifests.Manifest, rt: ResourceType,
              mode: str) -> tuple[Obj, str]:
    """Apply one object; returns the result and the verb (created, configured, unchanged)."""
    obj = manifest.obj
    ns = object_namespace(ctx, rt, obj)
    name = str((obj.get("metadata") or {}).get("name") or "")
    if not name:
        raise CommandError(f'error when retrieving current configuration of:\nResource: '
                           f'"{rt.qualified}", GroupVersionKind: "{rt.api_version}, Kind='
                           f'{rt.kind}"\nName: "", Namespace: "{ns or ""}"\nfrom server for: '
                           f'"{manifest.source}": resource name may not be empty')
    try:
        live = ctx.client.get(rt, ns, name)
    except ApiError as err:
        if err.code != 404:
            raise
        annotate_last_applied(obj)
        if mode == "client":
            return obj, "created"
        try:
            return ctx.client.create(rt, ns, obj, dry_run=mode == "server"), "created"
        except ApiError as create_err:
            raise FailedAction(create_err, "creating") from None  # as kubectl apply words it
    annotations = (live.get("metadata") or {}).get("annotations") or {}
    last_text = annotations.get(LAST_APPLIED)
    if last_text is None and mode == "none":
        warn(ctx, _MISSING_ANNOTATION.format(res=f"{rt.qualified}/{name}"))
    original = json.loads(last_text) if last_text else None
    annotate_last_applied(obj)
    patch = three_way_patch(original, obj, live)
    if not patch:
        return live, "unchanged"
    if mode == "client":
        return live, "configured"
    try:
        result = ctx.client.patch(rt, ns, name, patch, "strategic", dry_run=mode == "server")
    except ApiError as patch_err:
        # kubectl names the patch and the object it was for
        raise FailedAction(patch_err, (
            f"applying patch:\n{json.dumps(patch, separators=(',', ':'))}\nto:\n"
            f'Resource: "{rt.group + "/" if rt.group else ""}{rt.version}, Resource='
            f'{rt.plural}", GroupVersionKind: "{rt.api_version}, Kind={rt.kind}"\n'
            f'Name: "{name}", Namespace: "{ns or ""}"\nfor:')) from None
    return result, "configured"


def run(ctx: Context, parsed: Parsed) -> int:
    """`kubectl apply -f FILE...`."""
    return each_manifest(ctx, parsed, "applying",
                         lambda manifest, rt, mode: apply_one(ctx, manifest, rt, mode))


COMMAND = Command(
    "apply", "Apply a configuration to a resource by filename or stdin",
    [*PRINT_FLAGS, DRY_RUN, FILENAME, RECURSIVE, VALIDATE, RECORD, FIELD_MANAGER,
     Flag("prune", kind="bool", default=False), Flag("force", kind="bool", default=False),
     Flag("server-side", kind="bool", default=False), Flag("overwrite", kind="bool",
                                                           default=True),
     Flag("wait", kind="bool", default=False), Flag("selector", "l", default="")],
    run)
