"""`kubia-tutor pack test` on real Podman: the example pack of docs/authoring.md passes, its
`http` check included (a GET from inside a pod through a service), and a pack whose check
cannot fail is caught. Each lesson runs on a daemon of its own in a temporary state dir,
which `pack test` resets (containers, pods, network) when the lesson ends."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kubia_tutor.cli import main

pytestmark = pytest.mark.podman

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "example-pack"


def test_the_example_pack_passes_on_podman(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["pack", "test", str(EXAMPLE), "--runtime", "podman"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "lesson replicas (podman runtime)" in out
    assert "not proven" not in out  # the http check really ran inside a pod
    assert "passed: 2 of 2 lessons, 6 of 6 steps" in out


def test_a_check_that_cannot_fail_is_caught_on_podman(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(EXAMPLE, pack)
    lesson = pack / "labels.md"
    # a check that holds before the step: the setup's pod exists from the start
    lesson.write_text(lesson.read_text().replace(
        "      - field:\n          kind: pod\n          name: kubia-manual\n"
        "          path: metadata.labels.creation_method",
        "      - exists: {kind: pod, name: kubia-manual}\n      - field:\n          kind: pod\n"
        "          name: kubia-manual\n          path: metadata.labels.creation_method", 1))
    code = main(["pack", "test", str(pack), "--runtime", "podman", "--lesson", "labels"])
    out = capsys.readouterr().out
    assert code == 1, out
    assert "FAIL step 1 label" in out
    assert "check 'exists: pod kubia-manual' passes before the solution" in out
