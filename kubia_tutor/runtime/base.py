"""The runtime contract the kubelet drives: run a pod's containers, report their states."""

from __future__ import annotations

from typing import Any, Protocol

Obj = dict[str, Any]


class Runtime(Protocol):
    """A container runtime backend (`fake` now, `podman` with the real runtime)."""

    name: str

    def version(self) -> str:
        """The node's containerRuntimeVersion (`podman://4.3.1`, `fake://0.1.0`)."""
        ...

    def sync_pod(self, pod: Obj) -> Obj:
        """Make the pod's containers run as its spec says; return its new `status`."""
        ...

    def kill_pod(self, pod: Obj) -> None:
        """Stop and remove everything of the pod."""
        ...

    def logs(self, pod: Obj, container: str, *, previous: bool = False,
             tail: int | None = None) -> str:
        """A container's log."""
        ...

    def close(self) -> None:
        """Release the backend's resources."""
        ...
