"""Field selectors: the `k=v,k!=v` language, and which fields each type's registry selects on.

Each type accepts only the fields its registry converts, and the error names which.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kubia_tutor.api import kinds
from kubia_tutor.api.errors import bad_request
from kubia_tutor.api.selectors.names import go_quote


def _escape_field_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")


@dataclass(frozen=True)
class FieldRequirement:
    """One `field=value` or `field!=value` term."""

    field: str
    value: str
    negated: bool = False

    def __str__(self) -> str:
        return f"{self.field}{'!=' if self.negated else '='}{_escape_field_value(self.value)}"


def _obj_kind(obj: Mapping[str, Any]) -> str:
    return str(obj.get("kind") or "")


def _dig(obj: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(part)
    return obj


def _go_text(value: Any) -> str:
    """A field's value as the registry's string form: Go's zero values print as "", false, 0."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _pod_ip(pod: Mapping[str, Any]) -> str:
    ips = _dig(pod, "status.podIPs")
    if isinstance(ips, list) and ips and isinstance(ips[0], Mapping):
        return _go_text(ips[0].get("ip"))
    return _go_text(_dig(pod, "status.podIP"))


def _int_text(dotted: str) -> Callable[[Mapping[str, Any]], str]:
    return lambda obj: _go_text(_dig(obj, dotted) or 0)


def _event_source(event: Mapping[str, Any]) -> str:
    return _go_text(_dig(event, "source.component") or event.get("reportingComponent")
                    or event.get("reportingController"))


# Fields whose selectable value is not simply the JSON value at that path.
_FIELD_VALUES: dict[tuple[str, str], Callable[[Mapping[str, Any]], str]] = {
    ("Pod", "status.podIP"): _pod_ip,
    ("Pod", "status.podIPs"): lambda _pod: "",  # accepted by the conversion, never selectable
    ("Pod", "spec.host"): lambda pod: _go_text(_dig(pod, "spec.nodeName")),
    ("Node", "spec.unschedulable"): lambda node: _go_text(bool(_dig(node, "spec.unschedulable"))),
    ("ReplicationController", "status.replicas"): _int_text("status.replicas"),
    ("ReplicaSet", "status.replicas"): _int_text("status.replicas"),
    ("Job", "status.successful"): _int_text("status.succeeded"),
    ("Event", "source"): _event_source,
}


@dataclass(frozen=True)
class _FieldLabels:
    """Which field labels one type's registry converts, and how it words a refusal."""

    allowed: frozenset[str]
    refusal: Callable[[str], str]


def _not_supported(label: str) -> str:
    return f"field label not supported: {label}"


def _not_known(label: str) -> str:
    return (f'{go_quote(label)} is not a known field selector: only "metadata.name", '
            '"metadata.namespace"')


_META = frozenset({"metadata.name", "metadata.namespace"})
_INVOLVED = ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath")

# The v1.20 field-label conversions. Types without one (everything in apps/v1, among others)
# fall back to the metadata-only default and its `is not a known field selector` wording.
_FIELD_LABELS: dict[str, _FieldLabels] = {
    "Pod": _FieldLabels(_META | {
        "spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
        "status.phase", "status.podIP", "status.podIPs", "status.nominatedNodeName",
        "spec.host"}, _not_supported),
    "Node": _FieldLabels(frozenset({"metadata.name", "spec.unschedulable"}), _not_supported),
    "ReplicationController": _FieldLabels(_META | {"status.replicas"}, _not_supported),
    "Event": _FieldLabels(_META | {f"involvedObject.{f}" for f in _INVOLVED}
                          | {"reason", "source", "type"}, _not_supported),
    "Namespace": _FieldLabels(frozenset({"metadata.name", "status.phase"}), _not_supported),
    "Secret": _FieldLabels(_META | {"type"}, _not_supported),
    "Job": _FieldLabels(_META | {"status.successful"},
                        lambda label: f"field label {go_quote(label)} not supported for "
                                      "batchv1.Job"),
}
_DEFAULT_LABELS = _FieldLabels(_META, _not_known)


def _canonical_kind(kind: str) -> str:
    if kind in _FIELD_LABELS:
        return kind
    try:
        return kinds.resolve(kind).kind
    except kinds.UnknownResourceType:
        return kind


@dataclass(frozen=True)
class FieldSelector:
    """A conjunction of field terms; the empty selector matches every object."""

    terms: tuple[FieldRequirement, ...] = ()

    @property
    def empty(self) -> bool:
        """True when there are no terms."""
        return not self.terms

    def check_supported(self, kind: str) -> FieldSelector:
        """Refuse fields the type's registry cannot select on, as the server words it.

        `kind` may be a Kind (`Pod`) or any name kubectl resolves (`pods`, `po`). Returns the
        selector with legacy aliases rewritten (`spec.host` is `spec.nodeName` for pods).
        """
        rules = _FIELD_LABELS.get(_canonical_kind(kind), _DEFAULT_LABELS)
        for term in self.terms:
            if term.field not in rules.allowed:
                raise bad_request(rules.refusal(term.field))
        return FieldSelector(tuple(
            FieldRequirement("spec.nodeName", t.value, t.negated) if t.field == "spec.host"
            else t for t in self.terms))

    def matches(self, obj: Mapping[str, Any]) -> bool:
        """Whether an object's selectable fields satisfy every term (missing values are "")."""
        kind = _obj_kind(obj)
        for term in self.terms:
            reader = _FIELD_VALUES.get((kind, term.field))
            have = reader(obj) if reader else _go_text(_dig(obj, term.field))
            if (have == term.value) == term.negated:
                return False
        return True

    def __str__(self) -> str:
        return ",".join(str(term) for term in self.terms)


def _split_terms(text: str) -> list[str]:
    """Split on commas a backslash does not escape; escapes stay in the pieces."""
    parts: list[str] = []
    start, escaped = 0, False
    for i, ch in enumerate(text):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ",":
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _split_term(term: str) -> tuple[str, str, str] | None:
    """The first operator position wins; at one position `!=` and `==` beat `=`."""
    for i in range(len(term)):
        for op in ("!=", "==", "="):
            if term.startswith(op, i):
                return term[:i], op, term[i + len(op):]
    return None


def _unescape(value: str) -> str:
    out: list[str] = []
    escaped = False
    for ch in value:
        if escaped:
            if ch not in "\\,=":
                raise bad_request(
                    f"invalid field selector: invalid escape sequence: \\{ch}")
            out.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch in ",=":
            raise bad_request(f"invalid field selector: unescaped character in value: {ch}")
        else:
            out.append(ch)
    if escaped:
        raise bad_request("invalid field selector: invalid escape sequence: \\")
    return "".join(out)


def parse_field_selector(text: str) -> FieldSelector:
    """Parse `--field-selector` text, raising a BadRequest ApiError on a term it cannot read.

    Terms are kept in the order the server checks them (sorted as text), which decides which
    unsupported field an error names first.
    """
    terms: list[FieldRequirement] = []
    for part in sorted(_split_terms(text)) if text else []:
        if not part:
            continue
        split = _split_term(part)
        if split is None:
            raise bad_request(f"invalid selector: '{text}'; can't understand '{part}'")
        lhs, op, rhs = split
        terms.append(FieldRequirement(lhs, _unescape(rhs), op == "!="))
    return FieldSelector(tuple(terms))
