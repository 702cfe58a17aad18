"""Init containers on the fake runtime: one at a time, in order, before the app containers;
failures retried or final as restartPolicy says; what `kubectl get` prints meanwhile."""

from __future__ import annotations

from harness import Shell

from kubia_tutor.api.kinds import resolve
from kubia_tutor.clock import FakeClock
from kubia_tutor.daemon.cluster import Cluster
from kubia_tutor.runtime.fake import FakeRuntime

PODS = resolve("pods")


def make(cluster: Cluster, name: str, policy: str = "Always", inits: int = 2) -> None:
    cluster.api.create(PODS, "default", {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
        "spec": {"restartPolicy": policy,
                 "initContainers": [{"name": f"init-{i}", "image": "busybox",
                                     "command": ["sh", "-c", "sleep 1"]}
                                    for i in range(inits)],
                 "containers": [{"name": "main", "image": "luksa/kubia"}]}})
    cluster.settle()


def fake(cluster: Cluster) -> FakeRuntime:
    assert isinstance(cluster.runtime, FakeRuntime)
    return cluster.runtime


def running(cluster: Cluster, name: str) -> list[str]:
    pod = cluster.api.get(PODS, "default", name)
    return sorted(i.name for i in fake(cluster).instances(pod) if i.state == "running")


def finish(cluster: Cluster, name: str, container: str, code: int) -> None:
    pod = cluster.api.get(PODS, "default", name)
    newest = max((i for i in fake(cluster).instances(pod) if i.name == container),
                 key=lambda i: i.attempt)
    fake(cluster).finish(newest.id, code)
    cluster.kubelet.run_once([f"default/{name}"])
    cluster.settle()


def status(cluster: Cluster, name: str) -> dict:
    return cluster.api.get(PODS, "default", name)["status"]


def test_init_containers_run_in_order_before_the_app(cluster: Cluster) -> None:
    make(cluster, "web")
    assert running(cluster, "web") == ["init-0"]
    st = status(cluster, "web")
    assert st["phase"] == "Pending"
    initialized = next(c for c in st["conditions"] if c["type"] == "Initialized")
    assert initialized["status"] == "False"
    assert initialized["reason"] == "ContainersNotInitialized"
    assert initialized["message"] == "containers with incomplete status: [init-0 init-1]"
    assert st["containerStatuses"][0]["state"] == {"waiting": {"reason": "PodInitializing"}}
    assert [s["name"] for s in st["initContainerStatuses"]] == ["init-0", "init-1"]
    finish(cluster, "web", "init-0", 0)
    assert running(cluster, "web") == ["init-1"]
    assert status(cluster, "web")["initContainerStatuses"][0]["state"]["terminated"][
        "reason"] == "Completed"
    finish(cluster, "web", "init-1", 0)
    assert running(cluster, "web") == ["main"]
    st = status(cluster, "web")
    assert st["phase"] == "Running"
    assert all(c["status"] == "True" for c in st["conditions"])
    assert all(s["ready"] for s in st["initContainerStatuses"])


def test_failed_init_container_is_retried_with_back_off(cluster: Cluster,
                                                        clock: FakeClock) -> None:
    make(cluster, "retry", inits=1)
    finish(cluster, "retry", "init-0", 1)
    st = status(cluster, "retry")["initContainerStatuses"][0]
    assert st["restartCount"] == 1 and "running" in st["state"]
    finish(cluster, "retry", "init-0", 1)
    st = status(cluster, "retry")["initContainerStatuses"][0]
    assert st["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert running(cluster, "retry") == []
    clock.advance(11)
    cluster.kubelet.run_once(["default/retry"])
    assert running(cluster, "retry") == ["init-0"]


def test_failed_init_container_with_restart_never_fails_the_pod(cluster: Cluster) -> None:
    make(cluster, "once", policy="Never", inits=1)
    finish(cluster, "once", "init-0", 2)
    st = status(cluster, "once")
    assert st["phase"] == "Failed"
    assert running(cluster, "once") == []
    assert st["initContainerStatuses"][0]["state"]["terminated"]["exitCode"] == 2


def test_get_pods_shows_init_progress(shell: Shell) -> None:
    shell.write("pod.yaml", """
apiVersion: v1
kind: Pod
metadata:
  name: with-init
spec:
  initContainers:
  - name: wait
    image: busybox
    command: ["sh", "-c", "sleep 3600"]
  containers:
  - name: main
    image: luksa/kubia
""")
    shell.run("kubectl create -f pod.yaml")
    out = shell.run("kubectl get pod with-init").out
    assert out.splitlines()[1].split()[:4] == ["with-init", "0/1", "Init:0/1", "0"]
