"""The scheduler: FailedScheduling counts attempts, as kube-scheduler's does; requests, taints,
cordons and node selectors decide where a pod fits, worded as 1.20 words them."""

from __future__ import annotations

from harness import Shell

from kubia_tutor.api.kinds import resolve
from kubia_tutor.clock import FakeClock
from kubia_tutor.controllers.scheduler import RETRY_UNSCHEDULABLE_SECONDS, Scheduler
from kubia_tutor.daemon.cluster import Cluster
from kubia_tutor.runtime.fake import FakeRuntime

PODS = resolve("pods")
NODES = resolve("nodes")
EVENTS = resolve("events")


def gpu_pod(cluster: Cluster) -> None:
    # kube-system's coredns pod first: the scheduler retries unschedulable pods when an
    # assigned pod is added or updated, which would add attempts these tests do not count
    cluster.settle()
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


# Requests, taints and cordons --------------------------------------------------------------


def small_node(cluster: Cluster) -> None:
    """The book's minikube: 2 CPUs and about 2 GiB, whatever this host has."""
    node = cluster.api.get(NODES, None, "minikube")
    sizes = {**node["status"]["allocatable"], "cpu": "2", "memory": "2038624Ki"}
    cluster.api.update(NODES, None, "minikube",
                       {**node, "status": {**node["status"], "allocatable": sizes,
                                           "capacity": sizes}}, subresource="status")


def sized_pod(cluster: Cluster, name: str, cpu: str, memory: str = "20Mi",
              **spec: object) -> None:
    cluster.api.create(PODS, "default", {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
        "spec": {"containers": [{"name": "main", "image": "busybox", "resources": {
            "requests": {"cpu": cpu, "memory": memory}}}], **spec}})


def node_of(cluster: Cluster, name: str) -> str:
    return str(cluster.api.get(PODS, "default", name)["spec"].get("nodeName") or "")


def unschedulable_message(cluster: Cluster, name: str) -> str:
    return str(cluster.api.get(PODS, "default", name)["status"]["conditions"][0]["message"])


def test_insufficient_cpu_then_room_when_a_pod_goes(cluster: Cluster) -> None:
    small_node(cluster)
    sized_pod(cluster, "requests-pod", "200m")
    sized_pod(cluster, "requests-pod-2", "800m")
    cluster.settle()
    sized_pod(cluster, "requests-pod-3", "1100m")
    cluster.settle()
    assert node_of(cluster, "requests-pod-2") == "minikube"
    assert node_of(cluster, "requests-pod-3") == ""
    assert unschedulable_message(cluster, "requests-pod-3") == \
        "0/1 nodes are available: 1 Insufficient cpu."
    # deleting a pod frees its requests: the parked pod is tried at once, not after a minute
    cluster.api.delete(PODS, "default", "requests-pod-2", grace_period=0)
    cluster.settle()
    assert node_of(cluster, "requests-pod-3") == "minikube"
    events = [e for e in cluster.api.list(EVENTS, "default")["items"]
              if e["involvedObject"]["name"] == "requests-pod-3"]
    counted = {e["reason"]: int(e.get("count") or 1) for e in events}
    assert (counted["FailedScheduling"], counted["Scheduled"]) == (1, 1)


def test_insufficient_cpu_and_memory_and_too_many_pods(cluster: Cluster) -> None:
    small_node(cluster)
    sized_pod(cluster, "huge", "3", "3Gi")
    cluster.settle()
    assert unschedulable_message(cluster, "huge") == \
        "0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory."
    node = cluster.api.get(NODES, None, "minikube")
    node["status"]["allocatable"]["pods"] = "0"
    cluster.api.update(NODES, None, "minikube", node, subresource="status")
    cluster.settle()
    assert unschedulable_message(cluster, "huge") == ("0/1 nodes are available: 1 Insufficient "
                                                      "cpu, 1 Insufficient memory, 1 Too many "
                                                      "pods.")


def test_finished_pods_hold_no_resources(cluster: Cluster) -> None:
    small_node(cluster)
    sized_pod(cluster, "done", "2", restartPolicy="Never")
    cluster.settle()
    pod = cluster.api.get(PODS, "default", "done")
    runtime = cluster.runtime
    assert isinstance(runtime, FakeRuntime)
    sized_pod(cluster, "next", "2")
    cluster.settle()
    assert node_of(cluster, "next") == ""
    runtime.finish(pod["status"]["containerStatuses"][0]["containerID"].split("//")[1], 0)
    cluster.kubelet.run_once()
    cluster.settle()
    assert cluster.api.get(PODS, "default", "done")["status"]["phase"] == "Succeeded"
    assert node_of(cluster, "next") == "minikube"


