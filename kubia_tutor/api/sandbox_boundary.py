"""The sandbox boundary: pod specs that would reach outside the tutor's sandbox are refused.

Design note. The tutor runs real containers as root on the learner's machine, so a manifest
must not get the host's namespaces, privileges or ports. The API server refuses such pods and
pod templates when they are written (create, update, patch, apply), before anything is stored,
the way a PodSecurity admission plugin refuses them: 403 Forbidden, one line, naming what is
not allowed and where, e.g.

    pods "x" is forbidden: kubia-tutor sandbox: privileged containers are not allowed
    (container "main")

Refused: `hostNetwork`, `hostPID`, `hostIPC`, `securityContext.privileged: true`,
`securityContext.capabilities.add`, container `ports[].hostPort`. Templates are checked in
every workload kind, so a Deployment is refused at `kubectl apply` rather than leaving a
ReplicaSet that can never make its pods.

Also here, because they are how a path would climb out of a volume: the API server's own
validation of hostPath paths and volumeMount subPaths (`must not contain '..'`, subPath `must
be a relative path`), a 422 like the real server's. The kubelet's volume manager checks again
when it mounts, and also refuses symlinks that lead outside (runtime/volumes/).
"""

from __future__ import annotations

from typing import Any

from kubia_tutor.api.errors import ApiError, invalid
from kubia_tutor.api.kinds import ResourceType
from kubia_tutor.api.semantics.causes import Errors

Obj = dict[str, Any]

PREFIX = "kubia-tutor sandbox"
# Where each kind keeps its pod spec.
POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "PodTemplate": ("template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "Deployment": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")
HOST_NAMESPACES = ("hostNetwork", "hostPID", "hostIPC")


def pod_spec(kind: str, obj: Obj) -> Obj | None:
    """The pod spec inside an object of `kind`, or None when it has none."""
    path = POD_SPEC_PATHS.get(kind)
    if path is None:
        return None
    node: Any = obj
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else None


def check(rt: ResourceType, obj: Obj) -> None:
    """Raise 422 for climbing volume paths, then 403 for what crosses the boundary."""
    spec = pod_spec(rt.kind, obj)
    if spec is None:
        return
    name = str((obj.get("metadata") or {}).get("name") or "")
    causes = volume_path_causes(spec, ".".join(POD_SPEC_PATHS[rt.kind]))
    if causes:
        raise invalid(rt.kind, name, causes)
    refusals = violations(spec)
    if refusals:
        raise ApiError(403, "Forbidden",
                       f'{rt.qualified} "{name}" is forbidden: {PREFIX}: '
                       + ", ".join(refusals),
                       {"name": name, "group": rt.group, "kind": rt.plural})


def check_update(rt: ResourceType, old: Obj, new: Obj) -> None:
    """`check` for an update that changes the pod spec (an object stored before the boundary
    existed can still have its metadata or status written)."""
    if pod_spec(rt.kind, old) != pod_spec(rt.kind, new):
        check(rt, new)


def _containers(spec: Obj) -> list[Obj]:
    out: list[Obj] = []
    for key in CONTAINER_LISTS:
        items = spec.get(key)
        if isinstance(items, list):
            out += [c for c in items if isinstance(c, dict)]
    return out


def _quoted(names: list[str]) -> str:
    label = "container" if len(names) == 1 else "containers"
    return f"{label} " + ", ".join(f'"{n}"' for n in names)


def violations(spec: Obj) -> list[str]:
    """What in a pod spec crosses the sandbox boundary, one phrase per rule."""
    out: list[str] = []
    hosts = [f"{key}=true" for key in HOST_NAMESPACES if spec.get(key) is True]
    if hosts:
        out.append(f"host namespaces are not allowed ({', '.join(hosts)})")
    containers = _containers(spec)
    privileged = [str(c.get("name")) for c in containers
                  if (c.get("securityContext") or {}).get("privileged") is True]
    if privileged:
        out.append(f"privileged containers are not allowed ({_quoted(privileged)})")
    for c in containers:
        caps = ((c.get("securityContext") or {}).get("capabilities") or {}).get("add")
        if isinstance(caps, list) and caps:
            out.append(f'adding capabilities is not allowed (container "{c.get("name")}"'
                       f" adds {', '.join(str(x) for x in caps)})")
    for c in containers:
        ports = [p.get("hostPort") for p in c.get("ports") or []
                 if isinstance(p, dict) and p.get("hostPort")]
        if ports:
            shown = ", ".join(str(p) for p in ports)
            out.append(f'host ports are not allowed (container "{c.get("name")}" asks for'
                       f" hostPort {shown}; use a NodePort Service or kubectl port-forward)")
    return out


def volume_path_causes(spec: Obj, where: str) -> list[tuple[str, str]]:
    """The API server's checks of hostPath paths and subPaths (validatePathNoBacksteps,
    validateLocalDescendingPath)."""
    e = Errors()
    for i, volume in enumerate(spec.get("volumes") or []):
        host = volume.get("hostPath") if isinstance(volume, dict) else None
        path = host.get("path") if isinstance(host, dict) else None
        if isinstance(path, str) and ".." in path.split("/"):
            e.invalid(f"{where}.volumes[{i}].hostPath.path", path, "must not contain '..'")
    for key in CONTAINER_LISTS:
        for ci, c in enumerate(spec.get(key) or []):
            if not isinstance(c, dict):
                continue
            for mi, vm in enumerate(c.get("volumeMounts") or []):
                sub = vm.get("subPath") if isinstance(vm, dict) else None
                if not isinstance(sub, str) or not sub:
                    continue
                field = f"{where}.{key}[{ci}].volumeMounts[{mi}].subPath"
                if sub.startswith("/"):
                    e.invalid(field, sub, "must be a relative path")
                if ".." in sub.split("/"):
                    e.invalid(field, sub, "must not contain '..'")
    return e.causes
