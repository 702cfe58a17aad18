"""Containers, app and init alike: ports, probes, env, volume mounts and resources."""

from __future__ import annotations

from typing import Any

from kubia_tutor.api.semantics.causes import NEGATIVE, Errors, _one_of
from kubia_tutor.api.semantics.fields import _d, _int, _l, _quantity, _set, _text
from kubia_tutor.api.semantics.names import (
    config_key_errors,
    dns1123_label_errors,
    env_name_errors,
    port_name_errors,
    port_number_errors,
)

PULL_POLICIES = ("Always", "IfNotPresent", "Never")
PROTOCOLS = ("SCTP", "TCP", "UDP")
_STANDARD_CONTAINER_RESOURCES = ("cpu", "memory", "ephemeral-storage")


def _port_num_or_name(e: Errors, value: Any, path: str) -> None:
    if isinstance(value, str):
        for msg in port_name_errors(value):
            e.invalid(path, value, msg)
    else:
        number = _int(value) or 0
        for msg in port_number_errors(number):
            e.invalid(path, number, msg)


def _probe(e: Errors, probe: Any, path: str) -> None:
    """validateProbe: one handler, and non-negative timings."""
    if not isinstance(probe, dict):
        return
    handlers = [h for h in ("exec", "httpGet", "tcpSocket") if _set(probe, h)]
    for extra in handlers[1:]:
        e.forbidden(f"{path}.{extra}", "may not specify more than 1 handler type")
    if not handlers:
        e.required(path, "must specify a handler type")
    elif handlers[0] == "exec" and not _l(_d(probe["exec"]).get("command")):
        e.required(f"{path}.exec.command")
    elif handlers[0] == "httpGet":
        get = _d(probe["httpGet"])
        if "path" in get and not _text(get["path"]):
            e.required(f"{path}.httpGet.path")
        _port_num_or_name(e, get.get("port"), f"{path}.httpGet.port")
        _one_of(e, get, "scheme", ("HTTP", "HTTPS"), f"{path}.httpGet.scheme")
    elif handlers[0] == "tcpSocket":
        _port_num_or_name(e, _d(probe["tcpSocket"]).get("port"), f"{path}.tcpSocket.port")
    for key in ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold",
                "failureThreshold"):
        e.nonnegative(probe, key, path)


def _container_ports(e: Errors, ports: list[Any], path: str) -> None:
    names: set[str] = set()
    for i, raw in enumerate(ports):
        port, where = _d(raw), f"{path}[{i}]"
        name = _text(port.get("name"))
        if name:
            msgs = port_name_errors(name)
            for msg in msgs:
                e.invalid(f"{where}.name", name, msg)
            if not msgs and name in names:
                e.duplicate(f"{where}.name", name)
            names.add(name)
        number = _int(port.get("containerPort")) or 0
        if number == 0:
            e.required(f"{where}.containerPort")
        for msg in port_number_errors(number) if number else []:
            e.invalid(f"{where}.containerPort", number, msg)
        host = _int(port.get("hostPort")) or 0
        for msg in port_number_errors(host) if host else []:
            e.invalid(f"{where}.hostPort", host, msg)
        _one_of(e, port, "protocol", PROTOCOLS, f"{where}.protocol")


def _env(e: Errors, env: list[Any], path: str) -> None:
    refs = ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef")
    for i, raw in enumerate(env):
        var, where = _d(raw), f"{path}[{i}]"
        name = _text(var.get("name"))
        if not name:
            e.required(f"{where}.name")
        for msg in env_name_errors(name) if name else []:
            e.invalid(f"{where}.name", name, msg)
        if not _set(var, "valueFrom"):
            continue
        source, src_path = _d(var["valueFrom"]), f"{where}.valueFrom"
        given = [r for r in refs if _set(source, r)]
        if _text(var.get("value")) and given:
            e.invalid(src_path, "", "may not be specified when `value` is not empty")
        if not given:
            e.invalid(src_path, "", "must specify one of: `fieldRef`, `resourceFieldRef`, "
                                    "`configMapKeyRef` or `secretKeyRef`")
        elif len(given) > 1:
            e.invalid(src_path, "", "may not have more than one field specified at a time")
        for ref in given:
            if ref in ("configMapKeyRef", "secretKeyRef"):
                body = _d(source[ref])
                if not _text(body.get("name")):
                    e.required(f"{src_path}.{ref}.name")
                key = _text(body.get("key"))
                if not key:
                    e.required(f"{src_path}.{ref}.key")
                for msg in config_key_errors(key) if key else []:
                    e.invalid(f"{src_path}.{ref}.key", key, msg)


