"""The Podman runtime's pieces without Podman: the tutor's containers.conf, the service's
start/stop logic against a fake `podman` (a script that answers `/_ping`), and the doctor's
checks and report with `shutil.which` and `subprocess.run` faked."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from kubia_tutor.runtime.podman import config, doctor, service
from kubia_tutor.runtime.podman.config import HostFacts
from kubia_tutor.runtime.podman.doctor import Check

HYBRID = HostFacts(cgroups="hybrid", systemd_pid1=False, nofile_hard=20000, nproc_hard=96364)
UNIFIED = HostFacts(cgroups="v2", systemd_pid1=True, nofile_hard=1048576, nproc_hard=1 << 22)

HYBRID_MOUNTS = """\
sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0
tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0
cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0
cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0
cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0
"""
V2_MOUNTS = "cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime,nsdelegate 0 0\n"
V1_MOUNTS = "cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0\n"


# ----- config --------------------------------------------------------------------------------

@pytest.mark.parametrize(("mounts", "expected"), [
    (HYBRID_MOUNTS, "hybrid"), (V2_MOUNTS, "v2"), (V1_MOUNTS, "v1"), ("", "v2"),
])
def test_cgroups_version_from_mounts(mounts: str, expected: str) -> None:
    assert config.cgroups_version(mounts) == expected


def test_detect_host_reads_mounts_pid1_and_limits(tmp_path: Path) -> None:
    mounts = tmp_path / "mounts"
    mounts.write_text(HYBRID_MOUNTS)
    comm = tmp_path / "comm"
    comm.write_text("systemd\n")
    host = config.detect_host(str(mounts), str(comm))
    assert host.cgroups == "hybrid"
    assert host.systemd_pid1
    import resource
    assert host.nofile_hard == resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    assert not config.systemd_is_pid1(str(tmp_path / "missing"))
    comm.write_text("process_api\n")
    assert not config.systemd_is_pid1(str(comm))


def test_conf_for_a_hybrid_host_without_systemd() -> None:
    text = config.containers_conf_text(HYBRID)
    assert tomllib.loads(text) == {
        "containers": {"default_ulimits": ["nofile=20000:20000", "nproc=32768:32768"],
                       "log_driver": "k8s-file"},
        "engine": {"runtime": "runc", "cgroup_manager": "cgroupfs", "events_logger": "file",
                   "exit_command_delay": 1},
        "network": {"network_backend": "netavark"},
    }
    assert text.startswith("# Written by kubia-tutor")


def test_conf_for_a_cgroup_v2_systemd_host_keeps_the_defaults() -> None:
    parsed = tomllib.loads(config.containers_conf_text(UNIFIED))
    assert "runtime" not in parsed["engine"]
    assert "cgroup_manager" not in parsed["engine"]
    assert parsed["engine"]["exit_command_delay"] == 1
    assert parsed["engine"]["events_logger"] == "file"
    assert parsed["containers"]["default_ulimits"] == [
        f"nofile={config.NOFILE_MAX}:{config.NOFILE_MAX}",
        f"nproc={config.NPROC_MAX}:{config.NPROC_MAX}"]
    assert parsed["network"]["network_backend"] == "netavark"


def test_pins_never_exceed_the_hard_limits() -> None:
    low = HostFacts(cgroups="v1", systemd_pid1=False, nofile_hard=4096, nproc_hard=1000)
    assert (low.nofile, low.nproc) == (4096, 1000)
    import resource
    unlimited = HostFacts(cgroups="v1", systemd_pid1=False, nofile_hard=resource.RLIM_INFINITY,
                          nproc_hard=resource.RLIM_INFINITY)
    assert (unlimited.nofile, unlimited.nproc) == (config.NOFILE_MAX, config.NPROC_MAX)
    assert config.ulimits(low) == ["nofile=4096:4096", "nproc=1000:1000"]


def test_conf_is_written_once_and_rewritten_when_the_host_changes(tmp_path: Path) -> None:
    path = config.write_containers_conf(tmp_path / "state", HYBRID)
    assert path == tmp_path / "state" / "podman" / "containers.conf"
    assert path.read_text() == config.containers_conf_text(HYBRID)
    os.utime(path, (1, 1))
    config.write_containers_conf(tmp_path / "state", HYBRID)
    assert path.stat().st_mtime == 1  # already current: not rewritten
    config.write_containers_conf(tmp_path / "state", UNIFIED)
    assert path.read_text() == config.containers_conf_text(UNIFIED)
    assert sorted(p.name for p in path.parent.iterdir()) == ["containers.conf"]


def test_configure_returns_the_environment_to_run_podman_with(tmp_path: Path) -> None:
    base = {"PATH": "/usr/bin", "CONTAINER_HOST": "ssh://elsewhere",
            "CONTAINER_CONNECTION": "remote", "HOME": "/root"}
    env = config.configure(tmp_path, HYBRID, base)
    assert env == {"PATH": "/usr/bin", "HOME": "/root",
                   "CONTAINERS_CONF": str(tmp_path / "podman" / "containers.conf")}
    assert "CONTAINER_HOST" in base  # the caller's mapping is left alone
    assert config.podman_env("/x.conf")["CONTAINERS_CONF"] == "/x.conf"


# ----- the service, against a fake podman ----------------------------------------------------

FAKE_PODMAN = """\
import os, signal, socket, sys
if sys.argv[1:3] != ["system", "service"]:
    sys.exit(2)
