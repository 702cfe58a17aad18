"""The ReplicationController controller: a ReplicaSet controller over a plain-map selector."""

from __future__ import annotations

from kubia_tutor.api.selectors import LabelSelector, selector_from_map
from kubia_tutor.controllers.base import Obj
from kubia_tutor.controllers.replicas import ReplicaController


class ReplicationControllerController(ReplicaController):
    """Keeps an RC's pods at spec.replicas; events come from `replication-controller`."""

    name = "replication-controller"
    watches = ("replicationcontrollers", "pods")
    kind = "ReplicationController"
    component = "replication-controller"

    def selector(self, owner: Obj) -> LabelSelector:
        # The API server defaults an empty selector to the template's labels.
        return selector_from_map((owner.get("spec") or {}).get("selector") or {})
