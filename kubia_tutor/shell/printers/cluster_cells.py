"""Cells for config, cluster and access-control kinds, and for events."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from kubia_tutor.shell.printers.cell_helpers import (
    Cell,
    Obj,
    as_list,
    as_map,
    container_cells,
    dig,
    map_string,
    num,
    quantity_text,
    text,
)
from kubia_tutor.shell.printers.duration import age, parse_time


def configmap_data(obj: Obj, _now: datetime) -> str:
    """DATA: keys in data plus keys in binaryData."""
    return str(len(as_map(obj.get("data"))) + len(as_map(obj.get("binaryData"))))


def secret_type(obj: Obj, _now: datetime) -> str:
    """TYPE of a secret (`Opaque`, `kubernetes.io/tls`, ...)."""
    return text(obj.get("type"))


def secret_data(obj: Obj, _now: datetime) -> str:
    """DATA: number of keys in data."""
    return str(len(as_map(obj.get("data"))))


def serviceaccount_secrets(obj: Obj, _now: datetime) -> str:
    """SECRETS: how many secrets the account lists."""
    return str(len(as_list(obj.get("secrets"))))


def namespace_status(obj: Obj, _now: datetime) -> str:
    """STATUS of a namespace: its phase, Active or Terminating."""
    return text(dig(obj, "status", "phase"))


# --- nodes -------------------------------------------------------------------------------------

_ROLE_PREFIX = "node-role.kubernetes.io/"


def node_status(obj: Obj, _now: datetime) -> str:
    """STATUS: Ready/NotReady/Unknown from the Ready condition, plus `,SchedulingDisabled`."""
    ready: Any = None
    for cond in as_list(dig(obj, "status", "conditions")):
        if dig(cond, "type") == "Ready":
            ready = cond  # a later duplicate wins, as with a map keyed by type
    parts = ["Unknown" if ready is None else
             "Ready" if dig(ready, "status") == "True" else "NotReady"]
    if dig(obj, "spec", "unschedulable") is True:
        parts.append("SchedulingDisabled")
    return ",".join(parts)


def node_roles(obj: Obj, _now: datetime) -> str:
    """ROLES: from node-role.kubernetes.io/<role> keys and kubernetes.io/role values."""
    roles: set[str] = set()
    for key, value in as_map(dig(obj, "metadata", "labels")).items():
        if key.startswith(_ROLE_PREFIX):
            if key[len(_ROLE_PREFIX):]:
                roles.add(key[len(_ROLE_PREFIX):])
        elif key == "kubernetes.io/role" and text(value):
            roles.add(text(value))
    return ",".join(sorted(roles)) or "<none>"


def node_version(obj: Obj, _now: datetime) -> str:
    """VERSION: the kubelet version."""
    return text(dig(obj, "status", "nodeInfo", "kubeletVersion"))


def _node_address(obj: Obj, kind: str) -> str:
    for addr in as_list(dig(obj, "status", "addresses")):
        if dig(addr, "type") == kind:
            return text(dig(addr, "address"))
    return "<none>"


def node_internal_ip(obj: Obj, _now: datetime) -> str:
    """INTERNAL-IP."""
    return _node_address(obj, "InternalIP")


def node_external_ip(obj: Obj, _now: datetime) -> str:
    """EXTERNAL-IP."""
    return _node_address(obj, "ExternalIP")


def _node_info(field: str) -> Cell:
    def cell(obj: Obj, _now: datetime) -> str:
        return text(dig(obj, "status", "nodeInfo", field)) or "<unknown>"

    cell.__doc__ = f"status.nodeInfo.{field}, `<unknown>` when empty."
    return cell


node_os_image = _node_info("osImage")
node_kernel = _node_info("kernelVersion")
node_runtime = _node_info("containerRuntimeVersion")


# --- events ------------------------------------------------------------------------------------


def _event_first_seen(obj: Obj, now: datetime) -> str:
    if obj.get("firstTimestamp"):
        return age(obj.get("firstTimestamp"), now)
    return age(obj.get("eventTime"), now)


def event_last_seen(obj: Obj, now: datetime) -> str:
    """LAST SEEN: age of lastTimestamp, else of the first sighting; a series' last observation."""
    series = obj.get("series")
    if isinstance(series, dict):
        return age(series.get("lastObservedTime"), now)
    if obj.get("lastTimestamp"):
        return age(obj.get("lastTimestamp"), now)
    return _event_first_seen(obj, now)


def event_first_seen(obj: Obj, now: datetime) -> str:
    """FIRST SEEN: age of firstTimestamp, else of eventTime."""
    return _event_first_seen(obj, now)


def event_type(obj: Obj, _now: datetime) -> str:
    """TYPE: Normal or Warning."""
    return text(obj.get("type"))


def event_reason(obj: Obj, _now: datetime) -> str:
    """REASON."""
    return text(obj.get("reason"))


def event_object(obj: Obj, _now: datetime) -> str:
    """OBJECT: `<lower-case kind>/<name>` of the involved object."""
    involved = as_map(obj.get("involvedObject"))
    kind = text(involved.get("kind")).lower()
    name = text(involved.get("name"))
    return f"{kind}/{name}" if name else kind


