"""What a cluster has on Podman, and removing all of it: `podman pod ps` and `reset`.

Design note. Both work from the labelled listings of `PodmanRuntime` only, so `reset` can never
remove a pod, container or network that is not this cluster's, whatever its name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kubia_tutor.runtime.cri import RuntimeError_
from kubia_tutor.runtime.network.redirect import chain_name, remove_chain, service_chain_name
from kubia_tutor.runtime.podman import labels, network

if TYPE_CHECKING:
    from kubia_tutor.runtime.podman.backend import PodmanRuntime

Obj = dict[str, Any]


@dataclass(frozen=True)
class ManagedPod:
    """A Podman pod of this cluster's, as `podman pod ps` would show it."""

    id: str
    name: str
    namespace: str
    pod: str
    uid: str
    status: str
    containers: int


@dataclass
class Cleanup:
    """What `remove_all` removed, and what it left and why."""

    pods: int = 0
    containers: int = 0
    network_removed: bool = False
    volumes_removed: int = 0
    problems: list[str] = field(default_factory=list)


def managed_pods(sandboxes: list[Obj]) -> list[ManagedPod]:
    """The cluster's Podman pods from their labelled listing."""
    out = []
    for entry in sandboxes:
        lab = entry.get("Labels") or {}
        out.append(ManagedPod(
            id=str(entry.get("Id", "")), name=str(entry.get("Name", "")),
            namespace=lab.get(labels.NAMESPACE, ""), pod=lab.get(labels.POD, ""),
            uid=lab.get(labels.POD_UID, ""), status=str(entry.get("Status", "")),
            containers=len(entry.get("Containers") or [])))
    return out


def remove_all(runtime: PodmanRuntime) -> Cleanup:
    """Remove every pod, container, pod volume directory (tmpfs unmounted) and the network
    of the runtime's cluster (nothing else)."""
    done = Cleanup()
    for entry in runtime._sandboxes():
        try:
            runtime._delete_pod(str(entry["Id"]))
            done.pods += 1
        except RuntimeError_ as exc:
            done.problems.append(str(exc))
    for entry in runtime._containers():
        try:
            runtime._api("delete", f"/containers/{entry['Id']}",
                         params={"force": "true", "timeout": 0}, ok404=True)
            done.containers += 1
        except RuntimeError_ as exc:
            done.problems.append(str(exc))
    done.volumes_removed = runtime.volumes.cleanup_all()
    remove_chain(chain_name(runtime.cluster_id))  # the cluster DNS redirect, if any
    remove_chain(service_chain_name(runtime.cluster_id))  # the service proxy's, if any
    problem = network.remove(runtime.client, runtime.cluster_id)
    if problem:
        done.problems.append(problem)
    else:
        done.network_removed = True
    return done
