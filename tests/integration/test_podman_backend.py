"""`PodmanRuntime` against the real Podman: sandboxes, container instances, stop, logs, labels,
cleanup, and the costs (printed; run with `-s` to see them).

One runtime per module, in a temporary state dir (its own `podman system service`) with a
cluster id of this run's own and a /24 of its own in 10.243.0.0/16, so the run never collides
with a tutor cluster on this host (Podman refuses overlapping subnets). Traffic stays inside
the pods' network. Everything created carries the cluster's labels and is removed by
`remove_all` and, as a last resort, by label through the CLI; the foreign containers a test
makes itself are removed by that test.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from podman_cleanup import cleanup_by_label

from kubia_tutor.runtime.cri import EXITED, RUNNING, ContainerInstance, ImagePullError
from kubia_tutor.runtime.podman import labels
from kubia_tutor.runtime.podman.backend import PodmanRuntime
from kubia_tutor.runtime.podman.config import conf_file

pytestmark = pytest.mark.podman

RUN = uuid.uuid4().hex[:8]
CLUSTER = f"test-{RUN}"
SUBNET = f"10.243.{int(RUN[:2], 16)}.0/24"
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def cli(state: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, CONTAINERS_CONF=str(conf_file(state)))
    done = subprocess.run(["podman", *args], capture_output=True, text=True, env=env,
                          timeout=120, check=False)
    if check and done.returncode != 0:
        raise AssertionError(f"podman {' '.join(args)}: {done.stderr.strip()}")
    return done


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pb")


@pytest.fixture(scope="module")
def runtime(state: Path) -> Iterator[PodmanRuntime]:
    rt = PodmanRuntime(str(state), cluster_id=CLUSTER, subnet=SUBNET)
    try:
        yield rt
    finally:
        try:
            rt.remove_all()
        finally:
            cleanup_by_label(state, CLUSTER)
            rt.close()


@pytest.fixture
def new_pod(runtime: PodmanRuntime) -> Iterator[Callable[[str], dict[str, Any]]]:
    """Kubernetes pod objects; their sandboxes are removed after the test."""
    made: list[dict[str, Any]] = []

    def make(name: str) -> dict[str, Any]:
        pod = {"metadata": {"name": name, "namespace": "default", "uid": str(uuid.uuid4())}}
        made.append(pod)
        return pod

    yield make
    for pod in made:
        runtime.remove_sandbox(pod)


def wait_for(check: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def instance(runtime: PodmanRuntime, pod: dict[str, Any], name: str) -> ContainerInstance:
    return next(i for i in runtime.instances(pod) if i.name == name)


def exec_in(runtime: PodmanRuntime, container_id: str, *cmd: str) -> tuple[int, str]:
    code, (out, _err) = runtime.client.containers.get(container_id).exec_run(
        list(cmd), demux=True)
    return int(code or 0), (out or b"").decode()


def run_kubia(runtime: PodmanRuntime, pod: dict[str, Any], **extra: Any) -> tuple[str, str]:
    ip = runtime.ensure_sandbox(pod)
    cid = runtime.create_container(pod, {"name": "kubia", "image": "luksa/kubia", **extra},
                                   0, {})
    runtime.start_container(cid)
    return ip, cid


def test_kubia_pod_answers_http_and_logs(runtime: PodmanRuntime,
                                         new_pod: Callable[[str], dict[str, Any]]) -> None:
    pod = new_pod("kubia-http")
    ip, cid = run_kubia(runtime, pod, env=[{"name": "X", "value": "y"}])
    assert ip.startswith(SUBNET.rsplit(".", 2)[0])
    got = wait_for(lambda: exec_in(runtime, cid, "curl", "-s", f"http://{ip}:8080/")[1])
    assert got == "You've hit kubia-http\n"
    assert "Kubia server starting..." in runtime.logs(cid)
    assert "Kubia server starting..." in runtime.logs(cid, tail=5, timestamps=True)
    found = instance(runtime, pod, "kubia")
    assert (found.state, found.attempt, found.image, found.id) == (RUNNING, 0, "luksa/kubia",
                                                                   cid)
    assert found.image_id.startswith("sha256:") and found.started_at
    assert RFC3339.fullmatch(found.started_at)
    assert exec_in(runtime, cid, "hostname")[1].strip() == "kubia-http"
    resolv = exec_in(runtime, cid, "cat", "/etc/resolv.conf")[1]
    assert "nameserver 10.96.0.10" in resolv and "options ndots:5" in resolv
    assert resolv.count("nameserver") == 1
    assert "search default.svc.cluster.local svc.cluster.local cluster.local" in resolv
    data = runtime.client.containers.get(cid).attrs
    assert data["Config"]["Labels"][labels.ATTEMPT] == "0"
    assert data["Config"]["Labels"][labels.CONTAINER] == "kubia"
    assert data["Name"] == f"{labels.sandbox_name(pod)}-kubia-0"
    [managed] = [p for p in runtime.managed_pods() if p.uid == pod["metadata"]["uid"]]
    assert (managed.namespace, managed.pod, managed.status) == ("default", "kubia-http",
                                                                "Running")


def test_failing_command_reports_exit_code(runtime: PodmanRuntime,
                                           new_pod: Callable[[str], dict[str, Any]]) -> None:
    pod = new_pod("exits")
    runtime.ensure_sandbox(pod)
    cid = runtime.create_container(pod, {"name": "main", "image": "busybox",
                                         "command": ["sh", "-c"], "args": ["echo bye; exit 1"]},
                                   0, {"GREETING": "hi"})
    runtime.start_container(cid)
    done = wait_for(lambda: instance(runtime, pod, "main").state == EXITED)
    assert done
    found = instance(runtime, pod, "main")
    assert found.exit_code == 1 and not found.oom_killed
    assert found.finished_at and RFC3339.fullmatch(found.finished_at)
    assert runtime.logs(cid) == "bye\n"


def test_limits_applied_or_skipped(runtime: PodmanRuntime,
                                   new_pod: Callable[[str], dict[str, Any]]) -> None:
    pod = new_pod("limited")
    runtime.ensure_sandbox(pod)
    cid = runtime.create_container(pod, {"name": "main", "image": "busybox",
                                         "command": ["sleep", "60"],
                                         "resources": {"limits": {"memory": "64Mi",
                                                                  "cpu": "250m"}}}, 0, {})
    host = runtime.client.containers.get(cid).attrs["HostConfig"]
    if "memory" in runtime.refused_limits:
        print(f"memory limit skipped: {runtime.refused_limits['memory']}")
    else:
        assert host["Memory"] == 64 * 1024 * 1024
    if "cpu" in runtime.refused_limits:
        print(f"cpu limit skipped: {runtime.refused_limits['cpu']}")
    else:
        assert (host["CpuQuota"], host["CpuPeriod"]) == (25_000, 100_000)
    ulimits = {u["Name"]: u["Soft"] for u in host["Ulimits"]}
    assert {"RLIMIT_NOFILE", "RLIMIT_NPROC"} <= set(ulimits)
    runtime.start_container(cid)
    assert wait_for(lambda: instance(runtime, pod, "main").state == RUNNING)


def test_stop_with_grace_is_quick_thanks_to_init(
        runtime: PodmanRuntime, new_pod: Callable[[str], dict[str, Any]]) -> None:
    pod = new_pod("stopper")
    _ip, cid = run_kubia(runtime, pod)
    assert wait_for(lambda: "starting" in runtime.logs(cid))
    started = time.monotonic()
    runtime.stop_container(cid, 2)
    elapsed = time.monotonic() - started
    print(f"stop of a kubia container with grace 2: {elapsed * 1000:.0f} ms")
    assert elapsed < 1.0
    found = instance(runtime, pod, "kubia")
    assert found.state == EXITED and found.exit_code == 143


def test_unknown_image_fails_to_pull(runtime: PodmanRuntime,
                                     new_pod: Callable[[str], dict[str, Any]]) -> None:
    with pytest.raises(ImagePullError) as caught:
        runtime.ensure_image("nginxx:1.91", "IfNotPresent")
    text = str(caught.value)
    assert "offline" in text and "docker.io/library/nginxx:1.91" in text
    assert "luksa/kubia" in text
    with pytest.raises(ImagePullError, match="invalid reference format"):
        runtime.ensure_image("Not An Image", "IfNotPresent")
    pod = new_pod("badimage")
    runtime.ensure_sandbox(pod)
    with pytest.raises(ImagePullError):
        runtime.create_container(pod, {"name": "main", "image": "luksa/nope"}, 0, {})
    assert runtime.instances(pod) == []
    catalog_image = runtime.ensure_image("busybox:1.36", "IfNotPresent")
    assert not catalog_image.pulled and catalog_image.image_id.startswith("sha256:")


def test_foreign_containers_are_never_listed_or_removed(
        runtime: PodmanRuntime, state: Path, new_pod: Callable[[str], dict[str, Any]]) -> None:
    pod = new_pod("neighbour")
    runtime.ensure_sandbox(pod)
    uid = pod["metadata"]["uid"]
    image = runtime.ensure_image("busybox", "IfNotPresent").image
    plain = f"kubia-tutor-test-foreign-{uuid.uuid4().hex[:10]}"
    impostor = f"kubia-tutor-test-foreign-{uuid.uuid4().hex[:10]}"
    try:
        cli(state, "create", "--name", plain, "--network", "none", image, "sleep", "1")
        cli(state, "create", "--name", impostor, "--network", "none",
            "--label", f"{labels.POD_UID}={uid}", "--label", f"{labels.CONTAINER}=main",
            "--label", f"{labels.ATTEMPT}=0", image, "sleep", "1")
        assert runtime.instances(pod) == []
        foreign_id = cli(state, "inspect", "--format", "{{.Id}}", plain).stdout.strip()
        for operation in (lambda: runtime.stop_container(foreign_id, 1),
                          lambda: runtime.remove_container(foreign_id),
                          lambda: runtime.logs(foreign_id)):
            with pytest.raises(Exception, match="left alone"):
                operation()
        runtime.remove_sandbox(pod)
        cleaned = runtime.remove_all()
        assert not cleaned.problems
        for name in (plain, impostor):
            assert cli(state, "container", "exists", name, check=False).returncode == 0
    finally:
        cli(state, "rm", "-f", "-t", "0", plain, impostor, check=False)


def test_remove_all_leaves_nothing_of_the_cluster(
        runtime: PodmanRuntime, state: Path, new_pod: Callable[[str], dict[str, Any]]) -> None:
    pods = [new_pod(f"doomed-{i}") for i in range(2)]
    for pod in pods:
        run_kubia(runtime, pod)
    assert len(runtime.managed_pods()) >= 2
    cleaned = runtime.remove_all()
    assert cleaned.pods >= 2 and cleaned.network_removed and not cleaned.problems
    label = f"label={labels.CLUSTER}={CLUSTER}"
    assert cli(state, "pod", "ps", "-q", "--filter", label).stdout.split() == []
    assert cli(state, "ps", "-aq", "--filter", label).stdout.split() == []
    assert cli(state, "network", "exists", runtime.network, check=False).returncode != 0
    assert runtime.managed_pods() == []


def _descendants(roots: list[int]) -> set[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found = set(roots)
    grew = True
    while grew:
        grew = False
        for pid, ppid in parents.items():
            if ppid in found and pid not in found:
                found.add(pid)
                grew = True
    return found


def _kib(pid: int, field: str) -> int:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


@pytest.mark.slow
def test_costs(runtime: PodmanRuntime, state: Path,
               new_pod: Callable[[str], dict[str, Any]]) -> None:
    """Sandbox + kubia container to running vs raw CLI; removal; memory of a busybox pod."""
    warm = new_pod("warm")
    run_kubia(runtime, warm)  # images and network ready, service warm
    image = runtime.ensure_image("luksa/kubia", "IfNotPresent").image
    ours, raw, removal = [], [], []
    for i in range(5):
        pod = new_pod(f"timed-{i}")
        started = time.monotonic()
        _ip, cid = run_kubia(runtime, pod)
        assert instance(runtime, pod, "kubia").state == RUNNING
        ours.append((time.monotonic() - started) * 1000)
        name = f"kubia-tutor-test-raw-{RUN}-{i}"
        started = time.monotonic()
        cli(state, "pod", "create", "--name", name, "--label", f"{labels.MANAGED}=true",
            "--label", f"{labels.CLUSTER}={CLUSTER}", "--network", runtime.network,
            "--dns", "10.96.0.10", "--hostname", name)
        cli(state, "run", "-d", "--pod", name, "--init", "--label",
            f"{labels.CLUSTER}={CLUSTER}", image)
        raw.append((time.monotonic() - started) * 1000)
        cli(state, "pod", "rm", "-f", "-t", "0", name)
        started = time.monotonic()
        runtime.remove_sandbox(pod)
        removal.append((time.monotonic() - started) * 1000)
    pod = new_pod("memory")
    runtime.ensure_sandbox(pod)
    cid = runtime.create_container(pod, {"name": "main", "image": "busybox",
                                         "command": ["sleep", "3600"]}, 0, {})
    runtime.start_container(cid)
    time.sleep(0.5)
    members = runtime.client.pods.get(labels.sandbox_name(pod)).attrs["Containers"]
    conmons = [int(runtime.client.containers.get(c["Id"]).attrs["State"]["ConmonPid"])
               for c in members]
    pids = _descendants(conmons)
    pss = sum(_kib(pid, "Pss") for pid in pids)
    rss = sum(_kib(pid, "Rss") for pid in pids)
    ratio = statistics.median(ours) / statistics.median(raw)
    print(f"\nsandbox + kubia running: median {statistics.median(ours):.0f} ms"
          f" ({', '.join(f'{t:.0f}' for t in ours)})"
          f"\nraw CLI pod create + run -d: median {statistics.median(raw):.0f} ms"
          f" ({', '.join(f'{t:.0f}' for t in raw)}); ratio {ratio:.2f}"
          f"\npod removal: median {statistics.median(removal):.0f} ms"
          f" ({', '.join(f'{t:.0f}' for t in removal)})"
          f"\nbusybox pod: {len(pids)} processes (2 conmon), PSS {pss} KiB, RSS {rss} KiB")
    assert len(conmons) == 2 and pss > 0
    assert statistics.median(ours) < 3000 and statistics.median(removal) < 3000
