"""`kubectl describe resourcequota` and `limitrange`, and the rows namespaces reuse."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubia_tutor.shell.describe.context import DescribeContext
from kubia_tutor.shell.describe.meta import quantity, resource_list, spec_of, status_of
from kubia_tutor.shell.describe.writer import PrefixWriter, name_of, namespace_of

SCOPE_HELP = {
    "Terminating": "Matches all pods that have an active deadline. These pods have a limited "
    "lifespan on a node before being actively terminated by the system.",
    "NotTerminating": "Matches all pods that do not have an active deadline. These pods usually "
    "include long running pods whose container command is not expected to terminate.",
    "BestEffort": "Matches all pods that do not have resource requirements set. These pods have "
    "a best effort quality of service.",
    "NotBestEffort": "Matches all pods that have at least one resource requirement set. These "
    "pods have a burstable or guaranteed quality of service.",
}
LIMIT_HEADER = ("Type", "Resource", "Min", "Max", "Default Request", "Default Limit",
                "Max Limit/Request Ratio")
_LIMIT_FIELDS = ("min", "max", "defaultRequest", "default", "maxLimitRequestRatio")


def describe_resourcequota(obj: dict[str, Any], ctx: DescribeContext) -> str:
    """Scopes with their meaning, then used and hard amounts per resource (no events)."""
    del ctx  # kubectl shows no events for quotas
    w = PrefixWriter()
    w.line(0, "Name:", name_of(obj))
    w.line(0, "Namespace:", namespace_of(obj))
    scopes = quota_scopes(obj)
    if scopes:
        w.line(0, "Scopes:", ", ".join(scopes))
        for scope in scopes:
            if scope in SCOPE_HELP:
                w.write(0, f" * {SCOPE_HELP[scope]}\n")
    w.line(0, "Resource", "Used", "Hard")
    w.line(0, "--------", "----", "----")
    for row in quota_rows(obj):
        w.line(0, *row)
    return w.render()


def describe_limitrange(obj: dict[str, Any], ctx: DescribeContext) -> str:
    """One row per limit type and resource, `-` where a bound is not set (no events)."""
    del ctx  # kubectl shows no events for limit ranges
    w = PrefixWriter()
    w.line(0, "Name:", name_of(obj))
    w.line(0, "Namespace:", namespace_of(obj))
    w.line(0, *LIMIT_HEADER)
    w.line(0, *("-" * len(title) for title in LIMIT_HEADER))
    for row in limit_rows(obj):
        w.line(0, *row)
    return w.render()


def quota_scopes(quota: Mapping[str, Any]) -> list[str]:
    """The quota's scopes, sorted."""
    return sorted(str(s) for s in spec_of(quota).get("scopes") or [])


def quota_rows(quota: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(resource, used, hard) for each hard limit in status, sorted by resource name."""
    hard = resource_list(status_of(quota).get("hard"))
    used = resource_list(status_of(quota).get("used"))
    return [(name, str(used.get(name, quantity(0))), str(hard[name])) for name in sorted(hard)]


def limit_rows(limit_range: Mapping[str, Any]) -> list[list[str]]:
    """Rows of the limit table: type, resource, then min/max/defaults/ratio or `-`."""
    rows = []
    for item in spec_of(limit_range).get("limits") or []:
        columns = [resource_list(item.get(field)) for field in _LIMIT_FIELDS]
        # kubectl walks a Go map here (random order); we keep first-seen order.
        names: dict[str, None] = {}
        for column in columns:
            names.update(dict.fromkeys(column))
        for name in names:
            cells = [str(c[name]) if name in c else "-" for c in columns]
            rows.append([str(item.get("type", "")), name, *cells])
    return rows
