"""The volume manager: where volumes live on the node, hostPath types and escapes, subPath,
the ServiceAccount token, cleanup; and the fake runtime recording the mounts it was given."""

from __future__ import annotations

import os
import socket
import stat
import uuid
from pathlib import Path
from typing import Any

import pytest

from kubia_tutor.api.kinds import resolve
from kubia_tutor.daemon.cluster import Cluster
from kubia_tutor.runtime.fake import FakeRuntime
from kubia_tutor.runtime.volumes import Mount, VolumeError, VolumeManager

Obj = dict[str, Any]
PODS = resolve("pods")


def pod(volumes: list[Obj], *containers: Obj, uid: str = "", ns: str = "default") -> Obj:
    return {"metadata": {"name": "p", "namespace": ns, "uid": uid or str(uuid.uuid4())},
            "spec": {"volumes": volumes, "containers": list(containers)}}


def ctr(name: str, *mounts: Obj) -> Obj:
    return {"name": name, "image": "busybox", "volumeMounts": list(mounts)}


@pytest.fixture
def vm(tmp_path: Path) -> VolumeManager:
    return VolumeManager(str(tmp_path), memory_tmpfs=False)


def test_empty_dir_is_one_directory_shared_by_the_pods_containers(
        vm: VolumeManager, tmp_path: Path) -> None:
    writer = ctr("html-generator", {"name": "html", "mountPath": "/var/htdocs"})
    reader = ctr("web-server", {"name": "html", "mountPath": "/usr/share/nginx/html",
                                "readOnly": True})
    p = pod([{"name": "html", "emptyDir": {}}], writer, reader, uid="u-1")
    vm.setup(p)
    where = tmp_path / "node/pods/u-1/volumes/kubernetes.io~empty-dir/html"
    assert where.is_dir()
    assert stat.S_IMODE(where.stat().st_mode) == 0o777  # any container user may write
    assert vm.mounts(p, writer) == [Mount(str(where), "/var/htdocs", False)]
    assert vm.mounts(p, reader) == [Mount(str(where), "/usr/share/nginx/html", True)]
    (where / "index.html").write_text("kept")
    vm.setup(p)  # a container restart: the same directory, data kept
    assert (where / "index.html").read_text() == "kept"


def test_cleanup_removes_the_pods_volumes_but_not_host_path_data(
        vm: VolumeManager, tmp_path: Path) -> None:
    p = pod([{"name": "cache", "emptyDir": {}},
             {"name": "data", "hostPath": {"path": "/var/data"}}], uid="u-2")
    prepared = vm.setup(p)
    Path(prepared["data"].host_path, "f").write_text("x")
    assert vm.pod_uids() == ["u-2"]
    vm.cleanup("u-2")
    assert not (tmp_path / "node/pods/u-2").exists()
    assert (tmp_path / "node/rootfs/var/data/f").read_text() == "x"
    vm.cleanup("u-2")  # twice is fine
    with pytest.raises(VolumeError):
        vm.cleanup("../escape")


def test_cleanup_all(vm: VolumeManager, tmp_path: Path) -> None:
    for uid in ("a", "b"):
        vm.setup(pod([{"name": "x", "emptyDir": {}}], uid=uid))
    assert vm.cleanup_all() == 2
    assert list((tmp_path / "node/pods").iterdir()) == []


def test_a_symlink_in_an_empty_dir_does_not_take_cleanup_outside(
        vm: VolumeManager, tmp_path: Path) -> None:
    outside = tmp_path / "precious"
    outside.mkdir()
    (outside / "keep").write_text("x")
    p = pod([{"name": "x", "emptyDir": {}}], uid="u-3")
    where = Path(vm.setup(p)["x"].host_path)
    (where / "link").symlink_to(outside)
    vm.cleanup("u-3")
    assert (outside / "keep").exists()


