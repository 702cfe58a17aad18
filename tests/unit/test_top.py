"""`kubectl top pod|node` on the fake runtime: the metrics pipeline (collector, metrics.k8s.io
answers) fed by a scripted stats source, kubectl's printing, sorting and errors, and the
daemon's HTTP route to the metrics API."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from harness import Shell

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import resolve
from kubia_tutor.client.http import HttpClient
from kubia_tutor.clock import FakeClock
from kubia_tutor.daemon.cluster import Cluster
from kubia_tutor.daemon.http import HttpServer
from kubia_tutor.runtime.cri import RUNNING, ContainerStats
from kubia_tutor.runtime.metrics import (
    HostSample,
    MetricsApi,
    MetricsCollector,
    host_cpu_nanos,
    host_working_set,
)
from kubia_tutor.runtime.podman import stats as podman_stats
from kubia_tutor.shell.commands.top import node_table, pod_table

PODS = resolve("pods")
NODES = resolve("nodes")
MI = 1024 * 1024
Obj = dict[str, Any]


class StepClock(FakeClock):
    """Wall and monotonic time move only by `advance()`: rates come out exact."""

    def monotonic(self) -> float:
        return (self.now() - datetime(2026, 1, 1, tzinfo=UTC)).total_seconds()


class ScriptedStats:
    """A stats source over the fake runtime: each running container's CPU counter and
    memory are what the test sets (`cpu[name]` ns so far, `memory[name]` bytes)."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.cpu: dict[str, int] = {}
        self.memory: dict[str, int] = {}

    def container_stats(self) -> list[ContainerStats]:
        out = []
        for pod in self.cluster.api.list(PODS, None)["items"]:
            for inst in self.cluster.runtime.instances(pod):
                if inst.state != RUNNING:
                    continue
                key = f"{pod['metadata']['name']}/{inst.name}"
                out.append(ContainerStats(pod["metadata"]["uid"], inst.name, inst.id,
                                          self.cpu.get(key, 0), self.memory.get(key, 0)))
        return out


class Host:
    def __init__(self) -> None:
        self.cpu = 0
        self.memory = 0

    def __call__(self) -> HostSample:
        return HostSample(self.cpu, self.memory)


@pytest.fixture
def step_clock() -> StepClock:
    return StepClock(datetime(2026, 11, 28, 6, 0, 0, tzinfo=UTC))


@pytest.fixture
def metered(step_clock: StepClock) -> Iterator[tuple[Cluster, ScriptedStats, Host,
                                                    MetricsCollector]]:
    """A fake-runtime cluster given a metrics pipeline over scripted stats."""
    cluster = Cluster(None, "fake", clock=step_clock)
    source, host = ScriptedStats(cluster), Host()
    collector = MetricsCollector(source, step_clock, host=host)
    cluster.api.metrics_source = MetricsApi(cluster.api, collector)
    cluster.start()
    yield cluster, source, host, collector
    cluster.stop()


@pytest.fixture
def mshell(metered: tuple[Cluster, ScriptedStats, Host, MetricsCollector],
           tmp_path: Path) -> Shell:
    return Shell(metered[0], tmp_path)


def two_samples(collector: MetricsCollector, clock: StepClock, source: ScriptedStats,
                host: Host, seconds: float, cpu: dict[str, int], memory: dict[str, int],
                host_cpu: int = 0, host_memory: int = 0) -> None:
    """A first sample at zero, then one `seconds` later with the given counters."""
    source.cpu = {k: 0 for k in cpu}
    source.memory = dict(memory)
    host.cpu, host.memory = 0, host_memory
    collector.collect()
    clock.advance(seconds)
    source.cpu = dict(cpu)
    host.cpu = host_cpu
    collector.collect()


def manifest(name: str, *containers: str, labels: str = "app: kubia") -> str:
    body = "".join(f"  - name: {c}\n    image: luksa/kubia\n" for c in containers)
    return (f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  labels:\n    {labels}\n"
            f"spec:\n  containers:\n{body}")