def test_taints_and_tolerations(cluster: Cluster) -> None:
    cluster.api.patch(NODES, None, "minikube", {"spec": {"taints": [
        {"key": "node-type", "value": "production", "effect": "NoSchedule"}]}}, "merge")
    sized_pod(cluster, "plain", "10m")
    sized_pod(cluster, "tolerant", "10m", tolerations=[
        {"key": "node-type", "operator": "Equal", "value": "production",
         "effect": "NoSchedule"}])
    sized_pod(cluster, "anything", "10m", tolerations=[{"operator": "Exists"}])
    cluster.settle()
    assert unschedulable_message(cluster, "plain") == (
        "0/1 nodes are available: 1 node(s) had taint {node-type: production}, that the pod "
        "didn't tolerate.")
    assert node_of(cluster, "tolerant") == "minikube"
    assert node_of(cluster, "anything") == "minikube"


def test_cordoned_node_takes_only_pods_tolerating_it(cluster: Cluster) -> None:
    cluster.api.patch(NODES, None, "minikube", {"spec": {"unschedulable": True}}, "merge")
    sized_pod(cluster, "plain", "10m")
    sized_pod(cluster, "daemon", "10m", tolerations=[
        {"key": "node.kubernetes.io/unschedulable", "operator": "Exists",
         "effect": "NoSchedule"}])
    cluster.settle()
    assert unschedulable_message(cluster, "plain") == \
        "0/1 nodes are available: 1 node(s) were unschedulable."
    assert node_of(cluster, "daemon") == "minikube"


def test_selector_message_unchanged(cluster: Cluster) -> None:
    gpu_pod(cluster)
    cluster.settle()
    assert unschedulable_message(cluster, "kubia-gpu") == \
        "0/1 nodes are available: 1 node(s) didn't match node selector."


def test_describe_node_shows_requests_against_allocatable(shell: Shell) -> None:
    small_node(shell.cluster)
    sized_pod(shell.cluster, "requests-pod", "200m", "10Mi")
    shell.run("kubectl get pods")
    out = shell.run("kubectl describe node minikube").out
    rows = [line.split() for line in out.splitlines()]
    # kube-system's coredns pod requests 100m and 70Mi (limit 170Mi), as on minikube
    assert ["default", "requests-pod", "200m", "(10%)", "0", "(0%)", "10Mi", "(0%)", "0",
            "(0%)", "0s"] in rows
    assert any(row[0] == "kube-system" and row[1].startswith("coredns-") and row[2:] == [
        "100m", "(5%)", "0", "(0%)", "70Mi", "(3%)", "170Mi", "(8%)", "0s"] for row in rows)
    assert "  cpu                300m (15%)  0 (0%)\n" in out
    assert "  memory             80Mi (4%)   170Mi (8%)\n" in out


def test_a_pod_with_a_missing_or_unbound_claim_stays_pending(cluster: Cluster) -> None:
    pvcs = resolve("persistentvolumeclaims")
    cluster.api.create(resolve("pods"), "default", {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "db"},
        "spec": {"containers": [{"name": "main", "image": "busybox"}],
                 "volumes": [{"name": "data",
                              "persistentVolumeClaim": {"claimName": "data-db"}}]}})
    cluster.settle()
    pod = cluster.api.get(resolve("pods"), "default", "db")
    assert not pod["spec"].get("nodeName")
    message = pod["status"]["conditions"][0]["message"]
    assert message == '0/1 nodes are available: 1 persistentvolumeclaim "data-db" not found.'
    cluster.api.create(pvcs, "default", {
        "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data-db"},
        "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "",  # no provisioning
                 "resources": {"requests": {"storage": "1Gi"}}}})
    cluster.settle()
    pod = cluster.api.get(resolve("pods"), "default", "db")
    assert pod["status"]["conditions"][0]["message"] == \
        "0/1 nodes are available: 1 pod has unbound immediate PersistentVolumeClaims."
    claim = cluster.api.get(pvcs, "default", "data-db")
    cluster.api.update(pvcs, "default", "data-db",
                       {**claim, "status": {"phase": "Bound"}}, subresource="status")
    cluster.settle()
    assert cluster.api.get(resolve("pods"), "default", "db")["spec"]["nodeName"] == "minikube"
