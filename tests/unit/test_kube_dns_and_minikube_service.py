"""kube-system's kube-dns service (made at bootstrap, recreated like `kubernetes`), its coredns
Deployment (made at each start when missing), and `kubia-tutor service`, minikube's `service`
command."""

from __future__ import annotations

import io
import os
import re
import subprocess
from pathlib import Path

import pytest
from harness import Shell, wait_quiet

from kubia_tutor.api.kinds import resolve
from kubia_tutor.controllers.system import bootstrap
from kubia_tutor.daemon.cluster import Cluster
from kubia_tutor.runtime.images import catalog, recipes
from kubia_tutor.shell import minikube

SERVICES = resolve("services")


def test_kube_dns_is_listed_as_minikube_shows_it(shell: Shell) -> None:
    r = shell.run("kubectl get svc -n kube-system")
    lines = r.out.splitlines()
    assert lines[0].split() == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    assert lines[1].split()[:5] == ["kube-dns", "ClusterIP", "10.96.0.10", "<none>",
                                    "53/UDP,53/TCP,9153/TCP"]
    svc = shell.cluster.api.get(SERVICES, "kube-system", "kube-dns")
    assert svc["metadata"]["labels"] == {"k8s-app": "kube-dns",
                                         "kubernetes.io/cluster-service": "true",
                                         "kubernetes.io/name": "KubeDNS"}
    assert svc["spec"]["selector"] == {"k8s-app": "kube-dns"}
    assert [p["name"] for p in svc["spec"]["ports"]] == ["dns", "dns-tcp", "metrics"]


def test_kube_dns_comes_back_when_deleted(shell: Shell) -> None:
    r = shell.run("kubectl delete svc kube-dns -n kube-system")
    assert r.code == 0
    for _ in range(40):
        wait_quiet(shell.cluster)
        items = shell.cluster.api.list(SERVICES, "kube-system")["items"]
        if [s["metadata"]["name"] for s in items] == ["kube-dns"]:
            break
    assert items[0]["spec"]["clusterIP"] == "10.96.0.10"


def test_nobody_else_gets_the_dns_address(shell: Shell) -> None:
    r = shell.run("kubectl create service clusterip x --tcp=80 --clusterip=10.96.0.10")
    assert "provided IP is already allocated" in r.err


def _nodeport(shell: Shell) -> int:
    shell.run("kubectl create service nodeport kubia --tcp=80:8080 --node-port=30123")
    return 30123


def test_service_prints_minikubes_table_and_url(cluster: Cluster, shell: Shell) -> None:
    _nodeport(shell)
    out, err = io.StringIO(), io.StringIO()
    assert minikube.service(cluster.api, "kubia", "default", False, out, err) == 0
    assert out.getvalue().splitlines()[:5] == [
        "|-----------|-------|-------------|------------------------|",
        "| NAMESPACE | NAME  | TARGET PORT |          URL           |",
        "|-----------|-------|-------------|------------------------|",
        "| default   | kubia | 80-8080/80  | http://127.0.0.1:30123 |",
        "|-----------|-------|-------------|------------------------|",
    ]
    assert "* Opening service default/kubia in default browser..." in out.getvalue()
    out = io.StringIO()
    assert minikube.service(cluster.api, "kubia", "default", True, out, err) == 0
    assert out.getvalue() == "http://127.0.0.1:30123\n"


def test_service_without_node_port_and_missing_service(cluster: Cluster, shell: Shell
                                                        ) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert minikube.service(cluster.api, "kubernetes", "default", False, out, err) == 0
    assert "| default   | kubernetes |             | No node port |" in out.getvalue()
    assert err.getvalue() == "! service default/kubernetes has no node port\n"
    err = io.StringIO()
    assert minikube.service(cluster.api, "nope", "default", True, out, err) == 1
    assert err.getvalue().startswith("X Exiting due to SVC_NOT_FOUND: Service 'nope' was not "
                                     "found in 'default' namespace.")


def test_service_list(cluster: Cluster, shell: Shell) -> None:
    _nodeport(shell)
    out = io.StringIO()
    minikube.service_list(cluster.api, None, out)
    rows = [line.split("|")[1:-1] for line in out.getvalue().splitlines()
            if not line.startswith("|-")]
    assert [[c.strip() for c in row] for row in rows[1:]] == [
        ["default", "kubernetes", "No node port", ""],
        ["default", "kubia", "80-8080/80", "http://127.0.0.1:30123"],
        ["kube-system", "kube-dns", "No node port", ""],
    ]


def test_numbers_are_right_aligned() -> None:
    assert minikube.table([["default", "hello", "8080", "http://127.0.0.1:31636"]]) \
        .splitlines()[3] == "| default   | hello |        8080 | http://127.0.0.1:31636 |"


# kube-system's coredns Deployment ------------------------------------------------------------

DEPLOYMENTS = resolve("deployments")
PODS = resolve("pods")


