"""`kubectl exec POD [-c CONTAINER] -- COMMAND [args...]`: run a command in a container."""

from __future__ import annotations

from kubia_tutor.api.kinds import resolve
from kubia_tutor.shell.command import Command, Context
from kubia_tutor.shell.errors import CommandError, Silent
from kubia_tutor.shell.flags import Flag, Parsed

_NO_DASH = ("kubectl exec [POD] [COMMAND] is DEPRECATED and will be removed in a future "
            "version. Use kubectl exec [POD] -- [COMMAND] instead.\n")


def run(ctx: Context, parsed: Parsed) -> int:
    """Run the command and pass on its output and exit code, as kubectl does."""
    if parsed.dash_index >= 0:
        head, command = parsed.args[:parsed.dash_index], parsed.after_dash
    else:
        head, command = parsed.args[:1], parsed.args[1:]
        if command:
            ctx.err.write(_NO_DASH)
    if not head:
        raise CommandError("expected 'exec POD_NAME COMMAND [ARG1] [ARG2] ... [ARGN]'.\n"
                           "POD_NAME and COMMAND are required arguments for the exec command",
                           usage=True)
    if not command:
        raise CommandError("you must specify at least one command for the container")
    if parsed["stdin"] or parsed["tty"]:
        raise CommandError("interactive exec (-i, -t) is not supported by kubia-tutor yet; "
                           "run the command without -it")
    kind, sep, name = head[0].partition("/")
    if sep and kind not in ("pod", "pods", "po"):
        raise CommandError(f"cannot exec into {kind}/{name} yet: name a pod")
    pod_name = name if sep else head[0]
    container = parsed["container"] or ""
    if not container:
        pod = ctx.client.get(resolve("pods"), ctx.namespace, pod_name)
        names = [str(c.get("name")) for c in (pod.get("spec") or {}).get("containers") or []]
        if len(names) > 1:
            ctx.err.write(f"Defaulting container name to {names[0]}.\nUse 'kubectl describe "
                          f"pod/{pod_name} -n {ctx.namespace}' to see all of the containers "
                          "in this pod.\n")
        container = names[0] if names else ""
    result = ctx.client.pod_exec(ctx.namespace, pod_name, command, container=container)
    ctx.out.write(str(result.get("stdout", "")))
    ctx.out.flush()
    ctx.err.write(str(result.get("stderr", "")))
    code = int(result.get("exitCode", 0))
    if code:
        ctx.err.write(f"command terminated with exit code {code}\n")
        raise Silent(code)
    return 0


COMMAND = Command(
    "exec", "Execute a command in a container",
    [Flag("container", "c", default=""), Flag("stdin", "i", "bool", False),
     Flag("tty", "t", "bool", False), Flag("quiet", "q", "bool", False),
     Flag("filename", "f", "list"), Flag("pod-running-timeout", default="1m0s")],
    run)
