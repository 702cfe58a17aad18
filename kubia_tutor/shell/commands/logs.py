"""`kubectl logs POD [-c CONTAINER] [-p] [--tail N] [--timestamps] [-l selector]`."""

from __future__ import annotations

from kubia_tutor.api.kinds import resolve
from kubia_tutor.shell.command import SELECTOR, Command, Context
from kubia_tutor.shell.errors import CommandError
from kubia_tutor.shell.flags import Flag, Parsed


def default_container(ctx: Context, pod_name: str) -> str:
    """The only container of a pod; kubectl 1.20 refuses to guess between several."""
    pod = ctx.client.get(resolve("pods"), ctx.namespace, pod_name)
    names = [str(c.get("name")) for c in (pod.get("spec") or {}).get("containers") or []]
    if len(names) != 1:
        raise CommandError(f"a container name must be specified for pod {pod_name}, choose one "
                           f"of: [{' '.join(names)}]")
    return names[0]


def run(ctx: Context, parsed: Parsed) -> int:
    """Print a container's log, as the node keeps it."""
    if parsed["follow"]:
        raise CommandError("logs -f needs the Podman runtime, which this cluster does not use "
                           "yet")
    tail = parsed["tail"] if parsed["tail"] >= 0 else None
    if parsed["selector"]:
        if parsed.args:
            raise CommandError("only a selector (-l) or a POD name is allowed", usage=True)
        listing = ctx.client.list(resolve("pods"), ctx.namespace,
                                  label_selector=parsed["selector"])
        names = [p["metadata"]["name"] for p in listing.get("items") or []]
        tail = 10 if tail is None else tail  # kubectl's default with a selector
    else:
        if not parsed.args:
            raise CommandError("expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\n"
                               "POD or TYPE/NAME is a required argument for the logs command",
                               usage=True)
        if len(parsed.args) > 2:
            raise CommandError("expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\n"
                               "POD or TYPE/NAME is a required argument for the logs command",
                               usage=True)
        target = parsed.args[0]
        kind, sep, name = target.partition("/")
        if sep and kind not in ("pod", "pods", "po"):
            raise CommandError(f"cannot get the logs of {kind}/{name} yet: name a pod")
        names = [name if sep else target]
        container = parsed.args[1] if len(parsed.args) == 2 else parsed["container"]
        if not container:
            container = default_container(ctx, names[0])
        text = ctx.client.pod_logs(ctx.namespace, names[0], container=container or "",
                                   previous=bool(parsed["previous"]), tail=tail,
                                   timestamps=bool(parsed["timestamps"]))
        ctx.out.write(text)
        return 0
    for name in names:
        ctx.out.write(ctx.client.pod_logs(ctx.namespace, name,
                                          container=parsed["container"] or "",
                                          previous=bool(parsed["previous"]), tail=tail,
                                          timestamps=bool(parsed["timestamps"])))
    return 0


COMMAND = Command(
    "logs", "Print the logs for a container in a pod",
    [Flag("container", "c", default=""), Flag("previous", "p", "bool", False),
     Flag("follow", "f", "bool", False), Flag("tail", kind="int", default=-1),
     Flag("timestamps", kind="bool", default=False), SELECTOR,
     Flag("all-containers", kind="bool", default=False), Flag("since", default=""),
     Flag("since-time", default=""), Flag("limit-bytes", kind="int", default=0),
     Flag("prefix", kind="bool", default=False),
     Flag("pod-running-timeout", default="20s")],
    run)
