"""Small readers and formatters shared by the per-kind table cells."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from kubia_tutor.api.quantity import Quantity, QuantityError
from kubia_tutor.shell.printers.duration import age

Obj = Mapping[str, Any]
# A cell function: (object, now) -> the cell's text.
Cell = Callable[[Obj, datetime], str]

_EMPTY: Mapping[str, Any] = {}


def dig(obj: Any, *path: str) -> Any:
    """The value at a key path through nested dicts, or None when any step is missing."""
    for key in path:
        # dict, not Mapping: objects are decoded JSON, and ABC checks cost in big tables
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def as_map(value: Any) -> Mapping[str, Any]:
    """`value` if it is a dict, else an empty one (absent fields read as empty)."""
    return value if isinstance(value, dict) else _EMPTY


def as_list(value: Any) -> list[Any]:
    """`value` if it is a list, else an empty list."""
    return value if isinstance(value, list) else []


def text(value: Any) -> str:
    """A string field; absent or non-string values print as nothing."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)
    return ""


def num(value: Any) -> int:
    """An integer field; absent values count as 0, as Go's zero value does."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    return 0


def replicas(obj: Obj) -> int:
    """spec.replicas; the API server defaults an absent value to 1."""
    value = dig(obj, "spec", "replicas")
    return 1 if value is None else num(value)


def name_cell(obj: Obj, _now: datetime) -> str:
    """metadata.name."""
    return text(dig(obj, "metadata", "name"))


def age_cell(obj: Obj, now: datetime) -> str:
    """HumanDuration since metadata.creationTimestamp."""
    return age(dig(obj, "metadata", "creationTimestamp"), now)


def labels_of(obj: Obj) -> Mapping[str, Any]:
    """metadata.labels."""
    return as_map(dig(obj, "metadata", "labels"))


def map_string(pairs: Mapping[str, Any]) -> str:
    """Sorted `k=v` pairs joined by `,`, or `<none>` (labels, map selectors, nodeSelector)."""
    if not pairs:
        return "<none>"
    return ",".join(f"{k}={text(pairs[k])}" for k in sorted(pairs))


def selector_string(selector: Any) -> str:
    """A LabelSelector in string form; "" for an empty or absent one, `<error>` if invalid.

    Requirements are ordered by key (stably, matchLabels before expressions), and the values
    of `in`/`notin` are sorted and deduplicated, which is how the API prints them.
    """
    sel = as_map(selector)
    parts: list[tuple[str, str]] = []
    for key, value in as_map(sel.get("matchLabels")).items():
        parts.append((key, f"{key}={text(value)}"))
    for expr in as_list(sel.get("matchExpressions")):
        key = text(dig(expr, "key"))
        op = text(dig(expr, "operator"))
        values = sorted({text(v) for v in as_list(dig(expr, "values"))})
        if op in ("In", "NotIn"):
            if not values:
                return "<error>"
            word = "in" if op == "In" else "notin"
            parts.append((key, f"{key} {word} ({','.join(values)})"))
        elif op == "Exists":
            parts.append((key, key))
        elif op == "DoesNotExist":
            parts.append((key, f"!{key}"))
        else:
            return "<error>"
    parts.sort(key=lambda part: part[0])
    return ",".join(rendered for _key, rendered in parts)


def label_selector_cell(selector: Any) -> str:
    """A LabelSelector for a SELECTOR cell: its string form, or `<none>` when empty."""
    return selector_string(selector) or "<none>"


def container_cells(pod_spec: Any) -> tuple[str, str]:
    """The CONTAINERS and IMAGES cells: names and images of the containers joined by `,`."""
    containers = as_list(dig(pod_spec, "containers"))
    names = ",".join(text(dig(c, "name")) for c in containers)
    images = ",".join(text(dig(c, "image")) for c in containers)
    return names, images


def quantity_text(value: Any) -> str:
    """A quantity in canonical form; `0` when absent, the raw text when it does not parse."""
    if value is None:
        return "0"
    try:
        return Quantity.parse(value).canonical()
    except (QuantityError, TypeError):
        return text(value)


# Load-balancer addresses longer than this are shortened unless -o wide.
_LB_WIDTH = 16


def load_balancer_string(status: Any, wide: bool) -> str:
    """The sorted, deduplicated IPs/hostnames of status.loadBalancer.ingress joined by `,`."""
    found: set[str] = set()
    for entry in as_list(dig(status, "loadBalancer", "ingress")):
        ip = text(dig(entry, "ip"))
        host = text(dig(entry, "hostname"))
        if ip:
            found.add(ip)
        elif host:
            found.add(host)
    joined = ",".join(sorted(found))
    if not wide and len(joined) > _LB_WIDTH:
        joined = joined[: _LB_WIDTH - 3] + "..."
    return joined


def join_first(items: Sequence[str], limit: int, total: int, sep: str = ",") -> str:
    """The first `limit` items joined, plus ` + N more...` when `total` exceeds the limit."""
    head = sep.join(items[:limit])
    if total > limit:
        return f"{head} + {total - limit} more..."
    return head
