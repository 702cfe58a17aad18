"""The DaemonSet controller on the fake runtime: node labels, updates, status, history."""

from __future__ import annotations

from typing import Any

from harness import Shell

from kubia_tutor.api.kinds import resolve
from kubia_tutor.controllers.daemonset import DaemonSetController
from kubia_tutor.controllers.daemonset_history import revision_hash
from kubia_tutor.controllers.node_affinity import matches_node
from kubia_tutor.daemon.cluster import Cluster

DAEMONSETS = resolve("daemonsets")
PODS = resolve("pods")
NODES = resolve("nodes")
EVENTS = resolve("events")
REVISIONS = resolve("controllerrevisions")


def make_ds(cluster: Cluster, node_selector: dict[str, str] | None = None,
            **spec: Any) -> None:
    pod_spec: dict[str, Any] = {"containers": [{"name": "main", "image": "luksa/ssd-monitor"}]}
    if node_selector is not None:
        pod_spec["nodeSelector"] = node_selector
    cluster.api.create(DAEMONSETS, "default", {
        "apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "ssd-monitor"},
        "spec": {"selector": {"matchLabels": {"app": "ssd-monitor"}}, **spec,
                 "template": {"metadata": {"labels": {"app": "ssd-monitor"}},
                              "spec": pod_spec}}})
    cluster.settle()


def label_node(cluster: Cluster, **labels: str | None) -> None:
    cluster.api.patch(NODES, None, "minikube", {"metadata": {"labels": labels}}, "merge")
    cluster.settle()


def live_pods(cluster: Cluster) -> list[dict]:
    return [p for p in cluster.api.list(PODS, "default")["items"]
            if not p["metadata"].get("deletionTimestamp")]


def ds_status(cluster: Cluster) -> dict:
    return cluster.api.get(DAEMONSETS, "default", "ssd-monitor")["status"]


def messages(cluster: Cluster) -> list[tuple[str, str]]:
    return [(e["reason"], e["message"]) for e in cluster.api.list(EVENTS, "default")["items"]
            if e["involvedObject"]["name"] == "ssd-monitor"]


def test_a_pod_per_matching_node_follows_the_node_labels(cluster: Cluster) -> None:
    make_ds(cluster, {"disk": "ssd"})
    assert live_pods(cluster) == []
    assert ds_status(cluster)["desiredNumberScheduled"] == 0
    label_node(cluster, disk="ssd")
    pods = live_pods(cluster)
    assert len(pods) == 1
    pod = pods[0]
    assert pod["spec"]["nodeName"] == "minikube"  # bound by the scheduler
    terms = pod["spec"]["affinity"]["nodeAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert terms == [{"matchFields": [{"key": "metadata.name", "operator": "In",
                                       "values": ["minikube"]}]}]
    tolerated = {(t["key"], t["effect"]) for t in pod["spec"]["tolerations"]}
    assert ("node.kubernetes.io/unschedulable", "NoSchedule") in tolerated
    labels = pod["metadata"]["labels"]
    assert labels["pod-template-generation"] == "1"
    assert labels["controller-revision-hash"]
    status = ds_status(cluster)
    assert status["desiredNumberScheduled"] == 1 and status["currentNumberScheduled"] == 1
    assert status["numberReady"] == 1 and status["numberAvailable"] == 1
    assert status["updatedNumberScheduled"] == 1 and status["numberMisscheduled"] == 0
    assert status["observedGeneration"] == 1
    assert ("SuccessfulCreate", f"Created pod: {pod['metadata']['name']}") in messages(cluster)
    label_node(cluster, disk="hdd")
    assert live_pods(cluster) == []
    assert ("SuccessfulDelete", f"Deleted pod: {pod['metadata']['name']}") in messages(cluster)
    assert ds_status(cluster)["desiredNumberScheduled"] == 0


