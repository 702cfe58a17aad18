"""`HttpClient`: the ApiClient contract over the daemon's unix socket."""

from __future__ import annotations

import builtins
import json
import socket
import threading
import weakref
from collections.abc import Generator
from types import TracebackType
from typing import Any
from urllib.parse import urlencode

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import ResourceType, resolve
from kubia_tutor.client.wire import (
    ConnectionClosed,
    ConnectionRefused,
    UnixConnection,
    upgrade,
)
from kubia_tutor.daemon import stream_protocol

Obj = dict[str, Any]

PODS = resolve("pods")
_PATCH_CONTENT_TYPES = {
    "strategic": "application/strategic-merge-patch+json",
    "merge": "application/merge-patch+json",
    "json": "application/json-patch+json",
}


class HttpClient:
    """Talks to one daemon; keeps one connection per thread until `close()`."""

    def __init__(self, socket_path: str, timeout: float = 30.0) -> None:
        self.socket_path = socket_path
        self.timeout = timeout
        self._local = threading.local()
        # Every thread's kept-alive connection, so close() can close them all. Without
        # close() the sockets were only ever closed by the garbage collector, with a
        # ResourceWarning each (an error under the tests' filterwarnings=error). Weak, so a
        # finished thread's connection still goes with it.
        self._conns: weakref.WeakSet[UnixConnection] = weakref.WeakSet()
        self._conns_lock = threading.Lock()

    def _conn(self) -> UnixConnection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = UnixConnection(self.socket_path, self.timeout)
            self._local.conn = conn
            with self._conns_lock:
                self._conns.add(conn)
        return conn

    def close(self) -> None:
        """Close the kept-alive connections (the client reconnects if used again)."""
        with self._conns_lock:
            conns = list(self._conns)
            self._conns.clear()
        for conn in conns:
            conn.close()
        self._local = threading.local()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def request(self, method: str, path: str, body: Any = None,
                content_type: str = "application/json") -> Any:
        """Send one request and return the decoded JSON body; raises ApiError on failure."""
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": content_type} if data is not None else {}
        for attempt in (1, 2):
            conn = self._conn()
            try:
                resp = conn.request(method, path, data, headers)
                raw = resp.body
                break
            except ConnectionClosed:
                # a kept-alive connection the daemon closed (or a restarted daemon): retry once
                conn.close()
                if attempt == 2:
                    raise ConnectionRefused("the connection to the daemon was closed") from None
            except ConnectionRefused:
                self._local.conn = None
                raise
        payload = json.loads(raw) if raw and resp.headers.get("content-type", "").startswith(
            "application/json") else raw.decode(errors="replace")
        if resp.status >= 400:
            if isinstance(payload, dict) and payload.get("kind") == "Status":
                raise ApiError.from_status(payload)
            raise ApiError(resp.status, "", str(payload))
        return payload

    # The ApiClient contract -----------------------------------------------------------------

    def create(self, rt: ResourceType, namespace: str | None, obj: Obj, *,
               dry_run: bool = False) -> Obj:
        """Create an object."""
        result: Obj = self.request("POST", _q(rt.path(namespace), dryRun="All" if dry_run
                                               else ""), obj)
        return result

    def get(self, rt: ResourceType, namespace: str | None, name: str) -> Obj:
        """Read one object."""
        result: Obj = self.request("GET", rt.path(namespace, name))
        return result

    def list(self, rt: ResourceType, namespace: str | None = None, *,
             label_selector: str = "", field_selector: str = "") -> Obj:
        """Read a list."""
        result: Obj = self.request("GET", _q(rt.path(namespace), labelSelector=label_selector,
                                             fieldSelector=field_selector))
        return result

    def update(self, rt: ResourceType, namespace: str | None, name: str, obj: Obj, *,
               subresource: str = "", dry_run: bool = False) -> Obj:
        """Replace an object or its status."""
        path = rt.path(namespace, name) + (f"/{subresource}" if subresource else "")
        result: Obj = self.request("PUT", _q(path, dryRun="All" if dry_run else ""), obj)
        return result

    def patch(self, rt: ResourceType, namespace: str | None, name: str, patch: Any,
              patch_type: str = "strategic", *, subresource: str = "",
              dry_run: bool = False) -> Obj:
        """Patch an object."""
        path = rt.path(namespace, name) + (f"/{subresource}" if subresource else "")
        result: Obj = self.request("PATCH", _q(path, dryRun="All" if dry_run else ""), patch,
                                   _PATCH_CONTENT_TYPES.get(patch_type, patch_type))
        return result

    def delete(self, rt: ResourceType, namespace: str | None, name: str, *,
               propagation: str = "", grace_period: int | None = None,
               dry_run: bool = False) -> Obj:
        """Delete an object."""
        opts: Obj = {"kind": "DeleteOptions", "apiVersion": "v1"}
        if propagation:
            opts["propagationPolicy"] = propagation
        if grace_period is not None:
            opts["gracePeriodSeconds"] = grace_period
        if dry_run:
            opts["dryRun"] = ["All"]
        result: Obj = self.request("DELETE", rt.path(namespace, name), opts)
        return result

    def watch(self, rt: ResourceType, namespace: str | None = None, *,
              resource_version: str = "", label_selector: str = "",
              field_selector: str = "", timeout: float | None = None
              ) -> Generator[Obj, None, None]:
        """Stream watch events on a connection of its own; close() the stream to end it."""
        path = _q(rt.path(namespace), watch="true", resourceVersion=resource_version,
                  labelSelector=label_selector, fieldSelector=field_selector,
                  timeoutSeconds=str(int(timeout)) if timeout else "")
        conn = UnixConnection(self.socket_path, None)
        try:
            resp = conn.send("GET", path)
        except ConnectionClosed as exc:
            raise ConnectionRefused(str(exc)) from None
        if resp.status >= 400:
            body = conn.request_body(resp)
            conn.close()
            raise ApiError.from_status(json.loads(body or b"{}"))
        return _events(conn)

    def pod_logs(self, namespace: str | None, name: str, *, container: str = "",
                 previous: bool = False, tail: int | None = None,
                 timestamps: bool = False) -> str:
        """A pod container's log, as text."""
        path = _q(PODS.path(namespace, name) + "/log", container=container,
                  previous="true" if previous else "",
                  tailLines="" if tail is None else str(tail),
                  timestamps="true" if timestamps else "")
        text = self.request("GET", path)
        return text if isinstance(text, str) else str(text)

    def pod_exec(self, namespace: str | None, name: str, command: builtins.list[str], *,
                 container: str = "") -> Obj:
        """Run a command in a pod's container."""
        result: Obj = self.request("POST", PODS.path(namespace, name) + "/exec",
                                   {"command": command, "container": container})
        return result

    def raw_get(self, path: str) -> Any:
        """GET a non-resource path (`/version`, `/kubia/status`)."""
        return self.request("GET", path)

    def stream(self, namespace: str | None, name: str, subresource: str,
               options: Obj) -> socket.socket:
        """Open a streaming session on a pod (kubia-stream/1 over an upgraded connection of
        its own); refusals raise ApiError before anything streams."""
        path = PODS.path(namespace, name) + f"/{subresource}"
        encoded = stream_protocol.query(options)
        sock, resp = upgrade(self.socket_path, "POST", f"{path}?{encoded}" if encoded else path,
                             stream_protocol.PROTOCOL, self.timeout)
        if sock is not None:
            return sock
        try:
            payload = json.loads(resp.body or b"{}")
        except ValueError:
            payload = None
        if isinstance(payload, dict) and payload.get("kind") == "Status":
            raise ApiError.from_status(payload)
        raise ApiError(resp.status, "", resp.body.decode(errors="replace") or
                       f"the daemon refused the {subresource} stream ({resp.status})")


def _events(conn: UnixConnection) -> Generator[Obj, None, None]:
    try:
        for line in conn.lines():
            if line.strip():
                yield json.loads(line)
    finally:
        conn.close()


def _q(path: str, **params: str) -> str:
    params = {k: v for k, v in params.items() if v}
    return f"{path}?{urlencode(params)}" if params else path
