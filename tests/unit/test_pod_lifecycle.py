"""The kubelet's decisions on the fake runtime: restarts, back-off, phases, pull failures."""

from __future__ import annotations

import pytest

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import resolve
from kubia_tutor.clock import FakeClock
from kubia_tutor.daemon.cluster import Cluster
from kubia_tutor.runtime.fake import FakeRuntime

PODS = resolve("pods")


def make(cluster: Cluster, name: str, policy: str = "Always", image: str = "busybox") -> dict:
    cluster.api.create(PODS, "default", {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
        "spec": {"restartPolicy": policy,
                 "containers": [{"name": "main", "image": image}]}})
    cluster.settle()
    return cluster.api.get(PODS, "default", name)


def exit_newest(cluster: Cluster, pod: dict, code: int) -> None:
    fake = cluster.runtime
    assert isinstance(fake, FakeRuntime)
    newest = max(fake.instances(pod), key=lambda i: i.attempt)
    fake.finish(newest.id, code)
    cluster.kubelet.run_once([f"default/{pod['metadata']['name']}"])


def status(cluster: Cluster, name: str) -> dict:
    return cluster.api.get(PODS, "default", name)["status"]


def test_always_restarts_then_backs_off(cluster: Cluster, clock: FakeClock) -> None:
    pod = make(cluster, "crash")
    exit_newest(cluster, pod, 1)
    first = status(cluster, "crash")["containerStatuses"][0]
    assert first["restartCount"] == 1 and "running" in first["state"]
    assert first["lastState"]["terminated"]["exitCode"] == 1
    assert first["lastState"]["terminated"]["reason"] == "Error"
    exit_newest(cluster, pod, 1)
    second = status(cluster, "crash")["containerStatuses"][0]
    assert second["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert "back-off 10s restarting failed container=main pod=crash_default" in \
        second["state"]["waiting"]["message"]
    assert second["restartCount"] == 1
    clock.advance(11)
    cluster.kubelet.run_once(["default/crash"])
    third = status(cluster, "crash")["containerStatuses"][0]
    assert third["restartCount"] == 2 and "running" in third["state"]


def test_a_crash_loop_keeps_one_dead_container(cluster: Cluster, clock: FakeClock) -> None:
    """The kubelet's container garbage collection: the running instance and the one before
    it (for `logs --previous`) stay; older dead ones are removed, whatever the restarts."""
    pod = make(cluster, "crash")
    for _ in range(4):
        exit_newest(cluster, pod, 1)
        clock.advance(400)  # past any back-off
        cluster.kubelet.run_once(["default/crash"])
    fake = cluster.runtime
    assert isinstance(fake, FakeRuntime)
    kept = sorted((i.attempt, i.state) for i in fake.instances(pod))
    assert kept == [(3, "exited"), (4, "running")]
    assert status(cluster, "crash")["containerStatuses"][0]["restartCount"] == 4


def test_on_failure_completes_on_exit_zero(cluster: Cluster) -> None:
    pod = make(cluster, "job", policy="OnFailure")
    exit_newest(cluster, pod, 0)
    st = status(cluster, "job")
    assert st["phase"] == "Succeeded"
    assert st["containerStatuses"][0]["state"]["terminated"]["reason"] == "Completed"


def test_never_fails_on_nonzero_exit(cluster: Cluster) -> None:
    pod = make(cluster, "once", policy="Never")
    exit_newest(cluster, pod, 3)
    st = status(cluster, "once")
    assert st["phase"] == "Failed"
    assert st["containerStatuses"][0]["state"]["terminated"]["exitCode"] == 3
    assert st["containerStatuses"][0]["restartCount"] == 0


def test_unpullable_image_goes_err_image_pull_then_back_off(cluster: Cluster,
                                                           clock: FakeClock) -> None:
    fake = cluster.runtime
    assert isinstance(fake, FakeRuntime)
    fake.unpullable.add("luksa/kubia:v9")
    cluster.api.create(PODS, "default", {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "typo"},
        "spec": {"containers": [{"name": "main", "image": "luksa/kubia:v9"}]}})
    cluster.controllers[0].run_once()  # the scheduler binds it
    cluster.kubelet.run_once(["default/typo"])
    st = status(cluster, "typo")
    assert st["phase"] == "Pending"
    assert st["containerStatuses"][0]["state"]["waiting"]["reason"] == "ErrImagePull"
    cluster.kubelet.run_once(["default/typo"])
    st = status(cluster, "typo")
    assert st["containerStatuses"][0]["state"]["waiting"]["reason"] == "ImagePullBackOff"
    reasons = {e["reason"] for e in cluster.api.list(resolve("events"), "default")["items"]}
    assert {"Failed", "BackOff"} <= reasons
    fake.unpullable.clear()
    clock.advance(11)
    cluster.kubelet.run_once(["default/typo"])
    assert status(cluster, "typo")["phase"] == "Running"


def test_logs_of_a_previous_instance_need_a_restart(cluster: Cluster) -> None:
    pod = make(cluster, "logs")
    with pytest.raises(ApiError) as err:
        cluster.kubelet.container_log(pod, "main", previous=True)
    assert err.value.message == 'previous terminated container "main" in pod "logs" not found'
    with pytest.raises(ApiError) as bad:
        cluster.kubelet.container_log(pod, "nope")
    assert bad.value.message == "container nope is not valid for pod logs"
    exit_newest(cluster, pod, 1)
    assert cluster.kubelet.container_log(pod, "main", previous=True) == ""


def test_the_node_holds_its_lease(cluster: Cluster, clock: FakeClock) -> None:
    """`describe node` shows the Lease the kubelet renews in kube-node-lease."""
    leases = resolve("leases")
    lease = cluster.api.get(leases, "kube-node-lease", "minikube")
    assert lease["spec"]["holderIdentity"] == "minikube"
    assert lease["metadata"]["ownerReferences"][0]["kind"] == "Node"
    first = lease["spec"]["renewTime"]
    clock.advance(10)
    cluster.kubelet.heartbeat()
    renewed = cluster.api.get(leases, "kube-node-lease", "minikube")["spec"]
    assert renewed["renewTime"] > first and renewed["acquireTime"] == first


def test_a_removed_newer_instance_still_counts_as_a_restart(cluster: Cluster,
                                                           clock: FakeClock) -> None:
    """The running instance of a restarted container removed behind the kubelet's back: the
    restart count goes on from what the status showed (2), never back to the instance left."""
    pod = make(cluster, "gone")
    exit_newest(cluster, pod, 1)
    assert status(cluster, "gone")["containerStatuses"][0]["restartCount"] == 1
    fake = cluster.runtime
    assert isinstance(fake, FakeRuntime)
    newest = max(fake.instances(pod), key=lambda i: i.attempt)
    fake.remove_container(newest.id)
    for _ in range(3):
        cluster.kubelet.run_once(["default/gone"])
        assert status(cluster, "gone")["containerStatuses"][0]["restartCount"] >= 1
        clock.advance(400)
    shown = status(cluster, "gone")["containerStatuses"][0]
    assert shown["restartCount"] == 2 and "running" in shown["state"]
