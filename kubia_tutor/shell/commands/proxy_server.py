"""The HTTP server behind `kubectl proxy`: the API on 127.0.0.1, without credentials.

Design note. Every API path is passed to the daemon's unix socket byte for byte on a fresh
connection (`Connection: close` both ways), so a watch's chunked stream reaches curl as the
daemon writes it and nothing here parses API objects. The API server's own proxy
subresources, `pods/<name>[:port]/proxy/<path>` and `services/<name>[:port]/proxy/<path>`,
are served here: the real API server dials the pod itself; the tutor's daemon already does
that for `port-forward` (a kubia-stream/1 session, the pod's IP checked against the cluster's
network), so the request travels over such a session and the proxy never dials a pod
address itself. Each proxied request is sent with `Connection: close`, so the pod's answer
ends where its connection does.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import resolve
from kubia_tutor.client.http import HttpClient
from kubia_tutor.daemon.stream_protocol import STATUS, STDIN, STDOUT, FrameSocket

Obj = dict[str, Any]
LOOPBACK = "127.0.0.1"
_PROXY_PATH = re.compile(
    r"^/api/v1/namespaces/(?P<ns>[^/]+)/(?P<kind>pods|services)/(?P<ref>[^/]+)/proxy"
    r"(?P<rest>/[^?]*)?(?P<query>\?.*)?$")
# Hop-by-hop headers (RFC 7230 6.1) are the proxy's own, never passed on.
_HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "proxy-authorization",
               "te", "trailer", "transfer-encoding", "upgrade"}


class ProxyError(Exception):
    """A proxied request that cannot be served: the API server's status and message."""

    def __init__(self, code: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.code, self.reason, self.message = code, reason, message


def split_ref(ref: str) -> tuple[str, str]:
    """`[scheme:]name[:port]` as (name, port); the scheme (http/https) is dropped."""
    parts = unquote(ref).split(":")
    if len(parts) == 3:
        return parts[1], parts[2]
    if len(parts) == 2 and parts[0] in ("http", "https"):
        return parts[1], ""
    if len(parts) == 2:
        return parts[0], parts[1]
    return parts[0], ""


def pod_port(pod: Obj, port: str) -> int:
    """The API server's choice for `pods/<name>:<port>/proxy`: the port given (a number or
    a container port's name), else the first port of the first container that has one."""
    containers = (pod.get("spec") or {}).get("containers") or []
    if port.isdigit():
        return int(port)
    for container in containers:
        for entry in container.get("ports") or []:
            if not port or entry.get("name") == port:
                return int(entry["containerPort"])
    if port:
        raise ProxyError(503, "ServiceUnavailable", f"no such port {port!r} on the pod")
    return 80  # the URL without a port: http's default, as the API server dials it


def service_target(service: Obj, endpoints: Obj, port: str) -> tuple[str, int]:
    """A ready endpoint (pod name, port) for `services/<name>[:port]/proxy`, as the API
    server's service proxy picks one: the service port by name or number (the only one if
    none is given), then that port's address in the endpoints."""
    name = service["metadata"]["name"]
    ports = (service.get("spec") or {}).get("ports") or []
    if port:
        match = [p for p in ports if p.get("name") == port or str(p.get("port")) == port]
    else:
        match = ports[:1] if len(ports) == 1 else [p for p in ports if not p.get("name")]
    if not match:
        raise ProxyError(503, "ServiceUnavailable",
                         f'no endpoints available for service "{name}"')
    port_name = str(match[0].get("name") or "")
    for subset in endpoints.get("subsets") or []:
        numbers = [int(p["port"]) for p in subset.get("ports") or []
                   if str(p.get("name") or "") == port_name]
        pods = [str((a.get("targetRef") or {}).get("name") or "")
                for a in subset.get("addresses") or []
                if (a.get("targetRef") or {}).get("kind") == "Pod"]
        if numbers and pods:
            return pods[0], numbers[0]
    raise ProxyError(503, "ServiceUnavailable", f'no endpoints available for service "{name}"')


class ApiProxy:
    """`kubectl proxy`'s listener on 127.0.0.1:<port>, serving until `shutdown()`."""

    def __init__(self, socket_path: str, port: int = 8001) -> None:
        self.socket_path = socket_path
        self.client = HttpClient(socket_path)  # for streams: each opens its own socket
        proxy = self

        class Handler(_Handler):
            owner = proxy

        self.server = ThreadingHTTPServer((LOOPBACK, port), Handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])

    def serve_forever(self) -> None:
        """Serve until `shutdown()` (or Ctrl+C in the caller)."""
        self.server.serve_forever(poll_interval=0.2)

    def start(self) -> None:
        """Serve in a thread of its own (the tests' way)."""
        threading.Thread(target=self.serve_forever, name="kubectl-proxy", daemon=True).start()

    def shutdown(self) -> None:
        """Stop serving and close the listener and the API connections."""
        self.server.shutdown()
        self.close()

    def close(self) -> None:
        """Close the listener and the API connections (serve_forever must have ended)."""
        self.server.server_close()
        self.client.close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    owner: ApiProxy

    def log_message(self, format: str, *args: Any) -> None:
        return  # kubectl proxy logs nothing per request at the default verbosity

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        self.close_connection = True  # one request per connection keeps the relay simple
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        match = _PROXY_PATH.match(self.path)
        try:
            if match is None:
                self._to_api(body)
                return
            pod, port = self._target(match)
            rest = match.group("rest") or "/"
            self._to_pod(match.group("ns"), pod, port, rest + (match.group("query") or ""),
                         body)
        except ProxyError as err:
            self._status(err.code, err.reason, err.message)
        except ApiError as err:
            self._status(err.code, err.reason, err.message)
        except (OSError, ConnectionError) as exc:
            self._status(503, "ServiceUnavailable", f"the cluster does not answer: {exc}")

    def _head(self, path: str, body: bytes) -> bytes:
        lines = [f"{self.command} {path} HTTP/1.1"]
        for name, value in self.headers.items():
            if name.lower() not in _HOP_BY_HOP and name.lower() != "content-length":
                lines.append(f"{name}: {value}")
        lines += [f"Content-Length: {len(body)}", "Connection: close"]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _to_api(self, body: bytes) -> None:
        """Relay the request to the daemon and its answer back, as bytes."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as upstream:
            upstream.connect(self.owner.socket_path)
            upstream.sendall(self._head(self.path, body) + body)
            while chunk := upstream.recv(65536):
                self.wfile.write(chunk)
                self.wfile.flush()  # a watch's events go out as they come

    def _target(self, match: re.Match[str]) -> tuple[str, int]:
        ns, (name, port) = match.group("ns"), split_ref(match.group("ref"))
        # A client per request: a kept-alive one per handler thread would outlive the
        # thread with its socket still open.
        with HttpClient(self.owner.socket_path) as client:
            if match.group("kind") == "pods":
                return name, pod_port(client.get(resolve("pods"), ns, name), port)
            service = client.get(resolve("services"), ns, name)
            try:
                endpoints = client.get(resolve("endpoints"), ns, name)
            except ApiError:
                endpoints = {}
        return service_target(service, endpoints, port)

    def _to_pod(self, namespace: str, pod: str, port: int, path: str, body: bytes) -> None:
        """Send the request over a port-forward session to the pod and relay the answer."""
        try:
            sock = self.owner.client.stream(namespace, pod, "portforward", {"ports": [port]})
        except ApiError as err:
            # the daemon's dial error reads "error forwarding port ...: dial tcp ...";
            # the API server words a failed proxy dial as below
            reason = err.message.split(": ", 1)[-1] if "dial tcp" in err.message \
                else err.message
            raise ProxyError(503, "ServiceUnavailable",
                             f"error trying to reach service: {reason}") from None
        frames = FrameSocket(sock)
        try:
            frames.send(STDIN, self._head(path, body) + body)
            while (frame := frames.read()) is not None:
                channel, data = frame
                if channel == STDOUT:
                    if not data:
                        break  # the pod closed its side: the answer is complete
                    self.wfile.write(data)
                    self.wfile.flush()
                elif channel == STATUS:
                    break
        finally:
            with contextlib.suppress(OSError):
                frames.close()

    def _status(self, code: int, reason: str, message: str) -> None:
        payload = json.dumps({"kind": "Status", "apiVersion": "v1", "metadata": {},
                              "status": "Failure", "message": message, "reason": reason,
                              "code": code}).encode()
        with contextlib.suppress(OSError):
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
