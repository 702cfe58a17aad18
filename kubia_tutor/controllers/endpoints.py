"""The Endpoints controller: for each Service with a selector, an Endpoints object of the same
name listing the selected pods' IPs and the ports they serve the service's ports on.

Design note. This follows Kubernetes 1.20's `endpoint.Controller.syncService`:

* A pod needs an IP and (unless `publishNotReadyAddresses`) must not be terminating. A ready
  pod goes into `addresses`; a pod that is not ready but may still become so (its restart
  policy can bring it back) goes into `notReadyAddresses`.
* Ports are resolved per pod (`podutil.FindPort`): a numeric targetPort as it is, a named one
  looked up among the pod's container ports with the same protocol; a pod without that name
  is left out of that port. Every (pod, port) starts as a subset of its own and
  `RepackSubsets` then groups addresses that serve the same ports, so pods that give a
  name different numbers end up in different subsets, as in Kubernetes.
* Services without a selector are left alone: their Endpoints are written by hand (the book's
  `external-service`). ExternalName services get none either (Kubernetes since 1.23 does the
  same; a CNAME has no endpoints). A deleted Service takes its Endpoints with it.
* The object is written only when its subsets or labels change, with the
  `endpoints.kubernetes.io/last-change-trigger-time` annotation computed as the
  `TriggerTimeTracker` does.

Kubernetes orders ports and subsets by a hash of their Go representation; we sort them by
their content instead, which is as stable and easier to read. Addresses are sorted by IP as
text (`LessEndpointAddress` compares the bytes), so 172.17.0.10 precedes 172.17.0.8.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import ResourceType, resolve
from kubia_tutor.api.selectors import selector_from_map
from kubia_tutor.api.server import ApiServer, object_key
from kubia_tutor.controllers.base import Controller, Obj, key_of, split_key
from kubia_tutor.controllers.pod_template import is_ready, is_terminating

SERVICES = resolve("services")
PODS = resolve("pods")
ENDPOINTS = resolve("endpoints")

TRIGGER_TIME = "endpoints.kubernetes.io/last-change-trigger-time"
HEADLESS_LABEL = "service.kubernetes.io/headless"


@dataclass
class _TriggerState:
    """What the trigger-time tracker remembers of one service between syncs."""

    pod_times: dict[str, str] = field(default_factory=dict)
    service_time: str = ""


class EndpointsController(Controller):
    """Keeps each selector Service's Endpoints in step with its pods."""

    name = "endpoint-controller"
    watches = ("services", "pods", "endpoints")

    def __init__(self, api: ApiServer) -> None:
        super().__init__(api)
        self._triggers: dict[str, _TriggerState] = {}
        # Which services each pod was in at the last look, so that a pod whose labels no
        # longer match still leads to the services it left (a change carries no old object).
        self._pod_services: dict[str, set[str]] = {}

    # Keys ------------------------------------------------------------------------------------

    def keys_for(self, rt: ResourceType, obj: Obj) -> Iterable[str]:
        if rt is SERVICES:
            yield key_of(obj)
        elif rt is ENDPOINTS:
            # An edited or deleted managed Endpoints is put right; one without a service
            # (written by hand before its service) is not ours to touch.
            meta = obj.get("metadata") or {}
            if self.api.store.get(object_key(SERVICES, meta.get("namespace"),
                                             meta.get("name", ""))) is not None:
                yield key_of(obj)
        elif rt is PODS:
            pod_key = key_of(obj)
            now = set(self._services_selecting(obj))
            before = self._pod_services.pop(pod_key, set())
            if self.api.store.get(object_key(PODS, *split_key(pod_key))) is not None:
                self._pod_services[pod_key] = now
            yield from now | before

    def all_keys(self) -> Iterable[str]:
        """Every service, and Endpoints this controller wrote whose service is gone (deleted
        while the daemon was down; Kubernetes' `checkLeftoverEndpoints`). Hand-written
        Endpoints carry no trigger-time annotation and are never collected here."""
        yield from super().all_keys()
        for ep in self.api.store.items(object_key(ENDPOINTS, None)):
            meta = ep.get("metadata") or {}
            if TRIGGER_TIME in (meta.get("annotations") or {}) and self.api.store.get(
                    object_key(SERVICES, meta.get("namespace"), meta.get("name", ""))) is None:
                yield key_of(ep)

    def _services_selecting(self, pod: Obj) -> Iterable[str]:
        meta = pod.get("metadata") or {}
        labels = meta.get("labels") or {}
        for svc in self.api.store.items(object_key(SERVICES, meta.get("namespace"))):
            selector = (svc.get("spec") or {}).get("selector")
            if isinstance(selector, dict) and selector and \
                    selector_from_map(selector).matches(labels):
                yield key_of(svc)

    # Reconcile -------------------------------------------------------------------------------

    def reconcile(self, key: str) -> float | None:
        ns, name = split_key(key)
        svc = self.api.store.get(object_key(SERVICES, ns, name))
        if svc is None:
            self._triggers.pop(key, None)
            self._delete_endpoints(ns, name)
            return None
        spec = svc.get("spec") or {}
        selector = spec.get("selector")
        if not isinstance(selector, dict) or spec.get("type") == "ExternalName":
            return None
        # An empty selector selects every pod, as labels.Set{}.AsSelector() does.
        chosen = selector_from_map(selector)
        pods = [p for p in self.api.store.items(object_key(PODS, ns))
                if chosen.matches((p.get("metadata") or {}).get("labels") or {})]
        trigger = self._trigger_time(key, svc, pods)
        subsets = compute_subsets(svc, pods)
        current = self.api.store.get(object_key(ENDPOINTS, ns, name))
        labels = dict((svc.get("metadata") or {}).get("labels") or {})
        if current is not None and _comparable(current.get("subsets") or []) == \
                _comparable(subsets) and _labels_without_headless(current) == labels:
            return None
        self._write(svc, current, subsets, labels, trigger)
        return None

    def _write(self, svc: Obj, current: Obj | None, subsets: list[Obj],
               labels: dict[str, str], trigger: str) -> None:
        meta = svc["metadata"]
        ns, name = meta.get("namespace"), meta["name"]
        spec = svc.get("spec") or {}
        if spec.get("clusterIP") in ("None", "", None):
            labels[HEADLESS_LABEL] = ""
        new: Obj = copy.deepcopy(current) if current is not None else {
            "apiVersion": "v1", "kind": "Endpoints",
            "metadata": {"name": name, "namespace": ns}}
        new_meta = new.setdefault("metadata", {})
        if labels:
            new_meta["labels"] = labels
        else:
            new_meta.pop("labels", None)
        annotations = dict(new_meta.get("annotations") or {})
        if trigger:
            annotations[TRIGGER_TIME] = trigger
        else:  # no new trigger time: the annotation goes, as in Kubernetes
            annotations.pop(TRIGGER_TIME, None)
        if annotations:
            new_meta["annotations"] = annotations
        else:
            new_meta.pop("annotations", None)
        if subsets:
            new["subsets"] = subsets
        else:
            new.pop("subsets", None)
        try:
            if current is None:
                self.api.create(ENDPOINTS, ns, new)
            else:
                self.api.update(ENDPOINTS, ns, name, new)
        except ApiError as err:
            # A namespace being deleted refuses new objects: nothing to keep there.
            if current is None and err.code == 403:
                return
            raise

    def _delete_endpoints(self, ns: str | None, name: str) -> None:
        if self.api.store.get(object_key(ENDPOINTS, ns, name)) is None:
            return
        try:
            self.api.delete(ENDPOINTS, ns, name)
        except ApiError as err:
            if err.code != 404:
                raise

    def _trigger_time(self, key: str, svc: Obj, pods: list[Obj]) -> str:
        """`TriggerTimeTracker.ComputeEndpointLastChangeTriggerTime`: a new service's
        creation time, else the earliest trigger time (a pod's Ready transition, the
        service's creation) that changed since the last sync, else ''."""
        state = self._triggers.get(key)
        pod_times: dict[str, str] = {}
        changed: list[str] = []
        for pod in pods:
            stamp = _ready_transition(pod)
            if stamp:
                pod_name = pod["metadata"]["name"]
                pod_times[pod_name] = stamp
                if state is None or stamp > state.pod_times.get(pod_name, ""):
                    changed.append(stamp)
        created = str((svc.get("metadata") or {}).get("creationTimestamp") or "")
        if state is None or created > state.service_time:
            changed.append(created)
        self._triggers[key] = _TriggerState(pod_times, created)
        if state is None:
            return created
        return min((c for c in changed if c), default="")