def test_no_selector_runs_everywhere_even_on_a_cordoned_node(cluster: Cluster) -> None:
    cluster.api.patch(NODES, None, "minikube", {"spec": {"unschedulable": True}}, "merge")
    make_ds(cluster)
    pods = live_pods(cluster)
    assert len(pods) == 1 and pods[0]["spec"].get("nodeName") == "minikube"


def test_an_untolerated_taint_keeps_pods_off(cluster: Cluster) -> None:
    cluster.api.patch(NODES, None, "minikube", {"spec": {"taints": [
        {"key": "dedicated", "value": "db", "effect": "NoSchedule"}]}}, "merge")
    make_ds(cluster)
    assert live_pods(cluster) == []


def test_a_deleted_pod_is_replaced(cluster: Cluster) -> None:
    make_ds(cluster)
    first = live_pods(cluster)[0]["metadata"]["name"]
    cluster.api.delete(PODS, "default", first, grace_period=0)
    cluster.settle()
    pods = live_pods(cluster)
    assert len(pods) == 1 and pods[0]["metadata"]["name"] != first


def test_rolling_update_replaces_old_pods(cluster: Cluster) -> None:
    make_ds(cluster)
    old = live_pods(cluster)[0]
    old_hash = old["metadata"]["labels"]["controller-revision-hash"]
    cluster.api.patch(DAEMONSETS, "default", "ssd-monitor", {"spec": {"template": {"spec": {
        "containers": [{"name": "main", "image": "busybox"}]}}}}, "strategic")
    ds = cluster.api.get(DAEMONSETS, "default", "ssd-monitor")
    assert ds["metadata"]["annotations"]["deprecated.daemonset.template.generation"] == "2"
    for _ in range(5):
        cluster.settle()
    pods = live_pods(cluster)
    assert len(pods) == 1
    new = pods[0]
    assert new["metadata"]["name"] != old["metadata"]["name"]
    assert new["spec"]["containers"][0]["image"] == "busybox"
    assert new["metadata"]["labels"]["pod-template-generation"] == "2"
    assert new["metadata"]["labels"]["controller-revision-hash"] != old_hash
    revisions = sorted((r["revision"], r["metadata"]["name"])
                       for r in cluster.api.list(REVISIONS, "default")["items"])
    assert [r for r, _ in revisions] == [1, 2]
    assert revisions[0][1] == f"ssd-monitor-{old_hash}"
    status = ds_status(cluster)
    assert status["updatedNumberScheduled"] == 1 and status["observedGeneration"] == 2


def test_on_delete_keeps_old_pods_until_deleted(cluster: Cluster) -> None:
    make_ds(cluster, updateStrategy={"type": "OnDelete"})
    old = live_pods(cluster)[0]
    cluster.api.patch(DAEMONSETS, "default", "ssd-monitor", {"spec": {"template": {"spec": {
        "containers": [{"name": "main", "image": "busybox"}]}}}}, "strategic")
    cluster.settle()
    assert [p["metadata"]["name"] for p in live_pods(cluster)] == [old["metadata"]["name"]]
    assert "updatedNumberScheduled" not in ds_status(cluster)
    cluster.api.delete(PODS, "default", old["metadata"]["name"], grace_period=0)
    cluster.settle()
    assert live_pods(cluster)[0]["spec"]["containers"][0]["image"] == "busybox"
    assert ds_status(cluster)["updatedNumberScheduled"] == 1


def test_a_rollback_reuses_the_old_revision(cluster: Cluster) -> None:
    make_ds(cluster)
    first_hash = live_pods(cluster)[0]["metadata"]["labels"]["controller-revision-hash"]
    for image in ("busybox", "luksa/ssd-monitor"):
        cluster.api.patch(DAEMONSETS, "default", "ssd-monitor", {"spec": {"template": {
            "spec": {"containers": [{"name": "main", "image": image}]}}}}, "strategic")
        for _ in range(5):
            cluster.settle()
    assert live_pods(cluster)[0]["metadata"]["labels"]["controller-revision-hash"] == \
        first_hash
    by_name = {r["metadata"]["name"]: r["revision"]
               for r in cluster.api.list(REVISIONS, "default")["items"]}
    assert by_name[f"ssd-monitor-{first_hash}"] == 3 and len(by_name) == 2


