"""Label and field selectors as a v1.20 API server parses, prints and matches them.

Label selectors follow apimachinery's grammar (`a=b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`,
`!a`, `a>1`, `a<1`), including its tokenizer quirks, so a learner's typo gets the same
`unable to parse requirement: ...` text a real server answers with. Field selectors are the
simpler `k=v,k!=v` language; each type accepts only the fields its registry converts, and the
error names which. Errors are `ApiError` BadRequests carrying the server's bare message; kubectl's
`Unable to find ... that match label selector ...` prefix is the client's to add.

The name rules labels and selectors share (qualified names, label values, DNS subdomains) live
here too, because the selector parser is their first user; `semantics.py` reuses them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Any

from kubia_tutor.api import kinds
from kubia_tutor.api.errors import bad_request

__all__ = [
    "EVERYTHING",
    "NOTHING",
    "FieldRequirement",
    "FieldSelector",
    "LabelSelector",
    "Operator",
    "Requirement",
    "dns1123_subdomain_errors",
    "go_quote",
    "label_value_errors",
    "parse_field_selector",
    "parse_label_selector",
    "qualified_name_errors",
    "regex_error",
    "selector_from_map",
    "selector_from_spec",
]


# Name rules (apimachinery's util/validation), shared with semantics.py ------------------------

_QNAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_QNAME_MSG = ("must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
              "with an alphanumeric character")
_LABEL_VALUE_FMT = f"({_QNAME_FMT})?"
_LABEL_VALUE_MSG = ("a valid label must be an empty string or consist of alphanumeric characters, "
                    "'-', '_' or '.', and must start and end with an alphanumeric character")
_DNS_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS_SUBDOMAIN_FMT = _DNS_LABEL_FMT + r"(\." + _DNS_LABEL_FMT + ")*"
_DNS_SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                      "characters, '-' or '.', and must start and end with an alphanumeric "
                      "character")
_QNAME_RE = re.compile(_QNAME_FMT)
_LABEL_VALUE_RE = re.compile(_LABEL_VALUE_FMT)
_DNS_SUBDOMAIN_RE = re.compile(_DNS_SUBDOMAIN_FMT)


def _byte_len(text: str) -> int:
    # Go measures these limits in bytes, which matters only for non-ASCII input.
    return len(text.encode("utf-8", "surrogatepass"))


def regex_error(message: str, fmt: str, *examples: str) -> str:
    """apimachinery's RegexError: the rule, examples, then the regex (note the double spaces)."""
    if not examples:
        return f"{message} (regex used for validation is '{fmt}')"
    shown = " or ".join(f"'{example}', " for example in examples)
    return f"{message} (e.g. {shown}regex used for validation is '{fmt}')"


def max_len_error(length: int) -> str:
    """The message for a value longer than `length` bytes."""
    return f"must be no more than {length} characters"


def dns1123_subdomain_errors(value: str) -> list[str]:
    """IsDNS1123Subdomain: why `value` is not a lowercase DNS subdomain (empty when it is)."""
    errs: list[str] = []
    if _byte_len(value) > 253:
        errs.append(max_len_error(253))
    if not _DNS_SUBDOMAIN_RE.fullmatch(value):
        errs.append(regex_error(_DNS_SUBDOMAIN_MSG, _DNS_SUBDOMAIN_FMT, "example.com"))
    return errs