def create(shell: Shell, name: str, *containers: str, namespace: str = "default",
           labels: str = "app: kubia") -> None:
    path = shell.write(f"{namespace}-{name}.yaml", manifest(name, *(containers or (name,)),
                                                          labels=labels))
    r = shell.run(f"kubectl apply -f {path} -n {namespace}")
    assert r.code == 0, r.err
    wait_running(shell.cluster, namespace, name)


def wait_running(cluster: Cluster, namespace: str, name: str) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        pod = cluster.api.get(PODS, namespace, name)
        if (pod.get("status") or {}).get("phase") == "Running":
            return
        time.sleep(0.02)
    raise AssertionError(f"pod {namespace}/{name} never ran")


# Printing, as kubectl's metrics printer does it -----------------------------------------------


def pod_metrics(name: str, namespace: str = "default", **containers: tuple[str, str]) -> Obj:
    return {"metadata": {"name": name, "namespace": namespace},
            "containers": [{"name": c, "usage": {"cpu": cpu, "memory": mem}}
                           for c, (cpu, mem) in containers.items()]}


def test_pod_rows_round_cpu_up_and_memory_down_with_every_cell_padded() -> None:
    items = [pod_metrics("kubia", main=("1000001n", f"{3 * MI + MI - 1}")),
             pod_metrics("a", main=("0", "0"))]
    out = pod_table(items, containers=False, namespaces=False, headers=True, sort_by="")
    # kubectl ends every cell with a tab, so even the last column is padded
    assert out == ("NAME    CPU(cores)   MEMORY(bytes)   \n"
                   "a       0m           0Mi             \n"
                   "kubia   2m           3Mi             \n")


def test_pod_usage_sums_the_containers_before_rounding() -> None:
    items = [pod_metrics("web", a=("400001n", "1Mi"), b=("400001n", "1Mi"))]
    out = pod_table(items, containers=False, namespaces=False, headers=False, sort_by="")
    assert out.split() == ["web", "1m", "2Mi"]  # 0.800002m rounds up once, not twice


def test_sorting_is_by_usage_descending_and_by_name_otherwise() -> None:
    items = [pod_metrics("b", c=("5m", "1Mi")), pod_metrics("a", c=("1m", "9Mi")),
             pod_metrics("c", c=("9m", "5Mi"))]

    def names(sort_by: str) -> list[str]:
        out = pod_table(items, containers=False, namespaces=False, headers=False,
                        sort_by=sort_by)
        return [line.split()[0] for line in out.splitlines()]

    assert names("") == ["a", "b", "c"]
    assert names("cpu") == ["c", "b", "a"]
    assert names("memory") == ["a", "c", "b"]


def test_containers_and_namespaces_add_columns_in_kubectl_order() -> None:
    items = [pod_metrics("fortune", "zz", web=("2m", "4Mi"), html=("1m", "8Mi")),
             pod_metrics("kubia", "aa", kubia=("3m", "2Mi"))]
    out = pod_table(items, containers=True, namespaces=True, headers=True, sort_by="")
    assert [line.split() for line in out.splitlines()] == [
        ["NAMESPACE", "POD", "NAME", "CPU(cores)", "MEMORY(bytes)"],
        ["aa", "kubia", "kubia", "3m", "2Mi"],
        ["zz", "fortune", "html", "1m", "8Mi"],
        ["zz", "fortune", "web", "2m", "4Mi"]]


def test_node_rows_show_shares_of_allocatable_truncated() -> None:
    items = [{"metadata": {"name": "minikube"}, "usage": {"cpu": "999m", "memory": "1Gi"}}]
    out = node_table(items, {"minikube": {"cpu": "2", "memory": "3Gi"}}, headers=True,
                     sort_by="")
    assert out == ("NAME       CPU(cores)   CPU%   MEMORY(bytes)   MEMORY%   \n"
                   "minikube   999m         49%    1024Mi          33%       \n")


