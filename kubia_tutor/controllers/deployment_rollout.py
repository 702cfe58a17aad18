"""The Deployment controller's arithmetic: how many pods a rolling update may add or take
away, and how a scaled Deployment spreads replicas over its ReplicaSets.

Design note. Pure functions over Kubernetes JSON, transcribed from Kubernetes'
`deployment/util` and `rolling.go` so the numbers match a real cluster step for step: maxSurge
rounds up and maxUnavailable rounds down (25% of 3 is 1 and 0); when both come to 0,
maxUnavailable is 1 so the rollout can move at all. Nothing here reads or writes the API.
"""

from __future__ import annotations

import math
from typing import Any

Obj = dict[str, Any]


def replicas_of(obj: Obj) -> int:
    """spec.replicas (1 when unset, as defaulting sets it)."""
    value = (obj.get("spec") or {}).get("replicas")
    return 1 if value is None else int(value)


def status_count(obj: Obj, field: str) -> int:
    return int((obj.get("status") or {}).get(field) or 0)


def scaled_value(value: Any, total: int, round_up: bool) -> int:
    """An int-or-percent against `total` (`intstr.GetScaledValueFromIntOrPercent`)."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    text = str(value)
    if not text.endswith("%"):
        try:
            return int(text)
        except ValueError:
            return 0
    try:
        percent = int(text[:-1])
    except ValueError:
        return 0
    exact = percent * total / 100
    return math.ceil(exact) if round_up else math.floor(exact)


def is_rolling(deployment: Obj) -> bool:
    strategy = (deployment.get("spec") or {}).get("strategy") or {}
    return strategy.get("type", "RollingUpdate") == "RollingUpdate"


def fenceposts(deployment: Obj) -> tuple[int, int]:
    """(maxSurge, maxUnavailable) resolved against spec.replicas (`ResolveFenceposts`)."""
    rolling = ((deployment.get("spec") or {}).get("strategy") or {}).get("rollingUpdate") or {}
    desired = replicas_of(deployment)
    surge = scaled_value(rolling.get("maxSurge", "25%"), desired, True)
    unavailable = scaled_value(rolling.get("maxUnavailable", "25%"), desired, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def max_surge(deployment: Obj) -> int:
    return fenceposts(deployment)[0] if is_rolling(deployment) else 0


def max_unavailable(deployment: Obj) -> int:
    """`MaxUnavailable`: 0 for Recreate or no replicas, never more than spec.replicas."""
    desired = replicas_of(deployment)
    if not is_rolling(deployment) or desired == 0:
        return 0
    return min(fenceposts(deployment)[1], desired)


def total_spec(replica_sets: list[Obj]) -> int:
    return sum(replicas_of(rs) for rs in replica_sets)


def total_status(replica_sets: list[Obj], field: str) -> int:
    return sum(status_count(rs, field) for rs in replica_sets)


def new_rs_replicas(deployment: Obj, all_rs: list[Obj], new_rs: Obj) -> int:
    """How big the new ReplicaSet may be now (`NewRSNewReplicas`)."""
    desired = replicas_of(deployment)
    if not is_rolling(deployment):
        return desired
    current_new = replicas_of(new_rs)
    current = total_spec(all_rs)
    max_total = desired + max_surge(deployment)
    if current >= max_total:
        return current_new
    return current_new + min(max_total - current, max(0, desired - current_new))


def old_scale_down_budget(deployment: Obj, all_rs: list[Obj], new_rs: Obj | None) -> int:
    """How many old pods may go now without breaking availability (`reconcileOldReplicaSets`'
    maxScaledDown)."""
    min_available = replicas_of(deployment) - max_unavailable(deployment)
    new_unavailable = 0
    if new_rs is not None:
        new_unavailable = replicas_of(new_rs) - status_count(new_rs, "availableReplicas")
    return total_spec(all_rs) - min_available - new_unavailable


def unhealthy_cleanup(old_rs: list[Obj], budget: int) -> dict[str, int]:
    """New sizes for old ReplicaSets, first taking away their unavailable pods, oldest
    ReplicaSet first (`cleanupUnhealthyReplicas`)."""
    sizes: dict[str, int] = {}
    taken = 0
    for rs in sorted(old_rs, key=_age):
        if taken >= budget:
            break
        size = replicas_of(rs)
        unhealthy = size - status_count(rs, "availableReplicas")
        if size == 0 or unhealthy <= 0:
            continue
        count = min(budget - taken, unhealthy)
        sizes[rs["metadata"]["name"]] = size - count
        taken += count
    return sizes


def available_scale_down(deployment: Obj, all_rs: list[Obj], old_rs: list[Obj]) -> dict[str, int]:
    """New sizes for old ReplicaSets while keeping the minimum available, oldest first
    (`scaleDownOldReplicaSetsForRollingUpdate`)."""
    min_available = replicas_of(deployment) - max_unavailable(deployment)
    available = total_status(all_rs, "availableReplicas")
    if available <= min_available:
        return {}
    budget = available - min_available
    sizes: dict[str, int] = {}
    taken = 0
    for rs in sorted(old_rs, key=_age):
        if taken >= budget:
            break
        size = replicas_of(rs)
        if size == 0:
            continue
        count = min(size, budget - taken)
        sizes[rs["metadata"]["name"]] = size - count
        taken += count
    return sizes


def _age(rs: Obj) -> tuple[str, str]:
    return (str(rs["metadata"].get("creationTimestamp") or ""), rs["metadata"]["name"])


def proportional_sizes(deployment: Obj, active: list[Obj]) -> dict[str, int]:
    """Sizes after a scale in the middle of a rollout: each active ReplicaSet grows or shrinks
    in proportion to its share, leftovers to the largest (`DeploymentController.scale`)."""
    desired = replicas_of(deployment)
    current = total_spec(active)
    allowed = desired + max_surge(deployment) if desired > 0 else 0
    to_add = allowed - current
    # larger first; ties newer first when growing, older first when shrinking
    ordered = sorted(active, key=_age, reverse=to_add > 0)
    ordered.sort(key=replicas_of, reverse=True)
    sizes: dict[str, int] = {}
    added = 0
    for rs in ordered:
        proportion = 0
        if to_add != 0:
            proportion = _proportion(rs, deployment, to_add, added)
        sizes[rs["metadata"]["name"]] = replicas_of(rs) + proportion
        added += proportion
    if ordered and to_add != 0:
        first = ordered[0]["metadata"]["name"]
        sizes[first] = max(0, sizes[first] + to_add - added)
    return sizes


def _proportion(rs: Obj, deployment: Obj, to_add: int, added: int) -> int:
    size = replicas_of(rs)
    if size == 0 or to_add == added:
        return 0
    desired = replicas_of(deployment)
    if desired == 0:
        fraction = -size
    else:
        annotated = _max_replicas_annotation(rs)
        if annotated is None:
            annotated = status_count(deployment, "replicas")
        target = desired + max_surge(deployment)
        fraction = _round(size * target / annotated) - size if annotated else 0
    allowed = to_add - added
    return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)


def _max_replicas_annotation(rs: Obj) -> int | None:
    value = ((rs.get("metadata") or {}).get("annotations") or {}).get(
        "deployment.kubernetes.io/max-replicas")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _round(value: float) -> int:
    """Go's math.Round: halves away from zero."""
    return math.floor(abs(value) + 0.5) * (1 if value >= 0 else -1)
