"""The fake runtime: no containers; pods go Running and Ready with plausible statuses.

For unit tests and for machines without Podman. Everything it reports is derived from the pod
spec and the time it first saw the pod, so a status read twice is the same status.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any

from kubia_tutor.clock import Clock, timestamp

Obj = dict[str, Any]
VERSION = "0.1.0"


class FakeRuntime:
    """Pretends to run containers."""

    name = "fake"

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._ips: dict[str, str] = {}
        self._next_ip = 2
        self._lock = threading.Lock()

    def version(self) -> str:
        return f"fake://{VERSION}"

    def _ip_for(self, uid: str, current: str) -> str:
        with self._lock:
            if current:
                self._ips[uid] = current
            if uid not in self._ips:
                n = self._next_ip
                self._next_ip += 1
                self._ips[uid] = f"10.244.{n // 250}.{n % 250 + 2}"
            return self._ips[uid]

    def sync_pod(self, pod: Obj) -> Obj:
        status = dict(pod.get("status") or {})
        now = timestamp(self.clock.now())
        started = status.get("startTime") or now
        spec = pod.get("spec") or {}
        statuses = []
        for container in spec.get("containers") or []:
            name = container.get("name", "")
            image = container.get("image", "")
            digest = hashlib.sha256(f"{image}".encode()).hexdigest()
            cid = hashlib.sha256(f"{pod['metadata'].get('uid')}/{name}".encode()).hexdigest()
            previous: Obj = next((s for s in status.get("containerStatuses") or []
                             if s.get("name") == name), {})
            running_since = ((previous.get("state") or {}).get("running") or {}).get(
                "startedAt") or now
            statuses.append({
                "name": name, "image": status_image(image),
                "imageID": f"fake://{image}@sha256:{digest}",
                "containerID": f"fake://{cid}", "ready": True, "started": True,
                "restartCount": int(previous.get("restartCount") or 0),
                "lastState": previous.get("lastState") or {},
                "state": {"running": {"startedAt": running_since}},
            })
        transition = started
        status.update({
            "phase": "Running",
            "conditions": [
                {"type": t, "status": "True", "lastProbeTime": None,
                 "lastTransitionTime": transition}
                for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")
            ],
            "hostIP": "127.0.0.1",
            "podIP": self._ip_for(pod["metadata"]["uid"], status.get("podIP", "")),
            "startTime": started,
            "containerStatuses": statuses,
        })
        status["podIPs"] = [{"ip": status["podIP"]}]
        return status

    def kill_pod(self, pod: Obj) -> None:
        with self._lock:
            self._ips.pop(pod["metadata"].get("uid", ""), None)

    def logs(self, pod: Obj, container: str, *, previous: bool = False,
             tail: int | None = None) -> str:
        return ""

    def close(self) -> None:
        return None


def status_image(image: str) -> str:
    """The image as a container status reports it: with a tag, `:latest` when the spec names
    none (Docker reports `luksa/kubia:latest` for `image: luksa/kubia`)."""
    if "@" in image or ":" in image.rsplit("/", 1)[-1]:
        return image
    return f"{image}:latest"
