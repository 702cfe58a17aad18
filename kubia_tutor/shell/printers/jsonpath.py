"""kubectl's JSONPath dialect (client-go `util/jsonpath` as shipped in v1.20), used by -o jsonpath.

The grammar, the evaluation rules and every error text follow client-go, quirks included:
`['a.b']` splits at the dot like `.a.b`, `[n]` on an empty list is an out-of-bounds error even
when missing keys are allowed, a range with no `{end}` runs to the end of the template and then
again at top level, and filters compare only values of the same Go kind (an int never equals a
float). Objects reach kubectl's jsonpath as unstructured JSON maps, so the data here is plain
dicts, lists and scalars; integers are Go int64 and floats float64.

Go iterates maps in random order for `*` and `..`; here they go in sorted key order.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from kubia_tutor.shell.printers.serialize import (
    go_quote,
    go_sharp_v,
    go_sprint,
    to_compact_json,
    to_json,
)

__all__ = [
    "JsonPathError",
    "Template",
    "execute_error_message",
    "find",
    "parse",
    "parse_error_message",
    "relaxed",
]


class JsonPathError(Exception):
    """A parse or execution error; str() is client-go's own wording (kubectl adds context)."""


class _EvalError(JsonPathError):
    """An execution error, carrying the values client-go hands back alongside it.

    An existence filter ignores the error and looks only at those values, so
    `[?(@.ports[9])]` keeps items whose list is too short (client-go returns the input there).
    """

    def __init__(self, message: str, partial: list[Any]) -> None:
        super().__init__(message)
        self.partial = partial


# --- syntax tree ---------------------------------------------------------------------------------


@dataclass
class _List:
    nodes: list[_Node] = field(default_factory=list)


@dataclass
class _Text:
    text: str


@dataclass
class _Field:
    name: str


@dataclass
class _Param:
    known: bool = False
    value: int = 0
    derived: bool = False


@dataclass
class _Array:
    params: tuple[_Param, _Param, _Param]


@dataclass
class _Filter:
    left: _List
    right: _List
    operator: str


@dataclass
class _Int:
    value: int


@dataclass
class _Float:
    value: float


@dataclass
class _Bool:
    value: bool


@dataclass
class _Wildcard:
    pass


@dataclass
class _Recursive:
    pass


@dataclass
class _Union:
    lists: list[_List]


@dataclass
class _Identifier:
    name: str


_Node: TypeAlias = (
    _List | _Text | _Field | _Array | _Filter | _Int | _Float | _Bool | _Wildcard | _Recursive
    | _Union | _Identifier
)

# --- parser --------------------------------------------------------------------------------------

_DICT_KEY = re.compile(r"'([^']*)'")
_SLICE = re.compile(r"(-?[0-9]*)(:-?[0-9]*)?(:-?[0-9]*)?")
_FILTER = re.compile(r"([^!<>=]+)([!<>=]+)(.+?)")
_ATOI = re.compile(r"[+-]?[0-9]+")
_GO_FLOAT = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_TERMINATORS = frozenset(" \t\r\n.,[]$@{}")


def _is_alphanumeric(ch: str) -> bool:
    return ch == "_" or ch.isalpha() or ch.isdecimal()


def _go_unicode(ch: str) -> str:
    """Go's `%#U`: `U+007E '~'`, the quoted rune left out when it is not printable."""
    text = f"U+{ord(ch):04X}"
    return f"{text} '{ch}'" if ch.isprintable() else text


def _atoi(text: str) -> int | None:
    if not _ATOI.fullmatch(text):
        return None
    number = int(text)
    return number if -(2**63) <= number < 2**63 else None


