"""Chapter 3.2, "creating pods from YAML": `kubectl get po -o yaml`, `explain`, `create -f`,
`get`, `describe`.

Left out, for the Podman runtime: `kubectl logs kubia-manual` (the fake runtime has no
output) and `kubectl port-forward kubia-manual 8888:8080` (no such command yet).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from book import STARTED, ok, pod, split_events, token_volume, write_manifests

if TYPE_CHECKING:
    from conftest import Shell

CONDITION = """\
  - lastProbeTime: null
    lastTransitionTime: "2026-11-28T06:00:00Z"
    status: "True"
    type: {}
"""


def test_create_then_read_back_as_yaml(shell: Shell) -> None:
    write_manifests(shell)
    ok(shell, "kubectl create -f kubia-manual.yml", "pod/kubia-manual created\n")

    obj = pod(shell, "kubia-manual")
    token = token_volume(obj)
    status = obj["status"]["containerStatuses"][0]
    # What a 1.20 API server returns for the notes' manifest, as kubectl 1.20 prints it, less
    # managedFields (left out on purpose, see docs/kubectl-compatibility.md). selfLink is
    # gone because 1.20 servers no longer set it (RemoveSelfLink is on by default).
    expected = (
        "apiVersion: v1\n"
        "kind: Pod\n"
        "metadata:\n"
        '  creationTimestamp: "2026-11-28T06:00:00Z"\n'
        "  name: kubia-manual\n"
        "  namespace: default\n"
        f'  resourceVersion: "{obj["metadata"]["resourceVersion"]}"\n'
        f"  uid: {obj['metadata']['uid']}\n"
        "spec:\n"
        "  containers:\n"
        "  - image: taodaling/kubia\n"
        "    imagePullPolicy: Always\n"
        "    name: kubia\n"
        "    ports:\n"
        "    - containerPort: 8080\n"
        "      protocol: TCP\n"
        "    resources: {}\n"
        "    terminationMessagePath: /dev/termination-log\n"
        "    terminationMessagePolicy: File\n"
        "    volumeMounts:\n"
        "    - mountPath: /var/run/secrets/kubernetes.io/serviceaccount\n"
        f"      name: {token}\n"
        "      readOnly: true\n"
        "  dnsPolicy: ClusterFirst\n"
        "  enableServiceLinks: true\n"
        "  nodeName: minikube\n"
        "  preemptionPolicy: PreemptLowerPriority\n"
        "  priority: 0\n"
        "  restartPolicy: Always\n"
        "  schedulerName: default-scheduler\n"
        "  securityContext: {}\n"
        "  serviceAccount: default\n"
        "  serviceAccountName: default\n"
        "  terminationGracePeriodSeconds: 30\n"
        "  tolerations:\n"
        "  - effect: NoExecute\n"
        "    key: node.kubernetes.io/not-ready\n"
        "    operator: Exists\n"
        "    tolerationSeconds: 300\n"
        "  - effect: NoExecute\n"
        "    key: node.kubernetes.io/unreachable\n"
        "    operator: Exists\n"
        "    tolerationSeconds: 300\n"
        "  volumes:\n"
        f"  - name: {token}\n"
        "    secret:\n"
        "      defaultMode: 420\n"
        f"      secretName: {token}\n"
        "status:\n"
        "  conditions:\n"
        + "".join(CONDITION.format(t) for t in
                  ("Initialized", "Ready", "ContainersReady", "PodScheduled"))
        + "  containerStatuses:\n"
        f"  - containerID: {status['containerID']}\n"
        "    image: taodaling/kubia:latest\n"
        f"    imageID: {status['imageID']}\n"
        "    lastState: {}\n"
        "    name: kubia\n"
        "    ready: true\n"
        "    restartCount: 0\n"
        "    started: true\n"
        "    state:\n"
        "      running:\n"
        '        startedAt: "2026-11-28T06:00:00Z"\n'
        "  hostIP: 127.0.0.1\n"
        "  phase: Running\n"
        "  podIP: 10.244.0.5\n"
        "  podIPs:\n"
        "  - ip: 10.244.0.5\n"
        "  qosClass: BestEffort\n"
        '  startTime: "2026-11-28T06:00:00Z"\n'
    )
    ok(shell, "kubectl get pod kubia-manual -o yaml", expected)
    assert status["containerID"].startswith("fake://")
    assert status["imageID"].startswith("fake://taodaling/kubia@sha256:")


def test_create_twice_and_list(shell: Shell) -> None:
    write_manifests(shell)
    ok(shell, "kubectl create -f kubia-manual.yml", "pod/kubia-manual created\n")
    r = shell.run("kubectl create -f kubia-manual.yml")
    assert (r.out, r.err, r.code) == (
        "", 'Error from server (AlreadyExists): error when creating "kubia-manual.yml": '
            'pods "kubia-manual" already exists\n', 1)
    ok(shell, "kubectl get pods",
       "NAME           READY   STATUS    RESTARTS   AGE\n"
       "kubia-manual   1/1     Running   0          0s\n")
    ok(shell, "kubectl get pods -o wide",
       "NAME           READY   STATUS    RESTARTS   AGE   IP           NODE       "
       "NOMINATED NODE   READINESS GATES\n"
       "kubia-manual   1/1     Running   0          0s    10.244.0.5   minikube   "
       "<none>           <none>\n")


def test_explain(shell: Shell) -> None:
    more = "     https://git.k8s.io/community/contributors/devel/sig-architecture/" \
           "api-conventions.md#"
    ok(shell, "kubectl explain pods",
       "KIND:     Pod\n"
       "VERSION:  v1\n"
       "\n"
       "DESCRIPTION:\n"
       "     Pod is a collection of containers that can run on a host. This resource is\n"
       "     created by clients and scheduled onto hosts.\n"
       "\n"
       "FIELDS:\n"
       "   apiVersion\t<string>\n"
       "     APIVersion defines the versioned schema of this representation of an\n"
       "     object. Servers should convert recognized schemas to the latest internal\n"
       "     value, and may reject unrecognized values. More info:\n"
       f"{more}resources\n"
       "\n"
       "   kind\t<string>\n"
       "     Kind is a string value representing the REST resource this object\n"
       "     represents. Servers may infer this from the endpoint the client submits\n"
       "     requests to. Cannot be updated. In CamelCase. More info:\n"
       f"{more}types-kinds\n"
       "\n"
       "   metadata\t<Object>\n"
       "     Standard object's metadata. More info:\n"
       f"{more}metadata\n"
       "\n"
       "   spec\t<Object>\n"
       "     Specification of the desired behavior of the pod. More info:\n"
       f"{more}spec-and-status\n"
       "\n"
       "   status\t<Object>\n"
       "     Most recently observed status of the pod. This data may not be up to date.\n"
       "     Populated by the system. Read-only. More info:\n"
       f"{more}spec-and-status\n"
       "\n")
    # The field list follows the v1.25 schemas (hostUsers, os, ...: a documented difference);
    # the layout and the first field are 1.20's.
    r = shell.run("kubectl explain pods.spec")
    assert (r.err, r.code) == ("", 0)
    assert r.out.startswith(
        "KIND:     Pod\n"
        "VERSION:  v1\n"
        "\n"
        "RESOURCE: spec <Object>\n"
        "\n"
        "DESCRIPTION:\n"
        "     Specification of the desired behavior of the pod. More info:\n"
        f"{more}spec-and-status\n"
        "\n"
        "     PodSpec is a description of a pod.\n"
        "\n"
        "FIELDS:\n"
        "   activeDeadlineSeconds\t<integer>\n"
        "     Optional duration in seconds the pod may be active on the node relative to\n"
        "     StartTime before the system will actively try to mark it failed and kill\n"
        "     associated containers. Value must be a positive integer.\n"
        "\n")
    assert "   containers\t<[]Object> -required-\n" in r.out


def describe_kubia_manual(shell: Shell) -> str:
    obj = pod(shell, "kubia-manual")
    token = token_volume(obj)
    status = obj["status"]["containerStatuses"][0]
    return (
        "Name:         kubia-manual\n"
        "Namespace:    default\n"
        "Priority:     0\n"
        "Node:         minikube/127.0.0.1\n"
        f"Start Time:   {STARTED}\n"
        "Labels:       <none>\n"
        "Annotations:  <none>\n"
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
        "Node-Selectors:  <none>\n"
        "Tolerations:     node.kubernetes.io/not-ready:NoExecute op=Exists for 300s\n"
        "                 node.kubernetes.io/unreachable:NoExecute op=Exists for 300s\n"
        "Events:\n"
        "  Type    Reason     Age   From               Message\n"
        "  ----    ------     ----  ----               -------\n"
        "  Normal  Scheduled  0s    default-scheduler  Successfully assigned "
        "default/kubia-manual to minikube\n"
        '  Normal  Pulling    0s    kubelet            Pulling image "taodaling/kubia"\n'
        '  Normal  Pulled     0s    kubelet            Successfully pulled image '
        '"taodaling/kubia" in 0s\n'
        "  Normal  Created    0s    kubelet            Created container kubia\n"
        "  Normal  Started    0s    kubelet            Started container kubia\n"
    )


def test_describe(shell: Shell) -> None:
    write_manifests(shell)
    ok(shell, "kubectl create -f kubia-manual.yml", "pod/kubia-manual created\n")
    r = shell.run("kubectl describe pod kubia-manual")
    assert (r.err, r.code) == ("", 0)
    assert split_events(r.out) == split_events(describe_kubia_manual(shell))


def test_describe_lists_events_oldest_first(shell: Shell) -> None:
    write_manifests(shell)
    ok(shell, "kubectl create -f kubia-manual.yml", "pod/kubia-manual created\n")
    ok(shell, "kubectl describe pod kubia-manual", describe_kubia_manual(shell))
