"""Reading a pack directory into the model, with every problem's file and line.

Loading checks the shape (the JSON Schema in `pack.schema.json`, unknown keys included) and
the limits that keep a pack data: lesson files and the files a lesson lays out stay inside
the pack directory (no absolute paths, no `..`, no links that lead out) and under size limits.
What the pack means (ids, kinds, selectors, paths, commands) is checked by `validate.py`.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any

import jsonschema
import yaml

from kubia_tutor.lessons.markdown_lessons import commands_in, sections, split_front_matter
from kubia_tutor.lessons.model import Check, Lesson, Pack, Step
from kubia_tutor.lessons.problems import PackError, Problem
from kubia_tutor.lessons.yaml_lines import YamlDocument, problem_line

PACK_FILE = "pack.yaml"
MAX_FILE_BYTES = 512 * 1024
MAX_PACK_BYTES = 16 * 1024 * 1024
MAX_PACK_FILES = 1000


@functools.cache
def schema() -> dict[str, Any]:
    """The pack format's JSON Schema (also in docs/pack.schema.json)."""
    text = resources.files("kubia_tutor.lessons").joinpath("pack.schema.json").read_text()
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@functools.cache
def _validator(definition: str) -> jsonschema.Draft202012Validator:
    whole = schema()
    return jsonschema.Draft202012Validator({"$defs": whole["$defs"],
                                            "$ref": f"#/$defs/{definition}"})


def safe_relative(name: str) -> str | None:
    """Why `name` may not be a path inside the pack or lesson directory, or None if it may."""
    if not name or "\\" in name or "\0" in name:
        return f"{name!r} is not a usable file name"
    path = PurePosixPath(name)
    if path.is_absolute():
        return f"{name!r} is an absolute path; files must stay inside the pack"
    if ".." in path.parts:
        return f"{name!r} leads out of its directory ('..')"
    return None


def inside(root: Path, name: str) -> Path | None:
    """`root/name` when it really is inside `root` (links followed), else None."""
    try:
        target = (root / name).resolve()
    except (RuntimeError, OSError):  # a link loop leads nowhere
        return None
    return target if target.is_relative_to(root.resolve()) else None


def load_pack(directory: str | Path, problems: list[Problem] | None = None) -> Pack:
    """Read and shape-check a pack; raises PackError listing every problem found.

    Given a `problems` list, a pack whose pack.yaml reads is returned with the lessons that
    loaded, and the problems of the others are added to the list (validation goes on to
    check what those lessons mean, so one run reports everything)."""
    collect = problems is not None
    root = Path(directory)
    problems = problems if problems is not None else []
    if not (root / PACK_FILE).is_file():
        raise PackError([Problem(str(root), None, f"not a lesson pack: no {PACK_FILE} in it")])
    _check_size(root, problems)
    document = _read_yaml(root, PACK_FILE, problems)
    if document is None or problems:
        raise PackError(problems)
    data = document.data
    if not _schema_problems("pack", data, document, PACK_FILE, problems):
        raise PackError(problems)
    pack = Pack(id=data["id"], title=data["title"], version=str(data["version"]), root=root,
                language=data.get("language", "en"), description=data.get("description", ""),
                authors=list(data.get("authors") or []))
    for name in data["lessons"]:
        lesson = _load_lesson(root, name, problems)
        if lesson is not None:
            pack.lessons.append(lesson)
        else:
            pack.broken.append(name)
    if problems and not collect:
        raise PackError(problems)
    return pack


def _check_size(root: Path, problems: list[Problem]) -> None:
    total, count = 0, 0
    for path in root.rglob("*"):
        if path.is_symlink() and inside(root, str(path.relative_to(root))) is None:
            try:
                path.resolve(strict=False)
                why = "is a link that leads out of the pack"
            except (RuntimeError, OSError):
                why = "is a link that goes round in a loop"
            problems.append(Problem(str(path.relative_to(root)), None, why))
            continue
        if path.is_file():
            count += 1
            total += path.stat().st_size
    if count > MAX_PACK_FILES:
        problems.append(Problem(".", None, f"the pack has {count} files; the limit is "
                                           f"{MAX_PACK_FILES}"))
    if total > MAX_PACK_BYTES:
        problems.append(Problem(".", None, f"the pack holds {total} bytes; the limit is "
                                           f"{MAX_PACK_BYTES}"))


def read_pack_file(root: Path, name: str, problems: list[Problem], referrer: str,
                   line: int | None = None) -> bytes | None:
    """The bytes of a file of the pack, or None with a problem recorded."""
    unsafe = safe_relative(name)
    target = inside(root, name) if unsafe is None else None
    if unsafe is not None or target is None:
        problems.append(Problem(referrer, line, unsafe or f"{name!r} leads out of the pack"))
        return None
    if not target.is_file():
        problems.append(Problem(referrer, line, f"{name!r} does not exist in the pack"))
        return None
    if target.stat().st_size > MAX_FILE_BYTES:
        problems.append(Problem(referrer, line, f"{name!r} is larger than {MAX_FILE_BYTES} "
                                                "bytes"))
        return None
    return target.read_bytes()


def _read_yaml(root: Path, name: str, problems: list[Problem],
               text: str | None = None, first_line: int = 1) -> YamlDocument | None:
    if text is None:
        raw = read_pack_file(root, name, problems, name)
        if raw is None:
            return None
        try:
            text = raw.decode()
        except UnicodeDecodeError:
            problems.append(Problem(name, None, "is not UTF-8 text"))
            return None
    try:
        return YamlDocument(text, first_line)
    except yaml.YAMLError as err:
        problem = str(getattr(err, "problem", "") or err).strip()
        problems.append(Problem(name, problem_line(err, first_line), f"YAML: {problem}"))
        return None


