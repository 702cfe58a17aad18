"""PersistentVolumes on the fake runtime: binding, the default StorageClass and its hostPath
provisioner, reclaim policies, Lost claims, the protection finalizers, and claim volumes on
the node."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from harness import Shell

from kubia_tutor.api.kinds import resolve
from kubia_tutor.clock import FakeClock
from kubia_tutor.daemon.cluster import Cluster
from kubia_tutor.runtime.volumes import VolumeError, VolumeManager

PVS = resolve("persistentvolumes")
PVCS = resolve("persistentvolumeclaims")
PODS = resolve("pods")
EVENTS = resolve("events")
Obj = dict[str, Any]


def pv(name: str, size: str, *, modes: tuple[str, ...] = ("ReadWriteOnce",),
       cls: str = "", policy: str = "Retain", path: str = "", labels: Obj | None = None
       ) -> Obj:
    spec: Obj = {"capacity": {"storage": size}, "accessModes": list(modes),
                 "persistentVolumeReclaimPolicy": policy,
                 "hostPath": {"path": path or f"/tmp/{name}"}}
    if cls:
        spec["storageClassName"] = cls
    return {"apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": {"name": name, "labels": labels or {}}, "spec": spec}


def pvc(name: str, size: str = "1Gi", *, cls: str | None = "",
        modes: tuple[str, ...] = ("ReadWriteOnce",), selector: Obj | None = None) -> Obj:
    spec: Obj = {"accessModes": list(modes), "resources": {"requests": {"storage": size}}}
    if cls is not None:
        spec["storageClassName"] = cls
    if selector is not None:
        spec["selector"] = selector
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name},
            "spec": spec}


def pod(name: str, claim: str, *, read_only: bool = False) -> Obj:
    source: Obj = {"claimName": claim}
    if read_only:
        source["readOnly"] = True
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "main", "image": "busybox",
                                     "volumeMounts": [{"name": "data", "mountPath": "/data"}]}],
                     "volumes": [{"name": "data", "persistentVolumeClaim": source}]}}


def get_pv(cluster: Cluster, name: str) -> Obj:
    return cluster.api.get(PVS, None, name)


def get_pvc(cluster: Cluster, name: str) -> Obj:
    return cluster.api.get(PVCS, "default", name)


def exists(cluster: Cluster, rt: Any, ns: str | None, name: str) -> bool:
    return any(o["metadata"]["name"] == name for o in cluster.api.list(rt, ns)["items"])


def claim_events(cluster: Cluster, name: str) -> list[tuple[str, str, str]]:
    found = [e for e in cluster.api.list(EVENTS, "default")["items"]
             if e["involvedObject"].get("name") == name]
    return [(e["type"], e["reason"], e["message"])
            for e in sorted(found, key=lambda e: e["metadata"]["name"])]


@pytest.fixture
def disk_cluster(tmp_path: Path, clock: FakeClock) -> Iterator[Cluster]:
    """A cluster with a state dir, so the node's rootfs holds hostPath data."""
    c = Cluster(str(tmp_path), "fake", clock=clock)
    yield c
    c.stop()


def test_the_default_storage_class(shell: Shell) -> None:
    out = shell.run("kubectl get sc").out.splitlines()
    assert out[0].split() == ["NAME", "PROVISIONER", "RECLAIMPOLICY", "VOLUMEBINDINGMODE",
                              "ALLOWVOLUMEEXPANSION", "AGE"]
    assert out[1].split()[:5] == ["standard", "(default)", "k8s.io/minikube-hostpath",
                                  "Delete", "Immediate"]
    shell.run("kubectl delete sc standard")
    assert "standard" not in shell.run("kubectl get sc").out, "not recreated while running"


