"""`kubectl describe node` (kubectl 1.20 layout), with the pods on it and their allocations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubia_tutor.api.pod_resources import pod_requests_and_limits
from kubia_tutor.api.quantity import Quantity
from kubia_tutor.shell.describe.context import DescribeContext
from kubia_tutor.shell.describe.events import append_events
from kubia_tutor.shell.describe.meta import resource_list, spec_of, status_of
from kubia_tutor.shell.describe.writer import (
    PrefixWriter,
    annotations_multiline,
    annotations_of,
    labels_multiline,
    labels_of,
    name_of,
    namespace_of,
    object_meta,
    rfc1123z,
)
from kubia_tutor.shell.printers.duration import age

ROLE_PREFIX = "node-role.kubernetes.io/"
_SYSTEM_INFO = (
    ("Machine ID", "machineID"), ("System UUID", "systemUUID"), ("Boot ID", "bootID"),
    ("Kernel Version", "kernelVersion"), ("OS Image", "osImage"),
    ("Operating System", "operatingSystem"), ("Architecture", "architecture"),
    ("Container Runtime Version", "containerRuntimeVersion"),
    ("Kubelet Version", "kubeletVersion"), ("Kube-Proxy Version", "kubeProxyVersion"),
)
_STANDARD = ("cpu", "memory", "ephemeral-storage")
ZERO = Quantity(0)
Amounts = dict[str, Quantity]


def describe_node(obj: dict[str, Any], ctx: DescribeContext) -> str:
    """Roles, conditions, addresses, capacity, system info, pods and allocated resources."""
    w = PrefixWriter()
    spec, status = spec_of(obj), status_of(obj)
    w.line(0, "Name:", name_of(obj))
    w.line(0, "Roles:", ",".join(node_roles(labels_of(obj))) or "<none>")
    labels_multiline(w, "Labels", labels_of(obj))
    annotations_multiline(w, "Annotations", annotations_of(obj))
    w.line(0, "CreationTimestamp:", rfc1123z(object_meta(obj).get("creationTimestamp")))
    _taints(w, spec.get("taints") or [])
    w.line(0, "Unschedulable:", "true" if spec.get("unschedulable") is True else "false")
    _lease(w, ctx.get_object("Lease", "kube-node-lease", name_of(obj)), name_of(obj))
    conditions = status.get("conditions") or []
    if conditions:
        w.write(0, "Conditions:\n")
        w.line(1, "Type", "Status", "LastHeartbeatTime", "LastTransitionTime", "Reason", "Message")
        w.line(1, "----", "------", "-----------------", "------------------", "------", "-------")
        for c in conditions:
            w.line(1, f"{c.get('type', '')} ", f"{c.get('status', '')} ",
                   f"{rfc1123z(c.get('lastHeartbeatTime'))} ",
                   f"{rfc1123z(c.get('lastTransitionTime'))} ", f"{c.get('reason', '')} ",
                   c.get("message", ""))
    w.write(0, "Addresses:\n")
    for address in status.get("addresses") or []:
        w.line(1, f"{address.get('type', '')}:", address.get("address", ""))
    for title, key in (("Capacity", "capacity"), ("Allocatable", "allocatable")):
        amounts = resource_list(status.get(key))
        if amounts:
            w.write(0, f"{title}:\n")
            for name in sorted(amounts):
                w.line(1, f"{name}:", amounts[name])
    w.write(0, "System Info:\n")
    info = status.get("nodeInfo") or {}
    for title, key in _SYSTEM_INFO:
        w.line(1, f"{title}:", info.get(key, ""))
    if spec.get("podCIDR"):
        w.line(0, "PodCIDR:", spec["podCIDR"])
    if spec.get("podCIDRs"):
        w.line(0, "PodCIDRs:", ",".join(spec["podCIDRs"]))
    if spec.get("providerID"):
        w.line(0, "ProviderID:", spec["providerID"])
    pods = [p for p in ctx.list_objects("Pod", None)
            if spec_of(p).get("nodeName") == name_of(obj)
            and status_of(p).get("phase") not in ("Succeeded", "Failed")]
    _allocation(w, pods, status, ctx)
    append_events(w, obj, ctx)
    return w.render()


def node_roles(labels: Mapping[str, str]) -> list[str]:
    """Roles from `node-role.kubernetes.io/<role>` keys and `kubernetes.io/role` values."""
    roles = set()
    for key, value in labels.items():
        if key.startswith(ROLE_PREFIX) and key[len(ROLE_PREFIX):]:
            roles.add(key[len(ROLE_PREFIX):])
        elif key == "kubernetes.io/role" and value:
            roles.add(value)
    return sorted(roles)


def _taints(w: PrefixWriter, taints: list[dict[str, Any]]) -> None:
    w.write(0, "Taints:\t")
    if not taints:
        w.write(0, "<none>\n")
        return
    ordered = sorted(taints, key=lambda t: f"{t.get('effect', '')},{t.get('key', '')}")
    for i, taint in enumerate(ordered):
        if i:
            w.write(0, "\t")
        text = str(taint.get("key", ""))
        if taint.get("value"):
            text += f"={taint['value']}"
        if taint.get("effect"):
            text += f":{taint['effect']}"
        w.write(0, text + "\n")


def _lease(w: PrefixWriter, lease: dict[str, Any] | None, node: str) -> None:
    if lease is None:
        w.line(0, "Lease:", f'Failed to get lease: leases.coordination.k8s.io "{node}" not found')
        return
    spec = spec_of(lease)
    w.write(0, "Lease:\n")
    w.line(1, "HolderIdentity:", spec.get("holderIdentity") or "<unset>")
    for title, key in (("AcquireTime", "acquireTime"), ("RenewTime", "renewTime")):
        w.line(1, f"{title}:", rfc1123z(spec[key]) if spec.get(key) else "<unset>")


def _percent(amount: Quantity, total: Quantity, milli: bool) -> int:
    whole = total.milli_value() if milli else total.int_value()
    if whole == 0:
        return 0
    part = amount.milli_value() if milli else amount.int_value()
    # Same float64 arithmetic as kubectl, truncated toward zero, so borderline cases agree.
    return int(float(part) / float(whole) * 100)


def _cell(amount: Quantity, total: Quantity, milli: bool) -> str:
    return f"{amount} ({_percent(amount, total, milli)}%)"


def _allocation(w: PrefixWriter, pods: list[dict[str, Any]], status: Mapping[str, Any],
                ctx: DescribeContext) -> None:
    allocatable = resource_list(status.get("allocatable")) or resource_list(status.get("capacity"))
    cpu, mem = allocatable.get("cpu", ZERO), allocatable.get("memory", ZERO)
    w.line(0, "Non-terminated Pods:", f"({len(pods)} in total)")
    w.line(1, "Namespace", "Name", "", "CPU Requests", "CPU Limits", "Memory Requests",
           "Memory Limits", "AGE")
    w.line(1, "---------", "----", "", "------------", "----------", "---------------",
           "-------------", "---")
    totals: tuple[Amounts, Amounts] = ({}, {})
    for pod in pods:
        requests, limits = pod_requests_and_limits(pod)
        for total, amounts in zip(totals, (requests, limits), strict=True):
            for name, quantity in amounts.items():
                total[name] = total[name] + quantity if name in total else quantity
        w.line(1, namespace_of(pod), name_of(pod), "",
               _cell(requests.get("cpu", ZERO), cpu, True),
               _cell(limits.get("cpu", ZERO), cpu, True),
               _cell(requests.get("memory", ZERO), mem, False),
               _cell(limits.get("memory", ZERO), mem, False),
               age(object_meta(pod).get("creationTimestamp"), ctx.now))
    w.write(0, "Allocated resources:\n")
    w.write(1, "(Total limits may be over 100 percent, i.e., overcommitted.)\n")
    w.line(1, "Resource", "Requests", "Limits")
    w.line(1, "--------", "--------", "------")
    requests, limits = totals
    for name in _STANDARD:
        whole = allocatable.get(name, ZERO)
        w.line(1, name, _cell(requests.get(name, ZERO), whole, name == "cpu"),
               _cell(limits.get(name, ZERO), whole, name == "cpu"))
    for name in sorted(n for n in allocatable if n.startswith("hugepages-")):
        w.line(1, name, _cell(requests.get(name, ZERO), allocatable[name], False),
               _cell(limits.get(name, ZERO), allocatable[name], False))
    extended = sorted(n for n in allocatable
                      if n not in _STANDARD and n != "pods" and not n.startswith("hugepages-"))
    for name in extended:
        w.line(1, name, requests.get(name, ZERO), limits.get(name, ZERO))
