"""The per-kind table: what the server checks for each kind on create and on update."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kubia_tutor.api.semantics.causes import Errors
from kubia_tutor.api.semantics.config import (
    _config_map,
    _config_map_update,
    _secret,
    _secret_update,
)
from kubia_tutor.api.semantics.fields import Obj
from kubia_tutor.api.semantics.jobs import _cron_job, _cron_job_spec, _job, _job_update
from kubia_tutor.api.semantics.pods import _pod, _pod_update
from kubia_tutor.api.semantics.services import _node_port_range, _service, _service_update
from kubia_tutor.api.semantics.storage import (
    _persistent_volume,
    _persistent_volume_claim,
    _persistent_volume_claim_update,
    _persistent_volume_update,
)
from kubia_tutor.api.semantics.workloads import (
    _daemon_set,
    _deployment,
    _replica_set,
    _replication_controller,
    _selector_immutable,
    _stateful_set,
    _stateful_set_update,
)

Check = Callable[[Errors, Obj], None]
UpdateCheck = Callable[[Errors, Obj, Obj], None]


@dataclass(frozen=True)
class KindRules:
    """What the server checks for one kind on create, and additionally on update."""

    create: Check
    update: UpdateCheck | None = None
    # What an update re-checks of the whole object, when that differs from `create`.
    recheck: Check | None = None
    # Checks the registry makes after validation passed (the node port allocator).
    after: Callable[[Obj], list[tuple[str, str]]] | None = None


def _namespace(e: Errors, ns: Obj) -> None:
    """A namespace has nothing beyond its metadata to check."""


RULES: dict[str, KindRules] = {
    "Pod": KindRules(_pod, _pod_update),
    "ReplicationController": KindRules(_replication_controller),
    "ReplicaSet": KindRules(_replica_set, _selector_immutable),
    "Deployment": KindRules(_deployment, _selector_immutable),
    "DaemonSet": KindRules(_daemon_set, _selector_immutable),
    "StatefulSet": KindRules(_stateful_set, _stateful_set_update),
    "Job": KindRules(_job, _job_update),
    "CronJob": KindRules(_cron_job, recheck=_cron_job_spec),
    "Service": KindRules(_service, _service_update, after=_node_port_range),
    "ConfigMap": KindRules(_config_map, _config_map_update),
    "Secret": KindRules(_secret, _secret_update),
    "Namespace": KindRules(_namespace),
    "PersistentVolume": KindRules(_persistent_volume, _persistent_volume_update),
    "PersistentVolumeClaim": KindRules(_persistent_volume_claim,
                                       _persistent_volume_claim_update),
}
