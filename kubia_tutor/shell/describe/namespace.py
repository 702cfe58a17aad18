"""`kubectl describe namespace`, with the resource quotas and limit ranges inside it."""

from __future__ import annotations

from typing import Any

from kubia_tutor.shell.describe.context import DescribeContext
from kubia_tutor.shell.describe.meta import quantity, resource_list, spec_of, status_of
from kubia_tutor.shell.describe.writer import (
    PrefixWriter,
    annotations_multiline,
    annotations_of,
    labels_multiline,
    labels_of,
    name_of,
    rfc1123z,
)

_SCOPE_HELP = {
    "Terminating": "Matches all pods that have an active deadline. These pods have a limited "
    "lifespan on a node before being actively terminated by the system.",
    "NotTerminating": "Matches all pods that do not have an active deadline. These pods usually "
    "include long running pods whose container command is not expected to terminate.",
    "BestEffort": "Matches all pods that do not have resource requirements set. These pods have "
    "a best effort quality of service.",
    "NotBestEffort": "Matches all pods that have at least one resource requirement set. These "
    "pods have a burstable or guaranteed quality of service.",
}
_LIMIT_FIELDS = ("min", "max", "defaultRequest", "default", "maxLimitRequestRatio")


def describe_namespace(obj: dict[str, Any], ctx: DescribeContext) -> str:
    """Status, then the quota and limit-range summaries (kubectl shows no events here)."""
    w = PrefixWriter()
    w.line(0, "Name:", name_of(obj))
    labels_multiline(w, "Labels", labels_of(obj))
    annotations_multiline(w, "Annotations", annotations_of(obj))
    status = status_of(obj)
    w.line(0, "Status:", status.get("phase", ""))
    conditions = status.get("conditions") or []
    if conditions:
        w.write(0, "Conditions:\n")
        w.line(1, "Type", "Status", "LastTransitionTime", "Reason", "Message")
        w.line(1, "----", "------", "------------------", "------", "-------")
        for c in conditions:
            w.line(1, c.get("type", ""), c.get("status", ""),
                   rfc1123z(c.get("lastTransitionTime")), c.get("reason", ""), c.get("message", ""))
    w.write(0, "\n")
    _quotas(w, ctx.list_objects("ResourceQuota", name_of(obj)))
    w.write(0, "\n")
    _limit_ranges(w, ctx.list_objects("LimitRange", name_of(obj)))
    return w.render()


def _quotas(w: PrefixWriter, quotas: list[dict[str, Any]]) -> None:
    if not quotas:
        w.write(0, "No resource quota.\n")
        return
    w.write(0, "Resource Quotas")
    for quota in sorted(quotas, key=name_of):
        w.write(0, f"\n Name:\t{name_of(quota)}\n")
        scopes = sorted(str(s) for s in spec_of(quota).get("scopes") or [])
        if scopes:
            w.write(0, f" Scopes:\t{', '.join(scopes)}\n")
            for scope in scopes:
                if scope in _SCOPE_HELP:
                    w.write(0, f"  * {_SCOPE_HELP[scope]}\n")
        w.write(0, " Resource\tUsed\tHard\n")
        w.write(0, " --------\t---\t---\n")
        hard = resource_list(status_of(quota).get("hard"))
        used = resource_list(status_of(quota).get("used"))
        for name in sorted(hard):
            w.write(0, f" {name}\t{used.get(name, quantity(0))}\t{hard[name]}\n")


def _limit_ranges(w: PrefixWriter, ranges: list[dict[str, Any]]) -> None:
    if not ranges:
        w.write(0, "No LimitRange resource.\n")
        return
    w.write(0, "Resource Limits\n Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\t"
            "Max Limit/Request Ratio\n")
    w.write(0, " ----\t--------\t---\t---\t---------------\t-------------\t"
            "-----------------------\n")
    for limit_range in ranges:
        for item in spec_of(limit_range).get("limits") or []:
            columns = [resource_list(item.get(field)) for field in _LIMIT_FIELDS]
            # kubectl walks a Go map here (random order); we keep first-seen order.
            names: dict[str, None] = {}
            for column in columns:
                names.update(dict.fromkeys(column))
            for name in names:
                cells = [str(c[name]) if name in c else "-" for c in columns]
                w.write(0, f" {item.get('type', '')}\t{name}\t" + "\t".join(cells) + "\n")
