"""Parsing a template into nodes: client-go's scanner, its number and string rules included."""

from __future__ import annotations

import re

from kubia_tutor.shell.printers.jsonpath.errors import JsonPathError
from kubia_tutor.shell.printers.jsonpath.nodes import (
    _Array,
    _Bool,
    _Field,
    _Filter,
    _Float,
    _Identifier,
    _Int,
    _List,
    _Param,
    _Recursive,
    _Text,
    _Union,
    _Wildcard,
)

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
