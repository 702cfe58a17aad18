"""ResourceQuota: admission with 1.20's messages, scopes, object counts, and a status that
follows the pods (a finished or deleted pod frees its share)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from harness import Shell

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import resolve
from kubia_tutor.daemon.cluster import Cluster
from kubia_tutor.runtime.fake import FakeRuntime

PODS = resolve("pods")
QUOTAS = resolve("resourcequotas")
SERVICES = resolve("services")
CLAIMS = resolve("persistentvolumeclaims")

CPU_AND_MEM = """apiVersion: v1
kind: ResourceQuota
metadata:
  name: cpu-and-mem
spec:
  hard:
    requests.cpu: 1
    requests.memory: 200Mi
    limits.cpu: 2
    limits.memory: 500Mi
"""


def quota(cluster: Cluster, name: str, hard: dict[str, str], **spec: Any) -> None:
    cluster.api.create(QUOTAS, "default", {"apiVersion": "v1", "kind": "ResourceQuota",
                                           "metadata": {"name": name},
                                           "spec": {"hard": hard, **spec}})


def pod(name: str, requests: dict[str, str] | None = None,
        limits: dict[str, str] | None = None, **spec: Any) -> dict[str, Any]:
    resources: dict[str, Any] = {}
    if requests:
        resources["requests"] = requests
    if limits:
        resources["limits"] = limits
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "main", "image": "busybox",
                                     "resources": resources}], **spec}}


def sized(name: str, cpu: str) -> dict[str, Any]:
    return pod(name, {"cpu": cpu, "memory": "10Mi"}, {"cpu": cpu, "memory": "20Mi"})


def forbidden(cluster: Cluster, obj: dict[str, Any]) -> str:
    with pytest.raises(ApiError) as caught:
        cluster.api.create(PODS, "default", obj)
    assert caught.value.code == 403
    return caught.value.message


def test_describe_quota_and_must_specify(shell: Shell) -> None:
    shell.write("quota.yaml", CPU_AND_MEM)
    shell.write("pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kubia-manual\n"
                            "spec:\n  containers:\n  - name: kubia\n    image: luksa/kubia\n")
    result = shell.run("kubectl create -f quota.yaml", "kubectl describe quota")
    assert result.out == (
        "resourcequota/cpu-and-mem created\n"
        "Name:            cpu-and-mem\n"
        "Namespace:       default\n"
        "Resource         Used  Hard\n"
        "--------         ----  ----\n"
        "limits.cpu       0     2\n"
        "limits.memory    0     500Mi\n"
        "requests.cpu     0     1\n"
        "requests.memory  0     200Mi\n")
    result = shell.run("kubectl create -f pod.yaml")
    assert result.err == (
        'Error from server (Forbidden): error when creating "pod.yaml": pods "kubia-manual" is '
        "forbidden: failed quota: cpu-and-mem: must specify "
        "limits.cpu,limits.memory,requests.cpu,requests.memory\n")


def test_exceeded_quota_message_and_usage(shell: Shell) -> None:
    shell.write("quota.yaml", CPU_AND_MEM)
    shell.run("kubectl create -f quota.yaml")
    shell.cluster.api.create(PODS, "default", sized("first", "800m"))
    message = forbidden(shell.cluster, sized("second", "600m"))
    assert message == ('pods "second" is forbidden: exceeded quota: cpu-and-mem, requested: '
                       "requests.cpu=600m, used: requests.cpu=800m, limited: requests.cpu=1")
    shell.run("kubectl get pods")  # settle: the controller writes the status
    status = shell.cluster.api.get(QUOTAS, "default", "cpu-and-mem")["status"]
    assert status["used"] == {"limits.cpu": "800m", "limits.memory": "20Mi",
                              "requests.cpu": "800m", "requests.memory": "10Mi"}
    assert status["hard"]["requests.cpu"] == "1"


def test_a_limit_counts_as_the_request(cluster: Cluster) -> None:
    quota(cluster, "q", {"requests.memory": "100Mi"})
    message = forbidden(cluster, pod("big", limits={"memory": "200Mi"}))
    assert message.endswith("requested: requests.memory=200Mi, used: requests.memory=0, "
                            "limited: requests.memory=100Mi")


def test_finished_and_deleted_pods_free_their_share(shell: Shell) -> None:
    quota(shell.cluster, "q", {"pods": "1", "count/pods": "5"})
    shell.cluster.api.create(PODS, "default", pod("one", restartPolicy="Never"))
    assert "exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1" in \
        forbidden(shell.cluster, pod("two"))
    shell.run("kubectl get pods")
    runtime = shell.cluster.runtime
    assert isinstance(runtime, FakeRuntime)
    running = shell.cluster.api.get(PODS, "default", "one")
    runtime.finish(running["status"]["containerStatuses"][0]["containerID"].split("//")[1], 0)
    shell.cluster.kubelet.run_once()
    shell.run("kubectl get pods")
    assert shell.cluster.api.get(PODS, "default", "one")["status"]["phase"] == "Succeeded"
    shell.cluster.api.create(PODS, "default", pod("two"))  # the finished one holds no share
    shell.run("kubectl get pods")
    used = shell.cluster.api.get(QUOTAS, "default", "q")["status"]["used"]
    assert used == {"count/pods": "2", "pods": "1"}
    shell.run("kubectl delete pod two --grace-period=0 --force")
    used = shell.cluster.api.get(QUOTAS, "default", "q")["status"]["used"]
    assert used == {"count/pods": "1", "pods": "0"}


def test_scopes_select_pods_by_qos_and_deadline(cluster: Cluster) -> None:
    quota(cluster, "besteffort", {"pods": "1"}, scopes=["BestEffort"])
    quota(cluster, "terminating", {"pods": "1"}, scopes=["Terminating"])
    cluster.api.create(PODS, "default", pod("be-1"))
    assert "exceeded quota: besteffort" in forbidden(cluster, pod("be-2"))
    cluster.api.create(PODS, "default", sized("burstable", "100m"))  # not BestEffort
    cluster.api.create(PODS, "default", sized("job-1", "100m"))
    deadline = sized("deadline-1", "100m")
    deadline["spec"]["activeDeadlineSeconds"] = 60
    cluster.api.create(PODS, "default", deadline)
    deadline["metadata"]["name"] = "deadline-2"
    assert "exceeded quota: terminating" in forbidden(cluster, deadline)


def test_object_counts_services_and_claims(cluster: Cluster) -> None:
    quota(cluster, "objects", {"services": "5", "services.nodeports": "1",
                               "count/configmaps": "1", "persistentvolumeclaims": "3",
                               "ssd.storageclass.storage.k8s.io/requests.storage": "1Gi"})

    def svc(name: str, kind: str) -> dict[str, Any]:
        return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
                "spec": {"type": kind, "ports": [{"port": 80}]}}

    cluster.api.create(SERVICES, "default", svc("a", "NodePort"))
    cluster.api.create(SERVICES, "default", svc("b", "ClusterIP"))
    with pytest.raises(ApiError) as caught:
        cluster.api.create(SERVICES, "default", svc("c", "NodePort"))
    assert caught.value.message == (
        'services "c" is forbidden: exceeded quota: objects, requested: services.nodeports=1, '
        "used: services.nodeports=1, limited: services.nodeports=1")
    claim = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "c1"},
             "spec": {"storageClassName": "ssd", "accessModes": ["ReadWriteOnce"],
                      "resources": {"requests": {"storage": "2Gi"}}}}
    with pytest.raises(ApiError) as caught:
        cluster.api.create(CLAIMS, "default", claim)
    assert "requested: ssd.storageclass.storage.k8s.io/requests.storage=2Gi" in \
        caught.value.message


def test_concurrent_creates_cannot_both_fit(cluster: Cluster) -> None:
    quota(cluster, "q", {"pods": "3"})
    errors: list[int] = []

    def make(i: int) -> None:
        try:
            cluster.api.create(PODS, "default", pod(f"p{i}"))
        except ApiError as err:
            errors.append(err.code)

    threads = [threading.Thread(target=make, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(cluster.api.list(PODS, "default")["items"]) == 3
    assert errors == [403] * 5
