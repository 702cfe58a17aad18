"""`kubectl describe endpoints`."""

from __future__ import annotations

from typing import Any

from kubia_tutor.shell.describe.context import DescribeContext
from kubia_tutor.shell.describe.events import append_events
from kubia_tutor.shell.describe.writer import PrefixWriter, header


def describe_endpoints(obj: dict[str, Any], ctx: DescribeContext) -> str:
    """One block per subset: ready and not-ready addresses, then the port table."""
    w = PrefixWriter()
    header(w, obj)
    w.write(0, "Subsets:\n")
    for subset in obj.get("subsets") or []:
        for title, key in (("Addresses", "addresses"), ("NotReadyAddresses", "notReadyAddresses")):
            ips = ",".join(str(a.get("ip", "")) for a in subset.get(key) or [])
            w.line(1, f"{title}:", ips or "<none>")
        ports = subset.get("ports") or []
        if ports:
            w.write(1, "Ports:\n")
            w.line(2, "Name", "Port", "Protocol")
            w.line(2, "----", "----", "--------")
            for port in ports:
                w.line(2, port.get("name") or "<unset>", port.get("port", 0),
                       port.get("protocol") or "TCP")
        w.write(0, "\n")
    append_events(w, obj, ctx)
    return w.render()
