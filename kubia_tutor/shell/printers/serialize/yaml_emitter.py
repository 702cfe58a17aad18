"""The libyaml emitter as yaml.v2 ports it, and `to_yaml` (`kubectl -o yaml`).

PyYAML's emitter is a port of the same libyaml code, so it does the layout; the few places
where the two ports differ are overridden in `_GoEmitter`.
"""

from __future__ import annotations

import io
from typing import Any

from yaml.emitter import Emitter, ScalarAnalysis
from yaml.events import (
    DocumentEndEvent,
    DocumentStartEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)

from kubia_tutor.shell.printers.serialize.yaml_encoder import _events

_BREAKS = "\r\n\x85\u2028\u2029"
_ESCAPES = {
    "\0": "0", "\a": "a", "\b": "b", "\t": "t", "\n": "n", "\v": "v", "\f": "f", "\r": "r",
    "\x1b": "e", '"': '"', "\\": "\\", "\x85": "N", "\xa0": "_", "\u2028": "L", "\u2029": "P",
}


def _go_printable(ch: str) -> bool:
    # libyaml's IS_PRINTABLE as yaml.v2 has it: tab, NEL and everything past U+FFFF are not.
    code = ord(ch)
    return (
        ch == "\n"
        or 0x20 <= code <= 0x7E
        or 0xA0 <= code <= 0xD7FF
        or (0xE000 <= code <= 0xFFFD and code != 0xFEFF)
    )


def _go_escape(ch: str) -> str:
    if ch in _ESCAPES:
        return "\\" + _ESCAPES[ch]
    code = ord(ch)
    if code <= 0xFF:
        return f"\\x{code:02X}"
    if code <= 0xFFFF:
        return f"\\u{code:04X}"
    return f"\\U{code:08X}"


class _GoEmitter(Emitter):
    """PyYAML's emitter with the spots where yaml.v2's port of libyaml behaves differently."""

    def _put(self, data: str) -> None:
        self.column += len(data)
        self.stream.write(data)

    def analyze_scalar(self, scalar: str) -> ScalarAnalysis:
        # yaml.v2's analysis: its own printable set, and '\r' counts as a line break.
        if not scalar:
            return ScalarAnalysis(scalar=scalar, empty=True, multiline=False,
                                  allow_flow_plain=False, allow_block_plain=True,
                                  allow_single_quoted=True, allow_double_quoted=True,
                                  allow_block=False)
        flow_ind = block_ind = scalar.startswith(("---", "..."))
        line_breaks = special = False
        leading_space = leading_break = trailing_space = trailing_break = False
        break_space = space_break = previous_space = previous_break = False
        preceded_by_ws = True
        last = len(scalar) - 1
        for i, ch in enumerate(scalar):
            followed_by_ws = i == last or scalar[i + 1] in " \t"
            if i == 0:
                if ch in "#,[]{}&*!|>'\"%@`":
                    flow_ind = block_ind = True
                elif ch in "?:":
                    flow_ind = True
                    block_ind = block_ind or followed_by_ws
                elif ch == "-" and followed_by_ws:
                    flow_ind = block_ind = True
            elif ch in ",?[]{}":
                flow_ind = True
            elif ch == ":":
                flow_ind = True
                block_ind = block_ind or followed_by_ws
            elif ch == "#" and preceded_by_ws:
                flow_ind = block_ind = True
            if not _go_printable(ch):
                special = True
            if ch == " ":
                leading_space = leading_space or i == 0
                trailing_space = trailing_space or i == last
                break_space = break_space or previous_break
                previous_space, previous_break = True, False
            elif ch in _BREAKS:
                line_breaks = True
                leading_break = leading_break or i == 0
                trailing_break = trailing_break or i == last
                space_break = space_break or previous_space
                previous_space, previous_break = False, True
            else:
                previous_space = previous_break = False
            preceded_by_ws = ch in " \t" or ch in _BREAKS or ch == "\0"
        flow_plain = block_plain = single = block = True
        if leading_space or leading_break or trailing_space or trailing_break:
            flow_plain = block_plain = False
        if trailing_space:
            block = False
        if break_space:
            flow_plain = block_plain = single = False
        if space_break or special:
            flow_plain = block_plain = single = block = False
        if line_breaks:
            flow_plain = block_plain = False
        if flow_ind:
            flow_plain = False
        if block_ind:
            block_plain = False
        return ScalarAnalysis(scalar=scalar, empty=False, multiline=line_breaks,
                              allow_flow_plain=flow_plain, allow_block_plain=block_plain,
                              allow_single_quoted=single, allow_double_quoted=True,
                              allow_block=block)

    def check_simple_key(self) -> bool:
        # yaml.v2 allows keys up to 128 bytes, empty ones included; PyYAML stops below 128 chars.
        event = self.event
        if isinstance(event, ScalarEvent):
            if self.analysis is None:
                self.analysis = self.analyze_scalar(event.value)
            return not self.analysis.multiline and len(event.value.encode("utf-8")) <= 128
        if isinstance(event, SequenceStartEvent):
            return self.check_empty_sequence()
        if isinstance(event, MappingStartEvent):
            return self.check_empty_mapping()
        return False

    def write_double_quoted(self, text: str, split: bool = True) -> None:
        # yaml.v2 folds a long double-quoted scalar at a space, dropping the space into the
        # line break; PyYAML instead ends the line with an escaped break and keeps the space.
        self.write_indicator('"', True)
        spaces = False
        last = len(text) - 1
        for i, ch in enumerate(text):
            if not _go_printable(ch) or ch == "\ufeff" or ch in _BREAKS or ch in '"\\':
                self._put(_go_escape(ch))
                spaces = False
            elif ch == " ":
                if split and not spaces and self.column > self.best_width and 0 < i < last:
                    self.write_indent()
                    if text[i + 1] == " ":
                        self._put("\\")
                else:
                    self._put(ch)
                spaces = True
            else:
                self._put(ch)
                spaces = False
        self.write_indicator('"', False)


def to_yaml(obj: Any) -> str:
    """`kubectl -o yaml`: keys in yaml.v2 order, 2-space indent, lists flush with their key."""
    stream = io.StringIO()
    emitter = _GoEmitter(stream, indent=2, width=80, allow_unicode=True, line_break="\n")
    emitter.emit(StreamStartEvent())
    emitter.emit(DocumentStartEvent(explicit=False))
    for event in _events(obj):
        emitter.emit(event)
    emitter.emit(DocumentEndEvent(explicit=False))
    # yaml.v2's encoder clears this before ending the stream, so a value that ends in a kept
    # blank line (`|+`) is not followed by a `...` document-end marker.
    emitter.open_ended = False
    emitter.emit(StreamEndEvent())
    return stream.getvalue()
