"""Object helpers describers share: selectors as kubectl prints them, owners, pod counts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubia_tutor.api.quantity import Quantity, QuantityError
from kubia_tutor.shell.describe.context import DescribeContext
from kubia_tutor.shell.describe.writer import labels_of, object_meta, str_map

_OPERATORS = {"In": "in", "NotIn": "notin"}


def selector_string(selector: object) -> str:
    """labels.Selector.String() of a LabelSelector: requirements sorted by key, `""` if empty."""
    if not isinstance(selector, dict):
        return ""
    reqs: list[tuple[str, str]] = []
    for key, value in str_map(selector.get("matchLabels")).items():
        reqs.append((key, f"{key}={value}"))
    for expr in selector.get("matchExpressions") or []:
        key = str(expr.get("key", ""))
        op = str(expr.get("operator", ""))
        values = sorted(set(str(v) for v in expr.get("values") or []))
        if op in _OPERATORS:
            reqs.append((key, f"{key} {_OPERATORS[op]} ({','.join(values)})"))
        elif op == "Exists":
            reqs.append((key, key))
        elif op == "DoesNotExist":
            reqs.append((key, f"!{key}"))
    # Go sorts requirements by key only, and its sort keeps equal keys in insertion order here.
    reqs.sort(key=lambda r: r[0])
    return ",".join(text for _, text in reqs)


def format_label_selector(selector: object) -> str:
    """metav1.FormatLabelSelector: like `selector_string` but `<none>` when nil or empty."""
    if not isinstance(selector, dict):
        return "<none>"
    return selector_string(selector) or "<none>"


def selector_matches(selector: object, labels: Mapping[str, str]) -> bool:
    """Whether a LabelSelector selects these labels; a nil selector selects nothing."""
    if not isinstance(selector, dict):
        return False
    for key, value in str_map(selector.get("matchLabels")).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key = str(expr.get("key", ""))
        op = expr.get("operator")
        values = [str(v) for v in expr.get("values") or []]
        present = key in labels
        if op == "In" and not (present and labels[key] in values):
            return False
        if op == "NotIn" and present and labels[key] in values:
            return False
        if op == "Exists" and not present:
            return False
        if op == "DoesNotExist" and present:
            return False
    return True


def map_selector(selector: object) -> dict[str, Any]:
    """A plain map selector (ReplicationController, Service) as a LabelSelector."""
    return {"matchLabels": str_map(selector)}


def controller_of(obj: Mapping[str, object]) -> dict[str, Any] | None:
    """The ownerReference marked `controller: true`, if any."""
    refs = object_meta(obj).get("ownerReferences")
    for ref in refs if isinstance(refs, list) else []:
        if isinstance(ref, dict) and ref.get("controller") is True:
            return ref
    return None


def controlled_by(obj: Mapping[str, object]) -> str:
    """`Kind/name` of the controlling owner, or `""`."""
    ref = controller_of(obj)
    return f"{ref.get('kind', '')}/{ref.get('name', '')}" if ref else ""


def pods_status(ctx: DescribeContext, owner: Mapping[str, object], selector: object) -> str:
    """`N Running / N Waiting / N Succeeded / N Failed` for the pods this object controls.

    Pods are matched by selector and then by controller UID, so orphans and pods adopted by
    another controller with an overlapping selector are not counted.
    """
    meta = object_meta(owner)
    uid = meta.get("uid")
    counts = {"Running": 0, "Pending": 0, "Succeeded": 0, "Failed": 0}
    for pod in ctx.list_objects("Pod", str(meta.get("namespace") or "") or None):
        if not selector_matches(selector, labels_of(pod)):
            continue
        ref = controller_of(pod)
        if ref is None or ref.get("uid") != uid:
            continue
        phase = str((pod.get("status") or {}).get("phase") or "")
        if phase in counts:
            counts[phase] += 1
    return (
        f"{counts['Running']} Running / {counts['Pending']} Waiting / "
        f"{counts['Succeeded']} Succeeded / {counts['Failed']} Failed"
    )


def spec_of(obj: Mapping[str, object]) -> dict[str, Any]:
    """obj.spec, empty when absent."""
    spec = obj.get("spec")
    return spec if isinstance(spec, dict) else {}


def status_of(obj: Mapping[str, object]) -> dict[str, Any]:
    """obj.status, empty when absent."""
    status = obj.get("status")
    return status if isinstance(status, dict) else {}


def int_or_string(value: object, default: str = "") -> str:
    """intstr.String(): an int in decimal or the string itself."""
    if value is None:
        return default
    if isinstance(value, bool):
        return str(int(value))
    return str(value)


def quantity(value: object) -> Quantity:
    """A quantity field; anything malformed counts as zero rather than failing the describe."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return Quantity(0)
    try:
        return Quantity.parse(value)
    except QuantityError:
        return Quantity(0)


def resource_list(value: object) -> dict[str, Quantity]:
    """A ResourceList (`{"cpu": "100m"}`) as quantities."""
    if not isinstance(value, dict):
        return {}
    return {str(k): quantity(v) for k, v in value.items()}
