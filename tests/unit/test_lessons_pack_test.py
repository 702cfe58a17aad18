"""`pack test`: every check fails before its solution and passes after, on a real sandbox
(a daemon in a temp state dir, fake runtime)."""

from __future__ import annotations

import gc
import warnings
from pathlib import Path

import pytest
from lessons_fixtures import write_pack

from kubia_tutor.lessons.lesson_run import LessonError
from kubia_tutor.lessons.loader import load_pack
from kubia_tutor.lessons.pack_test import run_pack_tests
from kubia_tutor.lessons.packs import builtin_dir
from kubia_tutor.lessons.scaffold import new_pack

pytestmark = pytest.mark.slow

BAD = """\
id: bad
title: Bad
steps:
  - id: always
    text: t
    checks:
      - exists: {kind: namespace, name: default}
    solution: [kubectl get ns]
  - id: unproven
    text: t
    checks:
      - exists: {kind: pod, name: kubia}
  - id: wrong
    text: t
    timeout: 0.5
    checks:
      - field: {kind: configmap, name: cm, path: data.mode, equals: slow}
        description: the mode is slow
    solution:
      - kubectl create configmap cm --from-literal=mode=fast
      - kubectl get pod nothing-here
  - id: reading
    text: t
    solution: [kubectl get pods]
"""


def test_the_scaffold_passes(tmp_path: Path) -> None:
    new_pack(tmp_path / "pack")
    heard: list[str] = []
    (outcome,) = run_pack_tests(load_pack(tmp_path / "pack"), "fake", report=heard.append)
    assert (outcome.lesson, outcome.runtime, outcome.error, outcome.ok) == \
        ("first-pod", "fake", "", True)
    assert heard == ["lesson first-pod (fake runtime)", "  ok   step 1 create",
                     "  ok   step 2 label", "  ok   step 3 delete"]


def test_checks_that_prove_nothing_are_failures(tmp_path: Path) -> None:
    pack = load_pack(write_pack(tmp_path / "pack", {"bad.yaml": BAD}))
    heard: list[str] = []
    (outcome,) = run_pack_tests(pack, "fake", report=heard.append)
    assert not outcome.ok
    assert [(s.step, s.ok, s.lines) for s in outcome.steps] == [
        ("always", False, ["check 'exists: namespace default' passes before the solution: it "
                           "cannot tell whether the step was done"]),
        ("unproven", False, ["has checks but no solution to prove them with"]),
        ("wrong", False, ["solution line 'kubectl get pod nothing-here' exited 1: Error from "
                          'server (NotFound): pods "nothing-here" not found',
                          "check 'the mode is slow' fails after the solution: expected "
                          "data.mode slow on configmap cm, found fast"]),
        ("reading", True, ["no checks (a reading step)"])]
    assert heard[0] == "lesson bad (fake runtime)"
    assert "  FAIL step 1 always" in heard
    assert "  ok   step 4 reading" in heard


def test_an_unknown_lesson(tmp_path: Path) -> None:
    pack = load_pack(write_pack(tmp_path / "pack", {"bad.yaml": BAD}))
    with pytest.raises(LessonError, match="pack demo has no lesson 'nope'"):
        run_pack_tests(pack, "fake", lesson_id="nope")


def test_builtin_dir_is_beside_the_package() -> None:
    assert builtin_dir().name == "lessons"


def test_pack_test_closes_its_connection(tmp_path: Path) -> None:
    pack = load_pack(write_pack(tmp_path / "pack", {"r.yaml": "id: r\ntitle: R\nsteps:\n"
                                                               "  - id: s\n    text: t\n"}))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        (outcome,) = run_pack_tests(pack, "fake", report=lambda line: None)
        gc.collect()
    assert outcome.ok
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []
