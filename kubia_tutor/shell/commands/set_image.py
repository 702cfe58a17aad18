"""`kubectl set image (TYPE NAME | TYPE/NAME) CONTAINER=IMAGE ...` (the `set` verb's `image`
subcommand): change container images in a pod template, which starts a rollout."""

from __future__ import annotations

import copy
from typing import Any

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import ResourceType
from kubia_tutor.shell.command import (
    ALL,
    DRY_RUN,
    FILENAME,
    OUTPUT,
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
    record_cause,
    suffix,
)
from kubia_tutor.shell.commands.named_objects import named_objects
from kubia_tutor.shell.errors import CommandError, Silent
from kubia_tutor.shell.flags import Parsed
from kubia_tutor.shell.printers import names

Obj = dict[str, Any]
# Where each kind keeps its pod spec; everything else keeps it at spec.template.spec.
_POD_SPEC_PATH = {"Pod": ("spec",), "CronJob": ("spec", "jobTemplate", "spec", "template",
                                                "spec")}


def _pod_spec_path(rt: ResourceType) -> tuple[str, ...]:
    return _POD_SPEC_PATH.get(rt.kind, ("spec", "template", "spec"))


def _split_args(args: list[str]) -> tuple[list[str], dict[str, str]]:
    """Resource arguments, then the CONTAINER=IMAGE pairs (in kubectl's order)."""
    resources: list[str] = []
    images: dict[str, str] = {}
    for arg in args:
        if "=" in arg:
            container, _, image = arg.partition("=")
            if not container or not image:
                raise CommandError(f"invalid image update: {arg}")
            images[container] = image
        elif images:
            raise CommandError("all resources must be specified before image changes: " + arg)
        else:
            resources.append(arg)
    if not images:
        raise CommandError("at least one image update is required", usage=True)
    return resources, images


def _set_images(pod_spec: Obj, images: dict[str, str]) -> list[str]:
    """Change the images in place; returns the container names not found."""
    missing = []
    for container, image in images.items():
        found = False
        for field in ("initContainers", "containers"):
            for c in pod_spec.get(field) or []:
                if container in (c.get("name"), "*"):
                    c["image"] = image
                    found = True
        if not found:
            missing.append(container)
    return missing


def run(ctx: Context, parsed: Parsed) -> int:
    """Patch the images (and --record's change-cause) of every object named."""
    resources, images = _split_args(parsed.args)
    mode = dry_run_mode(ctx, parsed)
    failures = 0
    found = named_objects(ctx, parsed, resources, missing="one or more resources must be "
                          "specified as <resource> <name> or <resource>/<name>")
    for rt, obj in found:
        path = _pod_spec_path(rt)
        pod_spec = _dig(obj, path)
        if pod_spec is None:
            ctx.err.write(f"error: {rt.kind} has no pod template\n")
            failures += 1
            continue
        changed = copy.deepcopy(pod_spec)
        for container in _set_images(changed, images):
            ctx.err.write(f'error: unable to find container named "{container}"\n')
            failures += 1
        recorded = copy.deepcopy(obj)
        record_cause(recorded, parsed, ctx.argv)
        cause = ((recorded["metadata"].get("annotations")) or {}).get(CHANGE_CAUSE)
        patch: Obj = {}
        if changed != pod_spec:
            patch = _nest(path, {f: changed[f] for f in ("initContainers", "containers")
                                 if f in changed})
        if cause and cause != ((obj["metadata"].get("annotations")) or {}).get(CHANGE_CAUSE):
            patch.setdefault("metadata", {})["annotations"] = {CHANGE_CAUSE: cause}
        if not patch:
            continue  # nothing changes: kubectl prints nothing either
        meta = obj["metadata"]
        try:
            if mode != "client":
                ctx.client.patch(rt, meta.get("namespace"), meta["name"], patch, "merge",
                                 dry_run=mode == "server")
        except ApiError as err:
            ctx.err.write(api_error_line(err) + "\n")
            failures += 1
            continue
        line = names.name_of(rt.kind_group, obj)
        ctx.out.write(line + "\n" if parsed["output"] == "name" else
                      f"{line} image updated{suffix(mode)}\n")
    if failures:
        raise Silent(1)
    return 0


def _dig(obj: Obj, path: tuple[str, ...]) -> Obj | None:
    node: Any = obj
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else None


def _nest(path: tuple[str, ...], leaf: Obj) -> Obj:
    result: Obj = leaf
    for part in reversed(path):
        result = {part: result}
    return result


IMAGE = Command(
    "image", "Update image of a pod template",
    [OUTPUT, DRY_RUN, SELECTOR, ALL, FILENAME, RECURSIVE, RECORD],
    run, usage="kubectl set image (-f FILENAME | TYPE NAME) CONTAINER_NAME_1=CONTAINER_IMAGE_1 "
               "... CONTAINER_NAME_N=CONTAINER_IMAGE_N [options]")

COMMAND = Command("set", "Set specific features on objects", [], None, {"image": IMAGE})
