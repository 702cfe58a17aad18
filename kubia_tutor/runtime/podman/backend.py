"""`PodmanRuntime`: the `ContainerRuntime` contract on real Podman pods and containers.

Design note. One Podman pod per Kubernetes pod (the sandbox: its infra container holds the
shared net, IPC and UTS namespaces; hostname = pod name) on the cluster's own bridge network,
and one Podman container per container instance (pod, container, attempt). Everything goes
through the tutor's own `podman system service` (`PodmanService`), over its REST API with
podman-py. Ownership is decided by labels only (see `labels`): objects without this cluster's
labels are never listed, stopped or removed, whatever their names.

Pods always get a resolver of the cluster's (`10.96.0.10`, the cluster DNS VIP), never the
host's, which is off the machine. Images come from the offline catalog, built on demand; any
other image fails to pull with a message that says so (`image_pull`). The container spec
(init, ulimits, limits, mounts) is built in `specs`; `cleanup` lists and removes everything of
the cluster's.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import struct
import threading
import time
from typing import TYPE_CHECKING, Any

from kubia_tutor.runtime.cri import (
    ContainerInstance,
    ExecResult,
    PullResult,
    RuntimeError_,
)
from kubia_tutor.runtime.network.redirect import DnsRedirect
from kubia_tutor.runtime.podman import cleanup, exits, labels, network, specs
from kubia_tutor.runtime.podman.cleanup import Cleanup, ManagedPod
from kubia_tutor.runtime.podman.config import HostFacts, detect_host
from kubia_tutor.runtime.podman.image_pull import PodmanImages
from kubia_tutor.runtime.podman.service import PodmanService
from kubia_tutor.runtime.podman.specs import limit_support
from kubia_tutor.runtime.volumes import VolumeManager

if TYPE_CHECKING:
    from podman import PodmanClient

    from kubia_tutor.runtime.cri import ByteStream, ContainerStats, ProcessStream

log = logging.getLogger(__name__)

Obj = dict[str, Any]
CLUSTER_DNS = "10.96.0.10"

# Re-exported: callers import these from here.
__all__ = ["CLUSTER_DNS", "Cleanup", "ManagedPod", "PodmanRuntime", "limit_support"]


class PodmanRuntime:
    """Runs a cluster's pods as Podman pods through the tutor's own Podman service."""

    name = "podman"

    def __init__(self, state_dir: str, *, cluster_id: str,
                 service: PodmanService | None = None, subnet: str | None = None,
                 dns_server: str = CLUSTER_DNS, image_prefix: str | None = None,
                 allow_pull: bool = False, host: HostFacts | None = None) -> None:
        if not labels.valid_name(cluster_id):
            raise ValueError(f"cluster id {cluster_id!r} is not usable in a Podman name")
        self.state_dir = state_dir
        self.cluster_id = cluster_id
        self.subnet = subnet  # None: the first free /24 of the pod range, once known
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
        self._exits = exits.ExitExplainer()  # OOM kills and commands that cannot run
        self.dns_redirect: DnsRedirect | None = None  # set by route_cluster_dns
        # uid -> (infra container id, pod IP) of sandboxes made or found, and the state of
        # every container at the last relist: a sync need not ask Podman about a sandbox
        # whose infra container was running a second ago
        self._sandbox_cache: dict[str, tuple[str, str, float]] = {}
        self._seen: dict[str, str] = {}
        self._relisted_at = 0.0
        # inspect data of exited containers, which never change
        self._exited: dict[str, Obj] = {}
        self._network_ready = False
        self.images = PodmanImages(self.client, self._api, state_dir,
                                   image_prefix=image_prefix, allow_pull=allow_pull)
        # Mounting a Memory emptyDir's tmpfs on the host needs root (rootful Podman here);
        # rootless, it is a plain directory.
        self.volumes = VolumeManager(state_dir, memory_tmpfs=os.geteuid() == 0)

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
        return self.images.ensure(image, policy)

    def _ensure_network(self) -> None:
        with self._lock:
            if not self._network_ready:
                self.subnet = network.ensure(self.client, self.cluster_id, self.subnet)
                self._network_ready = True

    def ensure_sandbox(self, pod: Obj) -> str:
        namespace, _, uid = labels.pod_meta(pod)
        with self._lock:
            known = self._sandbox_cache.get(uid)
            # the last relist saw this sandbox's infra container running, or the sandbox was
            # made after it: nothing to ask Podman
            if known is not None and (self._seen.get(known[0]) == "running"
                                      or known[2] > self._relisted_at):
                return known[1]
        ip = self._ensure_sandbox(pod, namespace, uid)
        if self.dns_redirect is not None:  # the bridge exists now: let pods reach the DNS
            self.dns_redirect.ensure(self._bridge())
        infra = self._infra_of(uid)
        if infra:
            with self._lock:
                self._sandbox_cache[uid] = (infra, ip, time.monotonic())
        return ip

    def _infra_of(self, uid: str) -> str:
        found = self._sandboxes(uid)
        return str(found[0].get("InfraId", "")) if found else ""

    def _ensure_sandbox(self, pod: Obj, namespace: str, uid: str) -> str:
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
        # Volumes first, as the kubelet mounts them before it makes the sandbox: a volume
        # that cannot be set up raises VolumeError (FailedMount) and leaves nothing behind.
        self.volumes.setup(pod)
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
        kwargs = specs.container_kwargs(
            container, name=cname, pod_id=str(sandbox[0]["Id"]),
            labels=labels.container_labels(self.cluster_id, pod, name, attempt, spec_image),
            env=env, host=self.host, refused_limits=self.refused_limits,
            volume_mounts=self.volumes.mounts(pod, container, env))
        from podman.errors import APIError

        try:
            created = self.client.containers.create(pulled.image, **kwargs)
        except APIError as exc:
            existing = self._api("get", f"/containers/{cname}/json", ok404=True)
            if existing is not None and labels.owned_container(
                    (existing.get("Config") or {}).get("Labels"), self.cluster_id):
                return str(existing["Id"])  # created before: the same instance
            if "image not known" in str(exc.explanation or exc):
                self.images.forget(spec_image)  # removed behind our back: build it again
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
            data = self._inspect_instance(str(entry["Id"]), str(entry.get("State")))
            if data is not None:
                cid = str(data.get("Id", ""))
                out.append(self._exits.explain(
                    labels.instance(data), functools.partial(self.logs, cid, tail=5),
                    exits.command_line(data)))
        return sorted(out, key=lambda i: (i.name, i.attempt))

    def _inspect_instance(self, container_id: str, state: str) -> Obj | None:
        with self._lock:
            cached = self._exited.get(container_id)
        if cached is not None:
            return cached
        data: Obj | None = self._api("get", f"/containers/{container_id}/json", ok404=True)
        if data is not None and state == "exited" and \
                not (data.get("State") or {}).get("Running"):
            with self._lock:
                if len(self._exited) > 4096:
                    self._exited.clear()
                self._exited[container_id] = data
        return data

    def _delete_pod(self, pod_id: str) -> None:
        self.client.api.post(f"/pods/{pod_id}/kill", params={"signal": "SIGKILL"})
        self._api("delete", f"/pods/{pod_id}", params={"force": "true", "timeout": 0},
                  ok404=True, timeout=60)

    def remove_sandbox(self, pod: Obj) -> None:
        uid = labels.pod_meta(pod)[2]
        with self._lock:
            self._sandbox_cache.pop(uid, None)
        for sandbox in self._sandboxes(uid):
            self._delete_pod(str(sandbox["Id"]))
        for entry in self._containers(uid):  # instances outside the pod, if any
            self._api("delete", f"/containers/{entry['Id']}",
                      params={"force": "true", "timeout": 0}, ok404=True)
        self.volumes.cleanup(uid)  # emptyDirs go with the pod; hostPath data stays

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
        return cleanup.managed_pods(self._sandboxes())

    def route_cluster_dns(self, port: int) -> None:
        """Send pods' queries for the cluster DNS address to a server on 127.0.0.1:port."""
        self.dns_redirect = DnsRedirect(self.cluster_id, port)
        bridge = self._bridge()
        if bridge and os.path.exists(f"/sys/class/net/{bridge}"):
            self.dns_redirect.ensure(bridge)  # pods already running (a daemon restart)

    def _bridge(self) -> str:
        found = network.inspect(self.client, self.network)
        return str((found or {}).get("network_interface") or "")

    def pod_network(self) -> tuple[str, str]:
        """The cluster network's bridge and subnet, as the service proxy needs them; ('', '')
        before the network exists (it is made with the first pod)."""
        found = network.inspect(self.client, self.network)
        if not found:
            return "", ""
        return str(found.get("network_interface") or ""), network.subnet_of(found)

    def relist(self) -> dict[str, str]:
        """One list call: every container of this cluster's (infra ones too) by pod."""
        found: dict[str, list[str]] = {}
        seen: dict[str, str] = {}
        listed_at = time.monotonic()
        for entry in self._containers():
            uid = (entry.get("Labels") or {}).get(labels.POD_UID, "")
            found.setdefault(uid, []).append(f"{entry.get('Id')}:{entry.get('State')}")
            seen[str(entry.get("Id"))] = str(entry.get("State"))
        with self._lock:
            self._seen = seen  # ensure_sandbox trusts it for sandboxes it already made
            self._relisted_at = listed_at
        return {uid: ",".join(sorted(states)) for uid, states in found.items()}

    def sandbox_uids(self) -> list[str]:
        """The uids of the pods that have a Podman pod of this cluster's, or volumes left on
        the node (so the kubelet's orphan sweep removes those too, through remove_sandbox)."""
        return sorted({p.uid for p in self.managed_pods() if p.uid}
                      | set(self.volumes.pod_uids()))

    def remove_all(self) -> Cleanup:
        """Remove every pod, container, pod volume and the network of this cluster's (and
        nothing else)."""
        done = cleanup.remove_all(self)
        with self._lock:
            self._network_ready = False
        return done

    def close(self) -> None:
        """Stop the Podman service when this runtime started it (a given one is the caller's)."""
        if self._own_service:
            self.service.close()

    def container_stats(self) -> list[ContainerStats]:
        """One usage sample of every running container instance of this cluster's (for
        `kubectl top`; see `stats`)."""
        from kubia_tutor.runtime.podman import stats

        return stats.sample(self.client, self.cluster_id)

    # Streams (kubectl exec -it, attach, logs -f, port-forward; see `streams`) ------------

    def exec_stream(self, container_id: str, argv: list[str], *, stdin: bool, tty: bool
                    ) -> ProcessStream:
        """Start a command in a running container instance with its stdio connected."""
        from kubia_tutor.runtime.podman import streams

        self._own_container(container_id)
        return streams.exec_stream(self.state_dir, container_id, argv, stdin=stdin, tty=tty)

    def attach(self, container_id: str, *, stdin: bool, tty: bool) -> ProcessStream:
        """Connect to a running container instance's main process."""
        from kubia_tutor.runtime.podman import streams

        self._own_container(container_id)
        return streams.attach(self.state_dir, container_id, stdin=stdin, tty=tty)

    def log_stream(self, container_id: str, *, follow: bool, tail: int | None,
                   since: float | None, timestamps: bool) -> ByteStream:
        """A container instance's log, followed through the service's API."""
        from kubia_tutor.runtime.podman import streams

        self._own_container(container_id)
        return streams.log_stream(self.service.socket_path, container_id, follow=follow,
                                  tail=tail, since=since, timestamps=timestamps)

    def port_forward_address(self, pod: Obj, port: int) -> tuple[str, int]:
        """The pod's IP on the cluster network, and the port."""
        from kubia_tutor.runtime.podman import streams

        return streams.port_forward_address(pod, port, self.subnet or network.POD_RANGE)


def _payload(content: bytes) -> bytes:
    """The payload of a multiplexed stream (8-byte frame headers: stream, 0, 0, 0, length)."""
    out = bytearray()
    at = 0
    while at + 8 <= len(content):
        length = struct.unpack_from(">L", content, at + 4)[0]
        out += content[at + 8:at + 8 + length]
        at += 8 + length
    return bytes(out)
