"""`kubectl expose TYPE NAME`: a service for a pod, RC, ReplicaSet, Deployment or service."""

from __future__ import annotations

from kubia_tutor.api.kinds import resolve
from kubia_tutor.shell import generators
from kubia_tutor.shell.command import DRY_RUN, FIELD_MANAGER, PRINT_FLAGS, Command, Context
from kubia_tutor.shell.commands.common import dry_run_mode, output_format, report
from kubia_tutor.shell.errors import CommandError
from kubia_tutor.shell.flags import Flag, Parsed
from kubia_tutor.shell.resources import parse_targets


def run(ctx: Context, parsed: Parsed) -> int:
    """Build the service from the object and create it."""
    from kubia_tutor.shell.commands.create import create_object

    targets = parse_targets(parsed.args)
    pairs = [(t.rt, n) for t in targets for n in t.names]
    if not pairs:
        raise CommandError("You must provide one or more resources by argument or filename.\n"
                           "Example resource specifications include:\n   '-f rsrc.yaml'\n"
                           "   '--filename=rsrc.json'\n   '<resource> <name>'\n"
                           "   '<resource>'", usage=True)
    mode = dry_run_mode(ctx, parsed)
    fmt = output_format(ctx, parsed)
    services = resolve("services")
    for rt, name in pairs:
        obj = ctx.client.get(rt, ctx.namespace if rt.namespaced else None, name)
        try:
            svc = generators.expose(
                obj, rt.kind, name=parsed["name"] or "", port=parsed["port"] or "",
                target_port=parsed["target-port"] or "",
                container_port=parsed["container-port"] or "",
                protocol=parsed["protocol"] or "", type=parsed["type"] or "",
                selector=parsed["selector"] or "", labels=parsed["labels"] or "",
                external_ip=parsed["external-ip"] or "",
                load_balancer_ip=parsed["load-balancer-ip"] or "",
                session_affinity=parsed["session-affinity"] or "",
                cluster_ip=parsed["cluster-ip"] or "")
        except generators.GeneratorError as err:
            raise CommandError(err.message, usage=err.usage_hint) from None
        created = create_object(ctx, services, svc, mode)
        report(ctx, fmt, services, created, "exposed", mode)
    return 0


COMMAND = Command(
    "expose", "Take a replication controller, service, deployment or pod and expose it as a "
    "new Kubernetes Service",
    [*PRINT_FLAGS, DRY_RUN, FIELD_MANAGER, Flag("port", default=""),
     Flag("target-port", default=""), Flag("container-port", default=""),
     Flag("name", default=""), Flag("type", default=""), Flag("protocol", default=""),
     Flag("selector", default=""), Flag("labels", "l", default=""),
     Flag("external-ip", default=""), Flag("load-balancer-ip", default=""),
     Flag("session-affinity", default=""), Flag("cluster-ip", default=""),
     Flag("filename", "f", "list"), Flag("save-config", kind="bool", default=False),
     Flag("record", kind="bool", default=False)],
    run)
