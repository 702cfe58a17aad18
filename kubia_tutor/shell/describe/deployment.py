"""`kubectl describe deployment` (kubectl 1.20 layout), including its old and new ReplicaSets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubia_tutor.controllers.deployment_revisions import without_hash
from kubia_tutor.shell.describe.context import DescribeContext
from kubia_tutor.shell.describe.events import append_events
from kubia_tutor.shell.describe.meta import (
    controller_of,
    int_or_string,
    selector_matches,
    selector_string,
    spec_of,
    status_of,
)
from kubia_tutor.shell.describe.pod_template import describe_pod_template
from kubia_tutor.shell.describe.writer import (
    PrefixWriter,
    annotations_multiline,
    annotations_of,
    labels_multiline,
    labels_of,
    name_of,
    namespace_of,
    object_meta,
    rfc1123z,
)


def describe_deployment(obj: dict[str, Any], ctx: DescribeContext) -> str:
    """Replica counts, strategy, template, conditions and the old/new ReplicaSets."""
    w = PrefixWriter()
    spec, status = spec_of(obj), status_of(obj)
    w.line(0, "Name:", name_of(obj))
    w.line(0, "Namespace:", namespace_of(obj))
    w.line(0, "CreationTimestamp:", rfc1123z(object_meta(obj).get("creationTimestamp")))
    labels_multiline(w, "Labels", labels_of(obj))
    annotations_multiline(w, "Annotations", annotations_of(obj))
    w.line(0, "Selector:", selector_string(spec.get("selector")))
    desired = 1 if spec.get("replicas") is None else int(spec["replicas"])
    counts = [int(status.get(k) or 0) for k in
              ("updatedReplicas", "replicas", "availableReplicas", "unavailableReplicas")]
    w.line(0, "Replicas:", f"{desired} desired | {counts[0]} updated | {counts[1]} total | "
           f"{counts[2]} available | {counts[3]} unavailable")
    strategy = spec.get("strategy") or {}
    w.line(0, "StrategyType:", strategy.get("type", ""))
    w.line(0, "MinReadySeconds:", int(spec.get("minReadySeconds") or 0))
    rolling = strategy.get("rollingUpdate")
    if isinstance(rolling, dict):
        unavailable = int_or_string(rolling.get("maxUnavailable"), "25%")
        surge = int_or_string(rolling.get("maxSurge"), "25%")
        w.line(0, "RollingUpdateStrategy:", f"{unavailable} max unavailable, {surge} max surge")
    describe_pod_template(w, spec.get("template"))
    conditions = status.get("conditions") or []
    if conditions:
        w.write(0, "Conditions:\n  Type\tStatus\tReason\n")
        w.line(1, "----", "------", "------")
        for cond in conditions:
            w.line(1, f"{cond.get('type', '')} ", cond.get("status", ""), cond.get("reason", ""))
    # kubectl 1.20 prints these whenever listing ReplicaSets succeeded, even with none.
    old, new = replica_sets(obj, ctx)
    w.line(0, "OldReplicaSets:", _rs_list(old))
    w.line(0, "NewReplicaSet:", _rs_list([new] if new else []))
    append_events(w, obj, ctx)
    return w.render()


def replica_sets(
    deployment: Mapping[str, Any], ctx: DescribeContext
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The deployment's ReplicaSets: old ones still scaled up (oldest first) and the new one.

    Only ReplicaSets this deployment controls count, as kubectl's deployment util decides.
    """
    meta = object_meta(deployment)
    spec = spec_of(deployment)
    owned = [
        rs for rs in ctx.list_objects("ReplicaSet", str(meta.get("namespace") or "") or None)
        if selector_matches(spec.get("selector"), labels_of(rs))
        and (controller_of(rs) or {}).get("uid") == meta.get("uid")
    ]
    owned.sort(key=lambda rs: (str(object_meta(rs).get("creationTimestamp") or ""), name_of(rs)))
    template = _template_key(spec.get("template"))
    new = next((rs for rs in owned if _template_key(spec_of(rs).get("template")) == template),
               None)
    # kubectl 1.20 lists only the old ReplicaSets that still want pods.
    old = [rs for rs in owned if rs is not new and spec_of(rs).get("replicas", 1) != 0]
    return old, new


def _template_key(template: object) -> Any:
    """A template to compare as the deployment controller does (hash label aside)."""
    return without_hash(template if isinstance(template, dict) else None)


def _rs_list(replica_sets: list[dict[str, Any]]) -> str:
    texts = []
    for rs in replica_sets:
        desired = spec_of(rs).get("replicas")
        desired = 1 if desired is None else int(desired)
        current = int(status_of(rs).get("replicas") or 0)
        texts.append(f"{name_of(rs)} ({current}/{desired} replicas created)")
    return ", ".join(texts) or "<none>"
