"""`Cluster`: the API server, its controllers and the kubelet, assembled and run together."""

from __future__ import annotations

import logging
import os
import threading
import uuid
from pathlib import Path
from typing import Any

from kubia_tutor.api.server import ApiServer
from kubia_tutor.api.store import Store
from kubia_tutor.clock import Clock
from kubia_tutor.controllers.base import Controller
from kubia_tutor.controllers.cronjob import CronJobController
from kubia_tutor.controllers.daemonset import DaemonSetController
from kubia_tutor.controllers.deployment import DeploymentController
from kubia_tutor.controllers.endpoints import EndpointsController
from kubia_tutor.controllers.garbage_collector import GarbageCollector
from kubia_tutor.controllers.horizontalpodautoscaler import HorizontalPodAutoscalerController
from kubia_tutor.controllers.job import JobController
from kubia_tutor.controllers.namespace import NamespaceController
from kubia_tutor.controllers.provisioner import HostPathProvisioner
from kubia_tutor.controllers.replicaset import ReplicaSetController
from kubia_tutor.controllers.replicationcontroller import ReplicationControllerController
from kubia_tutor.controllers.resourcequota import ResourceQuotaController
from kubia_tutor.controllers.scheduler import Scheduler
from kubia_tutor.controllers.statefulset import StatefulSetController
from kubia_tutor.controllers.storage_protection import StorageProtectionController
from kubia_tutor.controllers.system import SystemObjects, bootstrap
from kubia_tutor.controllers.volume_binder import PersistentVolumeController
from kubia_tutor.daemon.stream_relay import StreamService
from kubia_tutor.runtime.cri import ContainerRuntime, RuntimeError_, StatsProvider
from kubia_tutor.runtime.fake import FakeRuntime
from kubia_tutor.runtime.kubelet import Kubelet
from kubia_tutor.runtime.metrics import MetricsApi, MetricsCollector
from kubia_tutor.runtime.volumes import VolumeManager
from kubia_tutor.runtime.volumes.persistent_volume import api_lookup

log = logging.getLogger(__name__)


def cluster_id(state_dir: str | None) -> str:
    """The cluster's stable id (kept in the state dir), which names its Podman objects."""
    if state_dir is None:
        return uuid.uuid4().hex[:8]
    path = os.path.join(state_dir, "cluster-id")
    if os.path.exists(path):
        with open(path) as handle:
            return handle.read().strip()
    ident = uuid.uuid4().hex[:8]
    with open(path, "w") as handle:
        handle.write(ident + "\n")
    return ident


def make_runtime(name: str, clock: Clock, state_dir: str | None = None) -> ContainerRuntime:
    """The runtime backend by name (`fake` or `podman`; see `choose_runtime` for `auto`)."""
    if name == "fake":
        return FakeRuntime(clock)
    if name == "podman":
        if state_dir is None:
            raise ValueError("the podman runtime needs a state dir")
        from kubia_tutor.runtime.podman import routes
        from kubia_tutor.runtime.podman.backend import PodmanRuntime

        routes.ensure()  # before any pod exists: no pod traffic may leave the machine
        # Offline by default: images outside the catalog are pulled from a registry only when
        # the learner opts in, since a pull is traffic off the machine.
        allow_pull = os.environ.get("KUBIA_TUTOR_ALLOW_PULL", "") == "1"
        return PodmanRuntime(state_dir, cluster_id=cluster_id(state_dir), allow_pull=allow_pull)
    raise ValueError(f'unknown runtime "{name}" (expected auto, podman or fake)')