def test_a_claim_binds_the_smallest_volume_that_fits(cluster: Cluster) -> None:
    for volume in (pv("big", "5Gi"), pv("small", "1Gi"), pv("medium", "2Gi"),
                   pv("rox", "2Gi", modes=("ReadOnlyMany",)), pv("fast", "2Gi", cls="fast")):
        cluster.api.create(PVS, None, volume)
    cluster.api.create(PVCS, "default", pvc("data", "1500Mi"))
    cluster.settle()
    claim, volume = get_pvc(cluster, "data"), get_pv(cluster, "medium")
    assert claim["status"] == {"phase": "Bound", "accessModes": ["ReadWriteOnce"],
                               "capacity": {"storage": "2Gi"}}
    assert claim["spec"]["volumeName"] == "medium"
    assert claim["metadata"]["annotations"] == {"pv.kubernetes.io/bind-completed": "yes",
                                                "pv.kubernetes.io/bound-by-controller": "yes"}
    assert volume["status"]["phase"] == "Bound"
    assert volume["spec"]["claimRef"]["uid"] == claim["metadata"]["uid"]
    assert volume["metadata"]["annotations"] == {"pv.kubernetes.io/bound-by-controller": "yes"}
    assert volume["metadata"]["finalizers"] == ["kubernetes.io/pv-protection"]
    assert claim["metadata"]["finalizers"] == ["kubernetes.io/pvc-protection"]
    phases = {v["metadata"]["name"]: v["status"]["phase"]
              for v in cluster.api.list(PVS)["items"]}
    assert phases == {"big": "Available", "small": "Available", "medium": "Bound",
                      "rox": "Available", "fast": "Available"}


def test_a_class_less_claim_without_a_match_waits(cluster: Cluster) -> None:
    cluster.api.create(PVS, None, pv("fast", "2Gi", cls="fast"))
    cluster.api.create(PVS, None, pv("labelled", "2Gi", labels={"disk": "hdd"}))
    cluster.api.create(PVCS, "default", pvc("data", selector={"matchLabels": {"disk": "ssd"}}))
    cluster.settle()
    assert get_pvc(cluster, "data")["status"]["phase"] == "Pending"
    assert claim_events(cluster, "data") == [
        ("Normal", "FailedBinding",
         "no persistent volumes available for this claim and no storage class is set")]
    cluster.api.create(PVS, None, pv("ssd", "2Gi", labels={"disk": "ssd"}))
    cluster.settle()
    assert get_pvc(cluster, "data")["spec"]["volumeName"] == "ssd"


def test_a_claim_of_the_default_class_is_provisioned(disk_cluster: Cluster,
                                                     tmp_path: Path) -> None:
    cluster = disk_cluster
    cluster.api.create(PVS, None, pv("static", "1Gi"))  # no class: not for this claim
    cluster.api.create(PVCS, "default", pvc("mongodb-pvc", "100Mi", cls=None))
    cluster.settle()
    claim = get_pvc(cluster, "mongodb-pvc")
    name = f"pvc-{claim['metadata']['uid']}"
    assert claim["spec"]["storageClassName"] == "standard"
    assert claim["spec"]["volumeName"] == name
    assert claim["status"]["phase"] == "Bound"
    assert claim["metadata"]["annotations"]["volume.beta.kubernetes.io/storage-provisioner"] \
        == "k8s.io/minikube-hostpath"
    volume = get_pv(cluster, name)
    assert volume["spec"]["hostPath"]["path"] == "/tmp/hostpath-provisioner/default/mongodb-pvc"
    assert volume["spec"]["capacity"] == {"storage": "100Mi"}
    assert volume["spec"]["persistentVolumeReclaimPolicy"] == "Delete"
    assert volume["spec"]["storageClassName"] == "standard"
    assert volume["metadata"]["annotations"]["pv.kubernetes.io/provisioned-by"] == \
        "k8s.io/minikube-hostpath"
    data = tmp_path / "node/rootfs/tmp/hostpath-provisioner/default/mongodb-pvc"
    assert data.is_dir()
    reasons = [(r, m) for _, r, m in claim_events(cluster, "mongodb-pvc")]
    assert reasons == [
        ("ExternalProvisioning", "waiting for a volume to be created, either by external "
         'provisioner "k8s.io/minikube-hostpath" or manually created by system administrator'),
        ("Provisioning", 'External provisioner is provisioning volume for claim '
         '"default/mongodb-pvc"'),
        ("ProvisioningSucceeded", f"Successfully provisioned volume {name}")]
    assert get_pv(cluster, "static")["status"]["phase"] == "Available"
    # Released with the Delete policy: the provisioner removes the data and the volume
    cluster.api.delete(PVCS, "default", "mongodb-pvc")
    cluster.settle()
    assert not exists(cluster, PVCS, "default", "mongodb-pvc")
    assert not exists(cluster, PVS, None, name)
    assert not data.exists()


