"""`kubectl cordon`, `uncordon` and `drain`: kubectl 1.20's lines, refusals and evictions."""

from __future__ import annotations

from harness import Shell

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import resolve

PODS = resolve("pods")
CONFIGMAPS = resolve("configmaps")
NODES = resolve("nodes")


def bare_pod(shell: Shell, name: str, **spec: object) -> None:
    shell.cluster.api.create(PODS, "default", {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
        "spec": {"containers": [{"name": "main", "image": "busybox"}], **spec}})


def owned_pod(shell: Shell, name: str, kind: str) -> None:
    """A pod whose controller reference names `kind`. The uid is a ConfigMap's: the garbage
    collector only asks that the owner's uid exists, and no workload controller (not under
    test here) then acts on the pod."""
    try:
        owner = shell.cluster.api.get(CONFIGMAPS, "default", "owner")
    except ApiError:
        owner = shell.cluster.api.create(CONFIGMAPS, "default", {
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "owner"}})
    shell.cluster.api.create(PODS, "default", {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "ownerReferences": [{
            "apiVersion": "apps/v1", "kind": kind, "name": "owner",
            "uid": owner["metadata"]["uid"], "controller": True}]},
        "spec": {"containers": [{"name": "main", "image": "busybox"}]}})


def test_cordon_and_uncordon_twice(shell: Shell) -> None:
    result = shell.run("kubectl cordon minikube", "kubectl cordon minikube")
    assert result.out == "node/minikube cordoned\nnode/minikube already cordoned\n"
    node = shell.cluster.api.get(NODES, None, "minikube")
    assert node["spec"]["unschedulable"] is True
    result = shell.run("kubectl uncordon minikube", "kubectl uncordon minikube")
    assert result.out == "node/minikube uncordoned\nnode/minikube already uncordoned\n"
    assert "unschedulable" not in shell.cluster.api.get(NODES, None, "minikube")["spec"]


def test_cordon_unknown_node_and_no_node(shell: Shell) -> None:
    result = shell.run("kubectl cordon nope")
    assert result.err == 'Error from server (NotFound): nodes "nope" not found\n'
    assert result.code == 1
    result = shell.run("kubectl cordon")
    assert result.err.startswith("error: USAGE: cordon NODE [flags]\n")
    assert "Traceback" not in result.err


def test_cordoned_node_leaves_new_pods_pending(shell: Shell) -> None:
    shell.run("kubectl cordon minikube")
    bare_pod(shell, "late")
    shell.run("kubectl get pods")  # settle
    pod = shell.cluster.api.get(PODS, "default", "late")
    assert not pod["spec"].get("nodeName")
    assert pod["status"]["conditions"][0]["message"] == \
        "0/1 nodes are available: 1 node(s) were unschedulable."
    shell.run("kubectl uncordon minikube")
    assert shell.cluster.api.get(PODS, "default", "late")["spec"]["nodeName"] == "minikube"


def test_drain_refuses_unmanaged_daemonset_and_emptydir_pods(shell: Shell) -> None:
    bare_pod(shell, "alone")
    owned_pod(shell, "ds-pod", "DaemonSet")
    bare_pod(shell, "scratch", volumes=[{"name": "v", "emptyDir": {}}])
    shell.run("kubectl get pods")  # settle: the pods are bound to the node
    result = shell.run("kubectl drain minikube")
    assert result.out == "node/minikube cordoned\n"
    lines = result.err.splitlines()
    assert lines[:4] == ['error: unable to drain node "minikube", aborting command...', "",
                         "There are pending nodes to be drained:", " minikube"]
    assert sorted(lines[4:]) == sorted([
        "cannot delete Pods not managed by ReplicationController, ReplicaSet, Job, DaemonSet "
        "or StatefulSet (use --force to override): default/alone",
        "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): "
        "default/ds-pod",
        "cannot delete Pods with local storage (use --delete-emptydir-data to override): "
        "default/scratch"])
    assert result.code == 1
    assert {p["metadata"]["name"] for p in shell.cluster.api.list(PODS, "default")["items"]} \
        == {"alone", "ds-pod", "scratch"}


def test_drain_with_force_evicts_and_ignores_daemonsets(shell: Shell) -> None:
    owned_pod(shell, "kubia-abcde", "ReplicaSet")
    bare_pod(shell, "alone")
    owned_pod(shell, "ds-pod", "DaemonSet")
    bare_pod(shell, "scratch", volumes=[{"name": "v", "emptyDir": {}}])
    shell.run("kubectl get pods")
    result = shell.run("kubectl drain minikube --ignore-daemonsets --force "
                       "--delete-local-data")
    assert result.code == 0, result.err
    out = result.out.splitlines()
    assert out[0] == "node/minikube cordoned"
    # kube-system's coredns pod (its ReplicaSet's) is evicted too, as on minikube
    evicting = sorted(line for line in out if line.startswith("evicting"))
    assert evicting[:3] == ["evicting pod default/alone", "evicting pod default/kubia-abcde",
                            "evicting pod default/scratch"]
    assert [line.rsplit("-", 2)[0] for line in evicting[3:]] == [
        "evicting pod kube-system/coredns"]
    assert sorted(line for line in out if line.endswith("evicted")
                  and not line.startswith("pod/coredns-")) == [
        "pod/alone evicted", "pod/kubia-abcde evicted", "pod/scratch evicted"]
    assert out[-1] == "node/minikube drained"
    assert result.err.startswith("Flag --delete-local-data has been deprecated")
    assert "WARNING: " in result.err and "ignoring DaemonSet-managed Pods: default/ds-pod" in \
        result.err
    assert [p["metadata"]["name"] for p in shell.cluster.api.list(PODS, "default")["items"]] \
        == ["ds-pod"]