def _schema_problems(definition: str, data: Any, document: YamlDocument, name: str,
                     problems: list[Problem]) -> bool:
    """Record every schema violation; True when there was none."""
    errors = sorted(_validator(definition).iter_errors(data),
                    key=lambda e: [str(p) for p in e.absolute_path])
    for error in errors:
        path = list(error.absolute_path)
        where = ".".join(str(p) for p in path) or "(top level)"
        line_path = path + _unknown_keys(error)[:1]  # point at the misspelt key itself
        problems.append(Problem(name, document.line_of(line_path),
                                f"{where}: {_wording(error)}"))
    return not errors


def _unknown_keys(error: jsonschema.ValidationError) -> list[str]:
    if error.validator != "additionalProperties":
        return []
    known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
    given = error.instance if isinstance(error.instance, dict) else {}
    return sorted(set(given) - set(known))


def _wording(error: jsonschema.ValidationError) -> str:
    extra = _unknown_keys(error)
    if extra:
        return f"unknown key{'s' if len(extra) > 1 else ''} {', '.join(map(repr, extra))}"
    if error.validator == "oneOf" and isinstance(error.instance, dict) and \
            "exists" in str(error.schema):
        return ("a check needs exactly one of: exists, absent, field, count, ready, rollout, "
                "succeeded, ran, output, http, exec")
    if error.validator == "oneOf" and error.context:
        return min(error.context, key=lambda e: len(list(e.absolute_path))).message
    return error.message


def _load_lesson(root: Path, name: str, problems: list[Problem]) -> Lesson | None:
    before = len(problems)
    raw = read_pack_file(root, name, problems, PACK_FILE)
    if raw is None:
        return None
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        problems.append(Problem(name, None, "is not UTF-8 text"))
        return None
    body, body_line = "", 0
    if name.endswith(".md"):
        split = split_front_matter(text)
        if split is None:
            problems.append(Problem(name, 1, "a Markdown lesson starts with YAML front matter "
                                             "between '---' lines"))
            return None
        front, body, body_line = split
        document = _read_yaml(root, name, problems, front, first_line=2)
    else:
        document = _read_yaml(root, name, problems, text)
    if document is None:
        return None
    data = document.data
    if not _schema_problems("lesson", data, document, name, problems):
        return None
    lesson = Lesson(id=data["id"], title=data["title"], file=name,
                    line=document.line_of(["id"]),
                    summary=data.get("summary", ""), minutes=data.get("minutes"),
                    prerequisites=list(data.get("prerequisites") or []),
                    namespace=data.get("namespace", "default"), intro=data.get("intro", ""),
                    setup=list(data.get("setup") or []))
    lesson.steps = [_step(item, index, document) for index, item in enumerate(data["steps"])]
    lesson.setup_lines = [document.line_of(["setup", i]) for i in range(len(lesson.setup))]
    if name.endswith(".md"):
        _merge_body(lesson, body, body_line, document, problems)
    for step in lesson.steps:
        step.try_commands.extend(c for c in commands_in(step.text)
                                 if c not in step.try_commands)
    for path, source in (data.get("files") or {}).items():
        line = document.line_of(["files", path])
        unsafe = safe_relative(path)
        if unsafe is not None:
            problems.append(Problem(name, line, f"files: {unsafe}"))
            continue
        if isinstance(source, str):
            lesson.files[path] = source.encode()
            continue
        content = read_pack_file(root, source["from"], problems, name, line)
        if content is not None:
            lesson.files[path] = content
    return lesson if len(problems) == before else None


def _step(data: dict[str, Any], index: int, document: YamlDocument) -> Step:
    checks = [Check.from_data(c, document.line_of(["steps", index, "checks", i]))
              for i, c in enumerate(data.get("checks") or [])]
    return Step(id=data["id"], title=data.get("title", ""), text=data.get("text", ""),
                try_commands=list(data.get("try") or []), checks=checks,
                hints=list(data.get("hints") or []), solution=list(data.get("solution") or []),
                timeout=data.get("timeout"), line=document.line_of(["steps", index]),
                solution_lines=[document.line_of(["steps", index, "solution", i])
                                for i in range(len(data.get("solution") or []))])


def _merge_body(lesson: Lesson, body: str, body_line: int, document: YamlDocument,
                problems: list[Problem]) -> None:
    intro, found = sections(body, body_line)
    if intro:
        lesson.intro = intro
    by_id = {step.id: step for step in lesson.steps}
    unnamed = list(lesson.steps)
    for section in found:
        if section.step_id is not None:
            step = by_id.get(section.step_id)
            if step is None:
                problems.append(Problem(lesson.file, section.line,
                                        f"heading names step {section.step_id!r}, which the "
                                        "front matter does not define"))
                continue
            if step in unnamed:
                unnamed.remove(step)
        elif unnamed:
            step = unnamed.pop(0)
        else:
            problems.append(Problem(lesson.file, section.line,
                                    f"section {section.title!r} has no step in the front "
                                    "matter to belong to"))
            continue
        if step.text:
            problems.append(Problem(lesson.file, section.line,
                                    f"step {step.id!r} has text in the front matter and a "
                                    "section in the body; keep one"))
        step.text = section.text
        step.title = step.title or section.title
    for step in lesson.steps:
        if not step.text.strip():
            index = lesson.steps.index(step)
            problems.append(Problem(lesson.file, document.line_of(["steps", index]),
                                    f"step {step.id!r} has no text: give it a '## ' section"))
