"""The StatefulSet controller on the fake runtime: ordinal names and identity, OrderedReady and
Parallel pod management, claims from volumeClaimTemplates (kept and reused), recreation of a
deleted pod, and partitioned and OnDelete updates."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from harness import Shell, wait_quiet

from kubia_tutor.api.kinds import resolve
from kubia_tutor.clock import FakeClock
from kubia_tutor.controllers.statefulset import StatefulSetController
from kubia_tutor.daemon.cluster import Cluster
from kubia_tutor.runtime.prober import Outcome, ScriptedProber

STS = resolve("statefulsets")
PODS = resolve("pods")
PVCS = resolve("persistentvolumeclaims")
REVISIONS = resolve("controllerrevisions")
EVENTS = resolve("events")
NOT_READY = Outcome(False, "HTTP probe failed with statuscode: 500")

# The book's StatefulSet (chapter 10), in apps/v1 with the selector apps/v1 requires.
MANIFEST: dict[str, Any] = yaml.safe_load("""
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: kubia
spec:
  serviceName: kubia
  replicas: 3
  selector:
    matchLabels: {app: kubia}
  template:
    metadata:
      labels: {app: kubia}
    spec:
      containers:
      - name: kubia
        image: luksa/kubia-pet
        ports:
        - {name: http, containerPort: 8080}
        readinessProbe:
          httpGet: {path: /, port: 8080}
        volumeMounts:
        - {name: data, mountPath: /var/data}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      resources: {requests: {storage: 1Mi}}
      accessModes: [ReadWriteOnce]