def test_retain_keeps_a_released_volume_from_new_claims(cluster: Cluster) -> None:
    cluster.api.create(PVS, None, pv("mongodb-pv", "1Gi", modes=("ReadWriteOnce",
                                                                 "ReadOnlyMany")))
    cluster.api.create(PVCS, "default", pvc("mongodb-pvc"))
    cluster.settle()
    assert get_pv(cluster, "mongodb-pv")["status"]["phase"] == "Bound"
    cluster.api.delete(PVCS, "default", "mongodb-pvc")
    cluster.settle()
    cluster.api.create(PVCS, "default", pvc("mongodb-pvc"))
    cluster.settle()
    volume = get_pv(cluster, "mongodb-pv")
    assert volume["status"]["phase"] == "Released"
    assert volume["spec"]["claimRef"]["name"] == "mongodb-pvc"
    assert get_pvc(cluster, "mongodb-pvc")["status"]["phase"] == "Pending"


def test_recycle_scrubs_the_volume_and_frees_it(disk_cluster: Cluster, tmp_path: Path) -> None:
    cluster = disk_cluster
    data = tmp_path / "node/rootfs/tmp/recycled"
    (data / "sub").mkdir(parents=True)
    (data / "sub/file").write_text("old data")
    (data / ".hidden").write_text("old data")
    cluster.api.create(PVS, None, pv("recycled", "1Gi", policy="Recycle"))
    cluster.api.create(PVCS, "default", pvc("data"))
    cluster.settle()
    assert get_pv(cluster, "recycled")["status"]["phase"] == "Bound"
    cluster.api.delete(PVCS, "default", "data")
    cluster.settle()
    volume = get_pv(cluster, "recycled")
    assert volume["status"]["phase"] == "Available"
    assert "claimRef" not in volume["spec"]
    assert data.is_dir() and list(data.iterdir()) == []


def test_delete_removes_a_static_volume(cluster: Cluster) -> None:
    cluster.api.create(PVS, None, pv("scratch", "1Gi", policy="Delete"))
    cluster.api.create(PVCS, "default", pvc("data"))
    cluster.settle()
    cluster.api.delete(PVCS, "default", "data")
    cluster.settle()
    assert not exists(cluster, PVS, None, "scratch")


def test_a_bound_volume_is_protected_and_its_loss_loses_the_claim(cluster: Cluster) -> None:
    cluster.api.create(PVS, None, pv("mongodb-pv", "1Gi"))
    cluster.api.create(PVCS, "default", pvc("mongodb-pvc"))
    cluster.settle()
    cluster.api.delete(PVS, None, "mongodb-pv")
    cluster.settle()
    assert get_pv(cluster, "mongodb-pv")["metadata"].get("deletionTimestamp"), "Terminating"
    cluster.api.patch(PVS, None, "mongodb-pv", {"metadata": {"finalizers": None}}, "merge")
    cluster.settle()
    assert not exists(cluster, PVS, None, "mongodb-pv")
    assert get_pvc(cluster, "mongodb-pvc")["status"]["phase"] == "Lost"
    assert ("Warning", "ClaimLost", "Bound claim has lost its PersistentVolume. Data on the "
            "volume is lost!") in claim_events(cluster, "mongodb-pvc")


