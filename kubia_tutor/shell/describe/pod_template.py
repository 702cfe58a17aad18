"""Container blocks shared by pods and pod templates, and the `Pod Template:` section."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from kubia_tutor.api.quantity import Quantity
from kubia_tutor.shell.describe.meta import quantity, resource_list
from kubia_tutor.shell.describe.volumes import describe_volumes
from kubia_tutor.shell.describe.writer import (
    PrefixWriter,
    annotations_multiline,
    go_list,
    labels_multiline,
    rfc1123z,
    str_map,
    title_bool,
)

_PROBE_FIELDS = ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold",
                 "failureThreshold")
# kubectl 1.20 shows this instead of 0 for an unlimited cpu or memory reference.
_UNLIMITED = ("limits.cpu", "limits.memory")


def describe_containers(
    w: PrefixWriter,
    label: str,
    containers: list[dict[str, Any]],
    statuses: list[dict[str, Any]] | None,
    pod: Mapping[str, Any] | None,
    space: str = "",
) -> None:
    """`Containers:` (or `Init Containers:`) with one block per container.

    `pod` is None for templates: they have no status and field references stay unresolved.
    """
    by_name = {str(s.get("name")): s for s in statuses or []}
    w.write(0, f"{space}{label}:{'' if containers else ' <none>'}\n")
    for container in containers:
        status = by_name.get(str(container.get("name")))
        w.write(1, f"{' ' if space else ''}{container.get('name', '')}:\n")
        if status is not None:
            w.line(2, "Container ID:", status.get("containerID", ""))
        w.line(2, "Image:", container.get("image", ""))
        if status is not None:
            w.line(2, "Image ID:", status.get("imageID", ""))
        _ports(w, container.get("ports") or [])
        _command(w, container)
        if status is not None:
            _state(w, "State", status.get("state") or {})
            last = status.get("lastState") or {}
            if last.get("terminated"):
                _state(w, "Last State", last)
            w.line(2, "Ready:", title_bool(status.get("ready")))
            w.line(2, "Restart Count:", int(status.get("restartCount") or 0))
        resources = container.get("resources") or {}
        _resources(w, "Limits", resource_list(resources.get("limits")))
        _resources(w, "Requests", resource_list(resources.get("requests")))
        for title, key in (("Liveness", "livenessProbe"), ("Readiness", "readinessProbe"),
                           ("Startup", "startupProbe")):
            if isinstance(container.get(key), dict):
                w.line(2, f"{title}:", describe_probe(container[key]))
        if container.get("envFrom"):
            _env_from(w, container["envFrom"])
        _env(w, container, pod)
        _mounts(w, container)


def _ports(w: PrefixWriter, ports: list[dict[str, Any]]) -> None:
    def join(field: str) -> str:
        return ", ".join(f"{int(p.get(field) or 0)}/{p.get('protocol', '')}" for p in ports)

    for single, plural, text in (("Port", "Ports", join("containerPort")),
                                 ("Host Port", "Host Ports", join("hostPort"))):
        if "," in text:
            w.line(2, f"{plural}:", text)
        else:
            w.line(2, f"{single}:", text or "<none>")


def _command(w: PrefixWriter, container: Mapping[str, Any]) -> None:
    for title, key in (("Command", "command"), ("Args", "args")):
        items = container.get(key) or []
        if items:
            w.write(2, f"{title}:\n")
            for item in items:
                for part in str(item).split("\n"):
                    w.write(3, f"{part}\n")


def _state(w: PrefixWriter, title: str, state: Mapping[str, Any]) -> None:
    if isinstance(state.get("running"), dict):
        w.line(2, f"{title}:", "Running")
        w.line(3, "Started:", rfc1123z(state["running"].get("startedAt")))
    elif isinstance(state.get("waiting"), dict):
        w.line(2, f"{title}:", "Waiting")
        if state["waiting"].get("reason"):
            w.line(3, "Reason:", state["waiting"]["reason"])
    elif isinstance(state.get("terminated"), dict):
        term = state["terminated"]
        w.line(2, f"{title}:", "Terminated")
        if term.get("reason"):
            w.line(3, "Reason:", term["reason"])
        if term.get("message"):
            w.line(3, "Message:", term["message"])
        w.line(3, "Exit Code:", int(term.get("exitCode") or 0))
        if int(term.get("signal") or 0) > 0:
            w.line(3, "Signal:", int(term["signal"]))
        w.line(3, "Started:", rfc1123z(term.get("startedAt")))
        w.line(3, "Finished:", rfc1123z(term.get("finishedAt")))
    else:
        w.line(2, f"{title}:", "Waiting")


def _resources(w: PrefixWriter, title: str, quantities: dict[str, Quantity]) -> None:
    if quantities:
        w.write(2, f"{title}:\n")
        for name in sorted(quantities):
            w.line(3, f"{name}:", quantities[name])


def describe_probe(probe: Mapping[str, Any]) -> str:
    """`http-get http://:8080/ delay=0s timeout=1s period=10s #success=1 #failure=3`."""
    val = {k: int(probe.get(k) or 0) for k in _PROBE_FIELDS}
    attrs = (f"delay={val['initialDelaySeconds']}s timeout={val['timeoutSeconds']}s "
             f"period={val['periodSeconds']}s #success={val['successThreshold']} "
             f"#failure={val['failureThreshold']}")
    if isinstance(probe.get("exec"), dict):
        return f"exec {go_list(probe['exec'].get('command') or [])} {attrs}"
    if isinstance(probe.get("httpGet"), dict):
        return f"http-get {_probe_url(probe['httpGet'])} {attrs}"
    if isinstance(probe.get("tcpSocket"), dict):
        sock = probe["tcpSocket"]
        return f"tcp-socket {sock.get('host', '')}:{sock.get('port', 0)} {attrs}"
    return f"unknown {attrs}"


def _probe_url(get: Mapping[str, Any]) -> str:
    """What Go's url.URL{Scheme, Host, Path}.String() gives for an httpGet action."""
    host = str(get.get("host") or "")
    # An unset IntOrString port is the integer 0.
    port = str(get.get("port", 0))
    if port:
        host = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    path = str(get.get("path") or "")
    scheme = str(get.get("scheme") or "").lower()
    text = f"{scheme}:" if scheme else ""
    if (scheme or host) and (host or path):
        text += "//"
    if path and not path.startswith("/") and host:
        path = "/" + path
    return text + host + path


