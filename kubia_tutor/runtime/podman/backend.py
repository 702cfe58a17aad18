"""`PodmanRuntime`: the `ContainerRuntime` contract on real Podman pods and containers.

Design note. One Podman pod per Kubernetes pod (the sandbox: its infra container holds the
shared net, IPC and UTS namespaces; hostname = pod name) on the cluster's own bridge network,
and one Podman container per container instance (pod, container, attempt). Everything goes
through the tutor's own `podman system service` (`PodmanService`), over its REST API with
podman-py. Ownership is decided by labels only (see `labels`): objects without this cluster's
labels are never listed, stopped or removed, whatever their names.

Pods always get a resolver of the cluster's (`10.96.0.10`, the cluster DNS VIP), never the
host's, which is off the machine. Images come from the offline catalog, built on demand; any
other image fails to pull with a message that says so. Containers run with an init
(catatonit) so SIGTERM ends busybox and `command:` overrides at once, with nofile and nproc
pinned together (a per-container ulimit replaces Podman's whole default list), and with memory
and CPU limits only where the host's cgroups allow them (otherwise skipped with a log line).
"""

from __future__ import annotations

import json
import logging
import math
import os
import struct
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kubia_tutor.api.quantity import Quantity
from kubia_tutor.runtime import images
from kubia_tutor.runtime.cri import (
    ContainerInstance,
    ExecResult,
    ImagePullError,
    PullResult,
    RuntimeError_,
)
from kubia_tutor.runtime.images import builder, catalog
from kubia_tutor.runtime.podman import labels, network
from kubia_tutor.runtime.podman.config import HostFacts, conf_file, detect_host
from kubia_tutor.runtime.podman.service import PodmanService

if TYPE_CHECKING:
    from podman import PodmanClient

log = logging.getLogger(__name__)

Obj = dict[str, Any]
CLUSTER_DNS = "10.96.0.10"
CPU_PERIOD = 100_000  # microseconds, as the kubelet uses
MIN_CPU_QUOTA = 1_000


@dataclass(frozen=True)
class ManagedPod:
    """A Podman pod of this cluster's, as `podman pod ps` would show it."""

    id: str
    name: str
    namespace: str
    pod: str
    uid: str
    status: str
    containers: int


@dataclass
class Cleanup:
    """What `remove_all` removed, and what it left and why."""

    pods: int = 0
    containers: int = 0
    network_removed: bool = False
    problems: list[str] = field(default_factory=list)


def limit_support(host: HostFacts | None = None, mounts_file: str = "/proc/mounts"
                  ) -> dict[str, str]:
    """Why memory or CPU limits cannot be set on this host: {"memory"|"cpu": reason}."""
    host = host or detect_host()
    refused: dict[str, str] = {}
    wanted = ("memory", "cpu")
    if host.cgroups == "v2":
        path = Path("/sys/fs/cgroup/cgroup.controllers")
        if os.geteuid() != 0:
            uid = os.geteuid()
            path = Path(f"/sys/fs/cgroup/user.slice/user-{uid}.slice/user@{uid}.service/"
                        "cgroup.controllers")
        try:
            available = set(path.read_text().split())
        except OSError:
            available = set()
        for name in wanted:
            if name not in available:
                refused[name] = f"the {name} controller is not available in {path}"
        return refused
    if os.geteuid() != 0:
        return {name: "rootless Podman cannot set limits with cgroup v1" for name in wanted}
    try:
        mounts = Path(mounts_file).read_text()
    except OSError:
        mounts = ""
    options: set[str] = set()
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) >= 4 and fields[2] == "cgroup":
            options.update(fields[3].split(","))
    for name in wanted:
        if name not in options:
            refused[name] = f"no cgroup v1 {name} controller is mounted"
    return refused


def _catalog_names() -> str:
    shown = []
    for item in catalog.CATALOG:
        book = [r for r in item.references if r.startswith("luksa/")]
        shown.append(book[0] if book else item.references[0])
    return ", ".join(shown)


