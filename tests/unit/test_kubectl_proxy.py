"""`kubectl proxy`: API paths relayed to the daemon's socket (a watch streams), and the pod
and service proxy paths carried to a 'pod' (an HTTP server on 127.0.0.1 that a runtime
double names as the pod's address) over port-forward sessions."""

from __future__ import annotations

import io
import json
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from harness import SERVER, Shell

from kubia_tutor.api.kinds import resolve
from kubia_tutor.clock import FakeClock
from kubia_tutor.daemon.cluster import Cluster
from kubia_tutor.daemon.http import HttpServer
from kubia_tutor.runtime.fake import FakeRuntime
from kubia_tutor.shell.commands import proxy
from kubia_tutor.shell.commands.proxy_server import ApiProxy, split_ref
from kubia_tutor.shell.session import Session


class _Kubia(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        body = f"You've hit kubia {self.path}\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        data = self.rfile.read(int(self.headers["Content-Length"]))
        body = b"Data stored: " + data
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


POD_SERVER = ThreadingHTTPServer(("127.0.0.1", 0), _Kubia)
POD_SERVER.daemon_threads = True
threading.Thread(target=POD_SERVER.serve_forever, daemon=True).start()


class PodRuntime(FakeRuntime):
    """The fake runtime whose pods 'listen' at POD_SERVER (on 8080 only); the other
    streaming methods are there for the StreamingRuntime protocol and are never called."""

    def exec_stream(self, container_id: str, argv: list[str], *, stdin: bool,
                    tty: bool) -> Any:
        raise NotImplementedError

    def attach(self, container_id: str, *, stdin: bool, tty: bool) -> Any:
        raise NotImplementedError

    def log_stream(self, container_id: str, *, follow: bool, tail: int | None,
                   since: float | None, timestamps: bool) -> Any:
        raise NotImplementedError

    def port_forward_address(self, pod: dict, port: int) -> tuple[str, int]:
        if port != 8080:
            return ("127.0.0.1", _closed_port())
        host, number = POD_SERVER.server_address[:2]
        return str(host), int(number)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def pod_cluster(clock: FakeClock) -> Iterator[Cluster]:
    cluster = Cluster(None, PodRuntime(clock), clock=clock)
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture
def api_proxy(pod_cluster: Cluster, tmp_path: Path) -> Iterator[str]:
    """The daemon's HTTP server on a socket, kubectl proxy on 127.0.0.1:<free port>."""
    path = str(tmp_path / "api.sock")
    server = HttpServer(path, pod_cluster.api, None)
    server.start()
    shell = Shell(pod_cluster, tmp_path)
    shell.run("kubectl run kubia --image=luksa/kubia --port=8080 --labels=app=kubia",
              "kubectl expose pod kubia --port=80 --target-port=8080")
    the_proxy = ApiProxy(path, 0)
    the_proxy.start()
    yield f"http://127.0.0.1:{the_proxy.port}"
    the_proxy.shutdown()
    server.shutdown()


def _get(url: str, data: bytes | None = None) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, data=data, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.read()


def test_api_paths_go_to_the_daemon(api_proxy: str) -> None:
    status, body = _get(api_proxy + "/api/v1/namespaces/default/pods/kubia")
    assert status == 200 and json.loads(body)["metadata"]["name"] == "kubia"
    status, body = _get(api_proxy + "/api/v1/namespaces/default/pods/nope")
    assert status == 404 and json.loads(body)["reason"] == "NotFound"
    status, body = _get(api_proxy + "/version")
    assert status == 200 and json.loads(body)["gitVersion"].startswith("v1.20")


def test_a_watch_streams_through(api_proxy: str) -> None:
    url = api_proxy + "/api/v1/namespaces/default/pods?watch=1"
    with urllib.request.urlopen(url, timeout=10) as resp:
        event = json.loads(resp.readline())
    assert event["type"] == "ADDED" and event["object"]["metadata"]["name"] == "kubia"


def test_pod_proxy_reaches_the_pod(pod_cluster: Cluster, api_proxy: str) -> None:
    pod = pod_cluster.api.get(resolve("pods"), "default", "kubia")
    assert pod["status"]["phase"] == "Running"
    base = api_proxy + "/api/v1/namespaces/default/pods/kubia"
    assert _get(base + "/proxy/") == (200, b"You've hit kubia /\n")
    assert _get(base + ":8080/proxy/a/b?c=d") == (200, b"You've hit kubia /a/b?c=d\n")
    assert _get(base + "/proxy/", b"Hello") == (200, b"Data stored: Hello")
    status, body = _get(base + ":9999/proxy/")
    assert status == 503
    assert json.loads(body)["message"].startswith("error trying to reach service: dial tcp ")


def test_service_proxy_reaches_an_endpoint(api_proxy: str) -> None:
    base = api_proxy + "/api/v1/namespaces/default/services/kubia"
    assert _get(base + "/proxy/x") == (200, b"You've hit kubia /x\n")
    assert _get(base + ":80/proxy/") == (200, b"You've hit kubia /\n")
    status, body = _get(api_proxy + "/api/v1/namespaces/default/services/kubernetes/proxy/")
    assert status == 503 and "no endpoints available" in json.loads(body)["message"]


def test_refs() -> None:
    assert split_ref("kubia") == ("kubia", "")
    assert split_ref("kubia:8080") == ("kubia", "8080")
    assert split_ref("http:kubia:") == ("kubia", "")
    assert split_ref("kube-dns:dns") == ("kube-dns", "dns")


def test_the_verb_refuses_other_addresses_and_needs_the_daemon(shell: Shell) -> None:
    r = shell.run("kubectl proxy --address=0.0.0.0")
    assert r.code == 1 and "listens on 127.0.0.1 only" in r.err
    r = shell.run("kubectl proxy --port=x")
    assert 'invalid argument "x" for "-p, --port" flag' in r.err
    r = shell.run("kubectl proxy")
    assert "needs the cluster daemon" in r.err


def test_the_verb_prints_kubectls_line(pod_cluster: Cluster, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    session = Session(pod_cluster.api, Shell(pod_cluster, tmp_path).config, out=out,
                      err=io.StringIO(), server=SERVER, cwd=str(tmp_path))
    ctx = session.context()
    monkeypatch.setattr(proxy, "socket_path", lambda ctx: str(tmp_path / "api.sock"))

    def interrupted(self: ApiProxy) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(ApiProxy, "serve_forever", interrupted)
    parsed = proxy.COMMAND  # the flags' defaults, as the parser fills them
    from kubia_tutor.shell.flags import Parsed

    assert proxy.run(ctx, Parsed({"port": "0", "address": "localhost"}, [], [])) == 0
    assert out.getvalue().startswith("Starting to serve on 127.0.0.1:")
    assert parsed.name == "proxy"
