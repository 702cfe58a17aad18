"""`kubectl run NAME --image=IMAGE`: create a pod (and with --expose, a service for it)."""

from __future__ import annotations

from kubia_tutor.api.kinds import resolve
from kubia_tutor.shell import generators
from kubia_tutor.shell.command import DRY_RUN, FIELD_MANAGER, PRINT_FLAGS, Command, Context
from kubia_tutor.shell.commands.common import dry_run_mode, output_format, report
from kubia_tutor.shell.errors import CommandError, UsageError
from kubia_tutor.shell.flags import Flag, Parsed

_GENERATOR_WARNING = ("Flag --generator has been deprecated, has no effect and will be removed "
                      "in the future.\n")


def run(ctx: Context, parsed: Parsed) -> int:
    """Create the pod `kubectl run` describes."""
    from kubia_tutor.shell.commands.create import create_object

    if parsed.changed("generator"):
        ctx.err.write(_GENERATOR_WARNING)
    names = parsed.args[:parsed.dash_index] if parsed.dash_index >= 0 else parsed.args
    if not names:
        raise CommandError("NAME is required for run", usage=True)
    mode = dry_run_mode(ctx, parsed)
    fmt = output_format(ctx, parsed)
    # --attach given wins; otherwise -i attaches (kubectl: `o.Attach = o.Interactive`)
    attached = bool(parsed["attach"]) if parsed.changed("attach") else bool(parsed["stdin"])
    try:
        pod = generators.run_pod(
            names[0], parsed["image"] if parsed.changed("image") else None,
            port=parsed["port"] or "", hostport=parsed["hostport"],
            labels=parsed["labels"] or "", env=parsed["env"], restart=parsed["restart"] or "",
            command=bool(parsed["command"]), args=parsed.after_dash,
            image_pull_policy=parsed["image-pull-policy"] or "",
            requests=parsed["requests"] or "", limits=parsed["limits"] or "",
            serviceaccount=parsed["serviceaccount"] or "", annotations=parsed["annotations"],
            privileged=bool(parsed["privileged"]), stdin=bool(parsed["stdin"]),
            tty=bool(parsed["tty"]), rm=bool(parsed["rm"]), expose=bool(parsed["expose"]),
            attach=bool(parsed["attach"]) if parsed.changed("attach") else None,
            leave_stdin_open=bool(parsed["leave-stdin-open"]),
            dry_run=mode != "none")
        service = generators.run_service(names[0], parsed["port"] or "",
                                         parsed["labels"] or "") if parsed["expose"] else None
    except generators.GeneratorError as err:
        if err.cobra:
            raise UsageError(err.message, hint=False) from None
        raise CommandError(err.message, usage=err.usage_hint) from None
    if service is not None:
        created = create_object(ctx, resolve("services"), service, mode)
        report(ctx, fmt, resolve("services"), created, "created", mode)
    created = create_object(ctx, resolve("pods"), pod, mode)
    if not attached:
        report(ctx, fmt, resolve("pods"), created, "created", mode)
        return 0
    # Attached, kubectl prints no `pod/x created`: the session is the output. With --rm the
    # pod (and the service) go once it ends, however it ends, before any error is printed.
    from kubia_tutor.shell.commands import run_attached

    try:
        return run_attached.attach_and_wait(
            ctx, created, stdin=bool(parsed["stdin"]), tty=bool(parsed["tty"]),
            quiet=bool(parsed["quiet"]), timeout=parsed["pod-running-timeout"],
            leave_stdin_open=bool(parsed["leave-stdin-open"]))
    finally:
        if parsed["rm"]:
            run_attached.remove(ctx, created, service)


COMMAND = Command(
    "run", "Run a particular image on the cluster",
    [*PRINT_FLAGS, DRY_RUN, FIELD_MANAGER, Flag("image", default=""),
     Flag("port", default=""), Flag("hostport", kind="int", default=-1),
     Flag("labels", "l", default=""), Flag("env", kind="list", split_commas=False),
     Flag("restart", default=""), Flag("command", kind="bool", default=False),
     Flag("image-pull-policy", default=""), Flag("requests", default=""),
     Flag("limits", default=""), Flag("serviceaccount", default=""),
     Flag("annotations", kind="list", split_commas=False),
     Flag("privileged", kind="bool", default=False), Flag("stdin", "i", "bool", False),
     Flag("tty", "t", "bool", False), Flag("attach", kind="bool", default=False),
     Flag("rm", kind="bool", default=False), Flag("expose", kind="bool", default=False),
     Flag("generator", default=""), Flag("quiet", "q", "bool", False),
     Flag("leave-stdin-open", kind="bool", default=False), Flag("overrides", default=""),
     Flag("pod-running-timeout", default="1m0s"), Flag("wait", kind="bool", default=False),
     Flag("timeout", default="0s"), Flag("save-config", kind="bool", default=False),
     Flag("cascade", default="background"), Flag("grace-period", kind="int", default=-1),
     Flag("force", kind="bool", default=False), Flag("filename", "f", "list"),
     Flag("kustomize", "k", default=""), Flag("recursive", "R", "bool", False)],
    run, usage="kubectl run NAME --image=image [--env=\"key=value\"] [--port=port] "
               "[--dry-run=server|client] [--overrides=inline-json] [--command] -- [COMMAND] "
               "[args...] [options]")
