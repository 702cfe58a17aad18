"""What the service registry allocates on an update, after validation: a cluster IP for a
service that stops being ExternalName, and node ports for a service that becomes (or stays)
NodePort or LoadBalancer and lists a port without one. Admission does the same on create
(`admission._allocate_service`).

Design note. Kubernetes 1.20's `REST.Update` allocates in this order and refuses a node port
that another service holds with the allocator's message; a port the service already held is
its own, so keeping it is no conflict. Released addresses and ports need no bookkeeping here:
the allocators are the stored services themselves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kubia_tutor.api.admission import (
    _check_requested_ip,
    _key,
    _next_ip,
    _used_service_ips,
    allocate_node_ports,
)

if TYPE_CHECKING:
    from kubia_tutor.api.server import ApiServer

Obj = dict[str, Any]


def allocate_on_update(server: ApiServer, old: Obj, new: Obj) -> None:
    """Fill in the cluster IP and node ports an updated Service needs."""
    spec = new.get("spec")
    if not isinstance(spec, dict):
        return
    old_spec = old.get("spec") or {}
    kind = spec.get("type") or "ClusterIP"
    name = str(new["metadata"]["name"])
    if kind == "ExternalName":
        return
    if (old_spec.get("type") or "ClusterIP") == "ExternalName" and spec.get("clusterIP") != "None":
        used = _used_service_ips(server)
        requested = spec.get("clusterIP")
        if requested:
            _check_requested_ip(name, str(requested), used)
        ip = str(requested) if requested else _next_ip(used)
        spec["clusterIP"] = ip
        spec["clusterIPs"] = [ip]
    if kind not in ("NodePort", "LoadBalancer"):
        return
    mine = frozenset(int(p["nodePort"]) for p in old_spec.get("ports") or []
                     if isinstance(p, dict) and p.get("nodePort"))
    allocate_node_ports(name, spec.get("ports") or [], _node_ports_of_others(server, new), mine)


def _node_ports_of_others(server: ApiServer, svc: Obj) -> set[int]:
    """Node ports held by every service but this one."""
    meta = svc["metadata"]
    used: set[int] = set()
    for other in server.store.items(_key("services", None, "")):
        other_meta = other.get("metadata") or {}
        if (other_meta.get("namespace"), other_meta.get("name")) == \
                (meta.get("namespace"), meta.get("name")):
            continue
        for port in (other.get("spec") or {}).get("ports") or []:
            if isinstance(port, dict) and port.get("nodePort"):
                used.add(int(port["nodePort"]))
    return used
