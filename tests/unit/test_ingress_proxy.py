"""The Ingress controller as ingress-nginx behaves, with raw sockets on 127.0.0.1 (no
Podman): every request of a keep-alive connection routed on its own, bodies and responses
framed by Content-Length, chunks or close, the X-Forwarded-* headers, the 308 to HTTPS and
its annotations, nginx's own 404/503 pages, and an upgrade piped both ways."""

from __future__ import annotations

import http.server
import json
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from test_ingress import (
    NGINX_404,
    add_ingress,
    add_service,
    add_tls_secret,
    api,
    controller,
    rule,
    self_signed,
    v1beta1,
)

from kubia_tutor.api.server import ApiServer
from kubia_tutor.runtime.network import ingress_http
from kubia_tutor.runtime.network.ingress import ENDPOINTS, IngressController

__all__ = ["api", "controller"]  # fixtures, imported for pytest to find


class EchoPod(http.server.ThreadingHTTPServer):
    """A pod that answers with JSON describing the request it got (its own name, the path,
    the headers and the body); /chunked answers in chunks, /until-close without a length,
    /close-after with a length and `Connection: close`."""

    def __init__(self, name: str) -> None:
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # chunks need it; the pod keeps connections

            def do_GET(self) -> None:
                self._answer(b"")

            def do_POST(self) -> None:
                if self.headers.get("Transfer-Encoding") == "chunked":
                    body = b""
                    while size := int(self.rfile.readline().split(b";")[0], 16):
                        body += self.rfile.read(size)
                        self.rfile.readline()
                    self.rfile.readline()
                else:
                    body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self._answer(body)

            def _answer(self, body: bytes) -> None:
                reply = json.dumps({"pod": name, "path": self.path, "body": body.decode(),
                                    "headers": dict(self.headers.items())}).encode()
                self.send_response(200)
                if self.path == "/chunked":
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for part in (reply[:10], reply[10:]):
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                    self.wfile.write(b"0\r\n\r\n")
                elif self.path == "/until-close":
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(reply)
                    self.close_connection = True
                else:
                    self.send_header("Content-Length", str(len(reply)))
                    self.send_header("Keep-Alive", "timeout=5")  # hop-by-hop: dropped
                    if self.path == "/close-after":  # as the book's kubia pods answer
                        self.send_header("Connection", "close")
                        self.close_connection = True
                    self.end_headers()
                    self.wfile.write(reply)

            def log_message(self, *_args: Any) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


@pytest.fixture
def pods(api: ApiServer, controller: IngressController) -> Iterator[dict[str, EchoPod]]:
    """Pods a and b behind services a and b, host a.example.com and b.example.com."""
    found = {name: EchoPod(name) for name in ("a", "b")}
    for name, pod in found.items():
        add_service(api, name, [pod])
    add_ingress(api, v1beta1("ab", [rule("a.example.com", ("/", "a")),
                                    rule("b.example.com", ("/", "b"))]))
    controller.reconcile()
    yield found
    for pod in found.values():
        pod.stop()


class Client:
    """One raw client connection, reading responses by their framing as curl would."""

    def __init__(self, port: int, tls_host: str | None = None, cafile: str = "") -> None:
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        if tls_host is not None:
            context = ssl.create_default_context(cafile=cafile)
            sock = context.wrap_socket(sock, server_hostname=tls_host)
        self.sock = sock
        self.reader = ingress_http.Reader(sock)

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def response(self, method: str = "GET") -> tuple[ingress_http.Head, bytes]:
        raw = self.reader.head()
        assert raw is not None, "the controller closed the connection"
        head = ingress_http.parse_head(raw)
        body: list[bytes] = []
        ingress_http.copy_body(self.reader, ingress_http.response_framing(method, head),
                               body.append, dechunk=True)
        return head, b"".join(body)

    def closed(self) -> bool:
        self.sock.settimeout(5)
        return self.reader.take(1) == b""

    def close(self) -> None:
        self.sock.close()


