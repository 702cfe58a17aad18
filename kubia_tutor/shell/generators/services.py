"""Services: `kubectl create service ...`, `kubectl expose` and the service of `run --expose`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kubia_tutor.shell.generators._order import in_go_order
from kubia_tutor.shell.generators._support import (
    Obj,
    go_atoi,
    go_parse_port,
    is_dns1123_subdomain,
    parse_labels,
    port_name_errors,
    port_num_errors,
    try_atoi,
)
from kubia_tutor.shell.generators.errors import GeneratorError, required_flag

__all__ = ["EXPOSABLE_KINDS", "expose", "run_service", "service"]

_SERVICE_TYPES = {
    "clusterip": "ClusterIP",
    "nodeport": "NodePort",
    "loadbalancer": "LoadBalancer",
    "externalname": "ExternalName",
}


def _new_service(name: str) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "creationTimestamp": None},
        "spec": {},
        "status": {"loadBalancer": {}},
    }


# ---------------------------------------------------------------------------------------------
# create service clusterip|nodeport|loadbalancer|externalname


def service(
    kind: str,
    name: str,
    tcp: Sequence[str] = (),
    node_port: int = 0,
    cluster_ip: str = "",
    external_name: str = "",
) -> Obj:
    """The Service of `kubectl create service KIND NAME --tcp=port[:targetPort] ...`.

    Each `--tcp` value may hold several comma-separated specs, as the flag does. A port is
    named `<port>-<targetPort>` (or just `<port>`); labels and selector are `app=<name>`.
    `cluster_ip` is only a flag of `clusterip`, `node_port` of `nodeport` and
    `external_name` of `externalname`.
    """
    service_type = _SERVICE_TYPES.get(kind.lower())
    if service_type is None:
        raise GeneratorError(f"unknown service type {kind}")
    if service_type == "ExternalName" and not external_name:
        raise required_flag("external-name")
    specs = [spec for value in tcp for spec in value.split(",")]
    if cluster_ip == "None" and service_type != "ClusterIP":
        raise GeneratorError("ClusterIP=None can only be used with ClusterIP service type")
    if cluster_ip != "None" and not specs and service_type != "ExternalName":
        raise GeneratorError("at least one tcp port specifier must be provided")
    if service_type == "ExternalName" and not is_dns1123_subdomain(external_name):
        raise GeneratorError(f"invalid service external name {external_name}")

    ports: list[Obj] = []
    for spec in specs:
        port, target = _parse_tcp(spec)
        entry: Obj = {
            "name": spec.replace(":", "-"),
            "port": port,
            "protocol": "TCP",
            "targetPort": target,
        }
        if node_port:
            entry["nodePort"] = node_port
        ports.append(entry)

    svc = _new_service(name)
    svc["metadata"]["labels"] = {"app": name}
    spec_obj: Obj = {"selector": {"app": name}, "type": service_type}
    if ports:
        spec_obj["ports"] = ports
    if external_name:
        spec_obj["externalName"] = external_name
    if cluster_ip:
        spec_obj["clusterIP"] = cluster_ip
    svc["spec"] = spec_obj
    return in_go_order(svc)


def _parse_tcp(spec: str) -> tuple[int, int | str]:
    parts = spec.split(":")
    port = go_parse_port(parts[0])
    if len(parts) == 1:
        return port, port
    number = try_atoi(parts[1])
    if number is None:
        errs = port_name_errors(parts[1])
        if errs:
            raise GeneratorError(",".join(errs))
        return port, parts[1]
    errs = port_num_errors(number)
    if errs:
        raise GeneratorError(",".join(errs))
    return port, number


# ---------------------------------------------------------------------------------------------
# expose

# The kinds `kubectl expose` accepts, as Kind.group (core kinds have no group).
EXPOSABLE_KINDS = frozenset(
    {
        "ReplicationController",
        "Service",
        "Pod",
        "Deployment.apps",
        "ReplicaSet.apps",
        "Deployment.extensions",
        "ReplicaSet.extensions",
    }
)


def expose(
    obj: Mapping[str, Any],
    kind: str | None = None,
    *,
    name: str = "",
    port: str = "",
    target_port: str = "",
    container_port: str = "",
    protocol: str = "",
    type: str = "",
    selector: str = "",
    labels: str = "",
    external_ip: str = "",
    load_balancer_ip: str = "",
    session_affinity: str = "",
    cluster_ip: str = "",
) -> Obj:
    """The Service `kubectl expose KIND NAME [flags]` derives from the object `obj`.

    `kind` defaults to `obj["kind"]`. What the flags leave out comes from the object: the
    selector (an RC's or Service's selector, a Deployment's or ReplicaSet's matchLabels, a
    Pod's labels), the ports (each container port; several ports are named `port-1`, ...),
    each port's protocol, and the labels. The service is named after the object, cut to 63
    characters, unless `name` is given. Flags are strings, as kubectl passes them on.
    """
    kind = kind or str(obj.get("kind", ""))
    group = _group_of(str(obj.get("apiVersion", "")))
    group_kind = f"{kind}.{group}" if group else kind
    if group_kind not in EXPOSABLE_KINDS:
        raise GeneratorError(f"cannot expose a {group_kind}")
    meta = obj.get("metadata") or {}
    default_name = str(meta.get("name", ""))[:63]

    selector_map: dict[str, str] | None = None
    if not selector:
        try:
            selector_map = _selector_of(kind, obj)
        except GeneratorError as err:
            raise GeneratorError(
                f"couldn't retrieve selectors via --selector flag or introspection: {err.message}",
                usage_hint=True,
            ) from None

    ports_param = ""
    if not port:
        found = _ports_of(kind, obj)
        if not found and cluster_ip != "None":
            raise GeneratorError(
                "couldn't find port via --port flag or introspection", usage_hint=True
            )
        if len(found) == 1:
            port = found[0]
        elif found:
            ports_param = ",".join(found)
    protocols = _protocols_of(kind, obj)

    label_map: dict[str, str] | None = None
    if not labels:
        label_map = dict(meta.get("labels") or {})

    if selector_map is not None and not selector_map:
        raise GeneratorError("Parameter: selector is required")
    return _service_v2(
        default_name=default_name,
        name=name,
        selector=parse_labels(selector) if selector else selector_map or {},
        labels=parse_labels(labels) if labels else label_map or {},
        port=ports_param or port,
        protocol=protocol,
        protocols=protocols,
        target_port=target_port or container_port,
        external_ip=external_ip,
        service_type=type,
        load_balancer_ip=load_balancer_ip,
        session_affinity=session_affinity,
        cluster_ip=cluster_ip,
    )


def run_service(name: str, port: str, labels: str = "") -> Obj:
    """The Service `kubectl run NAME --expose --port=P [--labels=...]` creates beside the pod.

    It selects the pod's labels (`run=<name>` by default) and carries `--labels` as its own
    labels, so without `--labels` it has none.
    """
    selector = parse_labels(labels) if labels else {"run": name}
    return _service_v2(
        default_name=name,
        name=name,
        selector=selector,
        labels=parse_labels(labels) if labels else {},
        port=port,
        protocol="",
        protocols={},
        target_port="",
        external_ip="",
        service_type="",
        load_balancer_ip="",
        session_affinity="",
        cluster_ip="",
    )


def _service_v2(
    *,
    default_name: str,
    name: str,
    selector: dict[str, str],
    labels: dict[str, str],
    port: str,
    protocol: str,
    protocols: dict[str, str],
    target_port: str,
    external_ip: str,
    service_type: str,
    load_balancer_ip: str,
    session_affinity: str,
    cluster_ip: str,
) -> Obj:
    """kubectl's "service/v2" generator, shared by expose and run --expose."""
    ports: list[Obj] = []
    if port:
        items = port.split(",")
        for index, item in enumerate(items, start=1):
            number = go_atoi(item)
            entry: Obj = {"port": number}
            if len(items) > 1:
                entry["name"] = f"port-{index}"
            # A --protocol given wins; otherwise each port keeps the exposed object's.
            entry["protocol"] = protocol or protocols.get(item, "TCP")
            ports.append(entry)
    if target_port:
        target_number = try_atoi(target_port)
        target: int | str = target_number if target_number is not None else target_port
        for entry in ports:
            entry["targetPort"] = target
    else:
        for entry in ports:
            entry["targetPort"] = entry["port"]

    svc = _new_service(name or default_name)
    if labels:
        svc["metadata"]["labels"] = labels
    spec: Obj = {"selector": selector}
    if ports:
        spec["ports"] = ports
    if external_ip:
        spec["externalIPs"] = [external_ip]
    if service_type:
        spec["type"] = service_type
    if service_type == "LoadBalancer" and load_balancer_ip:
        spec["loadBalancerIP"] = load_balancer_ip
    if session_affinity:
        if session_affinity not in ("None", "ClientIP"):
            raise GeneratorError(f"unknown session affinity: {session_affinity}")
        spec["sessionAffinity"] = session_affinity
    if cluster_ip:
        spec["clusterIP"] = cluster_ip
    svc["spec"] = spec
    return in_go_order(svc)


def _group_of(api_version: str) -> str:
    return api_version.split("/")[0] if "/" in api_version else ""


def _pod_spec_of(kind: str, obj: Mapping[str, Any]) -> Mapping[str, Any]:
    spec = obj.get("spec") or {}
    if kind == "Pod":
        return spec
    return (spec.get("template") or {}).get("spec") or {}


def _selector_of(kind: str, obj: Mapping[str, Any]) -> dict[str, str]:
    spec = obj.get("spec") or {}
    if kind == "ReplicationController":
        return dict(spec.get("selector") or {})
    if kind == "Pod":
        pod_labels = (obj.get("metadata") or {}).get("labels") or {}
        if not pod_labels:
            raise GeneratorError("the pod has no labels and cannot be exposed")
        return dict(pod_labels)
    if kind == "Service":
        if spec.get("selector") is None:
            raise GeneratorError("the service has no pod selector set")
        return dict(spec["selector"])
    label_selector = spec.get("selector") or {}
    expressions = label_selector.get("matchExpressions") or []
    if expressions:
        raise GeneratorError(
            f'couldn\'t convert expressions - "{_go_expressions(expressions)}" '
            "to map-based selector format"
        )
    return dict(label_selector.get("matchLabels") or {})


def _go_expressions(expressions: list[Mapping[str, Any]]) -> str:
    """Go's `%+v` of []metav1.LabelSelectorRequirement."""
    items = [
        f"{{Key:{e.get('key', '')} Operator:{e.get('operator', '')} "
        f"Values:[{' '.join(e.get('values') or [])}]}}"
        for e in expressions
    ]
    return "[" + " ".join(items) + "]"


def _ports_of(kind: str, obj: Mapping[str, Any]) -> list[str]:
    if kind == "Service":
        return [str(p.get("port", 0)) for p in (obj.get("spec") or {}).get("ports") or []]
    return [
        str(p.get("containerPort", 0))
        for c in _pod_spec_of(kind, obj).get("containers") or []
        for p in c.get("ports") or []
    ]


def _protocols_of(kind: str, obj: Mapping[str, Any]) -> dict[str, str]:
    if kind == "Service":
        entries = [
            (p.get("port", 0), p.get("protocol") or "TCP")
            for p in (obj.get("spec") or {}).get("ports") or []
        ]
    else:
        entries = [
            (p.get("containerPort", 0), p.get("protocol") or "TCP")
            for c in _pod_spec_of(kind, obj).get("containers") or []
            for p in c.get("ports") or []
        ]
    # A map keyed by port number: the last protocol seen for a number wins.
    return {str(number): str(proto) for number, proto in entries}
