"""Server-side defaulting: the fields a v1.20 API server fills in before it stores an object.

What `kubectl get -o yaml` shows for a new object is the manifest plus three kinds of addition,
and all three live here because our objects are plain dicts with no Go types behind them:

* versioned defaulting (`dnsPolicy: ClusterFirst`, `replicas: 1`, probe timings, ...);
* the defaults a few admission plugins and registry strategies add on create (pod priority and
  the not-ready/unreachable tolerations, `status.qosClass`, a namespace's `kubernetes`
  finalizer, the Job selector, the service-account token volume);
* zero values Go serialises even when unset, because the field is a struct or has no
  `omitempty` (`resources: {}`, a pod template's `creationTimestamp: null`,
  `status: {replicas: 0}`, a Service's `status.loadBalancer: {}`).

Version notes for 1.20 with default feature gates: pods get `preemptionPolicy` (the
NonPreemptingPriority gate is beta and on), but Services get no `ipFamilies`/`ipFamilyPolicy`
(IPv6DualStack is still alpha and off, so only `clusterIPs` mirrors `clusterIP`), namespaces get
no `kubernetes.io/metadata.name` label (1.21), volume claim templates carry no
apiVersion/kind, and the service-account token is a Secret volume, not a projected one.

Every function is idempotent and tolerant of malformed input (validation is someone else's job
and may run after us), because the server also defaults on update.
"""

from __future__ import annotations

from collections.abc import Callable

from kubia_tutor.api.defaulting.cluster import (
    _default_event,
    _default_limit_range,
    _default_namespace,
    _default_node,
    _default_priority_class,
    _default_role_binding,
    _default_secret,
)
from kubia_tutor.api.defaulting.fields import Obj, _child, _fill_all
from kubia_tutor.api.defaulting.networking import (
    _default_endpoints,
    _default_network_policy,
    _default_service,
)
from kubia_tutor.api.defaulting.pods import _default_pod, _default_pod_template, image_pull_policy
from kubia_tutor.api.defaulting.qos import pod_qos_class
from kubia_tutor.api.defaulting.serviceaccount import (
    SERVICE_ACCOUNT_MOUNT_PATH,
    service_account_token_volume,
)
from kubia_tutor.api.defaulting.storage import (
    _default_claim,
    _default_persistent_volume,
    _default_storage_class,
)
from kubia_tutor.api.defaulting.workloads import (
    _default_cron_job,
    _default_daemon_set,
    _default_deployment,
    _default_horizontal_pod_autoscaler,
    _default_job,
    _default_replica_set,
    _default_replication_controller,
    _default_stateful_set,
    apply_job_selector,
)

__all__ = [
    "SERVICE_ACCOUNT_MOUNT_PATH",
    "apply_defaults",
    "apply_job_selector",
    "image_pull_policy",
    "pod_qos_class",
    "service_account_token_volume",
]


# Status zero values Go prints for a new object (fields without omitempty).
_STATUS_ZEROES: dict[str, Obj] = {
    "ReplicationController": {"replicas": 0},
    "ReplicaSet": {"replicas": 0},
    "StatefulSet": {"replicas": 0},
    "DaemonSet": {"currentNumberScheduled": 0, "desiredNumberScheduled": 0,
                  "numberMisscheduled": 0, "numberReady": 0},
    "Deployment": {},
    "Job": {},
    "CronJob": {},
    "ResourceQuota": {},
    "Service": {"loadBalancer": {}},
    "Ingress": {"loadBalancer": {}},
    "HorizontalPodAutoscaler": {"currentReplicas": 0, "desiredReplicas": 0},
    "PodDisruptionBudget": {"currentHealthy": 0, "desiredHealthy": 0, "disruptionsAllowed": 0,
                            "expectedPods": 0},
}


def _default_status(kind: str, obj: Obj) -> None:
    zeroes = _STATUS_ZEROES.get(kind)
    if zeroes is None:
        return
    status = _child(obj, "status")
    if status is not None:
        _fill_all(status, zeroes)


_DEFAULTERS: dict[str, Callable[[Obj], None]] = {
    "Pod": _default_pod,
    "PodTemplate": _default_pod_template,
    "ReplicationController": _default_replication_controller,
    "ReplicaSet": _default_replica_set,
    "Deployment": _default_deployment,
    "DaemonSet": _default_daemon_set,
    "StatefulSet": _default_stateful_set,
    "Job": _default_job,
    "CronJob": _default_cron_job,
    "Service": _default_service,
    "Endpoints": _default_endpoints,
    "Namespace": _default_namespace,
    "PersistentVolume": _default_persistent_volume,
    "PersistentVolumeClaim": _default_claim,
    "Secret": _default_secret,
    "Node": _default_node,
    "Event": _default_event,
    "HorizontalPodAutoscaler": _default_horizontal_pod_autoscaler,
    "StorageClass": _default_storage_class,
    "PriorityClass": _default_priority_class,
    "NetworkPolicy": _default_network_policy,
    "RoleBinding": _default_role_binding,
    "ClusterRoleBinding": _default_role_binding,
    "LimitRange": _default_limit_range,
}


def apply_defaults(kind: str, obj: Obj) -> None:
    """Fill in, in place, what a v1.20 API server adds to an object of this kind.

    Metadata (uid, timestamps, generation) is the caller's; so are the Job selector
    (`apply_job_selector`), the service-account token volume (`service_account_token_volume`),
    ClusterIP and node-port allocation, and LimitRanger's container defaults. Safe to call
    again on an already defaulted object.
    """
    defaulter = _DEFAULTERS.get(kind)
    if defaulter is not None:
        defaulter(obj)
    _default_status(kind, obj)
