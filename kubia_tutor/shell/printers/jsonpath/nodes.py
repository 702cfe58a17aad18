"""The syntax tree a parsed template is made of (client-go's jsonpath node types)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias


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