def _env_from(w: PrefixWriter, sources: list[dict[str, Any]]) -> None:
    w.write(2, "Environment Variables from:\n")
    for source in sources:
        kind, ref = "", {}
        if isinstance(source.get("configMapRef"), dict):
            kind, ref = "ConfigMap", source["configMapRef"]
        elif isinstance(source.get("secretRef"), dict):
            kind, ref = "Secret", source["secretRef"]
        optional = "true" if ref.get("optional") is True else "false"
        prefix = source.get("prefix")
        kind_text = f"{kind} with prefix '{prefix}'" if prefix else kind
        w.line(3, ref.get("name", ""), kind_text, f"Optional: {optional}")


def _env(w: PrefixWriter, container: Mapping[str, Any], pod: Mapping[str, Any] | None) -> None:
    env = container.get("env") or []
    w.write(2, "Environment:\n" if env else "Environment:\t<none>\n")
    for var in env:
        name = var.get("name", "")
        source = var.get("valueFrom")
        if not isinstance(source, dict):
            for i, part in enumerate(str(var.get("value") or "").split("\n")):
                w.write(3, f"{name}:\t{part}\n" if i == 0 else f"\t{part}\n")
        elif isinstance(source.get("fieldRef"), dict):
            ref = source["fieldRef"]
            value = _field_value(pod, ref) if pod is not None else ""
            path = f"{ref.get('apiVersion', '')}:{ref.get('fieldPath', '')}"
            w.line(3, f"{name}:", f"{value} ({path})")
        elif isinstance(source.get("resourceFieldRef"), dict):
            ref = source["resourceFieldRef"]
            w.line(3, f"{name}:", f"{_resource_value(container, ref)} ({ref.get('resource', '')})")
        elif isinstance(source.get("secretKeyRef"), dict):
            ref = source["secretKeyRef"]
            w.line(3, f"{name}:", f"<set to the key '{ref.get('key', '')}' in secret "
                   f"'{ref.get('name', '')}'>", f"Optional: {_optional(ref)}")
        elif isinstance(source.get("configMapKeyRef"), dict):
            ref = source["configMapKeyRef"]
            w.line(3, f"{name}:", f"<set to the key '{ref.get('key', '')}' of config map "
                   f"'{ref.get('name', '')}'>", f"Optional: {_optional(ref)}")