def _unquote(text: str) -> str:
    """client-go's UnquoteExtend: Go string-literal unescaping for '...' as well as "..."."""
    if len(text) < 2 or text[0] != text[-1] or text[0] not in "\"'":
        raise ValueError("invalid syntax")
    quote, body = text[0], text[1:-1]
    if "\\" not in body and quote not in body:
        return body
    simple = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
              "\\": "\\"}
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == quote:
            raise ValueError("invalid syntax")
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        if i + 1 >= len(body):
            raise ValueError("invalid syntax")
        code, i = body[i + 1], i + 2
        if code in simple:
            out.append(simple[code])
        elif code in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[code]
            digits = body[i:i + width]
            if len(digits) < width or not all(c in "0123456789abcdefABCDEF" for c in digits):
                raise ValueError("invalid syntax")
            value = int(digits, 16)
            if value > 0x10FFFF:
                raise ValueError("invalid syntax")
            out.append(chr(value))
            i += width
        elif code in "01234567":
            digits = code + body[i:i + 2]
            if len(digits) < 3 or not all(c in "01234567" for c in digits):
                raise ValueError("invalid syntax")
            value = int(digits, 8)
            if value > 255:
                raise ValueError("invalid syntax")
            out.append(chr(value))
            i += 2
        elif code in "'\"" and code == quote:
            out.append(code)
        else:
            raise ValueError("invalid syntax")
    return "".join(out)


class _Parser:
    """client-go's scanner: `pos` is the read head, `start` where the current token began."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.start = 0

    def parse(self) -> _List:
        root = _List()
        while True:
            brace = self.text.find("{", self.pos)
            if brace < 0:
                self.pos = len(self.text)
                if self.pos > self.start:
                    root.nodes.append(_Text(self._consume()))
                return root
            self.pos = brace
            if self.pos > self.start:
                root.nodes.append(_Text(self._consume()))
            self.pos += 1
            self._consume()
            action = _List()
            root.nodes.append(action)
            self._inside_action(action)

    def _consume(self) -> str:
        value = self.text[self.start:self.pos]
        self.start = self.pos
        return value

    def _next(self) -> str | None:
        if self.pos >= len(self.text):
            return None
        ch = self.text[self.pos]
        self.pos += 1
        return ch

    def _peek(self) -> str | None:
        return self.text[self.pos] if self.pos < len(self.text) else None

    def _inside_action(self, cur: _List) -> None:
        while True:
            if self.text.startswith("}", self.pos):
                self.pos += 1
                self._consume()
                return
            if self.text.startswith("[?(", self.pos):
                self._filter(cur)
                continue
            if self.text.startswith("..", self.pos):
                self._recursive(cur)
                continue
            ch = self._next()
            if ch is None or ch in "\r\n":
                raise JsonPathError("unclosed action")
            if ch in " @$":
                self._consume()
            elif ch == "[":
                self._array(cur)
            elif ch in "\"'":
                self._quote(cur, ch)
            elif ch == ".":
                self._field(cur)
            elif ch in "+-" or ch.isdecimal():
                self.pos -= 1
                self._number(cur)
            elif _is_alphanumeric(ch):
                self.pos -= 1
                self._identifier(cur)
            else:
                raise JsonPathError(f"unrecognized character in action: {_go_unicode(ch)}")

    def _identifier(self, cur: _List) -> None:
        while (ch := self._peek()) is not None and ch not in _TERMINATORS:
            self.pos += 1
        value = self._consume()
        if value in ("true", "false"):
            cur.nodes.append(_Bool(value == "true"))
        else:
            cur.nodes.append(_Identifier(value))

    def _recursive(self, cur: _List) -> None:
        if cur.nodes and isinstance(cur.nodes[-1], _Recursive):
            raise JsonPathError("invalid multiple recursive descent")
        self.pos += 2
        self._consume()
        cur.nodes.append(_Recursive())
        ch = self._peek()
        if ch is not None and _is_alphanumeric(ch):
            self._field(cur)

    def _number(self, cur: _List) -> None:
        if self._peek() in ("+", "-"):
            self.pos += 1
        while (ch := self._peek()) is not None and (ch == "." or ch.isdecimal()):
            self.pos += 1
        value = self._consume()
        number = _atoi(value)
        if number is not None:
            cur.nodes.append(_Int(number))
        elif _GO_FLOAT.fullmatch(value):
            cur.nodes.append(_Float(float(value)))
        else:
            raise JsonPathError(f"cannot parse number {value}")

    def _array(self, cur: _List) -> None:
        while True:
            ch = self._next()
            if ch is None or ch == "\n":
                raise JsonPathError("unterminated array")
            if ch == "]":
                break
        text = self._consume()[1:-1]
        if text == "*":
            text = ":"
        parts = text.split(",")
        if len(parts) > 1:
            cur.nodes.append(_Union([_parse_action(f"[{p.strip(' ')}]") for p in parts]))
            return
        key = _DICT_KEY.fullmatch(text)
        if key is not None:
            # A quoted key is re-read as `.key`, so a dot inside it still splits the path.
            cur.nodes.extend(_parse_action(f".{key.group(1)}").nodes)
            return
        match = _SLICE.fullmatch(text)
        if match is None:
            raise JsonPathError(f"invalid array index {text}")
        params = (_Param(), _Param(), _Param())
        for i, group in enumerate(match.groups()):
            if group:
                raw = group[1:] if i > 0 else group
                if i > 0 and raw == "":
                    params[i].known = False
                    continue
                number = _atoi(raw)
                if number is None:
                    raise JsonPathError(f"array index {raw} is not a number")
                params[i].known, params[i].value = True, number
            elif i == 1:
                # `[n]` is the slice [n:n+1]; "derived" lets [-1] become [len-1:len].
                params[1].known, params[1].derived = True, True
                params[1].value = params[0].value + 1
        cur.nodes.append(_Array(params))

    def _filter(self, cur: _List) -> None:
        self.pos += 3
        self._consume()
        begin = end = False
        pair = ""
        while True:
            ch = self._next()
            if ch is None or ch == "\n":
                raise JsonPathError("unterminated filter")
            if ch in "\"'":
                if not begin:
                    begin, pair = True, ch
                    continue
                if self.text[self.pos - 2] != "\\" and ch == pair:
                    end = True
            elif ch == ")" and begin == end:
                break
        if self._next() != "]":
            raise JsonPathError("unclosed array expect ]")
        text = self._consume()[:-2]
        match = _FILTER.fullmatch(text)
        if match is None:
            cur.nodes.append(_Filter(_parse_action(text), _List(), "exists"))
        else:
            left, operator, right = match.groups()
            cur.nodes.append(_Filter(_parse_action(left), _parse_action(right), operator))

    def _quote(self, cur: _List, quote: str) -> None:
        while True:
            ch = self._next()
            if ch is None or ch == "\n":
                raise JsonPathError("unterminated quoted string")
            if ch == quote and self.text[self.pos - 2] != "\\":
                break
        value = self._consume()
        try:
            cur.nodes.append(_Text(_unquote(value)))
        except ValueError as err:
            raise JsonPathError(f"unquote string {value} error {err}") from None

    def _field(self, cur: _List) -> None:
        self._consume()
        while (ch := self._peek()) is not None:
            if ch == "\\":
                self.pos = min(self.pos + 2, len(self.text))
            elif ch in _TERMINATORS:
                break
            else:
                self.pos += 1
        value = self._consume()
        cur.nodes.append(_Wildcard() if value == "*" else _Field(value.replace("\\", "")))


def _parse_action(text: str) -> _List:
    """Parse `text` as the inside of one `{...}` (client-go's parseAction)."""
    first = _Parser("{" + text + "}").parse().nodes[0]
    assert isinstance(first, _List)
    return first


# --- evaluation ----------------------------------------------------------------------------------


def _go_type(value: Any) -> str:
    if isinstance(value, Mapping):
        return "map[string]interface {}"
    if isinstance(value, (list, tuple)):
        return "[]interface {}"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int64"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    return type(value).__name__


def _children(value: Any) -> list[Any]:
    if isinstance(value, Mapping):
        return [value[k] for k in sorted(value)]
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, str):
        return list(value.encode("utf-8"))  # Go indexes a string by byte
    return []


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    raise JsonPathError("invalid type for comparison")


