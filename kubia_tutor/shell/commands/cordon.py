"""`kubectl cordon`, `uncordon` and `drain`: take a node out of scheduling and empty it.

Cordon sets the node's spec.unschedulable (the scheduler then leaves it alone); drain cordons,
then refuses, as kubectl 1.20 does, when a pod would be lost for good (one no controller
recreates, without --force), a DaemonSet would just put back (without --ignore-daemonsets) or
an emptyDir would be wiped (without --delete-emptydir-data); otherwise it evicts every pod on
the node and waits for each to go. Eviction is a delete here: there are no disruption budgets
to honour in the tutor's cluster.
"""

from __future__ import annotations

import time
from typing import Any

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import resolve
from kubia_tutor.shell.command import DRY_RUN, SELECTOR, Command, Context
from kubia_tutor.shell.commands.common import api_error_line, dry_run_mode, suffix
from kubia_tutor.shell.errors import CommandError, Silent
from kubia_tutor.shell.flags import Flag, Parsed

Obj = dict[str, Any]
NODES = resolve("nodes")
PODS = resolve("pods")
CONTROLLERS = "ReplicationController, ReplicaSet, Job, DaemonSet or StatefulSet"
# k8s.io/kubectl/pkg/drain/filters.go (1.20): why a pod stops a drain, or is only warned of.
DAEMONSET_FATAL = "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)"
DAEMONSET_WARNING = "ignoring DaemonSet-managed Pods"
LOCAL_FATAL = "Pods with local storage (use --delete-emptydir-data to override)"
LOCAL_WARNING = "deleting Pods with local storage"
UNMANAGED_FATAL = f"Pods not managed by {CONTROLLERS} (use --force to override)"
UNMANAGED_WARNING = f"deleting Pods not managed by {CONTROLLERS}"
DELETE_LOCAL_DEPRECATED = ("Flag --delete-local-data has been deprecated, This option is "
                           "deprecated and will be deleted. Use --delete-emptydir-data.")


def _nodes(ctx: Context, parsed: Parsed, verb: str) -> list[Obj]:
    if parsed.args and parsed["selector"]:
        raise CommandError("cannot specify both a node name and a --selector option")
    if parsed["selector"]:
        return list(ctx.client.list(NODES, label_selector=parsed["selector"])["items"])
    if len(parsed.args) != 1:
        raise CommandError(f"USAGE: {verb} NODE [flags]", usage=True)
    return [ctx.client.get(NODES, None, parsed.args[0])]


def set_schedulable(ctx: Context, node: Obj, unschedulable: bool, mode: str) -> None:
    """Cordon (or uncordon) one node and print kubectl's line for it."""
    name = node["metadata"]["name"]
    verb = "cordoned" if unschedulable else "uncordoned"
    if bool((node.get("spec") or {}).get("unschedulable")) == unschedulable:
        ctx.out.write(f"node/{name} already {verb}\n")
        return
    if mode != "client":
        # false is the field's zero value, so uncordon removes it, as kubectl's patch does
        ctx.client.patch(NODES, None, name, {"spec": {"unschedulable": unschedulable or None}},
                         "merge", dry_run=mode == "server")
    ctx.out.write(f"node/{name} {verb}{suffix(mode)}\n")


def _run_cordon(ctx: Context, parsed: Parsed, unschedulable: bool) -> int:
    mode = dry_run_mode(ctx, parsed)
    for node in _nodes(ctx, parsed, "cordon" if unschedulable else "uncordon"):
        set_schedulable(ctx, node, unschedulable, mode)
    return 0


def run_cordon(ctx: Context, parsed: Parsed) -> int:
    """`kubectl cordon NODE`: mark the node unschedulable."""
    return _run_cordon(ctx, parsed, True)


def run_uncordon(ctx: Context, parsed: Parsed) -> int:
    """`kubectl uncordon NODE`: mark the node schedulable again."""
    return _run_cordon(ctx, parsed, False)


def _controller(pod: Obj) -> Obj | None:
    for ref in (pod.get("metadata") or {}).get("ownerReferences") or []:
        if isinstance(ref, dict) and ref.get("controller"):
            return ref
    return None


def _finished(pod: Obj) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


def _verdict(pod: Obj, parsed: Parsed) -> tuple[str, str]:
    """(action, message) for one pod, as drain's filters decide in order: `delete`, `skip`,
    `error` (the message says why); a warning message may come with delete or skip."""
    ref = _controller(pod)
    if ref is not None and ref.get("kind") == "DaemonSet":
        if not parsed["ignore-daemonsets"]:
            return "error", DAEMONSET_FATAL
        return "skip", DAEMONSET_WARNING
    warning = ""
    volumes = (pod.get("spec") or {}).get("volumes") or []
    if not _finished(pod) and any(isinstance(v, dict) and "emptyDir" in v for v in volumes):
        if not (parsed["delete-emptydir-data"] or parsed["delete-local-data"]):
            return "error", LOCAL_FATAL
        warning = LOCAL_WARNING
    if not _finished(pod) and ref is None:
        if not parsed["force"]:
            return "error", UNMANAGED_FATAL
        warning = UNMANAGED_WARNING
    return "delete", warning


