"""Progress in the state dir: saved whole, resumed, reset, a broken file set aside."""

from __future__ import annotations

import json
from pathlib import Path

from kubia_tutor.lessons.progress import LessonProgress, Progress


def test_a_fresh_state_dir_has_no_progress(tmp_path: Path) -> None:
    progress = Progress(tmp_path)
    assert progress.last() is None
    assert progress.lesson("p", "l") == LessonProgress()
    assert progress.done("p") == set()
    assert not (tmp_path / "progress.json").exists()


def test_store_and_load(tmp_path: Path) -> None:
    progress = Progress(tmp_path / "state")
    saved = LessonProgress(step=2, passed=["a", "b"], hints={"c": 1}, solutions=["b"],
                           commands=[{"line": "kubectl get pods", "exit": 1,
                                      "output": "No resources found"}])
    progress.store("pack", "lesson", saved)
    assert saved.started  # set on the first store
    again = Progress(tmp_path / "state")
    assert again.lesson("pack", "lesson") == saved
    assert again.last() == ("pack", "lesson")
    assert again.done("pack") == set()
    data = json.loads((tmp_path / "state" / "progress.json").read_text())
    assert data["last"] == ["pack", "lesson"]
    assert data["packs"]["pack"]["lesson"]["step"] == 2
    assert not (tmp_path / "state" / "progress.json.tmp").exists()


def test_finish_and_last(tmp_path: Path) -> None:
    progress = Progress(tmp_path)
    progress.finish("pack", "one", LessonProgress(step=3))
    progress.store("pack", "two", LessonProgress())
    progress.store("other", "x", LessonProgress())
    again = Progress(tmp_path)
    assert again.done("pack") == {"one"}
    assert again.lesson("pack", "one").finished
    assert again.last() == ("other", "x")


def test_reset_forgets_one_lesson(tmp_path: Path) -> None:
    progress = Progress(tmp_path)
    progress.finish("pack", "one", LessonProgress(step=3))
    progress.store("pack", "two", LessonProgress(step=1))
    progress.reset("pack", "one")
    again = Progress(tmp_path)
    assert again.lesson("pack", "one") == LessonProgress()
    assert again.lesson("pack", "two").step == 1
    assert again.done("pack") == set()


def test_unknown_fields_are_ignored(tmp_path: Path) -> None:
    (tmp_path / "progress.json").write_text(json.dumps(
        {"last": ["p", "l"], "packs": {"p": {"l": {"step": 1, "future": True}}}}))
    assert Progress(tmp_path).lesson("p", "l") == LessonProgress(step=1)


def test_a_broken_file_is_set_aside(tmp_path: Path) -> None:
    (tmp_path / "progress.json").write_text("{not json")
    progress = Progress(tmp_path)
    assert progress.last() is None
    assert (tmp_path / "progress.json.broken").read_text() == "{not json"
    assert not (tmp_path / "progress.json").exists()
    progress.store("p", "l", LessonProgress(step=1))
    assert Progress(tmp_path).lesson("p", "l").step == 1
    assert (tmp_path / "progress.json.broken").read_text() == "{not json"
