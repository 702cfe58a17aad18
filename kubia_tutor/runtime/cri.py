"""The container runtime contract, shaped like Kubernetes' CRI: primitives only.

Design note. The kubelet decides (restart policy, back-off, probes, phase and conditions);
a runtime only does what it is told and reports what it sees. That keeps one kubelet for every
backend: `FakeRuntime` keeps containers in memory, the Podman backend maps a pod sandbox to a
Podman pod and each container instance to a Podman container. A container instance is one
(pod, container name, attempt): a restart creates a new instance with the next attempt, so the
previous one is still there for `logs --previous` and `lastState` until the kubelet removes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

Obj = dict[str, Any]

CREATED = "created"
RUNNING = "running"
EXITED = "exited"


class ImagePullError(Exception):
    """The image cannot be had; str() is the reason the kubelet puts in its event."""


class RuntimeError_(Exception):
    """A runtime operation failed; str() is what the kubelet reports."""


@dataclass(frozen=True)
class ContainerInstance:
    """What the runtime observes about one container instance of a pod."""

    name: str  # the container's name in the pod spec
    attempt: int  # 0 for the first instance; the restart count it represents
    id: str
    image: str
    image_id: str
    state: str  # CREATED, RUNNING or EXITED
    exit_code: int | None = None
    oom_killed: bool = False
    started_at: str | None = None  # RFC 3339
    finished_at: str | None = None
    message: str = ""
    # a terminated reason only the runtime can tell (ContainerCannotRun); "" lets the
    # kubelet derive Completed, Error or OOMKilled
    reason: str = ""


@dataclass(frozen=True)
class PullResult:
    """The outcome of making an image present: its reference and whether it was pulled now."""

    image: str
    image_id: str
    pulled: bool
    seconds: float = 0.0


@dataclass(frozen=True)
class ExecResult:
    """A command run in a container: its exit code and what it wrote."""

    exit_code: int
    stdout: bytes
    stderr: bytes


class ContainerRuntime(Protocol):
    """Primitives a kubelet needs from a container runtime."""

    name: str

    def version(self) -> str:
        """The node's containerRuntimeVersion, e.g. `podman://4.3.1`."""
        ...

    def ensure_image(self, image: str, policy: str) -> PullResult:
        """Make the image present as imagePullPolicy says; raises ImagePullError."""
        ...

    def ensure_sandbox(self, pod: Obj) -> str:
        """Create the pod's sandbox (shared network, IPC, UTS; hostname = pod name) if it is
        missing; returns the pod IP."""
        ...

    def create_container(self, pod: Obj, container: Obj, attempt: int, env: dict[str, str]
                         ) -> str:
        """Create (not start) a container instance; returns its id."""
        ...

    def start_container(self, container_id: str) -> None:
        """Start a created container instance."""
        ...

    def stop_container(self, container_id: str, grace_seconds: int) -> None:
        """SIGTERM, then SIGKILL after the grace period."""
        ...

    def remove_container(self, container_id: str) -> None:
        """Remove a container instance (its log goes with it)."""
        ...

    def instances(self, pod: Obj) -> list[ContainerInstance]:
        """Every container instance the runtime holds for this pod (by pod uid)."""
        ...

    def remove_sandbox(self, pod: Obj) -> None:
        """Remove the pod's sandbox and everything left in it."""
        ...

    def sandbox_uids(self) -> list[str]:
        """The pod uids of every sandbox the runtime holds for this cluster."""
        ...

    def relist(self) -> dict[str, str]:
        """Pod uid → a fingerprint of its containers (ids and states) that changes whenever
        any of them changes: one cheap call the kubelet makes every second (its PLEG)."""
        ...

    def logs(self, container_id: str, *, tail: int | None = None, timestamps: bool = False
             ) -> str:
        """A container instance's log."""
        ...

    def exec(self, container_id: str, argv: list[str]) -> ExecResult:
        """Run a command in a running container instance and wait for it."""
        ...

    def close(self) -> None:
        """Release the backend's resources."""
        ...


@dataclass(frozen=True)
class ContainerStats:
    """One usage sample of a running container instance: what the kubelet's summary API
    gives metrics-server. CPU is cumulative, so a rate needs two samples."""

    pod_uid: str
    container: str  # the container's name in the pod spec
    id: str  # the instance: a restart starts a new series
    cpu_nanos: int  # CPU time used since the instance started
    memory_bytes: int  # working set: usage less the inactive file pages (reclaimable cache)


@runtime_checkable
class StatsProvider(Protocol):
    """A runtime that can measure its containers (the fake one cannot: it has no metrics)."""

    def container_stats(self) -> list[ContainerStats]:
        """One sample of every running container instance of this cluster's."""
        ...


class ProcessStream(Protocol):
    """A process in a container with its stdio connected, as `exec -i/-t` and `attach` hand
    it over: output is read in chunks, input written, the terminal resized."""

    tty: bool

    def read(self) -> tuple[int, bytes] | None:
        """The next output chunk as (1 stdout | 2 stderr, data); None once output ended."""
        ...

    def write(self, data: bytes) -> None:
        """Write to the process's stdin."""
        ...

    def close_stdin(self) -> None:
        """End the process's stdin (EOF)."""
        ...

    def resize(self, width: int, height: int) -> None:
        """Set the terminal's size (with a TTY only)."""
        ...

    def wait(self) -> int | None:
        """The exit code once the process ended (None when it cannot be known: attach)."""
        ...

    def close(self) -> None:
        """Let go of the process (the client went away)."""
        ...


class ByteStream(Protocol):
    """A stream of bytes from the runtime (a followed log): read until b"", or close()."""

    def read(self) -> bytes:
        """The next chunk; b"" at the end (or once closed)."""
        ...

    def close(self) -> None:
        """Stop reading; may be called from another thread to end a blocked read()."""
        ...


@runtime_checkable
class StreamingRuntime(Protocol):
    """A runtime that can connect a client to its containers (the fake one cannot: it runs no
    processes): interactive exec, attach, followed logs and the pod address port-forward
    dials."""

    def exec_stream(self, container_id: str, argv: list[str], *, stdin: bool, tty: bool
                    ) -> ProcessStream:
        """Start a command in a running container instance with its stdio connected."""
        ...

    def attach(self, container_id: str, *, stdin: bool, tty: bool) -> ProcessStream:
        """Connect to a running container instance's main process."""
        ...

    def log_stream(self, container_id: str, *, follow: bool, tail: int | None,
                   since: float | None, timestamps: bool) -> ByteStream:
        """A container instance's log from `since` (a unix time), following new lines."""
        ...

    def port_forward_address(self, pod: Obj, port: int) -> tuple[str, int]:
        """The address on the cluster network where the pod's `port` is reached."""
        ...
