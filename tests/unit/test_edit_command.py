"""`kubectl edit`: the editor round trip, cancellations, and reopening with the server's
reasons, driven by an editor script instead of a terminal."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from harness import Shell

from kubia_tutor.api.kinds import resolve

CONFIGMAPS = resolve("configmaps")
SERVICES = resolve("services")

# Each run saves what it was given as seen.<n>, then runs step<n> (a sed script) if present.
EDITOR = """#!/bin/sh
n=$(cat "$DIR/count" 2>/dev/null || echo 0)
n=$((n + 1))
echo "$n" > "$DIR/count"
cp "$1" "$DIR/seen.$n"
if [ -f "$DIR/step$n" ]; then sed -i -f "$DIR/step$n" "$1"; fi
"""


@pytest.fixture
def editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory where `step<n>` files script the editor's n-th run."""
    box = tmp_path / "editor"
    box.mkdir()
    script = box / "edit.sh"
    script.write_text(EDITOR)
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("DIR", str(box))
    monkeypatch.setenv("KUBE_EDITOR", str(script))
    return box


def configmap(shell: Shell) -> None:
    shell.cluster.api.create(CONFIGMAPS, "default", {
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"},
        "data": {"sleep-interval": "10"}})


def service(shell: Shell) -> None:
    shell.cluster.api.create(SERVICES, "default", {
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "kubia"},
        "spec": {"selector": {"app": "kubia"}, "ports": [{"port": 80, "targetPort": 8080}]}})


def test_a_change_is_saved_with_the_header_shown(shell: Shell, editor: Path) -> None:
    configmap(shell)
    (editor / "step1").write_text('s/sleep-interval: "10"/sleep-interval: "20"/\n')
    result = shell.run("kubectl edit configmap cfg")
    assert (result.out, result.err, result.code) == ("configmap/cfg edited\n", "", 0)
    assert shell.cluster.api.get(CONFIGMAPS, "default", "cfg")["data"] == \
        {"sleep-interval": "20"}
    seen = (editor / "seen.1").read_text()
    assert seen.startswith("# Please edit the object below. Lines beginning with a '#' will "
                           "be ignored,\n# and an empty file will abort the edit.")
    assert "kind: ConfigMap\n" in seen and "resourceVersion:" in seen


def test_no_change_and_empty_file_cancel(shell: Shell, editor: Path) -> None:
    configmap(shell)
    result = shell.run("kubectl edit cm/cfg")
    assert (result.out, result.err, result.code) == ("", "Edit cancelled, no changes made.\n", 0)
    (editor / "step2").write_text("d\n")
    result = shell.run("kubectl edit cm/cfg")
    assert (result.err, result.code) == ("Edit cancelled, saved file was empty.\n", 0)


def test_invalid_edit_reopens_with_reasons_then_saves_when_fixed(
        shell: Shell, editor: Path) -> None:
    service(shell)
    (editor / "step1").write_text("s/port: 80$/port: 99999/\n")
    (editor / "step2").write_text("s/port: 99999$/port: 81/\n")
    result = shell.run("kubectl edit svc kubia")
    assert (result.out, result.code) == ("service/kubia edited\n", 0), result.err
    reopened = (editor / "seen.2").read_text()
    assert '# services "kubia" was not valid:\n# * spec.ports[0].port: Invalid value: 99999:' \
        in reopened
    assert "port: 99999" in reopened  # the user's edit, not the stored object
    assert shell.cluster.api.get(SERVICES, "default", "kubia")["spec"]["ports"][0]["port"] == 81


def test_quitting_without_fixing_keeps_a_copy(shell: Shell, editor: Path) -> None:
    service(shell)
    (editor / "step1").write_text("s/port: 80$/port: 99999/\n")
    result = shell.run("kubectl edit svc kubia")
    assert result.code == 1
    lines = result.err.splitlines()
    assert lines[0].startswith('A copy of your changes has been stored to "')
    assert lines[1] == "error: Edit cancelled, no valid changes were saved."
    kept = Path(lines[0].split('"')[1])
    assert kept.name.startswith("kubectl-edit-") and kept.suffix == ".yaml"
    assert "port: 99999" in kept.read_text()
    kept.unlink()
    assert shell.cluster.api.get(SERVICES, "default", "kubia")["spec"]["ports"][0]["port"] == 80


def test_syntax_error_is_reported_in_the_reopened_file(shell: Shell, editor: Path) -> None:
    configmap(shell)
    (editor / "step1").write_text("s/^data:$/data: [/\n")
    result = shell.run("kubectl edit configmap cfg")
    assert result.code == 1
    assert "# The edited file had a syntax error: error converting YAML to JSON: yaml:" in \
        (editor / "seen.2").read_text()
    Path(result.err.split('"')[1]).unlink()


def test_json_mode_and_a_changed_name(shell: Shell, editor: Path) -> None:
    configmap(shell)
    (editor / "step1").write_text('s/"name": "cfg"/"name": "other"/\n')
    result = shell.run("kubectl edit configmap cfg -o json")
    assert result.code == 1
    seen = (editor / "seen.2").read_text()
    assert '# configmaps "cfg" could not be patched:\n# * At least one of apiVersion, kind ' \
        "and name was changed\n" in seen
    assert seen.split("#\n", 2)[-1].lstrip().startswith("{")
    Path(result.err.split('"')[1]).unlink()


def test_unknown_object_is_a_one_line_error(shell: Shell, editor: Path) -> None:
    result = shell.run("kubectl edit configmap nope")
    assert result.err == 'Error from server (NotFound): configmaps "nope" not found\n'
    assert result.code == 1
