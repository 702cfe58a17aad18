"""Namespaces, service accounts, quotas, ingresses and cluster role bindings (`kubectl create`)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from kubia_tutor.shell.generators._order import in_go_order
from kubia_tutor.shell.generators._support import Obj, new_object, try_atoi
from kubia_tutor.shell.generators.errors import GeneratorError, required_flag
from kubia_tutor.shell.generators.quantity import kubectl_quantity

__all__ = [
    "clusterrolebinding",
    "ingress",
    "namespace",
    "quota",
    "resource_list",
    "serviceaccount",
]


def namespace(name: str) -> Obj:
    """The Namespace of `kubectl create namespace NAME`."""
    if not name:
        raise GeneratorError("name must be specified")
    ns = new_object("v1", "Namespace", name)
    ns["spec"] = {}
    ns["status"] = {}
    return in_go_order(ns)


def serviceaccount(name: str) -> Obj:
    """The ServiceAccount of `kubectl create serviceaccount NAME` (it has no status)."""
    if not name:
        raise GeneratorError("name must be specified")
    return in_go_order(new_object("v1", "ServiceAccount", name))


# ---------------------------------------------------------------------------------------------
# create quota


def resource_list(spec: str) -> dict[str, str] | None:
    """`cpu=100m,memory=1Gi` as kubectl parses --hard, --requests and --limits (None if empty)."""
    if spec == "":
        return None
    result: dict[str, str] = {}
    for statement in spec.split(","):
        parts = statement.split("=")
        if len(parts) != 2:
            raise GeneratorError(
                f"Invalid argument syntax {statement}, expected <resource>=<value>"
            )
        result[parts[0]] = kubectl_quantity(parts[1])
    return result


def quota(name: str, hard: str = "", scopes: str = "") -> Obj:
    """The ResourceQuota of `kubectl create quota NAME [--hard=...] [--scopes=...]`."""
    if not name:
        raise GeneratorError("name must be specified")
    spec: Obj = {}
    hard_list = resource_list(hard)
    if hard_list is not None:
        spec["hard"] = hard_list
    if scopes:
        # Scope names are left to the API server to check, as kubectl does.
        scope_list = scopes.split(",")
        if "" in scope_list:
            raise GeneratorError('invalid resource quota scope ""')
        spec["scopes"] = scope_list
    obj = new_object("v1", "ResourceQuota", name)
    obj["spec"] = spec
    obj["status"] = {}
    return in_go_order(obj)


# ---------------------------------------------------------------------------------------------
# create ingress

# host, then a path that starts with '/', '=', service name, ':', service port, then an
# optional ',tls' or ',tls=secret'. Like Go's MatchString it is anchored at the start only.
_RULE = re.compile(
    r"(?P<host>[\w*\-.]*)(?P<path>/.*)=(?P<svc>[\w\-]+):(?P<port>[\w\-]+)"
    r"(,(?P<tls>tls)=?(?P<secret>[\w\-]+)?)?",
    re.ASCII,
)


def ingress(
    name: str,
    rules: Sequence[str] = (),
    class_name: str = "",
    default_backend: str = "",
    annotations: Sequence[str] = (),
) -> Obj:
    """The networking.k8s.io/v1 Ingress of `kubectl create ingress NAME --rule=... [...]`.

    A rule is `host/path=service:port[,tls[=secret]]`; a path ending in `*` is a Prefix
    path, any other an Exact one. Rules for the same host share one entry, and TLS hosts
    with the same secret share one TLS block.
    """
    if not default_backend and not rules:
        raise GeneratorError(
            "not enough information provided: every ingress has to either specify a "
            "default-backend (which catches all traffic) or a list of rules (which catch "
            "specific paths)"
        )
    for rule in rules:
        if not _RULE.match(rule):
            raise GeneratorError(
                f"rule {rule} is invalid and should be in format "
                "host/path=svcname:svcport[,tls[=secret]]"
            )
    for annotation in annotations:
        if "=" not in annotation:
            # kubectl 1.20 panics here; later versions print this message.
            raise GeneratorError(
                f"annotation {annotation} is invalid and should be in format key=[value]"
            )
    if default_backend and len(default_backend.split(":")) != 2:
        raise GeneratorError("default-backend should be in format servicename:serviceport")

    spec: Obj = {}
    if class_name:
        spec["ingressClassName"] = class_name
    if default_backend:
        spec["defaultBackend"] = _backend(default_backend)
    tls = _ingress_tls(rules)
    if tls:
        spec["tls"] = tls
    ingress_rules = _ingress_rules(rules)
    if ingress_rules:
        spec["rules"] = ingress_rules

    obj = new_object("networking.k8s.io/v1", "Ingress", name)
    meta_annotations = dict(a.split("=", 1) for a in annotations)
    if meta_annotations:
        obj["metadata"]["annotations"] = meta_annotations
    obj["spec"] = spec
    obj["status"] = {"loadBalancer": {}}
    return in_go_order(obj)


def _backend(service: str) -> Obj:
    parts = service.split(":")
    number = try_atoi(parts[1])
    port: Obj = {"number": number} if number is not None else {"name": parts[1]}
    return {"service": {"name": parts[0], "port": port}}


def _ingress_rules(rules: Sequence[str]) -> list[Obj]:
    result: list[Obj] = []
    for rule in rules:
        host, _, rest = rule.split(",")[0].partition("/")
        path_and_service = rest.split("=")
        path = "/" + path_and_service[0]
        path_type = "Exact"
        if path.endswith("*"):
            path_type = "Prefix"
            path = path[:-1]
        entry = {"backend": _backend(path_and_service[1]), "path": path, "pathType": path_type}
        existing = next((r for r in result if r.get("host", "") == host), None)
        if existing is not None:
            existing["http"]["paths"].append(entry)
            continue
        new_rule: Obj = {"http": {"paths": [entry]}}
        if host:
            new_rule["host"] = host
        result.append(new_rule)
    return result


def _ingress_tls(rules: Sequence[str]) -> list[Obj]:
    result: list[Obj] = []
    seen_hosts: set[str] = set()
    for rule in rules:
        pieces = rule.split(",")
        if len(pieces) != 2:
            continue
        host = rule.split("/", 1)[0]
        secret_parts = pieces[1].split("=")
        secret = secret_parts[1] if len(secret_parts) > 1 else ""
        if host in seen_hosts:
            continue
        seen_hosts.add(host)
        same_secret = next((t for t in result if t.get("secretName", "") == secret), None)
        if same_secret is not None:
            same_secret.setdefault("hosts", []).append(host)
            continue
        entry: Obj = {}
        if host:
            entry["hosts"] = [host]
        if secret:
            entry["secretName"] = secret
        if entry:
            result.append(entry)
    return result


# ---------------------------------------------------------------------------------------------
# create clusterrolebinding


def clusterrolebinding(
    name: str,
    clusterrole: str,
    users: Sequence[str] = (),
    groups: Sequence[str] = (),
    serviceaccounts: Sequence[str] = (),
) -> Obj:
    """The ClusterRoleBinding of `kubectl create clusterrolebinding NAME --clusterrole=...`.

    Subjects keep the order given (users, then groups, then service accounts); v1.20 neither
    sorts nor de-duplicates them. Service accounts are `namespace:name`.
    """
    if not clusterrole:
        raise required_flag("clusterrole")
    subjects: list[Obj] = []
    for user in users:
        subjects.append({"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": user})
    for group in groups:
        subjects.append({"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": group})
    for account in serviceaccounts:
        tokens = account.split(":")
        if len(tokens) != 2 or not tokens[0] or not tokens[1]:
            raise GeneratorError("serviceaccount must be <namespace>:<name>")
        subjects.append({"kind": "ServiceAccount", "name": tokens[1], "namespace": tokens[0]})
    obj = new_object("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", name)
    obj["roleRef"] = {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "ClusterRole",
        "name": clusterrole,
    }
    if subjects:
        obj["subjects"] = subjects
    return in_go_order(obj)
