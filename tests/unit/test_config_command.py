"""`kubectl config`: the current namespace follows set-context, as on a real kubeconfig."""

from __future__ import annotations

from harness import Shell


def test_set_context_changes_the_namespace_later_commands_use(shell: Shell) -> None:
    assert shell.run("kubectl config current-context").out == "minikube\n"
    assert shell.run("kubectl create namespace custom").out == "namespace/custom created\n"
    r = shell.run("kubectl config set-context --current --namespace=custom")
    assert (r.out, r.code) == ('Context "minikube" modified.\n', 0)
    assert shell.run("kubectl run kubia --image=luksa/kubia").out == "pod/kubia created\n"
    r = shell.run("kubectl get pods -o name")
    assert r.out == "pod/kubia\n"
    r = shell.run("kubectl get pods -n default")
    assert r.err == "No resources found in default namespace.\n"
    view = shell.run("kubectl config view").out
    assert "namespace: custom" in view
    assert view.startswith("apiVersion: v1\nclusters:\n")
    contexts = shell.run("kubectl config get-contexts").out.splitlines()
    assert contexts[0].split() == ["CURRENT", "NAME", "CLUSTER", "AUTHINFO", "NAMESPACE"]
    assert contexts[1].split() == ["*", "minikube", "minikube", "minikube", "custom"]


def test_cluster_info_names_the_control_plane(shell: Shell) -> None:
    r = shell.run("kubectl cluster-info")
    assert r.out.startswith("\x1b[0;32mKubernetes control plane\x1b[0m is running at "
                            "\x1b[0;33munix:///state/api.sock\x1b[0m\n")
    assert r.out.endswith("\nTo further debug and diagnose cluster problems, use 'kubectl "
                          "cluster-info dump'.\n")
