"""The cluster's Podman network: `kubia-tutor-<cluster id>`, a bridge on a /24 of the pod
range 10.244.0.0/16.

Design note. Pods join one bridge network per cluster (`--subnet 10.244.N.0/24 --gateway
10.244.N.1 --disable-dns`): never `--internal`, whose bridge has no address or route, so the
host's traffic to it would follow the default route off the machine. Podman refuses two
networks with overlapping subnets, so each cluster takes the first /24 of the pod range that
no Podman network on the host overlaps (as a node of a real cluster gets its own podCIDR out of
the cluster's); several state dirs can run at once, and a cluster keeps its subnet for as long
as its network exists. A network of that name without this cluster's labels is someone else's
and is neither used nor removed.
"""

from __future__ import annotations

import ipaddress
import json
import socket
from typing import TYPE_CHECKING, Any

from kubia_tutor.runtime.cri import RuntimeError_
from kubia_tutor.runtime.podman import labels

if TYPE_CHECKING:
    from podman import PodmanClient

POD_RANGE = "10.244.0.0/16"
NODE_PREFIX = 24


def default_gateway(subnet: str) -> str:
    """The first address of the subnet (10.244.0.1 for 10.244.0.0/16)."""
    return str(next(ipaddress.ip_network(subnet).hosts()))


def message(response: Any) -> str:
    """Podman's error message from an API response."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip() or f"HTTP {response.status_code}"
    return str(body.get("message") or body.get("cause") or body)


def inspect(client: PodmanClient, name: str) -> dict[str, Any] | None:
    """The network's inspect data, or None when there is none of that name."""
    response = client.api.get(f"/networks/{name}/json")
    if response.status_code == 404:
        return None
    if not response.ok:
        raise RuntimeError_(f"inspecting network {name}: {message(response)}")
    data: Any = response.json()
    return dict(data[0] if isinstance(data, list) else data)


def _taken(client: PodmanClient) -> list[tuple[str, ipaddress.IPv4Network
                                                | ipaddress.IPv6Network]]:
    """(network name, subnet) of every Podman network on the host (read only)."""
    response = client.api.get("/networks/json")
    if not response.ok:
        return []
    found = []
    for net in response.json() or []:
        for sub in net.get("subnets") or []:
            try:
                subnet = ipaddress.ip_network(sub.get("subnet", ""))
            except ValueError:
                continue
            found.append((str(net.get("name", "")), subnet))
    return found


def _holder(client: PodmanClient, subnet: str) -> str:
    """The name of a network whose subnet overlaps `subnet`, or ''."""
    wanted = ipaddress.ip_network(subnet)
    return next((name for name, net in _taken(client) if net.overlaps(wanted)), "")


def free_subnet(client: PodmanClient, pod_range: str = POD_RANGE) -> str:
    """The first /24 of the pod range that no Podman network overlaps."""
    taken = [net for _name, net in _taken(client)]
    for candidate in ipaddress.ip_network(pod_range).subnets(new_prefix=NODE_PREFIX):
        if not any(candidate.overlaps(net) for net in taken):
            return str(candidate)
    raise RuntimeError_(f"no free /{NODE_PREFIX} left in the pod range {pod_range}: remove "
                        "the Podman networks of clusters you no longer use (kubia-tutor reset)")


def subnet_of(found: dict[str, Any]) -> str:
    """The first subnet of an inspected network."""
    subnets = found.get("subnets") or []
    return str(subnets[0].get("subnet", "")) if subnets else ""


def ensure(client: PodmanClient, cluster_id: str, subnet: str | None = None,
           gateway: str | None = None) -> str:
    """Create the cluster's network when it is missing (on `subnet`, or the first free /24
    of the pod range); return its subnet."""
    name = labels.network_name(cluster_id)
    found = inspect(client, name)
    if found is not None:
        if not labels.owned(found.get("labels"), cluster_id):
            raise RuntimeError_(f"network {name} exists but was not created by kubia-tutor"
                                f" cluster {cluster_id} (labels {found.get('labels')}):"
                                " remove or rename it")
        if found.get("internal"):
            raise RuntimeError_(f"network {name} is internal: the host cannot reach its pods")
        return subnet_of(found)
    if subnet is None:
        # another cluster may take the same /24 at the same moment: the loser tries the next
        for _attempt in range(8):
            try:
                return _create(client, cluster_id, name, free_subnet(client), gateway)
            except _Overlap:
                continue
        raise RuntimeError_(f"cannot find a free subnet for Podman network {name}")
    try:
        return _create(client, cluster_id, name, subnet, gateway)
    except _Overlap as err:
        raise RuntimeError_(str(err)) from None


class _Overlap(RuntimeError_):
    """The subnet was taken by another network."""


def _create(client: PodmanClient, cluster_id: str, name: str, subnet: str,
            gateway: str | None) -> str:
    body = {
        "name": name, "driver": "bridge", "dns_enabled": False, "internal": False,
        "labels": labels.cluster_labels(cluster_id),
        "subnets": [{"subnet": subnet, "gateway": gateway or default_gateway(subnet)}],
    }
    response = client.api.post("/networks/create", data=json.dumps(body))
    if response.ok:
        return subnet
    why = message(response)
    if inspect(client, name) is not None:  # created concurrently by another caller
        return ensure(client, cluster_id, None, gateway)
    holder = _holder(client, subnet)
    hint = f" (network {holder} uses it)" if holder else ""
    error = f"cannot create Podman network {name} with subnet {subnet}{hint}: {why}"
    raise _Overlap(error) if holder else RuntimeError_(error)


def remove(client: PodmanClient, cluster_id: str) -> str | None:
    """Remove the cluster's network when it is this cluster's; returns why it was not removed
    (None when removed or missing). Never forced: containers of others keep it."""
    name = labels.network_name(cluster_id)
    found = inspect(client, name)
    if found is None:
        return None
    if not labels.owned(found.get("labels"), cluster_id):
        return f"network {name} is not this cluster's: left alone"
    response = client.api.delete(f"/networks/{name}")
    if response.ok or response.status_code == 404:
        return None
    return f"network {name} not removed: {message(response)}"


def registry_answers(domain: str, timeout: float = 0.5) -> bool:
    """Whether a registry's HTTPS port accepts a connection at once (only with allow_pull)."""
    host = "registry-1.docker.io" if domain == "docker.io" else domain
    name, _, port = host.partition(":")
    try:
        with socket.create_connection((name, int(port or 443)), timeout=timeout):
            return True
    except (OSError, ValueError):
        return False
