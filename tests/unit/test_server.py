"""The API server's semantics over the store, with controllers run synchronously."""

from __future__ import annotations

import time

import pytest

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import resolve
from kubia_tutor.daemon.cluster import Cluster

PODS = resolve("pods")
RCS = resolve("rc")
NS = resolve("namespaces")
SVC = resolve("services")


def pod(name: str, labels: dict | None = None, ns: str | None = None) -> dict:
    meta: dict = {"name": name, "labels": labels or {}}
    if ns:
        meta["namespace"] = ns
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
            "spec": {"containers": [{"name": "kubia", "image": "luksa/kubia",
                                     "ports": [{"containerPort": 8080}]}]}}


def rc(name: str, replicas: int = 1) -> dict:
    return {"apiVersion": "v1", "kind": "ReplicationController",
            "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"app": name},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": name,
                                                           "image": "luksa/kubia"}]}}}}


def owned_pod(name: str, owner: dict) -> dict:
    p = pod(name, {"app": owner["metadata"]["name"]})
    p["metadata"]["ownerReferences"] = [{
        "apiVersion": "v1", "kind": owner["kind"], "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}]
    return p


def test_create_fills_metadata_and_defaults(cluster: Cluster) -> None:
    created = cluster.api.create(PODS, "default", pod("kubia-manual"))
    meta = created["metadata"]
    assert meta["namespace"] == "default"
    assert meta["uid"] and meta["creationTimestamp"] == "2026-11-28T06:00:00Z"
    assert int(meta["resourceVersion"]) == cluster.store.revision
    spec = created["spec"]
    assert spec["restartPolicy"] == "Always"
    assert spec["serviceAccountName"] == "default"
    assert spec["containers"][0]["imagePullPolicy"] == "Always"
    assert any(m["mountPath"] == "/var/run/secrets/kubernetes.io/serviceaccount"
               for m in spec["containers"][0]["volumeMounts"])


def test_pods_run_after_controllers_settle(cluster: Cluster) -> None:
    cluster.api.create(PODS, "default", pod("kubia-manual"))
    cluster.settle()
    got = cluster.api.get(PODS, "default", "kubia-manual")
    assert got["spec"]["nodeName"] == "minikube"
    assert got["status"]["phase"] == "Running"
    assert got["status"]["containerStatuses"][0]["ready"] is True


def test_errors_are_kubernetes_statuses(cluster: Cluster) -> None:
    cluster.api.create(PODS, "default", pod("a"))
    with pytest.raises(ApiError) as exists:
        cluster.api.create(PODS, "default", pod("a"))
    assert (exists.value.code, exists.value.message) == (409, 'pods "a" already exists')
    with pytest.raises(ApiError) as missing:
        cluster.api.get(PODS, "default", "nope")
    assert missing.value.message == 'pods "nope" not found'
    with pytest.raises(ApiError) as no_ns:
        cluster.api.create(PODS, "custom", pod("a"))
    assert no_ns.value.message == 'namespaces "custom" not found'


def test_update_with_stale_resource_version_is_a_conflict(cluster: Cluster) -> None:
    first = cluster.api.create(RCS, "default", rc("kubia"))
    cluster.api.update(RCS, "default", "kubia", {**first, "spec": {**first["spec"],
                                                                   "replicas": 3}})
    with pytest.raises(ApiError) as conflict:
        cluster.api.update(RCS, "default", "kubia", first)
    assert conflict.value.code == 409
    assert "the object has been modified" in conflict.value.message
    assert cluster.api.get(RCS, "default", "kubia")["spec"]["replicas"] == 3
    assert cluster.api.get(RCS, "default", "kubia")["metadata"]["generation"] == 2


def test_generate_name(cluster: Cluster) -> None:
    body = pod("")
    body["metadata"] = {"generateName": "kubia-"}
    created = cluster.api.create(PODS, "default", body)
    assert created["metadata"]["name"].startswith("kubia-")
    assert len(created["metadata"]["name"]) == len("kubia-") + 5


def test_label_and_field_selectors(cluster: Cluster) -> None:
    cluster.api.create(PODS, "default", pod("a", {"env": "prod"}))
    cluster.api.create(PODS, "default", pod("b", {"env": "debug"}))
    cluster.api.create(PODS, "default", pod("c"))
    names = lambda lst: [o["metadata"]["name"] for o in lst["items"]]  # noqa: E731
    assert names(cluster.api.list(PODS, "default", label_selector="env")) == ["a", "b"]
    assert names(cluster.api.list(PODS, "default", label_selector="!env")) == ["c"]
    assert names(cluster.api.list(PODS, "default",
                                  label_selector="env in (prod,devel)")) == ["a"]
    assert names(cluster.api.list(PODS, "default", field_selector="metadata.name=b")) == ["b"]


def test_graceful_pod_deletion_is_finished_by_the_kubelet(cluster: Cluster) -> None:
    cluster.api.create(PODS, "default", pod("a"))
    cluster.settle()
    terminating = cluster.api.delete(PODS, "default", "a")
    assert terminating["metadata"]["deletionTimestamp"]
    assert terminating["metadata"]["deletionGracePeriodSeconds"] == 30
    assert cluster.api.get(PODS, "default", "a")  # still there, Terminating
    cluster.settle()
    with pytest.raises(ApiError):
        cluster.api.get(PODS, "default", "a")


def test_background_cascade_deletes_dependents(cluster: Cluster) -> None:
    owner = cluster.api.create(RCS, "default", rc("kubia"))
    cluster.api.create(PODS, "default", owned_pod("kubia-1", owner))
    cluster.settle()
    cluster.api.delete(RCS, "default", "kubia", propagation="Background")
    cluster.settle()
    assert cluster.api.list(PODS, "default")["items"] == []


def test_running_collector_deletes_dependents_as_soon_as_the_owner_is_gone(
        cluster: Cluster) -> None:
    # a ConfigMap owner: no workload controller manages the pod, only the collector
    owner = cluster.api.create(resolve("configmaps"), "default", {
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "owner"}})
    cluster.api.create(PODS, "default", owned_pod("dependent", owner))
    cluster.start()
    time.sleep(0.3)
    cluster.api.delete(resolve("configmaps"), "default", "owner")
    deadline = time.monotonic() + 5  # far below the collector's 20 s resync
    while time.monotonic() < deadline:
        pod_now = cluster.api.list(PODS, "default")["items"]
        if not pod_now or pod_now[0]["metadata"].get("deletionTimestamp"):
            break
        time.sleep(0.05)
    assert not pod_now or pod_now[0]["metadata"].get("deletionTimestamp")


def test_orphan_cascade_keeps_pods_and_strips_owner(cluster: Cluster) -> None:
    owner = cluster.api.create(RCS, "default", rc("kubia"))
    cluster.api.create(PODS, "default", owned_pod("kubia-1", owner))
    cluster.settle()
    cluster.api.delete(RCS, "default", "kubia", propagation="Orphan")
    cluster.settle()
    with pytest.raises(ApiError):
        cluster.api.get(RCS, "default", "kubia")
    kept = cluster.api.get(PODS, "default", "kubia-1")
    assert "ownerReferences" not in kept["metadata"]


def test_foreground_cascade_deletes_owner_last(cluster: Cluster) -> None:
    owner = cluster.api.create(RCS, "default", rc("kubia"))
    cluster.api.create(PODS, "default", owned_pod("kubia-1", owner))
    cluster.settle()
    result = cluster.api.delete(RCS, "default", "kubia", propagation="Foreground")
    assert "foregroundDeletion" in result["metadata"]["finalizers"]
    cluster.settle(rounds=10)
    assert cluster.api.list(PODS, "default")["items"] == []
    with pytest.raises(ApiError):
        cluster.api.get(RCS, "default", "kubia")


def test_namespace_deletion_removes_everything_inside(cluster: Cluster) -> None:
    cluster.api.create(NS, None, {"apiVersion": "v1", "kind": "Namespace",
                                  "metadata": {"name": "custom"}})
    cluster.api.create(PODS, "custom", pod("a"))
    cluster.settle()
    gone = cluster.api.delete(NS, None, "custom")
    assert gone["status"]["phase"] == "Terminating"
    with pytest.raises(ApiError) as refused:
        cluster.api.create(PODS, "custom", pod("b"))
    assert "because it is being terminated" in refused.value.message
    cluster.settle(rounds=10)
    with pytest.raises(ApiError):
        cluster.api.get(NS, None, "custom")


def test_protected_namespaces_cannot_be_deleted(cluster: Cluster) -> None:
    with pytest.raises(ApiError) as refused:
        cluster.api.delete(NS, None, "default")
    assert refused.value.code == 403


def test_watch_replays_changes_after_a_revision(cluster: Cluster) -> None:
    start = str(cluster.store.revision)
    cluster.api.create(PODS, "default", pod("a"))
    cluster.api.delete(PODS, "default", "a")
    events = cluster.api.watch(PODS, "default", resource_version=start, timeout=0)
    kinds = [e["type"] for e in events]
    assert kinds == ["ADDED", "DELETED"]


def test_services_get_cluster_ips_and_node_ports(cluster: Cluster) -> None:
    svc = cluster.api.create(SVC, "default", {
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "kubia-nodeport"},
        "spec": {"type": "NodePort", "selector": {"app": "kubia"},
                 "ports": [{"port": 80, "targetPort": 8080}]}})
    assert svc["spec"]["clusterIP"].startswith("10.")
    assert 30000 <= svc["spec"]["ports"][0]["nodePort"] <= 32767
    kube = cluster.api.get(SVC, "default", "kubernetes")
    assert kube["spec"]["clusterIP"] == "10.96.0.1"


def test_the_node_reports_host_capacity(cluster: Cluster) -> None:
    node = cluster.api.get(resolve("nodes"), None, "minikube")
    import os

    assert node["status"]["capacity"]["cpu"] == str(os.cpu_count())
    ready = [c for c in node["status"]["conditions"] if c["type"] == "Ready"]
    assert ready[0]["status"] == "True"


def test_the_kubernetes_service_comes_back_after_deletion(cluster: Cluster) -> None:
    cluster.api.delete(SVC, "default", "kubernetes")
    with pytest.raises(ApiError):
        cluster.api.get(SVC, "default", "kubernetes")
    cluster.settle()
    assert cluster.api.get(SVC, "default", "kubernetes")["spec"]["clusterIP"] == "10.96.0.1"
