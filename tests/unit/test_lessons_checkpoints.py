"""Checkpoints: the learner's part of the cluster saved at a step boundary and put back."""

from __future__ import annotations

from pathlib import Path

from harness import Shell, wait_quiet

from kubia_tutor.api.kinds import resolve
from kubia_tutor.lessons import checkpoints

RC = """\
apiVersion: v1
kind: ReplicationController
metadata: {name: kubia}
spec:
  replicas: 2
  selector: {app: kubia}
  template:
    metadata: {labels: {app: kubia}}
    spec: {containers: [{name: kubia, image: luksa/kubia}]}
"""


def keys(data: dict[str, object]) -> list[tuple[str, str, str]]:
    return sorted(checkpoints.objects_of(data))  # type: ignore[arg-type]


def build(shell: Shell) -> None:
    shell.write("rc.yaml", RC)
    for line in ("kubectl create -f rc.yaml",
                 "kubectl expose rc kubia --port=80 --target-port=8080",
                 "kubectl create configmap settings --from-literal=mode=fast",
                 "kubectl create namespace work",
                 "kubectl run solo --image=luksa/kubia -n work"):
        assert shell.run(line).code == 0, line


def test_snapshot_holds_only_what_the_learner_made(shell: Shell) -> None:
    build(shell)
    data = checkpoints.snapshot(shell.cluster.api)
    learners = [("configmaps", "default", "settings"), ("namespaces", "", "work"),
                ("pods", "work", "solo"), ("replicationcontrollers", "default", "kubia"),
                ("services", "default", "kubia")]
    found = keys(data)
    assert set(learners) <= set(found)
    # the rc's pods, the service's endpoints, the default service account and its token,
    # the default namespace, the kubernetes service: all made by the cluster
    made = [k for k in found if k not in learners]
    assert all(k == ("endpoints", "default", "kubernetes") for k in made), made
    for item in data["objects"]:  # type: ignore[attr-defined]
        meta = item["object"]["metadata"]
        assert "uid" not in meta and "resourceVersion" not in meta
        assert "status" not in item["object"]
    (node,) = data["nodes"]  # type: ignore[misc]
    assert node["name"] == "minikube"
    assert node["unschedulable"] is False


def test_snapshot_leaves_out_the_kubernetes_endpoints(shell: Shell) -> None:
    data = checkpoints.snapshot(shell.cluster.api)
    assert keys(data) == []


def test_selectorless_endpoints_are_the_learners(shell: Shell) -> None:
    shell.write("ext.yaml", """\
apiVersion: v1
kind: Service
metadata: {name: external}
spec: {ports: [{port: 80}]}
---
apiVersion: v1
kind: Endpoints
metadata: {name: external}
subsets: [{addresses: [{ip: 11.11.11.11}], ports: [{port: 80}]}]
""")
    assert shell.run("kubectl create -f ext.yaml").code == 0
    found = keys(checkpoints.snapshot(shell.cluster.api))
    assert ("services", "default", "external") in found
    assert ("endpoints", "default", "external") in found


def test_save_and_load(tmp_path: Path, shell: Shell) -> None:
    build(shell)
    data = checkpoints.snapshot(shell.cluster.api)
    checkpoints.save(tmp_path / "cp" / "00.json", data)
    assert checkpoints.load(tmp_path / "cp" / "00.json") == data
    assert checkpoints.load(tmp_path / "missing.json") is None
    (tmp_path / "bad.json").write_text("{")
    assert checkpoints.load(tmp_path / "bad.json") is None


def test_restore_puts_the_cluster_back(shell: Shell) -> None:
    build(shell)
    api = shell.cluster.api
    saved = checkpoints.snapshot(api)
    for line in ("kubectl delete configmap settings",
                 "kubectl delete pod solo -n work",
                 "kubectl scale rc kubia --replicas=3",
                 "kubectl run extra --image=luksa/kubia",
                 "kubectl create deployment web --image=luksa/kubia",
                 "kubectl label node minikube disk=ssd",
                 "kubectl cordon minikube"):
        assert shell.run(line).code == 0, line
    assert keys(checkpoints.snapshot(api)) != keys(saved)

    checkpoints.restore(api, saved, timeout=10)
    wait_quiet(shell.cluster)

    assert keys(checkpoints.snapshot(api)) == keys(saved)
    assert checkpoints.snapshot(api) == saved
    assert api.get(resolve("configmaps"), "default", "settings")["data"] == {"mode": "fast"}
    assert api.get(resolve("rc"), "default", "kubia")["spec"]["replicas"] == 2
    pods = api.list(resolve("pods"), "default", label_selector="app=kubia")["items"]
    assert len(pods) == 2
    assert api.list(resolve("deployments"), "default")["items"] == []
    node = api.get(resolve("nodes"), None, "minikube")
    assert "disk" not in node["metadata"]["labels"]
    assert not node["spec"].get("unschedulable")


def test_restore_leaves_unchanged_objects_alone(shell: Shell) -> None:
    build(shell)
    api = shell.cluster.api
    uid = api.get(resolve("rc"), "default", "kubia")["metadata"]["uid"]
    saved = checkpoints.snapshot(api)
    assert shell.run("kubectl delete configmap settings").code == 0
    checkpoints.restore(api, saved, timeout=10)
    assert api.get(resolve("rc"), "default", "kubia")["metadata"]["uid"] == uid
    assert api.get(resolve("configmaps"), "default", "settings")["data"] == {"mode": "fast"}