def _grouped(items: list[tuple[str, Obj]]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for message, pod in items:
        meta = pod["metadata"]
        groups.setdefault(message, []).append(f"{meta.get('namespace')}/{meta['name']}")
    return groups


def run_drain(ctx: Context, parsed: Parsed) -> int:
    """`kubectl drain NODE`: cordon it, then evict its pods, or say what stops that."""
    if parsed["delete-local-data"]:
        ctx.err.write(DELETE_LOCAL_DEPRECATED + "\n")
    mode = dry_run_mode(ctx, parsed)
    nodes = _nodes(ctx, parsed, "drain")
    for node in nodes:
        set_schedulable(ctx, node, True, mode)
    for index, node in enumerate(nodes):
        name = node["metadata"]["name"]
        problem = _drain_one(ctx, parsed, name, mode)
        if problem:
            ctx.err.write(f'error: unable to drain node "{name}", aborting command...\n\n')
            ctx.err.write("There are pending nodes to be drained:\n")
            for pending in nodes[index:]:
                ctx.err.write(f" {pending['metadata']['name']}\n")
            prefix = "error: " if len(problem) == 1 else ""
            for line in problem:
                ctx.err.write(f"{prefix}{line}\n")
            raise Silent(1)
        ctx.out.write(f"node/{name} drained{suffix(mode)}\n")
    return 0


def _drain_one(ctx: Context, parsed: Parsed, node: str, mode: str) -> list[str]:
    """Evict the node's pods; the refusals (one line per reason) when some may not go."""
    pods = ctx.client.list(PODS, None, field_selector=f"spec.nodeName={node}")["items"]
    if parsed["pod-selector"]:
        from kubia_tutor.api.selectors import parse_label_selector

        wanted = parse_label_selector(parsed["pod-selector"])
        pods = [p for p in pods if wanted.matches(p["metadata"].get("labels") or {})]
    errors: list[tuple[str, Obj]] = []
    warnings: list[tuple[str, Obj]] = []
    doomed: list[Obj] = []
    for pod in pods:
        action, message = _verdict(pod, parsed)
        if action == "error":
            errors.append((message, pod))
            continue
        if message:
            warnings.append((message, pod))
        if action == "delete":
            doomed.append(pod)
    if errors:
        return [f"cannot delete {msg}: {', '.join(names)}"
                for msg, names in _grouped(errors).items()]
    if warnings:
        text = "; ".join(f"{msg}: {', '.join(names)}" for msg, names in _grouped(warnings).items())
        ctx.err.write(f"WARNING: {text}\n")
    _evict(ctx, parsed, doomed, mode)
    return []


def _evict(ctx: Context, parsed: Parsed, pods: list[Obj], mode: str) -> None:
    grace = parsed["grace-period"]
    for pod in pods:
        meta = pod["metadata"]
        ctx.out.write(f"evicting pod {meta.get('namespace')}/{meta['name']}{suffix(mode)}\n")
        if mode == "client":
            continue
        try:
            ctx.client.delete(PODS, meta.get("namespace"), meta["name"],
                              grace_period=grace if grace >= 0 else None,
                              dry_run=mode == "server")
        except ApiError as err:
            if err.code != 404:
                ctx.err.write(api_error_line(err) + "\n")
                raise Silent(1) from None
    ctx.out.flush()
    if mode != "none":
        return
    for pod in pods:
        _wait_gone(ctx, parsed, pod)
        ctx.out.write(f"pod/{pod['metadata']['name']} evicted\n")
        ctx.out.flush()


def _wait_gone(ctx: Context, parsed: Parsed, pod: Obj) -> None:
    """Wait until the pod (this very one: same uid) is gone, as kubectl's waitForDelete."""
    meta = pod["metadata"]
    limit = _seconds(parsed["timeout"])
    deadline = time.monotonic() + (limit if limit > 0 else 3600)
    while time.monotonic() < deadline:
        try:
            current = ctx.client.get(PODS, meta.get("namespace"), meta["name"])
        except ApiError as err:
            if err.code == 404:
                return
            raise
        if current["metadata"].get("uid") != meta.get("uid"):
            return
        time.sleep(0.05)
    raise CommandError(f"drain did not complete within {parsed['timeout']}")


def _seconds(text: str) -> float:
    from kubia_tutor.shell.commands.streaming import parse_duration

    return parse_duration(text, "--timeout")


_COMMON = [DRY_RUN, SELECTOR]
CORDON = Command("cordon", "Mark node as unschedulable", _COMMON, run_cordon,
                 usage="kubectl cordon NODE [options]")
UNCORDON = Command("uncordon", "Mark node as schedulable", _COMMON, run_uncordon,
                   usage="kubectl uncordon NODE [options]")
DRAIN = Command(
    "drain", "Drain node in preparation for maintenance",
    [*_COMMON, Flag("force", kind="bool", default=False),
     Flag("ignore-daemonsets", kind="bool", default=False),
     Flag("delete-emptydir-data", kind="bool", default=False),
     Flag("delete-local-data", kind="bool", default=False),
     Flag("grace-period", kind="int", default=-1), Flag("timeout", default="0s"),
     Flag("pod-selector", default=""), Flag("disable-eviction", kind="bool", default=False),
     Flag("skip-wait-for-delete-timeout", kind="int", default=0)],
    run_drain, usage="kubectl drain NODE [options]")
