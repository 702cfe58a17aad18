"""A container's environment as the kubelet gives it: values with `$(VAR)` expanded and
fieldRefs resolved."""

from __future__ import annotations

from typing import Any

Obj = dict[str, Any]


def resolve_env(pod: Obj, container: Obj) -> dict[str, str]:
    """The container's environment with `$(VAR)` expanded and the fieldRefs the book uses
    resolved (metadata.name, metadata.namespace, status.podIP, spec.nodeName)."""
    meta = pod.get("metadata") or {}
    fields = {
        "metadata.name": meta.get("name", ""), "metadata.namespace": meta.get("namespace", ""),
        "metadata.uid": meta.get("uid", ""),
        "spec.nodeName": (pod.get("spec") or {}).get("nodeName", ""),
        "spec.serviceAccountName": (pod.get("spec") or {}).get("serviceAccountName", ""),
        "status.podIP": (pod.get("status") or {}).get("podIP", ""),
        "status.hostIP": (pod.get("status") or {}).get("hostIP", ""),
    }
    env: dict[str, str] = {}
    for var in container.get("env") or []:
        name = str(var.get("name"))
        if "value" in var:
            env[name] = _expand(str(var.get("value") or ""), env)
        else:
            ref = ((var.get("valueFrom") or {}).get("fieldRef") or {}).get("fieldPath")
            if ref:
                env[name] = str(fields.get(ref, ""))
    return env


def _expand(text: str, env: dict[str, str]) -> str:
    """Kubernetes' `$(VAR)` expansion: known names expand, `$$` escapes, unknown stay."""
    out, i = [], 0
    while i < len(text):
        if text.startswith("$$", i):
            out.append("$")
            i += 2
        elif text.startswith("$(", i) and ")" in text[i:]:
            end = text.index(")", i)
            name = text[i + 2:end]
            out.append(env[name] if name in env else text[i:end + 1])
            i = end + 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)
