"""The Deployment controller on the fake runtime: ReplicaSets per template, rolling and
recreate updates, revisions and rollback renumbering, conditions, pause, history cleanup; and
the rollout arithmetic against Kubernetes' own examples."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kubia_tutor.api.kinds import resolve
from kubia_tutor.clock import FakeClock
from kubia_tutor.controllers.deployment_revisions import template_hash
from kubia_tutor.controllers.deployment_rollout import (
    fenceposts,
    max_unavailable,
    new_rs_replicas,
    proportional_sizes,
)
from kubia_tutor.daemon.cluster import Cluster
from kubia_tutor.runtime.fake import FakeRuntime

DEPLOYS = resolve("deployments")
RSS = resolve("replicasets")
PODS = resolve("pods")
EVENTS = resolve("events")
Obj = dict[str, Any]
REVISION = "deployment.kubernetes.io/revision"


def deployment(replicas: int = 3, image: str = "luksa/kubia:v1", **spec: Any) -> Obj:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "kubia"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "kubia"}},
                     "template": {"metadata": {"labels": {"app": "kubia"}},
                                  "spec": {"containers": [{"name": "nodejs", "image": image}]}},
                     **spec}}


def set_image(cluster: Cluster, image: str) -> None:
    d = cluster.api.get(DEPLOYS, "default", "kubia")
    d["spec"]["template"]["spec"]["containers"][0]["image"] = image
    cluster.api.update(DEPLOYS, "default", "kubia", d)


def get(cluster: Cluster) -> Obj:
    return cluster.api.get(DEPLOYS, "default", "kubia")


def replica_sets(cluster: Cluster) -> dict[str, Obj]:
    """ReplicaSets by image."""
    return {rs["spec"]["template"]["spec"]["containers"][0]["image"]: rs
            for rs in cluster.api.list(RSS, "default")["items"]}


def active_pods(cluster: Cluster) -> list[Obj]:
    return [p for p in cluster.api.list(PODS, "default")["items"]
            if not p["metadata"].get("deletionTimestamp")]


def conditions(d: Obj) -> dict[str, tuple[str, str, str]]:
    return {c["type"]: (c["status"], c["reason"], c["message"])
            for c in d["status"].get("conditions") or []}


def unpullable(cluster: Cluster, image: str) -> None:
    assert isinstance(cluster.runtime, FakeRuntime)
    cluster.runtime.unpullable.add(image)


def test_creates_a_hashed_replica_set_with_revision_1(cluster: Cluster) -> None:
    cluster.api.create(DEPLOYS, "default", deployment())
    cluster.settle(20)
    d = get(cluster)
    (rs,) = replica_sets(cluster).values()
    pod_hash = rs["metadata"]["labels"]["pod-template-hash"]
    assert rs["metadata"]["name"] == f"kubia-{pod_hash}"
    assert 8 <= len(pod_hash) <= 10
    assert rs["spec"]["selector"]["matchLabels"] == {"app": "kubia", "pod-template-hash": pod_hash}
    assert rs["metadata"]["annotations"] == {
        REVISION: "1", "deployment.kubernetes.io/desired-replicas": "3",
        "deployment.kubernetes.io/max-replicas": "4"}
    assert rs["metadata"]["ownerReferences"][0]["kind"] == "Deployment"
    assert d["metadata"]["annotations"][REVISION] == "1"
    assert d["status"] == {**d["status"], "observedGeneration": 1, "replicas": 3,
                           "updatedReplicas": 3, "readyReplicas": 3, "availableReplicas": 3}
    assert "unavailableReplicas" not in d["status"]
    assert conditions(d) == {
        "Available": ("True", "MinimumReplicasAvailable", "Deployment has minimum availability."),
        "Progressing": ("True", "NewReplicaSetAvailable",
                        f'ReplicaSet "kubia-{pod_hash}" has successfully progressed.')}
    assert [c["type"] for c in d["status"]["conditions"]] == ["Available", "Progressing"]
    pods = active_pods(cluster)
    assert len(pods) == 3
    assert all(p["metadata"]["name"].startswith(f"kubia-{pod_hash}-") for p in pods)
    events = [(e["message"], e["source"]["component"])
              for e in cluster.api.list(EVENTS, "default")["items"]
              if e["reason"] == "ScalingReplicaSet"]
    assert events == [(f"Scaled up replica set kubia-{pod_hash} to 3", "deployment-controller")]


def test_rolling_update_replaces_every_pod_within_the_limits(cluster: Cluster) -> None:
    cluster.api.create(DEPLOYS, "default", deployment())
    cluster.settle(20)
    set_image(cluster, "luksa/kubia:v2")
    cluster.settle(40)
    sets = replica_sets(cluster)
    assert sets["luksa/kubia:v1"]["spec"]["replicas"] == 0
    assert sets["luksa/kubia:v2"]["spec"]["replicas"] == 3
    assert sets["luksa/kubia:v2"]["metadata"]["annotations"][REVISION] == "2"
    assert {p["spec"]["containers"][0]["image"] for p in active_pods(cluster)} == \
        {"luksa/kubia:v2"}
    d = get(cluster)
    assert d["metadata"]["annotations"][REVISION] == "2"
    assert d["status"]["observedGeneration"] == 2 and d["status"]["updatedReplicas"] == 3
    steps = [e["message"] for e in sorted(cluster.api.list(EVENTS, "default")["items"],
                                          key=lambda e: e["metadata"]["name"])
             if e["reason"] == "ScalingReplicaSet"][1:]
    new, old = (sets["luksa/kubia:v2"]["metadata"]["name"],
                sets["luksa/kubia:v1"]["metadata"]["name"])
    # the seed's transcript: up 1, down 2, up 2, down 1, up 3, down 0 (maxSurge 1, 0 unavailable)
    assert steps == [f"Scaled up replica set {new} to 1", f"Scaled down replica set {old} to 2",
                     f"Scaled up replica set {new} to 2", f"Scaled down replica set {old} to 1",
                     f"Scaled up replica set {new} to 3", f"Scaled down replica set {old} to 0"]


def test_a_bad_image_stalls_at_one_surge_pod(cluster: Cluster) -> None:
    unpullable(cluster, "luksa/kubia:v9999")
    cluster.api.create(DEPLOYS, "default", deployment())
    cluster.settle(20)
    set_image(cluster, "luksa/kubia:v9999")
    cluster.settle(30)
    sets = replica_sets(cluster)
    assert sets["luksa/kubia:v1"]["spec"]["replicas"] == 3
    assert sets["luksa/kubia:v9999"]["spec"]["replicas"] == 1
    d = get(cluster)
    assert (d["status"]["replicas"], d["status"]["updatedReplicas"],
            d["status"]["availableReplicas"], d["status"]["unavailableReplicas"]) == (4, 1, 3, 1)
    assert conditions(d)["Available"][0] == "True"
    assert conditions(d)["Progressing"][:2] == ("True", "ReplicaSetUpdated")


def test_progress_deadline_exceeded(cluster: Cluster, clock: FakeClock) -> None:
    unpullable(cluster, "luksa/kubia:v9999")
    cluster.api.create(DEPLOYS, "default", deployment(progressDeadlineSeconds=10))
    cluster.settle(20)
    set_image(cluster, "luksa/kubia:v9999")
    cluster.settle(30)
    assert conditions(get(cluster))["Progressing"][0] == "True"
    clock.advance(11)
    cluster.settle(10)
    new = replica_sets(cluster)["luksa/kubia:v9999"]["metadata"]["name"]
    assert conditions(get(cluster))["Progressing"] == (
        "False", "ProgressDeadlineExceeded", f'ReplicaSet "{new}" has timed out progressing.')


def test_rollback_renumbers_the_revision(cluster: Cluster) -> None:
    unpullable(cluster, "luksa/kubia:v9999")
    cluster.api.create(DEPLOYS, "default", deployment())
    cluster.settle(20)
    for image in ("luksa/kubia:v2", "luksa/kubia:v9999", "luksa/kubia:v2"):
        set_image(cluster, image)
        cluster.settle(40)
    sets = replica_sets(cluster)
    revisions = {image: rs["metadata"]["annotations"][REVISION] for image, rs in sets.items()}
    assert revisions == {"luksa/kubia:v1": "1", "luksa/kubia:v9999": "3", "luksa/kubia:v2": "4"}
    assert sets["luksa/kubia:v2"]["metadata"]["annotations"][
        "deployment.kubernetes.io/revision-history"] == "2"
    assert sets["luksa/kubia:v9999"]["spec"]["replicas"] == 0
    assert get(cluster)["metadata"]["annotations"][REVISION] == "4"
    assert len(sets) == 3  # the old ReplicaSet came back; no new one was made


def test_recreate_stops_every_old_pod_before_starting_new_ones(cluster: Cluster) -> None:
    cluster.api.create(DEPLOYS, "default", deployment(strategy={"type": "Recreate"}))
    cluster.settle(20)
    set_image(cluster, "luksa/kubia:v2")
    controller = next(c for c in cluster.controllers if c.name == "deployment-controller")
    controller.run_once()
    sets = replica_sets(cluster)
    assert sets["luksa/kubia:v1"]["spec"]["replicas"] == 0
    assert "luksa/kubia:v2" not in sets  # not before the old pods are gone
    cluster.settle(40)
    sets = replica_sets(cluster)
    assert sets["luksa/kubia:v2"]["spec"]["replicas"] == 3
    assert {p["spec"]["containers"][0]["image"] for p in active_pods(cluster)} == \
        {"luksa/kubia:v2"}


def test_paused_deployment_does_not_roll_until_resumed(cluster: Cluster) -> None:
    cluster.api.create(DEPLOYS, "default", deployment())
    cluster.settle(20)
    cluster.api.patch(DEPLOYS, "default", "kubia", {"spec": {"paused": True}}, "merge")
    set_image(cluster, "luksa/kubia:v2")
    cluster.settle(20)
    assert list(replica_sets(cluster)) == ["luksa/kubia:v1"]
    d = get(cluster)
    assert conditions(d)["Progressing"] == ("Unknown", "DeploymentPaused", "Deployment is paused")
    assert d["status"]["observedGeneration"] == d["metadata"]["generation"]
    cluster.api.patch(DEPLOYS, "default", "kubia", {"spec": {"paused": None}}, "merge")
    cluster.settle(40)
    assert replica_sets(cluster)["luksa/kubia:v2"]["spec"]["replicas"] == 3
    assert conditions(get(cluster))["Progressing"][1] == "NewReplicaSetAvailable"


def test_scaling_resizes_the_replica_set(cluster: Cluster) -> None:
    cluster.api.create(DEPLOYS, "default", deployment())
    cluster.settle(20)
    cluster.api.patch(DEPLOYS, "default", "kubia", {"spec": {"replicas": 5}}, "merge")
    cluster.settle(20)
    (rs,) = replica_sets(cluster).values()
    assert rs["spec"]["replicas"] == 5
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] == "5"
    assert len(active_pods(cluster)) == 5


def test_revision_history_limit_drops_the_oldest(cluster: Cluster) -> None:
    cluster.api.create(DEPLOYS, "default", deployment(revisionHistoryLimit=1))
    cluster.settle(20)
    for image in ("luksa/kubia:v2", "luksa/kubia:v3"):
        set_image(cluster, image)
        cluster.settle(40)
    assert sorted(replica_sets(cluster)) == ["luksa/kubia:v2", "luksa/kubia:v3"]


def test_min_ready_seconds_holds_the_rollout(cluster: Cluster, clock: FakeClock) -> None:
    cluster.api.create(DEPLOYS, "default", deployment(minReadySeconds=10))
    cluster.settle(20)
    assert "availableReplicas" not in get(cluster)["status"]
    assert conditions(get(cluster))["Available"][1] == "MinimumReplicasUnavailable"
    clock.advance(11)
    cluster.settle(20)
    assert get(cluster)["status"]["availableReplicas"] == 3
    assert replica_sets(cluster)["luksa/kubia:v1"]["spec"]["minReadySeconds"] == 10


def test_change_cause_is_copied_to_the_new_replica_set(cluster: Cluster) -> None:
    d = deployment()
    d["metadata"]["annotations"] = {"kubernetes.io/change-cause": "kubectl create --record"}
    cluster.api.create(DEPLOYS, "default", d)
    cluster.settle(20)
    (rs,) = replica_sets(cluster).values()
    assert rs["metadata"]["annotations"]["kubernetes.io/change-cause"] == \
        "kubectl create --record"


def test_a_settled_deployment_reconciles_to_no_writes(cluster: Cluster) -> None:
    cluster.api.create(DEPLOYS, "default", deployment())
    cluster.settle(20)
    before = cluster.store.revision
    next(c for c in cluster.controllers if c.name == "deployment-controller").run_once()
    assert cluster.store.revision == before


def test_deleted_deployment_takes_its_replica_sets_and_pods(cluster: Cluster) -> None:
    cluster.api.create(DEPLOYS, "default", deployment())
    cluster.settle(20)
    cluster.api.delete(DEPLOYS, "default", "kubia")
    cluster.settle(20)
    assert replica_sets(cluster) == {}
    assert active_pods(cluster) == []


# The arithmetic -------------------------------------------------------------------------------

@pytest.mark.parametrize(("replicas", "surge", "unavailable", "expected"), [
    (3, "25%", "25%", (1, 0)),
    (10, "25%", "25%", (3, 2)),
    (4, 0, 0, (0, 1)),
    (1, "0%", "0%", (0, 1)),
    (10, 3, 2, (3, 2)),
])
def test_fenceposts_round_surge_up_and_unavailable_down(replicas: int, surge: Any,
                                                        unavailable: Any,
                                                        expected: tuple[int, int]) -> None:
    d = deployment(replicas, strategy={"type": "RollingUpdate", "rollingUpdate": {
        "maxSurge": surge, "maxUnavailable": unavailable}})
    assert fenceposts(d) == expected


def test_max_unavailable_is_zero_for_recreate() -> None:
    assert max_unavailable(deployment(strategy={"type": "Recreate"})) == 0


def test_new_replica_set_grows_within_max_surge() -> None:
    d = deployment(10, strategy={"type": "RollingUpdate",
                                 "rollingUpdate": {"maxSurge": 3, "maxUnavailable": 2}})
    old = {"metadata": {"name": "old"}, "spec": {"replicas": 10}}
    new = {"metadata": {"name": "new"}, "spec": {"replicas": 0}}
    assert new_rs_replicas(d, [old, new], new) == 3
    old["spec"]["replicas"] = 8
    grown = {**new, "spec": {"replicas": 3}}
    assert new_rs_replicas(d, [old, grown], grown) == 5


def test_proportional_scaling_matches_kubernetes_docs_example() -> None:
    """10 replicas, maxSurge 3, stuck mid-rollout at 8 old + 5 new; scaled to 15: the old
    ReplicaSet gets 3 more and the new one 2 (the Kubernetes documentation's example)."""
    d = deployment(15, strategy={"type": "RollingUpdate",
                                 "rollingUpdate": {"maxSurge": 3, "maxUnavailable": 2}})
    annotations = {"deployment.kubernetes.io/max-replicas": "13"}
    old = {"metadata": {"name": "old", "creationTimestamp": "2026-01-01T00:00:00Z",
                        "annotations": annotations}, "spec": {"replicas": 8}}
    new = {"metadata": {"name": "new", "creationTimestamp": "2026-01-02T00:00:00Z",
                        "annotations": copy.deepcopy(annotations)}, "spec": {"replicas": 5}}
    assert proportional_sizes(d, [old, new]) == {"old": 11, "new": 7}


def test_template_hash_is_stable_and_changes_with_the_template() -> None:
    template = deployment()["spec"]["template"]
    assert template_hash(template) == template_hash(copy.deepcopy(template))
    other = copy.deepcopy(template)
    other["spec"]["containers"][0]["image"] = "luksa/kubia:v2"
    assert template_hash(other) != template_hash(template)
    assert template_hash(template, 1) != template_hash(template)
    assert set(template_hash(template)) <= set("bcdfghjklmnpqrstvwxz2456789")
