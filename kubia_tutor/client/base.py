"""The API client contract: what the shell, the TUI and lesson checks may ask of the cluster.

Two implementations share it: `HttpClient` talks to the daemon over its unix socket, and the
in-process `ApiServer` (used by unit tests and by the daemon itself) answers directly. Objects
are Kubernetes JSON dicts; failures raise `kubia_tutor.api.errors.ApiError`.
"""

from __future__ import annotations

import builtins
import socket
from collections.abc import Iterator
from typing import Any, Protocol

from kubia_tutor.api.kinds import ResourceType

Obj = dict[str, Any]


class ApiClient(Protocol):
    """Kubernetes-shaped CRUD and watch over resource types."""

    def create(self, rt: ResourceType, namespace: str | None, obj: Obj, *,
               dry_run: bool = False) -> Obj:
        """Create an object; returns it as stored (or as it would be, with dry_run)."""
        ...

    def get(self, rt: ResourceType, namespace: str | None, name: str) -> Obj:
        """Read one object."""
        ...

    def list(self, rt: ResourceType, namespace: str | None = None, *,
             label_selector: str = "", field_selector: str = "") -> Obj:
        """Read a `<Kind>List` (namespace None means all namespaces)."""
        ...

    def update(self, rt: ResourceType, namespace: str | None, name: str, obj: Obj, *,
               subresource: str = "", dry_run: bool = False) -> Obj:
        """Replace an object (PUT); its metadata.resourceVersion, when set, must be current."""
        ...

    def patch(self, rt: ResourceType, namespace: str | None, name: str, patch: Any,
              patch_type: str = "strategic", *, subresource: str = "",
              dry_run: bool = False) -> Obj:
        """Patch an object: patch_type is `strategic`, `merge` or `json`."""
        ...

    def delete(self, rt: ResourceType, namespace: str | None, name: str, *,
               propagation: str = "", grace_period: int | None = None,
               dry_run: bool = False) -> Obj:
        """Delete an object; returns the object (with deletionTimestamp while it terminates)."""
        ...

    def watch(self, rt: ResourceType, namespace: str | None = None, *,
              resource_version: str = "", label_selector: str = "",
              field_selector: str = "", timeout: float | None = None) -> Iterator[Obj]:
        """Yield watch events `{"type": ADDED|MODIFIED|DELETED, "object": ...}` after a revision."""
        ...

    def raw_get(self, path: str) -> Any:
        """GET a non-resource path such as `/version`."""
        ...

    def pod_logs(self, namespace: str | None, name: str, *, container: str = "",
                 previous: bool = False, tail: int | None = None,
                 timestamps: bool = False) -> str:
        """A pod container's log (GET .../pods/<name>/log)."""
        ...

    def pod_exec(self, namespace: str | None, name: str, command: builtins.list[str], *,
                 container: str = "") -> Obj:
        """Run a command in a pod's container: {"exitCode", "stdout", "stderr"}."""
        ...

    def stream(self, namespace: str | None, name: str, subresource: str,
               options: Obj) -> socket.socket:
        """Open a streaming session on a pod's `exec`, `attach`, `log` or `portforward`
        subresource; the socket carries kubia-stream/1 frames (`daemon/stream_protocol.py`).
        A session that cannot start raises ApiError before anything streams."""
        ...