def test_a_node_without_metrics_gets_kubectls_unknown_row() -> None:
    items = [{"metadata": {"name": "minikube"}, "usage": {"cpu": "1", "memory": "1Gi"}}]
    out = node_table(items, {"minikube": {"cpu": "2", "memory": "2Gi"},
                             "m02": {"cpu": "2", "memory": "2Gi"}}, headers=False, sort_by="")
    lines = out.splitlines()
    assert lines[0].split() == ["minikube", "1000m", "50%", "1024Mi", "50%"]
    assert lines[1].split() == ["m02", "<unknown>", "<unknown>", "<unknown>", "<unknown>"]


# Through the shell: the metrics pipeline and kubectl's errors -------------------------------


def test_top_on_the_fake_runtime_says_the_metrics_api_is_missing(shell: Shell) -> None:
    for line in ("kubectl top pod", "kubectl top node", "kubectl top pods kubia"):
        r = shell.run(line)
        assert (r.code, r.out, r.err) == (1, "", "error: Metrics API not available\n")


def test_top_pod_before_two_samples_says_metrics_are_not_available_yet(
        mshell: Shell, metered: tuple[Cluster, ScriptedStats, Host, MetricsCollector]) -> None:
    _cluster, _source, _host, collector = metered
    create(mshell, "kubia")
    collector.collect()  # one sample: no rate yet
    r = mshell.run("kubectl top pod")
    assert (r.code, r.err) == (1, "error: metrics not available yet\n")
    r = mshell.run("kubectl top node")
    assert (r.code, r.err) == (1, "error: metrics not available yet\n")
    r = mshell.run("kubectl top pod kubia")
    assert r.err == ('Error from server (NotFound): podmetrics.metrics.k8s.io "default/kubia" '
                     "not found\n")


def test_top_pod_shows_the_cpu_rate_between_samples_and_the_working_set(
        mshell: Shell, metered: tuple[Cluster, ScriptedStats, Host, MetricsCollector],
        step_clock: StepClock) -> None:
    _cluster, source, host, collector = metered
    create(mshell, "kubia")
    create(mshell, "busy", labels="app: busy")
    # 5 s of CPU over 10 s is half a core; 2.5 ms over 10 s rounds up to 1m
    two_samples(collector, step_clock, source, host, 10,
                cpu={"kubia/kubia": 2_500_000, "busy/busy": 5_000_000_000},
                memory={"kubia/kubia": 3 * MI + 5, "busy/busy": 700 * 1024})
    r = mshell.run("kubectl top pod")
    assert r.code == 0, r.err
    assert r.out == ("NAME    CPU(cores)   MEMORY(bytes)   \n"
                     "busy    500m         0Mi             \n"
                     "kubia   1m           3Mi             \n")
    assert mshell.run("kubectl top pod --sort-by=memory --no-headers").out.split()[0] == "kubia"
    assert mshell.run("kubectl top pod -l app=busy").out.split()[3:] == ["busy", "500m", "0Mi"]
    assert mshell.run("kubectl top po kubia --containers").out.split() == [
        "POD", "NAME", "CPU(cores)", "MEMORY(bytes)", "kubia", "kubia", "1m", "3Mi"]


def test_top_pod_all_namespaces_and_an_empty_namespace(
        mshell: Shell, metered: tuple[Cluster, ScriptedStats, Host, MetricsCollector],
        step_clock: StepClock) -> None:
    _cluster, source, host, collector = metered
    assert mshell.run("kubectl create namespace other").code == 0
    create(mshell, "kubia")
    create(mshell, "kubia", namespace="other")
    two_samples(collector, step_clock, source, host, 10, cpu={"kubia/kubia": 10_000_000},
                memory={"kubia/kubia": 2 * MI})
    out = mshell.run("kubectl top pod -A").out
    rows = [line.split() for line in out.splitlines()]
    assert rows[2][1].startswith("coredns-")  # kube-system's DNS pod, as on minikube
    rows[2][1] = "coredns"
    assert rows == [
        ["NAMESPACE", "NAME", "CPU(cores)", "MEMORY(bytes)"],
        ["default", "kubia", "1m", "2Mi"], ["kube-system", "coredns", "0m", "0Mi"],
        ["other", "kubia", "1m", "2Mi"]]
    r = mshell.run("kubectl top pod -n empty")
    assert (r.code, r.out, r.err) == (0, "", "No resources found in empty namespace.\n")


