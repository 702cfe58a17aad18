"""Chapter 3.8: deleting pods by name, by label selector, with their namespace, with `--all`,
and everything with `delete all --all`.

The notes ran chapter 2's `kubectl run --generator=run/v1`, which made a ReplicationController
that brought its pod back after `delete pods --all`. kubectl 1.20 ignores --generator and makes
a bare pod, so here the pod stays gone and `delete all --all` finds no controller: that is what
kubectl 1.20 prints. The RC variant belongs to chapter 4 (replication controllers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from book import ok, write_manifests

from kubia_tutor.api.kinds import resolve

if TYPE_CHECKING:
    from conftest import Shell

NONE_HERE = "No resources found in default namespace.\n"


def chapter_state(shell: Shell) -> None:
    """What the chapter has created by the time it starts deleting."""
    write_manifests(shell)
    for line, out in [
        ("kubectl create -f kubia-run.yml", "pod/kubia created\n"),
        ("kubectl create -f kubia-http.yml", "service/kubia-http created\n"),
        ("kubectl create -f kubia-manual.yml", "pod/kubia-manual created\n"),
        ("kubectl create -f kubia-manual-with-labels.yml", "pod/kubia-manual-v2 created\n"),
        ("kubectl label pods kubia-manual creation_method=manual", "pod/kubia-manual labeled\n"),
        ("kubectl label node minikube gpu=true", "node/minikube labeled\n"),
        ("kubectl create -f kubia-gpu.yml", "pod/kubia-gpu created\n"),
        ("kubectl create -f custom-namespace.yml", "namespace/custom-namespace created\n"),
        ("kubectl create -f kubia-gpu.yml -n custom-namespace", "pod/kubia-gpu created\n"),
    ]:
        ok(shell, line, out)


def test_delete_by_name_label_namespace_and_all(shell: Shell) -> None:
    chapter_state(shell)
    ok(shell, "kubectl delete pod kubia-gpu", 'pod "kubia-gpu" deleted\n')
    ok(shell, "kubectl delete pods -l creation_method=manual",
       'pod "kubia-manual" deleted\npod "kubia-manual-v2" deleted\n')
    ok(shell, "kubectl delete namespace custom-namespace",
       'namespace "custom-namespace" deleted\n')
    # delete waits until the namespace and its pods are gone, so they are not listed.
    ok(shell, "kubectl get ns",
       "NAME              STATUS   AGE\n"
       "default           Active   0s\n"
       "kube-node-lease   Active   0s\n"
       "kube-public       Active   0s\n"
       "kube-system       Active   0s\n")
    r = shell.run("kubectl get pods -n custom-namespace")
    assert (r.out, r.err, r.code) == ("", "No resources found in custom-namespace namespace.\n",
                                      0)
    ok(shell, "kubectl get pods",
       "NAME    READY   STATUS    RESTARTS   AGE\n"
       "kubia   1/1     Running   0          0s\n")

    ok(shell, "kubectl delete pods --all", 'pod "kubia" deleted\n')
    r = shell.run("kubectl get pods")
    assert (r.out, r.err, r.code) == ("", NONE_HERE, 0)

    http = shell.cluster.api.get(resolve("services"), "default", "kubia-http")
    ip = http["spec"]["clusterIP"]
    node_port = http["spec"]["ports"][0]["nodePort"]
    width = max(len("CLUSTER-IP"), len(ip)) + 3  # the allocated IP sets the column width
    ok(shell, "kubectl get all",
       f"NAME                 TYPE           {'CLUSTER-IP':<{width}}EXTERNAL-IP   PORT(S)"
       "          AGE\n"
       f"service/kubernetes   ClusterIP      {'10.96.0.1':<{width}}<none>        443/TCP"
       "          0s\n"
       f"service/kubia-http   LoadBalancer   {ip:<{width}}<pending>     8080:{node_port}/TCP"
       "   0s\n")
    ok(shell, "kubectl delete all --all",
       'service "kubernetes" deleted\nservice "kubia-http" deleted\n')
    # The API server puts its own `kubernetes` service back, as a real one does.
    ok(shell, "kubectl get all",
       "NAME                 TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE\n"
       "service/kubernetes   ClusterIP   10.96.0.1    <none>        443/TCP   0s\n")


def test_delete_all_lists_pods_before_services(shell: Shell) -> None:
    chapter_state(shell)
    ok(shell, "kubectl delete all --all",
       'pod "kubia" deleted\n'
       'pod "kubia-gpu" deleted\n'
       'pod "kubia-manual" deleted\n'
       'pod "kubia-manual-v2" deleted\n'
       'service "kubernetes" deleted\n'
       'service "kubia-http" deleted\n')
    # Only the current namespace: custom-namespace keeps its pod, kube-system its coredns.
    assert shell.run("kubectl get pods -A -o name").out.splitlines()[0] == "pod/kubia-gpu"
    assert shell.run("kubectl get pods -n custom-namespace -o name").out == "pod/kubia-gpu\n"
    assert shell.run("kubectl get pods -n kube-system -o name").out.startswith(
        "pod/coredns-")
    r = shell.run("kubectl delete pods -l creation_method=manual")
    assert (r.out, r.err, r.code) == ("No resources found\n", "", 0)
    r = shell.run("kubectl delete pod kubia-gpu")
    assert (r.out, r.err, r.code) == (
        "", 'Error from server (NotFound): pods "kubia-gpu" not found\n', 1)
