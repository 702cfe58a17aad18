"""Whether a pod may go to a node by its nodeSelector and required node affinity
(`PodMatchesNodeSelectorAndAffinityTerms` in 1.20), and which node a pod is pinned to.

Node selector terms are ORed; inside a term, every matchExpression (on labels) and every
matchField (only `metadata.name` exists) must hold; a term with neither matches nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubia_tutor.api.selectors import Operator, Requirement

Obj = dict[str, Any]

_OPERATORS = {"In": Operator.IN, "NotIn": Operator.NOT_IN, "Exists": Operator.EXISTS,
              "DoesNotExist": Operator.DOES_NOT_EXIST, "Gt": Operator.GREATER_THAN,
              "Lt": Operator.LESS_THAN}


def matches_node(pod_spec: Mapping[str, Any], node: Obj) -> bool:
    """The pod's nodeSelector and requiredDuringSchedulingIgnoredDuringExecution both hold
    for the node."""
    labels = (node.get("metadata") or {}).get("labels") or {}
    selector = pod_spec.get("nodeSelector") or {}
    if any(labels.get(k) != v for k, v in selector.items()):
        return False
    required = _required(pod_spec)
    if required is None:
        return True
    return matches_terms(required.get("nodeSelectorTerms") or [], node)


def matches_terms(terms: list[Any], node: Obj) -> bool:
    """Whether any node selector term holds for the node."""
    meta = node.get("metadata") or {}
    labels = {str(k): str(v) for k, v in (meta.get("labels") or {}).items()}
    fields = {"metadata.name": str(meta.get("name") or "")}
    for term in terms:
        if not isinstance(term, Mapping):
            continue
        expressions = term.get("matchExpressions") or []
        match_fields = term.get("matchFields") or []
        if not expressions and not match_fields:
            continue
        if all(_holds(e, labels) for e in expressions) and \
                all(_holds(f, fields) for f in match_fields):
            return True
    return False


def pinned_node(pod: Obj) -> str:
    """The node a pod is bound to, or the one its affinity names through a single
    `metadata.name In [node]` field (how DaemonSet pods wait for the scheduler); ''."""
    spec = pod.get("spec") or {}
    if spec.get("nodeName"):
        return str(spec["nodeName"])
    required = _required(spec)
    for term in (required or {}).get("nodeSelectorTerms") or []:
        for field in (term or {}).get("matchFields") or []:
            values = field.get("values") or []
            if field.get("key") == "metadata.name" and field.get("operator") == "In" and \
                    len(values) == 1:
                return str(values[0])
    return ""


def pin_to_node(affinity: Any, node: str) -> Obj:
    """The affinity a DaemonSet pod gets (`ReplaceDaemonSetPodNodeNameNodeAffinity`): its
    required node terms replaced by one matching the node's name; the rest kept."""
    term = {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}
    out: Obj = dict(affinity) if isinstance(affinity, Mapping) else {}
    node_affinity = dict(out.get("nodeAffinity") or {})
    required = dict(node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution") or {})
    required["nodeSelectorTerms"] = [term]
    node_affinity["requiredDuringSchedulingIgnoredDuringExecution"] = required
    out["nodeAffinity"] = node_affinity
    return out


def _required(pod_spec: Mapping[str, Any]) -> Mapping[str, Any] | None:
    affinity = pod_spec.get("affinity") or {}
    node_affinity = affinity.get("nodeAffinity") if isinstance(affinity, Mapping) else None
    if not isinstance(node_affinity, Mapping):
        return None
    required = node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution")
    return required if isinstance(required, Mapping) else None


def _holds(expression: Any, values: Mapping[str, str]) -> bool:
    if not isinstance(expression, Mapping):
        return False
    op = _OPERATORS.get(str(expression.get("operator") or ""))
    if op is None:
        return False
    given = [str(v) for v in expression.get("values") or []]
    return Requirement(str(expression.get("key") or ""), op, tuple(given)).matches(values)
