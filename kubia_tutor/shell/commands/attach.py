"""`kubectl attach (POD | TYPE/NAME) [-c CONTAINER] [-i] [-t]`: connect to the main process
of a running container (kubectl v1.20's messages and TTY rules)."""

from __future__ import annotations

from kubia_tutor.shell.command import Command, Context
from kubia_tutor.shell.commands import streaming
from kubia_tutor.shell.errors import CommandError, UsageError
from kubia_tutor.shell.flags import Flag, Parsed

Obj = streaming.Obj
PROMPT_HINT = "If you don't see a command prompt, try pressing enter.\n"


def attach_session(ctx: Context, pod: Obj, container: str, *, stdin: bool, tty: bool,
                   quiet: bool, command_name: str = "kubectl attach") -> int:
    """Attach to `container` of a running pod and relay until its output ends (AttachOptions.Run
    from `if o.TTY` on)."""
    spec = streaming.container_spec(pod, container)
    if tty and not spec.get("tty"):
        tty = False
        ctx.err.write(f"Unable to use a TTY - container {container} did not allocate one\n")
    elif not tty and spec.get("tty"):
        tty = True  # the container has a TTY: its output only makes sense as one
    if not stdin:
        tty = False  # kubectl's SetupTTY: no input, no terminal
    elif tty and not streaming.is_terminal(ctx):
        tty = False
        ctx.err.write(streaming.NO_TTY)
    if not quiet:
        ctx.err.write(PROMPT_HINT)
        ctx.err.flush()
    frames = streaming.open_frames(ctx, pod["metadata"]["name"], "attach", {
        "container": container, "stdin": stdin, "stdout": True, "stderr": not tty,
        "tty": tty})
    outcome = streaming.relay(ctx, frames, stdin=stdin, tty=tty)
    if outcome.status == "Failure" and outcome.message:
        raise CommandError(outcome.message)
    if stdin and tty and (pod.get("spec") or {}).get("restartPolicy", "Always") == "Always":
        ctx.out.write(f"Session ended, resume using '{command_name} {pod['metadata']['name']} "
                      f"-c {container} -i -t' command when the pod is running\n")
    return 0


def run(ctx: Context, parsed: Parsed) -> int:
    """Attach to a running container, as kubectl attach does."""
    if not parsed.args:
        raise CommandError("at least 1 argument is required for attach")
    if len(parsed.args) > 2:
        raise CommandError(f"expected POD, TYPE/NAME, or TYPE NAME, (at most 2 arguments) saw "
                           f"{len(parsed.args)}: [{' '.join(parsed.args)}]")
    try:
        timeout = streaming.parse_duration(parsed["pod-running-timeout"],
                                           "--pod-running-timeout")
    except CommandError as err:
        raise UsageError(err.message) from None
    if timeout <= 0:
        raise CommandError("--pod-running-timeout must be higher than zero")
    ref = "/".join(parsed.args) if len(parsed.args) == 2 else parsed.args[0]
    pod, _ = streaming.pod_for(ctx, ref)
    phase = (pod.get("status") or {}).get("phase")
    if phase in ("Succeeded", "Failed"):
        raise CommandError(f"cannot attach a container in a completed pod; current phase is "
                           f"{phase}")
    container = parsed["container"] or ""
    if container:
        if not streaming.container_spec(pod, container):
            raise CommandError(f"cannot attach to the container: container not found "
                               f"({container})")
    else:
        names = streaming.container_names(pod)
        container = names[0] if names else ""
        ctx.err.write(f"Defaulting container name to {container}.\nUse 'kubectl describe "
                      f"pod/{pod['metadata']['name']} -n {ctx.namespace}' to see all of the "
                      "containers in this pod.\n")
    return attach_session(ctx, pod, container, stdin=bool(parsed["stdin"]),
                          tty=bool(parsed["tty"]), quiet=bool(parsed["quiet"]))


COMMAND = Command(
    "attach", "Attach to a running container",
    [Flag("container", "c", default=""), Flag("stdin", "i", "bool", False),
     Flag("tty", "t", "bool", False), Flag("quiet", "q", "bool", False),
     Flag("pod-running-timeout", default="1m0s")],
    run, usage="kubectl attach (POD | TYPE/NAME) -c CONTAINER [options]")
