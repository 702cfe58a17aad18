"""Chapters 3.3-3.5: organising pods with labels, listing them through label selectors, and
labelling the node so that a nodeSelector (kubia-gpu) can be met."""

from __future__ import annotations

from typing import TYPE_CHECKING

from book import ok, pod, split_events, token_volume, write_manifests

if TYPE_CHECKING:
    from conftest import Shell

NONE_HERE = "No resources found in default namespace.\n"


def three_pods(shell: Shell) -> None:
    """The pods the chapter has by now: kubectl run's `kubia` and the two manual ones."""
    write_manifests(shell)
    ok(shell, "kubectl create -f kubia-run.yml", "pod/kubia created\n")
    ok(shell, "kubectl create -f kubia-manual.yml", "pod/kubia-manual created\n")
    ok(shell, "kubectl create -f kubia-manual-with-labels.yml", "pod/kubia-manual-v2 created\n")


def test_show_and_change_labels(shell: Shell) -> None:
    three_pods(shell)
    ok(shell, "kubectl get pods --show-labels",
       "NAME              READY   STATUS    RESTARTS   AGE   LABELS\n"
       "kubia             1/1     Running   0          0s    run=kubia\n"
       "kubia-manual      1/1     Running   0          0s    <none>\n"
       "kubia-manual-v2   1/1     Running   0          0s    creation_method=manual,env=prod\n")
    # A missing label is an empty cell; the padding of the cells before it stays (tabwriter).
    ok(shell, "kubectl get pods -L creation_method,env",
       "NAME              READY   STATUS    RESTARTS   AGE   CREATION_METHOD   ENV\n"
       "kubia             1/1     Running   0          0s                      \n"
       "kubia-manual      1/1     Running   0          0s                      \n"
       "kubia-manual-v2   1/1     Running   0          0s    manual            prod\n")
    ok(shell, "kubectl label pods kubia-manual creation_method=manual",
       "pod/kubia-manual labeled\n")
    r = shell.run("kubectl label pods kubia-manual creation_method=manual-v2")
    assert (r.out, r.err, r.code) == (
        "", "error: 'creation_method' already has a value (manual), and --overwrite is false\n",
        1)
    ok(shell, "kubectl label pods kubia-manual creation_method=manual-v2 --overwrite",
       "pod/kubia-manual labeled\n")
    ok(shell, "kubectl get pods -L creation_method,env",
       "NAME              READY   STATUS    RESTARTS   AGE   CREATION_METHOD   ENV\n"
       "kubia             1/1     Running   0          0s                      \n"
       "kubia-manual      1/1     Running   0          0s    manual-v2         \n"
       "kubia-manual-v2   1/1     Running   0          0s    manual            prod\n")


def test_label_selectors(shell: Shell) -> None:
    three_pods(shell)
    ok(shell, "kubectl label pods kubia-manual creation_method=manual",
       "pod/kubia-manual labeled\n")
    ok(shell, "kubectl label pods kubia-manual-v2 env=debug --overwrite",
       "pod/kubia-manual-v2 labeled\n")
    header = "NAME              READY   STATUS    RESTARTS   AGE\n"
    row = {name: f"{name:<18}1/1     Running   0          0s\n"
           for name in ("kubia", "kubia-manual", "kubia-manual-v2")}
    ok(shell, "kubectl get po -l creation_method=manual",
       header + row["kubia-manual"] + row["kubia-manual-v2"])
    # Fewer rows, narrower NAME column.
    ok(shell, "kubectl get po -l creation_method!=manual",
       "NAME    READY   STATUS    RESTARTS   AGE\n"
       "kubia   1/1     Running   0          0s\n")
    ok(shell, "kubectl get po -l env",
       header + row["kubia-manual-v2"])
    ok(shell, "kubectl get po -l '!env'",
       "NAME           READY   STATUS    RESTARTS   AGE\n"
       "kubia          1/1     Running   0          0s\n"
       "kubia-manual   1/1     Running   0          0s\n")
    ok(shell, "kubectl get po -l 'env in (prod,devel,debug)' --show-labels",
       "NAME              READY   STATUS    RESTARTS   AGE   LABELS\n"
       "kubia-manual-v2   1/1     Running   0          0s    creation_method=manual,env=debug\n")
    r = shell.run("kubectl get po -l 'env in (prod,devel)'")
    assert (r.out, r.err, r.code) == ("", NONE_HERE, 0)
    r = shell.run("kubectl get po -l app=pc,rel=beta")
    assert (r.out, r.err, r.code) == ("", NONE_HERE, 0)


