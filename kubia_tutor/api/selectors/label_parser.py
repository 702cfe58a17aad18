"""Reading label selectors: `-l` text in apimachinery's grammar, tokenizer quirks included,
and metav1.LabelSelector specs (`matchLabels` + `matchExpressions`).

Every requirement is validated as labels.NewRequirement does it, and errors are BadRequest
`ApiError`s carrying the server's bare message.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any

from kubia_tutor.api.errors import bad_request
from kubia_tutor.api.selectors.labels import (
    EVERYTHING,
    NOTHING,
    LabelSelector,
    Operator,
    Requirement,
    _parse_int64,
)
from kubia_tutor.api.selectors.names import go_quote, label_value_errors, qualified_name_errors

_BINARY_OPERATORS = "in, notin, =, ==, !=, gt, lt"


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
