"""The resource metrics pipeline: what metrics-server does for `kubectl top`, in the daemon.

Design note. `MetricsCollector` samples the runtime's containers (cumulative CPU time, working
set memory) and the host every few seconds in a background thread, as metrics-server scrapes
the kubelets. CPU is a rate, the CPU time used between two samples of the same container
instance over the time between them (the window: at most `window` seconds), so a container
seen once has no metrics yet and a pod has metrics only when every container it runs has.
`MetricsApi` answers the `metrics.k8s.io/v1beta1` paths metrics-server serves (PodMetrics and
NodeMetrics, with their errors worded as metrics-server words them), joining the samples with
the pods and the node of the API, which give the names, namespaces and labels.

The node's usage is the host's, from /proc: the node object's capacity is the host's (all its
CPUs and memory), and on minikube `kubectl top node` likewise shows the whole machine (the
node's root cgroup: the system daemons as well as the pods), never just the sum of the pods.
Memory is the working set as cAdvisor counts it for the root cgroup: used memory less the
inactive file pages.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import resolve
from kubia_tutor.api.quantity import Format, Quantity
from kubia_tutor.api.server import ApiServer
from kubia_tutor.clock import Clock, timestamp
from kubia_tutor.runtime.cri import ContainerStats, StatsProvider
from kubia_tutor.runtime.node import NODE_NAME
from kubia_tutor.runtime.pod_sync import go_duration

log = logging.getLogger(__name__)

Obj = dict[str, Any]

GROUP = "metrics.k8s.io"
VERSION = "v1beta1"
GROUP_VERSION = f"{GROUP}/{VERSION}"
PREFIX = f"/apis/{GROUP_VERSION}"
INTERVAL = 5.0  # seconds between samples: metrics show up 5-10 s after a container starts
WINDOW = 15.0  # the longest span a CPU rate is averaged over
PODS = resolve("pods")
NODES = resolve("nodes")


@dataclass(frozen=True)
class Usage:
    """Resource usage over a window: CPU in nanocores, memory (working set) in bytes."""

    cpu_nanocores: int
    memory_bytes: int


@dataclass(frozen=True)
class Window:
    """When the newest sample of a measurement was taken and how long its CPU rate spans."""

    at: str  # RFC 3339
    seconds: float


@dataclass(frozen=True)
class _Sample:
    mono: float
    at: str
    cpu_nanos: int
    memory_bytes: int


class _Series:
    """The samples of one container instance (or the host) kept for the window."""

    def __init__(self) -> None:
        self.samples: deque[_Sample] = deque()

    def add(self, sample: _Sample, window: float) -> None:
        self.samples.append(sample)
        # keep the oldest sample that is still inside the window, and always two
        while len(self.samples) > 2 and self.samples[0].mono < sample.mono - window:
            self.samples.popleft()

    def usage(self) -> tuple[Usage, Window] | None:
        if len(self.samples) < 2:
            return None
        old, new = self.samples[0], self.samples[-1]
        span = new.mono - old.mono
        if span <= 0:
            return None
        # a counter never goes back within one instance; if it did, say 0 rather than < 0
        rate = max(0, round((new.cpu_nanos - old.cpu_nanos) / span))
        return Usage(rate, new.memory_bytes), Window(new.at, span)


@dataclass(frozen=True)
class HostSample:
    """The host's cumulative busy CPU time and its working set memory."""

    cpu_nanos: int
    memory_bytes: int


def read_host(proc: str = "/proc") -> HostSample | None:
    """The host's usage from /proc/stat and /proc/meminfo (None when they cannot be read)."""
    try:
        stat = Path(proc, "stat").read_text()
        meminfo = Path(proc, "meminfo").read_text()
    except OSError:
        return None
    return HostSample(host_cpu_nanos(stat, os.sysconf("SC_CLK_TCK")), host_working_set(meminfo))


def host_cpu_nanos(stat_text: str, ticks_per_second: int) -> int:
    """Busy CPU time of all CPUs in nanoseconds: every state of the `cpu` line of /proc/stat
    but idle and iowait (guest time is already counted in user time)."""
    for line in stat_text.splitlines():
        fields = line.split()
        if fields and fields[0] == "cpu":
            values = [int(v) for v in fields[1:9]] + [0] * (8 - len(fields[1:9]))
            user, nice, system, _idle, _iowait, irq, softirq, steal = values
            busy = user + nice + system + irq + softirq + steal
            return busy * 1_000_000_000 // max(1, ticks_per_second)
    return 0