def test_a_claim_in_use_stays_terminating_until_its_pod_goes(cluster: Cluster) -> None:
    cluster.api.create(PVS, None, pv("mongodb-pv", "1Gi"))
    cluster.api.create(PVCS, "default", pvc("mongodb-pvc"))
    cluster.api.create(PODS, "default", pod("mongodb", "mongodb-pvc"))
    cluster.settle()
    assert cluster.api.get(PODS, "default", "mongodb")["spec"]["nodeName"] == "minikube"
    cluster.api.delete(PVCS, "default", "mongodb-pvc")
    cluster.settle()
    claim = get_pvc(cluster, "mongodb-pvc")
    assert claim["metadata"]["deletionTimestamp"]
    assert claim["metadata"]["finalizers"] == ["kubernetes.io/pvc-protection"]
    cluster.api.delete(PODS, "default", "mongodb", grace_period=0)
    cluster.settle()
    assert not exists(cluster, PVCS, "default", "mongodb-pvc")
    assert get_pv(cluster, "mongodb-pv")["status"]["phase"] == "Released"


# -- the node side ------------------------------------------------------------------------


def node(tmp_path: Path, objects: dict[tuple[str, str], Obj]) -> VolumeManager:
    manager = VolumeManager(str(tmp_path), memory_tmpfs=False)
    manager.lookup = lambda plural, _ns, name: objects.get((plural, name))
    return manager


def bound(claim_name: str, volume: Obj) -> dict[tuple[str, str], Obj]:
    claim = {"metadata": {"name": claim_name, "namespace": "default", "uid": "c-1"},
             "spec": {"volumeName": volume["metadata"]["name"]},
             "status": {"phase": "Bound"}}
    volume["spec"]["claimRef"] = {"namespace": "default", "name": claim_name, "uid": "c-1"}
    return {("persistentvolumeclaims", claim_name): claim,
            ("persistentvolumes", volume["metadata"]["name"]): volume}


def scheduled(spec: Obj) -> Obj:
    return {**spec, "metadata": {**spec["metadata"], "namespace": "default", "uid": "p-1"}}


def test_a_claim_volume_mounts_its_host_path_volume_under_the_rootfs(tmp_path: Path) -> None:
    manager = node(tmp_path, bound("mongodb-pvc", pv("mongodb-pv", "1Gi", path="/tmp/mongodb")))
    the_pod = scheduled(pod("mongodb", "mongodb-pvc"))
    mounts = manager.mounts(the_pod, the_pod["spec"]["containers"][0])
    assert [(m.host_path, m.container_path, m.read_only) for m in mounts] == [
        (str(tmp_path / "node/rootfs/tmp/mongodb"), "/data", False)]
    read_only = scheduled(pod("reader", "mongodb-pvc", read_only=True))
    assert manager.mounts(read_only, read_only["spec"]["containers"][0])[0].read_only


@pytest.mark.parametrize(("objects", "message"), [
    ({}, 'error processing PVC default/mongodb-pvc: failed to fetch PVC from API server: '
         'persistentvolumeclaims "mongodb-pvc" not found'),
    ({("persistentvolumeclaims", "mongodb-pvc"): {
        "metadata": {"uid": "c-1"}, "spec": {}, "status": {"phase": "Pending"}}},
     'PVC default/mongodb-pvc has non-bound phase ("Pending") or empty pvc.Spec.VolumeName'
     ' ("")'),
    (bound("mongodb-pvc", {"metadata": {"name": "nfs-pv"},
                           "spec": {"nfs": {"server": "10.0.0.1", "path": "/"}}}),
     "kubia-tutor cannot mount nfs persistent volumes (PV nfs-pv); only hostPath ones"),
])
def test_a_claim_volume_that_cannot_be_mounted(tmp_path: Path, objects: Obj,
                                               message: str) -> None:
    with pytest.raises(VolumeError) as info:
        node(tmp_path, objects).setup(scheduled(pod("mongodb", "mongodb-pvc")))
    assert str(info.value) == f'MountVolume.SetUp failed for volume "data" : {message}'
    assert info.value.reason == "FailedMount"
