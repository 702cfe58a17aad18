"""Cells for services, endpoints, ingresses, ingress classes and network policies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kubia_tutor.shell.printers.cell_helpers import (
    Obj,
    as_list,
    as_map,
    dig,
    label_selector_cell,
    load_balancer_string,
    map_string,
    num,
    text,
)


def _service_type(obj: Obj) -> str:
    # The API server always fills spec.type; ClusterIP is what it fills in.
    return text(dig(obj, "spec", "type")) or "ClusterIP"


def service_type(obj: Obj, _now: datetime) -> str:
    """TYPE: ClusterIP, NodePort, LoadBalancer or ExternalName."""
    return _service_type(obj)


def service_cluster_ip(obj: Obj, _now: datetime) -> str:
    """CLUSTER-IP: the first cluster IP (`None` for headless), `<none>` for ExternalName."""
    ips = as_list(dig(obj, "spec", "clusterIPs"))
    first = text(ips[0]) if ips else text(dig(obj, "spec", "clusterIP"))
    return first or "<none>"


def _external_ip(obj: Obj, wide: bool) -> str:
    spec = as_map(obj.get("spec"))
    external_ips = [text(ip) for ip in as_list(spec.get("externalIPs"))]
    kind = _service_type(obj)
    if kind in ("ClusterIP", "NodePort"):
        return ",".join(external_ips) or "<none>"
    if kind == "LoadBalancer":
        lb = load_balancer_string(obj.get("status"), wide)
        if external_ips:
            return ",".join([*(lb.split(",") if lb else []), *external_ips])
        return lb or "<pending>"
    if kind == "ExternalName":
        return text(spec.get("externalName"))
    return "<unknown>"


def service_external_ip(obj: Obj, _now: datetime) -> str:
    """EXTERNAL-IP, with long load-balancer addresses shortened as in the default view."""
    return _external_ip(obj, wide=False)


def service_external_ip_wide(obj: Obj, _now: datetime) -> str:
    """EXTERNAL-IP under -o wide: load-balancer addresses in full."""
    return _external_ip(obj, wide=True)


def service_ports(obj: Obj, _now: datetime) -> str:
    """PORT(S): `port/proto` or `port:nodePort/proto` joined by `,`; `<none>` without ports."""
    pieces = []
    for port in as_list(dig(obj, "spec", "ports")):
        proto = text(dig(port, "protocol")) or "TCP"  # the server defaults the protocol
        node_port = num(dig(port, "nodePort"))
        number = num(dig(port, "port"))
        if node_port > 0:
            pieces.append(f"{number}:{node_port}/{proto}")
        else:
            pieces.append(f"{number}/{proto}")
    return ",".join(pieces) or "<none>"


def service_selector(obj: Obj, _now: datetime) -> str:
    """SELECTOR: the service's label map."""
    return map_string(as_map(dig(obj, "spec", "selector")))


_SHOWN_ENDPOINTS = 3


def endpoints_list(obj: Obj, _now: datetime) -> str:
    """ENDPOINTS: the first three `ip:port` of the ready addresses, then ` + N more...`."""
    subsets = as_list(obj.get("subsets"))
    if not subsets:
        return "<none>"
    shown: list[str] = []
    total = 0
    for subset in subsets:
        addresses = [text(dig(a, "ip")) for a in as_list(dig(subset, "addresses"))]
        ports = as_list(dig(subset, "ports"))
        if not ports:
            # A headless service without ports lists bare addresses.
            pairs = addresses
        else:
            pairs = [_host_port(ip, num(dig(port, "port"))) for port in ports for ip in addresses]
        for pair in pairs:
            if len(shown) < _SHOWN_ENDPOINTS:
                shown.append(pair)
            total += 1
    joined = ",".join(shown)
    if total > _SHOWN_ENDPOINTS:
        return f"{joined} + {total - _SHOWN_ENDPOINTS} more..."
    return joined


def _host_port(ip: str, port: int) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def ingress_class(obj: Obj, _now: datetime) -> str:
    """CLASS: spec.ingressClassName, or `<none>`."""
    value = dig(obj, "spec", "ingressClassName")
    return "<none>" if value is None else text(value)


_SHOWN_HOSTS = 3


def ingress_hosts(obj: Obj, _now: datetime) -> str:
    """HOSTS: up to three rule hosts, then ` + N more...` (N counts rules); `*` if none."""
    rules = as_list(dig(obj, "spec", "rules"))
    hosts: list[str] = []
    more = False
    for rule in rules:
        # Any rule after the third listed host, even a host-less one, triggers the "more" text.
        if len(hosts) == _SHOWN_HOSTS:
            more = True
            break
        host = text(dig(rule, "host"))
        if host:
            hosts.append(host)
    if not hosts:
        return "*"
    joined = ",".join(hosts)
    if more:
        return f"{joined} + {len(rules) - _SHOWN_HOSTS} more..."
    return joined


def _ingress_address(obj: Obj, wide: bool) -> str:
    return load_balancer_string(obj.get("status"), wide)


def ingress_address(obj: Obj, _now: datetime) -> str:
    """ADDRESS: load-balancer addresses, empty until one is assigned."""
    return _ingress_address(obj, wide=False)


def ingress_address_wide(obj: Obj, _now: datetime) -> str:
    """ADDRESS under -o wide (not shortened)."""
    return _ingress_address(obj, wide=True)


def ingress_ports(obj: Obj, _now: datetime) -> str:
    """PORTS: `80`, or `80, 443` when TLS is configured."""
    return "80, 443" if as_list(dig(obj, "spec", "tls")) else "80"


def ingress_class_controller(obj: Obj, _now: datetime) -> str:
    """CONTROLLER of an IngressClass."""
    return text(dig(obj, "spec", "controller"))


def ingress_class_parameters(obj: Obj, _now: datetime) -> str:
    """PARAMETERS of an IngressClass: `Kind[.group]/name`, or `<none>`."""
    params: Any = dig(obj, "spec", "parameters")
    if not isinstance(params, dict):
        return "<none>"
    kind = text(params.get("kind"))
    if params.get("apiGroup") is not None:
        kind += "." + text(params.get("apiGroup"))
    return f"{kind}/{text(params.get('name'))}"


def network_policy_pod_selector(obj: Obj, _now: datetime) -> str:
    """POD-SELECTOR: the policy's pod selector, `<none>` when it selects every pod."""
    return label_selector_cell(dig(obj, "spec", "podSelector"))
