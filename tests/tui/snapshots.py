"""Screen snapshots for the TUI's tests: the app's own SVG export (what `App.save_screenshot`
writes), compared with the file kept in __snapshots__/. `KUBIA_UPDATE_SNAPSHOTS=1` rewrites
them after an intended change; on a mismatch the new picture is left beside the old one as
`<name>.actual.svg` to look at."""

from __future__ import annotations

import os
from pathlib import Path

from textual.app import App

SNAPSHOTS = Path(__file__).parent / "__snapshots__"


def assert_snapshot(app: App[object], name: str) -> None:
    picture = app.export_screenshot(title="kubia-tutor")
    expected = SNAPSHOTS / f"{name}.svg"
    actual = SNAPSHOTS / f"{name}.actual.svg"
    if os.environ.get("KUBIA_UPDATE_SNAPSHOTS"):
        SNAPSHOTS.mkdir(exist_ok=True)
        expected.write_text(picture)
        actual.unlink(missing_ok=True)
        return
    assert expected.exists(), f"no snapshot {expected.name}: run with KUBIA_UPDATE_SNAPSHOTS=1"
    if expected.read_text() != picture:
        actual.write_text(picture)
        raise AssertionError(f"{name} differs from its snapshot; see {actual}")
    actual.unlink(missing_ok=True)
