"""Pod volumes on real Podman: the book's fortune pod sharing an emptyDir, a Memory emptyDir
that is a tmpfs inside the container, hostPath under the node's rootfs seen by a later pod,
the ServiceAccount token, FailedMount for a missing Directory, the book's gitRepo pod (cloned
from a local repository), and cleanup (pod deletion and `remove_all`) leaving no volume
behind.

One in-process cluster (API server, controllers, kubelet) per module on a `PodmanRuntime`
with a cluster id and a /24 of this run's own in 10.241.0.0/16 (Podman refuses overlapping
subnets, so this never collides with a tutor cluster or another test module), in a temporary
state dir with its own Podman service. Everything created carries the cluster's labels and is
removed by `remove_all` and, as a last resort, by label through the CLI.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from harness import Shell
from podman_cleanup import cleanup_by_label

from kubia_tutor.daemon.cluster import Cluster
from kubia_tutor.runtime.podman.backend import PodmanRuntime
from kubia_tutor.runtime.podman.service import PodmanService
from kubia_tutor.runtime.volumes import VolumeError

pytestmark = pytest.mark.podman

RUN = uuid.uuid4().hex[:8]
CLUSTER = f"vol-{RUN}"
SUBNET = f"10.241.{int(RUN[:2], 16)}.0/24"

FORTUNE = """\
apiVersion: v1
kind: Pod
metadata:
  name: fortune
spec:
  containers:
  - image: luksa/fortune
    name: html-generator
    volumeMounts:
    - name: html
      mountPath: /var/htdocs
  - image: nginx:alpine
    name: web-server
    volumeMounts:
    - name: html
      mountPath: /usr/share/nginx/html
      readOnly: true
    ports:
    - containerPort: 80
      protocol: TCP
  volumes:
  - name: html
    emptyDir: {}
"""

SLEEPER = """\
apiVersion: v1
kind: Pod
metadata:
  name: {name}