def get(host: str, path: str = "/", extra: str = "", version: str = "HTTP/1.1") -> bytes:
    return f"GET {path} {version}\r\nHost: {host}\r\n{extra}\r\n".encode()


def field(head: ingress_http.Head, name: bytes) -> str | None:
    values = head.values(name)
    return values[0] if values else None


def test_each_request_of_a_keep_alive_connection_is_routed_by_its_own_host(
        controller: IngressController, pods: dict[str, EchoPod]) -> None:
    assert controller.http_port is not None
    client = Client(controller.http_port)
    # two requests sent at once: the second one's bytes arrive with the first
    client.send(get("a.example.com", "/one") + get("b.example.com:80", "/two"))
    answers = [json.loads(client.response()[1]) for _ in range(2)]
    assert [(a["pod"], a["path"]) for a in answers] == [("a", "/one"), ("b", "/two")]
    body = b"x" * 100_000  # larger than one read
    client.send(b"POST /len HTTP/1.1\r\nHost: a.example.com\r\nContent-Length: %d\r\n\r\n%s"
                % (len(body), body))
    head, reply = client.response()
    assert json.loads(reply)["body"] == body.decode()
    assert field(head, b"connection") is None and field(head, b"keep-alive") is None
    assert field(head, b"server") == "nginx"
    client.send(b"POST /chunks HTTP/1.1\r\nHost: b.example.com\r\nTransfer-Encoding: chunked"
                b"\r\n\r\n3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\n\r\n" + get("a.example.com", "/3"))
    assert json.loads(client.response()[1])["body"] == "abcde"
    assert json.loads(client.response()[1])["pod"] == "a"
    client.send(get("b.example.com", "/last", "Connection: close\r\n"))
    head, reply = client.response()
    assert json.loads(reply)["pod"] == "b" and field(head, b"connection") == "close"
    assert client.closed()
    client.close()


def test_responses_framed_by_chunks_or_by_close(controller: IngressController,
                                                pods: dict[str, EchoPod]) -> None:
    assert controller.http_port is not None
    client = Client(controller.http_port)
    client.send(get("a.example.com", "/chunked"))
    head, reply = client.response()
    assert field(head, b"transfer-encoding") == "chunked"
    assert json.loads(reply)["path"] == "/chunked"
    client.send(get("b.example.com", "/close-after"))
    head, reply = client.response()
    # the pod's Connection: close is about its own connection: the client's stays open
    assert json.loads(reply)["path"] == "/close-after" and field(head, b"connection") is None
    client.send(get("b.example.com", "/until-close"))
    head, reply = client.response()
    # a response the pod ends by closing cannot leave the client connection usable
    assert json.loads(reply)["pod"] == "b" and field(head, b"connection") == "close"
    assert client.closed()
    client.close()

    old = Client(controller.http_port)  # HTTP/1.0 knows no chunks: the body comes plain
    old.send(get("a.example.com", "/chunked", version="HTTP/1.0"))
    raw = b""
    while chunk := old.sock.recv(65536):
        raw += chunk
    head_bytes, _, body = raw.partition(b"\r\n\r\n")
    assert b"Transfer-Encoding" not in head_bytes and b"Connection: close" in head_bytes
    assert json.loads(body)["path"] == "/chunked"
    old.close()


def test_forwarded_headers_as_ingress_nginx_sets_them(controller: IngressController,
                                                      pods: dict[str, EchoPod]) -> None:
    assert controller.http_port is not None
    client = Client(controller.http_port)
    client.send(get("a.example.com:80", "/h", "X-Forwarded-For: 6.6.6.6\r\nX-Gone: 1\r\n"
                    "Connection: keep-alive, X-Gone\r\nKeep-Alive: timeout=9\r\n"))
    headers = json.loads(client.response()[1])["headers"]
    assert {k: v for k, v in headers.items() if k.startswith("X-")} == {
        "X-Real-IP": "127.0.0.1", "X-Forwarded-For": "127.0.0.1",
        "X-Forwarded-Host": "a.example.com:80", "X-Forwarded-Port": str(controller.http_port),
        "X-Forwarded-Proto": "http", "X-Scheme": "http"}
    assert "Keep-Alive" not in headers and headers["Host"] == "a.example.com:80"
    client.close()