# Computing the subsets ---------------------------------------------------------------------


def compute_subsets(svc: Obj, pods: list[Obj]) -> list[Obj]:
    """The Endpoints subsets of `svc` over the pods its selector chose."""
    spec = svc.get("spec") or {}
    tolerate_unready = bool(spec.get("publishNotReadyAddresses"))
    ports = [p for p in spec.get("ports") or [] if isinstance(p, dict)]
    headless = spec.get("clusterIP") == "None"
    singles: list[tuple[Obj, bool, Obj | None]] = []  # (address, ready, port)
    for pod in pods:
        status = pod.get("status") or {}
        if not status.get("podIP"):
            continue
        if not tolerate_unready and is_terminating(pod):
            continue
        ready = tolerate_unready or is_ready(pod)
        if not ready and not _may_become_ready(pod):
            continue
        address = _address(svc, pod)
        if not ports:
            if headless:  # a headless service may have no ports: bare addresses
                singles.append((address, ready, None))
            continue
        for svc_port in ports:
            number = find_port(pod, svc_port)
            if number is None:
                continue
            singles.append((address, ready, _endpoint_port(svc_port, number)))
    return repack(singles)


def find_port(pod: Obj, svc_port: Obj) -> int | None:
    """`podutil.FindPort`: a number as it is; a name among the pod's container ports with the
    service port's protocol."""
    target = svc_port.get("targetPort", svc_port.get("port"))
    if isinstance(target, int) and not isinstance(target, bool):
        return target
    if not isinstance(target, str):
        return None
    protocol = svc_port.get("protocol") or "TCP"
    for container in (pod.get("spec") or {}).get("containers") or []:
        for port in container.get("ports") or []:
            if port.get("name") == target and (port.get("protocol") or "TCP") == protocol:
                number = port.get("containerPort")
                return number if isinstance(number, int) else None
    return None


