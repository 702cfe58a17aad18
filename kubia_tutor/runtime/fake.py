"""The fake runtime: no containers; instances live in memory and run until told otherwise.

For unit tests and for machines without Podman. It implements the same contract as the Podman
backend, so the kubelet's decisions (restarts, back-off, status) are the same code in both;
tests make a container exit with `finish()`.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import replace
from typing import Any

from kubia_tutor.clock import Clock, timestamp
from kubia_tutor.runtime.cri import (
    CREATED,
    EXITED,
    RUNNING,
    ContainerInstance,
    ExecResult,
    ImagePullError,
    PullResult,
)
from kubia_tutor.runtime.volumes import Mount, VolumeManager

Obj = dict[str, Any]
VERSION = "0.1.0"


def normalize(image: str) -> str:
    """The image as a container status reports it: with a tag, `:latest` when the spec names
    none (Docker reports `luksa/kubia:latest` for `image: luksa/kubia`)."""
    if "@" in image or ":" in image.rsplit("/", 1)[-1]:
        return image
    return f"{image}:latest"


def image_id(ref: str) -> str:
    """The image's id as `<runtime>://<repository>@sha256:<digest>` (no tag, as Docker's
    `docker-pullable://` ids read)."""
    repo = ref.split("@")[0]
    last = repo.rsplit("/", 1)[-1]
    if ":" in last:
        repo = repo[: repo.rfind(":")]
    return f"fake://{repo}@sha256:{hashlib.sha256(ref.encode()).hexdigest()}"


class FakeRuntime:
    """Pretends to run containers."""

    name = "fake"

    def __init__(self, clock: Clock, volumes: VolumeManager | None = None) -> None:
        self.clock = clock
        # Volumes are prepared on disk only when a volume manager (over a state dir) is given;
        # the mounts each instance was created with are kept for tests either way.
        self.volumes = volumes
        self.mounts: dict[str, list[Mount]] = {}  # container id -> its bind mounts
        self._lock = threading.Lock()
        self._ips: dict[str, str] = {}
        self._next_ip = 2
        self._pulled: set[str] = set()
        self._instances: dict[str, ContainerInstance] = {}  # id -> instance
        self._owner: dict[str, str] = {}  # id -> pod uid
        self.unpullable: set[str] = set()  # images whose pull fails (tests)

    def version(self) -> str:
        return f"fake://{VERSION}"

    def ensure_image(self, image: str, policy: str) -> PullResult:
        ref = normalize(image)
        with self._lock:
            if image in self.unpullable or ref in self.unpullable:
                raise ImagePullError(f"rpc error: code = Unknown desc = image {ref} not found")
            # Never does not pull: the fake counts every image as present then
            present = ref in self._pulled or policy == "Never"
            if present and policy != "Always":
                return PullResult(ref, image_id(ref), False)
            self._pulled.add(ref)
        return PullResult(ref, image_id(ref), True)

    def ensure_sandbox(self, pod: Obj) -> str:
        uid = pod["metadata"]["uid"]
        if self.volumes is not None and uid not in self._ips:
            self.volumes.setup(pod)  # raises VolumeError, as the Podman backend does
        with self._lock:
            if uid not in self._ips:
                current = (pod.get("status") or {}).get("podIP")
                if current:
                    self._ips[uid] = current
                else:
                    n = self._next_ip
                    self._next_ip += 1
                    self._ips[uid] = f"10.244.{n // 250}.{n % 250 + 2}"
            return self._ips[uid]

    def create_container(self, pod: Obj, container: Obj, attempt: int,
                         env: dict[str, str]) -> str:
        uid = pod["metadata"]["uid"]
        name = str(container.get("name"))
        cid = hashlib.sha256(f"{uid}/{name}/{attempt}".encode()).hexdigest()
        ref = normalize(str(container.get("image") or ""))
        mounts = self.volumes.mounts(pod, container, env) if self.volumes is not None else []
        with self._lock:
            self.mounts[cid] = mounts
            self._instances[cid] = ContainerInstance(name, attempt, cid, ref, image_id(ref),
                                                     CREATED)
            self._owner[cid] = uid
        return cid

    def start_container(self, container_id: str) -> None:
        with self._lock:
            instance = self._instances[container_id]
            self._instances[container_id] = replace(
                instance, state=RUNNING, started_at=timestamp(self.clock.now()))

    def finish(self, container_id: str, exit_code: int, oom: bool = False) -> None:
        """Make a running instance exit (a test seam: fake containers never exit alone)."""
        with self._lock:
            instance = self._instances[container_id]
            self._instances[container_id] = replace(
                instance, state=EXITED, exit_code=exit_code, oom_killed=oom,
                finished_at=timestamp(self.clock.now()))

    def stop_container(self, container_id: str, grace_seconds: int) -> None:
        with self._lock:
            instance = self._instances.get(container_id)
            if instance is not None and instance.state != EXITED:
                self._instances[container_id] = replace(
                    instance, state=EXITED, exit_code=143 if instance.state == RUNNING else 0,
                    finished_at=timestamp(self.clock.now()))

    def remove_container(self, container_id: str) -> None:
        with self._lock:
            self._instances.pop(container_id, None)
            self._owner.pop(container_id, None)

    def instances(self, pod: Obj) -> list[ContainerInstance]:
        uid = pod["metadata"]["uid"]
        with self._lock:
            return [i for cid, i in self._instances.items() if self._owner.get(cid) == uid]

    def remove_sandbox(self, pod: Obj) -> None:
        uid = pod["metadata"]["uid"]
        with self._lock:
            self._ips.pop(uid, None)
            if self.volumes is not None:
                self.volumes.cleanup(uid)
            for cid in [c for c, owner in self._owner.items() if owner == uid]:
                self._instances.pop(cid, None)
                self._owner.pop(cid, None)
                self.mounts.pop(cid, None)

    def relist(self) -> dict[str, str]:
        with self._lock:
            found: dict[str, list[str]] = {}
            for cid, instance in self._instances.items():
                found.setdefault(self._owner.get(cid, ""), []).append(f"{cid}:{instance.state}")
        return {uid: ",".join(sorted(states)) for uid, states in found.items()}

    def sandbox_uids(self) -> list[str]:
        with self._lock:
            return sorted(set(self._ips) | set(self._owner.values()))

    def logs(self, container_id: str, *, tail: int | None = None,
             timestamps: bool = False) -> str:
        return ""

    def exec(self, container_id: str, argv: list[str]) -> ExecResult:
        # exit 126: the command cannot run (there is no container to run it in)
        return ExecResult(126, b"", b"the fake runtime runs no containers: start the cluster "
                                    b"with --runtime podman to run commands in them\n")

    def close(self) -> None:
        return None