def test_memory_empty_dir_without_tmpfs_is_a_directory(vm: VolumeManager) -> None:
    p = pod([{"name": "m", "emptyDir": {"medium": "Memory"}}])
    assert Path(vm.setup(p)["m"].host_path).is_dir()
    with pytest.raises(VolumeError, match="emptyDir medium HugePages"):
        vm.setup(pod([{"name": "h", "emptyDir": {"medium": "HugePages"}}]))


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")
def test_memory_empty_dir_is_a_tmpfs_of_its_size_limit(tmp_path: Path) -> None:
    manager = VolumeManager(str(tmp_path))
    p = pod([{"name": "m", "emptyDir": {"medium": "Memory", "sizeLimit": "8Mi"}}], uid="u-4")
    where = manager.setup(p)["m"].host_path
    try:
        assert os.path.ismount(where)
        fs = os.statvfs(where)
        assert fs.f_blocks * fs.f_frsize == 8 * 1024 * 1024
        mounts = Path("/proc/self/mounts").read_text()
        assert f"tmpfs {where} tmpfs" in mounts
        manager.setup(p)  # idempotent: still one mount
        assert Path("/proc/self/mounts").read_text().count(f" {where} ") == 1
    finally:
        manager.cleanup("u-4")
    assert where not in Path("/proc/self/mounts").read_text()
    assert not Path(where).exists()


def host_path(vm: VolumeManager, path: str, kind: str | None = None) -> str:
    source: Obj = {"path": path}
    if kind is not None:
        source["type"] = kind
    return vm.setup(pod([{"name": "hp", "hostPath": source}]))["hp"].host_path


def test_host_path_lives_under_the_nodes_rootfs(vm: VolumeManager, tmp_path: Path) -> None:
    rootfs = tmp_path / "node/rootfs"
    assert host_path(vm, "/var/data") == str(rootfs / "var/data")
    assert (rootfs / "var/data").is_dir()  # unset type: created, as Docker does
    assert host_path(vm, "/var/dir", "DirectoryOrCreate") == str(rootfs / "var/dir")
    assert stat.S_IMODE((rootfs / "var/dir").stat().st_mode) == 0o755
    assert host_path(vm, "/var/data", "Directory") == str(rootfs / "var/data")
    assert host_path(vm, "/var/log.txt", "FileOrCreate") == str(rootfs / "var/log.txt")
    assert (rootfs / "var/log.txt").is_file()
    assert host_path(vm, "/var/log.txt", "File") == str(rootfs / "var/log.txt")


@pytest.mark.parametrize(("path", "kind", "message"), [
    ("/data", "Directory", "hostPath type check failed: /data is not a directory"),
    ("/data.txt", "File", "hostPath type check failed: /data.txt is not a file"),
    ("/run/docker.sock", "Socket",
     "hostPath type check failed: /run/docker.sock is not a socket file"),
    ("/dev/sda", "BlockDevice", "hostPath type check failed: /dev/sda is not a block device"),
    ("/dev/null", "CharDevice",
     "hostPath type check failed: /dev/null is not a character device"),
    ("/no/parent", "FileOrCreate", "open /no/parent: no such file or directory"),
    ("/x", "Sideways", "Sideways is an invalid volume type"),
])
def test_host_path_type_checks_fail_as_the_kubelet_says(
        vm: VolumeManager, path: str, kind: str, message: str) -> None:
    with pytest.raises(VolumeError) as info:
        host_path(vm, path, kind)
    assert str(info.value) == f'MountVolume.SetUp failed for volume "hp" : {message}'
    assert info.value.reason == "FailedMount" and info.value.volume == "hp"


def test_host_path_directory_check_sees_a_file(vm: VolumeManager, tmp_path: Path) -> None:
    host_path(vm, "/etc", "DirectoryOrCreate")
    host_path(vm, "/etc/motd", "FileOrCreate")
    with pytest.raises(VolumeError, match="/etc/motd is not a directory"):
        host_path(vm, "/etc/motd", "Directory")


