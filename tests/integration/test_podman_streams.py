"""The streaming verbs on real Podman, end to end: the shell's `kubectl` (a subprocess, as the
shell's PATH shim runs it) talks kubia-stream/1 to a daemon in this process whose cluster runs
on a PodmanRuntime of its own.

One cluster per module: a temporary state dir (its own `podman system service`), a cluster id
of this run's own and a /24 of its own in 10.242.0.0/16 (Podman refuses overlapping subnets,
and the tutor's default 10.244.0.0/16 may be in use on this host). Traffic only goes to
127.0.0.1 and to this cluster's pods. Everything created is deleted through the API, then
removed by the runtime's `remove_all` and, as a last resort, by label.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from podman_cleanup import cleanup_by_label

from kubia_tutor.daemon import paths
from kubia_tutor.daemon.cluster import Cluster
from kubia_tutor.daemon.http import HttpServer
from kubia_tutor.daemon.main import _Extra
from kubia_tutor.runtime.podman.backend import PodmanRuntime
from kubia_tutor.runtime.podman.service import PodmanService

pytestmark = pytest.mark.podman

RUN = uuid.uuid4().hex[:8]
CLUSTER = f"strm-{RUN}"
SUBNET = f"10.242.{int(RUN[:2], 16)}.0/24"


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A state dir served by a daemon in this process on a Podman cluster of its own."""
    state = tmp_path_factory.mktemp("st")
    paths.mark(str(state))
    service = PodmanService(state)
    runtime = PodmanRuntime(str(state), cluster_id=CLUSTER, subnet=SUBNET, service=service)
    cluster = Cluster(str(state), runtime)
    server = HttpServer(paths.socket_file(str(state)), cluster.api,
                        _Extra(cluster, threading.Event()))
    cluster.start()
    server.start()
    try:
        yield state
    finally:
        server.shutdown()
        # the kubelet stops first, or it would recreate what the cleanup removes
        cluster.stop()
        try:
            runtime.remove_all()
        finally:
            cleanup_by_label(state, CLUSTER)
            service.close()


def kubectl(state: Path, *args: str, input: bytes | None = None, timeout: float = 90
            ) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "kubia_tutor.shell.main", "--state-dir",
                           str(state), *args], input=input, capture_output=True,
                          timeout=timeout, check=False)


def spawn(state: Path, *args: str, **kwargs: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "kubia_tutor.shell.main", "--state-dir",
                             str(state), *args], **kwargs)