def repack(singles: list[tuple[Obj, bool, Obj | None]]) -> list[Obj]:
    """`endpoints.RepackSubsets`: group addresses that offer the same set of ports, one subset
    per group; an address not ready on any port counts as not ready for that port."""
    addresses: dict[tuple[str, str], Obj] = {}
    by_port: dict[str, dict[tuple[str, str], bool]] = {}
    port_of: dict[str, Obj | None] = {}
    for address, ready, port in singles:
        akey = (address["ip"], str((address.get("targetRef") or {}).get("uid", "")))
        addresses.setdefault(akey, address)
        pkey = _port_key(port)
        port_of[pkey] = port
        seen = by_port.setdefault(pkey, {})
        if seen.get(akey, True):  # not ready trumps ready
            seen[akey] = ready
    groups: dict[tuple[tuple[tuple[str, str], bool], ...], list[Obj]] = {}
    for pkey, members in by_port.items():
        group = tuple(sorted(members.items()))
        ports = groups.setdefault(group, [])
        port = port_of[pkey]
        if port is not None:
            ports.append(port)
    subsets: list[Obj] = []
    for group, ports in groups.items():
        subset: Obj = {}
        ready_ones = [addresses[a] for a, ok in group if ok]
        not_ready = [addresses[a] for a, ok in group if not ok]
        if ready_ones:
            subset["addresses"] = _sorted_addresses(ready_ones)
        if not_ready:
            subset["notReadyAddresses"] = _sorted_addresses(not_ready)
        if ports:
            subset["ports"] = sorted(ports, key=_port_sort_key)
        subsets.append(subset)
    return sorted(subsets, key=_subset_sort_key)


