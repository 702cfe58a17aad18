"""The tutor's own `podman system service` against the real Podman: started in a temporary
state dir with the tutor's containers.conf, pinged, used through podman-py for a labelled pod,
and stopped with no process left behind. Also `doctor --deep` on this host.

Everything created carries `io.kubia-tutor.managed=true`, a cluster label of the test's own and
a `kubia-tutor-test-` name, and is removed in `finally`.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kubia_tutor.runtime.podman import doctor, service
from kubia_tutor.runtime.podman.config import detect_host

pytestmark = pytest.mark.podman


def unique(prefix: str = "kubia-tutor-test-") -> str:
    return prefix + uuid.uuid4().hex[:10]


def labels(cluster: str) -> dict[str, str]:
    return {"io.kubia-tutor.managed": "true", "io.kubia-tutor.cluster": cluster}


def process_gone(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] == "Z"


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    return tmp_path / "state"


@pytest.fixture
def podman_service(state_dir: Path) -> Iterator[service.PodmanService]:
    svc = service.PodmanService(state_dir)
    try:
        yield svc
    finally:
        pid = svc.pid
        svc.close()
        assert pid is None or process_gone(pid)


def remove_pods_by_label(cluster: str) -> None:
    """Last-resort cleanup through the CLI: only the pods carrying this test's cluster label."""
    found = subprocess.run(
        ["podman", "pod", "ps", "-q", "--filter", f"label=io.kubia-tutor.cluster={cluster}"],
        capture_output=True, text=True, check=False)
    ids = found.stdout.split()
    if ids:
        subprocess.run(["podman", "pod", "rm", "-f", "-t", "0", *ids], capture_output=True,
                       check=False)


def test_service_starts_answers_and_stops(podman_service: service.PodmanService,
                                          state_dir: Path) -> None:
    client = podman_service.start()
    pid = podman_service.pid
    assert pid is not None and podman_service.started_here
    assert podman_service.startup_ms is not None and podman_service.startup_ms < 10_000
    assert client.ping()
    assert (podman_service.rss_kib() or 0) > 0
    info: dict[str, Any] = client.info()
    host = detect_host()
    if host.runtime:
        assert info["host"]["ociRuntime"]["name"] == host.runtime
    assert info["host"]["eventLogger"] == "file"
    assert Path(service.pid_file(state_dir)).read_text() == f"{pid}\n"
    assert service.log_file(state_dir).read_text().startswith("--- ")

    podman_service.close()
    assert process_gone(pid)
    assert not service.ping(service.socket_file(state_dir))
    assert not service.pid_file(state_dir).exists()


def test_a_second_service_object_reuses_the_running_one(podman_service: service.PodmanService,
                                                        state_dir: Path) -> None:
    podman_service.start()
    with service.PodmanService(state_dir) as again:
        assert again.start().ping()
        assert not again.started_here and again.pid is None
    assert podman_service.ping()  # closing the second left the first running


def test_labelled_pod_create_start_and_remove(podman_service: service.PodmanService) -> None:
    client = podman_service.start()
    cluster = unique("test-")
    name = unique()
    try:
        pod = client.pods.create(name=name, labels=labels(cluster),
                                 netns={"nsmode": "none"})  # no network: nothing can leave
        assert pod.name == name
        assert pod.attrs["Labels"] == labels(cluster)
        pod.start()  # the infra container runs: runc, the rlimit pin, catatonit
        pod.reload()
        assert pod.attrs["State"] == "Running"
        found = client.pods.list(filters={"label": f"io.kubia-tutor.cluster={cluster}"})
        assert [p.name for p in found] == [name]
        pod.kill()
        pod.remove(force=True)
        assert not client.pods.exists(name)
    finally:
        remove_pods_by_label(cluster)


def test_doctor_deep_passes_here(tmp_path: Path) -> None:
    checks = doctor.run_checks(tmp_path / "state", deep=True)
    report = doctor.format_report(checks)
    assert doctor.passes(checks), report
    found = {check.name: check for check in checks}
    assert found["container starts"].ok, report
    assert found["podman service"].ok, report
    assert not (tmp_path / "state").exists()
