"""Services: type, ports, cluster IP and external name, and the node port allocator's range."""

from __future__ import annotations

import ipaddress

from kubia_tutor.api.selectors import dns1123_subdomain_errors, go_quote
from kubia_tutor.api.semantics.causes import Errors, _one_of
from kubia_tutor.api.semantics.containers import PROTOCOLS, _port_num_or_name
from kubia_tutor.api.semantics.fields import Obj, _d, _int, _l, _set, _text
from kubia_tutor.api.semantics.govalues import GoLiteral, go_string_slice
from kubia_tutor.api.semantics.meta import _labels
from kubia_tutor.api.semantics.names import dns1123_label_errors, port_number_errors

NODE_PORT_RANGE = (30000, 32767)
SERVICE_TYPES = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")


def _headless(spec: Obj) -> bool:
    return spec.get("clusterIP") == "None" or _l(spec.get("clusterIPs")) == ["None"]


def _protocol(port: Obj) -> str:
    """A service port's protocol; defaulting makes an unset one TCP."""
    return _text(port.get("protocol")) or "TCP"


def _cluster_ip(spec: Obj) -> str:
    """The first cluster IP, from `clusterIP` or else `clusterIPs`."""
    return _text(spec.get("clusterIP")) or _text(next(iter(_l(spec.get("clusterIPs"))), ""))


def _service_port_repr(port: Obj) -> GoLiteral:
    return GoLiteral(
        f'core.ServicePort{{Name:"", Protocol:{go_quote(_protocol(port))}, '
        f"AppProtocol:(*string)(nil), Port:{_int(port.get('port')) or 0}, "
        f'TargetPort:intstr.IntOrString{{Type:0, IntVal:0, StrVal:""}}, NodePort:0}}')


def _service(e: Errors, svc: Obj) -> None:
    spec = _d(svc.get("spec"))
    kind = _text(spec.get("type")) or "ClusterIP"
    ports = _l(spec.get("ports"))
    if not ports and not _headless(spec) and kind != "ExternalName":
        e.required("spec.ports")
    cluster_ip = _text(spec.get("clusterIP"))
    if kind == "LoadBalancer":
        for i, port in enumerate(ports):
            if _int(_d(port).get("port")) == 10250:
                e.invalid(f"spec.ports[{i}]", 10250,
                          "may not expose port 10250 externally since it is used by kubelet")
    if kind in ("LoadBalancer", "NodePort") and cluster_ip == "None":
        e.invalid("spec.clusterIP", cluster_ip,
                  f"may not be set to 'None' for {kind} services")
    if kind == "ExternalName":
        if cluster_ip:
            e.forbidden("spec.clusterIP", "must be empty for ExternalName services")
        cname = _text(spec.get("externalName")).removesuffix(".")
        if not cname:
            e.required("spec.externalName")
        for msg in dns1123_subdomain_errors(cname) if cname else []:
            e.invalid("spec.externalName", cname, msg)
    names: set[str] = set()
    for i, raw in enumerate(ports):
        port, where = _d(raw), f"spec.ports[{i}]"
        name = _text(port.get("name"))
        if len(ports) > 1 and not name:
            e.required(f"{where}.name")
        elif name:
            for msg in dns1123_label_errors(name):
                e.invalid(f"{where}.name", name, msg)
            if name in names:
                e.duplicate(f"{where}.name", name)
            names.add(name)
        number = _int(port.get("port")) or 0
        for msg in port_number_errors(number):
            e.invalid(f"{where}.port", number, msg)
        _one_of(e, port, "protocol", PROTOCOLS, f"{where}.protocol")
        if _set(port, "targetPort"):
            _port_num_or_name(e, port["targetPort"], f"{where}.targetPort")
    if spec.get("selector") is not None:
        _labels(e, spec.get("selector"), "spec.selector")
    _one_of(e, spec, "sessionAffinity", ("ClientIP", "None"), "spec.sessionAffinity")
    if cluster_ip and cluster_ip != "None" and kind != "ExternalName":
        try:
            ipaddress.ip_address(cluster_ip)
        except ValueError:
            e.invalid("spec.clusterIPs[0]", cluster_ip,
                      "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)")
    _one_of(e, spec, "type", SERVICE_TYPES, "spec.type")
    for i, port in enumerate(ports):
        if kind == "ClusterIP" and _int(_d(port).get("nodePort")):
            e.forbidden(f"spec.ports[{i}].nodePort", "may not be used when `type` is 'ClusterIP'")
    seen_node_ports: set[tuple[str, int]] = set()
    seen_ports: set[tuple[str, int]] = set()
    for i, raw in enumerate(ports):
        port = _d(raw)
        protocol = _protocol(port)
        node_port = _int(port.get("nodePort")) or 0
        if node_port and (protocol, node_port) in seen_node_ports:
            e.duplicate(f"spec.ports[{i}].nodePort", node_port)
        seen_node_ports.add((protocol, node_port))
    for i, raw in enumerate(ports):
        port = _d(raw)
        key = (_protocol(port), _int(port.get("port")) or 0)
        if key in seen_ports:
            e.duplicate(f"spec.ports[{i}]", _service_port_repr(port))
        seen_ports.add(key)


def _node_port_range(svc: Obj) -> list[tuple[str, str]]:
    """The allocator's refusal of an explicit nodePort outside the node port range."""
    spec = _d(svc.get("spec"))
    if _text(spec.get("type")) not in ("NodePort", "LoadBalancer"):
        return []
    low, high = NODE_PORT_RANGE
    for i, port in enumerate(_l(spec.get("ports"))):
        wanted = _int(_d(port).get("nodePort"))
        if wanted and not low <= wanted <= high:
            return [(f"spec.ports[{i}].nodePort",
                     f"Invalid value: {wanted}: provided port is not in the valid range. "
                     f"The range of valid ports is {low}-{high}")]
    return []


def _service_update(e: Errors, new: Obj, old: Obj) -> None:
    ns, os_ = _d(new.get("spec")), _d(old.get("spec"))
    if "ExternalName" in (_text(ns.get("type")), _text(os_.get("type"))):
        return
    if _headless(ns) and _headless(os_):
        return
    # 1.20's `validateUpgradeDowngradeClusterIPs`. An update that leaves the address out
    # (`kubectl replace` of the file a service was created from) is refused: carrying the
    # allocated address forward came in 1.22. The strategy only restores `clusterIPs` when
    # `clusterIP` itself was kept, which defaulting does here by mirroring the two.
    now, before = _cluster_ip(ns), _cluster_ip(os_)
    if before and not now:
        ips = ns.get("clusterIPs")
        e.invalid("spec.clusterIPs[0]", GoLiteral(go_string_slice(ips if ips else None)),
                  "primary clusterIP can not be unset")
    elif now and before and now != before:
        e.invalid("spec.clusterIPs[0]", GoLiteral(go_string_slice([now])),
                  "may not change once set")
