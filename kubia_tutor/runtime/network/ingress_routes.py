"""The Ingress controller's routing table: which service port answers a Host and a path.

Ingresses are stored in networking.k8s.io/v1 form (api/conversion.py turns the book's
extensions/v1beta1 `serviceName`/`servicePort` into `service: {name, port}` and gives each
path `pathType: ImplementationSpecific`), so only the v1 shape is read here.

Matching follows ingress-nginx: a rule whose host equals the request's Host (or a `*.`
wildcard matching exactly one more label) beats a rule without a host; among its paths an
Exact path beats a prefix, and the longest prefix wins. `Prefix` matches whole path
elements (`/foo` matches `/foo` and `/foo/bar`, not `/foobar`); `ImplementationSpecific`
is a plain string prefix, as an nginx `location` is. Nothing matching: the first
defaultBackend of any Ingress, else ingress-nginx's own 404.

Each path carries its Ingress's redirect annotations (`nginx.ingress.kubernetes.io/
ssl-redirect`, `force-ssl-redirect`, `preserve-trailing-slash`), as each nginx location
carries its Ingress's settings; a request no path matches gets the defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Obj = dict[str, Any]


@dataclass(frozen=True)
class BackendRef:
    """A backend service port as the Ingress names it: by number or by name."""

    namespace: str
    service: str
    port: str  # the number as text, or the port's name

    @property
    def label(self) -> str:
        return f"{self.namespace}/{self.service}:{self.port}"


ANNOTATION = "nginx.ingress.kubernetes.io/"


@dataclass(frozen=True)
class RedirectPolicy:
    """An Ingress's HTTPS redirect annotations, with ingress-nginx's defaults."""

    ssl_redirect: bool = True  # only for a host with a certificate
    force_ssl_redirect: bool = False  # with or without one
    preserve_trailing_slash: bool = False


@dataclass(frozen=True)
class Route:
    """What answers a request: a backend (None: the 404) and the redirect policy."""

    backend: BackendRef | None
    redirect: RedirectPolicy = RedirectPolicy()


@dataclass
class _Path:
    path: str
    kind: str  # Exact, Prefix or ImplementationSpecific
    route: Route

    @property
    def backend(self) -> BackendRef:
        assert self.route.backend is not None  # paths are only made for service backends
        return self.route.backend


@dataclass
class RouteTable:
    """Every Ingress's rules, merged as ingress-nginx merges them into one server list."""

    hosts: dict[str, list[_Path]] = field(default_factory=dict)  # '' for host-less rules
    default: Route = Route(None)
    tls: dict[str, tuple[str, str]] = field(default_factory=dict)  # host -> (ns, secret)

    def backends(self) -> set[BackendRef]:
        found = {p.backend for paths in self.hosts.values() for p in paths}
        return found | ({self.default.backend} if self.default.backend else set())

    def match(self, host: str, path: str) -> BackendRef | None:
        """The backend for a request; None when nothing matches (the 404 case)."""
        return self.route(host, path).backend

    def route(self, host: str, path: str) -> Route:
        host = host.lower()
        for candidate in (host, _wildcard_of(host), ""):
            if candidate is None or candidate not in self.hosts:
                continue
            found = _best_path(self.hosts[candidate], path)
            if found is not None:
                return found
            if candidate:  # a host's server block in nginx ends at its own locations
                break
        return self.default

    def secret_for(self, server_name: str) -> tuple[str, str] | None:
        name = server_name.lower()
        wildcard = _wildcard_of(name)
        return self.tls.get(name) or (self.tls.get(wildcard) if wildcard else None)


def _wildcard_of(host: str) -> str | None:
    """`*.example.com` for `foo.example.com`: what a wildcard rule matching it looks like."""
    head, dot, rest = host.partition(".")
    return f"*.{rest}" if head and dot and rest else None


