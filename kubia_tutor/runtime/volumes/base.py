"""The volume manager's vocabulary: errors, mounts, prepared volumes and the preparer table.

A preparer sets up one kind of volume source on the node and says where it is; `register`
files it under the source's field name in the pod spec (`emptyDir`, `hostPath`, and later
`configMap`, `secret`, `persistentVolumeClaim`, ...).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kubia_tutor.runtime.cri import RuntimeError_

if TYPE_CHECKING:
    from kubia_tutor.runtime.volumes.manager import VolumeManager

Obj = dict[str, Any]

class VolumeError(RuntimeError_):
    """A volume cannot be set up or mounted; str() is the kubelet's event message.

    `reason` is the event reason the kubelet records: FailedMount when a volume cannot be set
    up (the pod stays ContainerCreating and the kubelet tries again), or
    CreateContainerConfigError when a container's mount of it is wrong.
    """

    def __init__(self, message: str, *, volume: str = "",
                 reason: str = "FailedMount") -> None:
        super().__init__(message)
        self.volume = volume
        self.reason = reason


def setup_failed(volume: str, why: str) -> VolumeError:
    """`MountVolume.SetUp failed for volume "x" : <why>`, as the kubelet words it."""
    return VolumeError(f'MountVolume.SetUp failed for volume "{volume}" : {why}', volume=volume)


@dataclass(frozen=True)
class Mount:
    """One bind mount of a container: a prepared host path at a path in the container."""

    host_path: str
    container_path: str
    read_only: bool = False


@dataclass(frozen=True)
class Prepared:
    """A volume set up on the host: the directory (or file) a mount of it binds."""

    name: str
    host_path: str
    read_only: bool = False  # the source forces read-only (secrets are mounted ro)


@dataclass(frozen=True)
class VolumeContext:
    """What a preparer gets: the pod, the volume and where the node keeps things."""

    manager: VolumeManager
    pod: Obj
    name: str
    source: Obj

    @property
    def uid(self) -> str:
        return str((self.pod.get("metadata") or {}).get("uid") or "")

    def pod_volume_dir(self, plugin: str) -> Path:
        return self.manager.pod_dir(self.uid) / "volumes" / plugin / self.name


Preparer = Callable[[VolumeContext], Prepared]
PREPARERS: dict[str, Preparer] = {}


def register(source: str) -> Callable[[Preparer], Preparer]:
    """Make `fn` the preparer of volumes whose source field is `source` (e.g. `configMap`)."""
    def wrap(fn: Preparer) -> Preparer:
        PREPARERS[source] = fn
        return fn
    return wrap


def source_of(volume: Obj) -> tuple[str, Obj]:
    """(source field, its body) of a pod volume: `("emptyDir", {})`."""
    for key, value in volume.items():
        if key != "name":
            return key, value if isinstance(value, dict) else {}
    return "emptyDir", {}  # a volume naming no source is an emptyDir, as defaulting says


def inside(root: Path, path: Path) -> bool:
    """Whether `path` (resolved) is `root` (resolved) or below it."""
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    return os.path.commonpath([real_root, real]) == real_root

