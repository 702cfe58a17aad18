"""kubia-stream/1 on the fake runtime: framing, the HTTP upgrade, the relays, and the flags
and messages of the streaming verbs (exec -i/-t, attach, run -i --rm, logs -f, port-forward,
cp). Real processes are the Podman tests' business (tests/integration/test_podman_streams.py);
here a runtime double echoes stdin so the relays carry real bytes both ways."""

from __future__ import annotations

import io
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from harness import SERVER, Shell, wait_quiet

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import resolve
from kubia_tutor.client.http import HttpClient
from kubia_tutor.clock import FakeClock
from kubia_tutor.daemon.cluster import Cluster
from kubia_tutor.daemon.http import HttpServer
from kubia_tutor.daemon.stream_protocol import (
    MAX_PAYLOAD,
    RESIZE,
    STATUS,
    STDIN,
    STDOUT,
    FrameSocket,
    encode_frame,
    parse_options,
    query,
)
from kubia_tutor.runtime.cri import RUNNING
from kubia_tutor.runtime.fake import FakeRuntime
from kubia_tutor.shell.commands.port_forward import parse_ports
from kubia_tutor.shell.session import Session

PODS = resolve("pods")


# Framing ------------------------------------------------------------------------------------


def test_frames_round_trip_and_split_large_payloads() -> None:
    a, b = socket.socketpair()
    left, right = FrameSocket(a), FrameSocket(b)
    big = bytes(range(256)) * (MAX_PAYLOAD // 256 + 3)
    assert left.send(STDOUT, b"hello")
    assert left.send(STDIN)  # an empty frame: end of stdin
    sender = threading.Thread(target=left.send, args=(STDOUT, big))
    sender.start()
    assert right.read() == (STDOUT, b"hello")
    assert right.read() == (STDIN, b"")
    got = b""
    while len(got) < len(big):
        frame = right.read()
        assert frame is not None and frame[0] == STDOUT
        assert len(frame[1]) <= MAX_PAYLOAD
        got += frame[1]
    sender.join()
    assert got == big
    left.close()
    assert right.read() is None
    right.close()


def test_a_frame_is_channel_length_payload() -> None:
    assert encode_frame(RESIZE, b"{}") == b"\x04\x00\x00\x00\x02{}"


def test_options_travel_in_kubernetes_query_names() -> None:
    text = query({"command": ["sh", "-c", "echo a b"], "stdin": True, "tty": False,
                  "container": "main", "tailLines": 5, "sinceTime": None})
    assert text == ("command=sh&command=-c&command=echo+a+b&stdin=true&tty=false&"
                    "container=main&tailLines=5")
    assert parse_options(parse_qs(text)) == {"command": ["sh", "-c", "echo a b"],
                                             "stdin": True, "tty": False,
                                             "container": "main", "tailLines": 5}
    with pytest.raises(ValueError, match='invalid tailLines "x"'):
        parse_options({"tailLines": ["x"]})


# A runtime whose containers echo -------------------------------------------------------------


class EchoProcess:
    """Upper-cases its stdin to stdout; says its size on stderr; exits 3 after EOF."""

    def __init__(self, argv: list[str], tty: bool, stdin: bool = True) -> None:
        self.tty = tty
        self.argv = argv
        # without stdin the double has nothing to say: its output ends at once
        self._out: list[tuple[int, bytes] | None] = [] if stdin else [None]
        self._ready = threading.Condition()

    def _put(self, item: tuple[int, bytes] | None) -> None:
        with self._ready:
            self._out.append(item)
            self._ready.notify_all()

    def read(self) -> tuple[int, bytes] | None:
        with self._ready:
            while not self._out:
                self._ready.wait()
            return self._out.pop(0)

    def write(self, data: bytes) -> None:
        self._put((1, data.upper()))

    def close_stdin(self) -> None:
        self._put(None)

    def resize(self, width: int, height: int) -> None:
        self._put((2, f"size {width}x{height}\n".encode()))

    def wait(self) -> int | None:
        return 3 if self.argv[:1] == ["fail"] else 0

    def close(self) -> None:
        self._put(None)


class EchoRuntime(FakeRuntime):
    """The fake runtime, able to stream: exec and attach echo, logs come from `lines`."""

    lines = b"one\ntwo\n"

    def exec_stream(self, container_id: str, argv: list[str], *, stdin: bool, tty: bool
                    ) -> EchoProcess:
        return EchoProcess(argv, tty)

    def attach(self, container_id: str, *, stdin: bool, tty: bool) -> EchoProcess:
        return EchoProcess([], tty, stdin)

    def log_stream(self, container_id: str, *, follow: bool, tail: int | None,
                   since: float | None, timestamps: bool) -> io.BytesIO:
        return io.BytesIO(self.lines)

    def port_forward_address(self, pod: dict, port: int) -> tuple[str, int]:
        return ECHO_SERVER.address


class EchoServer:
    """A TCP server on 127.0.0.1 answering each line with `echo: <line>` (the 'pod')."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.address = self.sock.getsockname()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        with conn, conn.makefile("rb") as reader:
            for line in reader:
                conn.sendall(b"echo: " + line)


ECHO_SERVER = EchoServer()


@pytest.fixture
def echo_cluster(clock: FakeClock) -> Iterator[Cluster]:
    cluster = Cluster(None, EchoRuntime(clock), clock=clock)
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture
def echo_shell(echo_cluster: Cluster, tmp_path: Path) -> Shell:
    shell = Shell(echo_cluster, tmp_path)
    shell.run("kubectl run kubia --image=luksa/kubia --port=8080")
    # a quiet store is not a running container on a busy machine: wait for the pod itself
    assert shell.run("kubectl wait --for=condition=Ready pod/kubia --timeout=60s").code == 0
    return shell


@pytest.fixture
def http(echo_cluster: Cluster, tmp_path: Path) -> Iterator[HttpClient]:
    """The daemon's HTTP server on a socket of the test's, and a client on it."""
    path = str(tmp_path / "api.sock")
    server = HttpServer(path, echo_cluster.api, None)
    server.start()
    client = HttpClient(path)
    yield client
    client.close()
    server.shutdown()


def test_exec_i_relays_stdin_and_exit_code_in_process(echo_shell: Shell) -> None:
    r = echo_shell.run("kubectl exec -i kubia -- cat", stdin="hello\n")
    assert (r.out, r.err, r.code) == ("HELLO\n", "", 0)
    r = echo_shell.run("kubectl exec -i kubia -- fail", stdin="x")
    assert (r.out, r.err, r.code) == ("X", "command terminated with exit code 3\n", 3)
    # -t without a terminal: kubectl's warning, then on without one
    r = echo_shell.run("kubectl exec -ti kubia -- cat", stdin="a")
    assert r.err == "Unable to use a TTY - input is not a terminal or the right kind of file\n"
    assert r.out == "A"


def test_exec_over_the_http_upgrade(echo_shell: Shell, http: HttpClient) -> None:
    frames = FrameSocket(http.stream("default", "kubia", "exec",
                                     {"command": ["cat"], "stdin": True, "tty": True}))
    frames.send_json(RESIZE, {"Width": 100, "Height": 30})
    frames.send(STDIN, b"abc")
    frames.send(STDIN, b"")
    got = []
    while (frame := frames.read()) is not None:
        got.append(frame)
    frames.close()
    assert got[:2] == [(2, b"size 100x30\n"), (STDOUT, b"ABC")]
    assert got[-1] == (STATUS, b'{"status":"Success","exitCode":0}')


def test_refusals_come_before_the_upgrade(echo_shell: Shell, http: HttpClient) -> None:
    with pytest.raises(ApiError) as err:
        http.stream("default", "nope", "exec", {"command": ["sh"]})
    assert (err.value.code, err.value.message) == (404, 'pods "nope" not found')
    with pytest.raises(ApiError) as err:
        http.stream("default", "kubia", "exec", {"command": ["sh"], "container": "x"})
    assert err.value.message == "container x is not valid for pod kubia"
    with pytest.raises(ApiError) as err:
        http.stream("default", "kubia", "log", {"tailLines": "x"})
    assert err.value.message == 'invalid tailLines "x"'


def test_the_fake_runtime_refuses_clearly(shell: Shell) -> None:
    shell.run("kubectl run kubia --image=luksa/kubia")
    r = shell.run("kubectl exec -i kubia -- sh")
    assert r.code == 1
    assert r.err == ("Error from server (BadRequest): the fake runtime runs no containers: "
                     "start the cluster with --runtime podman to run commands in them\n")
    r = shell.run("kubectl attach kubia")
    assert "the fake runtime runs no containers" in r.err and r.code == 1
    r = shell.run("kubectl port-forward kubia 8888:8080")
    assert (r.out, r.code) == ("", 1)
    assert r.err == ("Error from server (BadRequest): the fake runtime runs no containers: "
                     "start the cluster with --runtime podman to forward ports to them\n")


def test_attach_messages(echo_shell: Shell) -> None:
    r = echo_shell.run("kubectl attach kubia")
    assert r.err == ("Defaulting container name to kubia.\nUse 'kubectl describe pod/kubia -n "
                     "default' to see all of the containers in this pod.\n"
                     "If you don't see a command prompt, try pressing enter.\n")
    assert r.code == 0
    r = echo_shell.run("kubectl attach -i kubia -c kubia", stdin="hi")
    assert r.out == "HI"
    assert r.err == "If you don't see a command prompt, try pressing enter.\n"
    assert echo_shell.run("kubectl attach -t kubia -c kubia -q").err == \
        "Unable to use a TTY - container kubia did not allocate one\n"
    assert echo_shell.run("kubectl attach").err == \
        "error: at least 1 argument is required for attach\n"
    assert echo_shell.run("kubectl attach a b c").err == \
        "error: expected POD, TYPE/NAME, or TYPE NAME, (at most 2 arguments) saw 3: [a b c]\n"
    assert echo_shell.run("kubectl attach kubia -c x").err == \
        "error: cannot attach to the container: container not found (x)\n"


def test_run_attach_flags(echo_shell: Shell) -> None:
    assert echo_shell.run("kubectl run x --image=busybox --rm").err == \
        "error: --rm should only be used for attached containers\n" \
        "See 'kubectl run -h' for help and examples\n"
    assert echo_shell.run("kubectl run x --image=busybox -t").err == \
        "error: -i/--stdin is required for containers with -t/--tty=true\n" \
        "See 'kubectl run -h' for help and examples\n"


def test_run_i_rm_attaches_waits_and_deletes(echo_shell: Shell, echo_cluster: Cluster
                                             ) -> None:
    runtime = echo_cluster.runtime
    assert isinstance(runtime, FakeRuntime)

    def finish_when_running() -> None:
        # the "container" exits once attached, as `read line; echo` would
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                pod = echo_cluster.api.get(PODS, "default", "once")
            except ApiError:
                time.sleep(0.05)
                continue
            running = [i for i in runtime.instances(pod) if i.state == RUNNING]
            if running:
                time.sleep(0.3)
                runtime.finish(running[0].id, 0)
                return
            time.sleep(0.05)

    threading.Thread(target=finish_when_running, daemon=True).start()
    r = echo_shell.run("kubectl run once -i --rm --restart=Never --image=busybox -- sh",
                       stdin="hi\n", settle=False)
    assert r.out == 'HI\npod "once" deleted\n'
    assert r.err == "If you don't see a command prompt, try pressing enter.\n"
    assert r.code == 0


def test_logs_follow_streams_and_flags(echo_shell: Shell) -> None:
    r = echo_shell.run("kubectl logs -f kubia")
    assert (r.out, r.err, r.code) == ("one\ntwo\n", "", 0)
    assert echo_shell.run("kubectl logs kubia --since=5s").out == "one\ntwo\n"
    r = echo_shell.run("kubectl logs kubia --since=5x")
    assert r.err == ('Error: invalid argument "5x" for "--since" flag: time: invalid duration '
                     '"5x"\nSee \'kubectl logs --help\' for usage.\n')
    r = echo_shell.run("kubectl logs kubia --since=5s --since-time=2026-11-28T06:00:00Z")
    assert r.err == "error: at most one of `sinceTime` or `sinceSeconds` may be specified\n"
    r = echo_shell.run("kubectl logs kubia --since-time=yesterday")
    assert r.err.startswith('error: parsing time "yesterday"')


def test_logs_follow_on_the_fake_runtime_ends_with_the_container(shell: Shell,
                                                                 cluster: Cluster) -> None:
    shell.run("kubectl run kubia --image=luksa/kubia")
    runtime = cluster.runtime
    assert isinstance(runtime, FakeRuntime)
    pod = cluster.api.get(PODS, "default", "kubia")
    [instance] = runtime.instances(pod)
    result: list[object] = []
    follower = threading.Thread(target=lambda: result.append(
        shell.run("kubectl logs -f kubia", settle=False)), daemon=True)
    follower.start()
    time.sleep(0.5)
    assert follower.is_alive()  # following: the container still runs
    runtime.finish(instance.id, 0)
    follower.join(10)
    assert not follower.is_alive()
    assert result and result[0].code == 0  # type: ignore[attr-defined]


def test_port_forward_argument_checks(echo_shell: Shell) -> None:
    assert echo_shell.run("kubectl port-forward kubia").err == \
        "error: TYPE/NAME and list of ports are required for port-forward\n" \
        "See 'kubectl port-forward -h' for help and examples\n"
    assert echo_shell.run("kubectl port-forward --address 0.0.0.0 kubia 8080").err == \
        "error: kubia-tutor listens on 127.0.0.1 only: --address 0.0.0.0 is not allowed " \
        "(use localhost or 127.0.0.1)\n"
    assert echo_shell.run("kubectl port-forward --address nowhere kubia 8080").err == \
        "error: nowhere is not a valid IP\n"
    assert echo_shell.run("kubectl port-forward kubia 1:2:3").err == \
        "error: invalid port format '1:2:3'\n"
    assert echo_shell.run("kubectl port-forward kubia http").err == \
        "error: Pod 'kubia' does not have a named port 'http'\n"
    assert echo_shell.run("kubectl port-forward svc/nope 80").err == \
        'Error from server (NotFound): services "nope" not found\n'
    assert [(p.local, p.remote) for p in parse_ports(["8888:8080", "9000", ":80"])] == \
        [(8888, 8080), (9000, 9000), (0, 80)]


def test_port_forward_relays_a_connection(echo_cluster: Cluster, echo_shell: Shell,
                                          tmp_path: Path) -> None:
    """The forwarding loop on 127.0.0.1 to the echo 'pod', through the in-process client."""
    from kubia_tutor.shell.commands import port_forward

    out, err = io.StringIO(), io.StringIO()
    session = Session(echo_cluster.api, echo_shell.config, out=out, err=err, server=SERVER,
                      cwd=str(tmp_path))
    ctx = session.context()
    listener = port_forward._listen(ctx, port_forward.PortPair(0, 8080))
    assert listener is not None and listener.getsockname()[0] == "127.0.0.1"
    port = listener.getsockname()[1]
    threading.Thread(target=port_forward._serve,
                     args=(ctx, "kubia", {listener: port_forward.PortPair(port, 8080)}),
                     daemon=True).start()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(b"ping\n")
        assert conn.makefile("rb").readline() == b"echo: ping\n"
    assert f"Handling connection for {port}\n" in out.getvalue()
    listener.close()


def test_cp_argument_checks(echo_shell: Shell) -> None:
    r = echo_shell.run("kubectl cp a")
    assert r.err.startswith("error: expected 'cp <file-spec-src> <file-spec-dest> "
                            "[-c container]'.\n")
    assert echo_shell.run("kubectl cp a b").err == \
        "error: one of src or dest must be a remote file specification\n"
    assert echo_shell.run("kubectl cp :x b").err == \
        "error: filespec must match the canonical format: [[namespace/]pod:]file/path\n"
    assert echo_shell.run("kubectl cp a/b/c:x b").err == \
        "error: filespec must match the canonical format: [[namespace/]pod:]file/path\n"
    assert echo_shell.run("kubectl cp missing.txt kubia:/tmp/x").err == \
        "error: missing.txt doesn't exist in local filesystem\n"
    assert echo_shell.run("kubectl cp kubia: out").err == "error: filepath can not be empty\n"


def test_help_lists_the_streaming_verbs(shell: Shell) -> None:
    out = shell.run("kubectl --help").out
    for verb in ("attach", "port-forward", "cp", "logs", "exec"):
        assert f"  {verb} " in out
    wait_quiet(shell.cluster)
