"""ReplicationControllers and ReplicaSets on the fake runtime: the book's flows (delete a pod,
relabel one out, edit the template, scale, delete with --cascade=false, a ReplicaSet adopting
the orphans) and Kubernetes' rules (ranking, adoption, terminating pods, status)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from harness import Shell

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import resolve
from kubia_tutor.clock import FakeClock
from kubia_tutor.controllers.replicas import deletion_rank
from kubia_tutor.daemon.cluster import Cluster

PODS = resolve("pods")
RCS = resolve("replicationcontrollers")
RSS = resolve("replicasets")
EVENTS = resolve("events")
Obj = dict[str, Any]


def rc(replicas: int = 3, image: str = "luksa/kubia", min_ready: int = 0) -> Obj:
    return {"apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": "kubia"},
            "spec": {"replicas": replicas, "selector": {"app": "kubia"},
                     "minReadySeconds": min_ready,
                     "template": {"metadata": {"labels": {"app": "kubia"}},
                                  "spec": {"containers": [{"name": "kubia", "image": image}]}}}}


def rs(selector: Obj, replicas: int = 3) -> Obj:
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "kubia"},
            "spec": {"replicas": replicas, "selector": selector,
                     "template": {"metadata": {"labels": {"app": "kubia"}},
                                  "spec": {"containers": [{"name": "kubia",
                                                           "image": "luksa/kubia"}]}}}}


def naked_pod(name: str, labels: dict[str, str]) -> Obj:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels},
            "spec": {"containers": [{"name": "kubia", "image": "luksa/kubia"}]}}


def pods(cluster: Cluster, active_only: bool = True) -> list[Obj]:
    found = cluster.api.list(PODS, "default")["items"]
    if active_only:
        found = [p for p in found if not p["metadata"].get("deletionTimestamp")]
    return found


def owner_names(pod: Obj) -> list[str]:
    return [r["name"] for r in pod["metadata"].get("ownerReferences") or []]


def event_messages(cluster: Cluster, reason: str) -> list[tuple[str, str]]:
    return [(e["message"], e["source"]["component"])
            for e in cluster.api.list(EVENTS, "default")["items"] if e["reason"] == reason]


def test_rc_creates_pods_from_its_template_and_reports_status(cluster: Cluster) -> None:
    cluster.api.create(RCS, "default", rc())
    cluster.settle(10)
    found = pods(cluster)
    assert len(found) == 3
    for pod in found:
        assert re.fullmatch(r"kubia-[bcdfghjklmnpqrstvwxz2456789]{5}", pod["metadata"]["name"])
        ref = pod["metadata"]["ownerReferences"][0]
        assert ref["kind"] == "ReplicationController" and ref["controller"] is True
    status = cluster.api.get(RCS, "default", "kubia")["status"]
    assert status == {"replicas": 3, "fullyLabeledReplicas": 3, "readyReplicas": 3,
                      "availableReplicas": 3, "observedGeneration": 1}
    created = event_messages(cluster, "SuccessfulCreate")
    assert sorted(created) == sorted((f"Created pod: {p['metadata']['name']}",
                                      "replication-controller") for p in found)


def test_a_deleted_pod_is_replaced_at_once(cluster: Cluster) -> None:
    cluster.api.create(RCS, "default", rc())
    cluster.settle(10)
    victim = pods(cluster)[0]["metadata"]["name"]
    cluster.api.delete(PODS, "default", victim)
    cluster.settle(10)
    names = {p["metadata"]["name"] for p in pods(cluster)}
    assert len(names) == 3 and victim not in names


def test_terminating_pods_do_not_count(cluster: Cluster) -> None:
    cluster.api.create(RCS, "default", rc())
    cluster.settle(10)
    victim = pods(cluster)[0]["metadata"]["name"]
    cluster.api.delete(PODS, "default", victim)  # graceful: it stays a while, terminating
    for controller in cluster.controllers:
        if controller.name == "replication-controller":
            controller.run_once()
    everything = pods(cluster, active_only=False)
    assert len(everything) == 4
    assert cluster.api.get(RCS, "default", "kubia")["status"]["replicas"] == 3


def test_relabelled_pod_is_released_and_replaced(shell: Shell) -> None:
    shell.write("rc.yaml", """apiVersion: v1
kind: ReplicationController
metadata:
  name: kubia
spec:
  replicas: 3
  selector:
    app: kubia
  template:
    metadata:
      labels:
        app: kubia
    spec:
      containers:
      - name: kubia
        image: taodaling/kubia
        ports:
        - containerPort: 8080
