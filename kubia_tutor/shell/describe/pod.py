"""`kubectl describe pod` in the kubectl 1.20 layout."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubia_tutor.api.defaulting import pod_qos_class
from kubia_tutor.shell.describe.context import DescribeContext
from kubia_tutor.shell.describe.events import append_events
from kubia_tutor.shell.describe.meta import controlled_by, spec_of, status_of
from kubia_tutor.shell.describe.pod_template import describe_containers
from kubia_tutor.shell.describe.volumes import describe_volumes
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
    str_map,
)
from kubia_tutor.shell.printers.duration import age


def describe_pod(obj: dict[str, Any], ctx: DescribeContext) -> str:
    """The full describe text of one pod."""
    w = PrefixWriter()
    meta, spec, status = object_meta(obj), spec_of(obj), status_of(obj)
    w.line(0, "Name:", name_of(obj))
    w.line(0, "Namespace:", namespace_of(obj))
    if spec.get("priority") is not None:
        w.line(0, "Priority:", int(spec["priority"]))
    if spec.get("priorityClassName"):
        w.line(0, "Priority Class Name:", spec["priorityClassName"])
    node = spec.get("nodeName")
    w.line(0, "Node:", f"{node}/{status.get('hostIP', '')}" if node else "<none>")
    if status.get("startTime"):
        w.line(0, "Start Time:", rfc1123z(status["startTime"]))
    labels_multiline(w, "Labels", labels_of(obj))
    annotations_multiline(w, "Annotations", annotations_of(obj))
    phase = status.get("phase", "")
    if meta.get("deletionTimestamp") and phase not in ("Failed", "Succeeded"):
        w.line(0, "Status:", f"Terminating (lasts {age(meta['deletionTimestamp'], ctx.now)})")
        grace = int(meta.get("deletionGracePeriodSeconds") or 0)
        w.line(0, "Termination Grace Period:", f"{grace}s")
    else:
        w.line(0, "Status:", phase)
    for title, key in (("Reason", "reason"), ("Message", "message")):
        if status.get(key):
            w.line(0, f"{title}:", status[key])
    w.line(0, "IP:", status.get("podIP", ""))
    ips = status.get("podIPs") or []
    if ips:
        w.write(0, "IPs:\n")
        for ip in ips:
            w.line(1, "IP:", ip.get("ip", ""))
    else:
        w.line(0, "IPs:", "<none>")
    if controlled_by(obj):
        w.line(0, "Controlled By:", controlled_by(obj))
    if status.get("nominatedNodeName"):
        w.line(0, "NominatedNodeName:", status["nominatedNodeName"])
    if spec.get("initContainers"):
        describe_containers(w, "Init Containers", spec["initContainers"],
                            status.get("initContainerStatuses"), obj)
    describe_containers(w, "Containers", spec.get("containers") or [],
                        status.get("containerStatuses"), obj)
    _conditions(w, spec, status)
    describe_volumes(w, spec.get("volumes") or [])
    # kubectl 1.20 computes the class itself rather than reading status.qosClass.
    w.line(0, "QoS Class:", pod_qos_class(obj))
    labels_multiline(w, "Node-Selectors", str_map(spec.get("nodeSelector")))
    tolerations_multiline(w, "Tolerations", spec.get("tolerations") or [])
    append_events(w, obj, ctx)
    return w.render()


def _conditions(w: PrefixWriter, spec: Mapping[str, Any], status: Mapping[str, Any]) -> None:
    conditions = status.get("conditions") or []
    gates = spec.get("readinessGates") or []
    if gates:
        w.write(0, "Readiness Gates:\n  Type\tStatus\n")
        for gate in gates:
            kind = gate.get("conditionType", "")
            found = [c.get("status", "") for c in conditions if c.get("type") == kind]
            w.line(1, f"{kind} ", f"{found[0] if found else '<none>'} ")
    if conditions:
        # The header row has no dashes under it, and every cell keeps a trailing space.
        w.write(0, "Conditions:\n  Type\tStatus\n")
        for cond in conditions:
            w.line(1, f"{cond.get('type', '')} ", f"{cond.get('status', '')} ")


def tolerations_multiline(w: PrefixWriter, title: str, tolerations: list[dict[str, Any]]) -> None:
    """One toleration per line, sorted by key: `key[=value][:effect][ op=Exists][ for Ns]`."""
    w.write(0, f"{title}:\t")
    if not tolerations:
        w.write(0, "<none>\n")
        return
    for i, tol in enumerate(sorted(tolerations, key=lambda t: str(t.get("key", "")))):
        if i:
            w.write(0, "\t")
        key, value, effect = tol.get("key", ""), tol.get("value", ""), tol.get("effect", "")
        text = str(key)
        if value:
            text += f"={value}"
        if effect:
            text += f":{effect}"
        if tol.get("operator") == "Exists" and not value:
            text += " op=Exists" if key or effect else "op=Exists"
        if tol.get("tolerationSeconds") is not None:
            text += f" for {int(tol['tolerationSeconds'])}s"
        w.write(0, text + "\n")
