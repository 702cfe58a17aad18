"""Pod READY, STATUS and RESTARTS cells (kubectl 1.20 rules) and the pod -o wide cells."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kubia_tutor.shell.printers.cell_helpers import Obj, as_list, as_map, dig, num, text


@dataclass(frozen=True)
class PodSummary:
    """What the pod row shows about its containers."""

    ready: int
    total: int
    reason: str
    restarts: int


_last: tuple[Obj | None, PodSummary | None] = (None, None)


def summarize_pod(pod: Obj) -> PodSummary:
    """Work out READY, STATUS and RESTARTS together, since they come from the same walk;
    the three cells of one row ask in turn, so the last answer is kept."""
    global _last
    if _last[0] is pod and _last[1] is not None:
        return _last[1]
    summary = _summarize(pod)
    _last = (pod, summary)
    return summary


def _summarize(pod: Obj) -> PodSummary:
    status = as_map(pod.get("status"))
    spec = as_map(pod.get("spec"))
    reason = text(status.get("phase"))
    if text(status.get("reason")):
        reason = text(status.get("reason"))

    restarts = 0
    initializing = False
    init_total = len(as_list(spec.get("initContainers")))
    for index, cs in enumerate(as_list(status.get("initContainerStatuses"))):
        restarts += num(dig(cs, "restartCount"))
        state = as_map(dig(cs, "state"))
        terminated = state.get("terminated")
        waiting = state.get("waiting")
        if isinstance(terminated, dict) and num(terminated.get("exitCode")) == 0:
            continue
        if isinstance(terminated, dict):
            reason = "Init:" + _terminated_reason(terminated)
        elif isinstance(waiting, dict) and text(waiting.get("reason")) not in ("",
                                                                              "PodInitializing"):
            reason = "Init:" + text(waiting.get("reason"))
        else:
            reason = f"Init:{index}/{init_total}"
        initializing = True
        break

    ready = 0
    if not initializing:
        # Init restarts only show while initialising; afterwards the app containers count.
        restarts = 0
        has_running = False
        # Walked last to first so that the first container's state is the one left in `reason`.
        for cs in reversed(as_list(status.get("containerStatuses"))):
            restarts += num(dig(cs, "restartCount"))
            state = as_map(dig(cs, "state"))
            terminated = state.get("terminated")
            waiting = state.get("waiting")
            if isinstance(waiting, dict) and text(waiting.get("reason")):
                reason = text(waiting.get("reason"))
            elif isinstance(terminated, dict):
                reason = _terminated_reason(terminated)
            elif dig(cs, "ready") is True and isinstance(state.get("running"), dict):
                has_running = True
                ready += 1
        # A finished sidecar next to a live container must not make the pod look done.
        if reason == "Completed" and has_running:
            reason = "Running" if _condition_true(status, "Ready") else "NotReady"

    meta = as_map(pod.get("metadata"))
    if meta.get("deletionTimestamp"):
        reason = "Unknown" if text(status.get("reason")) == "NodeLost" else "Terminating"

    return PodSummary(ready, len(as_list(spec.get("containers"))), reason, restarts)


def _terminated_reason(terminated: dict[str, Any]) -> str:
    """The reason of a terminated state, or Signal:/ExitCode: when the runtime gave none."""
    if text(terminated.get("reason")):
        return text(terminated.get("reason"))
    if num(terminated.get("signal")):
        return f"Signal:{num(terminated.get('signal'))}"
    return f"ExitCode:{num(terminated.get('exitCode'))}"


def _condition_true(status: Obj, kind: str) -> bool:
    return any(
        dig(cond, "type") == kind and dig(cond, "status") == "True"
        for cond in as_list(status.get("conditions"))
    )


def pod_ready(pod: Obj, _now: datetime) -> str:
    """READY: `<ready>/<containers>`."""
    s = summarize_pod(pod)
    return f"{s.ready}/{s.total}"


def pod_status(pod: Obj, _now: datetime) -> str:
    """STATUS: phase or reason, refined by init and app container states."""
    return summarize_pod(pod).reason


def pod_restarts(pod: Obj, _now: datetime) -> str:
    """RESTARTS: a plain integer in 1.20."""
    return str(summarize_pod(pod).restarts)


def pod_ip(pod: Obj, _now: datetime) -> str:
    """IP: the first pod IP, or `<none>`."""
    ips = as_list(dig(pod, "status", "podIPs"))
    ip = text(dig(ips[0], "ip")) if ips else ""
    # status.podIP mirrors podIPs[0]; read it too in case only the singular field was written.
    return ip or text(dig(pod, "status", "podIP")) or "<none>"


def pod_node(pod: Obj, _now: datetime) -> str:
    """NODE: spec.nodeName, or `<none>` before scheduling."""
    return text(dig(pod, "spec", "nodeName")) or "<none>"


def pod_nominated_node(pod: Obj, _now: datetime) -> str:
    """NOMINATED NODE: status.nominatedNodeName, or `<none>`."""
    return text(dig(pod, "status", "nominatedNodeName")) or "<none>"


def pod_readiness_gates(pod: Obj, _now: datetime) -> str:
    """READINESS GATES: `<true>/<gates>` over spec.readinessGates, or `<none>`."""
    gates = as_list(dig(pod, "spec", "readinessGates"))
    if not gates:
        return "<none>"
    conditions = as_list(dig(pod, "status", "conditions"))
    true_count = 0
    for gate in gates:
        wanted = dig(gate, "conditionType")
        for cond in conditions:
            if dig(cond, "type") == wanted:
                if dig(cond, "status") == "True":
                    true_count += 1
                break
    return f"{true_count}/{len(gates)}"