def _volume_mounts(e: Errors, mounts: list[Any], volumes: set[str], path: str) -> None:
    seen: set[str] = set()
    for i, raw in enumerate(mounts):
        mount, where = _d(raw), f"{path}[{i}]"
        name = _text(mount.get("name"))
        if not name:
            e.required(f"{where}.name")
        if name not in volumes:
            e.not_found(f"{where}.name", name)
        mount_path = _text(mount.get("mountPath"))
        if not mount_path:
            e.required(f"{where}.mountPath")
        if mount_path in seen:
            e.invalid(f"{where}.mountPath", mount_path, "must be unique")
        seen.add(mount_path)


def _overcommittable(resource: str) -> bool:
    extended = "/" in resource and not resource.startswith("kubernetes.io/")
    return not extended and not resource.startswith("hugepages-")


def _resources(e: Errors, resources: Any, path: str) -> None:
    """ValidateResourceRequirements: known names, no negatives, requests within limits."""
    limits, requests = _d(_d(resources).get("limits")), _d(_d(resources).get("requests"))
    for part, values in (("limits", limits), ("requests", requests)):
        for name in sorted(values, key=str):
            where = f"{path}.{part}[{name}]"
            if "/" not in str(name) and str(name) not in _STANDARD_CONTAINER_RESOURCES \
                    and not str(name).startswith("hugepages-"):
                e.invalid(where, str(name), "must be a standard resource for containers")
            amount = _quantity(values[name])
            if amount is not None and amount.value < 0:
                e.invalid(where, amount.canonical(), NEGATIVE)
    for name in sorted(requests, key=str):
        request, limit = _quantity(requests[name]), _quantity(limits.get(name))
        if request is None or limit is None:
            continue
        if not _overcommittable(str(name)) and request != limit:
            e.invalid(f"{path}.requests", request.canonical(), f"must be equal to {name} limit")
        elif request > limit:
            e.invalid(f"{path}.requests", request.canonical(),
                      f"must be less than or equal to {name} limit")


def _containers(e: Errors, containers: Any, volumes: set[str], path: str) -> None:
    """validateContainers, for app and init containers alike."""
    names: set[str] = set()
    for i, raw in enumerate(_l(containers)):
        ctr, where = _d(raw), f"{path}[{i}]"
        name = _text(ctr.get("name"))
        if not name:
            e.required(f"{where}.name")
        for msg in dns1123_label_errors(name) if name else []:
            e.invalid(f"{where}.name", name, msg)
        if name in names:
            e.duplicate(f"{where}.name", name)
        names.add(name)
        if not _text(ctr.get("image")):
            e.required(f"{where}.image")
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            _probe(e, ctr.get(probe), f"{where}.{probe}")
            threshold = _int(_d(ctr.get(probe)).get("successThreshold"))
            if probe != "readinessProbe" and threshold is not None and threshold != 1:
                e.invalid(f"{where}.{probe}.successThreshold", threshold, "must be 1")
        if _set(ctr, "terminationMessagePolicy"):
            policy = _text(ctr["terminationMessagePolicy"])
            detail = "must be 'File' or 'FallbackToLogsOnError'"
            if not policy:
                e.required(f"{where}.terminationMessagePolicy", detail)
            elif policy not in ("File", "FallbackToLogsOnError"):
                e.invalid(f"{where}.terminationMessagePolicy", policy, detail)
        _container_ports(e, _l(ctr.get("ports")), f"{where}.ports")
        _env(e, _l(ctr.get("env")), f"{where}.env")
        _volume_mounts(e, _l(ctr.get("volumeMounts")), volumes, f"{where}.volumeMounts")
        _one_of(e, ctr, "imagePullPolicy", PULL_POLICIES, f"{where}.imagePullPolicy")
        _resources(e, ctr.get("resources"), f"{where}.resources")
