"""Admission: what the API server adds to an object between decoding and storing it.

Kubernetes splits this across admission plugins and registry strategies; we keep the ones the
book's objects show: ServiceAccount (pods get `default` and its token volume), service IP and
node-port allocation, the Job selector, and the default ServiceAccount with its token Secret
that every new namespace receives (a controller's job in Kubernetes, done synchronously here so
a pod created right after its namespace never races it).
"""

from __future__ import annotations

import base64
import ipaddress
import random
import uuid
from typing import TYPE_CHECKING, Any

from kubia_tutor.api import defaulting, limit_ranges, resource_quotas, sandbox_boundary
from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import ResourceType, resolve
from kubia_tutor.api.semantics import NODE_PORT_RANGE

if TYPE_CHECKING:
    from kubia_tutor.api.server import ApiServer

Obj = dict[str, Any]

SERVICE_CIDR = ipaddress.ip_network("10.96.0.0/12")
KUBERNETES_SERVICE_IP = "10.96.0.1"
DNS_SERVICE_IP = "10.96.0.10"


def admit_create(server: ApiServer, rt: ResourceType, obj: Obj) -> None:
    """Mutate a new object as the admission chain would."""
    sandbox_boundary.check(rt, obj)  # refuse before anything is added or stored
    if rt.kind == "Pod":
        _service_account(server, obj)
        limit_ranges.admit_pod(server, obj)
    elif rt.kind == "Service":
        _allocate_service(server, obj)
    elif rt.kind == "Job":
        defaulting.apply_job_selector(obj)
    elif rt.kind == "PersistentVolumeClaim":
        limit_ranges.admit_claim(server, obj)
        _default_storage_class(server, obj)
        _protect(obj, "kubernetes.io/pvc-protection")
    elif rt.kind == "PersistentVolume":
        _protect(obj, "kubernetes.io/pv-protection")
    elif rt.kind == "ResourceQuota":
        resource_quotas.admit_quota(server, obj)
    if rt.kind == "DaemonSet":
        _daemon_set_template_generation(None, obj)
    resource_quotas.admit(server, rt, obj)  # last: it counts the object as admitted


def admit_update(rt: ResourceType, old: Obj, new: Obj) -> None:
    """Refuse an update as the validating admission plugins would (the sandbox boundary)."""
    sandbox_boundary.check_update(rt, old, new)
    if rt.kind == "DaemonSet":
        _daemon_set_template_generation(old, new)


def after_create(server: ApiServer, rt: ResourceType, obj: Obj) -> None:
    """Objects that follow from a creation (a namespace's default ServiceAccount)."""
    if rt.kind == "Namespace":
        ensure_default_service_account(server, obj["metadata"]["name"])


def _service_account(server: ApiServer, pod: Obj) -> None:
    spec = pod.setdefault("spec", {})
    if spec.get("serviceAccountName") is None and spec.get("serviceAccount"):
        spec["serviceAccountName"] = spec["serviceAccount"]
    name = spec.setdefault("serviceAccountName", "default")
    spec["serviceAccount"] = name
    ns = pod["metadata"]["namespace"]
    sa = server.store.get(_key("serviceaccounts", ns, name))
    if sa is None:
        raise ApiError(
            403, "Forbidden",
            f'pods "{pod["metadata"]["name"]}" is forbidden: error looking up service account '
            f'{ns}/{name}: serviceaccount "{name}" not found')
    if spec.get("automountServiceAccountToken") is False:
        return
    if sa.get("automountServiceAccountToken") is False:
        return
    secrets = sa.get("secrets") or []
    if secrets:
        defaulting.service_account_token_volume(pod, secrets[0]["name"])


def _key(plural: str, namespace: str | None, name: str) -> str:
    from kubia_tutor.api.server import object_key

    return object_key(resolve(plural), namespace, name)