def test_pods_of_others_are_left_alone(cluster: Cluster) -> None:
    cluster.api.create(PODS, "default", {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "lookalike", "labels": {"app": "ssd-monitor"}},
        "spec": {"containers": [{"name": "main", "image": "busybox"}]}})
    make_ds(cluster)
    names = sorted(p["metadata"]["name"] for p in live_pods(cluster))
    assert len(names) == 2 and "lookalike" in names


def test_node_affinity_terms() -> None:
    node = {"metadata": {"name": "minikube", "labels": {"disk": "ssd", "cores": "4"}}}

    def spec(*expressions: dict[str, Any]) -> dict[str, Any]:
        return {"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [{"matchExpressions": list(expressions)}]}}}}

    assert matches_node(spec({"key": "disk", "operator": "In", "values": ["ssd"]}), node)
    assert not matches_node(spec({"key": "disk", "operator": "NotIn", "values": ["ssd"]}), node)
    assert matches_node(spec({"key": "cores", "operator": "Gt", "values": ["2"]}), node)
    assert not matches_node(spec({"key": "gpu", "operator": "Exists"}), node)
    assert not matches_node({"affinity": {"nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": []}}}}, node)
    assert matches_node({"nodeSelector": {"disk": "ssd"}}, node)


def test_revision_hash_is_stable_safe_text() -> None:
    one = revision_hash({"spec": {"template": {"$patch": "replace"}}})
    assert one == revision_hash({"spec": {"template": {"$patch": "replace"}}})
    assert set(one) <= set("bcdfghjklmnpqrstvwxz2456789") and 1 <= len(one) <= 10
    assert one != revision_hash({"spec": {"template": {"$patch": "replace"}}}, 1)


def test_get_ds_follows_the_book(shell: Shell) -> None:
    shell.write("ssd-monitor.yaml", SSD_MONITOR_YAML)
    result = shell.run("kubectl create -f ssd-monitor.yaml")
    assert result.out == "daemonset.apps/ssd-monitor created\n"
    header = ("NAME          DESIRED   CURRENT   READY   UP-TO-DATE   AVAILABLE   NODE SELECTOR"
              "   AGE")
    out = shell.run("kubectl get ds").out.splitlines()
    assert out[0] == header
    assert out[1].split()[:7] == ["ssd-monitor", "0", "0", "0", "0", "0", "disk=ssd"]
    assert shell.run("kubectl label node minikube disk=ssd").out == "node/minikube labeled\n"
    row = shell.run("kubectl get ds").out.splitlines()[1].split()
    assert row[:7] == ["ssd-monitor", "1", "1", "1", "1", "1", "disk=ssd"]
    pods = shell.run("kubectl get po").out.splitlines()
    assert pods[1].startswith("ssd-monitor-") and "Running" in pods[1]
    shell.run("kubectl label node minikube disk=hdd --overwrite")
    row = shell.run("kubectl get ds").out.splitlines()[1].split()
    assert row[:7] == ["ssd-monitor", "0", "0", "0", "0", "0", "disk=ssd"]
    describe = shell.run("kubectl describe ds ssd-monitor").out
    assert "Desired Number of Nodes Scheduled: 0\n" in describe
    assert "daemonset-controller" in describe and "SuccessfulDelete" in describe


SSD_MONITOR_YAML = """\
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


def test_reconciles_are_idempotent_and_tolerate_a_deleted_daemon_set(cluster: Cluster) -> None:
    make_ds(cluster)
    controller = next(c for c in cluster.controllers if isinstance(c, DaemonSetController))
    before = cluster.store.revision
    controller.run_once()
    assert cluster.store.revision == before
    cluster.api.delete(DAEMONSETS, "default", "ssd-monitor")
    cluster.settle()
    controller.run_once(["default/ssd-monitor"])
    assert live_pods(cluster) == []  # the garbage collector took the pod
