"""`kubectl describe namespace`, with the resource quotas and limit ranges inside it."""

from __future__ import annotations

from typing import Any

from kubia_tutor.shell.describe.context import DescribeContext
from kubia_tutor.shell.describe.meta import status_of
from kubia_tutor.shell.describe.resourcequota import (
    LIMIT_HEADER,
    SCOPE_HELP,
    limit_rows,
    quota_rows,
    quota_scopes,
)
from kubia_tutor.shell.describe.writer import (
    PrefixWriter,
    annotations_multiline,
    annotations_of,
    labels_multiline,
    labels_of,
    name_of,
)


def describe_namespace(obj: dict[str, Any], ctx: DescribeContext) -> str:
    """Status, then the quota and limit-range summaries.

    kubectl 1.20 shows neither namespace conditions nor events here.
    """
    w = PrefixWriter()
    w.line(0, "Name:", name_of(obj))
    labels_multiline(w, "Labels", labels_of(obj))
    annotations_multiline(w, "Annotations", annotations_of(obj))
    w.line(0, "Status:", status_of(obj).get("phase", ""))
    w.write(0, "\n")
    _quotas(w, ctx.list_objects("ResourceQuota", name_of(obj)))
    w.write(0, "\n")
    _limit_ranges(w, ctx.list_objects("LimitRange", name_of(obj)))
    return w.render()


def _quotas(w: PrefixWriter, quotas: list[dict[str, Any]]) -> None:
    if not quotas:
        w.write(0, "No resource quota.\n")
        return
    # Each quota's rows are indented by one space, and its Used/Hard rule by three dashes.
    w.write(0, "Resource Quotas")
    for quota in sorted(quotas, key=name_of):
        w.write(0, f"\n Name:\t{name_of(quota)}\n")
        scopes = quota_scopes(quota)
        if scopes:
            w.write(0, f" Scopes:\t{', '.join(scopes)}\n")
            for scope in scopes:
                if scope in SCOPE_HELP:
                    w.write(0, f"  * {SCOPE_HELP[scope]}\n")
        w.write(0, " Resource\tUsed\tHard\n")
        w.write(0, " --------\t---\t---\n")
        for row in quota_rows(quota):
            w.write(0, " " + "\t".join(row) + "\n")


def _limit_ranges(w: PrefixWriter, ranges: list[dict[str, Any]]) -> None:
    if not ranges:
        w.write(0, "No LimitRange resource.\n")
        return
    w.write(0, "Resource Limits\n")
    w.write(0, " " + "\t".join(LIMIT_HEADER) + "\n")
    w.write(0, " " + "\t".join("-" * len(title) for title in LIMIT_HEADER) + "\n")
    for limit_range in ranges:
        for row in limit_rows(limit_range):
            w.write(0, " " + "\t".join(row) + "\n")
