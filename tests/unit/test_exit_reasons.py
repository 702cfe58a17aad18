"""Why a Podman container exited, beyond what Podman says: OOM kills from the kernel log, and
commands that could not be run from the init's message."""

from __future__ import annotations

from pathlib import Path

from kubia_tutor.runtime.cri import EXITED, RUNNING, ContainerInstance
from kubia_tutor.runtime.podman.exits import ExitExplainer, OomLog, command_line

VICTIM = "a68f5117c3d06fa736a371721d158c92886f07bf52a94494a3dc2308ba8dfe9b"
OTHER = "503d56cef48aace77cba611faae70f4bd7854b23ec1e4e44178009e4c969c126"
LINE = ("6,1234,9597183789,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),"
        f"cpuset=libpod-{VICTIM},mems_allowed=0,oom_memcg=/libpod_parent/libpod-{VICTIM},"
        f"task_memcg=/libpod_parent/libpod-{VICTIM},task=sh,pid=10069,uid=0\n")


def exited(cid: str, code: int) -> ContainerInstance:
    return ContainerInstance("main", 0, cid, "busybox", "", EXITED, exit_code=code)


def no_log() -> str:
    return ""


def test_only_the_named_container_is_oom_killed(tmp_path: Path) -> None:
    kmsg = tmp_path / "kmsg"
    kmsg.write_text("6,1,1,-;podman1: port 1(veth0) entered forwarding state\n" + LINE)
    log = OomLog(str(kmsg))
    explain = ExitExplainer(log).explain
    assert explain(exited(VICTIM, 137), no_log, []).oom_killed
    assert not explain(exited(OTHER, 137), no_log, []).oom_killed
    assert not ExitExplainer(log).explain(exited(VICTIM, 1), no_log, []).oom_killed
    log.close()


def test_new_records_are_read_as_they_come(tmp_path: Path) -> None:
    kmsg = tmp_path / "kmsg"
    kmsg.write_text("")
    log = OomLog(str(kmsg))
    assert not log.killed(VICTIM)
    with kmsg.open("a") as handle:
        handle.write(LINE)
    assert log.killed(VICTIM)
    log.close()


def test_an_unreadable_log_means_podmans_word(tmp_path: Path) -> None:
    explain = ExitExplainer(OomLog(str(tmp_path / "missing"))).explain
    assert not explain(exited(VICTIM, 137), no_log, []).oom_killed


def test_a_missing_command_cannot_run(tmp_path: Path) -> None:
    explain = ExitExplainer(OomLog(str(tmp_path / "missing"))).explain
    log = "ERROR (catatonit:6): failed to exec pid1: No such file or directory\n"
    found = explain(exited(OTHER, 1), lambda: log, ["nosuchcmd", "--flag"])
    assert (found.exit_code, found.reason) == (127, "ContainerCannotRun")
    assert found.message == ('OCI runtime create failed: container_linux.go:370: starting '
                             'container process caused: exec: "nosuchcmd": executable file '
                             "not found in $PATH: unknown")
    # an ordinary exit 1 stays an Error; running containers are left alone
    plain = ExitExplainer(OomLog(str(tmp_path / "missing"))).explain(
        exited(VICTIM, 1), lambda: "boom\n", ["sh"])
    assert (plain.exit_code, plain.reason) == (1, "")
    running = ContainerInstance("main", 0, VICTIM, "busybox", "", RUNNING)
    assert explain(running, lambda: log, []) is running


def test_command_line_leaves_out_podmans_init() -> None:
    data = {"Config": {"Entrypoint": ["/run/podman-init", "--"], "Cmd": ["sleep", "9"]}}
    assert command_line(data) == ["sleep", "9"]
    assert command_line({}) == []
    # as Podman 4.3 inspects it: the entrypoint one string
    data = {"Config": {"Entrypoint": "/run/podman-init --", "Cmd": ["nosuchcmd"]}}
    assert command_line(data) == ["nosuchcmd"]