def test_host_path_socket_type(vm: VolumeManager, tmp_path: Path) -> None:
    (tmp_path / "node/rootfs/run").mkdir(parents=True)
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(tmp_path / "node/rootfs/run/s.sock"))
        assert host_path(vm, "/run/s.sock", "Socket").endswith("rootfs/run/s.sock")
    finally:
        server.close()


def test_host_path_cannot_escape_the_rootfs(vm: VolumeManager, tmp_path: Path) -> None:
    with pytest.raises(VolumeError, match=r"hostPath /var/\.\./\.\./etc must not contain"):
        host_path(vm, "/var/../../etc")
    rootfs = tmp_path / "node/rootfs"
    (rootfs / "etc").symlink_to("/etc")  # an absolute link: the real host's /etc
    (rootfs / "up").symlink_to("../..")
    for path in ("/etc", "/etc/passwd", "/up", "/up/node"):
        with pytest.raises(VolumeError, match="resolves outside the node's root file system"):
            host_path(vm, path)
    assert not (tmp_path / "node" / "node").exists()
    (rootfs / "inner").symlink_to("var")  # a relative link that stays inside is fine
    assert host_path(vm, "/inner/x") == str(rootfs / "var/x")


def test_sub_path(vm: VolumeManager) -> None:
    c = ctr("c", {"name": "v", "mountPath": "/a", "subPath": "one/two"},
            {"name": "v", "mountPath": "/b", "subPathExpr": "logs/$(POD_NAME)"})
    p = pod([{"name": "v", "emptyDir": {}}], c)
    base = vm.setup(p)["v"].host_path
    mounts = vm.mounts(p, c, {"POD_NAME": "fortune"})
    assert mounts == [Mount(f"{base}/one/two", "/a"), Mount(f"{base}/logs/fortune", "/b")]
    assert Path(base, "one/two").is_dir()


@pytest.mark.parametrize("sub", ["../x", "/abs", "a/../../x", "out/x"])
def test_sub_path_cannot_leave_its_volume(vm: VolumeManager, sub: str) -> None:
    c = ctr("c", {"name": "v", "mountPath": "/a", "subPath": sub})
    p = pod([{"name": "v", "emptyDir": {}}], c)
    base = Path(vm.setup(p)["v"].host_path)
    (base / "out").symlink_to("/")
    with pytest.raises(VolumeError) as info:
        vm.mounts(p, c)
    assert str(info.value) == 'failed to prepare subPath for volumeMount "v" of container "c"'
    assert info.value.reason == "CreateContainerConfigError"


def test_a_mount_of_a_missing_volume(vm: VolumeManager) -> None:
    c = ctr("c", {"name": "nope", "mountPath": "/a"})
    with pytest.raises(VolumeError, match='cannot find volume "nope" to mount into container'
                                          ' "c"'):
        vm.mounts(pod([], c), c)


@pytest.mark.parametrize(("volume", "message"), [
    ({"name": "cfg", "configMap": {"name": "fortune-config"}},
     'MountVolume.SetUp failed for volume "cfg" : kubia-tutor cannot mount configMap volumes'
     " without the API server"),
    ({"name": "db", "persistentVolumeClaim": {"claimName": "mongodb-pvc"}},
     'MountVolume.SetUp failed for volume "db" : kubia-tutor cannot mount'
     " persistentVolumeClaim volumes without the API server"),
    ({"name": "https", "secret": {"secretName": "fortune-https"}},
     'MountVolume.SetUp failed for volume "https" : kubia-tutor cannot mount secret'
     ' "fortune-https" without the API server (only the ServiceAccount token is mounted)'),
])
def test_unsupported_volumes_fail_the_mount_not_the_kubelet(
        vm: VolumeManager, volume: Obj, message: str) -> None:
    with pytest.raises(VolumeError) as info:
        vm.setup(pod([volume]))
    assert str(info.value) == message


