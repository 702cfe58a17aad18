"""`kubectl run -i [-t] [--rm]`: after creating the pod, wait for it to run, attach, wait for
its exit code, and with --rm delete it (kubectl v1.20's handleAttachPod and what follows).

Design note. A short command (`-- dig SRV ...`) may be over before the attach: kubectl then
prints the pod's log instead. Here the kubelet reports an exit within its relist period, so a
pod that still reads Running when the attach finds no running container is given that
period to report the exit; only a pod that still runs then gets kubectl's
`warning: couldn't attach ... falling back to streaming logs`.
"""

from __future__ import annotations

import time

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import resolve
from kubia_tutor.shell.command import Context
from kubia_tutor.shell.commands import streaming
from kubia_tutor.shell.commands.attach import attach_session
from kubia_tutor.shell.errors import CommandError, Silent, UsageError, format_api_error

Obj = streaming.Obj
PODS = resolve("pods")
# How long a pod may still read Running after its container ended (the kubelet's relist).
EXIT_REPORT_SECONDS = 3.0


def attach_and_wait(ctx: Context, pod: Obj, *, stdin: bool, tty: bool, quiet: bool,
                    timeout: str, leave_stdin_open: bool) -> int:
    """Attach to the new pod (or print its log when it already ended), then wait for its
    exit code as its restart policy says."""
    try:
        seconds = streaming.parse_duration(timeout, "--pod-running-timeout")
    except CommandError as err:
        raise UsageError(err.message) from None
    name = pod["metadata"]["name"]
    container = streaming.container_names(pod)[0]
    current = streaming.wait_running(ctx, name, seconds)
    if _completed(current):
        _print_logs(ctx, name, container)
    else:
        try:
            attach_session(ctx, current, container, stdin=stdin, tty=tty, quiet=quiet,
                           command_name="kubectl attach")
        except (ApiError, CommandError) as err:
            ended = _wait_completed(ctx, name, EXIT_REPORT_SECONDS)
            if ended is None:
                reason = format_api_error(err.reason, err.message) if isinstance(
                    err, ApiError) else err.message
                ctx.err.write(f"warning: couldn't attach to pod/{name}, falling back to "
                              f"streaming logs: {reason}\n")
            _print_logs(ctx, name, container)
    policy = (pod.get("spec") or {}).get("restartPolicy") or "Always"
    if leave_stdin_open or policy not in ("Never", "OnFailure"):
        return 0
    final = _wait_completed(ctx, name, seconds, succeeded_only=policy == "OnFailure")
    if final is None:
        raise CommandError("timed out waiting for the condition")
    return _exit_code(ctx, final)


def _completed(pod: Obj) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


def _wait_completed(ctx: Context, name: str, seconds: float, succeeded_only: bool = False
                    ) -> Obj | None:
    deadline = time.monotonic() + seconds
    while True:
        pod = ctx.client.get(PODS, ctx.namespace, name)
        phase = (pod.get("status") or {}).get("phase")
        if phase == "Succeeded" or (phase == "Failed" and not succeeded_only):
            return pod
        if time.monotonic() > deadline:
            return None
        time.sleep(0.1)


def _print_logs(ctx: Context, name: str, container: str) -> None:
    ctx.out.write(ctx.client.pod_logs(ctx.namespace, name, container=container))
    ctx.out.flush()


def _exit_code(ctx: Context, pod: Obj) -> int:
    """kubectl run's exit: 0 when the pod succeeded, else its container's exit code with
    `pod NS/NAME terminated (REASON)` and the termination message."""
    status = pod.get("status") or {}
    if status.get("phase") == "Succeeded":
        return 0
    meta = pod["metadata"]
    statuses = status.get("containerStatuses") or []
    terminated = ((statuses[0].get("state") or {}).get("terminated") or {}) if statuses else {}
    code = int(terminated.get("exitCode") or 0)
    if not terminated or code == 0:
        raise CommandError(f"pod {meta['namespace']}/{meta['name']} failed with unknown exit "
                           "code")
    ctx.err.write(f"pod {meta['namespace']}/{meta['name']} terminated "
                  f"({terminated.get('reason', '')})\n{terminated.get('message', '')}")
    if terminated.get("message"):
        ctx.err.write("\n")
    raise Silent(code)


def remove(ctx: Context, pod: Obj, service: Obj | None) -> None:
    """--rm: delete what run created, printing kubectl delete's lines."""
    targets = [(PODS, pod)] + ([(resolve("services"), service)] if service else [])
    for rt, obj in targets:
        name = obj["metadata"]["name"]
        try:
            ctx.client.delete(rt, ctx.namespace, name)
        except ApiError as err:
            ctx.err.write(format_api_error(err.reason, err.message) + "\n")
            continue
        ctx.out.write(f'{rt.singular} "{name}" deleted\n')
        ctx.out.flush()
