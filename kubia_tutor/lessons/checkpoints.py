"""The cluster's state at a step boundary, saved and restored ("restart from step 4").

A checkpoint holds what the learner made: objects in the learners' namespaces and the
cluster-scoped objects a lesson may touch, as they would be written in a manifest (no uid,
resourceVersion or status). Objects that controllers make (anything with an owner, events,
the endpoints of services with selectors, service-account tokens) are left out: the
controllers make them again. Node labels, taints and cordons are kept, since lessons change
them. Restoring deletes what the checkpoint does not have, puts back what changed, and
creates what is missing, in dependency order; pods and names still terminating are waited for.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import ResourceType, resolve
from kubia_tutor.client.base import ApiClient

Obj = dict[str, Any]
SYSTEM_NAMESPACES = ("kube-system", "kube-public", "kube-node-lease")
# Creation order: what others refer to first. Deletion runs the other way round.
ORDER = ("namespaces", "storageclasses", "persistentvolumes", "priorityclasses",
         "limitranges", "resourcequotas", "serviceaccounts", "configmaps", "secrets",
         "persistentvolumeclaims", "services", "endpoints", "ingressclasses", "ingresses",
         "networkpolicies", "poddisruptionbudgets", "roles", "rolebindings", "clusterroles",
         "clusterrolebindings", "podtemplates", "replicationcontrollers", "replicasets",
         "deployments", "daemonsets", "statefulsets", "jobs", "cronjobs",
         "horizontalpodautoscalers", "pods")
_DROPPED_METADATA = ("uid", "resourceVersion", "creationTimestamp", "generation",
                     "managedFields", "selfLink", "deletionTimestamp",
                     "deletionGracePeriodSeconds", "finalizers")
_BUILT_IN = {("storageclasses", "standard"), ("namespaces", "default")}
Key = tuple[str, str, str]  # (plural, namespace, name)


def _types() -> list[ResourceType]:
    return [resolve(name) for name in ORDER]


def _clean(rt: ResourceType, obj: Obj) -> Obj:
    kept = {k: v for k, v in obj.items() if k != "status"}
    kept["metadata"] = {k: v for k, v in obj["metadata"].items() if k not in _DROPPED_METADATA}
    if rt.plural == "persistentvolumes":
        claim = (kept.get("spec") or {}).get("claimRef")
        if isinstance(claim, dict):
            kept["spec"]["claimRef"] = {k: v for k, v in claim.items()
                                        if k not in ("uid", "resourceVersion")}
    return kept


def _learners(rt: ResourceType, obj: Obj, selectorless: set[tuple[str, str]]) -> bool:
    meta = obj["metadata"]
    if meta.get("ownerReferences") or meta.get("namespace") in SYSTEM_NAMESPACES:
        return False
    if (rt.plural, meta["name"]) in _BUILT_IN or (rt.plural == "namespaces" and \
            meta["name"] in SYSTEM_NAMESPACES):
        return False
    if rt.plural == "endpoints":  # the API server keeps default/kubernetes
        return (meta.get("namespace"), meta["name"]) in selectorless and \
            (meta.get("namespace"), meta["name"]) != ("default", "kubernetes")
    if rt.plural == "secrets" and obj.get("type") == "kubernetes.io/service-account-token":
        return False
    if rt.plural == "serviceaccounts" and meta["name"] == "default":
        return False
    if rt.plural == "services" and meta["name"] == "kubernetes" and \
            meta.get("namespace") == "default":
        return False
    return not (rt.plural == "configmaps" and meta["name"] == "kube-root-ca.crt")


def snapshot(client: ApiClient) -> dict[str, Any]:
    """The learner's part of the cluster, as JSON-ready data."""
    objects: list[Obj] = []
    listed = {rt.plural: client.list(rt, None).get("items") or [] for rt in _types()}
    selectorless = {(s["metadata"].get("namespace"), s["metadata"]["name"])
                    for s in listed["services"] if not (s.get("spec") or {}).get("selector")}
    for rt in _types():
        for obj in listed[rt.plural]:
            if _learners(rt, obj, selectorless):
                objects.append({"resource": rt.plural, "object": _clean(rt, obj)})
    nodes = [{"name": n["metadata"]["name"], "labels": n["metadata"].get("labels") or {},
              "taints": (n.get("spec") or {}).get("taints") or [],
              "unschedulable": bool((n.get("spec") or {}).get("unschedulable"))}
             for n in client.list(resolve("nodes"), None).get("items") or []]
    return {"objects": objects, "nodes": nodes}


def save(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, sort_keys=True) + "\n")


def load(path: Path) -> dict[str, Any] | None:
    try:
        loaded: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return loaded


def _key(resource: str, obj: Obj) -> Key:
    meta = obj["metadata"]
    return resource, meta.get("namespace") or "", meta["name"]


def _same(a: Obj, b: Obj) -> bool:
    def comparable(obj: Obj) -> Obj:
        meta = obj["metadata"]
        return {"labels": meta.get("labels") or {}, "annotations": meta.get("annotations") or {},
                **{k: v for k, v in obj.items() if k not in ("metadata", "status")}}
    return comparable(a) == comparable(b)


def restore(client: ApiClient, data: dict[str, Any], timeout: float = 60.0) -> None:
    """Make the learner's part of the cluster what `data` (a snapshot) holds."""
    wanted: dict[Key, Obj] = {_key(i["resource"], i["object"]): i["object"]
                              for i in data.get("objects") or []}
    current = snapshot(client)
    have = {_key(i["resource"], i["object"]): i["object"] for i in current["objects"]}
    doomed = [k for k, obj in have.items() if k not in wanted or not _same(obj, wanted[k])]
    for key in sorted(doomed, key=lambda k: -ORDER.index(k[0])):
        _delete(client, key)
    for key in doomed:
        _wait_gone(client, key, timeout)
    for key in sorted(wanted, key=lambda k: ORDER.index(k[0])):
        if key in have and key not in doomed:
            continue
        rt = resolve(key[0])
        try:
            client.create(rt, key[1] or None, wanted[key])
        except ApiError as err:
            if err.code != 409:
                raise
    _restore_nodes(client, data.get("nodes") or [])


def _delete(client: ApiClient, key: Key) -> None:
    rt = resolve(key[0])
    try:
        client.delete(rt, key[1] or None, key[2], propagation="Background",
                      grace_period=0 if rt.plural == "pods" else None)
    except ApiError as err:
        if err.code != 404:
            raise


def _wait_gone(client: ApiClient, key: Key, timeout: float) -> None:
    rt = resolve(key[0])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            client.get(rt, key[1] or None, key[2])
        except ApiError as err:
            if err.code == 404:
                return
            raise
        time.sleep(0.2)


def _restore_nodes(client: ApiClient, nodes: list[Obj]) -> None:
    rt = resolve("nodes")
    for saved in nodes:
        try:
            node = client.get(rt, None, saved["name"])
        except ApiError:
            continue
        spec = node.get("spec") or {}
        if (node["metadata"].get("labels") or {}) == saved["labels"] and \
                (spec.get("taints") or []) == saved["taints"] and \
                bool(spec.get("unschedulable")) == saved["unschedulable"]:
            continue
        node["metadata"]["labels"] = saved["labels"]
        node.setdefault("spec", {})["taints"] = saved["taints"] or None
        node["spec"]["unschedulable"] = saved["unschedulable"] or None
        client.update(rt, None, saved["name"], node)


def objects_of(data: dict[str, Any]) -> Iterator[Key]:
    for item in data.get("objects") or []:
        yield _key(item["resource"], item["object"])
