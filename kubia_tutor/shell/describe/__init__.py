"""`kubectl describe` output, byte-for-byte as kubectl v1.20.2 prints it.

`describe(kind, obj, ctx)` renders one object (a plain Kubernetes JSON dict) with the layout
kubectl uses for its kind; kinds without a layout of their own get kubectl's generic one.
Everything else a layout needs (events, related objects, the clock) comes through `ctx`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kubia_tutor.shell.describe.configmap import describe_configmap
from kubia_tutor.shell.describe.context import DescribeContext
from kubia_tutor.shell.describe.cronjob import describe_cronjob
from kubia_tutor.shell.describe.daemonset import describe_daemonset
from kubia_tutor.shell.describe.deployment import describe_deployment
from kubia_tutor.shell.describe.endpoints import describe_endpoints
from kubia_tutor.shell.describe.generic import describe_generic
from kubia_tutor.shell.describe.horizontalpodautoscaler import describe_horizontalpodautoscaler
from kubia_tutor.shell.describe.ingress import describe_ingress
from kubia_tutor.shell.describe.job import describe_job
from kubia_tutor.shell.describe.namespace import describe_namespace
from kubia_tutor.shell.describe.node import describe_node
from kubia_tutor.shell.describe.persistentvolume import describe_persistentvolume
from kubia_tutor.shell.describe.persistentvolumeclaim import describe_persistentvolumeclaim
from kubia_tutor.shell.describe.pod import describe_pod
from kubia_tutor.shell.describe.poddisruptionbudget import describe_poddisruptionbudget
from kubia_tutor.shell.describe.rbac import describe_binding
from kubia_tutor.shell.describe.replicaset import describe_replicaset
from kubia_tutor.shell.describe.replicationcontroller import describe_replicationcontroller
from kubia_tutor.shell.describe.resourcequota import describe_limitrange, describe_resourcequota
from kubia_tutor.shell.describe.secret import describe_secret
from kubia_tutor.shell.describe.service import describe_service
from kubia_tutor.shell.describe.serviceaccount import describe_serviceaccount
from kubia_tutor.shell.describe.statefulset import describe_statefulset
from kubia_tutor.shell.describe.storageclass import describe_storageclass

__all__ = ["DESCRIBERS", "DescribeContext", "describe"]

Describer = Callable[[dict[str, Any], DescribeContext], str]

DESCRIBERS: dict[str, Describer] = {
    "Pod": describe_pod,
    "ReplicationController": describe_replicationcontroller,
    "ReplicaSet": describe_replicaset,
    "Deployment": describe_deployment,
    "DaemonSet": describe_daemonset,
    "StatefulSet": describe_statefulset,
    "Job": describe_job,
    "CronJob": describe_cronjob,
    "Service": describe_service,
    "Endpoints": describe_endpoints,
    "ConfigMap": describe_configmap,
    "Secret": describe_secret,
    "Node": describe_node,
    "Namespace": describe_namespace,
    "PersistentVolume": describe_persistentvolume,
    "PersistentVolumeClaim": describe_persistentvolumeclaim,
    "Ingress": describe_ingress,
    "ServiceAccount": describe_serviceaccount,
    "StorageClass": describe_storageclass,
    "HorizontalPodAutoscaler": describe_horizontalpodautoscaler,
    "ResourceQuota": describe_resourcequota,
    "LimitRange": describe_limitrange,
    "PodDisruptionBudget": describe_poddisruptionbudget,
    "RoleBinding": describe_binding,
    "ClusterRoleBinding": describe_binding,
}


def describe(kind: str, obj: dict, ctx: DescribeContext) -> str:
    """The text `kubectl describe <kind> <name>` prints for `obj`, newline-terminated."""
    describer = DESCRIBERS.get(kind) or DESCRIBERS.get(_by_lower.get(kind.lower(), ""))
    return (describer or describe_generic)(obj, ctx)


_by_lower = {k.lower(): k for k in DESCRIBERS}
