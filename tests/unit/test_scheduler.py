"""The scheduler's FailedScheduling event counts scheduling attempts, as kube-scheduler's does."""

from __future__ import annotations

from kubia_tutor.api.kinds import resolve
from kubia_tutor.clock import FakeClock
from kubia_tutor.controllers.scheduler import RETRY_UNSCHEDULABLE_SECONDS, Scheduler
from kubia_tutor.daemon.cluster import Cluster

PODS = resolve("pods")
NODES = resolve("nodes")
EVENTS = resolve("events")


def gpu_pod(cluster: Cluster) -> None:
    cluster.api.create(PODS, "default", {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "kubia-gpu"},
        "spec": {"nodeSelector": {"gpu": "true"},
                 "containers": [{"name": "kubia", "image": "luksa/kubia"}]}})


def counts(cluster: Cluster) -> dict[str, int]:
    """reason -> count of the pod's events."""
    items = cluster.api.list(EVENTS, "default")["items"]
    return {e["reason"]: int(e.get("count") or 1) for e in items
            if e["involvedObject"]["name"] == "kubia-gpu"}


def scheduler(cluster: Cluster) -> Scheduler:
    return next(c for c in cluster.controllers if isinstance(c, Scheduler))


def test_no_new_attempt_for_status_writes_resyncs_or_heartbeats(cluster: Cluster) -> None:
    gpu_pod(cluster)
    cluster.settle()  # the attempt writes the pod's status, which comes back as a change
    pod = cluster.api.get(PODS, "default", "kubia-gpu")
    assert pod["status"]["phase"] == "Pending"
    assert pod["status"]["conditions"][0]["reason"] == "Unschedulable"
    assert counts(cluster) == {"FailedScheduling": 1}

    scheduler(cluster).run_once()  # a resync
    cluster.kubelet.heartbeat()  # the node changes, but only its heartbeat times
    cluster.settle()
    assert counts(cluster) == {"FailedScheduling": 1}


def test_retried_after_a_minute(cluster: Cluster, clock: FakeClock) -> None:
    gpu_pod(cluster)
    cluster.settle()
    clock.advance(RETRY_UNSCHEDULABLE_SECONDS)
    scheduler(cluster).run_once()
    assert counts(cluster) == {"FailedScheduling": 2}


def test_retried_at_once_when_the_node_changes(cluster: Cluster) -> None:
    gpu_pod(cluster)
    cluster.settle()
    cluster.api.patch(NODES, None, "minikube", {"metadata": {"labels": {"gpu": "true"}}},
                      "merge")
    cluster.settle()
    assert cluster.api.get(PODS, "default", "kubia-gpu")["spec"]["nodeName"] == "minikube"
    assert counts(cluster)["FailedScheduling"] == 1
    assert counts(cluster)["Scheduled"] == 1


def test_retried_at_once_when_the_pod_changes(cluster: Cluster) -> None:
    gpu_pod(cluster)
    cluster.settle()
    cluster.api.patch(PODS, "default", "kubia-gpu", {"metadata": {"labels": {"app": "x"}}},
                      "merge")
    cluster.settle()
    assert counts(cluster) == {"FailedScheduling": 2}
