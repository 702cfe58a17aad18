"""The pack loader: both lesson formats, shape errors with file and line, pack limits."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from lessons_fixtures import load_problems, write_pack

from kubia_tutor.lessons import loader
from kubia_tutor.lessons.loader import load_pack, safe_relative
from kubia_tutor.lessons.model import Check
from kubia_tutor.lessons.problems import PackError

ONE_OF = ("a check needs exactly one of: exists, absent, field, count, ready, rollout, "
          "succeeded, ran, output, http, exec")

YAML_LESSON = """\
id: scale
title: Scaling
summary: Scale a controller.
minutes: 5
prerequisites: []
namespace: work
intro: Read this first.
setup:
  - kubectl create namespace work
  - manifest: {apiVersion: v1, kind: ConfigMap, metadata: {name: cm, namespace: work}}
steps:
  - id: up
    title: Scale up
    text: |
      Scale it:

      ```shell
      kubectl scale rc kubia --replicas=3
      ```
    try: [kubectl get rc]
    checks:
      - field: {kind: rc, name: kubia, path: spec.replicas, equals: 3}
        description: three replicas
        hint: use kubectl scale
    hints: [one, two]
    solution: [kubectl scale rc kubia --replicas=3]
    timeout: 5
"""

MD_LESSON = """\
---
id: intro
title: Intro
steps:
  - id: first
    checks:
      - exists: {kind: pod, name: kubia}
  - id: second
---
Welcome to the lesson.

## Second step {#second}

Second text.

```shell
## a comment in a code block, not a heading
kubectl get pods
# a shell comment
```

## The first step

First text.

```console
$ kubectl run kubia --image=luksa/kubia
pod/kubia created
```

