"""`kubectl describe service` (kubectl 1.20 layout, endpoints read from the Endpoints object)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubia_tutor.shell.describe.context import DescribeContext
from kubia_tutor.shell.describe.events import append_events
from kubia_tutor.shell.describe.meta import spec_of, status_of
from kubia_tutor.shell.describe.writer import (
    PrefixWriter,
    format_labels,
    header,
    name_of,
    namespace_of,
    str_map,
)


def describe_service(obj: dict[str, Any], ctx: DescribeContext) -> str:
    """Type, IPs, one Port/TargetPort/NodePort/Endpoints group per port, and policies."""
    w = PrefixWriter()
    spec = spec_of(obj)
    header(w, obj)
    w.line(0, "Selector:", format_labels(str_map(spec.get("selector"))))
    w.line(0, "Type:", spec.get("type", ""))
    if spec.get("ipFamilyPolicy"):
        w.line(0, "IP Family Policy:", spec["ipFamilyPolicy"])
    w.line(0, "IP Families:", ",".join(spec.get("ipFamilies") or []) or "<none>")
    w.line(0, "IP:", spec.get("clusterIP", ""))
    w.line(0, "IPs:", ",".join(spec.get("clusterIPs") or []) or "<none>")
    if spec.get("externalIPs"):
        w.line(0, "External IPs:", ",".join(spec["externalIPs"]))
    if spec.get("loadBalancerIP"):
        # kubectl 1.20 labels the requested load-balancer IP plain "IP:".
        w.line(0, "IP:", spec["loadBalancerIP"])
    if spec.get("externalName"):
        w.line(0, "External Name:", spec["externalName"])
    ingress = (status_of(obj).get("loadBalancer") or {}).get("ingress") or []
    if ingress:
        w.line(0, "LoadBalancer Ingress:",
               ", ".join(str(i.get("ip") or i.get("hostname") or "") for i in ingress))
    endpoints = ctx.get_object("Endpoints", namespace_of(obj), name_of(obj)) or {}
    for port in spec.get("ports") or []:
        name = port.get("name") or "<unset>"
        protocol = port.get("protocol") or "TCP"
        w.line(0, "Port:", name, f"{port.get('port', 0)}/{protocol}")
        target = port.get("targetPort", port.get("port", 0))
        w.line(0, "TargetPort:", f"{target}/{protocol}")
        if port.get("nodePort"):
            w.line(0, "NodePort:", name, f"{port['nodePort']}/{protocol}")
        w.line(0, "Endpoints:", format_endpoints(endpoints, {str(port.get("name") or "")}))
    w.line(0, "Session Affinity:", spec.get("sessionAffinity") or "None")
    if spec.get("externalTrafficPolicy"):
        w.line(0, "External Traffic Policy:", spec["externalTrafficPolicy"])
    if spec.get("healthCheckNodePort"):
        w.line(0, "HealthCheck NodePort:", spec["healthCheckNodePort"])
    if spec.get("loadBalancerSourceRanges"):
        w.line(0, "LoadBalancer Source Ranges:", ",".join(spec["loadBalancerSourceRanges"]))
    append_events(w, obj, ctx)
    return w.render()


def format_endpoints(endpoints: Mapping[str, Any], port_names: set[str] | None) -> str:
    """`ip:port` for ready addresses of the named ports: three, then `+ N more...`."""
    subsets = endpoints.get("subsets") or []
    if not subsets:
        return "<none>"
    shown: list[str] = []
    count = 0
    for subset in subsets:
        addresses = [str(a.get("ip", "")) for a in subset.get("addresses") or []]
        ports = subset.get("ports") or []
        if not ports:
            # Headless services may have no ports: list bare addresses.
            pairs = addresses
        else:
            pairs = [_host_port(ip, p.get("port", 0)) for p in ports
                     if port_names is None or str(p.get("name") or "") in port_names
                     for ip in addresses]
        for pair in pairs:
            if len(shown) < 3:
                shown.append(pair)
            count += 1
    text = ",".join(shown)
    return f"{text} + {count - 3} more..." if count > 3 else text


def _host_port(ip: str, port: object) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"