path = sys.argv[-1][len("unix://"):]
print("CONTAINERS_CONF=" + os.environ.get("CONTAINERS_CONF", ""), file=sys.stderr, flush=True)
if os.environ.get("FAKE_PODMAN_FAIL"):
    print("Error: the fake was told to fail", file=sys.stderr)
    sys.exit(125)
srv = socket.socket(socket.AF_UNIX)
srv.bind(path)
srv.listen(8)
signal.signal(signal.SIGTERM, lambda *_: (os.unlink(path), sys.exit(0)))
while True:
    conn, _ = srv.accept()
    conn.recv(4096)
    conn.sendall(b"HTTP/1.0 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\nOK")
    conn.close()
"""


@pytest.fixture
def fake_podman(tmp_path: Path) -> str:
    script = tmp_path / "fake-podman"
    script.write_text(f"#!{sys.executable}\n{FAKE_PODMAN}")
    script.chmod(0o755)
    return str(script)


def gone(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] == "Z"


def test_service_starts_answers_and_stops(tmp_path: Path, fake_podman: str) -> None:
    state = tmp_path / "s"
    svc = service.PodmanService(state, podman=fake_podman, host=HYBRID)
    try:
        client = svc.start(timeout=10)
        assert client is svc.start()  # started once
        pid = svc.pid
        assert pid is not None and svc.started_here
        assert svc.startup_ms is not None and svc.startup_ms > 0
        assert svc.ping()
        assert (svc.rss_kib() or 0) > 0
        assert service.pid_file(state).read_text() == f"{pid}\n"
        assert unquote(client.api.base_url.netloc) == str(state / "podman" / "podman.sock")
        assert (state / "podman" / "containers.conf").read_text() == (
            config.containers_conf_text(HYBRID))
    finally:
        svc.close()
    assert gone(pid)
    assert not svc.ping() and svc.pid is None and not service.pid_file(state).exists()
    log = service.log_file(state).read_text()
    assert "kubia-tutor starts" in log
    assert f"CONTAINERS_CONF={state / 'podman' / 'containers.conf'}" in log
    svc.close()  # closing twice is fine


def test_service_already_answering_is_reused_and_left_running(tmp_path: Path,
                                                               fake_podman: str) -> None:
    first = service.PodmanService(tmp_path, podman=fake_podman, host=HYBRID)
    try:
        first.start(timeout=10)
        second = service.PodmanService(tmp_path, podman="/nonexistent/podman", host=HYBRID)
        second.start()
        assert second.pid is None and not second.started_here and second.startup_ms is None
        second.close()
        assert first.ping()
    finally:
        first.close()


def test_service_that_exits_is_reported_with_its_log(tmp_path: Path, fake_podman: str) -> None:
    svc = service.PodmanService(tmp_path, podman=fake_podman, host=HYBRID,
                                base_env={**os.environ, "FAKE_PODMAN_FAIL": "1"})
    with pytest.raises(service.ServiceError, match=r"status 125:\n(.|\n)*told to fail"):
        svc.start(timeout=10)
    assert svc.pid is None and not service.pid_file(tmp_path).exists()


def test_service_without_podman_or_with_a_long_path(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda *a, **k: None)
    with pytest.raises(service.ServiceError, match="podman is not installed"):
        service.PodmanService(tmp_path).start()
    with pytest.raises(service.ServiceError, match="longer than 107 bytes"):
        service.PodmanService(tmp_path / ("x" * 100)).start()


def test_stale_socket_is_replaced(tmp_path: Path, fake_podman: str) -> None:
    sock = service.socket_file(tmp_path)
    sock.parent.mkdir(parents=True)
    sock.write_text("")  # left by a service that died
    with service.PodmanService(tmp_path, podman=fake_podman, host=HYBRID) as svc:
        svc.start(timeout=10)
        assert svc.started_here and svc.ping()


def test_stop_recorded_stops_only_this_state_dirs_service(tmp_path: Path,
                                                          fake_podman: str) -> None:
    assert service.stop_recorded(tmp_path) is None  # nothing recorded
    svc = service.PodmanService(tmp_path, podman=fake_podman, host=HYBRID)
    try:
        svc.start(timeout=10)
        pid = svc.pid
        assert pid is not None
        other = tmp_path / "other"
        service.pid_file(other).parent.mkdir(parents=True)
        service.pid_file(other).write_text(f"{pid}\n")  # a PID that is not other's service
        assert service.stop_recorded(other) is None
        assert not gone(pid)
        assert service.stop_recorded(tmp_path) == pid
        assert gone(pid) and not service.pid_file(tmp_path).exists()
    finally:
        svc.close()


class PingServer:
    """A unix socket that answers every request with `reply`."""

    def __init__(self, path: Path, reply: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.bind(str(path))
        self.sock.listen(4)
        self.reply = reply
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.recv(4096)
                conn.sendall(self.reply)

    def close(self) -> None:
        self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self.thread.join(5)


@pytest.fixture
def answering(tmp_path: Path) -> Iterator[Path]:
    """A state dir whose service socket answers `_ping`."""
    server = PingServer(service.socket_file(tmp_path / "st"), b"HTTP/1.1 200 OK\r\n\r\nOK")
    yield tmp_path / "st"
    server.close()


def test_ping(tmp_path: Path, answering: Path) -> None:
    assert service.ping(service.socket_file(answering))
    assert not service.ping(tmp_path / "missing.sock")
    server = PingServer(tmp_path / "err.sock", b"HTTP/1.1 500 Internal Server Error\r\n\r\n")
    try:
        assert not service.ping(tmp_path / "err.sock")
    finally:
        server.close()


# ----- doctor: ELF, versions ------------------------------------------------------------------

def elf(path: Path, *types: int, bits: int = 64) -> Path:
    """A minimal little-endian ELF file whose program headers have these p_types."""
    if bits == 64:
        header = bytearray(64)
        phentsize, phoff = 56, 64
        struct.pack_into("<Q", header, 32, phoff)
        struct.pack_into("<HH", header, 54, phentsize, len(types))
    else:
        header = bytearray(52)
        phentsize, phoff = 32, 52
        struct.pack_into("<I", header, 28, phoff)
        struct.pack_into("<HH", header, 42, phentsize, len(types))
    header[:6] = b"\x7fELF" + bytes([2 if bits == 64 else 1, 1])
    table = b"".join(struct.pack("<I", t) + bytes(phentsize - 4) for t in types)
    path.write_bytes(bytes(header) + table)
    return path


def test_elf_is_static(tmp_path: Path) -> None:
    assert doctor.elf_is_static(elf(tmp_path / "static", 1, 1, 4)) is True
    assert doctor.elf_is_static(elf(tmp_path / "dynamic", 6, 3, 1)) is False
    assert doctor.elf_is_static(elf(tmp_path / "static32", 1, bits=32)) is True
    assert doctor.elf_is_static(elf(tmp_path / "dynamic32", 3, 1, bits=32)) is False
    (tmp_path / "script").write_text("#!/bin/sh\n")
    assert doctor.elf_is_static(tmp_path / "script") is None
    assert doctor.elf_is_static(tmp_path / "missing") is None
    truncated = elf(tmp_path / "truncated", 1, 1)
    truncated.write_bytes(truncated.read_bytes()[:80])
    assert doctor.elf_is_static(truncated) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("podman version 4.3.1\n", (4, 3, 1)), ("podman version 5.0.0-dev", (5, 0, 0)),
    ("runc version 1.1.5+ds1", (1, 1, 5)), ("crun version 1.8", (1, 8, 0)), ("nothing", None),
])
def test_parse_version(text: str, expected: tuple[int, int, int] | None) -> None:
    assert doctor.parse_version(text) == expected


# ----- doctor: the checks with fakes -----------------------------------------------------------

class FakeHost:
    """Stands in for `shutil.which` and `subprocess.run`: `programs` maps names to paths,
    `outputs` maps a program's name to (status, stdout, stderr) of every run."""

    def __init__(self) -> None:
        self.programs = {
            "podman": "/usr/bin/podman", "runc": "/usr/sbin/runc", "conmon": "/usr/bin/conmon",
            "catatonit": "/usr/bin/catatonit", "netavark": "/usr/lib/podman/netavark",
            "aardvark-dns": "/usr/lib/podman/aardvark-dns", "iptables": "/usr/sbin/iptables",
        }
        self.outputs: dict[str, tuple[int, str, str]] = {
            "podman": (0, "podman version 4.3.1\n", ""),
            "runc": (0, "runc version 1.1.5+ds1\ncommit: v1.1.5\nspec: 1.0.2-dev\n", ""),
            "crun": (0, "crun version 1.8.1\n", ""),
        }
        self.can_raise = False
        self.runs: list[list[str]] = []

    def which(self, name: str, mode: int = os.F_OK | os.X_OK, path: str | None = None
              ) -> str | None:
        found = self.programs.get(name)
        dirs = ["/usr/bin", "/bin"] if path is None else path.split(os.pathsep)
        return found if found is not None and os.path.dirname(found) in dirs else None

    def run(self, argv: Sequence[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        args = list(argv)
        self.runs.append(args)
        if args[0] == sys.executable:
            return subprocess.CompletedProcess(args, 0 if self.can_raise else 1, "", "")
        status, out, err = self.outputs[os.path.basename(args[0])]
        return subprocess.CompletedProcess(args, status, out, err)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeHost:
    host = FakeHost()
    monkeypatch.setattr(shutil, "which", host.which)
    monkeypatch.setattr(subprocess, "run", host.run)
    return host


@pytest.fixture
def busybox(tmp_path: Path) -> str:
    return str(elf(tmp_path / "busybox", 1, 1))


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {check.name: check for check in checks}


CheckRunner = Callable[..., list[Check]]


@pytest.fixture
def checks(tmp_path: Path, busybox: str) -> CheckRunner:
    def run(host: HostFacts = HYBRID, **kwargs: Any) -> list[Check]:
        kwargs.setdefault("busybox", busybox)
        kwargs.setdefault("dropin", str(tmp_path / "dropin.conf"))
        return doctor.run_checks(tmp_path / "state", host=host, **kwargs)
    return run


def test_a_complete_host_passes(fake: FakeHost, checks: CheckRunner, tmp_path: Path) -> None:
    result = checks()
    assert [c.name for c in result] == [
        "podman", "cgroups", "OCI runtime", "conmon", "catatonit", "netavark", "aardvark-dns",
        "iptables", "busybox-static", "rlimits", "plain podman", "podman service"]
    assert doctor.passes(result)
    found = by_name(result)
    assert found["podman"].detail == "podman 4.3.1 (/usr/bin/podman)"
    assert found["OCI runtime"].detail == "runc 1.1.5 (/usr/sbin/runc)"
    assert found["netavark"].detail.startswith("/usr/lib/podman/netavark")
    assert "crun refuses it, runc is used" in found["cgroups"].detail
    assert "cgroup manager cgroupfs" in found["cgroups"].detail
    assert not found["podman service"].ok and not found["podman service"].required
    assert not (tmp_path / "state").exists()  # doctor writes nothing into the state dir
    assert not (tmp_path / "dropin.conf").exists()


def test_missing_podman_fails_and_installs_everything(fake: FakeHost,
                                                      checks: CheckRunner) -> None:
    del fake.programs["podman"]
    result = checks(deep=True)
    found = by_name(result)
    assert not found["podman"].ok
    assert found["podman"].fix == doctor.install_command(*doctor.PACKAGES)
    assert not found["container starts"].ok and "not tried" in found["container starts"].detail
    assert not found["podman service"].ok and found["podman service"].required
    assert not doctor.passes(result)
    assert not any(run[0].endswith("podman") for run in fake.runs)


def test_old_or_broken_podman(fake: FakeHost, checks: CheckRunner) -> None:
    fake.outputs["podman"] = (0, "podman version 4.2.0\n", "")
    found = by_name(checks())["podman"]
    assert not found.ok and found.detail == "podman 4.2.0 is older than 4.3"
    assert found.fix.startswith(doctor.install_command("podman"))
    fake.outputs["podman"] = (1, "", "cannot read containers.conf\n")
    found = by_name(checks())["podman"]
    assert not found.ok and "cannot read containers.conf" in found.detail


def test_runtime_must_be_runc_on_hybrid_cgroups(fake: FakeHost, checks: CheckRunner) -> None:
    del fake.programs["runc"]
    fake.programs["crun"] = "/usr/bin/crun"
    found = by_name(checks(HYBRID))["OCI runtime"]
    assert not found.ok and "crun does not work" in found.detail
    assert found.fix == doctor.install_command("runc")
    found = by_name(checks(UNIFIED))["OCI runtime"]
    assert found.ok and found.detail == "crun 1.8.1 (/usr/bin/crun)"


def test_runc_is_fine_on_cgroup_v2_and_nothing_is_not(fake: FakeHost,
                                                       checks: CheckRunner) -> None:
    assert by_name(checks(UNIFIED))["OCI runtime"].detail.startswith("runc 1.1.5")
    del fake.programs["runc"]
    found = by_name(checks(UNIFIED))["OCI runtime"]
    assert not found.ok and found.fix == doctor.install_command("crun")


@pytest.mark.parametrize("program", ["conmon", "catatonit", "netavark", "aardvark-dns",
                                     "iptables"])
def test_missing_helpers(fake: FakeHost, checks: CheckRunner, program: str) -> None:
    del fake.programs[program]
    result = checks()
    found = by_name(result)[program]
    assert not found.ok and found.fix == doctor.install_command(program)
    assert not doctor.passes(result)


def test_busybox_must_be_static(fake: FakeHost, checks: CheckRunner, tmp_path: Path) -> None:
    found = by_name(checks(busybox=str(elf(tmp_path / "dyn", 3, 1))))["busybox-static"]
    assert not found.ok and "dynamically linked" in found.detail
    assert found.fix == doctor.install_command("busybox-static")
    found = by_name(checks(busybox=str(tmp_path / "none")))["busybox-static"]
    assert not found.ok and "missing" in found.detail
    result = checks(busybox=str(tmp_path / "none"), deep=True)
    assert "not tried" in by_name(result)["container starts"].detail


def test_rlimits_explain_the_pin(fake: FakeHost, checks: CheckRunner) -> None:
    found = by_name(checks())["rlimits"]
    assert found.ok
    assert "raising them is not permitted here" in found.detail
    assert "nofile=20000:20000 and nproc=32768:32768" in found.detail
    fake.can_raise = True
    assert "podman may raise nofile to 1048576" in by_name(checks())["rlimits"].detail


def test_plain_podman_dropin(fake: FakeHost, checks: CheckRunner, tmp_path: Path) -> None:
    dropin = tmp_path / "conf.d" / "kubia-tutor.conf"
    found = by_name(checks(dropin=str(dropin)))["plain podman"]
    assert not found.ok and not found.required and found.fix == "kubia-tutor doctor --fix"
    assert "default_ulimits, runtime, cgroup_manager, events_logger" in found.detail
    assert doctor.fix(host=HYBRID, can_raise=False, path=str(dropin)) == dropin
    assert tomllib.loads(dropin.read_text()) == {
        "containers": {"default_ulimits": ["nofile=20000:20000", "nproc=32768:32768"]},
        "engine": {"runtime": "runc", "cgroup_manager": "cgroupfs", "events_logger": "file"},
    }
    found = by_name(checks(dropin=str(dropin)))["plain podman"]
    assert found.ok and found.detail == f"configured by {dropin}"
    fake.can_raise = True  # the host changed: the drop-in is out of date
    assert "is out of date" in by_name(checks(dropin=str(dropin)))["plain podman"].detail


def test_a_host_that_needs_no_dropin(fake: FakeHost, checks: CheckRunner, tmp_path: Path) -> None:
    fake.can_raise = True
    found = by_name(checks(UNIFIED))["plain podman"]
    assert found.ok and found.detail == "needs no configuration on this host"
    target = tmp_path / "never.conf"
    assert doctor.fix(host=UNIFIED, can_raise=True, path=str(target)) is None
    assert not target.exists()
    assert doctor.dropin_settings(UNIFIED, can_raise=True) == {}


def test_service_socket_that_answers(fake: FakeHost, busybox: str, answering: Path,
                                     tmp_path: Path) -> None:
    result = doctor.run_checks(answering, host=HYBRID, busybox=busybox,
                               dropin=str(tmp_path / "d.conf"))
    found = by_name(result)["podman service"]
    assert found.ok and found.detail == f"answers on {service.socket_file(answering)}"


def test_install_command_uses_sudo_when_not_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert doctor.install_command("runc", "catatonit") == (
        "sudo apt-get install -y runc catatonit")
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert doctor.install_command("runc") == "apt-get install -y runc"


def test_can_raise_nofile_runs_a_child(fake: FakeHost) -> None:
    assert not doctor.can_raise_nofile()
    fake.can_raise = True
    assert doctor.can_raise_nofile()
    assert fake.runs[-1][:2] == [sys.executable, "-c"]
    assert "RLIMIT_NOFILE, (1048576, 1048576)" in fake.runs[-1][2]


# ----- doctor: the report ---------------------------------------------------------------------

def test_report_of_a_passing_host() -> None:
    report = doctor.format_report([
        Check("podman", True, "podman 4.3.1 (/usr/bin/podman)"),
        Check("plain podman", False, "not configured", "kubia-tutor doctor --fix",
              required=False),
    ])
    assert report == (
        "✓ podman        podman 4.3.1 (/usr/bin/podman)\n"
        "! plain podman  not configured\n"
        "                fix: kubia-tutor doctor --fix\n"
        "\n"
        "All required checks pass (1 warning).\n")


def test_report_of_a_failing_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    checks = [
        Check("podman", True, "podman 4.3.1"),
        Check("OCI runtime", False, "runc is not installed", doctor.install_command("runc")),
        Check("netavark", False, "not installed", doctor.install_command("netavark")),
        Check("aardvark-dns", False, "not installed", doctor.install_command("aardvark-dns")),
        Check("old", False, "too old", doctor.install_command("runc") + "  (runc 9 or newer)"),
    ]
    report = doctor.format_report(checks)
    lines = report.splitlines()
    assert lines[0] == "✓ podman        podman 4.3.1"
    assert lines[1] == "✗ OCI runtime   runc is not installed"
    assert lines[2] == "                fix: apt-get install -y runc"
    assert lines[-2] == "4 checks failed."
    assert lines[-1] == "Install what is missing: apt-get install -y runc netavark aardvark-dns"
    assert not doctor.passes(checks)


def test_report_wraps_long_details() -> None:
    report = doctor.format_report([Check("rlimits", True, "word " * 40)], width=60)
    lines = report.splitlines()[:-2]
    assert len(lines) > 1 and all(len(line) <= 60 for line in lines)
    assert all(line.startswith(" " * 11) for line in lines[1:])
    assert doctor.format_report([]) == "\nAll required checks pass.\n"


def test_passes_ignores_warnings() -> None:
    assert doctor.passes([Check("a", True, ""), Check("b", False, "", required=False)])
    assert not doctor.passes([Check("a", False, "")])


def test_terminate_kills_a_process_that_ignores_sigterm(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c",
                             "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                             "print('ready', flush=True)\ntime.sleep(60)"],
                            stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None and proc.stdout.readline() == b"ready\n"
        started = time.monotonic()
        service._terminate(proc.pid, wait=0.2)
        assert proc.wait(5) == -signal.SIGKILL
        assert time.monotonic() - started < 3
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def test_command_and_args_expand_the_containers_environment() -> None:
    """`$(VAR)` in command and args comes from the container's env (the book's
    fortune-args-from-configmap passes `$(INTERVAL)`); `$$` escapes, unknown names stay."""
    from kubia_tutor.runtime.podman.specs import container_kwargs

    kwargs = container_kwargs(
        {"name": "html-generator", "command": ["/bin/fortuneloop.sh", "$$(HOME)"],
         "args": ["$(INTERVAL)", "$(MISSING)"]},
        name="c", pod_id="p", labels={}, env={"INTERVAL": "25"}, host=UNIFIED,
        refused_limits={})
    assert kwargs["entrypoint"] == ["/bin/fortuneloop.sh", "$(HOME)"]
    assert kwargs["command"] == ["25", "$(MISSING)"]
