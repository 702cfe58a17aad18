"""configMap and secret volumes on the node: the atomic writer's layout, items and modes,
optional sources, in-place updates and subPath."""

from __future__ import annotations

import base64
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kubia_tutor.runtime.volumes import VolumeError, VolumeManager
from kubia_tutor.runtime.volumes.refresh import refresher_for

Obj = dict[str, Any]


class Objects:
    """The API as the volume manager's lookup sees it, with resourceVersions bumped."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], Obj] = {}
        self.revision = 0

    def put(self, plural: str, name: str, body: Obj) -> None:
        self.revision += 1
        self.items[(plural, name)] = {"metadata": {"name": name,
                                                   "resourceVersion": str(self.revision)},
                                      **body}

    def lookup(self, plural: str, _ns: str | None, name: str) -> Obj | None:
        return self.items.get((plural, name))


@pytest.fixture
def objects() -> Objects:
    objs = Objects()
    objs.put("configmaps", "fortune-config", {"data": {
        "my-nginx-config.conf": "server { listen 80; }\n", "sleep-interval": "25\n"}})
    objs.put("secrets", "fortune-https", {"data": {
        "foo": base64.b64encode(b"bar").decode(), "https.key": base64.b64encode(b"KEY").decode()}})
    return objs


@pytest.fixture
def vm(tmp_path: Path, objects: Objects) -> Iterator[VolumeManager]:
    manager = VolumeManager(str(tmp_path), memory_tmpfs=False)
    manager.lookup = objects.lookup
    yield manager
    refresher_for(manager).stop()


def pod(volume: Obj, uid: str = "u-1") -> Obj:
    return {"metadata": {"name": "p", "namespace": "default", "uid": uid},
            "spec": {"volumes": [volume], "containers": []}}


def cm_volume(**extra: Any) -> Obj:
    return {"name": "config", "configMap": {"name": "fortune-config", **extra}}


def test_the_atomic_writer_layout(vm: VolumeManager) -> None:
    root = Path(vm.setup(pod(cm_volume()))["config"].host_path)
    assert root.name == "config" and root.parent.name == "kubernetes.io~configmap"
    names = sorted(os.listdir(root))
    stamp = os.readlink(root / "..data")
    assert stamp.startswith("..") and stamp in names
    assert names == sorted([stamp, "..data", "my-nginx-config.conf", "sleep-interval"])
    assert os.readlink(root / "sleep-interval") == "..data/sleep-interval"
    assert (root / "sleep-interval").read_text() == "25\n"
    assert stat.S_IMODE((root / stamp / "sleep-interval").stat().st_mode) == 0o644
    assert stat.S_IMODE(root.stat().st_mode) == 0o777
    assert vm.setup(pod(cm_volume()))["config"].read_only


def test_items_and_modes(vm: VolumeManager) -> None:
    volume = cm_volume(defaultMode=0o600, items=[
        {"key": "my-nginx-config.conf", "path": "conf.d/gzip.conf", "mode": 0o400},
        {"key": "sleep-interval", "path": "interval"}])
    root = Path(vm.setup(pod(volume))["config"].host_path)
    assert sorted(n for n in os.listdir(root) if not n.startswith("..")) == ["conf.d",
                                                                              "interval"]
    assert os.readlink(root / "conf.d") == "..data/conf.d"
    assert (root / "conf.d/gzip.conf").read_text() == "server { listen 80; }\n"
    assert stat.S_IMODE((root / "conf.d/gzip.conf").stat().st_mode) == 0o400
    assert stat.S_IMODE((root / "interval").stat().st_mode) == 0o600


def test_secret_volumes_decode_the_data(vm: VolumeManager) -> None:
    volume = {"name": "certs", "secret": {"secretName": "fortune-https"}}
    root = Path(vm.setup(pod(volume))["certs"].host_path)
    assert root.parent.name == "kubernetes.io~secret"
    assert (root / "foo").read_bytes() == b"bar" and (root / "https.key").read_text() == "KEY"


@pytest.mark.parametrize(("volume", "message"), [
    ({"name": "v", "configMap": {"name": "nope"}},
     'MountVolume.SetUp failed for volume "v" : configmap "nope" not found'),
    ({"name": "v", "secret": {"secretName": "nope"}},
     'MountVolume.SetUp failed for volume "v" : secret "nope" not found'),
    ({"name": "v", "configMap": {"name": "fortune-config", "items": [{"key": "x", "path": "x"}]}},
     'MountVolume.SetUp failed for volume "v" : configmap references non-existent config key:'
     " x"),
    ({"name": "v", "secret": {"secretName": "fortune-https", "items": [{"key": "x", "path": "x"}]}},
     'MountVolume.SetUp failed for volume "v" : references non-existent secret key: x'),
])
def test_missing_sources_fail_the_mount(vm: VolumeManager, volume: Obj, message: str) -> None:
    with pytest.raises(VolumeError) as info:
        vm.setup(pod(volume))
    assert str(info.value) == message and info.value.reason == "FailedMount"


def test_optional_sources_mount_empty_or_without_the_missing_key(vm: VolumeManager) -> None:
    root = Path(vm.setup(pod({"name": "v", "configMap": {"name": "nope", "optional": True}}))
                ["v"].host_path)
    assert os.listdir(root) != [] and [n for n in os.listdir(root) if not n.startswith("..")] == []
    volume = cm_volume(optional=True, items=[{"key": "x", "path": "x"},
                                             {"key": "sleep-interval", "path": "i"}])
    root = Path(vm.setup(pod(volume, uid="u-2"))["config"].host_path)
    assert [n for n in os.listdir(root) if not n.startswith("..")] == ["i"]


def test_an_update_swaps_data_in_place(vm: VolumeManager, objects: Objects) -> None:
    root = Path(vm.setup(pod(cm_volume()))["config"].host_path)
    before = os.readlink(root / "..data")
    refresher = refresher_for(vm)
    assert refresher.refresh_once() == 0  # nothing changed: nothing written
    objects.put("configmaps", "fortune-config", {"data": {"sleep-interval": "5\n",
                                                          "new-key": "n"}})
    assert refresher.refresh_once() == 1
    after = os.readlink(root / "..data")
    assert after != before and not (root / before).exists()
    assert (root / "sleep-interval").read_text() == "5\n" and (root / "new-key").read_text() == "n"
    assert not (root / "my-nginx-config.conf").is_symlink()  # a removed key's link goes
    del objects.items[("configmaps", "fortune-config")]
    assert refresher.refresh_once() == 0  # deleted: the files stay as they were
    assert (root / "sleep-interval").read_text() == "5\n"


def test_sub_path_binds_one_file_which_an_update_leaves_alone(
        vm: VolumeManager, objects: Objects) -> None:
    container = {"name": "c", "volumeMounts": [{"name": "config", "mountPath": "/etc/x.conf",
                                                "subPath": "my-nginx-config.conf"}]}
    p = pod(cm_volume())
    p["spec"]["containers"] = [container]
    [mount] = vm.mounts(p, container)
    assert Path(mount.host_path).read_text() == "server { listen 80; }\n"
    assert mount.read_only and "..20" in mount.host_path  # the file in its dated directory
    objects.put("configmaps", "fortune-config", {"data": {"my-nginx-config.conf": "new"}})
    refresher_for(vm).refresh_once()
    root = Path(vm.setup(p)["config"].host_path)
    assert (root / "my-nginx-config.conf").read_text() == "new"
    assert Path(mount.host_path) != Path(vm.mounts(p, container)[0].host_path)


def test_removed_pods_stop_being_refreshed(vm: VolumeManager, objects: Objects) -> None:
    vm.setup(pod(cm_volume()))
    vm.cleanup("u-1")
    objects.put("configmaps", "fortune-config", {"data": {"a": "b"}})
    assert refresher_for(vm).refresh_once() == 0
    assert not (vm.pods_dir / "u-1").exists()