def _equal(left: Any, right: Any) -> bool:
    if _kind(left) != _kind(right):
        raise JsonPathError("incompatible types for comparison")
    return bool(left == right)


def _less(left: Any, right: Any) -> bool:
    kind = _kind(left)
    if kind != _kind(right):
        raise JsonPathError("incompatible types for comparison")
    if kind == "bool":
        raise JsonPathError("invalid type for comparison")
    return bool(left < right)


def _compare(operator: str, left: Any, right: Any) -> bool:
    if operator == "==":
        return _equal(left, right)
    if operator == "!=":
        return not _equal(left, right)
    if operator == "<":
        return _less(left, right)
    if operator == "<=":
        return _less(left, right) or _equal(left, right)
    if operator == ">":
        return not (_less(left, right) or _equal(left, right))
    if operator == ">=":
        return not _less(left, right)
    raise JsonPathError(f"unrecognized filter operator {operator}")


class _Run:
    """One execution: client-go keeps range bookkeeping in counters, and so does this."""

    def __init__(self, nodes: list[_Node], allow_missing: bool) -> None:
        self.nodes = nodes
        self.allow_missing = allow_missing
        self.begin_range = 0
        self.in_range = 0
        self.end_range = 0
        self.last_end: int | None = None

    def results(self, data: Any, start: int = 0) -> list[list[Any]]:
        cur = [data]
        full: list[list[Any]] = []
        i = start
        while i < len(self.nodes):
            found = self.walk(cur, self.nodes[i])
            if self.end_range > 0 and self.end_range <= self.in_range:
                self.end_range -= 1
                self.last_end = i
                break
            if self.begin_range > 0:
                self.begin_range -= 1
                self.in_range += 1
                if found:
                    for value in found:
                        full.extend(self.results(value, i + 1))
                else:
                    self.results(None, i + 1)  # only to move past the matching {end}
                self.in_range -= 1
                for k in range(i + 1, len(self.nodes)):
                    if k == self.last_end:
                        i = k
                        break
                i += 1
                continue
            full.append(found)
            i += 1
        return full

    def walk(self, values: list[Any], node: _Node) -> list[Any]:
        if isinstance(node, _List):
            for child in node.nodes:
                values = self.walk(values, child)
            return values
        if isinstance(node, _Text):
            return [node.text]
        if isinstance(node, _Field):
            return self._field(values, node.name)
        if isinstance(node, _Array):
            return self._array(values, node)
        if isinstance(node, _Filter):
            return self._filter(values, node)
        if isinstance(node, (_Int, _Float, _Bool)):
            return [node.value] * len(values)
        if isinstance(node, _Wildcard):
            return [child for value in values for child in _children(value)]
        if isinstance(node, _Recursive):
            return self._recursive(values)
        if isinstance(node, _Union):
            return [found for part in node.lists for found in self.walk(values, part)]
        return self._identifier(values, node)

    def _field(self, values: list[Any], name: str) -> list[Any]:
        if not values:
            return []
        found = [v[name] for v in values if isinstance(v, Mapping) and name in v]
        if not found and not self.allow_missing:
            raise _EvalError(f"{name} is not found", [])
        return found

    def _array(self, values: list[Any], node: _Array) -> list[Any]:
        result: list[Any] = []
        for value in values:
            if value is None:
                continue
            if not isinstance(value, (list, tuple)):
                raise _EvalError(f"{_go_type(value)} is not array or slice", values)
            length = len(value)
            first, end, step = node.params
            lo = first.value if first.known else 0
            if lo < 0:
                lo += length
            hi = end.value if end.known else length
            if hi < 0 or (hi == 0 and end.derived):
                hi += length
            if hi == lo:
                # client-go stops at the first empty selection, even with more input left.
                return result
            if lo >= length or lo < 0:
                raise _EvalError(
                    f"array index out of bounds: index {lo}, length {length}", values)
            if hi > length or hi < 0:
                raise _EvalError(
                    f"array index out of bounds: index {hi - 1}, length {length}", values)
            if lo > hi:
                raise _EvalError(
                    f"starting index {lo} is greater than ending index {hi}", values)
            stride = 1
            if step.known:
                if step.value <= 0:
                    raise _EvalError("step must be > 0", values)
                stride = step.value
            result.extend(value[lo:hi:stride])
        return result

    def _filter(self, values: list[Any], node: _Filter) -> list[Any]:
        result: list[Any] = []
        for value in values:
            if not isinstance(value, (list, tuple)):
                raise _EvalError(
                    f"{go_sprint(value)} is not array or slice and cannot be filtered", values)
            for item in value:
                try:
                    lefts = self.walk([item], node.left)
                    left_error: _EvalError | None = None
                except _EvalError as err:
                    lefts, left_error = err.partial, err
                if node.operator == "exists":
                    if lefts:
                        result.append(item)
                    continue
                if left_error is not None:
                    raise _EvalError(str(left_error), values)
                if not lefts:
                    continue
                if len(lefts) > 1:
                    raise _EvalError("can only compare one element at a time", values)
                try:
                    rights = self.walk([item], node.right)
                except _EvalError as err:
                    raise _EvalError(str(err), values) from None
                if not rights:
                    continue
                if len(rights) > 1:
                    raise _EvalError("can only compare one element at a time", values)
                try:
                    passed = _compare(node.operator, lefts[0], rights[0])
                except JsonPathError as err:
                    raise _EvalError(str(err), result) from None
                if passed:
                    result.append(item)
        return result

    def _recursive(self, values: list[Any]) -> list[Any]:
        result: list[Any] = []
        for value in values:
            if value is None:
                continue
            children = _children(value)
            if children:
                result.append(value)
                result.extend(self._recursive(children))
        return result

    def _identifier(self, values: list[Any], node: _Identifier) -> list[Any]:
        if node.name == "range":
            self.begin_range += 1
            return values
        if node.name == "end":
            if self.in_range > 0:
                self.end_range += 1
                return []
            raise _EvalError("not in range, nothing to end", [])
        raise _EvalError(f"unrecognized identifier {node.name}", values)