def test_node_labels_and_node_selector(shell: Shell) -> None:
    write_manifests(shell)
    ok(shell, "kubectl label node minikube gpu=true", "node/minikube labeled\n")
    ok(shell, "kubectl get nodes -L gpu",
       "NAME       STATUS   ROLES                  AGE   VERSION   GPU\n"
       "minikube   Ready    control-plane,master   0s    v1.20.2   true\n")
    ok(shell, "kubectl get nodes -l gpu=true",
       "NAME       STATUS   ROLES                  AGE   VERSION\n"
       "minikube   Ready    control-plane,master   0s    v1.20.2\n")
    ok(shell, "kubectl create -f kubia-gpu.yml", "pod/kubia-gpu created\n")
    ok(shell, "kubectl get po kubia-gpu -o wide",
       "NAME        READY   STATUS    RESTARTS   AGE   IP           NODE       NOMINATED NODE   "
       "READINESS GATES\n"
       "kubia-gpu   1/1     Running   0          0s    10.244.0.5   minikube   <none>           "
       "<none>\n")


def test_node_selector_waits_for_the_label(shell: Shell) -> None:
    """Not in the notes, but what a learner meets when the node is labelled second."""
    write_manifests(shell)
    ok(shell, "kubectl create -f kubia-gpu.yml", "pod/kubia-gpu created\n")
    ok(shell, "kubectl get po kubia-gpu",
       "NAME        READY   STATUS    RESTARTS   AGE\n"
       "kubia-gpu   0/1     Pending   0          0s\n")
    token = token_volume(pod(shell, "kubia-gpu"))
    # One attempt, one FailedScheduling: the scheduler's own status write and node
    # heartbeats do not make it try again.
    ok(shell, "kubectl describe po kubia-gpu",
       "Name:         kubia-gpu\n"
       "Namespace:    default\n"
       "Priority:     0\n"
       "Node:         <none>\n"
       "Labels:       <none>\n"
       "Annotations:  <none>\n"
       "Status:       Pending\n"
       "IP:           \n"
       "IPs:          <none>\n"
       "Containers:\n"
       "  kubia:\n"
       "    Image:        taodaling/kubia\n"
       "    Port:         8080/TCP\n"
       "    Host Port:    0/TCP\n"
       "    Environment:  <none>\n"
       "    Mounts:\n"
       f"      /var/run/secrets/kubernetes.io/serviceaccount from {token} (ro)\n"
       "Conditions:\n"
       "  Type           Status\n"
       "  PodScheduled   False \n"
       "Volumes:\n"
       f"  {token}:\n"
       "    Type:        Secret (a volume populated by a Secret)\n"
       f"    SecretName:  {token}\n"
       "    Optional:    false\n"
       "QoS Class:       BestEffort\n"
       "Node-Selectors:  gpu=true\n"
       "Tolerations:     node.kubernetes.io/not-ready:NoExecute op=Exists for 300s\n"
       "                 node.kubernetes.io/unreachable:NoExecute op=Exists for 300s\n"
       "Events:\n"
       "  Type     Reason            Age   From               Message\n"
       "  ----     ------            ----  ----               -------\n"
       "  Warning  FailedScheduling  0s    default-scheduler  0/1 nodes are available: 1 "
       "node(s) didn't match node selector.\n")
    ok(shell, "kubectl label node minikube gpu=true", "node/minikube labeled\n")
    ok(shell, "kubectl get po kubia-gpu",
       "NAME        READY   STATUS    RESTARTS   AGE\n"
       "kubia-gpu   1/1     Running   0          0s\n")
    r = shell.run("kubectl describe po kubia-gpu")
    head, events = split_events(r.out)
    assert head.endswith(
        "Events:\n"
        "  Type     Reason            Age   From               Message\n"
        "  ----     ------            ----  ----               -------\n")
    assert events == sorted([
        "  Warning  FailedScheduling  0s    default-scheduler  0/1 nodes are available: 1 "
        "node(s) didn't match node selector.",
        "  Normal   Scheduled         0s    default-scheduler  Successfully assigned "
        "default/kubia-gpu to minikube",
        '  Normal   Pulling           0s    kubelet            Pulling image "taodaling/kubia"',
        '  Normal   Pulled            0s    kubelet            Successfully pulled image '
        '"taodaling/kubia" in 0s',
        "  Normal   Created           0s    kubelet            Created container kubia",
        "  Normal   Started           0s    kubelet            Started container kubia",
    ])
