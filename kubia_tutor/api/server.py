"""The API server, in process: CRUD, watch and deletion semantics over the store.

Design note. This is the one place that writes the store. Each request runs the API server's
pipeline in order: resolve the namespace, fill in metadata, admit (service accounts, IP and
port allocation), default, validate, then write with optimistic concurrency. Deletion follows
Kubernetes: pods on a node get a grace period and are finished by the kubelet; objects with
finalizers (foreground and orphan propagation, namespaces) get a deletionTimestamp and are
finished by controllers; everything else goes at once and the garbage collector removes its
dependents in the background.
"""

from __future__ import annotations

import builtins
import copy
import json
import random
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from kubia_tutor.api import admission, defaulting, semantics, service_updates
from kubia_tutor.api.errors import (
    ApiError,
    already_exists,
    bad_request,
    conflict,
    method_not_allowed,
    not_found,
)
from kubia_tutor.api.kinds import ResourceType, by_kind, resolve
from kubia_tutor.api.node_proxy import NodeProxy
from kubia_tutor.api.patch import apply_patch
from kubia_tutor.api.selectors import parse_field_selector, parse_label_selector
from kubia_tutor.api.store import Compacted, KeyExists, KeyNotFound, RevisionConflict, Store
from kubia_tutor.clock import Clock, timestamp

Obj = dict[str, Any]

# Kinds whose metadata.generation counts spec changes (pods and services have none).
_GENERATION_KINDS = frozenset({
    "Deployment", "ReplicaSet", "ReplicationController", "DaemonSet", "StatefulSet", "Job",
    "CronJob", "HorizontalPodAutoscaler", "Ingress", "PodDisruptionBudget", "NetworkPolicy",
})
_PROTECTED_NAMESPACES = frozenset({"default", "kube-system", "kube-public"})
_NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789"


def random_suffix(length: int = 5) -> str:
    """The random suffix Kubernetes appends for generateName (no vowels, no lookalikes)."""
    return "".join(random.choice(_NAME_CHARS) for _ in range(length))


def object_key(rt: ResourceType, namespace: str | None, name: str = "") -> str:
    """The store key of an object, or the prefix of a collection when name is empty."""
    group = rt.group or "core"
    if rt.namespaced and namespace:
        return f"/registry/{group}/{rt.plural}/{namespace}/{name}"
    if rt.namespaced:
        return f"/registry/{group}/{rt.plural}/"
    return f"/registry/{group}/{rt.plural}/{name}"


