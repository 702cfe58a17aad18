"""`kubectl rollout status`: kubectl 1.20's status viewers for deployments, daemon sets and
stateful sets, and the wait that follows the object until its rollout is done.

The viewers read status fields only (as kubectl's `polymorphichelpers` do), so they work for any
controller that fills the standard fields. The wait watches the one object and prints a line
when the message changes (kubectl prints one per watch event, repeats included; repeats tell a
learner nothing, so they are left out).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import ResourceType, resolve
from kubia_tutor.controllers.deployment_revisions import find_new, revision_of
from kubia_tutor.controllers.deployment_status import TIMED_OUT, condition
from kubia_tutor.controllers.pod_template import is_controlled_by
from kubia_tutor.shell.command import Context
from kubia_tutor.shell.errors import CommandError

Obj = dict[str, Any]
Viewer = Callable[[Context, Obj, int], tuple[str, bool]]


def _count(obj: Obj, part: str, field: str) -> int:
    return int((obj.get(part) or {}).get(field) or 0)


def _observed(obj: Obj) -> bool:
    return int(obj["metadata"].get("generation") or 0) <= _count(obj, "status",
                                                                 "observedGeneration")


def deployment_status(ctx: Context, d: Obj, revision: int) -> tuple[str, bool]:
    """(message, done) for a Deployment, or a CommandError when it cannot finish."""
    name = d["metadata"]["name"]
    if revision > 0:
        running = _running_revision(ctx, d)
        if running != revision:
            raise CommandError(f"desired revision ({revision}) is different from the running "
                               f"revision ({running})")
    if not _observed(d):
        return "Waiting for deployment spec update to be observed...", False
    cond = condition(d.get("status") or {}, "Progressing")
    if cond is not None and cond.get("reason") == TIMED_OUT:
        raise CommandError(f'deployment "{name}" exceeded its progress deadline')
    spec_replicas = (d.get("spec") or {}).get("replicas")
    updated = _count(d, "status", "updatedReplicas")
    total = _count(d, "status", "replicas")
    available = _count(d, "status", "availableReplicas")
    prefix = f'Waiting for deployment "{name}" rollout to finish: '
    if spec_replicas is not None and updated < int(spec_replicas):
        return f"{prefix}{updated} out of {spec_replicas} new replicas have been updated...", False
    if total > updated:
        return f"{prefix}{total - updated} old replicas are pending termination...", False
    if available < updated:
        return f"{prefix}{available} of {updated} updated replicas are available...", False
    return f'deployment "{name}" successfully rolled out', True


def _running_revision(ctx: Context, d: Obj) -> int:
    listing = ctx.client.list(resolve("replicasets"), d["metadata"].get("namespace"))
    owned = [rs for rs in listing.get("items") or [] if is_controlled_by(rs, d)]
    new = find_new(d, owned)
    return revision_of(new) if new is not None else 0


def daemonset_status(_ctx: Context, ds: Obj, _revision: int) -> tuple[str, bool]:
    name = ds["metadata"]["name"]
    strategy = ((ds.get("spec") or {}).get("updateStrategy") or {}).get("type",
                                                                        "RollingUpdate")
    if strategy != "RollingUpdate":
        raise CommandError("rollout status is only available for RollingUpdate strategy type")
    if not _observed(ds):
        return "Waiting for daemon set spec update to be observed...", False
    desired = _count(ds, "status", "desiredNumberScheduled")
    updated = _count(ds, "status", "updatedNumberScheduled")
    available = _count(ds, "status", "numberAvailable")
    prefix = f'Waiting for daemon set "{name}" rollout to finish: '
    if updated < desired:
        return f"{prefix}{updated} out of {desired} new pods have been updated...", False
    if available < desired:
        return f"{prefix}{available} of {desired} updated pods are available...", False
    return f'daemon set "{name}" successfully rolled out', True


def statefulset_status(_ctx: Context, sts: Obj, _revision: int) -> tuple[str, bool]:
    spec, status = sts.get("spec") or {}, sts.get("status") or {}
    strategy = spec.get("updateStrategy") or {}
    if strategy.get("type", "RollingUpdate") != "RollingUpdate":
        raise CommandError("rollout status is only available for RollingUpdate strategy type")
    if not status.get("observedGeneration") or not _observed(sts):
        return "Waiting for statefulset spec update to be observed...", False
    replicas = spec.get("replicas")
    ready = int(status.get("readyReplicas") or 0)
    updated = int(status.get("updatedReplicas") or 0)
    if replicas is not None and ready < int(replicas):
        return f"Waiting for {int(replicas) - ready} pods to be ready...", False
    rolling = strategy.get("rollingUpdate")
    if isinstance(rolling, dict):
        partition = rolling.get("partition")
        if replicas is not None and partition is not None and \
                updated < int(replicas) - int(partition):
            return (f"Waiting for partitioned roll out to finish: {updated} out of "
                    f"{int(replicas) - int(partition)} new pods have been updated..."), False
        return f"partitioned roll out complete: {updated} new pods have been updated...", True
    if status.get("updateRevision") != status.get("currentRevision"):
        return (f"waiting for statefulset rolling update to complete {updated} pods at "
                f"revision {status.get('updateRevision')}..."), False
    return (f"statefulset rolling update complete {int(status.get('currentReplicas') or 0)} "
            f"pods at revision {status.get('currentRevision')}..."), True


VIEWERS: dict[str, Viewer] = {"Deployment": deployment_status, "DaemonSet": daemonset_status,
                              "StatefulSet": statefulset_status}


def follow(ctx: Context, rt: ResourceType, obj: Obj, revision: int, watch: bool,
           timeout: float) -> int:
    """Print the status until the rollout is done (or once without `watch`); a CommandError
    on a timeout, a deleted object or a rollout that cannot finish."""
    viewer = VIEWERS[rt.kind]
    deadline = time.monotonic() + timeout if timeout > 0 else None
    last = ""
    while True:
        message, done = viewer(ctx, obj, revision)
        if message != last:
            ctx.out.write(message + "\n")
            ctx.out.flush()
            last = message
        if done or not watch:
            return 0
        obj = _next_version(ctx, rt, obj, deadline)


def _next_version(ctx: Context, rt: ResourceType, obj: Obj, deadline: float | None) -> Obj:
    """The object's next state, waiting for it through a watch."""
    meta = obj["metadata"]
    while True:
        wait = 5.0
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0:
                raise CommandError("timed out waiting for the condition")
        stream = ctx.client.watch(rt, meta.get("namespace"),
                                  resource_version=str(meta["resourceVersion"]),
                                  field_selector=f"metadata.name={meta['name']}",
                                  timeout=max(1.0, min(wait, 5.0)))
        try:
            for event in stream:
                kind = event.get("type")
                if kind == "DELETED":
                    raise CommandError("object has been deleted")
                if kind == "ERROR":
                    break  # the revision is too old: read the object afresh
                if kind in ("ADDED", "MODIFIED"):
                    return dict(event.get("object") or {})
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()
        try:
            obj = ctx.client.get(rt, meta.get("namespace"), meta["name"])
        except ApiError as err:
            if err.code == 404:
                raise CommandError("object has been deleted") from None
            raise
        if obj["metadata"]["resourceVersion"] != meta["resourceVersion"]:
            return obj