def choose_runtime(name: str, clock: Clock, state_dir: str | None
                   ) -> tuple[ContainerRuntime, str]:
    """The runtime to use and, when `auto` fell back to the fake one, why (a notice the
    shell and the TUI show). `auto` uses Podman when `kubia-tutor doctor`'s required checks
    pass, as the design promises; an explicit `podman` fails loudly instead."""
    if name != "auto":
        return make_runtime(name, clock, state_dir), ""
    if state_dir is None:
        return FakeRuntime(clock), "no state dir: the fake runtime runs no containers"
    from kubia_tutor.runtime.podman import doctor

    checks = doctor.run_checks(state_dir)
    failed = [c for c in checks if c.required and not c.ok]
    if failed:
        why = "; ".join(f"{c.name}: {c.detail}" for c in failed)
        return FakeRuntime(clock), (f"Podman is not usable here ({why}); running on the fake "
                                    "runtime, which runs no containers. `kubia-tutor doctor` "
                                    "says how to fix it.")
    try:
        return make_runtime("podman", clock, state_dir), ""
    except Exception as exc:  # any failure here means: fall back, and say why
        log.exception("the podman runtime did not start")
        return FakeRuntime(clock), (f"the Podman runtime did not start ({exc}); running on the "
                                    "fake runtime, which runs no containers")


