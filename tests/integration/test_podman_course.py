"""The built-in course, proven on real Podman: `kubia-tutor pack test lessons/kubia-course
--lesson ID --runtime podman` for every lesson, one test each, so a failure names its lesson.
Each run proves every step's checks fail before its solution and pass after it, on a fresh
daemon of its own that `pack test` resets afterwards."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubia_tutor.cli import main
from kubia_tutor.lessons.loader import load_pack

pytestmark = pytest.mark.podman

COURSE = Path(__file__).resolve().parents[2] / "lessons" / "kubia-course"
LESSONS = [lesson.id for lesson in load_pack(COURSE).lessons]


def test_the_course_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pack", "validate", str(COURSE)]) == 0, capsys.readouterr().err
    assert len(LESSONS) == 18


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_check_of_the_lesson_is_proven(lesson: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["pack", "test", str(COURSE), "--runtime", "podman", "--lesson", lesson])
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"lesson {lesson} (podman runtime)" in out
    assert "passed: 1 of 1 lessons" in out
    assert "not proven" not in out  # http and exec checks really ran in pods