spec:
  containers:
  - name: main
    image: busybox
    command: ["sh", "-c", "{script}"]
    volumeMounts:
    - name: v
      mountPath: {mount}
  volumes:
  - name: v
{volume}"""


def mounts_below(path: Path) -> list[str]:
    real = os.path.realpath(path)
    return [line.split()[1] for line in Path("/proc/self/mounts").read_text().splitlines()
            if line.split()[1].startswith(real + "/")]


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("vol")


@pytest.fixture(scope="module")
def runtime(state: Path) -> Iterator[PodmanRuntime]:
    service = PodmanService(state)
    rt = PodmanRuntime(str(state), cluster_id=CLUSTER, subnet=SUBNET, service=service)
    try:
        yield rt
    finally:
        try:
            rt.remove_all()
        finally:
            cleanup_by_label(state, CLUSTER)
            for point in mounts_below(state):  # if remove_all failed: no tmpfs left behind
                subprocess.run(["umount", "-l", point], check=False)
            service.close()


@pytest.fixture(scope="module")
def cluster(state: Path, runtime: PodmanRuntime) -> Iterator[Cluster]:
    c = Cluster(str(state), runtime)
    c.start()
    try:
        yield c
    finally:
        stop(c)


def stop(c: Cluster) -> None:
    """Stop the cluster's loops (once); the runtime was given a service, which it leaves to
    the `runtime` fixture."""
    if not c._stop.is_set():
        c.stop()


@pytest.fixture
def sh(cluster: Cluster, tmp_path: Path) -> Shell:
    return Shell(cluster, tmp_path)


def run(sh: Shell, line: str) -> str:
    r = sh.run(line, settle=False)
    return r.out + r.err


def wait_running(sh: Shell, name: str, limit: float = 90.0) -> dict[str, Any]:
    deadline = time.monotonic() + limit
    pod: dict[str, Any] = {}
    while time.monotonic() < deadline:
        pod = json.loads(run(sh, f"kubectl get pod {name} -o json"))
        statuses = pod.get("status", {}).get("containerStatuses") or []
        if statuses and all("running" in (s.get("state") or {}) for s in statuses):
            return pod
        time.sleep(0.5)
    raise AssertionError(f"pod {name} is not running: {json.dumps(pod.get('status'))}")


def delete(sh: Shell, name: str, cluster: Cluster, limit: float = 60.0) -> None:
    assert run(sh, f"kubectl delete pod {name} --wait=false") == f'pod "{name}" deleted\n'
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if "NotFound" in run(sh, f"kubectl get pod {name}"):
            return
        time.sleep(0.3)
    raise AssertionError(f"pod {name} was not deleted")


def sleeper(sh: Shell, name: str, mount: str, volume: str, script: str = "sleep 3600"
            ) -> str:
    manifest = SLEEPER.format(name=name, mount=mount, volume=volume, script=script)
    sh.write(f"{name}.yaml", manifest)
    out = run(sh, f"kubectl create -f {name}.yaml")
    assert out == f"pod/{name} created\n"
    return str(wait_running(sh, name)["metadata"]["uid"])


def test_fortune_pod_serves_what_its_generator_writes(
        sh: Shell, state: Path, cluster: Cluster) -> None:
    sh.write("fortune-pod.yaml", FORTUNE)
    assert run(sh, "kubectl create -f fortune-pod.yaml") == "pod/fortune created\n"
    pod = wait_running(sh, "fortune")
    uid, ip = pod["metadata"]["uid"], pod["status"]["podIP"]
    html = state / "node/pods" / uid / "volumes/kubernetes.io~empty-dir/html"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (html / "index.html").exists():
        time.sleep(0.2)
    body = ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{ip}:80/index.html", timeout=5) as answer:
                body = answer.read().decode()
                break
        except OSError:
            time.sleep(0.3)
    assert body.strip(), "the web server served no fortune"
    print(f"fortune from {ip}: {body.strip()!r}")
    on_disk = (html / "index.html").read_text()
    assert body == on_disk or body.strip() in on_disk or on_disk.strip() in body
    # the generator's file, seen through the web server's mount
    assert run(sh, "kubectl exec fortune -c web-server -- cat /usr/share/nginx/html/index.html"
               ) in (on_disk, (html / "index.html").read_text())
    # readOnly in one container, writable in the other
    out = run(sh, "kubectl exec fortune -c web-server -- touch /usr/share/nginx/html/x")
    assert "Read-only file system" in out
    assert run(sh, "kubectl exec fortune -c html-generator -- touch /var/htdocs/x") == ""
    assert (html / "x").exists()
    # the ServiceAccount token admission adds to every pod
    token = "/var/run/secrets/kubernetes.io/serviceaccount"
    assert run(sh, f"kubectl exec fortune -c web-server -- cat {token}/namespace") == "default"
    assert run(sh, f"kubectl exec fortune -c web-server -- ls {token}") == \
        "ca.crt\nnamespace\ntoken\n"
    delete(sh, "fortune", cluster)
    assert not (state / "node/pods" / uid).exists()


def test_memory_empty_dir_is_a_tmpfs_in_the_container(
        sh: Shell, state: Path, cluster: Cluster) -> None:
    uid = sleeper(sh, "tmpfs", "/cache",
                  "    emptyDir:\n      medium: Memory\n      sizeLimit: 16Mi\n")
    mounts = run(sh, "kubectl exec tmpfs -- mount")
    [line] = [m for m in mounts.splitlines() if " /cache " in m]
    assert line.startswith("tmpfs on /cache type tmpfs"), line
    print(f"in the container: {line}")
    df = run(sh, "kubectl exec tmpfs -- df -k /cache").splitlines()[-1].split()
    assert df[0] == "tmpfs" and df[1] == "16384", df
    host_dir = state / "node/pods" / uid / "volumes/kubernetes.io~empty-dir/v"
    assert os.path.ismount(host_dir)
    # what the container writes lives in the shared tmpfs on the node
    assert run(sh, "kubectl exec tmpfs -- sh -c 'echo in-memory > /cache/f'") == ""
    assert (host_dir / "f").read_text() == "in-memory\n"
    delete(sh, "tmpfs", cluster)
    # the pod's own mounts are gone (kube-system's coredns pod keeps its token's tmpfs)
    assert mounts_below(state / "node/pods" / uid) == []
    assert not [m for m in mounts_below(state / "node/pods") if "empty-dir" in m]
    assert not (state / "node/pods" / uid).exists()


def test_host_path_data_outlives_its_pod_and_stays_in_the_nodes_rootfs(
        sh: Shell, state: Path, cluster: Cluster) -> None:
    volume = "    hostPath:\n      path: /var/kubia-data\n      type: DirectoryOrCreate\n"
    sleeper(sh, "writer", "/data", volume, script="echo from-writer > /data/hello; sleep 3600")
    landed = state / "node/rootfs/var/kubia-data/hello"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not landed.exists():
        time.sleep(0.2)
    assert landed.read_text() == "from-writer\n"
    assert not Path("/var/kubia-data").exists()  # never the real host's path
    delete(sh, "writer", cluster)
    assert landed.exists()
    sleeper(sh, "reader", "/data", volume.replace("DirectoryOrCreate", "Directory"))
    assert run(sh, "kubectl exec reader -- cat /data/hello") == "from-writer\n"
    delete(sh, "reader", cluster)


def test_a_missing_host_path_directory_fails_the_mount(runtime: PodmanRuntime) -> None:
    uid = str(uuid.uuid4())
    pod = {"metadata": {"name": "nodir", "namespace": "default", "uid": uid},
           "spec": {"containers": [{"name": "main", "image": "busybox"}],
                    "volumes": [{"name": "data", "hostPath": {"path": "/no/such/dir",
                                                              "type": "Directory"}}]}}
    with pytest.raises(VolumeError) as info:
        runtime.ensure_sandbox(pod)
    assert str(info.value) == ('MountVolume.SetUp failed for volume "data" : hostPath type '
                               "check failed: /no/such/dir is not a directory")
    assert info.value.reason == "FailedMount"
    assert [p for p in runtime.managed_pods() if p.uid == uid] == []  # no sandbox made


def test_volumes_of_a_pod_without_a_sandbox_are_orphans_to_sweep(
        state: Path, runtime: PodmanRuntime) -> None:
    uid = str(uuid.uuid4())
    pod = {"metadata": {"name": "gone", "namespace": "default", "uid": uid},
           "spec": {"volumes": [{"name": "v", "emptyDir": {}}]}}
    runtime.volumes.setup(pod)  # as if the pod was deleted while the daemon was down
    assert uid in runtime.sandbox_uids()
    runtime.remove_sandbox({"metadata": {"uid": uid}})
    assert uid not in runtime.sandbox_uids()
    assert not (state / "node/pods" / uid).exists()


GITREPO = """\
apiVersion: v1
kind: Pod
metadata:
  name: gitrepo-volume-pod
