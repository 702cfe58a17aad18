"""A StatefulSet pod's identity: its ordinal name, hostname and subdomain, its labels, and the
claims its volumeClaimTemplates give it (`<template>-<set>-<ordinal>`).

These are Kubernetes' `stateful_set_utils.go` rules: a pod belongs to a set when its name is
`<set>-<ordinal>`; its claims are found by name, so a pod recreated with the same name (after a
delete, a scale-down and scale-up, or an update) mounts the same claims again.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from kubia_tutor.controllers.pod_template import new_pod

Obj = dict[str, Any]

POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
REVISION_LABEL = "controller-revision-hash"
_ORDINAL = re.compile(r"^(.*)-([0-9]+)$")


def pod_name(set_name: str, ordinal: int) -> str:
    return f"{set_name}-{ordinal}"


def parent_and_ordinal(pod: Obj) -> tuple[str, int]:
    """The set name and ordinal a pod's name encodes; ("", -1) when it encodes none."""
    match = _ORDINAL.match(str((pod.get("metadata") or {}).get("name") or ""))
    if match is None:
        return "", -1
    return match.group(1), int(match.group(2))


def ordinal_of(pod: Obj) -> int:
    return parent_and_ordinal(pod)[1]


def is_member(sts: Obj, pod: Obj) -> bool:
    """Whether the pod's name makes it one of the set's ordinals (`isMemberOf`)."""
    return parent_and_ordinal(pod)[0] == sts["metadata"]["name"]


def pod_revision(pod: Obj) -> str:
    return str(((pod.get("metadata") or {}).get("labels") or {}).get(REVISION_LABEL) or "")


def claim_name(template: Obj, sts: Obj, ordinal: int) -> str:
    template_name = (template.get("metadata") or {}).get("name") or ""
    return f"{template_name}-{sts['metadata']['name']}-{ordinal}"


def claims_for(sts: Obj, ordinal: int) -> list[Obj]:
    """The PersistentVolumeClaims the set's templates make for one ordinal, in template order.

    As in Kubernetes 1.20 they carry the selector's matchLabels (so a selector finds them) and
    no owner: they outlive scale-downs and the set itself."""
    spec = sts.get("spec") or {}
    match_labels = dict((spec.get("selector") or {}).get("matchLabels") or {})
    claims = []
    for template in spec.get("volumeClaimTemplates") or []:
        meta = dict(template.get("metadata") or {})
        labels = dict(meta.get("labels") or {})
        labels.update(match_labels)
        metadata: Obj = {"name": claim_name(template, sts, ordinal),
                         "namespace": sts["metadata"].get("namespace")}
        if labels:
            metadata["labels"] = labels
        if meta.get("annotations"):
            metadata["annotations"] = dict(meta["annotations"])
        claims.append({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                       "metadata": metadata,
                       "spec": copy.deepcopy(template.get("spec") or {})})
    return claims


def new_stateful_pod(sts: Obj, template: Obj, ordinal: int, revision: str) -> Obj:
    """The pod for one ordinal from a (possibly older revision's) template: named
    `<set>-<ordinal>`, hostname = its name and subdomain = the set's serviceName (what gives
    it `<pod>.<service>` in DNS), its claims mounted in place of the templates' volumes."""
    name = pod_name(sts["metadata"]["name"], ordinal)
    pod = new_pod(sts, template, name=name,
                  labels={POD_NAME_LABEL: name, REVISION_LABEL: revision})
    spec = pod["spec"]
    spec["hostname"] = name
    service = (sts.get("spec") or {}).get("serviceName")
    if service:
        spec["subdomain"] = service
    spec["volumes"] = _with_claims(sts, spec.get("volumes") or [], ordinal)
    if not spec["volumes"]:
        del spec["volumes"]
    return pod


def _with_claims(sts: Obj, volumes: list[Obj], ordinal: int) -> list[Obj]:
    """`updateStorage`: one persistentVolumeClaim volume per claim template, then the
    template's other volumes (a volume named like a claim template is replaced)."""
    templates = (sts.get("spec") or {}).get("volumeClaimTemplates") or []
    claimed = []
    for template in templates:
        name = (template.get("metadata") or {}).get("name") or ""
        claimed.append({"name": name, "persistentVolumeClaim": {
            "claimName": claim_name(template, sts, ordinal)}})
    names = {v["name"] for v in claimed}
    return claimed + [copy.deepcopy(v) for v in volumes if v.get("name") not in names]


def identity_matches(sts: Obj, pod: Obj) -> bool:
    """The pod has the set's name, namespace and pod-name label for its ordinal."""
    parent, ordinal = parent_and_ordinal(pod)
    meta = pod.get("metadata") or {}
    return (ordinal >= 0 and parent == sts["metadata"]["name"]
            and meta.get("namespace") == sts["metadata"].get("namespace")
            and (meta.get("labels") or {}).get(POD_NAME_LABEL) == meta.get("name"))