""")


def make(cluster: Cluster, **spec: Any) -> None:
    manifest = copy.deepcopy(MANIFEST)
    manifest["spec"].update(spec)
    cluster.api.create(STS, "default", manifest)


def controller(cluster: Cluster) -> StatefulSetController:
    return next(c for c in cluster.controllers if isinstance(c, StatefulSetController))


def prober(cluster: Cluster) -> ScriptedProber:
    found = cluster.kubelet.prober
    assert isinstance(found, ScriptedProber)
    return found


def run_others(cluster: Cluster, clock: FakeClock | None = None) -> None:
    """Everything but the StatefulSet controller: scheduling, the kubelet, its probes."""
    for _ in range(6):
        before = cluster.store.revision
        if clock is not None:
            clock.advance(10)
            cluster.kubelet.probes.run_due()
        for c in cluster.controllers:
            if not isinstance(c, StatefulSetController):
                c.run_once()
        if cluster.store.revision == before:
            return


def settle(cluster: Cluster, clock: FakeClock, rounds: int = 8) -> None:
    """Let probes run and every controller converge."""
    for _ in range(rounds):
        clock.advance(10)
        cluster.kubelet.probes.run_due()
        cluster.settle()


def pods(cluster: Cluster) -> dict[str, dict[str, Any]]:
    return {p["metadata"]["name"]: p for p in cluster.api.list(PODS, "default")["items"]}


def live(cluster: Cluster) -> list[str]:
    return sorted(n for n, p in pods(cluster).items()
                  if not p["metadata"].get("deletionTimestamp"))


def status(cluster: Cluster) -> dict[str, Any]:
    return dict(cluster.api.get(STS, "default", "kubia").get("status") or {})


def messages(cluster: Cluster) -> list[str]:
    found = [e for e in cluster.api.list(EVENTS, "default")["items"]
             if e["involvedObject"]["kind"] == "StatefulSet"]
    return [e["message"] for e in sorted(found, key=lambda e: e["metadata"]["name"])]


def test_ordered_ready_creates_each_pod_after_the_previous_is_running_and_ready(
        cluster: Cluster, clock: FakeClock) -> None:
    make(cluster)
    sts = controller(cluster)
    sts.run_once()
    assert live(cluster) == ["kubia-0"]
    assert pods(cluster)["kubia-0"]["status"]["phase"] == "Pending"
    sts.run_once()
    assert live(cluster) == ["kubia-0"], "kubia-1 must wait for kubia-0"
    run_others(cluster, clock)
    sts.run_once()
    assert live(cluster) == ["kubia-0", "kubia-1"]
    sts.run_once()
    assert live(cluster) == ["kubia-0", "kubia-1"], "kubia-2 must wait for kubia-1"
    run_others(cluster, clock)
    sts.run_once()
    assert live(cluster) == ["kubia-0", "kubia-1", "kubia-2"]
    assert messages(cluster) == [
        "create Claim data-kubia-0 Pod kubia-0 in StatefulSet kubia success",
        "create Pod kubia-0 in StatefulSet kubia successful",
        "create Claim data-kubia-1 Pod kubia-1 in StatefulSet kubia success",
        "create Pod kubia-1 in StatefulSet kubia successful",
        "create Claim data-kubia-2 Pod kubia-2 in StatefulSet kubia success",
        "create Pod kubia-2 in StatefulSet kubia successful"]


def test_an_unready_pod_holds_back_the_next_one(cluster: Cluster, clock: FakeClock) -> None:
    prober(cluster).set("kubia-0", "kubia", "Readiness", NOT_READY)
    make(cluster)
    settle(cluster, clock)
    assert live(cluster) == ["kubia-0"]
    assert pods(cluster)["kubia-0"]["status"]["phase"] == "Running"
    assert status(cluster).get("readyReplicas") is None and status(cluster)["replicas"] == 1
    prober(cluster).set("kubia-0", "kubia", "Readiness", Outcome(True))
    settle(cluster, clock)
    assert live(cluster) == ["kubia-0", "kubia-1", "kubia-2"]
    assert status(cluster)["readyReplicas"] == 3


def test_pods_get_stable_identity_claims_and_revision(cluster: Cluster,
                                                      clock: FakeClock) -> None:
    make(cluster, replicas=2)
    settle(cluster, clock)
    pod = pods(cluster)["kubia-1"]
    assert pod["spec"]["hostname"] == "kubia-1"
    assert pod["spec"]["subdomain"] == "kubia"
    labels = pod["metadata"]["labels"]
    assert labels["statefulset.kubernetes.io/pod-name"] == "kubia-1"
    assert labels["app"] == "kubia"
    data = next(v for v in pod["spec"]["volumes"] if v["name"] == "data")
    assert data == {"name": "data", "persistentVolumeClaim": {"claimName": "data-kubia-1"}}
    claim = cluster.api.get(PVCS, "default", "data-kubia-1")
    assert claim["metadata"]["labels"] == {"app": "kubia"}
    assert not claim["metadata"].get("ownerReferences")  # claims outlive the set
    assert claim["spec"]["resources"]["requests"]["storage"] == "1Mi"
    revisions = cluster.api.list(REVISIONS, "default")["items"]
    assert [r["metadata"]["name"] for r in revisions] == [labels["controller-revision-hash"]]
    assert revisions[0]["revision"] == 1
    assert revisions[0]["metadata"]["name"].startswith("kubia-")
    assert status(cluster) == {
        "observedGeneration": 1, "replicas": 2, "readyReplicas": 2, "currentReplicas": 2,
        "updatedReplicas": 2, "currentRevision": revisions[0]["metadata"]["name"],
        "updateRevision": revisions[0]["metadata"]["name"], "collisionCount": 0}


def test_scale_down_goes_in_reverse_order_and_keeps_the_claims(cluster: Cluster,
                                                               clock: FakeClock) -> None:
    make(cluster)
    settle(cluster, clock)
    cluster.api.patch(STS, "default", "kubia", {"spec": {"replicas": 1}}, "merge")
    sts = controller(cluster)
    sts.run_once()
    assert live(cluster) == ["kubia-0", "kubia-1"], "the highest ordinal goes first"
    sts.run_once()
    assert live(cluster) == ["kubia-0", "kubia-1"], "one at a time: kubia-2 still terminating"
    run_others(cluster)
    sts.run_once()
    assert live(cluster) == ["kubia-0"]
    settle(cluster, clock)
    assert sorted(pods(cluster)) == ["kubia-0"]
    claims = sorted(c["metadata"]["name"] for c in cluster.api.list(PVCS, "default")["items"])
    assert claims == ["data-kubia-0", "data-kubia-1", "data-kubia-2"]
    assert "delete Pod kubia-2 in StatefulSet kubia successful" in messages(cluster)

    cluster.api.patch(STS, "default", "kubia", {"spec": {"replicas": 2}}, "merge")
    settle(cluster, clock)
    assert live(cluster) == ["kubia-0", "kubia-1"]
    volume = next(v for v in pods(cluster)["kubia-1"]["spec"]["volumes"] if v["name"] == "data")
    assert volume["persistentVolumeClaim"]["claimName"] == "data-kubia-1"
    claim_events = [m for m in messages(cluster) if m.startswith("create Claim data-kubia-1")]
    assert len(claim_events) == 1, "the kept claim is reused, not made again"


def test_no_scale_down_while_a_pod_is_unhealthy(cluster: Cluster, clock: FakeClock) -> None:
    make(cluster)
    settle(cluster, clock)
    prober(cluster).set("kubia-0", "kubia", "Readiness", NOT_READY)
    settle(cluster, clock, rounds=4)
    assert status(cluster)["readyReplicas"] == 2
    cluster.api.patch(STS, "default", "kubia", {"spec": {"replicas": 1}}, "merge")
    settle(cluster, clock)
    assert live(cluster) == ["kubia-0", "kubia-1", "kubia-2"]
    prober(cluster).set("kubia-0", "kubia", "Readiness", Outcome(True))
    settle(cluster, clock)
    assert live(cluster) == ["kubia-0"]


def test_a_deleted_pod_comes_back_with_the_same_name_and_claim(cluster: Cluster,
                                                               clock: FakeClock) -> None:
    make(cluster, replicas=2)
    settle(cluster, clock)
    old_uid = pods(cluster)["kubia-0"]["metadata"]["uid"]
    cluster.api.delete(PODS, "default", "kubia-0")
    settle(cluster, clock)
    pod = pods(cluster)["kubia-0"]
    assert pod["metadata"]["uid"] != old_uid
    assert pod["status"]["phase"] == "Running"
    volume = next(v for v in pod["spec"]["volumes"] if v["name"] == "data")
    assert volume["persistentVolumeClaim"]["claimName"] == "data-kubia-0"
    assert len(cluster.api.list(PVCS, "default")["items"]) == 2


def test_parallel_creates_every_pod_at_once(cluster: Cluster) -> None:
    make(cluster, podManagementPolicy="Parallel")
    controller(cluster).run_once()
    assert live(cluster) == ["kubia-0", "kubia-1", "kubia-2"]


def _set_image(cluster: Cluster, image: str) -> None:
    sts = cluster.api.get(STS, "default", "kubia")
    sts["spec"]["template"]["spec"]["containers"][0]["image"] = image
    cluster.api.update(STS, "default", "kubia", sts)


def _images(cluster: Cluster) -> dict[str, str]:
    return {n: p["spec"]["containers"][0]["image"] for n, p in pods(cluster).items()}


def test_rolling_update_goes_down_from_the_highest_ordinal_to_the_partition(
        cluster: Cluster, clock: FakeClock) -> None:
    make(cluster, updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 1}})
    settle(cluster, clock)
    old = status(cluster)["currentRevision"]
    first_uid = pods(cluster)["kubia-0"]["metadata"]["uid"]
    _set_image(cluster, "luksa/kubia-pet-peers")
    sts = controller(cluster)
    sts.run_once()
    assert live(cluster) == ["kubia-0", "kubia-1"], "kubia-2 is replaced first"
    run_others(cluster)
    sts.run_once()
    assert _images(cluster)["kubia-2"] == "luksa/kubia-pet-peers"
    assert _images(cluster)["kubia-1"] == "luksa/kubia-pet"
    settle(cluster, clock)
    assert _images(cluster) == {"kubia-0": "luksa/kubia-pet",
                                "kubia-1": "luksa/kubia-pet-peers",
                                "kubia-2": "luksa/kubia-pet-peers"}
    assert pods(cluster)["kubia-0"]["metadata"]["uid"] == first_uid, "below the partition"
    now = status(cluster)
    assert now["currentRevision"] == old != now["updateRevision"]
    assert (now["currentReplicas"], now["updatedReplicas"]) == (1, 2)
    assert now["observedGeneration"] == 2

    cluster.api.patch(STS, "default", "kubia",
                      {"spec": {"updateStrategy": {"rollingUpdate": {"partition": 0}}}}, "merge")
    settle(cluster, clock)
    assert set(_images(cluster).values()) == {"luksa/kubia-pet-peers"}
    done = status(cluster)
    assert done["currentRevision"] == done["updateRevision"]
    assert done["currentReplicas"] == done["updatedReplicas"] == 3
    assert len(cluster.api.list(REVISIONS, "default")["items"]) == 2


def test_on_delete_replaces_a_pod_only_when_it_is_deleted(cluster: Cluster,
                                                          clock: FakeClock) -> None:
    make(cluster, replicas=2, updateStrategy={"type": "OnDelete"})
    settle(cluster, clock)
    _set_image(cluster, "luksa/kubia-pet-peers")
    settle(cluster, clock)
    assert set(_images(cluster).values()) == {"luksa/kubia-pet"}
    cluster.api.delete(PODS, "default", "kubia-1")
    settle(cluster, clock)
    assert _images(cluster) == {"kubia-0": "luksa/kubia-pet",
                                "kubia-1": "luksa/kubia-pet-peers"}
    assert status(cluster)["updatedReplicas"] == 1


def test_deleting_the_set_deletes_its_pods_but_not_its_claims(cluster: Cluster,
                                                              clock: FakeClock) -> None:
    make(cluster, replicas=2)
    settle(cluster, clock)
    cluster.api.delete(STS, "default", "kubia")
    settle(cluster, clock)
    assert pods(cluster) == {}
    assert len(cluster.api.list(PVCS, "default")["items"]) == 2


def test_an_orphan_pod_named_like_an_ordinal_is_adopted(cluster: Cluster,
                                                        clock: FakeClock) -> None:
    cluster.api.create(PODS, "default", {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "kubia-0", "labels": {"app": "kubia"}},
        "spec": {"containers": [{"name": "kubia", "image": "luksa/kubia-pet"}]}})
    make(cluster, replicas=1)
    settle(cluster, clock)
    refs = pods(cluster)["kubia-0"]["metadata"]["ownerReferences"]
    assert [(r["kind"], r["name"]) for r in refs] == [("StatefulSet", "kubia")]
    assert pods(cluster)["kubia-0"]["metadata"]["labels"][
        "statefulset.kubernetes.io/pod-name"] == "kubia-0"


def test_get_sts_and_the_book_manifest(shell: Shell, tmp_path: Path) -> None:
    book = tmp_path / "kubia-statefulset.yaml"
    book.write_text("""\
apiVersion: apps/v1beta1
kind: StatefulSet
metadata:
  name: kubia
spec:
  serviceName: kubia
  replicas: 2
  template:
    metadata:
      labels:
        app: kubia
    spec:
      containers:
      - name: kubia
        image: luksa/kubia-pet
        ports:
        - name: http
          containerPort: 8080
        volumeMounts:
        - name: data
          mountPath: /var/data
  volumeClaimTemplates:
  - metadata:
      name: data
    spec:
      resources:
        requests:
          storage: 1Mi
      accessModes:
      - ReadWriteOnce
""")
    created = shell.run(f"kubectl create -f {book}")
    assert created.out == "statefulset.apps/kubia created\n"
    for _ in range(20):
        wait_quiet(shell.cluster)
        if shell.run("kubectl get sts kubia -o jsonpath={.status.readyReplicas}").out == "2":
            break
    table = shell.run("kubectl get sts").out.splitlines()
    assert table[0].split() == ["NAME", "READY", "AGE"]
    assert table[1].split()[:2] == ["kubia", "2/2"]
    claims = shell.run("kubectl get pvc -o name").out.split()
    assert claims == ["persistentvolumeclaim/data-kubia-0", "persistentvolumeclaim/data-kubia-1"]