class ApiServer(NodeProxy):
    """Kubernetes API semantics over a `Store`; implements the `ApiClient` contract."""

    def __init__(self, store: Store, clock: Clock | None = None) -> None:
        self.store = store
        self.clock = clock or Clock()
        self._stopping = threading.Event()
        self.log_source: Any = None  # the node's endpoints: see NodeProxy
        self.exec_source: Any = None
        self.stream_source: Any = None
        self.metrics_source: Any = None
        # The labels of stored texts by the texts' hashes, so `list -l` (lesson checks,
        # `get -l`) decodes only objects it has not seen: an update stores a new text. Keyed
        # by hash, not text, to keep the memory small (a 64-bit collision is not a worry).
        self._labels: dict[int, dict[str, Any]] = {}

    # Helpers ---------------------------------------------------------------------------------

    def now(self) -> str:
        """The current time as a metadata timestamp."""
        return timestamp(self.clock.now())

    def _check_verb(self, rt: ResourceType, verb: str) -> None:
        if not rt.stored or verb not in rt.verbs:
            raise method_not_allowed()

    def _namespace(self, rt: ResourceType, namespace: str | None) -> str | None:
        if not rt.namespaced:
            return None
        return namespace or "default"

    def _read(self, rt: ResourceType, namespace: str | None, name: str) -> Obj:
        obj = self.store.get(object_key(rt, self._namespace(rt, namespace), name))
        if obj is None:
            raise not_found(rt, name)
        return obj

    # Reads -----------------------------------------------------------------------------------

    def get(self, rt: ResourceType, namespace: str | None, name: str) -> Obj:
        """Read one object."""
        self._check_verb(rt, "get")
        return self._read(rt, namespace, name)

    def list(self, rt: ResourceType, namespace: str | None = None, *,
             label_selector: str = "", field_selector: str = "") -> Obj:
        """A `<Kind>List` of the objects in a namespace (all namespaces when None)."""
        self._check_verb(rt, "list")
        rev, raws = self.store.list_raw(object_key(rt, namespace if rt.namespaced else None))
        items = [json.loads(raw) for raw in raws]
        items = self._filter(rt, items, label_selector, field_selector)
        return {
            "apiVersion": rt.api_version,
            "kind": f"{rt.kind}List",
            "metadata": {"resourceVersion": str(rev)},
            "items": items,
        }

    def list_json(self, rt: ResourceType, namespace: str | None = None, *,
                  label_selector: str = "", field_selector: str = "") -> bytes:
        """The list as JSON bytes: the stored texts of the objects that match are spliced in
        as they are, which spares re-encoding every object on the hot `get` path (and
        decoding them too when there is no selector)."""
        self._check_verb(rt, "list")
        rev, raws = self.store.list_raw(object_key(rt, namespace if rt.namespaced else None))
        if label_selector and not field_selector:
            selector = parse_label_selector(label_selector)
            raws = [raw for raw in raws if selector.matches(self._labels_of(raw))]
        elif field_selector:
            decoded = [(raw, json.loads(raw)) for raw in raws]
            kept = {id(o) for o in self._filter(rt, [o for _r, o in decoded], label_selector,
                                                field_selector)}
            raws = [raw for raw, obj in decoded if id(obj) in kept]
        head = json.dumps({"apiVersion": rt.api_version, "kind": f"{rt.kind}List",
                           "metadata": {"resourceVersion": str(rev)}},
                          separators=(",", ":"))
        return (head[:-1] + ',"items":[' + ",".join(raws) + "]}").encode()

    def _labels_of(self, raw: str) -> dict[str, Any]:
        key = hash(raw)
        labels = self._labels.get(key)
        if labels is None:
            if len(self._labels) > 20000:
                self._labels.clear()
            labels = json.loads(raw)["metadata"].get("labels") or {}
            self._labels[key] = labels
        return labels

    def _filter(self, rt: ResourceType, items: builtins.list[Obj], label_selector: str,
                field_selector: str) -> builtins.list[Obj]:
        if label_selector:
            labels = parse_label_selector(label_selector)
            items = [o for o in items if labels.matches(o["metadata"].get("labels") or {})]
        if field_selector:
            fields = parse_field_selector(field_selector)
            fields.check_supported(rt.kind)
            items = [o for o in items if fields.matches(o)]
        return items

    # Create ----------------------------------------------------------------------------------

    def create(self, rt: ResourceType, namespace: str | None, obj: Obj, *,
               dry_run: bool = False) -> Obj:
        """Create an object, running admission, defaulting and validation."""
        self._check_verb(rt, "create")
        obj = copy.deepcopy(obj)
        self._check_type(rt, obj)
        meta = obj.setdefault("metadata", {})
        if not isinstance(meta, dict):
            raise bad_request("metadata must be an object")
        ns = self._resolve_namespace(rt, namespace, meta)
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = f"{meta['generateName']}{random_suffix()}"
        semantics.validate_create(rt.kind, obj)
        name = meta["name"]
        with self.store.lock:
            if ns is not None:
                self._check_namespace_open(rt, ns, name)
            key = object_key(rt, ns, name)
            if self.store.get_raw(key) is not None:
                raise already_exists(rt, name)
            meta.pop("resourceVersion", None)
            meta.pop("deletionTimestamp", None)
            meta["uid"] = str(uuid.uuid4())
            meta["creationTimestamp"] = self.now()
            if rt.kind in _GENERATION_KINDS:
                meta["generation"] = 1
            else:
                meta.pop("generation", None)
            admission.admit_create(self, rt, obj)
            defaulting.apply_defaults(rt.kind, obj)
            if dry_run:
                return obj
            try:
                created = self.store.create(key, obj)
            except KeyExists as exc:
                raise already_exists(rt, name) from exc
            admission.after_create(self, rt, created)
            return created

    def _check_type(self, rt: ResourceType, obj: Obj) -> None:
        api_version = obj.get("apiVersion") or rt.api_version
        kind = obj.get("kind") or rt.kind
        if api_version != rt.api_version or kind != rt.kind:
            target = by_kind(str(api_version), str(kind))
            if target is not rt:
                raise bad_request(
                    f"the API version in the data ({api_version}) does not match the expected "
                    f"API version ({rt.api_version})")
        obj["apiVersion"] = rt.api_version
        obj["kind"] = rt.kind
        self._check_meta_types(rt, obj)

    def _check_meta_types(self, rt: ResourceType, obj: Obj) -> None:
        """What the API server's JSON decoder refuses in metadata: a name, generateName or
        namespace that is not a string (YAML's `name: true`), metadata that is not an object.
        kubectl's client-side validation lets any scalar through a string field, so this is
        where a real cluster says no, in the decoder's words."""
        meta = obj.get("metadata")
        head = f'{rt.kind} in version "{rt.version}" cannot be handled as a {rt.kind}: '
        if meta is None:
            obj["metadata"] = {}
            return
        if not isinstance(meta, dict):
            raise bad_request(f"{head}v1.{rt.kind}.ObjectMeta: readObjectStart: expect {{ or n, "
                              f"but found {json.dumps(meta)[:1]}")
        for field, go_name in (("name", "Name"), ("generateName", "GenerateName"),
                               ("namespace", "Namespace")):
            value = meta.get(field)
            if value is not None and not isinstance(value, str):
                raise bad_request(f'{head}v1.{rt.kind}.ObjectMeta: v1.ObjectMeta.{go_name}: '
                                  f'ReadString: expects " or n, but found '
                                  f"{json.dumps(value)[:1]}")

    def _resolve_namespace(self, rt: ResourceType, namespace: str | None,
                           meta: Obj) -> str | None:
        if not rt.namespaced:
            meta.pop("namespace", None)
            return None
        ns = namespace or meta.get("namespace") or "default"
        if meta.get("namespace") and meta["namespace"] != ns:
            raise bad_request("the namespace of the provided object does not match the "
                              "namespace sent on the request")
        meta["namespace"] = ns
        return str(ns)

    def _check_namespace_open(self, rt: ResourceType, ns: str, name: str) -> None:
        namespace = self.store.get(object_key(resolve("namespaces"), None, ns))
        if namespace is None:
            raise not_found(resolve("namespaces"), ns)
        if namespace["metadata"].get("deletionTimestamp"):
            raise ApiError(
                403, "Forbidden",
                f'{rt.qualified} "{name}" is forbidden: unable to create new content in '
                f"namespace {ns} because it is being terminated")

    # Update ----------------------------------------------------------------------------------

    def update(self, rt: ResourceType, namespace: str | None, name: str, obj: Obj, *,
               subresource: str = "", dry_run: bool = False) -> Obj:
        """Replace an object (or its status), checking metadata.resourceVersion if given."""
        self._check_verb(rt, "update")
        obj = copy.deepcopy(obj)
        self._check_type(rt, obj)
        with self.store.lock:
            old = self._read(rt, namespace, name)
            meta = obj.setdefault("metadata", {})
            expected = meta.get("resourceVersion")
            if expected and str(expected) != old["metadata"]["resourceVersion"]:
                raise conflict(rt, name)
            if meta.get("name", name) != name:
                raise bad_request(
                    f"the name of the object ({meta.get('name')}) does not match the name on "
                    f"the URL ({name})")
            new = self._merge_for_update(rt, old, obj, subresource)
            return self._write_update(rt, old, new, dry_run=dry_run,
                                      validate=not subresource)

    def _merge_for_update(self, rt: ResourceType, old: Obj, obj: Obj, subresource: str) -> Obj:
        if subresource == "status":
            new = copy.deepcopy(old)
            if "status" in obj:
                new["status"] = obj["status"]
            return new
        if subresource == "binding":
            new = copy.deepcopy(old)
            if new.get("spec", {}).get("nodeName"):
                raise ApiError(409, "Conflict", f'Operation cannot be fulfilled on pods/binding '
                               f'"{old["metadata"]["name"]}": pod {old["metadata"]["name"]} is '
                               f'already assigned to node "{new["spec"]["nodeName"]}"')
            new.setdefault("spec", {})["nodeName"] = (obj.get("spec") or {}).get("nodeName")
            return new
        if subresource:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        new = obj
        meta = new["metadata"]
        for field in ("uid", "creationTimestamp", "namespace", "deletionTimestamp",
                      "deletionGracePeriodSeconds", "generation"):
            if field in old["metadata"]:
                meta[field] = old["metadata"][field]
            else:
                meta.pop(field, None)
        meta["name"] = old["metadata"]["name"]
        if "status" in rt.subresources:
            if "status" in old:
                new["status"] = old["status"]
            else:
                new.pop("status", None)
        return new

    def _write_update(self, rt: ResourceType, old: Obj, new: Obj, *,
                      dry_run: bool = False, validate: bool = True) -> Obj:
        """Default, validate and store an updated object; no-op updates write nothing."""
        if validate:
            defaulting.apply_defaults(rt.kind, new)
            semantics.validate_update(rt.kind, old, new)
            admission.admit_update(rt, old, new)
            if rt.kind == "Service":  # the registry allocates what an update newly needs
                service_updates.allocate_on_update(self, old, new)
        if rt.kind in _GENERATION_KINDS and new.get("spec") != old.get("spec"):
            new["metadata"]["generation"] = int(old["metadata"].get("generation", 1)) + 1
        new["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]
        if new == old or dry_run:
            return new
        key = object_key(rt, old["metadata"].get("namespace"), old["metadata"]["name"])
        expected = int(old["metadata"]["resourceVersion"])
        meta = new["metadata"]
        try:
            if meta.get("deletionTimestamp") and not meta.get("finalizers") and \
                    not _waits_for_kubelet(rt, new):
                return self.store.delete(key, expected)
            return self.store.update(key, new, expected)
        except RevisionConflict as exc:
            raise conflict(rt, meta["name"]) from exc
        except KeyNotFound as exc:
            raise not_found(rt, meta["name"]) from exc

    def patch(self, rt: ResourceType, namespace: str | None, name: str, patch: Any,
              patch_type: str = "strategic", *, subresource: str = "",
              dry_run: bool = False) -> Obj:
        """Apply a patch to the current object and store the result."""
        self._check_verb(rt, "patch")
        with self.store.lock:
            old = self._read(rt, namespace, name)
            patched = apply_patch(old, patch, patch_type)
            patched["apiVersion"] = rt.api_version
            patched["kind"] = rt.kind
            rv = (patched.get("metadata") or {}).get("resourceVersion")
            if rv and str(rv) != old["metadata"]["resourceVersion"]:
                raise conflict(rt, name)
            if not isinstance(patched.get("metadata"), dict):
                raise bad_request("metadata must be an object")
            new = self._merge_for_update(rt, old, patched, subresource)
            return self._write_update(rt, old, new, dry_run=dry_run,
                                      validate=not subresource)

    # Delete ----------------------------------------------------------------------------------

    def delete(self, rt: ResourceType, namespace: str | None, name: str, *,
               propagation: str = "", grace_period: int | None = None,
               dry_run: bool = False) -> Obj:
        """Delete an object with Kubernetes' graceful and cascading semantics."""
        self._check_verb(rt, "delete")
        with self.store.lock:
            obj = self._read(rt, namespace, name)
            if rt.kind == "Namespace" and name in _PROTECTED_NAMESPACES:
                raise ApiError(403, "Forbidden",
                               f'namespaces "{name}" is forbidden: this namespace may not be '
                               "deleted")
            if dry_run:
                return obj
            return self._delete_locked(rt, obj, propagation or "Background", grace_period)

    def _delete_locked(self, rt: ResourceType, obj: Obj, propagation: str,
                       grace_period: int | None) -> Obj:
        meta = obj["metadata"]
        key = object_key(rt, meta.get("namespace"), meta["name"])
        new = copy.deepcopy(obj)
        nmeta = new["metadata"]
        finalizers = list(nmeta.get("finalizers") or [])
        if propagation == "Foreground" and "foregroundDeletion" not in finalizers:
            finalizers.append("foregroundDeletion")
        elif propagation == "Orphan" and "orphan" not in finalizers:
            finalizers.append("orphan")
        if rt.kind == "Namespace":
            if not nmeta.get("deletionTimestamp"):
                nmeta["deletionTimestamp"] = self.now()
                new.setdefault("status", {})["phase"] = "Terminating"
            return self.store.update(key, new)
        graceful = rt.kind == "Pod" and _pod_grace(new, grace_period)
        if graceful:
            seconds = _pod_grace_seconds(new, grace_period)
            if not nmeta.get("deletionTimestamp"):
                when = self.clock.now().timestamp() + seconds
                nmeta["deletionTimestamp"] = timestamp(datetime.fromtimestamp(when, UTC))
                nmeta["deletionGracePeriodSeconds"] = seconds
            elif seconds < int(nmeta.get("deletionGracePeriodSeconds") or 0):
                nmeta["deletionGracePeriodSeconds"] = seconds
        if finalizers or graceful:
            nmeta["finalizers"] = finalizers
            if not finalizers:
                nmeta.pop("finalizers")
            if not nmeta.get("deletionTimestamp"):
                nmeta["deletionTimestamp"] = self.now()
                nmeta["deletionGracePeriodSeconds"] = 0
            if new == obj:
                return obj
            return self.store.update(key, new)
        return self.store.delete(key)

    # Watch -----------------------------------------------------------------------------------

    def watch(self, rt: ResourceType, namespace: str | None = None, *,
              resource_version: str = "", label_selector: str = "",
              field_selector: str = "", timeout: float | None = None) -> Iterator[Obj]:
        """Yield watch events after a revision; with no revision, start with the current
        objects as ADDED events, as the API server does."""
        self._check_verb(rt, "watch")
        prefix = object_key(rt, namespace if rt.namespaced else None)
        labels = parse_label_selector(label_selector) if label_selector else None
        fields = parse_field_selector(field_selector) if field_selector else None
        if fields:
            fields.check_supported(rt.kind)

        def wanted(obj: Obj) -> bool:
            if labels and not labels.matches(obj["metadata"].get("labels") or {}):
                return False
            return not (fields and not fields.matches(obj))

        return self._watch_events(prefix, resource_version, wanted, timeout)

    def _watch_events(self, prefix: str, resource_version: str, wanted: Any,
                      timeout: float | None) -> Iterator[Obj]:
        if resource_version in ("", "0"):
            rev, raws = self.store.list_raw(prefix)
            for raw in raws:
                obj = json.loads(raw)
                if wanted(obj):
                    yield {"type": "ADDED", "object": obj}
        else:
            try:
                rev = int(resource_version)
            except ValueError as exc:
                raise bad_request(f'invalid resource version "{resource_version}"') from exc
        deadline = None if timeout is None else self.clock.monotonic() + timeout
        while not self._stopping.is_set() and not self.store.closed:
            try:
                changes, upto = self.store.changes_since(rev, prefix)
            except Compacted as exc:
                yield {"type": "ERROR", "object": ApiError(410, "Expired", str(exc)).status()}
                return
            for change in changes:
                obj = change.object()
                if wanted(obj):
                    yield {"type": change.kind, "object": obj}
            rev = upto
            if deadline is not None and self.clock.monotonic() >= deadline:
                return
            wait = 1.0 if deadline is None else max(0.0, min(1.0, deadline -
                                                              self.clock.monotonic()))
            self.store.wait(rev, wait)

    def finalize(self, rt: ResourceType, namespace: str | None, name: str) -> None:
        """Remove an object whose finalization is complete (a namespace emptied by its
        controller), whatever its finalizers say."""
        with self.store.lock:
            try:
                self.store.delete(object_key(rt, self._namespace(rt, namespace), name))
            except KeyNotFound:
                return

    def stop(self) -> None:
        """End all watches."""
        self._stopping.set()


def _pod_grace(pod: Obj, grace_period: int | None) -> bool:
    """Pods on a node end gracefully (the kubelet finishes them); unbound pods go at once."""
    if not (pod.get("spec") or {}).get("nodeName"):
        return False
    phase = (pod.get("status") or {}).get("phase")
    if phase in ("Succeeded", "Failed"):
        return False
    return _pod_grace_seconds(pod, grace_period) > 0


def _pod_grace_seconds(pod: Obj, grace_period: int | None) -> int:
    if grace_period is not None and grace_period >= 0:
        # kubectl sends 1 for --grace-period=0 without --force; the kubelet then kills at once.
        return grace_period
    return int((pod.get("spec") or {}).get("terminationGracePeriodSeconds", 30))


def _waits_for_kubelet(rt: ResourceType, obj: Obj) -> bool:
    """A terminating pod on a node stays until the kubelet confirms its containers stopped."""
    return rt.kind == "Pod" and bool((obj.get("spec") or {}).get("nodeName")) and \
        int(obj["metadata"].get("deletionGracePeriodSeconds") or 0) > 0
