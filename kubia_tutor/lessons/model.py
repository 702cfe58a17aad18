"""A lesson pack as the engine uses it, after the loader has read and validated the files."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHECK_KINDS = ("exists", "absent", "field", "count", "ready", "rollout", "succeeded", "ran",
               "output", "http", "exec")
# Checks that run something inside a pod: the fake runtime has no container to run it in.
IN_POD_CHECKS = ("http", "exec")


@dataclass(frozen=True)
class Check:
    kind: str  # one of CHECK_KINDS
    spec: dict[str, Any]
    description: str = ""
    hint: str = ""
    line: int | None = field(default=None, compare=False)  # in the lesson file

    @classmethod
    def from_data(cls, data: dict[str, Any], line: int | None = None) -> Check:
        kind = next(k for k in CHECK_KINDS if k in data)
        return cls(kind, dict(data[kind]), data.get("description", ""), data.get("hint", ""),
                   line)


@dataclass
class Step:
    id: str
    title: str = ""
    text: str = ""
    try_commands: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    solution: list[str] = field(default_factory=list)
    timeout: float | None = None
    line: int | None = None  # in the lesson file
    solution_lines: list[int | None] = field(default_factory=list)  # each solution line's


@dataclass
class Lesson:
    id: str
    title: str
    file: str  # relative to the pack directory
    line: int | None = None  # of its id, in the lesson file
    summary: str = ""
    minutes: int | None = None
    prerequisites: list[str] = field(default_factory=list)
    namespace: str = "default"
    intro: str = ""
    files: dict[str, bytes] = field(default_factory=dict)
    setup: list[str | dict[str, Any]] = field(default_factory=list)
    setup_lines: list[int | None] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)


@dataclass
class Pack:
    id: str
    title: str
    version: str
    root: Path
    language: str = "en"
    description: str = ""
    authors: list[str] = field(default_factory=list)
    lessons: list[Lesson] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)  # lesson files that did not load

    def lesson(self, lesson_id: str) -> Lesson | None:
        return next((lesson for lesson in self.lessons if lesson.id == lesson_id), None)
