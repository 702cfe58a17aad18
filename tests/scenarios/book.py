"""The seed's manifests (chapter 3 of "Kubernetes in Action", as the study notes write them) and
helpers the scenario tests share.

The notes' transcripts come from kubectl 1.13 on minikube; the scenarios assert what kubectl
v1.20.2 prints on our cluster instead: the fake runtime, one node `minikube` at 127.0.0.1,
pod IPs from 10.244.0.5 up (kube-system's coredns pod has 10.244.0.4), and a clock frozen at
2026-11-28T06:00:00Z, so every AGE is `0s`.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any

from kubia_tutor.api.kinds import resolve

if TYPE_CHECKING:
    from conftest import Shell

Obj = dict[str, Any]

# The notes' first manifest, comments and all (they are part of what a learner types).
KUBIA_MANUAL = """\
apiVersion: v1 #描述符满足V1版本的Kubernetes API
kind: Pod #配置文件用于描述一个Pod
metadata:
  name: kubia-manual #这个Pod的名字
spec:
  containers:
  - image: taodaling/kubia #用来创建容器的镜像
    name: kubia #容器的名字
    ports:
    - containerPort: 8080 #应用监听的端口
      protocol: TCP #端口协议
"""

KUBIA_MANUAL_WITH_LABELS = """\
apiVersion: v1
kind: Pod
metadata:
  name: kubia-manual-v2
  labels:
    creation_method: manual
    env: prod
spec:
  containers:
  - image: taodaling/kubia
    name: kubia
    ports:
    - containerPort: 8080
      protocol: TCP
"""

KUBIA_GPU = """\
apiVersion: v1
kind: Pod
metadata:
  name: kubia-gpu
spec:
  nodeSelector:
    gpu: "true"
  containers:
  - image: taodaling/kubia
    name: kubia
    ports:
    - containerPort: 8080
      protocol: TCP
"""

CUSTOM_NAMESPACE = """\
apiVersion: v1
kind: Namespace
metadata:
  name: custom-namespace
"""

# The notes start chapter 3 with the pod of `kubectl run kubia --image=taodaling/kubia
# --port=8080 --generator=run/v1`. kubectl 1.20 ignores --generator and creates just this pod
# (`pod/kubia created`); the shell has no `run` yet, so the scenarios create the same object.
KUBIA_RUN = """\
apiVersion: v1
kind: Pod
metadata:
  labels:
    run: kubia
  name: kubia
spec:
  containers:
  - image: taodaling/kubia
    name: kubia
    ports:
    - containerPort: 8080
  dnsPolicy: ClusterFirst
  restartPolicy: Always
"""

# What `kubectl expose rc kubia --type=LoadBalancer --name kubia-http` (chapter 2) creates.
KUBIA_HTTP = """\
apiVersion: v1
kind: Service
metadata:
  labels:
    run: kubia
  name: kubia-http
spec:
  ports:
  - port: 8080
    protocol: TCP
    targetPort: 8080
  selector:
    run: kubia
  type: LoadBalancer
"""

FILES = {
    "kubia-manual.yml": KUBIA_MANUAL,
    "kubia-manual-with-labels.yml": KUBIA_MANUAL_WITH_LABELS,
    "kubia-gpu.yml": KUBIA_GPU,
    "custom-namespace.yml": CUSTOM_NAMESPACE,
    "kubia-run.yml": KUBIA_RUN,
    "kubia-http.yml": KUBIA_HTTP,
}

STARTED = "Sat, 28 Nov 2026 06:00:00 +0000"  # describe's RFC1123Z form of the frozen clock


def write_manifests(shell: Shell) -> None:
    """Put every manifest of the chapter into the shell's working directory."""
    for name, text in FILES.items():
        shell.write(name, text)


def ok(shell: Shell, line: str, out: str) -> None:
    """Run one line that must succeed, printing exactly `out` and nothing on stderr."""
    result = shell.run(line)
    got = (result.out, result.err, result.code)
    assert got == (out, "", 0), f"$ {line}\n" + diff(out, result.out) + \
        f"stderr: {result.err!r}, exit {result.code}"


def diff(expected: str, got: str) -> str:
    """A unified diff (this module is not a test module, so pytest does not explain asserts)."""
    return "".join(difflib.unified_diff(expected.splitlines(keepends=True),
                                        got.splitlines(keepends=True), "expected", "got"))


def pod(shell: Shell, name: str, namespace: str = "default") -> Obj:
    """A pod as the API server holds it, for the values the server makes up (uid, ...)."""
    obj: Obj = shell.cluster.api.get(resolve("pods"), namespace, name)
    return obj


def token_volume(obj: Obj) -> str:
    """The name of the service-account token volume admission added (`default-token-xxxxx`)."""
    volumes = obj["spec"]["volumes"]
    assert len(volumes) == 1
    name: str = volumes[0]["name"]
    assert name.startswith("default-token-")
    return name


def split_events(text: str) -> tuple[str, list[str]]:
    """Describe output cut before its event rows, and those rows sorted.

    The API server lists events by name, and kubectl keeps that order among events with the
    same lastTimestamp; with the frozen clock every event ties, and our event names are not
    yet chronological (see test_pods.test_describe_lists_events_oldest_first). So the rows are
    compared as a set, everything else exactly.
    """
    head, sep, rest = text.partition("\nEvents:\n")
    assert sep, "no events table"
    lines = rest.splitlines(keepends=True)
    return head + sep + "".join(lines[:2]), sorted(line.rstrip("\n") for line in lines[2:])
