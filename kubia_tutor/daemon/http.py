"""The daemon's HTTP/1.1 server on a unix socket in the state dir.

Threads, not asyncio: the API server underneath is synchronous (SQLite under one lock), each
request is short, and watches block in their own thread while the store wakes them.
"""

from __future__ import annotations

import json
import logging
import os
import socketserver
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from kubia_tutor.api.errors import ApiError, bad_request
from kubia_tutor.api.server import ApiServer
from kubia_tutor.api.version import SERVER_VERSION
from kubia_tutor.daemon.rest import PATCH_TYPES, Route, discovery, encode, parse_path
from kubia_tutor.daemon.stream_protocol import PROTOCOL, parse_options

log = logging.getLogger(__name__)

# The pod subresources that speak kubia-stream/1 after an upgrade.
STREAMING = ("exec", "attach", "log", "portforward")


class _UnixHTTPServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, path: str, api: ApiServer, extra: Any) -> None:
        self.api = api
        self.extra = extra  # the daemon's non-API handlers (status, shutdown)
        super().__init__(path, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _UnixHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        return  # requests are not logged; the daemon log keeps errors only

    def address_string(self) -> str:
        return "unix"

    # Dispatch --------------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        try:
            body = self._read_body()
            if self.path.startswith("/kubia/"):
                self.server.extra.handle(self, method, self.path, body)
                return
            if method == "GET" and self.path.startswith("/apis/metrics.k8s.io"):
                # metrics-server's API (`kubectl top`): not a stored kind, the kubelet's
                # samples; the API server answers 404 when the runtime has none
                self.send_json(200, self.server.api.raw_get(self.path))
                return
            route = parse_path(self.path)
            if isinstance(route, str):
                self._non_resource(route)
                return
            self._resource(method, route, body)
        except ApiError as err:
            self.send_json(err.code, err.status())
        except (BrokenPipeError, ConnectionResetError):
            return
        except Exception as exc:  # the daemon must answer, never die, on a bad request
            self.send_json(500, ApiError(500, "InternalError",
                                         f"Internal error occurred: {exc}").status())

    def _read_body(self) -> Any:
        # A Content-Length that is not a number, and a body that is not UTF-8 (json.loads
        # raises UnicodeDecodeError, not JSONDecodeError, for it), used to be 500s; both are
        # the client's mistake, a 400 as the API server answers. A negative length would have
        # read until the client hung up.
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError as exc:
            raise bad_request("the Content-Length header is not a number") from exc
        if length < 0:
            raise bad_request("the Content-Length header is negative")
        if not length:
            return None
        raw = self.rfile.read(length)
        try:
            return json.loads(raw)
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
            raise bad_request(f"the request body is not valid JSON: {exc}") from exc

    def _non_resource(self, path: str) -> None:
        if path in ("/healthz", "/readyz", "/livez"):
            self.send_text(200, "ok")
            return
        if path == "/version":
            self.send_json(200, SERVER_VERSION)
            return
        doc = discovery(path.rstrip("/"))
        if doc is None:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        self.send_json(200, doc)

    def _resource(self, method: str, route: Route, body: Any) -> None:
        api = self.server.api
        q = route.query
        dry = q.get("dryRun") == "All"
        if route.name and route.subresource in STREAMING and \
                (self.headers.get("Upgrade") or "").strip() == PROTOCOL:
            self._stream(route)
            return
        if method == "POST" and route.name and route.subresource == "exec":
            # Not Kubernetes' streaming protocol: a whole command, its output in one answer
            # (what `kubectl exec POD -- CMD` needs; interactive sessions come later).
            opts = body if isinstance(body, dict) else {}
            self.send_json(200, api.pod_exec(route.namespace, route.name,
                                             list(opts.get("command") or []),
                                             container=str(opts.get("container") or "")))
            return
        if method == "GET" and route.name and route.subresource == "log":
            tail = q.get("tailLines")
            self.send_text(200, api.pod_logs(
                route.namespace, route.name, container=q.get("container", ""),
                previous=q.get("previous") == "true",
                tail=int(tail) if tail and tail.lstrip("-").isdigit() else None,
                timestamps=q.get("timestamps") == "true"))
            return
        if method == "GET" and not route.name:
            if q.get("watch") in ("true", "1"):
                self._watch(route)
                return
            self.send_bytes(200, api.list_json(route.rt, route.namespace,
                                               label_selector=q.get("labelSelector", ""),
                                               field_selector=q.get("fieldSelector", "")))
        elif method == "GET":
            self.send_json(200, api.get(route.rt, route.namespace, route.name))
        elif method == "POST" and not route.name:
            self.send_json(201, api.create(route.rt, route.namespace, _obj(body), dry_run=dry))
        elif method == "PUT" and route.name:
            self.send_json(200, api.update(route.rt, route.namespace, route.name, _obj(body),
                                           subresource=route.subresource, dry_run=dry))
        elif method == "PATCH" and route.name:
            content = (self.headers.get("Content-Type") or "").split(";")[0].strip()
            patch_type = PATCH_TYPES.get(content, content or "strategic")
            self.send_json(200, api.patch(route.rt, route.namespace, route.name, body,
                                          patch_type, subresource=route.subresource,
                                          dry_run=dry))
        elif method == "DELETE" and route.name:
            opts = body if isinstance(body, dict) else {}
            grace = opts.get("gracePeriodSeconds", q.get("gracePeriodSeconds"))
            propagation = opts.get("propagationPolicy") or q.get("propagationPolicy", "")
            dry = dry or "All" in (opts.get("dryRun") or [])
            self.send_json(200, api.delete(route.rt, route.namespace, route.name,
                                           propagation=str(propagation),
                                           grace_period=None if grace is None else int(grace),
                                           dry_run=dry))
        else:
            raise ApiError(405, "MethodNotAllowed",
                           "the server does not allow this method on the requested resource")

    def _stream(self, route: Route) -> None:
        """Upgrade to kubia-stream/1 (see `stream_protocol`) and relay the session. Refusals
        are ordinary error responses: they come before the 101."""
        try:
            options = parse_options(parse_qs(urlsplit(self.path).query))
        except ValueError as exc:
            raise bad_request(str(exc)) from exc
        runner = self.server.api.open_stream(route.namespace, route.name, route.subresource,
                                             options)
        self.send_response(101, "Switching Protocols")
        self.send_header("Connection", "Upgrade")
        self.send_header("Upgrade", PROTOCOL)
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True  # the socket is the session's now
        runner(self.connection)

    def _watch(self, route: Route) -> None:
        q = route.query
        try:
            timeout = float(q["timeoutSeconds"]) if q.get("timeoutSeconds") else None
        except ValueError as exc:
            raise bad_request(f'invalid timeoutSeconds "{q["timeoutSeconds"]}"') from exc
        resource_version = q.get("resourceVersion", "")
        # Errors must come as a Status before the 200. api.watch() checks the verb and the
        # selectors at once; only the resourceVersion is parsed once the events are pulled,
        # so it is checked here. This used to pull the first event before sending the
        # headers instead, which held the response (and the client's watch() call) until
        # something changed or the watch timed out: a watch from the current revision looked
        # hung, and changes made while it was being opened were the only ones it could see.
        if resource_version not in ("", "0"):
            try:
                int(resource_version)
            except ValueError as exc:
                raise bad_request(f'invalid resource version "{resource_version}"') from exc
        events = self.server.api.watch(
            route.rt, route.namespace, resource_version=resource_version,
            label_selector=q.get("labelSelector", ""),
            field_selector=q.get("fieldSelector", ""), timeout=timeout)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        try:
            try:
                for event in events:
                    self.write_chunk(encode(event) + b"\n")
            except ApiError as err:
                # Past the 200 an error can only travel as an ERROR event, as in Kubernetes.
                self.write_chunk(encode({"type": "ERROR", "object": err.status()}) + b"\n")
            self.write_chunk(b"")
        except (BrokenPipeError, ConnectionResetError):
            return
        except Exception:
            # Not a 500 response: the headers are out; the stream ends (unterminated).
            log.exception("watch on %s failed", self.path)
            return
        finally:
            self.close_connection = True

    # Responses -------------------------------------------------------------------------------

    def write_chunk(self, data: bytes) -> None:
        """Write one chunk of a chunked response (an empty one ends it)."""
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def send_json(self, code: int, body: Any) -> None:
        """Send a complete JSON response."""
        self.send_bytes(code, encode(body))

    def send_bytes(self, code: int, data: bytes) -> None:
        """Send a complete response of JSON bytes."""
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def send_text(self, code: int, text: str) -> None:
        """Send a complete plain-text response."""
        data = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def query(self) -> dict[str, str]:
        """The request's query parameters."""
        return {k: v[-1] for k, v in parse_qs(urlsplit(self.path).query).items()}


def _obj(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise bad_request("the request body must be a JSON object")
    return body


class HttpServer:
    """Serves the API on a unix socket until `shutdown()`."""

    def __init__(self, socket_path: str, api: ApiServer, extra: Any) -> None:
        if os.path.exists(socket_path):
            os.unlink(socket_path)
        self.socket_path = socket_path
        self._server = _UnixHTTPServer(socket_path, api, extra)
        os.chmod(socket_path, 0o600)
        # a short poll interval: `stop` should not wait half a second for the loop to notice
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, name="http",
                                        daemon=True)

    def start(self) -> None:
        """Start serving in a background thread."""
        self._thread.start()

    def shutdown(self) -> None:
        """Stop serving and remove the socket."""
        self._server.shutdown()
        self._server.server_close()
        if os.path.exists(self.socket_path):
            os.unlink(self.socket_path)