def test_default_backend_404_and_no_endpoint_503(api: ApiServer,
                                                 controller: IngressController,
                                                 pods: dict[str, EchoPod]) -> None:
    api.update(ENDPOINTS, "default", "b", {**api.get(ENDPOINTS, "default", "b"),
                                           "subsets": []})
    controller.reconcile()
    assert controller.http_port is not None
    client = Client(controller.http_port)
    client.send(get("nowhere.example.com", "/x") + get("b.example.com"))
    head, body = client.response()
    assert head.first == ["HTTP/1.1", "404", "Not Found"] and body.decode() == NGINX_404
    assert field(head, b"server") == "nginx" and field(head, b"content-type") == "text/html"
    head, body = client.response()
    assert head.first == ["HTTP/1.1", "503", "Service Temporarily Unavailable"]
    assert b"<center><h1>503 Service Temporarily Unavailable</h1></center>" in body
    client.send(get("a.example.com"))  # the connection is still good after both
    assert json.loads(client.response()[1])["pod"] == "a"
    client.close()


@pytest.fixture
def tls_hosts(api: ApiServer, controller: IngressController, pods: dict[str, EchoPod],
              tmp_path: Path) -> Path:
    """secure.example.com with a certificate (redirected), optout.example.com with one
    but ssl-redirect "false", forced.example.com without one but force-ssl-redirect, and
    nosecret.example.com under spec.tls whose Secret does not exist."""
    cert, key = self_signed(tmp_path, "secure.example.com")
    add_tls_secret(api, "secure", cert, key)
    add_ingress(api, v1beta1("secure", [rule("secure.example.com", ("/", "a")),
                                        rule("nosecret.example.com", ("/", "a"))], tls=[
        {"hosts": ["secure.example.com"], "secretName": "secure"},
        {"hosts": ["nosecret.example.com"], "secretName": "missing"}]))
    optout = v1beta1("optout", [rule("optout.example.com", ("/", "b"))], tls=[
        {"hosts": ["optout.example.com"], "secretName": "secure"}])
    optout["metadata"]["annotations"] = {"nginx.ingress.kubernetes.io/ssl-redirect": "false"}
    add_ingress(api, optout)
    forced = v1beta1("forced", [rule("forced.example.com", ("/", "b"))])
    forced["metadata"]["annotations"] = {
        "nginx.ingress.kubernetes.io/force-ssl-redirect": "true",
        "nginx.ingress.kubernetes.io/preserve-trailing-slash": "true"}
    add_ingress(api, forced)
    controller.reconcile()
    return tmp_path / "secure.example.com.cert"


def test_plain_http_to_a_tls_host_is_redirected_with_308(
        controller: IngressController, tls_hosts: Path) -> None:
    port, tls_port = controller.http_port, controller.https_port
    assert port is not None and tls_port is not None and tls_port != 443
    client = Client(port)
    client.send(get("secure.example.com:80", "/path/?q=1") + get("Secure.example.com"))
    head, body = client.response()
    assert head.first == ["HTTP/1.1", "308", "Permanent Redirect"]
    # the fallback HTTPS port goes into the Location; the port asked on does not
    assert field(head, b"location") == f"https://secure.example.com:{tls_port}/path/?q=1"
    assert b"<center><h1>308 Permanent Redirect</h1></center>" in body
    head, _ = client.response()
    # nginx drops a trailing slash, so / goes to the bare host
    assert field(head, b"location") == f"https://Secure.example.com:{tls_port}"
    client.send(get("optout.example.com", "/o") + get("forced.example.com", "/f/") +
                get("nosecret.example.com", "/n"))
    assert json.loads(client.response()[1])["pod"] == "b"
    head, _ = client.response()
    assert head.first[1] == "308"
    assert field(head, b"location") == f"https://forced.example.com:{tls_port}/f/"
    assert json.loads(client.response()[1])["pod"] == "a"  # no certificate: no redirect
    client.close()

    secure = Client(tls_port, "secure.example.com", str(tls_hosts))
    secure.send(get("secure.example.com", "/s") + get("forced.example.com", "/f"))
    answers = [json.loads(secure.response()[1]) for _ in range(2)]
    assert [(a["pod"], a["headers"]["X-Forwarded-Proto"]) for a in answers] == [
        ("a", "https"), ("b", "https")]
    secure.close()