def ensure_default_service_account(server: ApiServer, namespace: str) -> None:
    """Create the namespace's `default` ServiceAccount and its token Secret if missing."""
    if server.store.get(_key("serviceaccounts", namespace, "default")) is not None:
        return
    from kubia_tutor.api.server import random_suffix

    secret_name = f"default-token-{random_suffix()}"
    sa_uid = str(uuid.uuid4())
    now = server.now()
    sa = {
        "apiVersion": "v1", "kind": "ServiceAccount",
        "metadata": {"name": "default", "namespace": namespace, "uid": sa_uid,
                     "creationTimestamp": now},
        "secrets": [{"name": secret_name}],
    }
    token = base64.urlsafe_b64encode(uuid.uuid4().bytes * 4).decode().rstrip("=")
    secret = {
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {
            "name": secret_name, "namespace": namespace, "uid": str(uuid.uuid4()),
            "creationTimestamp": now,
            "annotations": {"kubernetes.io/service-account.name": "default",
                            "kubernetes.io/service-account.uid": sa_uid},
        },
        "type": "kubernetes.io/service-account-token",
        "data": {
            "ca.crt": _b64("-----BEGIN CERTIFICATE-----\nkubia-tutor local CA\n"
                           "-----END CERTIFICATE-----\n"),
            "namespace": _b64(namespace),
            "token": _b64(f"kubia-tutor.{namespace}.default.{token}"),
        },
    }
    server.store.create(_key("serviceaccounts", namespace, "default"), sa)
    server.store.create(_key("secrets", namespace, secret_name), secret)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _used_service_ips(server: ApiServer) -> set[str]:
    used: set[str] = set()
    for svc in server.store.items(_key("services", None, "").rstrip("/") + "/"):
        for ip in (svc.get("spec") or {}).get("clusterIPs") or []:
            used.add(ip)
        ip = (svc.get("spec") or {}).get("clusterIP")
        if ip:
            used.add(ip)
    return used


def _used_node_ports(server: ApiServer) -> set[int]:
    used: set[int] = set()
    for svc in server.store.items(_key("services", None, "").rstrip("/") + "/"):
        for port in (svc.get("spec") or {}).get("ports") or []:
            if isinstance(port, dict) and port.get("nodePort"):
                used.add(int(port["nodePort"]))
    return used


def _allocate_service(server: ApiServer, svc: Obj) -> None:
    spec = svc.setdefault("spec", {})
    kind = spec.get("type") or "ClusterIP"
    name = svc["metadata"]["name"]
    if kind == "ExternalName":
        spec.pop("clusterIP", None)
        return
    requested = spec.get("clusterIP")
    if requested == "None":
        spec["clusterIPs"] = ["None"]
    else:
        used = _used_service_ips(server)
        if requested:
            _check_requested_ip(name, requested, used)
            ip = requested
        else:
            ip = _next_ip(used)
        spec["clusterIP"] = ip
        spec["clusterIPs"] = [ip]
    if kind in ("NodePort", "LoadBalancer"):
        allocate_node_ports(name, spec.get("ports") or [], _used_node_ports(server))


def allocate_node_ports(name: str, ports: list[Any], taken: set[int],
                        mine: frozenset[int] = frozenset()) -> None:
    """Give each port without a nodePort a free one from the range; a requested one must be
    free (`taken` by no other service) unless the service already holds it (`mine`)."""
    for index, port in enumerate(ports):
        if not isinstance(port, dict):
            continue
        wanted = port.get("nodePort")
        if wanted:
            if int(wanted) in taken and int(wanted) not in mine:
                raise ApiError(
                    422, "Invalid",
                    f'Service "{name}" is invalid: spec.ports[{index}].nodePort: Invalid '
                    f"value: {wanted}: provided port is already allocated",
                    {"name": name, "kind": "Service"})
            taken.add(int(wanted))
            continue
        free = [p for p in range(NODE_PORT_RANGE[0], NODE_PORT_RANGE[1] + 1)
                if p not in taken and p not in mine]
        port["nodePort"] = random.choice(free)
        taken.add(port["nodePort"])


