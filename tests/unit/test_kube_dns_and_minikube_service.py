"""kube-system's kube-dns service (made at bootstrap, recreated like `kubernetes`) and
`kubia-tutor service`, minikube's `service` command."""

from __future__ import annotations

import io

from harness import Shell, wait_quiet

from kubia_tutor.api.kinds import resolve
from kubia_tutor.daemon.cluster import Cluster
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