def host_working_set(meminfo_text: str) -> int:
    """Used memory (total less free) less the inactive file pages, in bytes."""
    values: dict[str, int] = {}
    for line in meminfo_text.splitlines():
        name, _, rest = line.partition(":")
        parts = rest.split()
        if parts and parts[0].isdigit():
            values[name] = int(parts[0]) * 1024
    used = values.get("MemTotal", 0) - values.get("MemFree", 0)
    return max(0, used - values.get("Inactive(file)", 0))


class MetricsCollector:
    """Samples the runtime's containers and the host; keeps what the window needs."""

    def __init__(self, runtime: StatsProvider, clock: Clock | None = None, *,
                 interval: float = INTERVAL, window: float = WINDOW,
                 host: Callable[[], HostSample | None] = read_host) -> None:
        self.runtime = runtime
        self.clock = clock or Clock()
        self.interval = interval
        self.window = window
        self.host = host
        self._lock = threading.Lock()
        self._series: dict[str, _Series] = {}  # container instance id -> its samples
        self._pods: dict[str, list[ContainerStats]] = {}  # pod uid -> its last round
        self._node = _Series()

    def collect(self) -> None:
        """Take one sample of every running container and of the host."""
        found = self.runtime.container_stats()
        host = self.host()
        mono, at = self.clock.monotonic(), timestamp(self.clock.now())
        with self._lock:
            pods: dict[str, list[ContainerStats]] = {}
            for stats in found:
                series = self._series.get(stats.id) or _Series()
                series.add(_Sample(mono, at, stats.cpu_nanos, stats.memory_bytes), self.window)
                self._series[stats.id] = series
                pods.setdefault(stats.pod_uid, []).append(stats)
            seen = {s.id for s in found}
            for gone in set(self._series) - seen:  # stopped: a restart starts a new series
                del self._series[gone]
            self._pods = pods
            if host is not None:
                self._node.add(_Sample(mono, at, host.cpu_nanos, host.memory_bytes),
                               self.window)

    def run(self, stop: threading.Event) -> None:
        """Sample every `interval` seconds until `stop` is set."""
        while not stop.is_set():
            try:
                self.collect()
            except Exception:  # Podman busy or restarting: the next round tries again
                log.exception("collecting metrics failed")
            if stop.wait(self.interval):
                return

    def pod(self, uid: str) -> tuple[list[tuple[str, Usage]], Window] | None:
        """Per-container usage of a pod, or None until every container it runs has a rate."""
        with self._lock:
            containers = self._pods.get(uid) or []
            measured = []
            window: Window | None = None
            for stats in sorted(containers, key=lambda s: s.container):
                series = self._series.get(stats.id)
                found = series.usage() if series else None
                if found is None:
                    return None
                measured.append((stats.container, found[0]))
                window = found[1] if window is None or found[1].at > window.at else window
        return (measured, window) if window is not None else None

    def node(self) -> tuple[Usage, Window] | None:
        """The host's usage, or None before two samples exist."""
        with self._lock:
            return self._node.usage()


def cpu_quantity(nanocores: int) -> str:
    """CPU as metrics-server prints it: nanocores, in canonical form (`1234567n`, `5m`)."""
    return Quantity(Fraction(nanocores, 1_000_000_000)).canonical()


def memory_quantity(value: int) -> str:
    """Memory as metrics-server prints it: bytes in binary SI (`2048Ki`)."""
    return Quantity(value, Format.BINARY_SI).canonical()


def _usage(usage: Usage) -> Obj:
    return {"cpu": cpu_quantity(usage.cpu_nanocores),
            "memory": memory_quantity(usage.memory_bytes)}


def _window(window: Window) -> str:
    return go_duration(round(window.seconds, 3))


