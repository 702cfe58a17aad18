"""What a pack means, checked before class: `kubia-tutor pack validate`.

The loader has checked the shape; here every reference must resolve: unique ids,
prerequisites that come earlier, resource types the API serves, selectors and JSONPaths and
regular expressions that parse, checks whose fields fit their kind, setup lines that are plain
kubectl, setup manifests that read as objects, and solution lines a pack may run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import yaml

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import UnknownResourceType, resolve
from kubia_tutor.api.selectors.fields import parse_field_selector
from kubia_tutor.api.selectors.label_parser import parse_label_selector
from kubia_tutor.lessons.host_commands import unsafe_reason
from kubia_tutor.lessons.loader import load_pack
from kubia_tutor.lessons.model import Check, Lesson, Pack
from kubia_tutor.lessons.problems import PackError, Problem
from kubia_tutor.shell.errors import UsageError
from kubia_tutor.shell.kubectl import split_command
from kubia_tutor.shell.printers.jsonpath import JsonPathError, parse, relaxed
from kubia_tutor.shell.session import needs_shell

_COMPARATORS = ("equals", "notEquals", "matches", "contains", "greaterThan", "lessThan",
                "atLeast", "atMost", "present")
_KIND_OF = {"ready": ("Pod",), "rollout": ("Deployment", "DaemonSet", "StatefulSet"),
            "succeeded": ("Job",)}


def validate_pack(directory: str | Path) -> Pack:
    """Load and check a pack; raises PackError with every problem found."""
    problems: list[Problem] = []
    pack = load_pack(directory, problems)
    problems += pack_problems(pack)
    if problems:
        raise PackError(problems)
    return pack


def pack_problems(pack: Pack) -> Iterator[Problem]:
    seen: dict[str, str] = {}
    for lesson in pack.lessons:
        if lesson.id in seen:
            yield Problem(lesson.file, lesson.line, f"lesson id {lesson.id!r} is also used by "
                                          f"{seen[lesson.id]}")
        for needed in lesson.prerequisites:
            if needed not in seen and not pack.broken:  # a broken lesson may be the one
                later = pack.lesson(needed) is not None
                yield Problem(lesson.file, lesson.line, f"prerequisite {needed!r} "
                              + ("comes later in the pack" if later else "is not a lesson of "
                                 "this pack"))
        seen.setdefault(lesson.id, lesson.file)
        yield from lesson_problems(lesson)


def lesson_problems(lesson: Lesson) -> Iterator[Problem]:
    steps: set[str] = set()
    for step in lesson.steps:
        if step.id in steps:
            yield Problem(lesson.file, step.line, f"step id {step.id!r} is used twice")
        steps.add(step.id)
        for check in step.checks:
            for message in check_problems(check):
                yield Problem(lesson.file, check.line, f"step {step.id}: {message}")
        for index, line in enumerate(step.solution):
            reason = unsafe_reason(line)
            if reason:
                where = step.solution_lines[index] if index < len(step.solution_lines) \
                    else step.line
                yield Problem(lesson.file, where, f"step {step.id}: solution line {line!r}: "
                                                  f"{reason}")
    for item, line_no in zip(lesson.setup, lesson.setup_lines, strict=False):
        wrong = setup_problem(item)
        if wrong:
            yield Problem(lesson.file, line_no, f"setup: {wrong}")


def setup_problem(item: str | dict[str, object]) -> str | None:
    """Why a setup item cannot be applied, or None."""
    if isinstance(item, str):
        if needs_shell(item):
            return f"{item!r} is not a plain kubectl line (no pipes, variables or host programs)"
        try:
            chain, _rest = split_command(item.split()[1:])
        except UsageError as err:
            return f"{item!r}: {err}"
        return None if chain else f"{item!r} names no kubectl command"
    manifest = item.get("manifest")
    documents: list[object]
    if isinstance(manifest, str):
        try:
            documents = [d for d in yaml.safe_load_all(manifest) if d is not None]
        except yaml.YAMLError as err:
            return f"manifest is not YAML: {getattr(err, 'problem', err)}"
    else:
        documents = [manifest]
    for doc in documents:
        if not isinstance(doc, dict) or not doc.get("kind") or not doc.get("apiVersion"):
            return "a manifest needs apiVersion and kind"
    return None


def check_problems(check: Check) -> Iterator[str]:
    spec = check.spec
    if "kind" in spec:
        try:
            rt = resolve(str(spec["kind"]))
        except UnknownResourceType:
            yield f'{check.kind}: the server doesn\'t have a resource type "{spec["kind"]}"'
            return
        allowed = _KIND_OF.get(check.kind)
        if allowed and rt.kind not in allowed:
            yield f"{check.kind}: works on {', '.join(a.lower() for a in allowed)}, not " \
                  f"{rt.singular}"
    for key in ("selector",):
        if spec.get(key):
            yield from _selector_problem(spec[key])
    if check.kind == "http":
        yield from _pod_problems(spec["from"], "http.from")
        if spec["from"].get("selector"):
            yield from _selector_problem(spec["from"]["selector"])
    if check.kind == "exec":
        yield from _pod_problems(spec, "exec")
    if spec.get("fieldSelector"):
        try:
            parse_field_selector(spec["fieldSelector"])
        except ApiError as err:
            yield f"fieldSelector: {err.message}"
    if check.kind == "field":
        if not any(key in spec for key in _COMPARATORS):
            yield f"field: say what {spec['path']} should be ({', '.join(_COMPARATORS)})"
        try:
            parse(relaxed(spec["path"]))
        except JsonPathError as err:
            yield f"field: path {spec['path']!r}: {err}"
    if check.kind == "count" and not any(k in spec for k in ("equals", "atLeast", "atMost")):
        yield "count: say how many (equals, atLeast or atMost)"
    for key in ("pattern", "command", "matches"):
        value = spec.get(key)
        if isinstance(value, str):
            try:
                re.compile(value)
            except re.error as err:
                yield f"{check.kind}.{key}: not a regular expression: {err}"
    if check.kind in ("output",) and "contains" not in spec and "matches" not in spec:
        yield "output: say what to look for (contains or matches)"


def _selector_problem(text: str) -> Iterator[str]:
    try:
        parse_label_selector(text)
    except ApiError as err:
        yield f"selector {text!r}: {err.message}"


def _pod_problems(spec: dict[str, object], where: str) -> Iterator[str]:
    if not spec.get("pod") and not spec.get("selector"):
        yield f"{where}: name the pod to run in (pod or selector)"
