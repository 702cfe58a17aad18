"""`kubectl autoscale (TYPE NAME | TYPE/NAME | -f FILE) --max=N [--min=N] [--cpu-percent=N]`:
an autoscaling/v1 HorizontalPodAutoscaler for a Deployment, ReplicaSet, StatefulSet or
ReplicationController, named after it (kubectl 1.20's `horizontalpodautoscaler/v1` generator).
"""

from __future__ import annotations

from typing import Any

from kubia_tutor.api.conversion import convert
from kubia_tutor.api.kinds import ResourceType, resolve
from kubia_tutor.shell.command import (
    DRY_RUN,
    FIELD_MANAGER,
    FILENAME,
    PRINT_FLAGS,
    RECORD,
    Command,
    Context,
)
from kubia_tutor.shell.commands.common import (
    annotate_last_applied,
    dry_run_mode,
    manifest_refs,
    output_format,
    record_cause,
    report,
)
from kubia_tutor.shell.errors import CommandError, UsageError
from kubia_tutor.shell.flags import Flag, Parsed
from kubia_tutor.shell.resources import parse_targets

Obj = dict[str, Any]
HPAS = resolve("horizontalpodautoscalers")
NO_RESOURCES = ("You must provide one or more resources by argument or filename.\n"
                "Example resource specifications include:\n   '-f rsrc.yaml'\n"
                "   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'")


def run(ctx: Context, parsed: Parsed) -> int:
    """Validate the bounds, then create one HPA per named object."""
    if not parsed.changed("max"):  # cobra checks required flags before anything else
        raise UsageError('required flag(s) "max" not set', hint=False)
    maximum, minimum = parsed["max"], parsed["min"]
    if maximum < 1:
        raise CommandError(f"--max=MAXPODS is required and must be at least 1, max: {maximum}")
    if maximum < minimum:
        raise CommandError(f"--max=MAXPODS must be larger or equal to --min=MINPODS, max: "
                           f"{maximum}, min: {minimum}")
    mode = dry_run_mode(ctx, parsed)
    fmt = output_format(ctx, parsed)
    count = 0
    for rt, ns, name in _targets(ctx, parsed):
        target = ctx.client.get(rt, ns, name)  # NotFound is printed as the server says it
        if "scale" not in rt.subresources:
            raise CommandError(f"cannot autoscale a {rt.kind}: could not find scale "
                               f"subresource for {rt.group}/{rt.version}, Resource={rt.plural} "
                               "in discovery information")
        hpa = _hpa(parsed, rt, target["metadata"]["name"], minimum, maximum)
        record_cause(hpa, parsed, ctx.argv)
        count += 1
        if mode == "client":
            report(ctx, fmt, HPAS, hpa, "created", mode)
            continue
        if parsed["save-config"]:
            annotate_last_applied(hpa)
        stored, _ = convert(hpa)  # autoscaling/v1 is stored as autoscaling/v2
        created = ctx.client.create(HPAS, ns, stored, dry_run=mode == "server")
        report(ctx, fmt, HPAS, created, "autoscaled", mode)
    if count == 0:
        raise CommandError("no objects passed to autoscale")
    return 0


def _targets(ctx: Context, parsed: Parsed) -> list[tuple[ResourceType, str | None, str]]:
    """(type, namespace, name) of every object the arguments or -f files name."""
    if parsed["filename"]:
        if parsed.args:
            raise CommandError("Unexpected args: " + str(parsed.args), usage=True)
        return [(rt, ns, str(meta.get("name") or "")) for rt, ns, meta in
                manifest_refs(ctx, parsed)]
    targets = parse_targets(parsed.args)
    if not targets:
        raise CommandError(NO_RESOURCES, usage=True)
    found: list[tuple[ResourceType, str | None, str]] = []
    for target in targets:
        if not target.names:
            raise CommandError("resource(s) were provided, but no name, label selector, or "
                               "--all flag specified")
        ns = ctx.namespace if target.rt.namespaced else None
        found.extend((target.rt, ns, name) for name in target.names)
    return found


def _hpa(parsed: Parsed, rt: ResourceType, target: str, minimum: int, maximum: int) -> Obj:
    """The object kubectl 1.20 sends: --min only when positive, the CPU target only when
    --cpu-percent is not negative (the server's default, 80%, applies otherwise)."""
    spec: Obj = {"scaleTargetRef": {"kind": rt.kind, "name": target,
                                    "apiVersion": rt.api_version}}
    if minimum > 0:
        spec["minReplicas"] = minimum
    spec["maxReplicas"] = maximum
    if parsed["cpu-percent"] >= 0:
        spec["targetCPUUtilizationPercentage"] = parsed["cpu-percent"]
    return {"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": parsed["name"] or target}, "spec": spec}


COMMAND = Command(
    "autoscale", "Auto-scale a Deployment, ReplicaSet, StatefulSet, or ReplicationController",
    [*PRINT_FLAGS, DRY_RUN, FIELD_MANAGER, FILENAME, RECORD,
     Flag("max", kind="int", default=-1), Flag("min", kind="int", default=-1),
     Flag("cpu-percent", kind="int", default=-1), Flag("name", default=""),
     Flag("generator", default="horizontalpodautoscaler/v1"),
     Flag("save-config", kind="bool", default=False),
     Flag("recursive", "R", "bool", False), Flag("kustomize", "k", default="")],
    run, usage="kubectl autoscale (-f FILENAME | TYPE NAME | TYPE/NAME) [--min=MINPODS] "
               "--max=MAXPODS [--cpu-percent=CPU] [options]")