def event_subobject(obj: Obj, _now: datetime) -> str:
    """SUBOBJECT: the involved object's fieldPath (`spec.containers{kubia}`)."""
    return text(dig(obj, "involvedObject", "fieldPath"))


def event_source(obj: Obj, _now: datetime) -> str:
    """SOURCE: `component, host`, or just the component."""
    source = as_map(obj.get("source"))
    parts = [text(source.get("component"))]
    if text(source.get("host")):
        parts.append(text(source.get("host")))
    return ", ".join(parts)


def event_message(obj: Obj, _now: datetime) -> str:
    """MESSAGE, trimmed."""
    return text(obj.get("message")).strip()


def event_count(obj: Obj, _now: datetime) -> str:
    """COUNT: the series count, else count; a singleton event without a count shows 1."""
    series = obj.get("series")
    if isinstance(series, dict):
        return str(num(series.get("count")))
    return str(num(obj.get("count")) or 1)


# --- quotas, RBAC, misc ------------------------------------------------------------------------


def _quota_column(obj: Obj, limits: bool) -> str:
    hard = as_map(dig(obj, "status", "hard"))
    used = as_map(dig(obj, "status", "used"))
    entries = []
    for resource in sorted(hard):
        if resource.startswith("limits.") != limits:
            continue
        entries.append(f"{resource}: {quantity_text(used.get(resource))}/"
                       f"{quantity_text(hard[resource])}")
    return ", ".join(entries)


def quota_request(obj: Obj, _now: datetime) -> str:
    """REQUEST: `<resource>: <used>/<hard>` for every hard limit not named `limits.*`."""
    return _quota_column(obj, limits=False)


def quota_limit(obj: Obj, _now: datetime) -> str:
    """LIMIT: the same for resources named `limits.*`."""
    return _quota_column(obj, limits=True)


def binding_role(obj: Obj, _now: datetime) -> str:
    """ROLE: `<Kind>/<name>` of the roleRef."""
    ref = as_map(obj.get("roleRef"))
    return f"{text(ref.get('kind'))}/{text(ref.get('name'))}"


def _subjects(obj: Obj, kind: str) -> str:
    names = []
    for subject in as_list(obj.get("subjects")):
        if dig(subject, "kind") != kind:
            continue
        name = text(dig(subject, "name"))
        if kind == "ServiceAccount":
            name = f"{text(dig(subject, 'namespace'))}/{name}"
        names.append(name)
    return ", ".join(names)


def binding_users(obj: Obj, _now: datetime) -> str:
    """USERS bound."""
    return _subjects(obj, "User")


def binding_groups(obj: Obj, _now: datetime) -> str:
    """GROUPS bound."""
    return _subjects(obj, "Group")


def binding_service_accounts(obj: Obj, _now: datetime) -> str:
    """SERVICEACCOUNTS bound, as `<namespace>/<name>`."""
    return _subjects(obj, "ServiceAccount")


def lease_holder(obj: Obj, _now: datetime) -> str:
    """HOLDER: spec.holderIdentity."""
    return text(dig(obj, "spec", "holderIdentity"))


def priority_value(obj: Obj, _now: datetime) -> str:
    """VALUE of a priority class."""
    return str(num(obj.get("value")))


def priority_global_default(obj: Obj, _now: datetime) -> str:
    """GLOBAL-DEFAULT: true/false."""
    return "true" if obj.get("globalDefault") is True else "false"


def podtemplate_containers(obj: Obj, _now: datetime) -> str:
    """CONTAINERS of a PodTemplate."""
    return container_cells(dig(obj, "template", "spec"))[0]


def podtemplate_images(obj: Obj, _now: datetime) -> str:
    """IMAGES of a PodTemplate."""
    return container_cells(dig(obj, "template", "spec"))[1]


def podtemplate_labels(obj: Obj, _now: datetime) -> str:
    """POD LABELS: the template's labels."""
    return map_string(as_map(dig(obj, "template", "metadata", "labels")))


def _healthy_condition(obj: Obj) -> Any:
    for cond in as_list(obj.get("conditions")):
        if dig(cond, "type") == "Healthy":
            return cond
    return None


def componentstatus_status(obj: Obj, _now: datetime) -> str:
    """STATUS: Healthy, Unhealthy, or Unknown without a Healthy condition."""
    cond = _healthy_condition(obj)
    if cond is None:
        return "Unknown"
    return "Healthy" if dig(cond, "status") == "True" else "Unhealthy"


def componentstatus_message(obj: Obj, _now: datetime) -> str:
    """MESSAGE of the Healthy condition."""
    return text(dig(_healthy_condition(obj), "message"))


def componentstatus_error(obj: Obj, _now: datetime) -> str:
    """ERROR of the Healthy condition."""
    return text(dig(_healthy_condition(obj), "error"))


def created_at(obj: Obj, _now: datetime) -> str:
    """CREATED AT of the default table: creationTimestamp in UTC, RFC 3339."""
    stamp = dig(obj, "metadata", "creationTimestamp")
    when = parse_time(stamp if isinstance(stamp, str) else None)
    if when is None:
        return "0001-01-01T00:00:00Z"  # Go's zero time, which is what an unset stamp prints
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