def test_the_redirect_names_no_port_for_443() -> None:
    request = ingress_http.parse_request(b"GET /x?y HTTP/1.1\r\nHost: k.example.com:80")
    answer = ingress_http.redirect_to_https(request, 443, preserve_trailing_slash=False)
    assert answer.extra == ("Location: https://k.example.com/x?y",)


class UpgradePod:
    """A raw pod that answers an upgrade with 101 and then echoes what it gets, upper case."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        with self.listener.accept()[0] as conn:
            reader = ingress_http.Reader(conn)
            reader.head()
            conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: shout\r\n"
                         b"Connection: Upgrade\r\n\r\n")
            while data := reader.take(65536):
                conn.sendall(data.upper())

    def close(self) -> None:
        self.listener.close()


def test_an_upgrade_is_piped_both_ways(api: ApiServer,
                                       controller: IngressController) -> None:
    pod = UpgradePod()
    add_service(api, "ws", [pod])
    add_ingress(api, v1beta1("ws", [rule("ws.example.com", ("/", "ws"))]))
    controller.reconcile()
    assert controller.http_port is not None
    client = Client(controller.http_port)
    client.send(get("ws.example.com", "/ws", "Connection: Upgrade\r\nUpgrade: shout\r\n") +
                b"hello")
    raw = client.reader.head()
    assert raw is not None and raw.startswith(b"HTTP/1.1 101")
    data = b""
    while len(data) < 5:
        data += client.reader.take(65536)
    assert data == b"HELLO"
    client.sock.shutdown(socket.SHUT_WR)  # the half-close reaches the pod, which ends
    assert client.closed()
    client.close()
    pod.close()


@dataclass
class Endpoint:
    port: int


def test_a_pod_that_fails_is_502(api: ApiServer, controller: IngressController) -> None:
    with socket.create_server(("127.0.0.1", 0)) as rude:
        add_service(api, "rude", [Endpoint(int(rude.getsockname()[1]))])
        add_ingress(api, v1beta1("rude", [rule("rude.example.com", ("/", "rude"))]))
        controller.reconcile()
        assert controller.http_port is not None
        client = Client(controller.http_port)
        client.send(get("rude.example.com"))
        rude.accept()[0].close()  # accepted, then closed without a response
        head, body = client.response()
        assert head.first == ["HTTP/1.1", "502", "Bad Gateway"]
        assert b"<center><h1>502 Bad Gateway</h1></center>" in body
        assert client.closed()
        client.close()


def test_a_pod_that_does_not_answer_is_504(api: ApiServer, controller: IngressController,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ingress_http, "IO_TIMEOUT", 0.5)  # nginx waits 60 s
    with socket.create_server(("127.0.0.1", 0)) as silent:
        add_service(api, "silent", [Endpoint(int(silent.getsockname()[1]))])
        add_ingress(api, v1beta1("silent", [rule("silent.example.com", ("/", "silent"))]))
        controller.reconcile()
        assert controller.http_port is not None
        with socket.create_connection(("127.0.0.1", controller.http_port), timeout=10) as raw:
            raw.sendall(get("silent.example.com"))
            with silent.accept()[0]:  # accepted, never answered
                data = b""
                while chunk := raw.recv(65536):  # the 504 ends the connection
                    data += chunk
        assert data.startswith(b"HTTP/1.1 504 Gateway Time-out\r\n"), data
