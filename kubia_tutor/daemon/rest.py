"""Kubernetes-shaped REST over HTTP: maps paths like /api/v1/namespaces/default/pods/x to the
API server, so the shell, the TUI and one day real kubectl speak the same protocol."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import RESOURCE_TYPES, ResourceType, by_plural


@dataclass
class Route:
    """A parsed request path."""

    rt: ResourceType
    namespace: str | None
    name: str
    subresource: str
    query: dict[str, str]


def parse_path(raw: str) -> Route | str:
    """Parse a resource path; returns a Route, or the raw path for non-resource requests."""
    split = urlsplit(raw)
    query = {k: v[-1] for k, v in parse_qs(split.query).items()}
    parts = [p for p in split.path.split("/") if p]
    if len(parts) >= 2 and parts[0] == "api":
        group, version, rest = "", parts[1], parts[2:]
    elif len(parts) >= 3 and parts[0] == "apis":
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return split.path
    if not rest:
        return split.path
    namespace = None
    if rest[0] == "namespaces" and len(rest) >= 3 and by_plural(group, version, rest[2]):
        namespace, rest = rest[1], rest[2:]
    rt = by_plural(group, version, rest[0])
    if rt is None or len(rest) > 3:
        raise ApiError(404, "NotFound", "the server could not find the requested resource")
    name = rest[1] if len(rest) > 1 else ""
    sub = rest[2] if len(rest) > 2 else ""
    return Route(rt, namespace, name, sub, query)


def discovery(path: str) -> dict[str, Any] | None:
    """Discovery documents for /api, /apis, /api/v1 and /apis/<group>/<version>."""
    if path == "/api":
        return {"kind": "APIVersions", "versions": ["v1"],
                "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0",
                                                "serverAddress": "127.0.0.1"}]}
    if path == "/apis":
        groups: dict[str, list[str]] = {}
        for rt in RESOURCE_TYPES:
            if rt.group:
                versions = groups.setdefault(rt.group, [])
                if rt.version not in versions:
                    versions.append(rt.version)
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
            {"name": g, "versions": [{"groupVersion": f"{g}/{v}", "version": v} for v in vs],
             "preferredVersion": {"groupVersion": f"{g}/{vs[0]}", "version": vs[0]}}
            for g, vs in groups.items()]}
    parts = [p for p in path.split("/") if p]
    if parts[:1] == ["api"] and len(parts) == 2:
        group, version = "", parts[1]
    elif parts[:1] == ["apis"] and len(parts) == 3:
        group, version = parts[1], parts[2]
    else:
        return None
    members = [rt for rt in RESOURCE_TYPES if rt.group == group and rt.version == version]
    if not members:
        return None
    resources: list[dict[str, Any]] = []
    for rt in members:
        entry: dict[str, Any] = {"name": rt.plural, "singularName": rt.singular,
                                 "namespaced": rt.namespaced, "kind": rt.kind,
                                 "verbs": list(rt.verbs)}
        if rt.short_names:
            entry["shortNames"] = list(rt.short_names)
        if rt.categories:
            entry["categories"] = list(rt.categories)
        resources.append(entry)
        for sub in rt.subresources:
            resources.append({"name": f"{rt.plural}/{sub}", "singularName": "",
                              "namespaced": rt.namespaced, "kind": rt.kind,
                              "verbs": ["get", "patch", "update"]})
    return {"kind": "APIResourceList", "apiVersion": "v1",
            "groupVersion": f"{group}/{version}" if group else version,
            "resources": resources}


PATCH_TYPES = {
    "application/strategic-merge-patch+json": "strategic",
    "application/merge-patch+json": "merge",
    "application/json-patch+json": "json",
}
PATCH_CONTENT_TYPES = {v: k for k, v in PATCH_TYPES.items()}


def encode(body: Any) -> bytes:
    """JSON-encode a response body."""
    return json.dumps(body, separators=(",", ":")).encode()
