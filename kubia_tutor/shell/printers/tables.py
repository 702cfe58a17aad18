"""`kubectl get` tables: the column set of each kind (kubectl v1.20) and the row decorations.

Each kind's columns are data: a header, a priority (1 = only with `-o wide`) and a cell function
of (object, now). `table_rows` picks the columns, adds NAMESPACE / `-L` / LABELS columns and the
`kind/` name prefix, and returns rows of strings for `tabwriter.table`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kubia_tutor.api.kinds import UnknownResourceType, resolve
from kubia_tutor.shell.printers import cluster_cells as cc
from kubia_tutor.shell.printers import network_cells as nc
from kubia_tutor.shell.printers import pod_cells as pc
from kubia_tutor.shell.printers import storage_cells as sc
from kubia_tutor.shell.printers import workload_cells as wc
from kubia_tutor.shell.printers.cell_helpers import (
    Cell,
    age_cell,
    as_map,
    dig,
    labels_of,
    map_string,
    name_cell,
    text,
)

__all__ = ["COLUMNS", "DEFAULT_COLUMNS", "Column", "columns_for", "table_rows"]


@dataclass(frozen=True)
class Column:
    """One table column.

    `is_name` marks the column that gets the `kind/` prefix when several types are printed.
    `wide_cell`, when set, replaces `cell` under `-o wide` (e.g. unshortened addresses).
    """

    header: str
    cell: Cell
    priority: int = 0
    is_name: bool = False
    wide_cell: Cell | None = None


NAME = Column("NAME", name_cell, is_name=True)
AGE = Column("AGE", age_cell)


def _wide(header: str, cell: Cell) -> Column:
    return Column(header, cell, priority=1)


_TEMPLATE_WIDE = (
    _wide("CONTAINERS", wc.template_containers),
    _wide("IMAGES", wc.template_images),
)

_BINDING = (
    NAME,
    Column("ROLE", cc.binding_role),
    AGE,
    _wide("USERS", cc.binding_users),
    _wide("GROUPS", cc.binding_groups),
    _wide("SERVICEACCOUNTS", cc.binding_service_accounts),
)

COLUMNS: Mapping[str, tuple[Column, ...]] = {
    "Pod": (
        NAME,
        Column("READY", pc.pod_ready),
        Column("STATUS", pc.pod_status),
        Column("RESTARTS", pc.pod_restarts),
        AGE,
        _wide("IP", pc.pod_ip),
        _wide("NODE", pc.pod_node),
        _wide("NOMINATED NODE", pc.pod_nominated_node),
        _wide("READINESS GATES", pc.pod_readiness_gates),
    ),
    "PodTemplate": (
        NAME,
        Column("CONTAINERS", cc.podtemplate_containers),
        Column("IMAGES", cc.podtemplate_images),
        Column("POD LABELS", cc.podtemplate_labels),
    ),
    "ReplicationController": (
        NAME,
        Column("DESIRED", wc.desired_replicas),
        Column("CURRENT", wc.current_replicas),
        Column("READY", wc.ready_replicas),
        AGE,
        *_TEMPLATE_WIDE,
        _wide("SELECTOR", wc.map_selector),
    ),
    "ReplicaSet": (
        NAME,
        Column("DESIRED", wc.desired_replicas),
        Column("CURRENT", wc.current_replicas),
        Column("READY", wc.ready_replicas),
        AGE,
        *_TEMPLATE_WIDE,
        _wide("SELECTOR", wc.label_selector),
    ),
    "Deployment": (
        NAME,
        Column("READY", wc.ready_of_desired),
        Column("UP-TO-DATE", wc.updated_replicas),
        Column("AVAILABLE", wc.available_replicas),
        AGE,
        *_TEMPLATE_WIDE,
        _wide("SELECTOR", wc.deployment_selector),
    ),
    "DaemonSet": (
        NAME,
        Column("DESIRED", wc.ds_desired),
        Column("CURRENT", wc.ds_current),
        Column("READY", wc.ds_ready),
        Column("UP-TO-DATE", wc.ds_updated),
        Column("AVAILABLE", wc.ds_available),
        Column("NODE SELECTOR", wc.ds_node_selector),
        AGE,
        *_TEMPLATE_WIDE,
        _wide("SELECTOR", wc.label_selector),
    ),
    "StatefulSet": (
        NAME,
        Column("READY", wc.ready_of_desired),
        AGE,
        *_TEMPLATE_WIDE,
    ),
    "Job": (
        NAME,
        Column("COMPLETIONS", wc.job_completions),
        Column("DURATION", wc.job_duration),
        AGE,
        *_TEMPLATE_WIDE,
        _wide("SELECTOR", wc.label_selector),
    ),
    "CronJob": (
        NAME,
        Column("SCHEDULE", wc.cronjob_schedule),
        Column("SUSPEND", wc.cronjob_suspend),
        Column("ACTIVE", wc.cronjob_active),
        Column("LAST SCHEDULE", wc.cronjob_last_schedule),
        AGE,
        _wide("CONTAINERS", wc.cronjob_containers),
        _wide("IMAGES", wc.cronjob_images),
        _wide("SELECTOR", wc.cronjob_selector),
    ),
    "HorizontalPodAutoscaler": (
        NAME,
        Column("REFERENCE", wc.hpa_reference),
        Column("TARGETS", wc.hpa_targets),
        Column("MINPODS", wc.hpa_min_pods),
        Column("MAXPODS", wc.hpa_max_pods),
        Column("REPLICAS", wc.hpa_replicas),
        AGE,
    ),
    "PodDisruptionBudget": (
        NAME,
        Column("MIN AVAILABLE", wc.pdb_min_available),
        Column("MAX UNAVAILABLE", wc.pdb_max_unavailable),
        Column("ALLOWED DISRUPTIONS", wc.pdb_allowed),
        AGE,
    ),
    "ControllerRevision": (
        NAME,
        Column("CONTROLLER", wc.revision_controller),
        Column("REVISION", wc.revision_number),
        AGE,
    ),
    "Service": (
        NAME,
        Column("TYPE", nc.service_type),
        Column("CLUSTER-IP", nc.service_cluster_ip),
        Column("EXTERNAL-IP", nc.service_external_ip, wide_cell=nc.service_external_ip_wide),
        Column("PORT(S)", nc.service_ports),
        AGE,
        _wide("SELECTOR", nc.service_selector),
    ),
    "Endpoints": (NAME, Column("ENDPOINTS", nc.endpoints_list), AGE),
    "Ingress": (
        NAME,
        Column("CLASS", nc.ingress_class),
        Column("HOSTS", nc.ingress_hosts),
        Column("ADDRESS", nc.ingress_address, wide_cell=nc.ingress_address_wide),
        Column("PORTS", nc.ingress_ports),
        AGE,
    ),
    "IngressClass": (
        NAME,
        Column("CONTROLLER", nc.ingress_class_controller),
        Column("PARAMETERS", nc.ingress_class_parameters),
        AGE,
    ),
    "NetworkPolicy": (NAME, Column("POD-SELECTOR", nc.network_policy_pod_selector), AGE),
    "ConfigMap": (NAME, Column("DATA", cc.configmap_data), AGE),
    "Secret": (NAME, Column("TYPE", cc.secret_type), Column("DATA", cc.secret_data), AGE),
    "ServiceAccount": (NAME, Column("SECRETS", cc.serviceaccount_secrets), AGE),
    "Namespace": (NAME, Column("STATUS", cc.namespace_status), AGE),
    "Node": (
        NAME,
        Column("STATUS", cc.node_status),
        Column("ROLES", cc.node_roles),
        AGE,
        Column("VERSION", cc.node_version),
        _wide("INTERNAL-IP", cc.node_internal_ip),
        _wide("EXTERNAL-IP", cc.node_external_ip),
        _wide("OS-IMAGE", cc.node_os_image),
        _wide("KERNEL-VERSION", cc.node_kernel),
        _wide("CONTAINER-RUNTIME", cc.node_runtime),
    ),
    # Events have no NAME column by default; the wide NAME is the one that gets a kind prefix.
    "Event": (
        Column("LAST SEEN", cc.event_last_seen),
        Column("TYPE", cc.event_type),
        Column("REASON", cc.event_reason),
        Column("OBJECT", cc.event_object),
        _wide("SUBOBJECT", cc.event_subobject),
        _wide("SOURCE", cc.event_source),
        Column("MESSAGE", cc.event_message),
        _wide("FIRST SEEN", cc.event_first_seen),
        _wide("COUNT", cc.event_count),
        Column("NAME", name_cell, priority=1, is_name=True),
    ),
    "PersistentVolume": (
        NAME,
        Column("CAPACITY", sc.pv_capacity),
        Column("ACCESS MODES", sc.pv_access_modes),
        Column("RECLAIM POLICY", sc.pv_reclaim_policy),
        Column("STATUS", sc.volume_status),
        Column("CLAIM", sc.pv_claim),
        Column("STORAGECLASS", sc.storage_class_of),
        Column("REASON", sc.pv_reason),
        AGE,
        _wide("VOLUMEMODE", sc.volume_mode),
    ),
    "PersistentVolumeClaim": (
        NAME,
        Column("STATUS", sc.volume_status),
        Column("VOLUME", sc.pvc_volume),
        Column("CAPACITY", sc.pvc_capacity),
        Column("ACCESS MODES", sc.pvc_access_modes),
        Column("STORAGECLASS", sc.storage_class_of),
        AGE,
        _wide("VOLUMEMODE", sc.volume_mode),
    ),
    "StorageClass": (
        Column("NAME", sc.storageclass_name, is_name=True),
        Column("PROVISIONER", sc.storageclass_provisioner),
        Column("RECLAIMPOLICY", sc.storageclass_reclaim),
        Column("VOLUMEBINDINGMODE", sc.storageclass_binding_mode),
        Column("ALLOWVOLUMEEXPANSION", sc.storageclass_expansion),
        AGE,
    ),
    # 1.20 puts AGE before the quota columns.
    "ResourceQuota": (
        NAME,
        AGE,
        Column("REQUEST", cc.quota_request),
        Column("LIMIT", cc.quota_limit),
    ),
    "RoleBinding": _BINDING,
    "ClusterRoleBinding": _BINDING,
    "Lease": (NAME, Column("HOLDER", cc.lease_holder), AGE),
    "PriorityClass": (
        NAME,
        Column("VALUE", cc.priority_value),
        Column("GLOBAL-DEFAULT", cc.priority_global_default),
        AGE,
    ),
    "ComponentStatus": (
        NAME,
        Column("STATUS", cc.componentstatus_status),
        Column("MESSAGE", cc.componentstatus_message),
        Column("ERROR", cc.componentstatus_error),
    ),
}

# The API server's table for kinds without a printer of their own (LimitRange, Role, ...).
DEFAULT_COLUMNS: tuple[Column, ...] = (NAME, Column("CREATED AT", cc.created_at))


def columns_for(kind: str) -> tuple[Column, ...]:
    """All columns (wide ones included) for a kind such as `Pod`; the default table if none.

    Resource names (`pods`, `deploy`) are accepted too and resolved through the kind registry.
    """
    found = COLUMNS.get(kind)
    if found is not None:
        return found
    try:
        return COLUMNS.get(resolve(kind).kind, DEFAULT_COLUMNS)
    except UnknownResourceType:
        return DEFAULT_COLUMNS


def table_rows(
    kind: str,
    objs: list[dict[str, Any]],
    now: datetime,
    *,
    wide: bool = False,
    with_kind_prefix: str | None = None,
    namespace_column: bool = False,
    show_labels: bool = False,
    label_columns: Sequence[str] = (),
    headers: bool = True,
) -> list[list[str]]:
    """The header (unless `headers=False`) and one row per object, as `kubectl get` shows them.

    `with_kind_prefix` (`pod`, `deployment.apps`) turns NAME cells into `pod/kubia`.
    `namespace_column` adds NAMESPACE first; `label_columns` (-L) and `show_labels` append
    one column per key and then LABELS. Objects are printed in the order given.
    """
    columns = [c for c in columns_for(kind) if wide or c.priority == 0]
    rows: list[list[str]] = []
    if headers:
        header = ["NAMESPACE"] if namespace_column else []
        header += [c.header for c in columns]
        header += [_label_header(key) for key in label_columns]
        if show_labels:
            header.append("LABELS")
        rows.append(header)
    for obj in objs:
        rows.append(_row(obj, columns, now, wide, with_kind_prefix, namespace_column,
                         show_labels, label_columns))
    return rows


def _row(
    obj: Mapping[str, Any],
    columns: Sequence[Column],
    now: datetime,
    wide: bool,
    prefix: str | None,
    namespace_column: bool,
    show_labels: bool,
    label_columns: Sequence[str],
) -> list[str]:
    cells = [text(dig(obj, "metadata", "namespace"))] if namespace_column else []
    for column in columns:
        cell_fn = column.wide_cell if wide and column.wide_cell is not None else column.cell
        value = cell_fn(obj, now)
        if prefix and column.is_name:
            value = f"{prefix}/{value}"
        cells.append(value)
    labels = labels_of(obj)
    # A missing label is an empty cell, not <none>.
    cells += [text(labels.get(key)) for key in label_columns]
    if show_labels:
        cells.append(map_string(as_map(labels)))
    return cells


def _label_header(key: str) -> str:
    """`-L` header: the key's last path segment, upper-cased (`app.kubernetes.io/name` -> NAME)."""
    return key.rsplit("/", 1)[-1].upper()
