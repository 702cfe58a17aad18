"""Chapter 3.7: listing namespaces, looking into kube-system, creating namespaces from a file
and from the command line, and creating a pod in one with `-n`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from book import ok, write_manifests

if TYPE_CHECKING:
    from conftest import Shell


def test_namespaces(shell: Shell) -> None:
    write_manifests(shell)
    ok(shell, "kubectl get namespaces",
       "NAME              STATUS   AGE\n"
       "default           Active   0s\n"
       "kube-node-lease   Active   0s\n"
       "kube-public       Active   0s\n"
       "kube-system       Active   0s\n")
    # Our cluster runs most of its system parts (proxy, ...) outside pods: kube-system lists
    # coredns only, where minikube lists etcd and friends too.
    r = shell.run("kubectl get pods --namespace kube-system")
    rows = [line.split() for line in r.out.splitlines()]
    assert (r.err, r.code) == ("", 0)
    assert rows[0] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert len(rows) == 2 and rows[1][0].startswith("coredns-")
    assert rows[1][1:] == ["1/1", "Running", "0", "0s"]
    coredns = rows[1][0]

    ok(shell, "kubectl create -f custom-namespace.yml", "namespace/custom-namespace created\n")
    ok(shell, "kubectl create namespace custom-namespace2",
       "namespace/custom-namespace2 created\n")
    r = shell.run("kubectl create namespace custom-namespace2")
    assert (r.out, r.err, r.code) == (
        "", 'Error from server (AlreadyExists): namespaces "custom-namespace2" already '
            "exists\n", 1)
    ok(shell, "kubectl get ns",
       "NAME                STATUS   AGE\n"
       "custom-namespace    Active   0s\n"
       "custom-namespace2   Active   0s\n"
       "default             Active   0s\n"
       "kube-node-lease     Active   0s\n"
       "kube-public         Active   0s\n"
       "kube-system         Active   0s\n")

    ok(shell, "kubectl label node minikube gpu=true", "node/minikube labeled\n")
    ok(shell, "kubectl create -f kubia-gpu.yml -n custom-namespace", "pod/kubia-gpu created\n")
    ok(shell, "kubectl create -f kubia-gpu.yml", "pod/kubia-gpu created\n")
    ok(shell, "kubectl get pods -n custom-namespace",
       "NAME        READY   STATUS    RESTARTS   AGE\n"
       "kubia-gpu   1/1     Running   0          0s\n")
    ok(shell, "kubectl get pods --all-namespaces -o wide",
       "NAMESPACE          NAME                       READY   STATUS    RESTARTS   AGE   "
       "IP           NODE       NOMINATED NODE   READINESS GATES\n"
       "custom-namespace   kubia-gpu                  1/1     Running   0          0s    "
       "10.244.0.5   minikube   <none>           <none>\n"
       "default            kubia-gpu                  1/1     Running   0          0s    "
       "10.244.0.6   minikube   <none>           <none>\n"
       f"kube-system        {coredns}   1/1     Running   0          0s    "
       "10.244.0.4   minikube   <none>           <none>\n")
    r = shell.run("kubectl get pods -n custom-namespace2")
    assert (r.out, r.err, r.code) == ("", "No resources found in custom-namespace2 "
                                          "namespace.\n", 0)


def test_namespace_of_the_file_wins_unless_n_disagrees(shell: Shell) -> None:
    shell.write("in-ns.yml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kubia-ns\n"
                             "  namespace: custom-namespace\nspec:\n  containers:\n"
                             "  - image: taodaling/kubia\n    name: kubia\n")
    ok(shell, "kubectl create namespace custom-namespace", "namespace/custom-namespace created\n")
    r = shell.run("kubectl create -f in-ns.yml -n default")
    assert (r.out, r.err, r.code) == (
        "", 'error: the namespace from the provided object "custom-namespace" does not match '
            'the namespace "default". You must pass \'--namespace=custom-namespace\' to '
            "perform this operation.\n", 1)
    ok(shell, "kubectl create -f in-ns.yml", "pod/kubia-ns created\n")
    ok(shell, "kubectl get po -n custom-namespace -o name", "pod/kubia-ns\n")
