"""YAML read with line numbers, so a pack's problems point at the line to fix.

PyYAML's composer keeps each node's position; walking the node tree along a JSON path (as
jsonschema reports it) finds the line of the offending key or value.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlDocument:
    """One YAML document: its data and a map from JSON paths to 1-based lines."""

    def __init__(self, text: str, first_line: int = 1) -> None:
        self.first_line = first_line
        # One parse gives both the node tree (for lines) and the data; libyaml's parser when
        # PyYAML has it (ten times faster: the course's 18 lessons load in a blink).
        loader = _Loader(text)
        try:
            self.node: yaml.Node | None = loader.get_single_node()
            self.data: Any = loader.construct_document(self.node) \
                if self.node is not None else None
        finally:
            loader.dispose()

    def line_of(self, path: Iterable[str | int]) -> int | None:
        """The line of the value at `path`, or of the nearest parent that exists."""
        node = self.node
        if node is None:
            return None
        line = node.start_mark.line
        for part in path:
            child = _child(node, part)
            if child is None:
                break
            key_line, node = child
            line = key_line
        return line + self.first_line


def _child(node: yaml.Node, part: str | int) -> tuple[int, yaml.Node] | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == part:
                return key.start_mark.line, value
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and \
            0 <= part < len(node.value):
        item = node.value[part]
        return item.start_mark.line, item
    return None


def problem_line(error: yaml.YAMLError, first_line: int = 1) -> int | None:
    """The line a YAML syntax error points at."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    return mark.line + first_line if mark is not None else None
