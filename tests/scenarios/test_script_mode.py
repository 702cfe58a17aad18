"""The script mode as tests, benchmarks and lesson packs use it: the real `kubia-tutor shell`
reading lines from a pipe, its stdout and stderr merged into one pipe as `2>&1` would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from book import KUBIA_MANUAL

KUBIA_TUTOR = Path(sys.executable).with_name("kubia-tutor")


def shell(state: Path, cwd: Path, lines: list[str]) -> subprocess.CompletedProcess[str]:
    """Run `kubia-tutor shell --echo` on the lines; stderr goes into the stdout pipe."""
    env = dict(os.environ)
    # Python buffers a piped stdout unless told otherwise; the shell must keep kubectl's
    # order without this help, so the test takes it away.
    env.pop("PYTHONUNBUFFERED", None)
    return subprocess.run(
        [str(KUBIA_TUTOR), "shell", "--runtime", "fake", "--state-dir", str(state), "--echo"],
        input="".join(line + "\n" for line in lines), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, cwd=cwd, env=env, timeout=120)


def test_script_mode_echoes_keeps_order_and_returns_the_last_status(tmp_path: Path) -> None:
    state, work = tmp_path / "state", tmp_path / "work"
    work.mkdir()
    (work / "kubia-manual.yml").write_text(KUBIA_MANUAL)
    try:
        first = shell(state, work, [
            "kubectl create -f kubia-manual.yml",
            "kubectl get pods -o name | wc -l",
            "kubectl get pod kubia-manual nope -o name",
            "kubectl get ns default -o name",
            "kubectl get pod nope",
        ])
        assert first.stdout == (
            "$ kubectl create -f kubia-manual.yml\n"
            "pod/kubia-manual created\n"
            "$ kubectl get pods -o name | wc -l\n"
            "1\n"
            "$ kubectl get pod kubia-manual nope -o name\n"
            "pod/kubia-manual\n"
            'Error from server (NotFound): pods "nope" not found\n'
            "$ kubectl get ns default -o name\n"
            "namespace/default\n"
            "$ kubectl get pod nope\n"
            'Error from server (NotFound): pods "nope" not found\n')
        assert first.returncode == 1

        # Same cluster, second session: a failure early on, success at the end.
        second = shell(state, work, [
            "kubectl create -f kubia-manual.yml",
            "kubectl get pods -o name | grep -c nope",
            "kubectl delete pod kubia-manual",
        ])
        assert second.stdout == (
            "$ kubectl create -f kubia-manual.yml\n"
            'Error from server (AlreadyExists): error when creating "kubia-manual.yml": '
            'pods "kubia-manual" already exists\n'
            "$ kubectl get pods -o name | grep -c nope\n"
            "0\n"
            "$ kubectl delete pod kubia-manual\n"
            'pod "kubia-manual" deleted\n')
        assert second.returncode == 0

        # The exit status of a line run by /bin/sh counts the same way.
        third = shell(state, work, ["kubectl get pods -o name | grep -c nope"])
        assert (third.stdout, third.returncode) == (
            "$ kubectl get pods -o name | grep -c nope\n0\n", 1)
    finally:
        subprocess.run([str(KUBIA_TUTOR), "stop", "--state-dir", str(state)],
                       capture_output=True, timeout=60, check=False)


def test_a_reader_that_goes_away_ends_the_shell_quietly(tmp_path: Path) -> None:
    """`kubia-tutor shell ... | head -1`: no traceback, the status of a SIGPIPE'd process."""
    state = tmp_path / "state"
    lines = "".join("kubectl get ns -o name\n" for _ in range(200))
    try:
        with subprocess.Popen(
                [str(KUBIA_TUTOR), "shell", "--runtime", "fake", "--state-dir", str(state)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                text=True) as proc:
            assert proc.stdin is not None and proc.stdout is not None
            assert proc.stderr is not None
            proc.stdin.write(lines)
            proc.stdin.close()
            assert proc.stdout.readline() == "namespace/default\n"
            proc.stdout.close()  # as `head -1` does
            err = proc.stderr.read()
            code = proc.wait(timeout=60)
        assert err == ""
        assert code == 141
    finally:
        subprocess.run([str(KUBIA_TUTOR), "reset", "--state-dir", str(state)],
                       capture_output=True, timeout=60)