def _text(value: Any) -> str:
    """How client-go prints one result: maps and lists as compact JSON, the rest via fmt."""
    if isinstance(value, (Mapping, list, tuple)):
        return to_compact_json(value)
    return go_sprint(value)


# --- public API ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    """A parsed jsonpath template; render it against one object (or a `List`)."""

    source: str
    root: _List

    def find_results(self, data: Any, allow_missing: bool = True) -> list[list[Any]]:
        """The raw results: one list per top-level piece (text or `{...}`), as client-go has it."""
        return _Run(self.root.nodes, allow_missing).results(data)

    def render(self, data: Any, allow_missing: bool = True) -> str:
        """What `kubectl -o jsonpath=TEMPLATE` writes; a piece's results are joined by spaces.

        With allow_missing False (`--allow-missing-template-keys=false`) a missing field raises
        JsonPathError("<field> is not found"); `execute_error_message` words it as kubectl does.
        Nothing is written when evaluation fails, as in kubectl.
        """
        groups = self.find_results(data, allow_missing)
        return "".join(" ".join(_text(v) for v in group) for group in groups)

    def render_as_json(self, data: Any, allow_missing: bool = True) -> str:
        """What `-o jsonpath-as-json=TEMPLATE` writes: each piece's results as an indented array."""
        groups = self.find_results(data, allow_missing)
        return "".join(to_json(group) for group in groups)


