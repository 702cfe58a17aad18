"""`kubectl describe configmap` (kubectl 1.20 layout: values printed raw, no BinaryData)."""

from __future__ import annotations

from typing import Any

from kubia_tutor.shell.describe.context import DescribeContext
from kubia_tutor.shell.describe.events import append_events
from kubia_tutor.shell.describe.writer import PrefixWriter, header


def describe_configmap(obj: dict[str, Any], ctx: DescribeContext) -> str:
    """Each data key as `key:`, a `----` rule and the raw value.

    kubectl iterates a Go map here, so its key order is random; we keep the stored order.
    """
    w = PrefixWriter()
    header(w, obj)
    w.write(0, "\nData\n====\n")
    for key, value in (obj.get("data") or {}).items():
        w.write(0, f"{key}:\n----\n")
        w.write(0, f"{value}\n")
    append_events(w, obj, ctx)
    return w.render()
