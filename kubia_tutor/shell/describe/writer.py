"""The prefix writer describe output is built with, and the multi-line field rules it shares.

Describers write tab-separated cells at indent levels of two spaces; `render()` aligns the whole
text once with the describe tabwriter settings, so alignment blocks fall out as kubectl's do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from kubia_tutor.shell.printers.duration import parse_time
from kubia_tutor.shell.printers.tabwriter import describe_text

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
MAX_ANNOTATION_LEN = 140
# What Go prints for a zero metav1.Time: it has no location, so it is always UTC.
ZERO_TIME = "Mon, 01 Jan 0001 00:00:00 +0000"

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class PrefixWriter:
    """Collects describe text; each level indents by two spaces."""

    def __init__(self) -> None:
        self._chunks: list[str] = []

    def write(self, level: int, text: str) -> None:
        """Append raw text (may hold tabs and newlines) after the level's indent."""
        self._chunks.append("  " * level + text)

    def line(self, level: int, *cells: object) -> None:
        """Append one line made of tab-separated cells."""
        self.write(level, "\t".join(str(c) for c in cells) + "\n")

    def render(self) -> str:
        """The aligned output."""
        return describe_text("".join(self._chunks))


def rfc1123z(stamp: object) -> str:
    """Go's RFC1123Z layout in the local time zone; kubectl converts API times to local."""
    when = parse_time(stamp) if isinstance(stamp, str) else None
    if when is None:
        return ZERO_TIME
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    local = when.astimezone()
    return _format_local(local)


def _format_local(local: datetime) -> str:
    offset = local.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    return (
        f"{_DAYS[local.weekday()]}, {local.day:02d} {_MONTHS[local.month - 1]} "
        f"{local.year:04d} {local:%H:%M:%S} {sign}{hours:02d}{mins:02d}"
    )


def go_bool(value: object) -> str:
    """Go's %v of a bool (false when unset)."""
    return "true" if value is True else "false"


def title_bool(value: object) -> str:
    """kubectl's printBool: True/False."""
    return "True" if value is True else "False"


def go_list(items: Iterable[object]) -> str:
    """Go's %v of a slice: `[a b c]`."""
    return "[" + " ".join(str(i) for i in items) + "]"


def labels_multiline(
    w: PrefixWriter,
    title: str,
    labels: Mapping[str, str] | None,
    indent: str = "",
) -> None:
    """`Title:\tk=v` then `\tk2=v2` lines, keys sorted; `<none>` when empty."""
    w.write(0, f"{indent}{title}:\t")
    if not labels:
        w.write(0, "<none>\n")
        return
    for i, key in enumerate(sorted(labels)):
        if i:
            w.write(0, f"{indent}\t")
        w.write(0, f"{key}={labels[key]}\n")


def annotations_multiline(
    w: PrefixWriter, title: str, annotations: Mapping[str, str] | None
) -> None:
    """Like labels but `key: value`, without last-applied, and folding long or multi-line values."""
    w.write(0, f"{title}:\t")
    keys = sorted(k for k in (annotations or {}) if k != LAST_APPLIED)
    if not keys or annotations is None:
        w.write(0, "<none>\n")
        return
    for i, key in enumerate(keys):
        if i:
            w.write(0, "\t")
        value = annotations[key].removesuffix("\n")
        if len(value) + len(key) + 2 > MAX_ANNOTATION_LEN or "\n" in value:
            w.write(0, f"{key}:\n")
            for part in value.split("\n"):
                w.write(0, f"\t  {_shorten(part, MAX_ANNOTATION_LEN - 2)}\n")
        else:
            w.write(0, f"{key}: {value}\n")


def _shorten(text: str, limit: int) -> str:
    return text[:limit] + "..." if len(text) > limit else text


def format_labels(labels: Mapping[str, str] | None) -> str:
    """labels.FormatLabels: sorted `k=v` joined by commas, `<none>` when empty."""
    if not labels:
        return "<none>"
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels))


def object_meta(obj: Mapping[str, object]) -> dict[str, Any]:
    """The object's metadata (empty when absent)."""
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def name_of(obj: Mapping[str, object]) -> str:
    """metadata.name, empty when unset."""
    return str(object_meta(obj).get("name") or "")


def namespace_of(obj: Mapping[str, object]) -> str:
    """metadata.namespace, empty when unset."""
    return str(object_meta(obj).get("namespace") or "")


def str_map(value: object) -> dict[str, str]:
    """A string map field (labels, annotations, selectors) as a dict, empty when unset."""
    if not isinstance(value, dict):
        return {}
    return {str(k): "" if v is None else str(v) for k, v in value.items()}


def labels_of(obj: Mapping[str, object]) -> dict[str, str]:
    """metadata.labels."""
    return str_map(object_meta(obj).get("labels"))


def annotations_of(obj: Mapping[str, object]) -> dict[str, str]:
    """metadata.annotations."""
    return str_map(object_meta(obj).get("annotations"))


def header(w: PrefixWriter, obj: Mapping[str, object], namespaced: bool = True,
           selector: str | None = None) -> None:
    """The common `Name`, `Namespace`, `Labels`, `Annotations` opening; the workload
    controllers print their `Selector` (already formatted, as each kind's differs) before
    the labels."""
    w.line(0, "Name:", name_of(obj))
    if namespaced:
        w.line(0, "Namespace:", namespace_of(obj))
    if selector is not None:
        w.line(0, "Selector:", selector)
    labels_multiline(w, "Labels", labels_of(obj))
    annotations_multiline(w, "Annotations", annotations_of(obj))