spec:
  containers:
  - image: nginx:alpine
    name: web-server
    volumeMounts:
    - name: html
      mountPath: /usr/share/nginx/html
      readOnly: true
    ports:
    - containerPort: 80
      protocol: TCP
  volumes:
  - name: html
    gitRepo:
      repository: {repository}
      revision: master
      directory: .
"""


def test_git_repo_volume_serves_the_cloned_website(
        sh: Shell, state: Path, cluster: Cluster, tmp_path: Path) -> None:
    """The book's gitrepo-volume-pod, with a local repository in place of GitHub's."""
    website = tmp_path / "kubia-website-example"
    website.mkdir()
    page = "<html><body>Hello there, from a gitRepo volume.</body></html>\n"
    (website / "index.html").write_text(page)
    for args in (["init", "-q"], ["add", "index.html"], ["commit", "-q", "-m", "website"]):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com",
                        "-c", "init.defaultBranch=master", *args], cwd=website, check=True)
    sh.write("gitrepo-volume-pod.yaml", GITREPO.format(repository=f"file://{website}"))
    assert run(sh, "kubectl create -f gitrepo-volume-pod.yaml") == \
        "pod/gitrepo-volume-pod created\n"
    uid = str(wait_running(sh, "gitrepo-volume-pod")["metadata"]["uid"])
    html = state / "node/pods" / uid / "volumes/kubernetes.io~git-repo/html"
    assert (html / "index.html").read_text() == page
    assert run(sh, "kubectl exec gitrepo-volume-pod -- cat /usr/share/nginx/html/index.html"
               ) == page
    deadline = time.monotonic() + 30
    served = ""
    while time.monotonic() < deadline and served != page:
        served = run(sh, "kubectl exec gitrepo-volume-pod -- wget -qO- http://localhost/")
        time.sleep(0.3)
    assert served == page
    delete(sh, "gitrepo-volume-pod", cluster)
    assert not (state / "node/pods" / uid).exists()


def test_remove_all_leaves_no_volume_behind(
        sh: Shell, state: Path, runtime: PodmanRuntime, cluster: Cluster) -> None:
    sleeper(sh, "left-a", "/cache", "    emptyDir:\n      medium: Memory\n")
    sleeper(sh, "left-b", "/cache", "    emptyDir: {}\n")
    system = [p["metadata"]["uid"] for p in json.loads(
        run(sh, "kubectl get pods -n kube-system -o json"))["items"]]
    assert len(system) == 1  # kube-system's coredns pod, with its token volume
    stop(cluster)  # as `reset` does: the kubelet must not make the pods again meanwhile
    assert len(list((state / "node/pods").iterdir())) == 3
    # the Memory emptyDir, and each pod's token Secret volume (a tmpfs, as in Kubernetes)
    assert len([m for m in mounts_below(state / "node/pods") if "empty-dir" in m]) == 1
    done = runtime.remove_all()
    assert done.problems == [] and done.volumes_removed == 3
    assert list((state / "node/pods").iterdir()) == []
    assert mounts_below(state) == []
    assert runtime.managed_pods() == []