class Cluster:
    """One cluster over one state dir (or in memory, for tests)."""

    def __init__(self, state_dir: str | None, runtime: str | ContainerRuntime = "fake",
                 clock: Clock | None = None) -> None:
        self.clock = clock or Clock()
        self.state_dir = state_dir
        db = os.path.join(state_dir, "store.db") if state_dir else ":memory:"
        self.store = Store(db)
        self.api = ApiServer(self.store, self.clock)
        # a runtime object: tests give a Podman runtime on a subnet of their own
        self.notice = ""  # why `auto` fell back to the fake runtime, if it did
        if isinstance(runtime, str):
            self.runtime, self.notice = choose_runtime(runtime, self.clock, state_dir)
        else:
            self.runtime = runtime
        self.kubelet = Kubelet(self.api, self.runtime, state_dir or os.getcwd())
        # The node's volume manager reads claims and their PVs through the API, as the
        # kubelet does; its runtime was built without one.
        volumes = getattr(self.runtime, "volumes", None)
        if isinstance(volumes, VolumeManager):
            volumes.lookup = api_lookup(self.api)
        # Where hostPath PVs live on the node, for the provisioner and Recycle (None: an
        # in-memory cluster keeps no node files).
        node_rootfs = Path(state_dir) / "node" / "rootfs" if state_dir else None
        self.api.log_source = self.kubelet.container_log
        self.api.exec_source = self.kubelet.container_exec
        self.api.stream_source = StreamService(self.runtime).open  # exec -it, attach, ...
        # metrics-server's part: only a runtime that measures its containers has metrics
        self.metrics: MetricsCollector | None = None
        if isinstance(self.runtime, StatsProvider):
            self.metrics = MetricsCollector(self.runtime, self.clock)
            self.api.metrics_source = MetricsApi(self.api, self.metrics)
        self.controllers: list[Controller] = [
            Scheduler(self.api), GarbageCollector(self.api), NamespaceController(self.api),
            SystemObjects(self.api),
            ResourceQuotaController(self.api),
            StatefulSetController(self.api),
            HorizontalPodAutoscalerController(self.api),
            JobController(self.api), CronJobController(self.api),
            DaemonSetController(self.api),
            ReplicationControllerController(self.api), ReplicaSetController(self.api),
            DeploymentController(self.api),
            self.kubelet,
            PersistentVolumeController(self.api, node_rootfs),
            HostPathProvisioner(self.api, node_rootfs),
            StorageProtectionController(self.api),
            EndpointsController(self.api),
        ]
        self.dns: Any = None  # the cluster DNS server, while the loops run
        self.proxy: Any = None  # the service proxy, while the loops run
        self.ingress: Any = None  # the Ingress controller, while the loops run
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        bootstrap(self.api)
        self.kubelet.register_node()
        self.kubelet.renew_lease()

    def start(self) -> None:
        """Start every controller loop and the node heartbeat in background threads."""
        for controller in self.controllers:
            thread = threading.Thread(target=self._guard, args=(controller,),
                                      name=controller.name, daemon=True)
            thread.start()
            self._threads.append(thread)
        beat = threading.Thread(target=self._heartbeat, name="heartbeat", daemon=True)
        beat.start()
        self._threads.append(beat)
        self._serve_dns()

    def _serve_dns(self) -> None:
        """The cluster DNS on 127.0.0.1, reached by pods through the runtime's redirect of
        10.96.0.10:53 (only a runtime with a pod network has one)."""
        route = getattr(self.runtime, "route_cluster_dns", None)
        if route is None:
            return
        from kubia_tutor.runtime.network.dns_records import ApiRecords
        from kubia_tutor.runtime.network.dns_server import DnsServer
        from kubia_tutor.runtime.network.redirect import RedirectError

        self.dns = DnsServer(ApiRecords(self.api), host="127.0.0.1", port=0)
        self.dns.start()
        try:
            route(self.dns.port)
            redirect = getattr(self.runtime, "dns_redirect", None)
            if redirect is not None:  # the host's rule (`dig @10.96.0.10`), before any pod
                redirect.ensure("")
        except (RedirectError, RuntimeError_) as err:  # pods then get no DNS: say why
            log.warning("pods cannot reach the cluster DNS: %s", err)
        self._serve_services()
        if self.metrics is not None:
            sampler = threading.Thread(target=self.metrics.run, args=(self._stop,),
                                       name="metrics", daemon=True)
            sampler.start()
            self._threads.append(sampler)

    def _serve_services(self) -> None:
        """The userspace service proxy: cluster IPs for pods (through the runtime's bridge),
        node ports on 127.0.0.1 for the host. Only a runtime with a pod network has one."""
        pod_network = getattr(self.runtime, "pod_network", None)
        if pod_network is None:
            return
        from kubia_tutor.runtime.network.redirect import ServiceRedirect
        from kubia_tutor.runtime.network.service_proxy import ServiceProxy

        redirect = ServiceRedirect(str(getattr(self.runtime, "cluster_id", "")))
        self.proxy = ServiceProxy(self.store, pod_network, redirect)
        self.proxy.start()
        self._serve_ingresses(pod_network)

    def _serve_ingresses(self, pod_network: Any) -> None:
        """The Ingress controller on 127.0.0.1:80/443 (8080/8443 when those are taken); it
        dials pods, so it exists only with a pod network, as the service proxy does."""
        from kubia_tutor.runtime.network.ingress import IngressController

        self.ingress = IngressController(self.api, pod_network, self.state_dir)
        self.ingress.start()

    def _guard(self, controller: Controller) -> None:
        while not self._stop.is_set():
            try:
                controller.run(self._stop)
                return
            except Exception:  # a controller crash is logged and the loop restarts
                log.exception("controller %s crashed; restarting", controller.name)
                self._stop.wait(1.0)

    def _heartbeat(self) -> None:
        while not self._stop.wait(10.0):  # Event.wait returns as soon as stop is set
            try:
                self.kubelet.heartbeat()
            except Exception:
                log.exception("node heartbeat failed")

    def settle(self, rounds: int = 5) -> None:
        """Run every controller synchronously until nothing changes; for tests."""
        for _ in range(rounds):
            before = self.store.revision
            for controller in self.controllers:
                controller.run_once()
            if self.store.revision == before:
                return

    def status(self) -> dict[str, Any]:
        """What `kubia-tutor status` reports."""
        return {"runtime": self.runtime.name, "revision": self.store.revision,
                "notice": self.notice}

    def stop(self) -> None:
        """Stop the loops, end watches and close the store."""
        self._stop.set()
        self.api.stop()
        self.store.wake()  # loops waiting for changes notice the stop at once
        for thread in self._threads:
            thread.join(timeout=5)
        self.kubelet.close()
        if self.ingress is not None:
            self.ingress.stop()
        if self.proxy is not None:  # before the runtime goes: it asks it for the network
            self.proxy.stop()
        if self.dns is not None:
            self.dns.stop()
            redirect = getattr(self.runtime, "dns_redirect", None)
            if redirect is not None:
                redirect.remove()
        self.runtime.close()
        self.store.close()