def parse(template: str) -> Template:
    """Parse a jsonpath template; raises JsonPathError with client-go's message on bad syntax."""
    return Template(template, _Parser(template).parse())


_RELAXED = re.compile(r"\{\.?([^{}]+)\}|\.?([^{}]+)")


def relaxed(expr: str) -> str:
    """kubectl's RelaxedJSONPathExpression: `a.b`, `.a.b`, `{a.b}` all become `{.a.b}`.

    custom-columns and --sort-by use it; `-o jsonpath` does not (there a template without braces
    is plain text, so `-o jsonpath=.metadata.name` prints `.metadata.name` literally).
    """
    if not expr:
        return expr
    match = _RELAXED.fullmatch(expr)
    if match is None:
        raise JsonPathError(
            "unexpected path string, expected a 'name1.name2' or '.name1.name2' or "
            "'{name1.name2}' or '{.name1.name2}'"
        )
    return "{." + (match.group(1) or match.group(2)) + "}"


def find(data: Any, expr: str, allow_missing: bool = True) -> list[Any]:
    """Every value one path selects, e.g. find(pod, ".metadata.name") == ["kubia"].

    The path is relaxed first, so braces and the leading dot are optional.
    """
    groups = parse(relaxed(expr)).find_results(data, allow_missing)
    return [value for group in groups for value in group]


def parse_error_message(template: str, error: JsonPathError) -> str:
    """kubectl's text for a template that does not parse (it prints "error: " before it)."""
    return f"error parsing jsonpath {template}, {error}"


def execute_error_message(template: str, error: JsonPathError, data: Any) -> str:
    """kubectl's text when evaluation fails, ending in a dump of the object it was given.

    It already ends in a newline (three, in fact), so kubectl's "error: " printer adds none.
    """
    return (
        f"error executing jsonpath {go_quote(template)}: Error executing template: {error}. "
        "Printing more information for debugging the template:\n"
        f"\ttemplate was:\n\t\t{template}\n"
        f"\tobject given to jsonpath engine was:\n\t\t{go_sharp_v(data)}\n\n\n"
    )
