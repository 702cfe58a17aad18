"""Networking: Services, Endpoints and NetworkPolicies."""

from __future__ import annotations

from kubia_tutor.api.defaulting.fields import (
    Obj,
    _entries,
    _existing,
    _fill,
    _spec,
    _unset,
    _unset_int,
)


def _default_service(service: Obj) -> None:
    spec = _spec(service)
    if spec is None:
        return
    _fill(spec, "type", "ClusterIP")
    _fill(spec, "sessionAffinity", "None")
    if spec["sessionAffinity"] == "None":
        spec.pop("sessionAffinityConfig", None)
    elif spec["sessionAffinity"] == "ClientIP":
        client_ip = _existing(_existing(spec, "sessionAffinityConfig"), "clientIP")
        if client_ip is None or client_ip.get("timeoutSeconds") is None:
            spec["sessionAffinityConfig"] = {"clientIP": {"timeoutSeconds": 10800}}
    for port in _entries(spec, "ports"):
        _fill(port, "protocol", "TCP")
        if _unset(port.get("targetPort")) or _unset_int(port.get("targetPort")):
            port["targetPort"] = port.get("port")
    if spec["type"] in ("NodePort", "LoadBalancer"):
        _fill(spec, "externalTrafficPolicy", "Cluster")
    # The registry keeps the plural field in step with the singular one.
    cluster_ip = spec.get("clusterIP")
    if spec["type"] != "ExternalName" and not _unset(cluster_ip) and not spec.get("clusterIPs"):
        spec["clusterIPs"] = [cluster_ip]


def _default_endpoints(endpoints: Obj) -> None:
    for subset in _entries(endpoints, "subsets"):
        for port in _entries(subset, "ports"):
            _fill(port, "protocol", "TCP")


def _default_network_policy(policy: Obj) -> None:
    spec = _spec(policy)
    if spec is None:
        return
    for direction in ("ingress", "egress"):
        for rule in _entries(spec, direction):
            for port in _entries(rule, "ports"):
                _fill(port, "protocol", "TCP")
    if not spec.get("policyTypes"):
        spec["policyTypes"] = ["Ingress", "Egress"] if spec.get("egress") else ["Ingress"]
