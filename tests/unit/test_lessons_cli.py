"""Installing packs (directory, .tar.gz, .zip) and the `kubia-tutor pack` commands."""

from __future__ import annotations

import io
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from lessons_fixtures import write_pack

from kubia_tutor.cli import main
from kubia_tutor.lessons.packs import find_packs, install, installed_dir
from kubia_tutor.lessons.problems import PackError
from kubia_tutor.lessons.scaffold import ScaffoldError, new_pack

LESSON = "id: one\ntitle: One\nsteps:\n  - id: s\n    text: t\n"


def pack_dir(tmp_path: Path) -> Path:
    return write_pack(tmp_path / "src" / "demo", {"one.yaml": LESSON},
                      {"manifests/pod.yaml": "kind: Pod\n"})


def problems(caught: pytest.ExceptionInfo[PackError]) -> list[str]:
    return [str(p) for p in caught.value.problems]


def test_install_from_a_directory_replaces_an_older_copy(tmp_path: Path) -> None:
    source = pack_dir(tmp_path)
    state = tmp_path / "state"
    pack = install(source, state)
    assert (pack.id, pack.root) == ("demo", installed_dir(state) / "demo")
    assert (pack.root / "manifests" / "pod.yaml").read_text() == "kind: Pod\n"
    (pack.root / "stale.txt").write_text("old")
    install(source, state)
    assert not (pack.root / "stale.txt").exists()


def test_install_from_a_tar_gz_with_a_top_directory(tmp_path: Path) -> None:
    source = pack_dir(tmp_path)
    archive = tmp_path / "demo.tar.gz"
    with tarfile.open(archive, "w:gz") as tarred:
        tarred.add(source, arcname="demo-1.0")
    pack = install(archive, tmp_path / "state")
    assert pack.id == "demo"
    assert [lesson.id for lesson in pack.lessons] == ["one"]


def test_install_from_a_zip(tmp_path: Path) -> None:
    source = pack_dir(tmp_path)
    archive = tmp_path / "demo.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in source.rglob("*"):
            zipped.write(path, str(path.relative_to(source)))
    assert install(archive, tmp_path / "state").id == "demo"


def test_an_archive_leading_out_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("pack.yaml", "id: x\n")
        zipped.writestr("../evil.txt", "gotcha")
    with pytest.raises(PackError) as caught:
        install(archive, tmp_path / "state")
    assert problems(caught) == ["evil.zip: '../evil.txt' leads out of its directory ('..')"]
    tarred_archive = tmp_path / "evil.tar.gz"
    with tarfile.open(tarred_archive, "w:gz") as tarred:
        data = b"gotcha"
        member = tarfile.TarInfo("../evil.txt")
        member.size = len(data)
        tarred.addfile(member, io.BytesIO(data))
    with pytest.raises(PackError) as caught:
        install(tarred_archive, tmp_path / "state")
    (problem,) = problems(caught)
    assert problem.startswith("evil.tar.gz: cannot unpack: ")
    assert "is outside the destination" in problem
    assert not (tmp_path / "evil.txt").exists()
    assert not installed_dir(tmp_path / "state").exists()


def test_an_archive_without_pack_yaml(tmp_path: Path) -> None:
    archive = tmp_path / "empty.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("readme.txt", "no pack here")
    with pytest.raises(PackError) as caught:
        install(archive, tmp_path / "state")
    assert problems(caught) == [
        "empty.zip: the archive holds no pack.yaml (at its top or in one top directory)"]


def test_other_sources_are_refused(tmp_path: Path) -> None:
    (tmp_path / "pack.rar").write_text("x")
    with pytest.raises(PackError) as caught:
        install(tmp_path / "pack.rar", tmp_path / "state")
    assert problems(caught) == ["pack.rar: not a pack: give a directory or a .tar.gz, .tgz, "
                                ".tar or .zip archive"]
    with pytest.raises(PackError) as caught:
        install(tmp_path / "nowhere", tmp_path / "state")
    assert problems(caught) == [f"{tmp_path / 'nowhere'}: no such file or directory"]


