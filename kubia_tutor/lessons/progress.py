"""A learner's progress, kept in the state dir (`progress.json`): per pack, lesson and step,
with the hints and solutions used, and where to continue.

Written whole to a temporary file and renamed, so a crash never leaves half a file; an
unreadable file is set aside (progress.json.broken) rather than lost or fatal.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FILE = "progress.json"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class LessonProgress:
    step: int = 0  # the step the learner is on
    passed: list[str] = field(default_factory=list)  # ids of steps whose checks all passed
    hints: dict[str, int] = field(default_factory=dict)  # step id -> hints revealed
    solutions: list[str] = field(default_factory=list)  # ids of steps whose solution was shown
    # The current step's commands: {"line", "exit", "output"} (output cut to its end), so
    # checks on commands judge the same after a resume.
    commands: list[dict[str, Any]] = field(default_factory=list)
    started: str = ""
    finished: str = ""

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> LessonProgress:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["commands"] = [c for c in known.get("commands") or []
                             if isinstance(c, dict) and isinstance(c.get("line"), str)]
        return cls(**known)


class Progress:
    """Every pack's progress in one state dir."""

    def __init__(self, state_dir: str | Path) -> None:
        self.path = Path(state_dir) / FILE
        self._data: dict[str, Any] = {"last": None, "packs": {}}
        self._load()

    def _load(self) -> None:
        try:
            loaded = json.loads(self.path.read_text())
        except FileNotFoundError:
            return
        except (OSError, ValueError):
            os.replace(self.path, self.path.with_suffix(".json.broken"))
            return
        if isinstance(loaded, dict) and isinstance(loaded.get("packs"), dict):
            self._data = loaded

    def lesson(self, pack_id: str, lesson_id: str) -> LessonProgress:
        raw = self._data["packs"].get(pack_id, {}).get(lesson_id)
        return LessonProgress.from_data(raw) if isinstance(raw, dict) else LessonProgress()

    def store(self, pack_id: str, lesson_id: str, progress: LessonProgress) -> None:
        """Save one lesson's progress and make it the one to continue."""
        if not progress.started:
            progress.started = _now()
        self._data["packs"].setdefault(pack_id, {})[lesson_id] = asdict(progress)
        self._data["last"] = [pack_id, lesson_id]
        self._save()

    def finish(self, pack_id: str, lesson_id: str, progress: LessonProgress) -> None:
        progress.finished = progress.finished or _now()
        self.store(pack_id, lesson_id, progress)

    def reset(self, pack_id: str, lesson_id: str) -> None:
        self._data["packs"].get(pack_id, {}).pop(lesson_id, None)
        self._save()

    def last(self) -> tuple[str, str] | None:
        """(pack id, lesson id) the learner worked on last."""
        last = self._data.get("last")
        return (str(last[0]), str(last[1])) if isinstance(last, list) and len(last) == 2 else None

    def done(self, pack_id: str) -> set[str]:
        """Ids of the pack's finished lessons."""
        lessons = self._data["packs"].get(pack_id, {})
        return {k for k, v in lessons.items() if isinstance(v, dict) and v.get("finished")}

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".json.tmp")
        temporary.write_text(json.dumps(self._data, indent=1, sort_keys=True) + "\n")
        os.replace(temporary, self.path)
