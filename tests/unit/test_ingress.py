"""The Ingress controller with plain sockets on 127.0.0.1 (no Podman): routing by Host and
path, the 404 and 503 answers (nginx's pages), the port fallback, the ADDRESS status and
TLS chosen by SNI. Fake pods are local HTTP servers; the injected pod network is
127.0.0.0/8 so they count as inside it."""

from __future__ import annotations

import base64
import http.client
import http.server
import os
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import pytest

from kubia_tutor.api.conversion import convert
from kubia_tutor.api.kinds import resolve
from kubia_tutor.api.server import ApiServer
from kubia_tutor.api.store import Store
from kubia_tutor.runtime.network.ingress import (
    ENDPOINTS,
    INGRESSES,
    SECRETS,
    SERVICES,
    IngressController,
)
from kubia_tutor.runtime.network.ingress_routes import BackendRef, build_routes

NGINX_404 = ("<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n"
             "<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx</center>\r\n"
             "</body>\r\n</html>\r\n")


class Pod(http.server.ThreadingHTTPServer):
    def __init__(self, name: str) -> None:
        self.name = name

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = f"{name} {self.path} {self.headers.get('X-Forwarded-Proto')}".encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: Any) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return int(self.server_address[1])


@pytest.fixture
def api() -> Iterator[ApiServer]:
    server = ApiServer(Store(":memory:"))
    server.create(resolve("namespaces"), None, {"metadata": {"name": "default"}})
    yield server
    server.store.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Listening(Protocol):
    @property
    def port(self) -> int: ...


def add_service(api: ApiServer, name: str, pods: Sequence[Listening]) -> None:
    api.create(SERVICES, "default", {"metadata": {"name": name}, "spec": {
        "selector": {"app": name}, "ports": [{"port": 80, "targetPort": 8080}]}})
    api.create(ENDPOINTS, "default", {"metadata": {"name": name}, "subsets": [{
        "addresses": [{"ip": "127.0.0.1"}] if pods else [],
        "ports": [{"port": pod.port} for pod in pods[:1]] or [{"port": 1}]}]})


def add_ingress(api: ApiServer, manifest: dict[str, Any]) -> None:
    obj, _ = convert(manifest)
    api.create(INGRESSES, "default", obj)


def v1beta1(name: str, rules: list[dict[str, Any]], **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "extensions/v1beta1", "kind": "Ingress", "metadata": {"name": name},
            "spec": {"rules": rules, **spec}}


def rule(host: str, *paths: tuple[str, str]) -> dict[str, Any]:
    return {"host": host, "http": {"paths": [
        {"path": path, "backend": {"serviceName": svc, "servicePort": 80}}
        for path, svc in paths]}}


@pytest.fixture
def controller(api: ApiServer, tmp_path: Path) -> Iterator[IngressController]:
    ctl = IngressController(api, lambda: ("lo", "127.0.0.0/8"), str(tmp_path),
                            http_ports=(free_port(),), https_ports=(free_port(),))
    ctl.start()
    yield ctl
    ctl.stop()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("ingress-tls-")]


def get(port: int, host: str, path: str = "/") -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers={"Host": host})
    reply = conn.getresponse()
    body = reply.read().decode()
    conn.close()
    return reply.status, body


def test_routes_by_host_and_path(api: ApiServer, controller: IngressController) -> None:
    foo, bar, kubia = Pod("foo"), Pod("bar"), Pod("kubia")
    for name, pod in (("foo", foo), ("bar", bar), ("kubia", kubia)):
        add_service(api, name, [pod])
    add_ingress(api, v1beta1("kubia", [rule("kubia.example.com", ("/foo", "foo"),
                                            ("/bar", "bar"), ("/", "kubia"))]))
    controller.reconcile()
    port = controller.http_port
    assert port is not None
    assert get(port, "kubia.example.com", "/foo/x?y=1") == (200, "foo /foo/x?y=1 http")
    assert get(port, "kubia.example.com:80", "/bar") == (200, "bar /bar http")
    assert get(port, "KUBIA.example.com", "/") == (200, "kubia / http")
    assert get(port, "other.example.com", "/foo") == (404, NGINX_404)
    status = api.get(INGRESSES, "default", "kubia")["status"]
    assert status == {"loadBalancer": {"ingress": [{"ip": "127.0.0.1"}]}}
    for pod in (foo, bar, kubia):
        pod.shutdown()
        pod.server_close()


