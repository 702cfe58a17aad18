"""Labels and names of the Podman objects the Podman backend creates.

Design note. Labels are the only ownership record: every pod, container and network the
backend creates carries `io.kubia-tutor.managed=true` and `io.kubia-tutor.cluster=<id>`, pods
and containers also the Kubernetes pod's uid, namespace and name, containers their container
name and attempt. The backend lists, stops and removes only objects whose labels say they are
this cluster's (`owned`); names are for people reading `podman ps` and are never trusted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from kubia_tutor.runtime.cri import CREATED, EXITED, RUNNING, ContainerInstance

MANAGED = "io.kubia-tutor.managed"
CLUSTER = "io.kubia-tutor.cluster"
POD_UID = "io.kubia-tutor.pod-uid"
NAMESPACE = "io.kubia-tutor.namespace"
POD = "io.kubia-tutor.pod"
CONTAINER = "io.kubia-tutor.container"
ATTEMPT = "io.kubia-tutor.attempt"
IMAGE = "io.kubia-tutor.image"  # the image as the pod spec names it (`luksa/kubia`)

Obj = dict[str, Any]

# What Podman accepts as a pod, container or network name.
_PODMAN_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*")
# Kubernetes truncates a pod's hostname to 63 characters (a DNS label).
HOSTNAME_MAX = 63
_STATES = {"running": RUNNING, "paused": RUNNING, "stopping": RUNNING,
           "exited": EXITED, "stopped": EXITED}
_ZERO_TIME = "0001-01-01"


def valid_name(name: str) -> bool:
    """Whether Podman takes `name` as an object name."""
    return bool(_PODMAN_NAME.fullmatch(name))


def cluster_labels(cluster_id: str) -> dict[str, str]:
    """The labels every object of the cluster carries (networks carry only these)."""
    return {MANAGED: "true", CLUSTER: cluster_id}


def pod_meta(pod: Obj) -> tuple[str, str, str]:
    """(namespace, name, uid) of a Kubernetes pod."""
    meta = pod.get("metadata") or {}
    uid = str(meta.get("uid") or "")
    if not uid:
        raise ValueError("the pod has no metadata.uid")
    return str(meta.get("namespace") or "default"), str(meta.get("name") or ""), uid


def pod_labels(cluster_id: str, pod: Obj) -> dict[str, str]:
    """The labels of a pod's sandbox."""
    namespace, name, uid = pod_meta(pod)
    return {**cluster_labels(cluster_id), POD_UID: uid, NAMESPACE: namespace, POD: name}


def container_labels(cluster_id: str, pod: Obj, container: str, attempt: int,
                     image: str) -> dict[str, str]:
    """The labels of one container instance."""
    return {**pod_labels(cluster_id, pod), CONTAINER: container, ATTEMPT: str(attempt),
            IMAGE: image}


def sandbox_name(pod: Obj) -> str:
    """`<namespace>_<name>_<uid[:8]>`: unique per pod, readable in `podman pod ps`."""
    namespace, name, uid = pod_meta(pod)
    return f"{namespace}_{name}_{uid.replace('-', '')[:8]}"


def container_name(pod: Obj, container: str, attempt: int) -> str:
    """`<sandbox name>-<container>-<attempt>`."""
    return f"{sandbox_name(pod)}-{container}-{attempt}"


def network_name(cluster_id: str) -> str:
    """`kubia-tutor-<cluster id>`: the cluster's Podman network."""
    return f"kubia-tutor-{cluster_id}"


def hostname(pod: Obj) -> str:
    """The pod's hostname: `spec.hostname` or the pod's name, cut to 63 characters."""
    spec = pod.get("spec") or {}
    name = str(spec.get("hostname") or pod_meta(pod)[1])
    return name[:HOSTNAME_MAX].rstrip("-.") or "pod"


def owned(labels: Mapping[str, str] | None, cluster_id: str) -> bool:
    """Whether an object's labels say it is this cluster's."""
    labels = labels or {}
    return labels.get(MANAGED) == "true" and labels.get(CLUSTER) == cluster_id


def owned_container(labels: Mapping[str, str] | None, cluster_id: str) -> bool:
    """Whether a container's labels say it is one of this cluster's container instances
    (a pod's infra container has the pod's labels but no container name or attempt)."""
    labels = labels or {}
    return (owned(labels, cluster_id) and bool(labels.get(POD_UID))
            and bool(labels.get(CONTAINER)) and str(labels.get(ATTEMPT, "")).isdigit())


def rfc3339(value: Any) -> str | None:
    """RFC 3339 UTC with second precision from Podman's nanosecond timestamps (None for the
    zero time)."""
    if not value or not isinstance(value, str) or value.startswith(_ZERO_TIME):
        return None
    text = value.strip()
    head, _, rest = text.partition(".")
    if rest:  # drop the fraction, keep the zone
        zone = next((i for i, c in enumerate(rest) if not c.isdigit()), len(rest))
        text = head + rest[zone:]
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def image_id(raw: str) -> str:
    """`sha256:<hex>` from Podman's bare image id."""
    return raw if not raw or raw.startswith("sha256:") else f"sha256:{raw}"


def instance(data: Obj) -> ContainerInstance:
    """A container instance from its inspect data (labels say which one it is)."""
    config = data.get("Config") or {}
    lab = config.get("Labels") or {}
    state = data.get("State") or {}
    status = _STATES.get(str(state.get("Status", "")).lower(), CREATED)
    exited = status == EXITED
    return ContainerInstance(
        name=lab.get(CONTAINER, ""), attempt=int(lab.get(ATTEMPT, "0")),
        id=str(data.get("Id", "")), image=lab.get(IMAGE) or str(data.get("ImageName")),
        image_id=image_id(str(data.get("Image", ""))), state=status,
        exit_code=int(state.get("ExitCode") or 0) if exited else None,
        oom_killed=bool(state.get("OOMKilled")),
        started_at=rfc3339(state.get("StartedAt")),
        finished_at=rfc3339(state.get("FinishedAt")) if exited else None,
        message=str(state.get("Error") or ""))
