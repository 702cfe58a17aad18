"""Jobs and DaemonSets on real Podman: the book's batch-job runs to Completed and keeps its
logs; the ssd-monitor DaemonSet follows the node's `disk` label."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from podman_shell import get_json, reset, shell, wait_for

# The book's batch-job image, told to work for one second instead of two minutes.
JOB = """\
apiVersion: batch/v1
kind: Job
metadata:
  name: batch-job
spec:
  template:
    metadata:
      labels:
        app: batch-job
    spec:
      restartPolicy: OnFailure
      containers:
      - name: main
        image: luksa/batch-job
        env:
        - name: BATCH_JOB_SECONDS
          value: "1"
"""

DAEMON_SET = """\
apiVersion: apps/v1beta2
kind: DaemonSet
metadata:
  name: ssd-monitor
spec:
  selector:
    matchLabels:
      app: ssd-monitor
  template:
    metadata:
      labels:
        app: ssd-monitor
    spec:
      nodeSelector:
        disk: ssd
      containers:
      - name: main
        image: luksa/ssd-monitor
"""


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One Podman cluster for the module's tests, reset afterwards."""
    path = tmp_path_factory.mktemp("batch") / "state"
    try:
        yield path
    finally:
        reset(path)


@pytest.mark.podman
def test_batch_job_completes_and_keeps_its_logs(state: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "job.yaml"
    manifest.write_text(JOB)
    assert "job.batch/batch-job created" in shell(state, f"kubectl create -f {manifest}")
    done = wait_for(lambda: get_json(state, "job batch-job").get("status", {})
                    .get("succeeded"), timeout=120)
    assert done == 1, shell(state, "kubectl describe job batch-job")
    jobs = shell(state, "kubectl get jobs").splitlines()
    assert jobs[1].split()[:2] == ["batch-job", "1/1"]
    pods = get_json(state, "pods -l job-name=batch-job")["items"]
    assert len(pods) == 1
    name = pods[0]["metadata"]["name"]
    row = shell(state, f"kubectl get pod {name}").splitlines()[1].split()
    assert row[1:4] == ["0/1", "Completed", "0"]
    logs = shell(state, f"kubectl logs {name}").splitlines()
    assert logs[0].endswith("Batch job starting") and logs[1].endswith("Finished succesfully")


@pytest.mark.podman
def test_ssd_monitor_follows_the_node_label(state: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "ds.yaml"
    manifest.write_text(DAEMON_SET)
    shell(state, f"kubectl create -f {manifest}")
    assert get_json(state, "pods -l app=ssd-monitor").get("items") == []
    assert "node/minikube labeled" in shell(state, "kubectl label node minikube disk=ssd")

    def ready() -> bool:
        status = get_json(state, "ds ssd-monitor").get("status", {})
        return status.get("numberReady") == 1

    assert wait_for(ready, timeout=90), shell(state, "kubectl describe ds ssd-monitor")
    row = shell(state, "kubectl get ds").splitlines()[1].split()
    assert row[:7] == ["ssd-monitor", "1", "1", "1", "1", "1", "disk=ssd"]
    pod = get_json(state, "pods -l app=ssd-monitor")["items"][0]["metadata"]["name"]
    assert "SSD OK" in shell(state, f"kubectl logs {pod}")
    shell(state, "kubectl label node minikube disk=hdd --overwrite")
    gone = wait_for(lambda: get_json(state, "pods -l app=ssd-monitor").get("items") == [],
                    timeout=90)
    assert gone, shell(state, "kubectl get pods")
    assert shell(state, "kubectl get ds").splitlines()[1].split()[1:3] == ["0", "0"]
