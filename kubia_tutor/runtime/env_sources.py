"""Where a container's environment comes from besides its own spec: ConfigMaps, Secrets, the
node (for resourceFieldRef defaults) and the Services of the pod's namespace.

The kubelet reads these through its informers; here `ApiEnvSources` reads the API server's
in-memory store, which is as cheap. `resolve_env` takes any `EnvSources`, so it stays a pure
function in tests. `service_env` builds the Docker-link style variables exactly as the
kubelet's `envvars.FromServices` does (names upper-cased, dashes to underscores).
"""

from __future__ import annotations

import base64
from typing import Any, Protocol

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import resolve
from kubia_tutor.api.server import ApiServer
from kubia_tutor.runtime.cri import RuntimeError_
from kubia_tutor.runtime.node import NODE_NAME

Obj = dict[str, Any]

# The services whose variables every pod gets, from the default namespace, even with
# enableServiceLinks false (the kubelet's `masterServices`).
MASTER_SERVICES = ("kubernetes",)


class EnvSources(Protocol):
    """The API reads the kubelet's env resolution needs; None means 'not found'."""

    def get(self, plural: str, namespace: str | None, name: str) -> Obj | None: ...

    def services(self) -> list[Obj]: ...


class ApiEnvSources:
    """EnvSources over the API server (the daemon's wiring)."""

    def __init__(self, api: ApiServer) -> None:
        self.api = api

    def get(self, plural: str, namespace: str | None, name: str) -> Obj | None:
        try:
            return self.api.get(resolve(plural), namespace, name)
        except ApiError:
            return None

    def services(self) -> list[Obj]:
        return self.api.store.items("/registry/core/services/")


class ConfigError(RuntimeError_):
    """The container's config cannot be built (a missing ConfigMap, Secret or key): the pod
    sync shows it as the container's CreateContainerConfigError and retries with back-off."""

    reason = "CreateContainerConfigError"


def config_map_data(obj: Obj) -> dict[str, str]:
    """A ConfigMap's string data (envFrom and configMapKeyRef read `data` only)."""
    return {str(k): str(v) for k, v in (obj.get("data") or {}).items()}


def secret_data(obj: Obj) -> dict[str, str]:
    """A Secret's data decoded (stringData was merged into data by the API server)."""
    out = {}
    for key, value in (obj.get("data") or {}).items():
        try:
            out[str(key)] = base64.b64decode(str(value)).decode("utf-8", "replace")
        except ValueError:
            out[str(key)] = ""
    for key, value in (obj.get("stringData") or {}).items():  # if stored unmerged
        out[str(key)] = str(value)
    return out


class SourceCache:
    """One container's reads of ConfigMaps and Secrets: each is fetched once, and a missing
    one raises the kubelet's `configmap "x" not found` unless it is optional."""

    def __init__(self, sources: EnvSources | None, namespace: str) -> None:
        self.sources = sources
        self.namespace = namespace
        self._seen: dict[tuple[str, str], dict[str, str] | None] = {}

    def data(self, kind: str, name: str, optional: bool) -> dict[str, str] | None:
        """`kind` is "configmap" or "secret"; None when missing and optional."""
        key = (kind, name)
        if key not in self._seen:
            if self.sources is None:
                raise ConfigError(f"couldn't get {kind} {self.namespace}/{name}, no kubeClient"
                                  " defined")
            plural = "configmaps" if kind == "configmap" else "secrets"
            obj = self.sources.get(plural, self.namespace, name)
            if obj is not None:
                self._seen[key] = (config_map_data(obj) if kind == "configmap"
                                   else secret_data(obj))
            elif optional:
                return None  # not cached: a later non-optional reference must still fail
            else:
                raise ConfigError(f'{kind} "{name}" not found')
        return self._seen[key]


def service_env(services: list[Obj], namespace: str, enable_links: bool) -> dict[str, str]:
    """The service variables of a pod in `namespace`, as the kubelet's getServiceEnvVarMap."""
    chosen: dict[str, Obj] = {}
    for svc in services:
        meta = svc.get("metadata") or {}
        ip = str((svc.get("spec") or {}).get("clusterIP") or "")
        if ip in ("", "None"):
            continue
        name = str(meta.get("name") or "")
        if meta.get("namespace") == "default" and name in MASTER_SERVICES:
            chosen.setdefault(name, svc)
        elif meta.get("namespace") == namespace and enable_links:
            chosen[name] = svc
    env: dict[str, str] = {}
    for svc in chosen.values():
        env.update(_from_service(svc))
    return env


def _var(name: str) -> str:
    return name.replace("-", "_").upper()


def _from_service(svc: Obj) -> dict[str, str]:
    spec = svc.get("spec") or {}
    ip = str(spec.get("clusterIP"))
    ports = [p for p in spec.get("ports") or [] if isinstance(p, dict)]
    prefix = _var(str((svc.get("metadata") or {}).get("name") or ""))
    env = {f"{prefix}_SERVICE_HOST": ip}
    if not ports:
        return env
    env[f"{prefix}_SERVICE_PORT"] = str(ports[0].get("port"))
    for port in ports:
        if port.get("name"):
            env[f"{prefix}_SERVICE_PORT_{_var(str(port['name']))}"] = str(port.get("port"))
    for i, port in enumerate(ports):
        proto = str(port.get("protocol") or "TCP")
        number = str(port.get("port"))
        # net.JoinHostPort brackets IPv6 addresses
        host_port = f"[{ip}]:{number}" if ":" in ip else f"{ip}:{number}"
        url = f"{proto.lower()}://{host_port}"
        if i == 0:
            env[f"{prefix}_PORT"] = url  # Docker special-cases the first port
        each = f"{prefix}_PORT_{number}_{proto.upper()}"
        env[each] = url
        env[f"{each}_PROTO"] = proto.lower()
        env[f"{each}_PORT"] = number
        env[f"{each}_ADDR"] = ip
    return env


def node_allocatable(sources: EnvSources | None) -> Obj:
    """The node's allocatable resources: resourceFieldRef's default for unset limits."""
    node = sources.get("nodes", None, NODE_NAME) if sources is not None else None
    return dict(((node or {}).get("status") or {}).get("allocatable") or {})
