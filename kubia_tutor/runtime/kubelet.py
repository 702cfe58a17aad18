"""The kubelet: runs the pods bound to this node through a container runtime and reports
their status.

Design note. Level-driven like the controllers: for each pod key it reads the pod, lets
`PodSync` make the runtime match the spec (starts, restarts with back-off, image pulls), and
writes back status only when it changed. Running as the daemon runs it, each pod's sync goes
to `PodWorkers`, so an image build or a long grace period of one pod holds up no other; in
tests (`run_once`) syncs run inline. A pod with a deletionTimestamp has its containers stopped
together within its grace period and is then deleted for good with a zero grace period,
which is how a real kubelet confirms termination to the API server. Probes run in the
`ProbeManager`'s own thread and ask for a pod sync when a result changes. The node object and
its heartbeat belong here too.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from kubia_tutor.api import events
from kubia_tutor.api.errors import ApiError, bad_request
from kubia_tutor.api.kinds import ResourceType, resolve
from kubia_tutor.api.server import ApiServer
from kubia_tutor.controllers.base import Controller, Obj, split_key
from kubia_tutor.runtime.cri import RUNNING, ContainerRuntime, ExecResult, RuntimeError_
from kubia_tutor.runtime.durations import go_duration
from kubia_tutor.runtime.env_sources import ApiEnvSources
from kubia_tutor.runtime.node import NODE_NAME, conditions, node_object
from kubia_tutor.runtime.pod_sync import PodSync
from kubia_tutor.runtime.prober import NetworkProber, Prober, ScriptedProber
from kubia_tutor.runtime.probes import ProbeManager
from kubia_tutor.runtime.workers import PodWorkers

log = logging.getLogger(__name__)

PODS = resolve("pods")
NODES = resolve("nodes")
LEASES = resolve("leases")
LEASE_NAMESPACE = "kube-node-lease"
LEASE_SECONDS = 40  # the kubelet's default node lease duration

__all__ = ["Kubelet", "go_duration"]


class Kubelet(Controller):
    """Syncs this node's pods with the runtime."""

    name = "kubelet"
    watches = ("pods",)
    # A container that exits changes no API object: the relist thread (Kubernetes' PLEG)
    # lists every container once a second and syncs the pods whose containers changed, so
    # the full resync of every pod can be rare.
    resync_seconds = 30.0
    relist_seconds = 1.0

    def __init__(self, api: ApiServer, runtime: ContainerRuntime, state_dir: str) -> None:
        super().__init__(api)
        self.runtime = runtime
        self.state_dir = state_dir
        # fake containers have no network to probe: their probes answer from a script
        self.prober: Prober = (ScriptedProber() if runtime.name == "fake"
                               else NetworkProber(runtime))
        self.probes = ProbeManager(self.prober, api.clock, self._record,
                                   on_change=self.enqueue, kill=self._kill)
        self.pods = PodSync(runtime, api.clock, self._record, self.probes)
        self.pods.env_sources = ApiEnvSources(api)
        self.workers: PodWorkers | None = None  # set while run() runs
        self._written: dict[str, str | None] = {}  # pod key -> resourceVersion we wrote

    def run(self, stop: threading.Event) -> None:
        """The loop, with pod syncs in workers and probes in their own thread."""
        self.remove_orphans()
        self.workers = PodWorkers(self.sync_pod, self.enqueue)
        prober = threading.Thread(target=self.probes.run, args=(stop,), name="probes",
                                  daemon=True)
        prober.start()
        relister = threading.Thread(target=self._relist, args=(stop,), name="pleg", daemon=True)
        relister.start()
        try:
            super().run(stop)
        finally:
            self.probes.wake()
            self.workers.close()
            prober.join(timeout=2)
            relister.join(timeout=2)

    def _relist(self, stop: threading.Event) -> None:
        """Sync the pods whose containers changed since the last relist."""
        seen: dict[str, str] = {}
        while not stop.wait(self.relist_seconds):
            try:
                now = self.runtime.relist()
            except Exception as err:  # the runtime is down for a moment: try again
                log.warning("kubelet: relist failed: %s", err)
                continue
            changed = {uid for uid in set(now) | set(seen) if now.get(uid) != seen.get(uid)}
            seen = now
            if not changed:
                continue
            for pod in self.api.store.items("/registry/core/pods/"):
                if pod["metadata"].get("uid") in changed and \
                        (pod.get("spec") or {}).get("nodeName") == NODE_NAME:
                    self.enqueue(f"{pod['metadata']['namespace']}/{pod['metadata']['name']}")

    def close(self, wait: float = 3.0) -> None:
        """Stop taking syncs and give running ones a moment to finish (their writes after
        the store closes fail cleanly with StoreClosed)."""
        workers = self.workers
        if workers is not None:
            workers.close()
            deadline = self.clock.monotonic() + wait
            while workers.busy() and self.clock.monotonic() < deadline:
                threading.Event().wait(0.02)
        close = getattr(self.prober, "close", None)
        if close is not None:
            close()

    def remove_orphans(self) -> None:
        """Remove sandboxes of pods this node no longer has (deleted while the daemon was
        down); the pods it still has are adopted as they are by their next sync."""
        known = {pod["metadata"]["uid"] for pod in self.api.store.items("/registry/core/pods/")
                 if (pod.get("spec") or {}).get("nodeName") == NODE_NAME}
        try:
            leftovers = [uid for uid in self.runtime.sandbox_uids() if uid not in known]
        except RuntimeError_ as err:
            log.warning("kubelet: cannot list sandboxes: %s", err)
            return
        for uid in leftovers:
            try:
                self.runtime.remove_sandbox({"metadata": {"uid": uid}})
            except RuntimeError_ as err:
                log.warning("kubelet: cannot remove the sandbox of pod %s: %s", uid, err)

    def _kill(self, pod_key: str, container_id: str, grace: int) -> None:
        """Stop a container that failed its liveness or startup probe; the next sync
        restarts it as the restart policy says."""
        try:
            self.runtime.stop_container(container_id, grace)
        except RuntimeError_ as err:
            log.warning("kubelet: cannot stop container %s: %s", container_id, err)
        self.enqueue(pod_key)

    def _record(self, pod: Obj, kind: str, reason: str, message: str, path: str) -> None:
        events.record(self.api, pod, kind, reason, message, component="kubelet",
                      host=NODE_NAME, field_path=path)

    def register_node(self) -> None:
        """Create or refresh the Node object for this host."""
        node = node_object(self.state_dir, self.runtime.version())
        now = self.api.now()
        try:
            current = self.api.get(NODES, None, NODE_NAME)
        except ApiError:
            current = None
        if current is None:
            node["status"]["conditions"] = conditions(now, now)
            self.api.create(NODES, None, node)
            return
        node["metadata"] = current["metadata"]
        node["spec"] = {**node["spec"], **(current.get("spec") or {})}
        since = next((c.get("lastTransitionTime") for c in
                      (current.get("status") or {}).get("conditions") or []
                      if c.get("type") == "Ready"), now)
        node["status"]["conditions"] = conditions(now, since or now)
        self.api.update(NODES, None, NODE_NAME, node)
        self.api.update(NODES, None, NODE_NAME, {**node, "metadata": self.api.get(
            NODES, None, NODE_NAME)["metadata"]}, subresource="status")

    def keys_for(self, rt: ResourceType, obj: Obj) -> Iterable[str]:
        if (obj.get("spec") or {}).get("nodeName") != NODE_NAME:
            return
        meta = obj["metadata"]
        key = f"{meta['namespace']}/{meta['name']}"
        # the status this kubelet just wrote needs no sync of its own
        if self._written.get(key) != meta.get("resourceVersion"):
            yield key

    def all_keys(self) -> Iterable[str]:
        for pod in self.api.store.items("/registry/core/pods/"):
            if (pod.get("spec") or {}).get("nodeName") == NODE_NAME:
                yield f"{pod['metadata']['namespace']}/{pod['metadata']['name']}"

    def reconcile(self, key: str) -> float | None:
        if self.workers is not None:
            self.workers.submit(key)
            return None
        return self.sync_pod(key)

    def sync_pod(self, key: str) -> float | None:
        """One sync of one pod; returns seconds until it wants another."""
        ns, name = split_key(key)
        try:
            pod = self.api.get(PODS, ns, name)
        except ApiError:
            self.probes.forget(key)
            self._written.pop(key, None)
            return None
        if pod["metadata"].get("deletionTimestamp"):
            self.probes.forget(key)
            self._terminate(pod)
            return None
        result = self.pods.sync(pod)
        if result.status != pod.get("status"):
            try:
                written = self.api.update(PODS, ns, name, {**pod, "status": result.status},
                                          subresource="status")
                self._written[key] = written["metadata"].get("resourceVersion")
            except ApiError as err:
                if err.code in (404, 409):
                    return 0.1
                raise
        return result.requeue

    def _terminate(self, pod: Obj) -> None:
        """Stop the pod's containers within its grace period, then confirm the deletion."""
        grace = int(pod["metadata"].get("deletionGracePeriodSeconds") or 0)
        running = [i for i in self.runtime.instances(pod) if i.state == RUNNING]
        inits = {str(c.get("name")) for c in (pod.get("spec") or {}).get("initContainers") or []}
        for instance in running:
            field = "initContainers" if instance.name in inits else "containers"
            self._record(pod, "Normal", "Killing", f"Stopping container {instance.name}",
                         f"spec.{field}{{{instance.name}}}")
        if len(running) > 1:
            # containers get their grace period together, not one after another
            with ThreadPoolExecutor(max_workers=len(running)) as pool:
                list(pool.map(lambda i: self.runtime.stop_container(i.id, grace), running))
        elif running:
            self.runtime.stop_container(running[0].id, grace)
        self.runtime.remove_sandbox(pod)
        self.pods.backoff.forget_prefix(f"{pod['metadata']['uid']}/")
        meta = pod["metadata"]
        try:
            self.api.delete(PODS, meta["namespace"], meta["name"], grace_period=0)
        except ApiError as err:
            if err.code != 404:
                raise

    def container_log(self, pod: Obj, container: str, *, previous: bool = False,
                      tail: int | None = None, timestamps: bool = False) -> str:
        """A container's log (its previous instance's with `previous`), as the kubelet's
        log endpoint answers, with its errors worded like kubectl shows them."""
        names = [str(c.get("name")) for c in (pod.get("spec") or {}).get("containers") or []]
        pod_name = pod["metadata"]["name"]
        if container not in names:
            raise bad_request(f"container {container} is not valid for pod {pod_name}")
        history = sorted((i for i in self.runtime.instances(pod) if i.name == container),
                         key=lambda i: i.attempt)
        if previous:
            if len(history) < 2:
                raise bad_request(f'previous terminated container "{container}" in pod '
                                  f'"{pod_name}" not found')
            return self.runtime.logs(history[-2].id, tail=tail, timestamps=timestamps)
        if not history:
            raise bad_request(f'container "{container}" in pod "{pod_name}" is waiting to '
                              "start: ContainerCreating")
        return self.runtime.logs(history[-1].id, tail=tail, timestamps=timestamps)

    def container_exec(self, pod: Obj, container: str, argv: list[str]) -> ExecResult:
        """Run a command in a pod's container (its running instance)."""
        names = [str(c.get("name")) for c in (pod.get("spec") or {}).get("containers") or []]
        pod_name = pod["metadata"]["name"]
        if container not in names:
            raise bad_request(f"container {container} is not valid for pod {pod_name}")
        running = [i for i in self.runtime.instances(pod)
                   if i.name == container and i.state == RUNNING]
        if not running:
            raise bad_request(f'unable to upgrade connection: container not found '
                              f'("{container}")')
        return self.runtime.exec(running[-1].id, argv)

    def renew_lease(self) -> None:
        """Hold the node's Lease in kube-node-lease (what `describe node` shows under Lease):
        created with the node as its owner, its renewTime moved on every heartbeat."""
        now = self.api.now()
        try:
            lease = self.api.get(LEASES, LEASE_NAMESPACE, NODE_NAME)
        except ApiError as err:
            if err.code != 404:
                raise
            node = self.api.get(NODES, None, NODE_NAME)
            self.api.create(LEASES, LEASE_NAMESPACE, {
                "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                "metadata": {"name": NODE_NAME, "namespace": LEASE_NAMESPACE,
                             "ownerReferences": [{"apiVersion": "v1", "kind": "Node",
                                                  "name": NODE_NAME,
                                                  "uid": node["metadata"]["uid"]}]},
                "spec": {"holderIdentity": NODE_NAME, "leaseDurationSeconds": LEASE_SECONDS,
                         "acquireTime": now, "renewTime": now}})
            return
        lease["spec"] = {**(lease.get("spec") or {}), "renewTime": now}
        self.api.update(LEASES, LEASE_NAMESPACE, NODE_NAME, lease)

    def heartbeat(self) -> None:
        """Refresh the node's conditions (lastHeartbeatTime) and its Lease, as the kubelet
        does."""
        try:
            node = self.api.get(NODES, None, NODE_NAME)
        except ApiError:
            self.register_node()
            self.renew_lease()
            return
        self.renew_lease()
        status = dict(node.get("status") or {})
        now = self.api.now()
        status["conditions"] = [{**c, "lastHeartbeatTime": now}
                                for c in status.get("conditions") or []]
        self.api.update(NODES, None, NODE_NAME, {**node, "status": status},
                        subresource="status")