def test_no_ready_endpoint_is_503_and_default_backend(api: ApiServer,
                                                      controller: IngressController) -> None:
    fallback = Pod("fallback")
    add_service(api, "empty", [])
    add_service(api, "fallback", [fallback])
    add_ingress(api, v1beta1("mixed", [rule("a.example.com", ("/", "empty"))],
                             backend={"serviceName": "fallback", "servicePort": 80}))
    controller.reconcile()
    port = controller.http_port
    assert port is not None
    code, body = get(port, "a.example.com")
    assert code == 503 and "503 Service Temporarily Unavailable" in body
    assert get(port, "b.example.com", "/x") == (200, "fallback /x http")
    fallback.shutdown()
    fallback.server_close()


def test_path_types() -> None:
    def ing(path: str, kind: str) -> dict[str, Any]:
        return {"metadata": {"name": kind, "namespace": "default"}, "spec": {"rules": [{
            "http": {"paths": [{"path": path, "pathType": kind, "backend": {
                "service": {"name": kind, "port": {"number": 80}}}}]}}]}}

    table = build_routes([ing("/foo", "Prefix"), ing("/foo/bar", "Exact"),
                          ing("/x", "ImplementationSpecific")])
    names = {p: (b.service if (b := table.match("h", p)) else None)
             for p in ("/foo", "/foo/", "/foo/baz", "/foobar", "/foo/bar", "/xyz", "/")}
    assert names == {"/foo": "Prefix", "/foo/": "Prefix", "/foo/baz": "Prefix",
                     "/foobar": None, "/foo/bar": "Exact", "/xyz": "ImplementationSpecific",
                     "/": None}
    assert table.match("h", "/foo") == BackendRef("default", "Prefix", "80")


def test_the_port_falls_back_when_taken(api: ApiServer, tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken, spare = holder.getsockname()[1], free_port()
        ctl = IngressController(api, lambda: ("", ""), str(tmp_path),
                                http_ports=(taken, spare), https_ports=(taken,))
        ctl.start()
        try:
            assert ctl.http_port == spare
            assert ctl.https_port is None
        finally:
            ctl.stop()


def self_signed(tmp_path: Path, host: str) -> tuple[bytes, bytes]:
    key, cert = tmp_path / f"{host}.key", tmp_path / f"{host}.cert"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(key), "-out", str(cert), "-subj", f"/CN={host}"],
                   check=True, capture_output=True, timeout=60)
    return cert.read_bytes(), key.read_bytes()


def add_tls_secret(api: ApiServer, name: str, cert: bytes, key: bytes) -> None:
    api.create(SECRETS, "default", {"metadata": {"name": name}, "type": "kubernetes.io/tls",
                                    "data": {"tls.crt": base64.b64encode(cert).decode(),
                                             "tls.key": base64.b64encode(key).decode()}})


def test_tls_certificate_chosen_by_sni(api: ApiServer, controller: IngressController,
                                       tmp_path: Path) -> None:
    kubia = Pod("kubia")
    add_service(api, "kubia", [kubia])
    certs = {}
    for host in ("kubia.example.com", "other.example.com"):
        certs[host] = self_signed(tmp_path, host)
        add_tls_secret(api, host.split(".")[0], *certs[host])
    add_ingress(api, v1beta1("kubia", [rule("kubia.example.com", ("/", "kubia")),
                                       rule("other.example.com", ("/", "kubia"))], tls=[
        {"hosts": ["kubia.example.com"], "secretName": "kubia"},
        {"hosts": ["other.example.com"], "secretName": "other"}]))
    controller.reconcile()
    port = controller.https_port
    assert port is not None
    assert not [f for d in tmp_path.glob("ingress-tls-*") for f in os.listdir(d)]
    for host in ("kubia.example.com", "other.example.com"):
        context = ssl.create_default_context(cafile=str(tmp_path / f"{host}.cert"))
        raw = socket.create_connection(("127.0.0.1", port), timeout=10)
        with context.wrap_socket(raw, server_hostname=host) as tls:
            tls.sendall(f"GET /s HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
                        .encode())
            data = b""
            while chunk := tls.recv(65536):
                data += chunk
        assert data.startswith(b"HTTP/1.1 200"), data
        assert data.endswith(b"kubia /s https")
    kubia.shutdown()
    kubia.server_close()