def _optional(ref: Mapping[str, Any]) -> str:
    return "true" if ref.get("optional") is True else "false"


def _field_value(pod: Mapping[str, Any], ref: Mapping[str, Any]) -> str:
    """kubectl's scheme only converts name and namespace field paths; others print empty."""
    path = ref.get("fieldPath")
    meta = pod.get("metadata") or {}
    if path == "metadata.name":
        return str(meta.get("name") or "")
    if path == "metadata.namespace":
        return str(meta.get("namespace") or "")
    return ""


def _resource_value(container: Mapping[str, Any], ref: Mapping[str, Any]) -> str:
    """The container's amount divided by the divisor (1 when unset or zero), rounded up."""
    resource = str(ref.get("resource") or "")
    kind, _, name = resource.partition(".")
    if kind not in ("limits", "requests"):
        return ""
    amounts = resource_list((container.get("resources") or {}).get(kind))
    amount = amounts.get(name, Quantity(0))
    divisor = quantity(ref.get("divisor"))
    if divisor.is_zero():
        divisor = Quantity(1)
    # Go divides in floating point and rounds up; cpu works in millicores.
    if name == "cpu":
        value = math.ceil(amount.milli_value() / divisor.milli_value())
    else:
        value = math.ceil(amount.int_value() / (divisor.int_value() or 1))
    return "node allocatable" if value == 0 and resource in _UNLIMITED else str(value)


def _mounts(w: PrefixWriter, container: Mapping[str, Any]) -> None:
    mounts = container.get("volumeMounts") or []
    w.write(2, "Mounts:\n" if mounts else "Mounts:\t<none>\n")
    for mount in sorted(mounts, key=lambda m: str(m.get("mountPath", ""))):
        flags = ["ro" if mount.get("readOnly") is True else "rw"]
        if mount.get("subPath"):
            flags.append(f"path={json.dumps(mount['subPath'], ensure_ascii=False)}")
        where = f"{mount.get('mountPath', '')} from {mount.get('name', '')}"
        w.write(3, f"{where} ({','.join(flags)})\n")
    devices = container.get("volumeDevices") or []
    if devices:
        # kubectl reuses the mounts' `<none>` here, so devices without mounts look empty.
        w.write(2, "Devices:\n" if mounts else "Devices:\t<none>\n")
        for device in sorted(devices, key=lambda d: str(d.get("devicePath", ""))):
            w.write(3, f"{device.get('devicePath', '')} from {device.get('name', '')}\n")


def describe_pod_template(w: PrefixWriter, template: Mapping[str, Any] | None) -> None:
    """The `Pod Template:` section of controllers (kubectl 1.20 layout)."""
    w.write(0, "Pod Template:\n")
    if not isinstance(template, dict):
        w.write(1, "<unset>")
        return
    meta = template.get("metadata") or {}
    spec = template.get("spec") or {}
    labels_multiline(w, "  Labels", str_map(meta.get("labels")))
    if meta.get("annotations"):
        annotations_multiline(w, "  Annotations", str_map(meta.get("annotations")))
    if spec.get("serviceAccountName"):
        w.line(1, "Service Account:", spec["serviceAccountName"])
    if spec.get("initContainers"):
        describe_containers(w, "Init Containers", spec["initContainers"], None, None, "  ")
    describe_containers(w, "Containers", spec.get("containers") or [], None, None, "  ")
    describe_volumes(w, spec.get("volumes") or [], "  ")
    if spec.get("priorityClassName"):
        w.line(1, "Priority Class Name:", spec["priorityClassName"])
