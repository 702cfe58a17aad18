"""Chapter 3.6: annotating a pod, and reading the annotation back with `get -o yaml` and
`describe`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from book import STARTED, ok, pod, split_events, token_volume, write_manifests

if TYPE_CHECKING:
    from conftest import Shell


def test_annotate_and_read_back(shell: Shell) -> None:
    write_manifests(shell)
    ok(shell, "kubectl label node minikube gpu=true", "node/minikube labeled\n")
    ok(shell, "kubectl create -f kubia-gpu.yml", "pod/kubia-gpu created\n")
    ok(shell, 'kubectl annotate pod kubia-gpu mycompany.com/someannotation="foo bar"',
       "pod/kubia-gpu annotated\n")

    obj = pod(shell, "kubia-gpu")
    r = shell.run("kubectl get pod kubia-gpu -o yaml")
    assert (r.err, r.code) == ("", 0)
    # The part the notes show; the rest is test_pods' pod plus `nodeSelector`.
    assert r.out.startswith(
        "apiVersion: v1\n"
        "kind: Pod\n"
        "metadata:\n"
        "  annotations:\n"
        "    mycompany.com/someannotation: foo bar\n"
        '  creationTimestamp: "2026-11-28T06:00:00Z"\n'
        "  name: kubia-gpu\n"
        "  namespace: default\n"
        f'  resourceVersion: "{obj["metadata"]["resourceVersion"]}"\n'
        f"  uid: {obj['metadata']['uid']}\n"
        "spec:\n")
    assert "  nodeName: minikube\n  nodeSelector:\n    gpu: \"true\"\n  preemptionPolicy:" \
        in r.out

    token = token_volume(obj)
    status = obj["status"]["containerStatuses"][0]
    expected = (
        "Name:         kubia-gpu\n"
        "Namespace:    default\n"
        "Priority:     0\n"
        "Node:         minikube/127.0.0.1\n"
        f"Start Time:   {STARTED}\n"
        "Labels:       <none>\n"
        "Annotations:  mycompany.com/someannotation: foo bar\n"
        "Status:       Running\n"
        "IP:           10.244.0.5\n"
        "IPs:\n"
        "  IP:  10.244.0.5\n"
        "Containers:\n"
        "  kubia:\n"
        f"    Container ID:   {status['containerID']}\n"
        "    Image:          taodaling/kubia\n"
        f"    Image ID:       {status['imageID']}\n"
        "    Port:           8080/TCP\n"
        "    Host Port:      0/TCP\n"
        "    State:          Running\n"
        f"      Started:      {STARTED}\n"
        "    Ready:          True\n"
        "    Restart Count:  0\n"
        "    Environment:    <none>\n"
        "    Mounts:\n"
        f"      /var/run/secrets/kubernetes.io/serviceaccount from {token} (ro)\n"
        "Conditions:\n"
        "  Type              Status\n"
        "  Initialized       True \n"
        "  Ready             True \n"
        "  ContainersReady   True \n"
        "  PodScheduled      True \n"
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
        "  Type    Reason     Age   From               Message\n"
        "  ----    ------     ----  ----               -------\n"
        "  Normal  Scheduled  0s    default-scheduler  Successfully assigned "
        "default/kubia-gpu to minikube\n"
        '  Normal  Pulling    0s    kubelet            Pulling image "taodaling/kubia"\n'
        '  Normal  Pulled     0s    kubelet            Successfully pulled image '
        '"taodaling/kubia" in 0s\n'
        "  Normal  Created    0s    kubelet            Created container kubia\n"
        "  Normal  Started    0s    kubelet            Started container kubia\n"
    )
    r = shell.run("kubectl describe pod kubia-gpu")
    assert (r.err, r.code) == ("", 0)
    assert split_events(r.out) == split_events(expected)


def test_annotate_again_needs_overwrite(shell: Shell) -> None:
    write_manifests(shell)
    ok(shell, "kubectl create -f kubia-manual.yml", "pod/kubia-manual created\n")
    ok(shell, 'kubectl annotate pod kubia-manual mycompany.com/someannotation="foo bar"',
       "pod/kubia-manual annotated\n")
    r = shell.run("kubectl annotate pod kubia-manual mycompany.com/someannotation=baz")
    assert (r.out, r.err, r.code) == (
        "", "error: --overwrite is false but found the following declared annotation(s): "
            "'mycompany.com/someannotation' already has a value (foo bar)\n", 1)
    ok(shell, "kubectl annotate pod kubia-manual mycompany.com/someannotation=baz --overwrite",
       "pod/kubia-manual annotated\n")
    ok(shell, "kubectl get pod kubia-manual "
              "-o jsonpath='{.metadata.annotations}'",
       '{"mycompany.com/someannotation":"baz"}')
