"""A container's environment as the kubelet gives it (Kubernetes 1.20's
makeEnvironmentVariables): envFrom first, then env in order (values with `$(VAR)` expanded,
fieldRef, resourceFieldRef, configMapKeyRef, secretKeyRef), then the service variables that no
declared variable overrides.

A missing ConfigMap, Secret or key that is not optional raises `ConfigError`, which the pod
sync turns into the container's CreateContainerConfigError with a retry after back-off;
envFrom keys that are not valid variable names are skipped with the kubelet's
InvalidEnvironmentVariableNames event.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from kubia_tutor.api.quantity import Quantity
from kubia_tutor.runtime.env_sources import (
    ConfigError,
    EnvSources,
    SourceCache,
    node_allocatable,
    service_env,
)

Obj = dict[str, Any]
# (pod, event type, reason, message, field path), as PodSync's recorder
Recorder = Callable[[Obj, str, str, str, str], None]

# validation.IsEnvVarName: a C-ish identifier that may also hold '-' and '.', not '..'-led
_ENV_NAME = re.compile(r"[-._a-zA-Z][-._a-zA-Z0-9]*\Z")


def valid_env_name(name: str) -> bool:
    return bool(_ENV_NAME.match(name)) and name not in (".", "..") \
        and not name.startswith("..")


def resolve_env(pod: Obj, container: Obj, sources: EnvSources | None = None,
                record: Recorder | None = None) -> dict[str, str]:
    """The container's environment; raises ConfigError when a required source is missing.

    Without `sources` (no API at hand) only the spec's own values and fieldRefs resolve."""
    meta = pod.get("metadata") or {}
    spec = pod.get("spec") or {}
    namespace = str(meta.get("namespace") or "default")
    services = service_env(sources.services() if sources is not None else [], namespace,
                           spec.get("enableServiceLinks") is not False)
    cache = SourceCache(sources, namespace)
    env: dict[str, str] = {}
    for source in container.get("envFrom") or []:
        _env_from(pod, source, cache, env, record)
    for var in container.get("env") or []:
        name = str(var.get("name"))
        value = str(var.get("value") or "")
        if value:
            value = _expand(value, env, services)
        elif var.get("valueFrom"):
            found = _value_from(pod, container, var["valueFrom"], cache, sources)
            if found is None:  # an optional source or key that is not there
                continue
            value = found
        services.pop(name, None)
        env[name] = value
    for name, value in services.items():
        env.setdefault(name, value)
    return env


def _env_from(pod: Obj, source: Obj, cache: SourceCache, env: dict[str, str],
              record: Recorder | None) -> None:
    prefix = str(source.get("prefix") or "")
    for field, kind in (("configMapRef", "configmap"), ("secretRef", "secret")):
        ref = source.get(field)
        if not isinstance(ref, dict):
            continue
        name = str(ref.get("name") or "")
        data = cache.data(kind, name, bool(ref.get("optional")))
        if data is None:
            continue
        invalid = []
        for key, value in data.items():
            if not valid_env_name(prefix + key):
                invalid.append(prefix + key)
                continue
            env[prefix + key] = value
        if invalid and record is not None:
            record(pod, "Warning", "InvalidEnvironmentVariableNames",
                   f"Keys [{', '.join(sorted(invalid))}] from the EnvFrom {kind}"
                   f" {cache.namespace}/{name} were skipped since they are considered invalid"
                   " environment variable names.", "")


def _value_from(pod: Obj, container: Obj, value_from: Obj, cache: SourceCache,
                sources: EnvSources | None) -> str | None:
    if "fieldRef" in value_from:
        return _field_ref(pod, str((value_from.get("fieldRef") or {}).get("fieldPath") or ""))
    if "resourceFieldRef" in value_from:
        return _resource_field(container, value_from.get("resourceFieldRef") or {}, sources)
    for field, kind, label in (("configMapKeyRef", "configmap", "ConfigMap"),
                               ("secretKeyRef", "secret", "Secret")):
        ref = value_from.get(field)
        if not isinstance(ref, dict):
            continue
        name, key = str(ref.get("name") or ""), str(ref.get("key") or "")
        optional = bool(ref.get("optional"))
        data = cache.data(kind, name, optional)
        if data is None:
            return None
        if key not in data:
            if optional:
                return None
            raise ConfigError(f"couldn't find key {key} in {label} {cache.namespace}/{name}")
        return data[key]
    return ""


def _field_ref(pod: Obj, path: str) -> str:
    meta = pod.get("metadata") or {}
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    fields = {
        "metadata.name": meta.get("name"), "metadata.namespace": meta.get("namespace"),
        "metadata.uid": meta.get("uid"), "spec.nodeName": spec.get("nodeName"),
        "spec.serviceAccountName": spec.get("serviceAccountName"),
        "status.podIP": status.get("podIP"), "status.hostIP": status.get("hostIP"),
    }
    match = re.fullmatch(r"metadata\.(labels|annotations)\['([^']*)'\]", path)
    if match:
        return str((meta.get(match.group(1)) or {}).get(match.group(2)) or "")
    return str(fields.get(path) or "")


def _resource_field(container: Obj, ref: Obj, sources: EnvSources | None) -> str:
    """containerResourceRuntimeValue: the value divided by the divisor, rounded up; an unset
    limit is the node's allocatable (defaultPodLimitsForDownwardAPI)."""
    resource = str(ref.get("resource") or "")
    kind, _, name = resource.partition(".")
    resources = container.get("resources") or {}
    raw = (resources.get(kind) or {}).get(name)
    if raw in (None, "") and kind == "limits":
        raw = node_allocatable(sources).get(name)
    try:
        amount = Quantity.parse(str(raw if raw not in (None, "") else 0))
        divisor = Quantity.parse(str(ref.get("divisor") or "1"))
    except ValueError as exc:
        raise ConfigError(f"unsupported container resource : {resource}") from exc
    if divisor.is_zero():
        divisor = Quantity.parse("1")
    if name == "cpu":
        return str(math.ceil(amount.milli_value() / divisor.milli_value()))
    return str(math.ceil(amount.value / divisor.value))


def expand_args(values: list[object], env: dict[str, str]) -> list[str]:
    """A container's command or args with `$(VAR)` expanded from its environment, as the
    kubelet does before starting it (`$(INTERVAL)` from a ConfigMap in the book)."""
    return [_expand(str(value), env) for value in values]


def _expand(text: str, *maps: dict[str, str]) -> str:
    """Kubernetes' `$(VAR)` expansion: known names expand, `$$` escapes, unknown stay."""
    out, i = [], 0
    while i < len(text):
        if text.startswith("$$", i):
            out.append("$")
            i += 2
        elif text.startswith("$(", i) and ")" in text[i:]:
            end = text.index(")", i)
            name = text[i + 2:end]
            found = next((m[name] for m in maps if name in m), None)
            out.append(found if found is not None else text[i:end + 1])
            i = end + 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)
