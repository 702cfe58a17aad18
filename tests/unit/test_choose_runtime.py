"""`--runtime auto`: Podman when doctor's required checks pass, otherwise the fake runtime
with a notice that says why."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubia_tutor.clock import FakeClock
from kubia_tutor.daemon import cluster as cluster_module
from kubia_tutor.runtime.fake import FakeRuntime
from kubia_tutor.runtime.podman import doctor


def test_auto_falls_back_to_fake_and_says_why(monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path, clock: FakeClock) -> None:
    monkeypatch.setattr(doctor, "run_checks", lambda _state: [
        doctor.Check("podman", False, "podman is not installed", "apt-get install podman"),
        doctor.Check("plain podman", False, "no drop-in", required=False)])
    runtime, notice = cluster_module.choose_runtime("auto", clock, str(tmp_path))
    assert isinstance(runtime, FakeRuntime)
    assert "podman: podman is not installed" in notice
    assert "plain podman" not in notice  # warnings do not decide
    assert "kubia-tutor doctor" in notice


def test_auto_uses_podman_when_doctor_passes(monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path, clock: FakeClock) -> None:
    monkeypatch.setattr(doctor, "run_checks", lambda _state: [
        doctor.Check("podman", True, "podman 4.3.1")])
    made: list[str] = []

    def fake_make(name: str, clk: object, state: str | None) -> FakeRuntime:
        made.append(name)
        return FakeRuntime(clock)

    monkeypatch.setattr(cluster_module, "make_runtime", fake_make)
    _runtime, notice = cluster_module.choose_runtime("auto", clock, str(tmp_path))
    assert made == ["podman"] and notice == ""


def test_auto_falls_back_when_podman_does_not_start(monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path, clock: FakeClock) -> None:
    monkeypatch.setattr(doctor, "run_checks", lambda _state: [])

    def broken(name: str, clk: object, state: str | None) -> FakeRuntime:
        raise RuntimeError("the service socket never answered")

    monkeypatch.setattr(cluster_module, "make_runtime", broken)
    runtime, notice = cluster_module.choose_runtime("auto", clock, str(tmp_path))
    assert isinstance(runtime, FakeRuntime)
    assert "the service socket never answered" in notice


def test_explicit_fake_has_no_notice(tmp_path: Path, clock: FakeClock) -> None:
    runtime, notice = cluster_module.choose_runtime("fake", clock, str(tmp_path))
    assert isinstance(runtime, FakeRuntime) and notice == ""