def test_an_invalid_pack_is_not_installed(tmp_path: Path) -> None:
    source = write_pack(tmp_path / "bad", {"one.yaml": LESSON + "    checks:\n"
                                                    "      - count: {kind: pod}\n"})
    with pytest.raises(PackError) as caught:
        install(source, tmp_path / "state")
    assert problems(caught) == ["one.yaml:7: step s: count: say how many (equals, atLeast or "
                                "atMost)"]
    assert not installed_dir(tmp_path / "state").exists()


def test_find_packs_lists_broken_ones_too(tmp_path: Path) -> None:
    state = tmp_path / "state"
    install(pack_dir(tmp_path), state)
    broken = installed_dir(state) / "broken"
    broken.mkdir()
    (broken / "pack.yaml").write_text("id: broken\n")
    found = [f for f in find_packs(state) if f.source == "installed"]
    assert [(f.path.name, f.pack.id if f.pack else None) for f in found] == \
        [("broken", None), ("demo", "demo")]
    assert found[0].error is not None


def test_cli_pack_validate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pack", "validate", str(pack_dir(tmp_path))]) == 0
    assert capsys.readouterr().out == "pack demo 1.0 is valid: 1 lesson, 1 step, 0 checks\n"
    bad = write_pack(tmp_path / "bad", {"one.yaml": LESSON + "    checks:\n"
                                                 "      - count: {kind: pod}\n"
                                                 "      - ready: {kind: svc, name: x}\n"})
    assert main(["pack", "validate", str(bad)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ("one.yaml:7: step s: count: say how many (equals, atLeast or "
                            "atMost)\none.yaml:8: step s: ready: works on pod, not service\n"
                            "2 problems\n")
    assert main(["pack", "validate", str(tmp_path / "nowhere")]) == 1
    assert capsys.readouterr().err == (f"{tmp_path / 'nowhere'}: not a lesson pack: no "
                                       "pack.yaml in it\n1 problem\n")


def test_cli_pack_new_install_and_list(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "mine"
    assert main(["pack", "new", str(target)]) == 0
    out = capsys.readouterr().out
    assert f"created {target / 'pack.yaml'}\n" in out
    assert out.endswith(f"next: kubia-tutor pack validate {target} && kubia-tutor pack test "
                        f"{target}\n")
    assert main(["pack", "validate", str(target)]) == 0
    assert capsys.readouterr().out == ("pack my-pack 0.1 is valid: 1 lesson, 3 steps, "
                                       "5 checks\n")
    assert main(["pack", "new", str(target)]) == 1
    assert capsys.readouterr().err == (f"error: {target} already exists and is not an empty "
                                       "directory\n")
    state = str(tmp_path / "state")
    assert main(["pack", "install", str(target), "--state-dir", state]) == 0
    assert capsys.readouterr().out == "installed pack my-pack 0.1 (1 lesson)\n"
    assert main(["pack", "list", "--state-dir", state]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["ID", "VERSION", "LESSONS", "SOURCE", "TITLE"]
    assert "my-pack                  0.1       1        installed  My first lesson pack" in lines
    assert main(["pack", "install", str(tmp_path / "nowhere"), "--state-dir", state]) == 1
    assert capsys.readouterr().err == f"{tmp_path / 'nowhere'}: no such file or directory\n" \
                                      "1 problem\n"


def test_cli_pack_list_with_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kubia_tutor.lessons.packs.builtin_dir", lambda: tmp_path / "none")
    assert main(["pack", "list", "--state-dir", str(tmp_path / "state")]) == 0
    assert capsys.readouterr().out == "no lesson packs found\n"


def test_new_pack_into_an_empty_directory(tmp_path: Path) -> None:
    written = new_pack(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in written] == [
        "first-pod.md", "manifests/kubia-manual.yaml", "pack.yaml"]
    with pytest.raises(ScaffoldError):
        new_pack(tmp_path / "pack.yaml")


def test_pack_commands_write_to_the_current_stdout(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Not the stream of the moment the module was imported."""
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    assert main(["pack", "validate", str(pack_dir(tmp_path))]) == 0
    assert out.getvalue() == "pack demo 1.0 is valid: 1 lesson, 1 step, 0 checks\n"