def _check_requested_ip(name: str, ip: str, used: set[str]) -> None:
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        addr = None
    if addr is None or addr not in SERVICE_CIDR:
        raise ApiError(
            422, "Invalid",
            f'Service "{name}" is invalid: spec.clusterIPs: Invalid value: []string{{"{ip}"}}: '
            f"failed to allocated ip:{ip} with error:provided IP is not in the valid range. "
            f"The range of valid IPs is {SERVICE_CIDR}",
            {"name": name, "kind": "Service"})
    if ip in used:
        raise ApiError(
            422, "Invalid",
            f'Service "{name}" is invalid: spec.clusterIPs: Invalid value: []string{{"{ip}"}}: '
            f"failed to allocated ip:{ip} with error:provided IP is already allocated",
            {"name": name, "kind": "Service"})


def _next_ip(used: set[str]) -> str:
    """A random free address, as the API server's allocator picks them (never .0, .1, .10,
    which are the network, `kubernetes` and kube-dns)."""
    reserved = {KUBERNETES_SERVICE_IP, DNS_SERVICE_IP}
    first = int(SERVICE_CIDR.network_address) + 2
    last = int(SERVICE_CIDR.broadcast_address) - 1
    for _ in range(1000):
        ip = str(ipaddress.ip_address(random.randint(first, last)))
        if ip not in used and ip not in reserved:
            return ip
    for value in range(first, last + 1):  # pragma: no cover - only in an almost full range
        ip = str(ipaddress.ip_address(value))
        if ip not in used and ip not in reserved:
            return ip
    raise ApiError(500, "InternalError", "Internal error occurred: range is full")


def _daemon_set_template_generation(old: Obj | None, new: Obj) -> None:
    """The DaemonSet registry's template generation, which apps/v1 shows as the annotation
    `deprecated.daemonset.template.generation`: 1 on create, one more each time the pod
    template changes; the DaemonSet controller labels pods with it."""
    key = "deprecated.daemonset.template.generation"
    generation = 1
    if old is not None:
        try:
            generation = int(((old.get("metadata") or {}).get("annotations") or {}).get(key, 1))
        except (TypeError, ValueError):
            generation = 1
        if (old.get("spec") or {}).get("template") != (new.get("spec") or {}).get("template"):
            generation += 1
    meta = new.setdefault("metadata", {})
    if isinstance(meta, dict):
        annotations = meta.get("annotations")
        meta["annotations"] = {**(annotations if isinstance(annotations, dict) else {}),
                               key: str(generation)}


def _default_storage_class(server: ApiServer, claim: Obj) -> None:
    """DefaultStorageClass: a claim that names no class (the field absent, not "", which
    asks for a PV without a class) gets the class annotated as the default, if one is."""
    spec = claim.get("spec")
    if not isinstance(spec, dict) or spec.get("storageClassName") is not None:
        return
    annotations = (claim.get("metadata") or {}).get("annotations") or {}
    if "volume.beta.kubernetes.io/storage-class" in annotations:
        return
    defaults = sorted(
        str(sc["metadata"]["name"])
        for sc in server.store.items(_key("storageclasses", None, "").rstrip("/") + "/")
        if ((sc.get("metadata") or {}).get("annotations") or {}).get(
            "storageclass.kubernetes.io/is-default-class") == "true")
    if defaults:
        spec["storageClassName"] = defaults[0]


def _protect(obj: Obj, finalizer: str) -> None:
    """StorageObjectInUseProtection: claims and volumes are deleted only once unused (the
    finalizer is removed by `controllers/storage_protection.py`)."""
    meta = obj.setdefault("metadata", {})
    finalizers = meta.get("finalizers")
    finalizers = list(finalizers) if isinstance(finalizers, list) else []
    if finalizer not in finalizers:
        meta["finalizers"] = [*finalizers, finalizer]