""")
    assert shell.run("kubectl create -f rc.yaml").out == "replicationcontroller/kubia created\n"
    first = pods(shell.cluster)[0]["metadata"]["name"]
    result = shell.run(f"kubectl label pod {first} app=foo --overwrite")
    assert result.out == f"pod/{first} labeled\n"
    found = {p["metadata"]["name"]: p for p in pods(shell.cluster)}
    assert len(found) == 4
    assert owner_names(found[first]) == []
    assert sum(1 for p in found.values() if p["metadata"]["labels"]["app"] == "kubia") == 3
    assert all(owner_names(p) == ["kubia"] for n, p in found.items() if n != first)


def test_template_edit_affects_only_new_pods(shell: Shell) -> None:
    shell.cluster.api.create(RCS, "default", rc())
    shell.run("kubectl get pods")
    before = {p["metadata"]["name"] for p in pods(shell.cluster)}
    patch = ('{"spec":{"template":{"spec":{"containers":'
             '[{"name":"kubia","image":"luksa/kubia:v2"}]}}}}')
    assert shell.run(f"kubectl patch rc kubia --type=merge -p '{patch}'").code == 0
    assert {p["spec"]["containers"][0]["image"] for p in pods(shell.cluster)} == {"luksa/kubia"}
    shell.run(f"kubectl delete pod {sorted(before)[0]} --wait=false")
    images = sorted(p["spec"]["containers"][0]["image"] for p in pods(shell.cluster))
    assert images == ["luksa/kubia", "luksa/kubia", "luksa/kubia:v2"]
    rc_now = shell.cluster.api.get(RCS, "default", "kubia")
    assert rc_now["metadata"]["generation"] == 2
    assert rc_now["status"]["observedGeneration"] == 2


def test_scale_up_and_down_through_kubectl(shell: Shell) -> None:
    shell.cluster.api.create(RCS, "default", rc())
    assert shell.run("kubectl scale rc kubia --replicas=5").out == \
        "replicationcontroller/kubia scaled\n"
    assert len(pods(shell.cluster)) == 5
    shell.run("kubectl scale rc kubia --replicas=2")
    assert len(pods(shell.cluster)) == 2
    deleted = event_messages(shell.cluster, "SuccessfulDelete")
    assert len(deleted) == 3
    assert all(m.startswith("Deleted pod: kubia-") and c == "replication-controller"
               for m, c in deleted)


def test_cascade_false_orphans_then_a_replicaset_adopts(shell: Shell) -> None:
    shell.cluster.api.create(RCS, "default", rc())
    shell.run("kubectl get pods")
    before = {p["metadata"]["name"] for p in pods(shell.cluster)}
    result = shell.run("kubectl delete rc kubia --cascade=false")
    assert result.out == 'replicationcontroller "kubia" deleted\n'
    assert {p["metadata"]["name"] for p in pods(shell.cluster)} == before
    assert all(owner_names(p) == [] for p in pods(shell.cluster))
    shell.cluster.api.create(RSS, "default", rs({"matchLabels": {"app": "kubia"}}))
    shell.run("kubectl get rs")
    after = pods(shell.cluster)
    assert {p["metadata"]["name"] for p in after} == before  # adopted, nothing created
    assert all(p["metadata"]["ownerReferences"][0]["kind"] == "ReplicaSet" for p in after)
    assert shell.run("kubectl get rs kubia --no-headers").out.split()[:4] == \
        ["kubia", "3", "3", "3"]


def test_replicaset_adopts_orphans_and_deletes_the_surplus(cluster: Cluster) -> None:
    for i in range(5):
        cluster.api.create(PODS, "default", naked_pod(f"orphan-{i}", {"app": "kubia"}))
    cluster.settle(5)
    cluster.api.create(RSS, "default", rs({"matchLabels": {"app": "kubia"}}))
    cluster.settle(10)
    active = pods(cluster)
    assert len(active) == 3
    assert all(owner_names(p) == ["kubia"] for p in active)


@pytest.mark.parametrize(("expression", "template_labels", "selected"), [
    ({"key": "app", "operator": "In", "values": ["kubia", "other"]}, {"app": "kubia"},
     {"a", "b"}),
    ({"key": "env", "operator": "NotIn", "values": ["prod"]}, {"app": "kubia"}, {"a", "c"}),
    ({"key": "env", "operator": "Exists"}, {"env": "dev"}, {"b", "c"}),
    ({"key": "env", "operator": "DoesNotExist"}, {"app": "kubia"}, {"a"}),
])
def test_match_expressions_choose_the_pods(cluster: Cluster, expression: Obj,
                                           template_labels: dict[str, str],
                                           selected: set[str]) -> None:
    cluster.api.create(PODS, "default", naked_pod("a", {"app": "kubia"}))
    cluster.api.create(PODS, "default", naked_pod("b", {"app": "kubia", "env": "prod"}))
    cluster.api.create(PODS, "default", naked_pod("c", {"app": "x", "env": "dev"}))
    cluster.settle(3)
    replicaset = rs({"matchExpressions": [expression]}, replicas=len(selected))
    replicaset["spec"]["template"]["metadata"]["labels"] = template_labels
    cluster.api.create(RSS, "default", replicaset)
    cluster.settle(10)
    owned = {p["metadata"]["name"] for p in pods(cluster) if owner_names(p) == ["kubia"]}
    assert owned == selected


def test_a_pod_controlled_by_another_owner_is_left_alone(cluster: Cluster) -> None:
    pod = naked_pod("taken", {"app": "kubia"})
    pod["metadata"]["ownerReferences"] = [{"apiVersion": "v1", "kind": "ReplicationController",
                                           "name": "other", "uid": "u-1", "controller": True}]
    cluster.api.create(PODS, "default", pod)
    cluster.api.create(RSS, "default", rs({"matchLabels": {"app": "kubia"}}, replicas=1))
    for controller in cluster.controllers:
        if controller.name == "replicaset-controller":
            controller.run_once()
    assert owner_names(cluster.api.get(PODS, "default", "taken")) == ["other"]
    assert len([p for p in pods(cluster) if owner_names(p) == ["kubia"]]) == 1


def test_available_waits_for_min_ready_seconds(cluster: Cluster, clock: FakeClock) -> None:
    cluster.api.create(RCS, "default", rc(min_ready=10))
    cluster.settle(10)
    status = cluster.api.get(RCS, "default", "kubia")["status"]
    assert status["readyReplicas"] == 3 and "availableReplicas" not in status
    clock.advance(11)
    cluster.settle(5)
    assert cluster.api.get(RCS, "default", "kubia")["status"]["availableReplicas"] == 3


def test_a_failed_create_is_an_event_and_a_condition(cluster: Cluster,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    real_create = cluster.api.create

    def refuse(rt: Any, ns: Any, obj: Obj, **kw: Any) -> Obj:
        if rt is PODS:
            raise ApiError(403, "Forbidden", 'pods "kubia-x" is forbidden: exceeded quota')
        return real_create(rt, ns, obj, **kw)

    monkeypatch.setattr(cluster.api, "create", refuse)
    real_create(RCS, "default", rc())
    cluster.settle(3)
    status = cluster.api.get(RCS, "default", "kubia")["status"]
    assert status["conditions"][0]["type"] == "ReplicaFailure"
    assert status["conditions"][0]["reason"] == "FailedCreate"
    assert event_messages(cluster, "FailedCreate") == [
        ('Error creating: pods "kubia-x" is forbidden: exceeded quota',
         "replication-controller")]


def test_reconcile_of_a_settled_rc_writes_nothing(cluster: Cluster) -> None:
    cluster.api.create(RCS, "default", rc())
    cluster.settle(10)
    before = cluster.store.revision
    for controller in cluster.controllers:
        if controller.name == "replication-controller":
            controller.run_once()
    assert cluster.store.revision == before


def test_deletion_prefers_unscheduled_pending_unready_newer_pods() -> None:
    def pod(name: str, node: str = "minikube", phase: str = "Running", ready: bool = True,
            created: str = "2026-01-01T00:00:00Z", restarts: int = 0) -> Obj:
        return {"metadata": {"name": name, "creationTimestamp": created},
                "spec": {"nodeName": node} if node else {},
                "status": {"phase": phase,
                           "conditions": [{"type": "Ready", "status": str(ready),
                                           "lastTransitionTime": created}],
                           "containerStatuses": [{"restartCount": restarts}]}}

    candidates = [
        pod("old-ready"),
        pod("new-ready", created="2026-01-02T00:00:00Z"),
        pod("restarted", restarts=3),
        pod("unready", ready=False),
        pod("pending", phase="Pending", ready=False),
        pod("unscheduled", node="", phase="Pending", ready=False),
    ]
    order = [p["metadata"]["name"] for p in sorted(candidates, key=deletion_rank)]
    assert order == ["unscheduled", "pending", "unready", "new-ready", "restarted", "old-ready"]