def qualified_name_errors(value: str) -> list[str]:
    """IsQualifiedName: the rules for label keys and annotation keys (`[prefix/]name`)."""
    errs: list[str] = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            errs.extend(f"prefix part {msg}" for msg in dns1123_subdomain_errors(prefix))
    else:
        return [
            "a qualified name "
            + regex_error(_QNAME_MSG, _QNAME_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    if not name:
        errs.append("name part must be non-empty")
    elif _byte_len(name) > 63:
        errs.append("name part " + max_len_error(63))
    if not _QNAME_RE.fullmatch(name):
        errs.append("name part " + regex_error(_QNAME_MSG, _QNAME_FMT, "MyName", "my.name",
                                               "123-abc"))
    return errs


def label_value_errors(value: str) -> list[str]:
    """IsValidLabelValue: why `value` cannot be a label value (empty when it can)."""
    errs: list[str] = []
    if _byte_len(value) > 63:
        errs.append(max_len_error(63))
    if not _LABEL_VALUE_RE.fullmatch(value):
        errs.append(regex_error(_LABEL_VALUE_MSG, _LABEL_VALUE_FMT, "MyValue", "my_value",
                                "12345"))
    return errs


_GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t",
               "\v": "\\v", '"': '\\"', "\\": "\\\\"}


def go_quote(text: str) -> str:
    """Go's %q (strconv.Quote): printable characters kept, the rest escaped."""
    out = ['"']
    for ch in text:
        if ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif ch == " " or ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


# Label selectors ------------------------------------------------------------------------------


class Operator(StrEnum):
    """A requirement's operator, spelled as apimachinery's `selection.Operator` values."""

    IN = "in"
    NOT_IN = "notin"
    EQUALS = "="
    DOUBLE_EQUALS = "=="
    NOT_EQUALS = "!="
    EXISTS = "exists"
    DOES_NOT_EXIST = "!"
    GREATER_THAN = "gt"
    LESS_THAN = "lt"


_BINARY_OPERATORS = "in, notin, =, ==, !=, gt, lt"

_INT64 = re.compile(r"[+-]?[0-9]+")


def _parse_int64(text: str) -> int | None:
    """Go's strconv.ParseInt(text, 10, 64), or None where it would fail."""
    if not _INT64.fullmatch(text):
        return None
    value = int(text)
    return value if -(2**63) <= value < 2**63 else None


@dataclass(frozen=True)
class Requirement:
    """One clause of a label selector: a key, an operator and its values."""

    key: str
    operator: Operator
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether a label set satisfies this clause (absent keys satisfy `!=` and `notin`)."""
        op = self.operator
        present = self.key in labels
        if op is Operator.EXISTS:
            return present
        if op is Operator.DOES_NOT_EXIST:
            return not present
        if op in (Operator.IN, Operator.EQUALS, Operator.DOUBLE_EQUALS):
            return present and labels[self.key] in self.values
        if op in (Operator.NOT_IN, Operator.NOT_EQUALS):
            return not present or labels[self.key] not in self.values
        if not present or len(self.values) != 1:
            return False
        have, want = _parse_int64(str(labels[self.key])), _parse_int64(self.values[0])
        if have is None or want is None:
            return False
        return have > want if op is Operator.GREATER_THAN else have < want

    def __str__(self) -> str:
        op = self.operator
        if op is Operator.EXISTS:
            return self.key
        if op is Operator.DOES_NOT_EXIST:
            return "!" + self.key
        values = ",".join(sorted(self.values)) if len(self.values) != 1 else self.values[0]
        if op in (Operator.IN, Operator.NOT_IN):
            return f"{self.key} {op.value} ({values})"
        symbol = {Operator.GREATER_THAN: ">", Operator.LESS_THAN: "<"}.get(op, op.value)
        return f"{self.key}{symbol}{values}"


@dataclass(frozen=True)
class LabelSelector:
    """A conjunction of requirements, or the selector that selects nothing.

    `LabelSelector()` (also `EVERYTHING`) has no requirements: it is `empty` and matches every
    object. `NOTHING` is what a nil metav1.LabelSelector means: it matches no object and is not
    `empty`. Both print as `""`; callers print `<none>` where kubectl does.
    """

    requirements: tuple[Requirement, ...] = ()
    selects_nothing: bool = False

    @classmethod
    def everything(cls) -> LabelSelector:
        """The selector with no requirements, which matches every label set."""
        return EVERYTHING

    @classmethod
    def nothing(cls) -> LabelSelector:
        """The selector of a nil LabelSelector, which matches nothing."""
        return NOTHING

    @property
    def empty(self) -> bool:
        """True when the selector does not restrict anything (it matches everything)."""
        return not self.selects_nothing and not self.requirements

    def matches(self, labels: Mapping[str, Any] | None) -> bool:
        """Whether an object with these labels is selected."""
        if self.selects_nothing:
            return False
        have = {str(k): str(v) for k, v in (labels or {}).items()}
        return all(req.matches(have) for req in self.requirements)

    def add(self, *requirements: Requirement) -> LabelSelector:
        """A new selector with more requirements, kept sorted by key."""
        if self.selects_nothing:
            return self
        merged = sorted((*self.requirements, *requirements), key=lambda r: r.key)
        return LabelSelector(tuple(merged))

    def requires_exact_match(self, key: str) -> str | None:
        """The single value the selector demands for `key`, if it demands exactly one."""
        for req in self.requirements:
            if req.key == key:
                exact = (Operator.EQUALS, Operator.DOUBLE_EQUALS, Operator.IN)
                if req.operator in exact and len(req.values) == 1:
                    return req.values[0]
                return None
        return None

    def __str__(self) -> str:
        return ",".join(str(req) for req in self.requirements)


EVERYTHING = LabelSelector()
NOTHING = LabelSelector(selects_nothing=True)


class _SelectorError(Exception):
    """A parse or requirement error; str() is the apimachinery message."""


def _check_key(key: str) -> None:
    errs = qualified_name_errors(key)
    if errs:
        raise _SelectorError(f"invalid label key {go_quote(key)}: {'; '.join(errs)}")


def _requirement(key: str, op: Operator, values: Iterable[str]) -> Requirement:
    """labels.NewRequirement as of v1.20: validate, then build (the first problem wins)."""
    vals = tuple(values)
    _check_key(key)
    if op in (Operator.IN, Operator.NOT_IN) and not vals:
        raise _SelectorError("for 'in', 'notin' operators, values set can't be empty")
    if op in (Operator.EQUALS, Operator.DOUBLE_EQUALS, Operator.NOT_EQUALS) and len(vals) != 1:
        raise _SelectorError("exact-match compatibility requires one single value")
    if op in (Operator.EXISTS, Operator.DOES_NOT_EXIST) and vals:
        raise _SelectorError("values set must be empty for exists and does not exist")
    if op in (Operator.GREATER_THAN, Operator.LESS_THAN):
        if len(vals) != 1:
            raise _SelectorError("for 'Gt', 'Lt' operators, exactly one value is required")
        if any(_parse_int64(v) is None for v in vals):
            raise _SelectorError("for 'Gt', 'Lt' operators, the value must be an integer")
    for value in vals:
        errs = label_value_errors(value)
        if errs:
            raise _SelectorError(f"invalid label value: {go_quote(value)}: at key: "
                                 f"{go_quote(key)}: {'; '.join(errs)}")
    return Requirement(key, op, vals)


class _Tok(Enum):
    END = "end"
    CLOSE = ")"
    COMMA = ","
    NOT = "!"
    DOUBLE_EQUALS = "=="
    EQUALS = "="
    GREATER = ">"
    IDENT = "identifier"
    IN = "in"
    LESS = "<"
    NOT_EQUALS = "!="
    NOT_IN = "notin"
    OPEN = "("


_SYMBOLS = {t.value: t for t in _Tok if t not in (_Tok.END, _Tok.IDENT, _Tok.IN, _Tok.NOT_IN)}
_KEYWORDS = {"in": _Tok.IN, "notin": _Tok.NOT_IN}
_SPECIAL = frozenset("=!(),><")
_SPACE = frozenset(" \t\r\n")


def _tokens(text: str) -> list[tuple[_Tok, str]]:
    """Split a selector into tokens the way apimachinery's lexer does.

    Operators take the longest symbol (at most two characters, `==` or `!=`); words run to the
    next space or symbol, and `in`/`notin` words are keywords. A NUL character reads like the
    end of the input: it ends the text where a token would start, and is swallowed after one.
    """
    out: list[tuple[_Tok, str]] = []
    pos, end = 0, len(text)
    while True:
        while pos < end and text[pos] in _SPACE:
            pos += 1
        if pos >= end or text[pos] == "\0":
            out.append((_Tok.END, ""))
            return out
        if text[pos] in _SPECIAL:
            pair = text[pos:pos + 2]
            literal = pair if pair in ("==", "!=") else text[pos]
            out.append((_SYMBOLS[literal], literal))
        else:
            stop = pos
            while stop < end and text[stop] not in _SPECIAL and text[stop] not in _SPACE \
                    and text[stop] != "\0":
                stop += 1
            literal = text[pos:stop]
            out.append((_KEYWORDS.get(literal, _Tok.IDENT), literal))
        pos += len(literal)
        if pos < end and text[pos] == "\0":
            pos += 1


class _Parser:
    """A recursive-descent reader over the tokens, with apimachinery's two contexts: where a
    value may stand, the keywords `in` and `notin` are plain identifiers."""

    def __init__(self, text: str) -> None:
        self.items = _tokens(text)
        self.pos = 0

    def peek(self, values: bool = True) -> tuple[_Tok, str]:
        tok, lit = self.items[min(self.pos, len(self.items) - 1)]
        if values and tok in (_Tok.IN, _Tok.NOT_IN):
            tok = _Tok.IDENT
        return tok, lit

    def take(self, values: bool = True) -> tuple[_Tok, str]:
        item = self.peek(values)
        self.pos += 1
        return item

    def selector(self) -> list[Requirement]:
        found: list[Requirement] = []
        while True:
            tok, lit = self.peek()
            if tok is _Tok.END:
                return found
            if tok not in (_Tok.IDENT, _Tok.NOT):
                raise _SelectorError(
                    f"found '{lit}', expected: !, identifier, or 'end of string'")
            try:
                found.append(self.requirement())
            except _SelectorError as err:
                raise _SelectorError(f"unable to parse requirement: {err}") from None
            tok, lit = self.take()
            if tok is _Tok.END:
                return found
            if tok is not _Tok.COMMA:
                raise _SelectorError(f"found '{lit}', expected: ',' or 'end of string'")
            tok, lit = self.peek()
            if tok not in (_Tok.IDENT, _Tok.NOT):
                raise _SelectorError(f"found '{lit}', expected: identifier after ','")

    def requirement(self) -> Requirement:
        negated = False
        tok, key = self.take()
        if tok is _Tok.NOT:
            negated = True
            tok, key = self.take()
        if tok is not _Tok.IDENT:
            raise _SelectorError(f"found '{key}', expected: identifier")
        _check_key(key)
        # `!key` is complete whatever follows; the caller then complains about the rest.
        if negated:
            return _requirement(key, Operator.DOES_NOT_EXIST, ())
        if self.peek()[0] in (_Tok.END, _Tok.COMMA):
            return _requirement(key, Operator.EXISTS, ())
        op = self.operator()
        if op in (Operator.IN, Operator.NOT_IN):
            return _requirement(key, op, sorted(self.value_set()))
        return _requirement(key, op, self.exact_value())

    def operator(self) -> Operator:
        tok, lit = self.take(values=False)
        ops = {_Tok.IN: Operator.IN, _Tok.NOT_IN: Operator.NOT_IN, _Tok.EQUALS: Operator.EQUALS,
               _Tok.DOUBLE_EQUALS: Operator.DOUBLE_EQUALS, _Tok.NOT_EQUALS: Operator.NOT_EQUALS,
               _Tok.GREATER: Operator.GREATER_THAN, _Tok.LESS: Operator.LESS_THAN}
        if tok not in ops:
            raise _SelectorError(f"found '{lit}', expected: {_BINARY_OPERATORS}")
        return ops[tok]

    def value_set(self) -> set[str]:
        tok, lit = self.take()
        if tok is not _Tok.OPEN:
            raise _SelectorError(f"found '{lit}' expected: '('")
        tok, lit = self.peek()
        if tok is _Tok.CLOSE:  # "()" is the set holding the empty value
            self.take()
            return {""}
        if tok not in (_Tok.IDENT, _Tok.COMMA):
            raise _SelectorError(f"found '{lit}', expected: ',', ')' or identifier")
        found = self.identifiers()
        if self.take()[0] is not _Tok.CLOSE:  # pragma: no cover - identifiers() stops at ')'
            raise _SelectorError(f"found '{lit}', expected: ')'")
        return found

    def identifiers(self) -> set[str]:
        """Comma-separated values up to `)`; a missing value between commas is the empty one."""
        found: set[str] = set()
        while True:
            tok, lit = self.take()
            if tok is _Tok.IDENT:
                found.add(lit)
                nxt, nlit = self.peek()
                if nxt is _Tok.CLOSE:
                    return found
                if nxt is not _Tok.COMMA:
                    raise _SelectorError(f"found '{nlit}', expected: ',' or ')'")
            elif tok is _Tok.COMMA:
                if not found:
                    found.add("")
                nxt, _ = self.peek()
                if nxt is _Tok.CLOSE:
                    found.add("")
                    return found
                if nxt is _Tok.COMMA:
                    self.take()
                    found.add("")
            else:
                raise _SelectorError(f"found '{lit}', expected: ',', or identifier")

    def exact_value(self) -> list[str]:
        tok, _ = self.peek()
        if tok in (_Tok.END, _Tok.COMMA):
            return [""]
        tok, lit = self.take()
        if tok is _Tok.IDENT:
            return [lit]
        raise _SelectorError(f"found '{lit}', expected: identifier")


def parse_label_selector(text: str) -> LabelSelector:
    """Parse `-l` text into a selector, raising a BadRequest ApiError with the server's words.

    An empty or blank string is the selector that matches everything.
    """
    try:
        found = _Parser(text).selector()
    except _SelectorError as err:
        raise bad_request(str(err)) from None
    return LabelSelector(tuple(sorted(found, key=lambda r: r.key)))


_SPEC_OPERATORS = {"In": Operator.IN, "NotIn": Operator.NOT_IN, "Exists": Operator.EXISTS,
                   "DoesNotExist": Operator.DOES_NOT_EXIST}


def selector_from_spec(spec: Mapping[str, Any] | None) -> LabelSelector:
    """The selector a metav1.LabelSelector (`matchLabels` + `matchExpressions`) stands for.

    None is NOTHING (a nil selector selects no object); a selector with neither part is
    EVERYTHING. Invalid content raises a BadRequest ApiError with apimachinery's message.
    """
    if spec is None:
        return NOTHING
    if not isinstance(spec, Mapping):
        raise bad_request(f"invalid label selector: {spec!r}")
    match_labels = spec.get("matchLabels") or {}
    expressions = spec.get("matchExpressions") or []
    if not isinstance(match_labels, Mapping) or not isinstance(expressions, list):
        raise bad_request("invalid label selector")
    if not match_labels and not expressions:
        return EVERYTHING
    found: list[Requirement] = []
    try:
        for key in sorted(match_labels, key=str):
            found.append(_requirement(str(key), Operator.EQUALS, [str(match_labels[key])]))
        for expr in expressions:
            expr = expr if isinstance(expr, Mapping) else {}
            op_name = str(expr.get("operator") or "")
            if op_name not in _SPEC_OPERATORS:
                raise _SelectorError(f"{go_quote(op_name)} is not a valid pod selector operator")
            values = expr.get("values") or []
            values = values if isinstance(values, list) else [values]
            found.append(_requirement(str(expr.get("key") or ""), _SPEC_OPERATORS[op_name],
                                      [str(v) for v in values]))
    except _SelectorError as err:
        raise bad_request(str(err)) from None
    return LabelSelector(tuple(sorted(found, key=lambda r: r.key)))


def selector_from_map(labels: Mapping[str, Any] | None) -> LabelSelector:
    """The selector of a plain map (ReplicationController and Service `spec.selector`).

    Like labels.SelectorFromSet, an absent or empty map gives EVERYTHING and nothing is
    validated; callers decide what an absent map means for them (a Service without a
    selector gets no endpoints at all).
    """
    if not labels:
        return EVERYTHING
    found = [Requirement(str(k), Operator.EQUALS, (str(v),)) for k, v in labels.items()]
    return LabelSelector(tuple(sorted(found, key=lambda r: r.key)))


# Field selectors ------------------------------------------------------------------------------


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

