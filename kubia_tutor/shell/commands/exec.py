"""`kubectl exec (POD | TYPE/NAME) [-c CONTAINER] [-i] [-t] -- COMMAND [args...]`.

Without -i the command runs through `pods/<name>/exec` and its output comes back whole; with
-i (and -t on a terminal) it streams over kubia-stream/1: stdin passes through, with -t the
terminal goes raw and its size follows, and the exit code is the command's.
"""

from __future__ import annotations

from kubia_tutor.shell.command import Command, Context
from kubia_tutor.shell.commands import streaming
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
    pod, _ = streaming.pod_for(ctx, head[0])
    pod_name = pod["metadata"]["name"]
    phase = (pod.get("status") or {}).get("phase")
    if phase in ("Succeeded", "Failed"):
        raise CommandError(f"cannot exec into a container in a completed pod; current phase "
                           f"is {phase}")
    container = streaming.default_container(ctx, pod, parsed["container"] or "")
    if parsed["stdin"]:
        return _interactive(ctx, pod_name, container, command, bool(parsed["tty"]),
                            quiet=bool(parsed["quiet"]))
    # -t without -i: kubectl quietly drops the TTY (there is no input to give it)
    result = ctx.client.pod_exec(ctx.namespace, pod_name, command, container=container)
    ctx.out.write(str(result.get("stdout", "")))
    ctx.out.flush()
    ctx.err.write(str(result.get("stderr", "")))
    code = int(result.get("exitCode", 0))
    if code:
        ctx.err.write(f"command terminated with exit code {code}\n")
        raise Silent(code)
    return 0


def _interactive(ctx: Context, pod_name: str, container: str, command: list[str], tty: bool,
                 quiet: bool) -> int:
    if tty and not streaming.is_terminal(ctx):
        tty = False
        if not quiet:
            ctx.err.write(streaming.NO_TTY)
    frames = streaming.open_frames(ctx, pod_name, "exec", {
        "container": container, "command": command, "stdin": True, "stdout": True,
        "stderr": not tty, "tty": tty})
    outcome = streaming.relay(ctx, frames, stdin=True, tty=tty)
    return streaming.finish(ctx, outcome)


COMMAND = Command(
    "exec", "Execute a command in a container",
    [Flag("container", "c", default=""), Flag("stdin", "i", "bool", False),
     Flag("tty", "t", "bool", False), Flag("quiet", "q", "bool", False),
     Flag("filename", "f", "list"), Flag("pod-running-timeout", default="1m0s")],
    run)