def test_a_pod_without_metrics_after_two_minutes_is_named(
        mshell: Shell, metered: tuple[Cluster, ScriptedStats, Host, MetricsCollector],
        step_clock: StepClock) -> None:
    create(mshell, "kubia")
    step_clock.advance(150.5)
    r = mshell.run("kubectl top pod")
    assert (r.code, r.err) == (1, "error: Metrics not available for pod default/kubia, "
                                  "age: 2m30.5s\n")


def test_top_node_shows_the_hosts_usage_against_allocatable(
        mshell: Shell, metered: tuple[Cluster, ScriptedStats, Host, MetricsCollector],
        step_clock: StepClock) -> None:
    cluster, source, host, collector = metered
    node = cluster.api.get(NODES, None, "minikube")
    cores = int(node["status"]["allocatable"]["cpu"])
    two_samples(collector, step_clock, source, host, 10, cpu={}, memory={},
                host_cpu=5_000_000_000, host_memory=512 * MI)
    r = mshell.run("kubectl top node")
    assert r.code == 0, r.err
    header, row = r.out.splitlines()
    assert header.split() == ["NAME", "CPU(cores)", "CPU%", "MEMORY(bytes)", "MEMORY%"]
    cells = row.split()
    assert cells[:3] == ["minikube", "500m", f"{int(500 / (cores * 1000) * 100)}%"]
    assert cells[3] == "512Mi"
    assert mshell.run("kubectl top nodes minikube").out.splitlines()[1] == row
    assert mshell.run("kubectl top node nope").err == \
        'Error from server (NotFound): nodemetrics.metrics.k8s.io "nope" not found\n'


def test_top_flag_and_argument_errors(
        mshell: Shell, metered: tuple[Cluster, ScriptedStats, Host, MetricsCollector]) -> None:
    r = mshell.run("kubectl top pod --sort-by=name")
    assert (r.code, r.err) == (1, "error: --sort-by accepts only cpu or memory\n")
    r = mshell.run("kubectl top pod kubia -l app=kubia")
    assert r.err == "error: only one of NAME or --selector can be provided\n"
    r = mshell.run("kubectl top pod a b")
    assert r.err == ("error: pod [NAME | -l label]\n"
                     "See 'kubectl top pod -h' for help and examples\n")
    r = mshell.run("kubectl top node --containers")
    assert r.err.startswith("Error: unknown flag: --containers\n")
    r = mshell.run("kubectl top pod -l 'a in (b'")
    assert r.code == 1 and r.err.startswith("error: ") and "Traceback" not in r.err
    r = mshell.run("kubectl top")
    assert r.code == 0 and "pod" in r.out and "node" in r.out


def test_a_restarted_container_starts_a_new_series(step_clock: StepClock) -> None:
    class OneContainer:
        def __init__(self) -> None:
            self.id, self.cpu = "c1", 0

        def container_stats(self) -> list[ContainerStats]:
            return [ContainerStats("uid-1", "main", self.id, self.cpu, MI)]

    one = OneContainer()
    mine = MetricsCollector(one, step_clock, host=lambda: None)
    mine.collect()
    step_clock.advance(5)
    one.cpu = 1_000_000_000
    mine.collect()
    found = mine.pod("uid-1")
    assert found is not None and found[0][0][1].cpu_nanocores == 200_000_000
    one.id, one.cpu = "c2", 10  # restarted: a lower counter in a new instance
    step_clock.advance(5)
    mine.collect()
    assert mine.pod("uid-1") is None  # one sample of the new instance: no rate yet


def test_the_window_keeps_the_rate_recent(step_clock: StepClock) -> None:
    class Counter:
        cpu = 0

        def container_stats(self) -> list[ContainerStats]:
            return [ContainerStats("u", "c", "id", self.cpu, 0)]

    counter = Counter()
    mine = MetricsCollector(counter, step_clock, window=15, host=lambda: None)
    for second in range(0, 60, 5):
        # busy (1 core) for the first 30 s, then idle
        counter.cpu = min(second, 30) * 1_000_000_000
        mine.collect()
        step_clock.advance(5)
    found = mine.pod("u")
    assert found is not None
    usage, window = found[0][0][1], found[1]
    assert usage.cpu_nanocores == 0 and window.seconds == 15
    assert mine.node() is None