class MetricsApi:
    """The `metrics.k8s.io/v1beta1` API over a collector: set as the API server's
    `metrics_source`, it answers a GET of a path (with its query) under /apis/metrics.k8s.io."""

    def __init__(self, api: ApiServer, collector: MetricsCollector) -> None:
        self.api = api
        self.collector = collector

    def __call__(self, path: str) -> Obj:
        split = urlsplit(path)
        query = {k: v[-1] for k, v in parse_qs(split.query).items()}
        selector = query.get("labelSelector", "")
        parts = [p for p in split.path.split("/") if p]
        if parts == ["apis", GROUP]:
            return _group()
        if parts[:3] != ["apis", GROUP, VERSION]:
            raise _no_resource()
        rest = parts[3:]
        if not rest:
            return _resources()
        if rest[0] == "nodes" and len(rest) <= 2:
            return self._nodes(rest[1] if len(rest) == 2 else "", selector)
        namespace: str | None = None
        if rest[0] == "namespaces" and len(rest) >= 3:
            namespace, rest = rest[1], rest[2:]
        if rest[0] == "pods" and len(rest) <= 2:
            if len(rest) == 2:
                return self._pod(namespace or "default", rest[1])
            return self._pods(namespace, selector)
        raise _no_resource()

    def _pod_metrics(self, pod: Obj) -> Obj | None:
        meta = pod.get("metadata") or {}
        found = self.collector.pod(str(meta.get("uid") or ""))
        if found is None:
            return None
        containers, window = found
        ns, name = meta.get("namespace"), meta.get("name")
        return {
            "kind": "PodMetrics", "apiVersion": GROUP_VERSION,
            "metadata": {"name": name, "namespace": ns,
                         "selfLink": f"{PREFIX}/namespaces/{ns}/pods/{name}",
                         "creationTimestamp": self.api.now(),
                         **({"labels": meta["labels"]} if meta.get("labels") else {})},
            "timestamp": window.at, "window": _window(window),
            "containers": [{"name": c, "usage": _usage(u)} for c, u in containers],
        }

    def _pod(self, namespace: str, name: str) -> Obj:
        try:
            pod = self.api.get(PODS, namespace, name)
        except ApiError as err:
            if err.code != 404:
                raise
            pod = None
        metrics = self._pod_metrics(pod) if pod is not None else None
        if metrics is None:
            raise ApiError(404, "NotFound",
                           f'podmetrics.metrics.k8s.io "{namespace}/{name}" not found',
                           {"name": f"{namespace}/{name}", "group": GROUP, "kind": "pods"})
        return metrics

    def _pods(self, namespace: str | None, selector: str) -> Obj:
        pods = self.api.list(PODS, namespace, label_selector=selector).get("items") or []
        items = [m for m in map(self._pod_metrics, pods) if m is not None]
        link = f"{PREFIX}/namespaces/{namespace}/pods" if namespace else f"{PREFIX}/pods"
        return {"kind": "PodMetricsList", "apiVersion": GROUP_VERSION,
                "metadata": {"selfLink": link}, "items": items}

    def _node_metrics(self, node: Obj) -> Obj | None:
        meta = node.get("metadata") or {}
        found = self.collector.node() if meta.get("name") == NODE_NAME else None
        if found is None:
            return None
        usage, window = found
        return {
            "kind": "NodeMetrics", "apiVersion": GROUP_VERSION,
            "metadata": {"name": meta["name"], "selfLink": f"{PREFIX}/nodes/{meta['name']}",
                         "creationTimestamp": self.api.now(),
                         **({"labels": meta["labels"]} if meta.get("labels") else {})},
            "timestamp": window.at, "window": _window(window), "usage": _usage(usage),
        }

    def _nodes(self, name: str, selector: str) -> Obj:
        if name:
            try:
                node: Obj | None = self.api.get(NODES, None, name)
            except ApiError as err:
                if err.code != 404:
                    raise
                node = None
            metrics = self._node_metrics(node) if node is not None else None
            if metrics is None:
                raise ApiError(404, "NotFound",
                               f'nodemetrics.metrics.k8s.io "{name}" not found',
                               {"name": name, "group": GROUP, "kind": "nodes"})
            return metrics
        nodes = self.api.list(NODES, None, label_selector=selector).get("items") or []
        items = [m for m in map(self._node_metrics, nodes) if m is not None]
        return {"kind": "NodeMetricsList", "apiVersion": GROUP_VERSION,
                "metadata": {"selfLink": f"{PREFIX}/nodes"}, "items": items}


def _no_resource() -> ApiError:
    return ApiError(404, "NotFound", "the server could not find the requested resource")


def _group() -> Obj:
    version = {"groupVersion": GROUP_VERSION, "version": VERSION}
    return {"kind": "APIGroup", "apiVersion": "v1", "name": GROUP, "versions": [version],
            "preferredVersion": version}


def _resources() -> Obj:
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": GROUP_VERSION,
            "resources": [
                {"name": "nodes", "singularName": "", "namespaced": False,
                 "kind": "NodeMetrics", "verbs": ["get", "list"]},
                {"name": "pods", "singularName": "", "namespaced": True,
                 "kind": "PodMetrics", "verbs": ["get", "list"]}]}
