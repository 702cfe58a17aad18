"""`kubia-tutor service NAME [-n NS] [--url]` and `kubia-tutor service list`: what
`minikube service` prints, for the tutor's node.

The node's address is 127.0.0.1: the daemon's service proxy listens on 127.0.0.1:<nodePort>
for NodePort and LoadBalancer services (runtime/network/service_proxy.py), so that is the URL
(minikube prints its VM's IP). No browser is opened: the tutor runs in a terminal, so the
table and the URL are printed instead. Tables are drawn as minikube's tablewriter draws
them: headers upper-cased and centred, numbers right-aligned, other cells left-aligned.
"""

from __future__ import annotations

import re
from typing import Any, TextIO

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import resolve
from kubia_tutor.client.base import ApiClient

Obj = dict[str, Any]
NODE_IP = "127.0.0.1"
_NUMBER = re.compile(r"^-?\d+\.?\d*$")


def table(rows: list[list[str]]) -> str:
    """minikube's table: NAMESPACE, NAME, TARGET PORT, URL; a cell may hold several lines."""
    header = ["NAMESPACE", "NAME", "TARGET PORT", "URL"]
    split = [[cell.split("\n") for cell in row] for row in rows]
    widths = [max([len(header[i])] + [len(line) for row in split for line in row[i]])
              for i in range(len(header))]
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|\n"
    out = [rule, "|" + "|".join(f" {_centre(h, w)} " for h, w in zip(header, widths,
                                                                       strict=True)) + "|\n",
           rule]
    for row in split:
        for n in range(max(len(cell) for cell in row)):
            cells = [cell[n] if n < len(cell) else "" for cell in row]
            out.append("|" + "|".join(f" {_align(c, w)} " for c, w in zip(cells, widths,
                                                                          strict=True)) + "|\n")
    out.append(rule)
    return "".join(out)


def _centre(text: str, width: int) -> str:
    gap = width - len(text)
    return " " * (gap // 2) + text + " " * (gap - gap // 2)


def _align(text: str, width: int) -> str:
    return text.rjust(width) if _NUMBER.match(text) else text.ljust(width)


def urls(service: Obj) -> tuple[list[str], list[str]]:
    """The node-port URLs of a service and, for each, its port's name (or number), as
    minikube's GetServiceURLsForService lists them."""
    spec = service.get("spec") or {}
    found: list[str] = []
    names: list[str] = []
    if spec.get("type") not in ("NodePort", "LoadBalancer"):
        return found, names
    for port in spec.get("ports") or []:
        if port.get("nodePort"):
            found.append(f"http://{NODE_IP}:{port['nodePort']}")
            names.append(f"{port['name']}/{port['port']}" if port.get("name")
                         else str(port.get("port")))
    return found, names


def service(client: ApiClient, name: str, namespace: str, url_only: bool, out: TextIO,
            err: TextIO) -> int:
    """`minikube service NAME`: the URLs of one service."""
    try:
        svc = client.get(resolve("services"), namespace, name)
    except ApiError as error:
        if error.code != 404:
            raise
        err.write(f"X Exiting due to SVC_NOT_FOUND: Service '{name}' was not found in "
                  f"'{namespace}' namespace.\nYou may select another namespace by using "
                  f"'kubia-tutor service {name} -n <namespace>'. Or list out all the services "
                  "using 'kubia-tutor service list'\n")
        return 1
    found, names = urls(svc)
    if not found:
        if not url_only:
            out.write(table([[namespace, name, "", "No node port"]]))
        err.write(f"! service {namespace}/{name} has no node port\n")
        return 0
    if url_only:
        out.write("".join(f"{url}\n" for url in found))
        return 0
    out.write(table([[namespace, name, "\n".join(names), "\n".join(found)]]))
    # minikube opens a browser here; the tutor names the URL instead
    out.write(f"* Opening service {namespace}/{name} in default browser...\n")
    out.write("  (kubia-tutor opens no browser: visit " + ", ".join(found) + ")\n")
    return 0


def service_list(client: ApiClient, namespace: str | None, out: TextIO) -> int:
    """`minikube service list [-n NS]`: every service with its URLs or `No node port`."""
    items = client.list(resolve("services"), namespace).get("items") or []
    rows = []
    for svc in sorted(items, key=lambda s: (s["metadata"].get("namespace", ""),
                                            s["metadata"]["name"])):
        meta = svc["metadata"]
        found, names = urls(svc)
        if found:
            rows.append([meta.get("namespace", ""), meta["name"], "\n".join(names),
                         "\n".join(found)])
        else:
            rows.append([meta.get("namespace", ""), meta["name"], "No node port", ""])
    out.write(table(rows))
    return 0
