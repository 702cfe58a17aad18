"""The ReplicaSet controller: matchLabels and matchExpressions (In, NotIn, Exists,
DoesNotExist) select the pods."""

from __future__ import annotations

from kubia_tutor.api.selectors import LabelSelector, selector_from_spec
from kubia_tutor.controllers.base import Obj
from kubia_tutor.controllers.replicas import ReplicaController


class ReplicaSetController(ReplicaController):
    """Keeps a ReplicaSet's pods at spec.replicas; events come from `replicaset-controller`."""

    name = "replicaset-controller"
    watches = ("replicasets", "pods")
    kind = "ReplicaSet"
    component = "replicaset-controller"

    def selector(self, owner: Obj) -> LabelSelector:
        return selector_from_spec((owner.get("spec") or {}).get("selector"))