def test_the_service_account_token_volume(vm: VolumeManager) -> None:
    token_path = "/var/run/secrets/kubernetes.io/serviceaccount"
    c = ctr("c", {"name": "default-token-abcde", "mountPath": token_path, "readOnly": True})
    p = pod([{"name": "default-token-abcde", "secret": {"secretName": "default-token-abcde"}}],
            c, ns="team-a")
    [mount] = vm.mounts(p, c)
    assert mount.container_path == token_path and mount.read_only
    files = {f.name: f.read_text() for f in Path(mount.host_path).iterdir()}
    assert sorted(files) == ["ca.crt", "namespace", "token"]
    assert files["namespace"] == "team-a"
    assert "kubia-tutor" in files["token"]


def fortune(cluster: Cluster, name: str = "fortune") -> Obj:
    manifest = {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
        "spec": {
            "containers": [
                {"image": "luksa/fortune", "name": "html-generator",
                 "volumeMounts": [{"name": "html", "mountPath": "/var/htdocs"}]},
                {"image": "nginx:alpine", "name": "web-server",
                 "volumeMounts": [{"name": "html", "mountPath": "/usr/share/nginx/html",
                                   "readOnly": True}],
                 "ports": [{"containerPort": 80, "protocol": "TCP"}]}],
            "volumes": [{"name": "html", "emptyDir": {}}]}}
    created: Obj = cluster.api.create(PODS, "default", manifest)
    cluster.settle()
    return created


def test_the_fake_runtime_records_the_mounts_the_kubelet_had_made(
        cluster: Cluster, tmp_path: Path) -> None:
    runtime = cluster.runtime
    assert isinstance(runtime, FakeRuntime)
    runtime.volumes = VolumeManager(str(tmp_path), memory_tmpfs=False)
    uid = fortune(cluster)["metadata"]["uid"]
    html = str(tmp_path / f"node/pods/{uid}/volumes/kubernetes.io~empty-dir/html")
    by_container = {i.name: runtime.mounts[i.id] for i in runtime.instances(
        cluster.api.get(PODS, "default", "fortune"))}
    token = "/var/run/secrets/kubernetes.io/serviceaccount"
    assert [m for m in by_container["html-generator"] if m.container_path != token] == [
        Mount(html, "/var/htdocs", False)]
    assert [m for m in by_container["web-server"] if m.container_path != token] == [
        Mount(html, "/usr/share/nginx/html", True)]
    assert all(any(m.container_path == token and m.read_only for m in mounts)
               for mounts in by_container.values())
    cluster.api.delete(PODS, "default", "fortune")
    cluster.settle()
    assert not (tmp_path / f"node/pods/{uid}").exists()


def test_a_volume_that_cannot_be_set_up_is_a_failed_mount_event(
        cluster: Cluster, tmp_path: Path) -> None:
    runtime = cluster.runtime
    assert isinstance(runtime, FakeRuntime)
    runtime.volumes = VolumeManager(str(tmp_path), memory_tmpfs=False)
    cluster.api.create(PODS, "default", {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "nodir"},
        "spec": {"containers": [{"name": "main", "image": "busybox",
                                 "volumeMounts": [{"name": "data", "mountPath": "/data"}]}],
                 "volumes": [{"name": "data", "hostPath": {"path": "/no/such/dir",
                                                           "type": "Directory"}}]}})
    cluster.settle()
    events = [(e["type"], e["reason"], e["message"]) for e in cluster.api.list(
        resolve("events"), "default")["items"] if e["involvedObject"]["name"] == "nodir"]
    assert ("Warning", "FailedMount", 'MountVolume.SetUp failed for volume "data" : hostPath'
            " type check failed: /no/such/dir is not a directory") in events
    status = cluster.api.get(PODS, "default", "nodir")["status"]
    assert status["containerStatuses"][0]["state"] == {
        "waiting": {"reason": "ContainerCreating"}}
    assert runtime.instances(cluster.api.get(PODS, "default", "nodir")) == []