def _may_become_ready(pod: Obj) -> bool:
    """`shouldPodBeInEndpoints`: a finished pod that will not restart is out for good."""
    phase = (pod.get("status") or {}).get("phase")
    policy = (pod.get("spec") or {}).get("restartPolicy") or "Always"
    if policy == "Never":
        return phase not in ("Failed", "Succeeded")
    if policy == "OnFailure":
        return phase != "Succeeded"
    return True


def _address(svc: Obj, pod: Obj) -> Obj:
    meta = pod.get("metadata") or {}
    spec = pod.get("spec") or {}
    address: Obj = {"ip": pod["status"]["podIP"]}
    # StatefulSet pods get a DNS name under their governing (headless) service.
    svc_meta = svc.get("metadata") or {}
    if spec.get("hostname") and spec.get("subdomain") == svc_meta.get("name") and \
            meta.get("namespace") == svc_meta.get("namespace"):
        address["hostname"] = spec["hostname"]
    if spec.get("nodeName"):
        address["nodeName"] = spec["nodeName"]
    address["targetRef"] = {"kind": "Pod", "namespace": meta.get("namespace"),
                            "name": meta.get("name"), "uid": meta.get("uid"),
                            "resourceVersion": meta.get("resourceVersion")}
    return address


def _endpoint_port(svc_port: Obj, number: int) -> Obj:
    port: Obj = {}
    if svc_port.get("name"):
        port["name"] = svc_port["name"]
    port["port"] = number
    port["protocol"] = svc_port.get("protocol") or "TCP"
    if svc_port.get("appProtocol"):
        port["appProtocol"] = svc_port["appProtocol"]
    return port


def _ready_transition(pod: Obj) -> str:
    for cond in (pod.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            return str(cond.get("lastTransitionTime") or "")
    return ""


def _port_key(port: Obj | None) -> str:
    if port is None:
        return ""
    return f"{port.get('name', '')}/{port['port']}/{port['protocol']}/" \
           f"{port.get('appProtocol', '')}"


def _port_sort_key(port: Obj) -> tuple[str, int, str]:
    return (str(port.get("name") or ""), int(port.get("port") or 0), str(port.get("protocol")))


def _sorted_addresses(addresses: list[Obj]) -> list[Obj]:
    return sorted(addresses, key=lambda a: (a["ip"], str((a.get("targetRef") or {})
                                                           .get("uid", ""))))


def _subset_sort_key(subset: Obj) -> tuple[str, str]:
    first = (subset.get("addresses") or subset.get("notReadyAddresses") or [{}])[0]
    ports = ",".join(_port_key(p) for p in subset.get("ports") or [])
    return (str(first.get("ip", "")), ports)


def _comparable(subsets: list[Obj]) -> list[Obj]:
    """Subsets without the pods' resourceVersions: a pod's status write that changes nothing
    the service cares about must not rewrite its Endpoints (Kubernetes filters those pod
    updates out before they reach the sync)."""
    result = copy.deepcopy(subsets)
    for subset in result:
        for kind in ("addresses", "notReadyAddresses"):
            for address in subset.get(kind) or []:
                (address.get("targetRef") or {}).pop("resourceVersion", None)
    return result


def _labels_without_headless(endpoints: Obj) -> dict[str, str]:
    labels = dict((endpoints.get("metadata") or {}).get("labels") or {})
    labels.pop(HEADLESS_LABEL, None)
    return labels