def _best_path(paths: list[_Path], path: str) -> Route | None:
    best: tuple[int, int] | None = None
    chosen: Route | None = None
    for candidate in paths:
        if candidate.kind == "Exact":
            if path == candidate.path:
                rank = (1, len(candidate.path))
            else:
                continue
        elif _prefix_matches(candidate, path):
            rank = (0, len(candidate.path))
        else:
            continue
        if best is None or rank > best:
            best, chosen = rank, candidate.route
    return chosen


def _prefix_matches(candidate: _Path, path: str) -> bool:
    prefix = candidate.path
    if candidate.kind != "Prefix":
        return path.startswith(prefix)
    trimmed = prefix.rstrip("/")
    return not trimmed or path == trimmed or path.startswith(trimmed + "/")


def _backend_of(namespace: str, backend: Any) -> BackendRef | None:
    service = (backend or {}).get("service") if isinstance(backend, dict) else None
    if not isinstance(service, dict) or not service.get("name"):
        return None  # a `resource` backend: nothing here serves it
    port = service.get("port") or {}
    ref = port.get("number") if port.get("number") is not None else port.get("name")
    return BackendRef(namespace, str(service["name"]), str(ref if ref is not None else ""))


def build_routes(ingresses: list[Obj]) -> RouteTable:
    """The table for all Ingresses, oldest first so the first-created wins a tie, as the
    earlier one's location does in ingress-nginx."""
    table = RouteTable()
    ordered = sorted(ingresses, key=lambda i: (
        str((i.get("metadata") or {}).get("creationTimestamp") or ""),
        str((i.get("metadata") or {}).get("namespace") or ""),
        str((i.get("metadata") or {}).get("name") or "")))
    for ing in ordered:
        meta, spec = ing.get("metadata") or {}, ing.get("spec") or {}
        ns = str(meta.get("namespace") or "default")
        policy = _redirect_policy(meta.get("annotations") or {})
        if table.default.backend is None:
            default = _backend_of(ns, spec.get("defaultBackend"))
            if default is not None:
                table.default = Route(default, policy)
        for entry in spec.get("tls") or []:
            secret = str((entry or {}).get("secretName") or "")
            for host in (entry or {}).get("hosts") or []:
                if secret and str(host).lower() not in table.tls:
                    table.tls[str(host).lower()] = (ns, secret)
        for rule in spec.get("rules") or []:
            host = str((rule or {}).get("host") or "").lower()
            for item in ((rule or {}).get("http") or {}).get("paths") or []:
                backend = _backend_of(ns, (item or {}).get("backend"))
                if backend is None:
                    continue
                table.hosts.setdefault(host, []).append(_Path(
                    str(item.get("path") or "/"),
                    str(item.get("pathType") or "ImplementationSpecific"),
                    Route(backend, policy)))
    return table


def _redirect_policy(annotations: dict[str, Any]) -> RedirectPolicy:
    defaults = RedirectPolicy()
    return RedirectPolicy(
        _flag(annotations, "ssl-redirect", defaults.ssl_redirect),
        _flag(annotations, "force-ssl-redirect", defaults.force_ssl_redirect),
        _flag(annotations, "preserve-trailing-slash", defaults.preserve_trailing_slash))


def _flag(annotations: dict[str, Any], name: str, default: bool) -> bool:
    """An annotation read as ingress-nginx reads it (Go's strconv.ParseBool); a value it
    cannot parse leaves the default."""
    value = str(annotations.get(ANNOTATION + name, ""))
    if value in ("1", "t", "T", "true", "TRUE", "True"):
        return True
    if value in ("0", "f", "F", "false", "FALSE", "False"):
        return False
    return default


def service_port_name(service: Obj | None, ref: str) -> str | None:
    """The name ('' if unnamed) of the Service port an Ingress backend names by number or
    by name: the key of its Endpoints ports. None when the Service has no such port."""
    for port in ((service or {}).get("spec") or {}).get("ports") or []:
        name = str(port.get("name") or "")
        if (ref.isdigit() and int(ref) == port.get("port")) or (name and name == ref):
            return name
    return None