class PodmanRuntime:
    """Runs a cluster's pods as Podman pods through the tutor's own Podman service."""

    name = "podman"

    def __init__(self, state_dir: str, *, cluster_id: str,
                 service: PodmanService | None = None, subnet: str = network.DEFAULT_SUBNET,
                 dns_server: str = CLUSTER_DNS, image_prefix: str | None = None,
                 allow_pull: bool = False, host: HostFacts | None = None) -> None:
        if not labels.valid_name(cluster_id):
            raise ValueError(f"cluster id {cluster_id!r} is not usable in a Podman name")
        self.state_dir = state_dir
        self.cluster_id = cluster_id
        self.subnet = subnet
        self.dns_server = dns_server
        self.image_prefix = image_prefix
        self.allow_pull = allow_pull
        self.host = host or detect_host()
        self._own_service = service is None
        self.service = service or PodmanService(state_dir, host=self.host)
        self.client: PodmanClient = self.service.start()
        self.network = labels.network_name(cluster_id)
        self.refused_limits = limit_support(self.host)
        for name, why in self.refused_limits.items():
            log.info("%s limits are skipped on this host: %s", name, why)
        self._lock = threading.Lock()
        self._network_ready = False
        self._images: dict[str, tuple[str, str]] = {}  # reference -> (local name, image id)

    # -- helpers -----------------------------------------------------------------------------

    def _api(self, method: str, path: str, *, params: Obj | None = None,
             body: Obj | None = None, timeout: float | None = None, ok404: bool = False
             ) -> Any:
        """A libpod API call; raises RuntimeError_ with Podman's message (None on 404 when
        `ok404`)."""
        kwargs: Obj = {"params": params}
        if body is not None:
            kwargs["data"] = json.dumps(body)
        if timeout is not None:
            kwargs["timeout"] = timeout
        response = getattr(self.client.api, method)(path, **kwargs)
        if ok404 and response.status_code == 404:
            return None
        if not response.ok and response.status_code != 304:
            raise RuntimeError_(f"podman {method.upper()} {path}: {network.message(response)}")
        if response.status_code in (204, 304) or not response.content:
            return {}
        return response.json()

    def _filters(self, **label_values: str) -> Obj:
        wanted = [f"{labels.MANAGED}=true", f"{labels.CLUSTER}={self.cluster_id}"]
        wanted += [f"{key}={value}" for key, value in label_values.items()]
        return {"filters": json.dumps({"label": wanted}), "all": "true"}

    def _own_container(self, container_id: str) -> Obj:
        data = self._api("get", f"/containers/{container_id}/json", ok404=True)
        if data is None:
            raise RuntimeError_(f"container {container_id} not found")
        if not labels.owned_container((data.get("Config") or {}).get("Labels"),
                                      self.cluster_id):
            raise RuntimeError_(f"container {container_id} is not a container instance of"
                                f" kubia-tutor cluster {self.cluster_id}: left alone")
        return dict(data)

    def _sandboxes(self, uid: str | None = None) -> list[Obj]:
        params = self._filters(**({labels.POD_UID: uid} if uid else {}))
        found = self._api("get", "/pods/json", params={"filters": params["filters"]}) or []
        return [p for p in found if labels.owned(p.get("Labels"), self.cluster_id)
                and (uid is None or (p.get("Labels") or {}).get(labels.POD_UID) == uid)]

    def _containers(self, uid: str | None = None) -> list[Obj]:
        # all=true: without it Podman lists running containers only, and an exited
        # instance would vanish from the kubelet's view instead of being restarted.
        params = {**self._filters(**({labels.POD_UID: uid} if uid else {})), "all": "true"}
        found = self._api("get", "/containers/json", params=params) or []
        return [c for c in found if labels.owned(c.get("Labels"), self.cluster_id)
                and (uid is None or (c.get("Labels") or {}).get(labels.POD_UID) == uid)]

    # -- the contract --------------------------------------------------------------------------

    def version(self) -> str:
        data: Obj = self.client.version()
        return f"podman://{data.get('Version') or 'unknown'}"

    def ensure_image(self, image: str, policy: str) -> PullResult:
        found = catalog.resolve(image, self.image_prefix)
        if found is None:
            return self._pull_foreign(image)
        cached = self._images.get(image)
        if cached is not None and policy != "Always":
            return PullResult(cached[0], cached[1], pulled=False)
        local = found.local_name(self.image_prefix)
        if policy == "Never":
            present = self._api("get", f"/images/{local}/json", ok404=True)
            if present is None:
                raise ImagePullError(f'Container image "{image}" is not present with pull'
                                     " policy of Never")
            self._images[image] = (local, labels.image_id(str(present.get("Id", ""))))
            return PullResult(local, self._images[image][1], pulled=False)
        started = time.monotonic()
        try:
            built = builder.build([found.name], conf=conf_file(self.state_dir),
                                  prefix=self.image_prefix)
        except (builder.BuildError, images.PodmanError) as exc:
            raise ImagePullError(f"rpc error: code = Unknown desc = building {image} from the"
                                 f" kubia-tutor catalog: {exc}") from exc
        seconds = time.monotonic() - started
        data = self._api("get", f"/images/{local}/json")
        image_id = labels.image_id(str(data.get("Id", "")))
        self._images[image] = (local, image_id)
        pulled = local in built
        return PullResult(local, image_id, pulled=pulled, seconds=seconds if pulled else 0.0)

    def _pull_foreign(self, image: str) -> PullResult:
        parsed = catalog.parse_reference(image)
        if parsed is None:
            raise ImagePullError(f'Failed to apply default image tag "{image}": couldn\'t parse'
                                 f' image reference "{image}": invalid reference format')
        if self.allow_pull and network.registry_answers(parsed.repository.split("/", 1)[0]):
            started = time.monotonic()
            response = self.client.api.post("/images/pull", params={
                "reference": str(parsed), "quiet": "true"}, timeout=600)
            if response.ok:
                data = self._api("get", f"/images/{parsed}/json")
                return PullResult(str(parsed), labels.image_id(str(data.get("Id", ""))),
                                  pulled=True, seconds=time.monotonic() - started)
            raise ImagePullError(f"rpc error: code = Unknown desc = {network.message(response)}")
        raise ImagePullError(
            f"rpc error: code = Unknown desc = initializing source docker://{parsed}:"
            f" kubia-tutor is offline and pulls no images from registries, and {image!r} is"
            f" not in its image catalog. Images available: {_catalog_names()}")

    def _ensure_network(self) -> None:
        with self._lock:
            if not self._network_ready:
                network.ensure(self.client, self.cluster_id, self.subnet)
                self._network_ready = True

    def ensure_sandbox(self, pod: Obj) -> str:
        namespace, _, uid = labels.pod_meta(pod)
        existing = self._sandboxes(uid)
        if existing:
            sandbox = existing[0]
            infra = str(sandbox.get("InfraId", ""))
            # Start only the infra container if it stopped: starting the Podman pod would
            # also start every exited container in it, behind the kubelet's back (a pod
            # with an exited container is "Degraded", not "Running").
            data = self._api("get", f"/containers/{infra}/json", ok404=True) if infra else None
            if data is not None and not (data.get("State") or {}).get("Running"):
                self._api("post", f"/containers/{infra}/start")
            return self._pod_ip(infra, str(sandbox.get("Name")))
        self._ensure_network()
        name = labels.sandbox_name(pod)
        body = {
            "name": name, "hostname": labels.hostname(pod), "infra_name": f"{name}-infra",
            "labels": labels.pod_labels(self.cluster_id, pod),
            "shared_namespaces": ["net", "ipc", "uts"],
            "netns": {"nsmode": "bridge"}, "Networks": {self.network: {}},
            "dns_server": [self.dns_server],
            "dns_search": [f"{namespace}.svc.cluster.local", "svc.cluster.local",
                           "cluster.local"],
            "dns_option": ["ndots:5"],
            # Podman 4.3 gives pods (and so their containers) restart policy "always": the
            # kubelet must see exits and restart by restartPolicy itself, with back-off.
            "restart_policy": "no",
        }
        response = self.client.api.post("/pods/create", data=json.dumps(body))
        if not response.ok:
            message = network.message(response)
            if "network not found" in message:  # removed behind our back: once more
                self._network_ready = False
                self._ensure_network()
                response = self.client.api.post("/pods/create", data=json.dumps(body))
                message = "" if response.ok else network.message(response)
            if message:
                raise RuntimeError_(f"creating the pod sandbox {name}: {message}")
        pod_id = str(response.json().get("Id", ""))
        try:
            self._api("post", f"/pods/{pod_id}/start")
            data = self._api("get", f"/pods/{pod_id}/json")
            return self._pod_ip(str(data.get("InfraContainerID", "")), name)
        except RuntimeError_:
            self._delete_pod(pod_id)
            raise

    def _pod_ip(self, infra_id: str, name: str) -> str:
        data = self._api("get", f"/containers/{infra_id}/json")
        nets = (data.get("NetworkSettings") or {}).get("Networks") or {}
        ip = str((nets.get(self.network) or {}).get("IPAddress") or "")
        if not ip:
            raise RuntimeError_(f"the pod sandbox {name} has no address on {self.network}")
        return ip

    def _resources(self, container: Obj) -> Obj:
        limits = (container.get("resources") or {}).get("limits") or {}
        out: Obj = {}
        if "memory" in limits:
            if "memory" in self.refused_limits:
                log.info("memory limit of %s skipped: %s", container.get("name"),
                         self.refused_limits["memory"])
            else:
                out["mem_limit"] = math.ceil(Quantity.parse(limits["memory"]).value)
        if "cpu" in limits:
            if "cpu" in self.refused_limits:
                log.info("cpu limit of %s skipped: %s", container.get("name"),
                         self.refused_limits["cpu"])
            else:
                cores = Quantity.parse(limits["cpu"]).value
                out["cpu_period"] = CPU_PERIOD
                out["cpu_quota"] = max(MIN_CPU_QUOTA, math.ceil(cores * CPU_PERIOD))
        return out

    def create_container(self, pod: Obj, container: Obj, attempt: int, env: dict[str, str]
                         ) -> str:
        name = str(container.get("name") or "")
        spec_image = str(container.get("image") or "")
        pulled = self.ensure_image(spec_image, str(container.get("imagePullPolicy") or
                                                   "IfNotPresent"))
        sandbox = self._sandboxes(labels.pod_meta(pod)[2])
        if not sandbox:
            raise RuntimeError_(f"the pod sandbox of {labels.sandbox_name(pod)} is missing")
        cname = labels.container_name(pod, name, attempt)
        kwargs: Obj = {
            "name": cname, "pod": sandbox[0]["Id"], "init": True,
            "restart_policy": {"Name": "no"},  # restarts are the kubelet's decision
            "labels": labels.container_labels(self.cluster_id, pod, name, attempt, spec_image),
            "environment": dict(env),
            "ulimits": [{"Name": "nofile", "Soft": self.host.nofile, "Hard": self.host.nofile},
                        {"Name": "nproc", "Soft": self.host.nproc, "Hard": self.host.nproc}],
            **self._resources(container),
        }
        if container.get("command"):
            kwargs["entrypoint"] = [str(a) for a in container["command"]]
        if container.get("args"):
            kwargs["command"] = [str(a) for a in container["args"]]
        if container.get("workingDir"):
            kwargs["working_dir"] = str(container["workingDir"])
        if container.get("tty"):
            kwargs["tty"] = True
        if container.get("stdin"):
            kwargs["stdin_open"] = True
        from podman.errors import APIError

        try:
            created = self.client.containers.create(pulled.image, **kwargs)
        except APIError as exc:
            existing = self._api("get", f"/containers/{cname}/json", ok404=True)
            if existing is not None and labels.owned_container(
                    (existing.get("Config") or {}).get("Labels"), self.cluster_id):
                return str(existing["Id"])  # created before: the same instance
            raise RuntimeError_(f"creating container {cname}: {exc.explanation or exc}"
                                ) from exc
        return str(created.id)

    def start_container(self, container_id: str) -> None:
        self._own_container(container_id)
        self._api("post", f"/containers/{container_id}/start")

    def stop_container(self, container_id: str, grace_seconds: int) -> None:
        self._own_container(container_id)
        grace = max(0, int(grace_seconds))
        self._api("post", f"/containers/{container_id}/stop", params={"timeout": grace},
                  timeout=grace + 30)

    def remove_container(self, container_id: str) -> None:
        try:
            self._own_container(container_id)
        except RuntimeError_ as exc:
            if "not found" in str(exc):
                return
            raise
        self._api("delete", f"/containers/{container_id}",
                  params={"force": "true", "timeout": 0}, ok404=True)

    def instances(self, pod: Obj) -> list[ContainerInstance]:
        uid = labels.pod_meta(pod)[2]
        out = []
        for entry in self._containers(uid):
            if not labels.owned_container(entry.get("Labels"), self.cluster_id):
                continue  # the infra container, or a stranger with some of our labels
            data = self._api("get", f"/containers/{entry['Id']}/json", ok404=True)
            if data is not None:
                out.append(labels.instance(data))
        return sorted(out, key=lambda i: (i.name, i.attempt))

    def _delete_pod(self, pod_id: str) -> None:
        self.client.api.post(f"/pods/{pod_id}/kill", params={"signal": "SIGKILL"})
        self._api("delete", f"/pods/{pod_id}", params={"force": "true", "timeout": 0},
                  ok404=True, timeout=60)

    def remove_sandbox(self, pod: Obj) -> None:
        uid = labels.pod_meta(pod)[2]
        for sandbox in self._sandboxes(uid):
            self._delete_pod(str(sandbox["Id"]))
        for entry in self._containers(uid):  # instances outside the pod, if any
            self._api("delete", f"/containers/{entry['Id']}",
                      params={"force": "true", "timeout": 0}, ok404=True)

    def logs(self, container_id: str, *, tail: int | None = None, timestamps: bool = False
             ) -> str:
        self._own_container(container_id)
        params: Obj = {"stdout": "true", "stderr": "true", "follow": "false",
                       "timestamps": "true" if timestamps else "false"}
        if tail is not None:
            params["tail"] = str(max(0, tail))
        response = self.client.api.get(f"/containers/{container_id}/logs", params=params)
        if not response.ok:
            raise RuntimeError_(f"logs of {container_id}: {network.message(response)}")
        return _payload(response.content).decode(errors="replace")

    def exec(self, container_id: str, argv: list[str]) -> ExecResult:
        self._own_container(container_id)
        container = self.client.containers.get(container_id)
        # demux=True: otherwise podman-py hands back raw multiplexed frames (podman.md)
        code, output = container.exec_run(argv, demux=True)
        out, err = output if isinstance(output, tuple) else (output, b"")
        return ExecResult(int(code or 0), out or b"", err or b"")

    def managed_pods(self) -> list[ManagedPod]:
        """Every Podman pod of this cluster's."""
        out = []
        for entry in self._sandboxes():
            lab = entry.get("Labels") or {}
            out.append(ManagedPod(
                id=str(entry.get("Id", "")), name=str(entry.get("Name", "")),
                namespace=lab.get(labels.NAMESPACE, ""), pod=lab.get(labels.POD, ""),
                uid=lab.get(labels.POD_UID, ""), status=str(entry.get("Status", "")),
                containers=len(entry.get("Containers") or [])))
        return out

    def remove_all(self) -> Cleanup:
        """Remove every pod, container and the network of this cluster's (and nothing else)."""
        done = Cleanup()
        for entry in self._sandboxes():
            try:
                self._delete_pod(str(entry["Id"]))
                done.pods += 1
            except RuntimeError_ as exc:
                done.problems.append(str(exc))
        for entry in self._containers():
            try:
                self._api("delete", f"/containers/{entry['Id']}",
                          params={"force": "true", "timeout": 0}, ok404=True)
                done.containers += 1
            except RuntimeError_ as exc:
                done.problems.append(str(exc))
        problem = network.remove(self.client, self.cluster_id)
        if problem:
            done.problems.append(problem)
        else:
            done.network_removed = True
        with self._lock:
            self._network_ready = False
        return done

    def close(self) -> None:
        """Stop the Podman service when this runtime started it (a given one is the caller's)."""
        if self._own_service:
            self.service.close()


def _payload(content: bytes) -> bytes:
    """The payload of a multiplexed stream (8-byte frame headers: stream, 0, 0, 0, length)."""
    out = bytearray()
    at = 0
    while at + 8 <= len(content):
        length = struct.unpack_from(">L", content, at + 4)[0]
        out += content[at + 8:at + 8 + length]
        at += 8 + length
    return bytes(out)
