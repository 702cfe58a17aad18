"""Whole commands against outputs captured from real kubectl v1.20.2.

Each case seeds the cluster with the objects the capture's fake server held, runs the golden's
exact command line through the script mode, and compares stdout, stderr and the exit code.
The captures' server listed objects in insertion order while a real API server (and ours)
lists by key, so list outputs are compared as sorted lines where marked.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from golden import book_pods, load_golden
from harness import Shell

from kubia_tutor.api.kinds import resolve
from kubia_tutor.daemon.cluster import Cluster

MANUAL = """\
apiVersion: v1
kind: Pod
metadata:
  name: kubia-manual
  labels:
    creation_method: manual
    env: prod
spec:
  containers:
  - image: luksa/kubia
    name: kubia
    ports:
    - containerPort: 8080
      protocol: TCP
"""
NEW = MANUAL.replace("kubia-manual", "kubia-new")


def seed_book_pods(cluster: Cluster, owned: bool = True) -> None:
    """The capture server's pods, with their statuses, stored without running controllers.
    Without `owned` their owner references go: their owners do not exist here, and a running
    garbage collector would rightly delete them."""
    pods = resolve("pods")
    keep = ("name", "namespace", "labels", "annotations") + (("ownerReferences",) if owned
                                                               else ())
    for fixture in book_pods():
        body = {k: v for k, v in fixture.items() if k != "status"}
        body["metadata"] = {k: v for k, v in body["metadata"].items() if k in keep}
        created = cluster.api.create(pods, "default", body)
        if "status" in fixture:
            cluster.api.update(pods, "default", created["metadata"]["name"],
                               {**created, "status": fixture["status"]}, subresource="status")


# golden file -> (needs the book's pods, manifests to lay out, compare sorted lines)
CASES: dict[str, tuple[bool, dict[str, str], bool]] = {
    "unknown-flag-error": (False, {}, False),
    "unknown-command-error": (False, {}, False),
    "get-no-args-error": (False, {}, False),
    "get-unknown-type-error": (False, {}, False),
    "get-notfound-error": (False, {}, False),
    "get-notfound-deployment-error": (False, {}, False),
    "describe-notfound-error": (False, {}, False),
    "delete-notfound-error": (False, {}, False),
    "delete-selector-none": (True, {}, False),
    "delete-dryrun": (True, {}, False),
    "delete-pod": (True, {}, False),
    "delete-pods-multiple": (True, {}, False),
    "label-add": (True, {}, False),
    "label-no-overwrite-error": (True, {}, False),
    "label-overwrite": (True, {}, False),
    "label-remove": (True, {}, False),
    "label-dryrun": (True, {}, False),
    "annotate": (True, {}, False),
    "annotate-dryrun": (True, {}, False),
    "create-f-created": (False, {"kubia-new.yaml": NEW}, False),
    "create-f-alreadyexists-error": (True, {"kubia-manual.yaml": MANUAL}, False),
    "apply-f-created-dryrun": (False, {"kubia-new.yaml": NEW}, False),
    "apply-f-configured-dryrun": (True, {"kubia-manual.yaml": MANUAL}, False),
    "create-namespace": (False, {}, False),
    "get-pods-name": (True, {}, True),
    "get-pods-jsonpath-range": (True, {}, True),
    "get-pod-jsonpath-filter": (True, {}, False),
    "get-pod-jsonpath-map": (True, {}, False),
    "get-pod-custom-columns": (True, {}, False),
    "version-client": (False, {}, False),
}


# Cases whose command waits for controllers (kubectl delete waits for pods to be gone).
RUNNING = {"delete-pod", "delete-pods-multiple"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_command_matches_real_kubectl(name: str, cluster: Cluster, tmp_path: Path) -> None:
    golden = load_golden(f"{name}.txt")
    needs_pods, files, sort_lines = CASES[name]
    if needs_pods:
        seed_book_pods(cluster, owned=name not in RUNNING)
    if name in RUNNING:
        cluster.start()  # deletion waits for the kubelet to finish the pods
    shell = Shell(cluster, tmp_path)
    for file, text in files.items():
        shell.write(file, text)
    words = shlex.split(golden.command)
    assert words[0] == "kubectl"
    words = [w for w in words if w != "--validate=false"]  # the capture server had no schema
    result = shell.run(shlex.join(words), settle=False)
    if sort_lines:
        assert sorted(result.out.splitlines()) == sorted(golden.stdout.splitlines())
    else:
        assert result.out == golden.stdout
    assert result.err == golden.stderr
    assert result.code == golden.exit_code


def test_every_case_names_a_golden() -> None:
    for name in CASES:
        assert load_golden(f"{name}.txt").command.startswith("kubectl ")


def seed_controllers(cluster: Cluster) -> None:
    """The capture server's RC `kubia` and Deployment `kubia`."""
    template = {"metadata": {"labels": {"app": "kubia"}},
                "spec": {"containers": [{"name": "kubia", "image": "luksa/kubia",
                                         "ports": [{"containerPort": 8080}]}]}}
    cluster.api.create(resolve("rc"), "default", {
        "apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": "kubia"},
        "spec": {"replicas": 3, "selector": {"app": "kubia"}, "template": template}})
    cluster.api.create(resolve("deploy"), "default", {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "kubia"},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "kubia"}},
                 "template": template}})


@pytest.mark.parametrize("name", ["run-created", "run-dryrun-text",
                                  "run-generator-run-v1-deprecated", "run-missing-image-error",
                                  "expose-rc-exposed", "scale-rc", "scale-deployment",
                                  "create-deployment-missing-image-error",
                                  "create-configmap-bad-literal-error",
                                  "create-configmap-dryrun-text",
                                  "create-deployment-dryrun-text",
                                  "create-namespace-dryrun-text",
                                  "create-deployment-name", "create-deployment-json",
                                  "create-deployment-jsonpath", "create-service-nodeport-yaml",
                                  "create-cronjob-yaml", "create-job-yaml",
                                  "expose-rc-loadbalancer-yaml"])
def test_generator_commands_match_real_kubectl(name: str, cluster: Cluster,
                                               tmp_path: Path) -> None:
    golden = load_golden(f"{name}.txt")
    seed_controllers(cluster)
    shell = Shell(cluster, tmp_path)
    result = shell.run(golden.command, settle=False)
    assert (result.out, result.err, result.code) == (golden.stdout, golden.stderr,
                                                     golden.exit_code)