# Host and cgroup readings -------------------------------------------------------------------


def test_host_cpu_counts_busy_ticks_only() -> None:
    stat = "cpu  100 5 50 1000 40 3 2 1 7 0\ncpu0 1 2 3 4 5 6 7 8 9 0\n"
    assert host_cpu_nanos(stat, 100) == (100 + 5 + 50 + 3 + 2 + 1) * 10_000_000


def test_host_working_set_leaves_out_free_and_inactive_file_pages() -> None:
    meminfo = "MemTotal: 1000 kB\nMemFree: 200 kB\nInactive(file): 300 kB\n"
    assert host_working_set(meminfo) == 500 * 1024


def test_container_working_set_from_cgroup_memory_stat(tmp_path: Path) -> None:
    mounts = tmp_path / "mounts"
    mounts.write_text("cgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0\n"
                      "cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0\n")
    root = podman_stats.memory_cgroup_root(str(mounts))
    assert root == (Path("/sys/fs/cgroup/memory"), "total_inactive_file")
    mounts.write_text("cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n")
    assert podman_stats.memory_cgroup_root(str(mounts)) == (Path("/sys/fs/cgroup"),
                                                            "inactive_file")
    stat = "cache 5\ninactive_file 7\ntotal_inactive_file 4000\n"
    assert podman_stats.working_set(10_000, stat, "total_inactive_file") == 6_000
    assert podman_stats.working_set(10_000, stat, "inactive_file") == 9_993
    assert podman_stats.working_set(10_000, None, "inactive_file") == 10_000
    assert podman_stats.working_set(100, stat, "total_inactive_file") == 0


# The daemon's route ---------------------------------------------------------------------------


def test_the_daemon_serves_the_metrics_api_and_404_without_it(
        metered: tuple[Cluster, ScriptedStats, Host, MetricsCollector],
        step_clock: StepClock, tmp_path: Path) -> None:
    cluster, source, host, collector = metered

    class Extra:
        def handle(self, *args: Any) -> None:
            raise AssertionError("no /kubia/ paths here")

    server = HttpServer(str(tmp_path / "api.sock"), cluster.api, Extra())
    server.start()
    client = HttpClient(str(tmp_path / "api.sock"))
    try:
        two_samples(collector, step_clock, source, host, 10, cpu={}, memory={},
                    host_cpu=1_000_000_000, host_memory=MI)
        group = client.raw_get("/apis/metrics.k8s.io/v1beta1")
        assert [r["kind"] for r in group["resources"]] == ["NodeMetrics", "PodMetrics"]
        nodes = client.raw_get("/apis/metrics.k8s.io/v1beta1/nodes")
        assert nodes["kind"] == "NodeMetricsList"
        assert nodes["items"][0]["usage"] == {"cpu": "100m", "memory": "1Mi"}
        assert nodes["items"][0]["window"] == "10s"
        pods = client.raw_get("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods"
                              "?labelSelector=app%3Dkubia")
        assert (pods["kind"], pods["items"]) == ("PodMetricsList", [])
        cluster.api.metrics_source = None
        with pytest.raises(ApiError) as err:
            client.raw_get("/apis/metrics.k8s.io/v1beta1/nodes")
        assert err.value.code == 404
    finally:
        client.close()
        server.shutdown()


def test_the_collector_thread_stops_with_its_event(step_clock: StepClock) -> None:
    class Empty:
        def container_stats(self) -> list[ContainerStats]:
            return []

    stop = threading.Event()
    mine = MetricsCollector(Empty(), step_clock, interval=0.01, host=lambda: None)
    thread = threading.Thread(target=mine.run, args=(stop,))
    thread.start()
    time.sleep(0.05)
    stop.set()
    thread.join(timeout=2)
    assert not thread.is_alive()