def wait_for(check: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def pod_json(state: Path, name: str) -> dict[str, Any]:
    done = kubectl(state, "get", "pod", name, "-o", "json")
    return json.loads(done.stdout) if done.returncode == 0 else {}


def running(state: Path, name: str) -> bool:
    return (pod_json(state, name).get("status") or {}).get("phase") == "Running"


@pytest.fixture(scope="module")
def kubia(state: Path) -> str:
    """The book's kubia pod, running."""
    done = kubectl(state, "run", "kubia", "--image=luksa/kubia", "--port=8080")
    assert done.returncode == 0, done.stderr
    assert wait_for(lambda: running(state, "kubia")), pod_json(state, "kubia")
    # the server is up once it logged its start
    assert wait_for(lambda: b"Kubia server starting" in kubectl(state, "logs", "kubia").stdout)
    return "kubia"


def test_exec_i_passes_stdin_and_exit_code(state: Path, kubia: str) -> None:
    done = kubectl(state, "exec", "-i", kubia, "--", "cat", input=b"hello\nworld\n")
    assert (done.returncode, done.stdout, done.stderr) == (0, b"hello\nworld\n", b"")
    done = kubectl(state, "exec", "-i", kubia, "--", "sh", "-c", "wc -c; echo oops >&2; exit 3",
                   input=b"12345")
    assert done.stdout == b"5\n"
    assert done.stderr == b"oops\ncommand terminated with exit code 3\n"
    assert done.returncode == 3
    # -t without a terminal: kubectl's warning, then it goes on without one
    done = kubectl(state, "exec", "-it", kubia, "--", "cat", input=b"x")
    assert done.stdout == b"x"
    assert done.stderr == b"Unable to use a TTY - input is not a terminal or the right kind " \
                          b"of file\n"


def _read_until(fd: int, wanted: bytes, timeout: float = 20.0) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while wanted not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                data = os.read(fd, 4096)
            except OSError:
                break
            if not data:
                break
            seen += data
    return seen


def _set_size(fd: int, rows: int, cols: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def test_exec_it_through_a_pty(state: Path, kubia: str) -> None:
    master, slave = pty.openpty()
    _set_size(master, 33, 111)
    proc = spawn(state, "exec", "-it", kubia, "--", "sh", stdin=slave, stdout=slave,
                 stderr=slave, start_new_session=True)
    os.close(slave)
    try:
        # type once the prompt is there (ash asks the terminal where its cursor is first)
        assert b"/ # " in _read_until(master, b"/ # ")
        os.write(master, b"echo answer=$((6*7)); stty size\r")
        seen = _read_until(master, b"33 111")
        assert b"answer=42" in seen and b"33 111" in seen, seen
        # the shell follows the terminal's size (SIGWINCH)
        _set_size(master, 40, 120)
        os.kill(proc.pid, signal.SIGWINCH)
        time.sleep(0.5)
        os.write(master, b"stty size; exit 5\r")
        seen = _read_until(master, b"40 120")
        assert b"40 120" in seen, seen
        assert proc.wait(timeout=20) == 5
        rest = _read_until(master, b"exit code 5", timeout=5)
        assert b"command terminated with exit code 5" in seen + rest
        # the terminal was put back as it was (echo on, canonical mode)
        attrs = termios.tcgetattr(master)
        assert attrs[3] & termios.ICANON
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)


COUNTER = """\
apiVersion: v1
kind: Pod
metadata:
  name: counter
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: busybox
    command: ["sh", "-c", "echo first; sleep 3; echo second; sleep 1; echo third"]
"""


def test_logs_follow_sees_later_lines_and_ends_with_the_container(state: Path,
                                                                   tmp_path: Path) -> None:
    manifest = tmp_path / "counter.yaml"
    manifest.write_text(COUNTER)
    assert kubectl(state, "create", "-f", str(manifest)).returncode == 0
    assert wait_for(lambda: b"first" in kubectl(state, "logs", "counter").stdout, 30)
    started = time.monotonic()
    proc = spawn(state, "logs", "-f", "counter", stdout=subprocess.PIPE,
                 stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # "second" was written after the follow began; the follow ended with the container
    assert out == b"first\nsecond\nthird\n", (out, err)
    assert proc.returncode == 0
    assert time.monotonic() - started >= 1.0
    since = kubectl(state, "logs", "counter", "--since=1h")
    assert since.stdout == b"first\nsecond\nthird\n"
    assert kubectl(state, "delete", "pod", "counter").returncode == 0


def test_logs_follow_ends_cleanly_on_ctrl_c(state: Path, kubia: str) -> None:
    proc = spawn(state, "logs", "-f", kubia, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert wait_for(lambda: proc.stdout is not None and
                        select.select([proc.stdout], [], [], 0)[0], 20)
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert b"Kubia server starting" in out
    assert b"Traceback" not in err, err
    assert proc.returncode == 130


def _listening_on(port: int) -> list[str]:
    """The local addresses listening on a TCP port (from /proc/net/tcp and tcp6)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as handle:
            for line in handle.readlines()[1:]:
                fields = line.split()
                address, hex_port = fields[1].rsplit(":", 1)
                if int(hex_port, 16) == port and fields[3] == "0A":  # LISTEN
                    found.append(address)
    return found


def test_port_forward_reaches_kubia_through_loopback(state: Path, kubia: str) -> None:
    proc = spawn(state, "port-forward", kubia, ":8080", stdout=subprocess.PIPE,
                 stderr=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().decode()
        match = re.fullmatch(r"Forwarding from 127\.0\.0\.1:(\d+) -> 8080\n", line)
        assert match, line
        port = int(match.group(1))
        assert _listening_on(port) == ["0100007F"]  # 127.0.0.1, and nothing else
        for _ in range(2):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as answer:
                assert answer.read() == b"You've hit kubia\n"
            assert proc.stdout.readline() == f"Handling connection for {port}\n".encode()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
        assert proc.returncode == 0, err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_port_forward_refuses_other_addresses(state: Path, kubia: str) -> None:
    done = kubectl(state, "port-forward", "--address", "0.0.0.0", kubia, "8888:8080")
    assert done.returncode == 1
    assert done.stderr.startswith(b"error: kubia-tutor listens on 127.0.0.1 only")


def _gone(state: Path, name: str) -> bool:
    done = kubectl(state, "get", "pod", name)
    return done.stderr == f'Error from server (NotFound): pods "{name}" not found\n'.encode()


def test_run_i_rm_relays_stdin_and_removes_the_pod(state: Path) -> None:
    done = kubectl(state, "run", "-i", "--rm", "--restart=Never", "echoer", "--image=busybox",
                   "--", "sh", "-c", "read line; echo got $line", input=b"hello\n")
    assert done.returncode == 0, done.stderr
    assert b"got hello\n" in done.stdout
    assert done.stdout.endswith(b'pod "echoer" deleted\n')
    assert b"If you don't see a command prompt, try pressing enter." in done.stderr
    assert wait_for(lambda: _gone(state, "echoer"), 60)


def test_run_rm_of_a_short_command_prints_its_output(state: Path) -> None:
    # over before any attach: kubectl prints the log instead; exit code of the container
    done = kubectl(state, "run", "-i", "--rm", "--restart=Never", "quick", "--image=busybox",
                   "--", "sh", "-c", "echo quick; exit 4")
    assert b"quick\n" in done.stdout
    assert b'pod "quick" deleted\n' in done.stdout
    assert b"pod default/quick terminated (Error)" in done.stderr
    assert done.returncode == 4
    assert wait_for(lambda: _gone(state, "quick"), 60)


def test_cp_round_trip(state: Path, kubia: str, tmp_path: Path) -> None:
    local = tmp_path / "notes.txt"
    local.write_bytes(b"line one\n\x00\xffbinary\n")
    done = kubectl(state, "cp", str(local), f"{kubia}:/tmp/notes.txt")
    assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
    assert kubectl(state, "exec", "-i", kubia, "--", "cat", "/tmp/notes.txt",
                   input=b"").stdout == local.read_bytes()
    back = tmp_path / "back.txt"
    done = kubectl(state, "cp", f"{kubia}:/tmp/notes.txt", str(back))
    assert done.returncode == 0, done.stderr
    assert back.read_bytes() == local.read_bytes()
    assert b"tar: removing leading '/' from member names" in done.stderr
    # a directory, into an existing directory of the pod
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "sub" / "a.txt").write_text("a\n")
    assert kubectl(state, "cp", str(tree), f"{kubia}:/tmp").returncode == 0
    out = tmp_path / "out"
    done = kubectl(state, "cp", f"{kubia}:/tmp/tree", str(out))
    assert done.returncode == 0, done.stderr
    assert (out / "sub" / "a.txt").read_text() == "a\n"
    done = kubectl(state, "cp", f"{kubia}:/tmp/nope", str(tmp_path / "nope"))
    assert done.returncode == 1
    assert b"command terminated with exit code 1" in done.stderr


def test_run_it_rm_attaches_a_terminal(state: Path) -> None:
    master, slave = pty.openpty()
    _set_size(master, 24, 80)
    proc = spawn(state, "run", "-it", "--rm", "--restart=Never", "shell", "--image=busybox",
                 "--", "sh", stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    try:
        seen = _read_until(master, b"try pressing enter.", timeout=60)
        assert b"If you don't see a command prompt, try pressing enter." in seen, seen
        time.sleep(0.5)
        os.write(master, b"\r")
        assert b"/ # " in _read_until(master, b"/ # ")
        os.write(master, b"echo in=$(hostname); exit 0\r")
        seen = _read_until(master, b'pod "shell" deleted', timeout=60)
        assert b"in=shell" in seen and b'pod "shell" deleted' in seen, seen
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    assert wait_for(lambda: _gone(state, "shell"), 60)


def test_kubectl_proxy_reaches_kubia_through_the_pod_proxy_path(state: Path, kubia: str
                                                                  ) -> None:
    """The book's `curl localhost:8001/api/v1/namespaces/default/pods/kubia-0/proxy/`, on a
    free port: the API through the proxy, and the pod through its proxy subresource."""
    proc = spawn(state, "proxy", "--port=0", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().decode()
        match = re.fullmatch(r"Starting to serve on 127\.0\.0\.1:(\d+)\n", line)
        assert match, line
        port = int(match.group(1))
        assert _listening_on(port) == ["0100007F"]  # 127.0.0.1, and nothing else
        base = f"http://127.0.0.1:{port}/api/v1/namespaces/default/pods/{kubia}"
        with urllib.request.urlopen(base, timeout=10) as answer:
            assert json.loads(answer.read())["metadata"]["name"] == kubia
        with urllib.request.urlopen(base + "/proxy/", timeout=20) as answer:
            assert answer.read() == b"You've hit kubia\n"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
        assert proc.returncode == 0, err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
