"""`kubectl scale (TYPE NAME | -f FILE | TYPE -l SEL | TYPE --all) --replicas=N`.

Deployments, ReplicaSets, ReplicationControllers and StatefulSets get spec.replicas; a Job gets
spec.parallelism through kubectl 1.20's legacy path, with its deprecation notice.
"""

from __future__ import annotations

from typing import Any

from kubia_tutor.api.errors import ApiError
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
)
from kubia_tutor.shell.commands.named_objects import named_objects
from kubia_tutor.shell.errors import CommandError, Silent
from kubia_tutor.shell.flags import Flag, Parsed
from kubia_tutor.shell.printers import names

Obj = dict[str, Any]
SCALABLE = frozenset({"Deployment", "ReplicaSet", "ReplicationController", "StatefulSet"})
JOB_DEPRECATED = "kubectl scale job is DEPRECATED and will be removed in a future version.\n"


def run(ctx: Context, parsed: Parsed) -> int:
    """Set the size, checking --current-replicas and --resource-version when given."""
    replicas = parsed["replicas"]
    if replicas < 0:
        raise CommandError("The --replicas=COUNT flag is required, and COUNT must be greater "
                           "than or equal to 0", usage=True)
    mode = dry_run_mode(ctx, parsed)
    objs = named_objects(ctx, parsed, parsed.args, missing="You must provide one or more "
                         "resources by argument or filename.")
    for rt, _obj in objs:
        if rt.kind not in SCALABLE and rt.kind != "Job":
            raise CommandError(f'no scaler has been implemented for {{"{rt.group}" '
                               f'"{rt.kind}"}}')
    failures = 0
    for rt, obj in objs:
        field = "parallelism" if rt.kind == "Job" else "replicas"
        if rt.kind == "Job":
            ctx.err.write(JOB_DEPRECATED)
        current = int((obj.get("spec") or {}).get(field, 1))
        if parsed["current-replicas"] >= 0 and parsed["current-replicas"] != current:
            ctx.err.write(f"error: Expected {field} to be {parsed['current-replicas']}, was "
                          f"{current}\n")
            failures += 1
            continue
        patch: Obj = {"spec": {field: replicas}}
        if parsed["resource-version"]:
            patch["metadata"] = {"resourceVersion": parsed["resource-version"]}
        recorded: Obj = {"metadata": {"annotations": {}}}
        record_cause(recorded, parsed, ctx.argv)
        if recorded["metadata"]["annotations"].get(CHANGE_CAUSE):
            patch.setdefault("metadata", {})["annotations"] = recorded["metadata"]["annotations"]
        try:
            if mode != "client":
                ctx.client.patch(rt, obj["metadata"].get("namespace"), obj["metadata"]["name"],
                                 patch, "merge", dry_run=mode == "server")
        except ApiError as err:
            ctx.err.write(api_error_line(err) + "\n")
            failures += 1
            continue
        name = names.name_of(rt.kind_group, obj)
        # kubectl 1.20 prints no dry-run note for scale
        ctx.out.write(name + "\n" if parsed["output"] == "name" else f"{name} scaled\n")
    if failures:
        raise Silent(1)
    return 0


COMMAND = Command(
    "scale", "Set a new size for a Deployment, ReplicaSet or Replication Controller",
    [OUTPUT, DRY_RUN, SELECTOR, ALL, Flag("replicas", kind="int", default=-1),
     Flag("current-replicas", kind="int", default=-1), Flag("resource-version", default=""),
     Flag("timeout", default="0s"), RECORD, FILENAME, RECURSIVE],
    run)