```yaml
kind: Pod
```
"""


def test_a_yaml_lesson_loads_with_every_field(tmp_path: Path) -> None:
    pack = load_pack(write_pack(tmp_path, {"scale.yaml": YAML_LESSON}))
    assert (pack.id, pack.title, pack.version, pack.language) == \
        ("demo", "Demo pack", "1.0", "en")
    (lesson,) = pack.lessons
    assert (lesson.id, lesson.title, lesson.file, lesson.minutes, lesson.namespace) == \
        ("scale", "Scaling", "scale.yaml", 5, "work")
    assert lesson.intro == "Read this first."
    assert lesson.setup == ["kubectl create namespace work",
                            {"manifest": {"apiVersion": "v1", "kind": "ConfigMap",
                                          "metadata": {"name": "cm", "namespace": "work"}}}]
    assert lesson.setup_lines == [9, 10]
    (step,) = lesson.steps
    assert (step.id, step.title, step.line, step.timeout) == ("up", "Scale up", 12, 5)
    assert step.hints == ["one", "two"]
    assert step.solution == ["kubectl scale rc kubia --replicas=3"]
    # `try` first, then the commands of the text's shell blocks
    assert step.try_commands == ["kubectl get rc", "kubectl scale rc kubia --replicas=3"]
    assert step.checks == [Check("field", {"kind": "rc", "name": "kubia",
                                           "path": "spec.replicas", "equals": 3},
                                 "three replicas", "use kubectl scale")]
    assert step.checks[0].line == 22


def test_a_markdown_lesson_takes_its_text_from_the_body(tmp_path: Path) -> None:
    pack = load_pack(write_pack(tmp_path, {"intro.md": MD_LESSON}))
    (lesson,) = pack.lessons
    assert lesson.intro == "Welcome to the lesson."
    first, second = lesson.steps
    # `{#second}` names its step; the heading without an id goes to the first step left
    assert (second.title, first.title) == ("Second step", "The first step")
    assert second.text.startswith("Second text.\n")
    assert "## a comment in a code block, not a heading" in second.text
    assert first.text.startswith("First text.\n")
    # shell blocks: every line but comments; console blocks: only the `$ ` lines
    assert second.try_commands == ["kubectl get pods"]
    assert first.try_commands == ["kubectl run kubia --image=luksa/kubia"]
    # front matter lines count from the file's first line (the '---')
    assert (first.line, second.line) == (5, 8)
    assert first.checks[0].line == 7


def test_a_heading_inside_a_fenced_block_is_not_a_step(tmp_path: Path) -> None:
    lesson = """\
    ---
    id: one
    title: One
    steps:
      - id: only
    ---
    ## Only

    ~~~markdown
    ## Not a step
    ~~~
    """
    pack = load_pack(write_pack(tmp_path, {"one.md": lesson}))
    (step,) = pack.lessons[0].steps
    assert step.title == "Only"
    assert step.text == "~~~markdown\n## Not a step\n~~~\n"


def test_a_heading_naming_an_unknown_step(tmp_path: Path) -> None:
    lesson = """\
    ---
    id: one
    title: One
    steps:
      - id: only
    ---
    ## Only

    text

    ## Typo {#onyl}

    more
    """
    assert load_problems(write_pack(tmp_path, {"one.md": lesson})) == [
        "one.md:11: heading names step 'onyl', which the front matter does not define"]


def test_more_sections_than_steps_and_steps_without_text(tmp_path: Path) -> None:
    extra = "---\nid: one\ntitle: One\nsteps:\n  - id: only\n---\n## A\na\n## B\nb\n"
    assert load_problems(write_pack(tmp_path / "extra", {"one.md": extra})) == [
        "one.md:9: section 'B' has no step in the front matter to belong to"]
    missing = "---\nid: one\ntitle: One\nsteps:\n  - id: a\n  - id: b\n---\n## A\na\n"
    assert load_problems(write_pack(tmp_path / "missing", {"one.md": missing})) == [
        "one.md:6: step 'b' has no text: give it a '## ' section"]


def test_text_in_front_matter_and_body_is_refused(tmp_path: Path) -> None:
    both = "---\nid: one\ntitle: One\nsteps:\n  - id: a\n    text: t\n---\n## A\na\n"
    assert load_problems(write_pack(tmp_path, {"one.md": both})) == [
        "one.md:8: step 'a' has text in the front matter and a section in the body; keep one"]


def test_markdown_without_front_matter(tmp_path: Path) -> None:
    assert load_problems(write_pack(tmp_path, {"one.md": "# Just Markdown\n"})) == [
        "one.md:1: a Markdown lesson starts with YAML front matter between '---' lines"]


def test_unknown_keys_are_refused_with_the_file(tmp_path: Path) -> None:
    lesson = "id: a\ntitle: A\nsteps:\n  - id: s\n    text: t\n    colour: blue\n"
    problems = load_problems(write_pack(tmp_path, {"a.yaml": lesson}))
    assert len(problems) == 1
    assert problems[0].startswith("a.yaml:")
    assert problems[0].endswith(": steps.0: unknown key 'colour'")
    pack_yaml = 'id: demo\ntitle: T\nversion: "1.0"\nlessons: [a.yaml]\ncolour: red\n'
    problems = load_problems(write_pack(tmp_path / "p", {"a.yaml": "x: 1\n"}, None, pack_yaml))
    assert len(problems) == 1
    assert problems[0].endswith(": (top level): unknown key 'colour'")


def test_unknown_keys_point_at_their_own_line(tmp_path: Path) -> None:
    lesson = "id: a\ntitle: A\nsteps:\n  - id: s\n    text: t\n    colour: blue\n"
    assert load_problems(write_pack(tmp_path, {"a.yaml": lesson})) == [
        "a.yaml:6: steps.0: unknown key 'colour'"]
    pack_yaml = 'id: demo\ntitle: T\nversion: "1.0"\nlessons: [a.yaml]\ncolour: red\n'
    assert load_problems(write_pack(tmp_path / "p", {"a.yaml": "x: 1\n"}, None, pack_yaml)) \
        == ["pack.yaml:5: (top level): unknown key 'colour'"]


def test_schema_errors_point_at_the_value(tmp_path: Path) -> None:
    lesson = "id: a\ntitle: A\nminutes: 0\nsteps:\n  - id: Bad_Id\n    text: t\n"
    assert load_problems(write_pack(tmp_path, {"a.yaml": lesson})) == [
        "a.yaml:3: minutes: 0 is less than the minimum of 1",
        "a.yaml:5: steps.0.id: 'Bad_Id' does not match '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'"]


def test_yaml_syntax_errors_have_their_line(tmp_path: Path) -> None:
    # libyaml and PyYAML's own parser word errors a little differently: the line is what counts
    bad = "id: a\ntitle: A\nsteps:\n  - id: s1\n    text: a: b\n"
    [problem] = load_problems(write_pack(tmp_path / "y", {"a.yaml": bad}))
    assert problem.startswith("a.yaml:5: YAML: mapping values are not allowed")
    # in front matter the line counts from the top of the file, '---' included
    [problem] = load_problems(write_pack(tmp_path / "m", {"a.md": f"---\n{bad}---\n"}))
    assert problem.startswith("a.md:6: YAML: mapping values are not allowed")
    [problem] = load_problems(write_pack(tmp_path / "p", {"a.yaml": "x: 1\n"},
                                         pack_yaml="id: demo\nlessons: [a\n"))
    assert problem.startswith("pack.yaml:3: YAML: ")


@pytest.mark.parametrize(("kinds", "line"), [
    ("exists: {kind: pod}\n        absent: {kind: pod}", 7),
    ("description: says nothing", 7),
])
def test_a_check_needs_exactly_one_kind(tmp_path: Path, kinds: str, line: int) -> None:
    lesson = ("id: a\ntitle: A\nsteps:\n  - id: s\n    text: t\n    checks:\n"
              f"      - {kinds}\n")
    assert load_problems(write_pack(tmp_path, {"a.yaml": lesson})) == [
        f"a.yaml:{line}: steps.0.checks.0: {ONE_OF}"]


def test_missing_pack_yaml(tmp_path: Path) -> None:
    with pytest.raises(PackError) as caught:
        load_pack(tmp_path)
    assert [str(p) for p in caught.value.problems] == [
        f"{tmp_path}: not a lesson pack: no pack.yaml in it"]


def test_a_missing_lesson_file(tmp_path: Path) -> None:
    root = write_pack(tmp_path, {}, pack_yaml='id: d\ntitle: T\nversion: "1"\n'
                                              "lessons: [gone.md]\n")
    assert load_problems(root) == ["pack.yaml: 'gone.md' does not exist in the pack"]


def test_files_inline_and_from_the_pack(tmp_path: Path) -> None:
    lesson = """\
    id: a
    title: A
    files:
      notes.txt: hello
      deep/pod.yaml: {from: manifests/pod.yaml}
    steps:
      - id: s
        text: t
    """
    root = write_pack(tmp_path, {"a.yaml": lesson}, {"manifests/pod.yaml": "kind: Pod\n"})
    assert load_pack(root).lessons[0].files == {"notes.txt": b"hello",
                                                "deep/pod.yaml": b"kind: Pod\n"}


def test_files_that_lead_out_of_the_pack(tmp_path: Path) -> None:
    lesson = """\
    id: a
    title: A
    files:
      ../out.txt: hi
      up: {from: ../../etc/passwd}
      abs: {from: /etc/passwd}
      missing: {from: manifests/none.yaml}
    steps:
      - id: s
        text: t
    """
    assert load_problems(write_pack(tmp_path, {"a.yaml": lesson})) == [
        "a.yaml:4: files: '../out.txt' leads out of its directory ('..')",
        "a.yaml:5: '../../etc/passwd' leads out of its directory ('..')",
        "a.yaml:6: '/etc/passwd' is an absolute path; files must stay inside the pack",
        "a.yaml:7: 'manifests/none.yaml' does not exist in the pack"]


def test_an_absolute_file_name_is_refused_by_the_schema(tmp_path: Path) -> None:
    lesson = "id: a\ntitle: A\nfiles:\n  /etc/x: hi\nsteps:\n  - id: s\n    text: t\n"
    (problem,) = load_problems(write_pack(tmp_path, {"a.yaml": lesson}))
    assert problem.startswith("a.yaml:3: files: '/etc/x' does not match")


def test_links_that_lead_out_of_the_pack(tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("secret\n")
    lesson = "id: a\ntitle: A\nfiles:\n  s.txt: {from: link.txt}\nsteps:\n  - id: s\n" \
             "    text: t\n"
    root = write_pack(tmp_path / "pack", {"a.yaml": lesson})
    os.symlink(outside, root / "link.txt")
    assert load_problems(root) == ["link.txt: is a link that leads out of the pack"]
    # a link that stays inside the pack is fine
    os.remove(root / "link.txt")
    (root / "real.txt").write_text("inside\n")
    os.symlink(root / "real.txt", root / "link.txt")
    assert load_pack(root).lessons[0].files == {"s.txt": b"inside\n"}


def test_a_lesson_file_that_is_a_link_out(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("id: a\ntitle: A\nsteps:\n  - id: s\n    text: t\n")
    root = write_pack(tmp_path / "pack", {}, pack_yaml='id: d\ntitle: T\nversion: "1"\n'
                                                       "lessons: [a.yaml]\n")
    os.symlink(outside, root / "a.yaml")
    assert load_problems(root) == ["a.yaml: is a link that leads out of the pack"]


def test_size_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lesson = "id: a\ntitle: A\nfiles:\n  big: {from: big.bin}\nsteps:\n  - id: s\n    text: t\n"
    root = write_pack(tmp_path, {"a.yaml": lesson}, {"big.bin": "x" * 2000})
    monkeypatch.setattr(loader, "MAX_FILE_BYTES", 1000)
    assert load_problems(root) == ["a.yaml:4: 'big.bin' is larger than 1000 bytes"]
    monkeypatch.setattr(loader, "MAX_PACK_BYTES", 1500)
    assert load_problems(root)[0].startswith(".: the pack holds ")
    assert load_problems(root)[0].endswith(" bytes; the limit is 1500")
    monkeypatch.setattr(loader, "MAX_PACK_FILES", 2)
    assert ".: the pack has 3 files; the limit is 2" in load_problems(root)


def test_a_lesson_that_is_not_utf8(tmp_path: Path) -> None:
    root = write_pack(tmp_path, {}, pack_yaml='id: d\ntitle: T\nversion: "1"\n'
                                              "lessons: [a.yaml]\n")
    (root / "a.yaml").write_bytes(b"id: \xff\n")
    assert load_problems(root) == ["a.yaml: is not UTF-8 text"]


@pytest.mark.parametrize(("name", "why"), [
    ("ok/file.txt", None),
    ("", "'' is not a usable file name"),
    ("a\\b", "'a\\\\b' is not a usable file name"),
    ("/abs", "'/abs' is an absolute path; files must stay inside the pack"),
    ("a/../../b", "'a/../../b' leads out of its directory ('..')"),
])
def test_safe_relative(name: str, why: str | None) -> None:
    assert safe_relative(name) == why
