"""Resource usage of a cluster's running containers, from the tutor's own Podman service.

Design note. One round costs two libpod calls whatever the number of pods: list this
cluster's running containers by label, then `GET /containers/stats?stream=false` for exactly
those ids (Podman's cumulative `CPUNano` and `MemUsage`). Only container instances carrying
this cluster's labels are measured; the pods' infra containers are left out, as the kubelet
leaves out the pause container.

Podman's `MemUsage` is the cgroup's whole usage, page cache included (writing a 50 MB file
in a container adds 50 MB to it). metrics-server reports the working set instead, usage less
the inactive file pages, which is what the OOM killer cannot simply reclaim; so the inactive
file count is read from the container's cgroup (`memory.stat`, found from inspect's
`State.CgroupPath`, cached per container) and taken off. Where that file cannot be read the
plain usage stands.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kubia_tutor.runtime.cri import ContainerStats
from kubia_tutor.runtime.podman import labels

if TYPE_CHECKING:
    from podman import PodmanClient

log = logging.getLogger(__name__)

Obj = dict[str, Any]

# container id -> its cgroup path ("" when inspect gave none); ids are unique host-wide.
_cgroup_paths: dict[str, str] = {}
_seen: dict[str, set[str]] = {}  # cluster id -> its containers measured last round
_cache_lock = threading.Lock()


def memory_cgroup_root(mounts_file: str = "/proc/mounts") -> tuple[Path, str] | None:
    """Where the memory controller is mounted and the `memory.stat` key of the inactive file
    pages: `total_inactive_file` under cgroup v1 (hierarchical), `inactive_file` under v2."""
    try:
        mounts = Path(mounts_file).read_text()
    except OSError:
        return None
    unified = None
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) < 4:
            continue
        if fields[2] == "cgroup" and "memory" in fields[3].split(","):
            return Path(fields[1]), "total_inactive_file"  # v1 wins in a hybrid layout
        if fields[2] == "cgroup2" and unified is None:
            unified = Path(fields[1])
    return (unified, "inactive_file") if unified is not None else None


def inactive_file(stat_text: str, key: str) -> int:
    """The inactive file pages (bytes) from a `memory.stat`; 0 when absent."""
    for line in stat_text.splitlines():
        name, _, value = line.partition(" ")
        if name == key and value.strip().isdigit():
            return int(value)
    return 0


def working_set(usage: int, stat_text: str | None, key: str) -> int:
    """Usage less the inactive file pages, as cAdvisor computes the working set."""
    if stat_text is None:
        return usage
    inactive = inactive_file(stat_text, key)
    return usage - inactive if inactive < usage else 0


def _api(client: PodmanClient, path: str, params: Obj) -> Any:
    response = client.api.get(path, params=params)
    if not response.ok:  # a container gone meanwhile: this round goes without it
        log.debug("podman GET %s: HTTP %s", path, response.status_code)
        return None
    return response.json()


def _cgroup_path(client: PodmanClient, container_id: str) -> str:
    with _cache_lock:
        if container_id in _cgroup_paths:
            return _cgroup_paths[container_id]
    data = _api(client, f"/containers/{container_id}/json", {}) or {}
    path = str((data.get("State") or {}).get("CgroupPath") or "")
    with _cache_lock:
        _cgroup_paths[container_id] = path
    return path


def _memory_stat(root: tuple[Path, str] | None, cgroup: str) -> str | None:
    if root is None or not cgroup:
        return None
    try:
        return (root[0] / cgroup.lstrip("/") / "memory.stat").read_text()
    except OSError:
        return None


def running_instances(client: PodmanClient, cluster_id: str) -> dict[str, Obj]:
    """This cluster's running container instances (infra containers left out), by id."""
    wanted = [f"{labels.MANAGED}=true", f"{labels.CLUSTER}={cluster_id}"]
    found = _api(client, "/containers/json",
                 {"filters": json.dumps({"label": wanted, "status": ["running"]})}) or []
    return {str(c["Id"]): c for c in found
            if labels.owned_container(c.get("Labels"), cluster_id)}


def _stats(client: PodmanClient, ids: list[str]) -> list[Obj]:
    """Podman's stats of the given containers; one call, or one per container when a
    container stopped between the listing and this call (Podman then fails the whole call)."""
    data = _api(client, "/containers/stats", {"containers": ids, "stream": "false"})
    if data is not None and not data.get("Error"):
        return list(data.get("Stats") or [])
    out: list[Obj] = []
    for container_id in ids:
        one = _api(client, "/containers/stats",
                   {"containers": [container_id], "stream": "false"})
        if one is not None and not one.get("Error"):
            out.extend(one.get("Stats") or [])
    return out


def sample(client: PodmanClient, cluster_id: str,
           memory_root: tuple[Path, str] | None = None) -> list[ContainerStats]:
    """One usage sample of every running container instance of the cluster."""
    instances = running_instances(client, cluster_id)
    if not instances:
        return []
    root = memory_root if memory_root is not None else memory_cgroup_root()
    out = []
    for entry in _stats(client, sorted(instances)):
        container_id = str(entry.get("ContainerID") or "")
        listed = instances.get(container_id)
        if listed is None:
            continue
        lab = listed.get("Labels") or {}
        usage = int(entry.get("MemUsage") or 0)
        stat = _memory_stat(root, _cgroup_path(client, container_id))
        out.append(ContainerStats(
            pod_uid=str(lab.get(labels.POD_UID, "")), container=str(lab.get(labels.CONTAINER)),
            id=container_id, cpu_nanos=int(entry.get("CPUNano") or 0),
            memory_bytes=working_set(usage, stat, root[1] if root else "")))
    _forget_others(cluster_id, set(instances))
    return out


def _forget_others(cluster_id: str, alive: set[str]) -> None:
    """Drop the cached cgroup paths of this cluster's containers that stopped running (the
    cache is shared by every cluster in the process, so others' entries stay)."""
    with _cache_lock:
        seen = _seen.setdefault(cluster_id, set())
        for gone in seen - alive:
            _cgroup_paths.pop(gone, None)
        _seen[cluster_id] = set(alive)
