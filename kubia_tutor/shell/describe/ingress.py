"""`kubectl describe ingress` (kubectl 1.20 reads networking.k8s.io/v1, the stored version)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubia_tutor.shell.describe.context import DescribeContext
from kubia_tutor.shell.describe.events import append_events
from kubia_tutor.shell.describe.meta import spec_of, status_of
from kubia_tutor.shell.describe.service import format_endpoints
from kubia_tutor.shell.describe.writer import (
    PrefixWriter,
    annotations_multiline,
    annotations_of,
    name_of,
    namespace_of,
)

# An ingress without a default backend inherits this one from kube-system.
_DEFAULT_BACKEND = {"service": {"name": "default-http-backend", "port": {"number": 80}}}


def describe_ingress(obj: dict[str, Any], ctx: DescribeContext) -> str:
    """Address, default backend, TLS, the host/path/backend rules and annotations."""
    w = PrefixWriter()
    spec = spec_of(obj)
    namespace = namespace_of(obj)
    w.line(0, "Name:", name_of(obj))
    w.line(0, "Namespace:", namespace)
    ingress = (status_of(obj).get("loadBalancer") or {}).get("ingress") or []
    addresses = sorted({str(i.get("ip") or i.get("hostname") or "") for i in ingress} - {""})
    w.line(0, "Address:", ",".join(addresses))
    default = spec.get("defaultBackend")
    default_ns = namespace
    if not isinstance(default, dict):
        default, default_ns = _DEFAULT_BACKEND, "kube-system"
    w.line(0, "Default backend:", _backend(default, default_ns, ctx))
    if spec.get("tls"):
        w.write(0, "TLS:\n")
        for tls in spec["tls"]:
            hosts = ",".join(tls.get("hosts") or [])
            if tls.get("secretName"):
                w.write(1, f"{tls['secretName']} terminates {hosts}\n")
            else:
                w.write(1, f"SNI routes {hosts}\n")
    w.write(0, "Rules:\n  Host\tPath\tBackends\n")
    w.line(1, "----", "----", "--------")
    count = 0
    for rule in spec.get("rules") or []:
        if not isinstance(rule.get("http"), dict):
            continue
        count += 1
        w.write(1, f"{rule.get('host') or '*'}\t\n")
        for path in rule["http"].get("paths") or []:
            backend = path.get("backend") or {}
            w.write(2, f"\t{path.get('path', '')} \t{_backend(backend, namespace, ctx)}\n")
    if count == 0:
        w.write(1, f"*\t* \t{_backend(default, default_ns, ctx)}\n")
    annotations_multiline(w, "Annotations", annotations_of(obj))
    append_events(w, obj, ctx)
    return w.render()


def _backend(backend: Mapping[str, Any], namespace: str, ctx: DescribeContext) -> str:
    """`svc:port (endpoints)`, or an `<error: ...>` when the service or endpoints are missing."""
    service_ref = backend.get("service")
    if not isinstance(service_ref, dict):
        resource = backend.get("resource")
        if isinstance(resource, dict):
            group = resource.get("apiGroup") or "<none>"
            return f"APIGroup: {group}, Kind: {resource.get('kind', '')}, " \
                   f"Name: {resource.get('name', '')}"
        return ""
    name = str(service_ref.get("name", ""))
    port = service_ref.get("port") or {}
    number = int(port.get("number") or 0)
    label = f"{name}:{number if number else port.get('name', '')}"
    endpoints = ctx.get_object("Endpoints", namespace, name)
    if endpoints is None:
        return f'{label} (<error: endpoints "{name}" not found>)'
    service = ctx.get_object("Service", namespace, name)
    if service is None:
        return f'{label} (<error: services "{name}" not found>)'
    port_name = ""
    for sp in spec_of(service).get("ports") or []:
        by_number = number and number == sp.get("port")
        by_name = port.get("name") and port.get("name") == sp.get("name")
        if by_number or by_name:
            port_name = str(sp.get("name") or "")
    return f"{label} ({format_endpoints(endpoints, {port_name})})"
