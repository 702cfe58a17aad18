"""`kubia-tutor pack new DIR`: a working pack to start from (it passes `pack test`)."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path


class ScaffoldError(Exception):
    """The scaffold cannot be written there; str() says why."""


def new_pack(directory: str | Path) -> list[Path]:
    """Write the template pack into `directory` (new or empty); returns the files written."""
    target = Path(directory)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ScaffoldError(f"{target} already exists and is not an empty directory")
    template = resources.files("kubia_tutor.lessons").joinpath("template")
    with resources.as_file(template) as source:
        shutil.copytree(source, target, dirs_exist_ok=True)
    return sorted(p for p in target.rglob("*") if p.is_file())