def test_kube_system_lists_a_running_coredns_pod_as_minikube_does(shell: Shell) -> None:
    for _ in range(40):
        wait_quiet(shell.cluster)
        rows = [line.split() for line in
                shell.run("kubectl get pods -n kube-system").out.splitlines()]
        if len(rows) == 2 and rows[1][1:3] == ["1/1", "Running"]:
            break
    assert rows[0] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert len(rows) == 2 and re.fullmatch(r"coredns-[a-z0-9]{8,10}-[a-z0-9]{5}", rows[1][0])
    assert rows[1][1:4] == ["1/1", "Running", "0"]
    deploy = shell.run("kubectl get deploy -n kube-system").out.splitlines()
    assert deploy[1].split()[:4] == ["coredns", "1/1", "1", "1"]
    # the kube-dns service selects the pod, so its endpoints list it (DNS traffic to
    # 10.96.0.10 is still the node's: the service proxy leaves that address alone)
    pod_ip = shell.cluster.api.list(PODS, "kube-system")["items"][0]["status"]["podIP"]
    endpoints = shell.run("kubectl get endpoints kube-dns -n kube-system").out
    assert f"{pod_ip}:53" in endpoints


def test_the_coredns_deployment_is_the_one_kubeadm_makes(cluster: Cluster) -> None:
    deploy = cluster.api.get(DEPLOYMENTS, "kube-system", "coredns")
    assert deploy["metadata"]["labels"] == {"k8s-app": "kube-dns"}
    spec = deploy["spec"]
    assert spec["replicas"] == 1 and spec["selector"] == {"matchLabels": {"k8s-app": "kube-dns"}}
    container = spec["template"]["spec"]["containers"][0]
    assert container["image"] == "k8s.gcr.io/coredns:1.7.0"
    assert [(p["name"], p["containerPort"], p["protocol"]) for p in container["ports"]] == [
        ("dns", 53, "UDP"), ("dns-tcp", 53, "TCP"), ("metrics", 9153, "TCP")]
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert container["readinessProbe"]["httpGet"]["port"] == 8181
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert container["livenessProbe"]["httpGet"]["port"] == 8080
    assert catalog.resolve(container["image"]) == catalog.get("coredns:1.7.0")
    recipe = recipes.recipe("coredns:1.7.0")
    assert recipe.expose == (8080, 8181)
    handler = next(f.content for f in recipe.files if f.path == "/app/handler.sh")
    assert "nslookup kubernetes.default.svc.cluster.local 10.96.0.10" in handler


def test_a_restart_makes_no_second_coredns_and_a_deleted_one_comes_back_at_start(
        cluster: Cluster) -> None:
    cluster.settle()
    first = cluster.api.list(PODS, "kube-system")["items"]
    assert len(first) == 1
    bootstrap(cluster.api)  # what every daemon start runs
    cluster.settle()
    assert [d["metadata"]["name"] for d in cluster.api.list(DEPLOYMENTS, "kube-system")[
        "items"]] == ["coredns"]
    assert cluster.api.list(PODS, "kube-system")["items"] == first
    cluster.api.delete(DEPLOYMENTS, "kube-system", "coredns")
    cluster.settle()
    assert cluster.api.list(DEPLOYMENTS, "kube-system")["items"] == []  # until the next start
    bootstrap(cluster.api)
    assert cluster.api.get(DEPLOYMENTS, "kube-system", "coredns")["spec"]["replicas"] == 1


@pytest.mark.parametrize(("path", "served", "resolves", "code"), [
    ("/ready", "/ready", True, "200"), ("/ready", "/ready", False, "503"),
    ("/health", "/health", True, "200"), ("/health", "/health", False, "503"),
    ("/health", "/ready", True, "404")])
def test_coredns_health_and_ready_answer_by_the_cluster_dns(
        tmp_path: Path, path: str, served: str, resolves: bool, code: str) -> None:
    """The coredns image's handler, run by sh with a stand-in nslookup that records its
    arguments and succeeds or fails: 200 only while the cluster DNS resolves."""
    handler = tmp_path / "handler.sh"
    handler.write_text(next(f.content for f in recipes.recipe("coredns:1.7.0").files
                            if f.path == "/app/handler.sh"))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stub = bin_dir / "nslookup"
    stub.write_text(f'#!/bin/sh\necho "$@" > {tmp_path}/asked\nexit {0 if resolves else 1}\n')
    stub.chmod(0o755)
    script = f'respond() {{ echo "$1"; exit 0; }}; REQUEST_PATH={path}; . {handler}'
    done = subprocess.run(["sh", "-c", script, "sh", served], capture_output=True, text=True,
                          env={**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"},
                          check=True)
    assert done.stdout == f"{code}\n"
    if code != "404":
        assert (tmp_path / "asked").read_text() == \
            "kubernetes.default.svc.cluster.local 10.96.0.10\n"
