"""The kubelet's volume manager: a pod's volumes prepared on the host, and each container's
volumeMounts resolved into bind mounts.

Design note. Everything lives under the node's directory in the state dir, laid out as the
kubelet lays out /var/lib/kubelet:

    <state>/node/rootfs/...                                      hostPath volumes
    <state>/node/pods/<uid>/volumes/kubernetes.io~empty-dir/<name>
    <state>/node/pods/<uid>/volumes/kubernetes.io~secret/<name>  (service-account token)
    <state>/node/pods/<uid>/volumes/kubernetes.io~git-repo/<name> (cloned once; `ready` marker
                                                                   under .../plugins/)

Every volume becomes a host directory (or file) that the runtime bind-mounts, so a backend
needs one mechanism only, and what one container writes the others see at once. A
`medium: Memory` emptyDir is a tmpfs mounted on its host directory, as the kubelet does it,
rather than a Podman tmpfs volume: Podman unmounts a volume when the last container using it
stops, so a single-container pod would lose its data on every restart, which an emptyDir must
survive. hostPath paths are resolved inside `<state>/node/rootfs`, never on the real host; a
path that resolves (through `..` or a symlink) outside it is refused.

Sources are prepared by a table from the volume source's field name (`emptyDir`, `hostPath`)
to a preparer; `register` adds more (configMap, secret, ...: a module each). Until then
a source without a preparer fails the pod's mount with a FailedMount-style `VolumeError`
rather than running the pod without the data it expects.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from collections.abc import Mapping
from pathlib import Path

# The preparers register themselves on import.
from kubia_tutor.runtime.volumes import (  # noqa: F401
    config_map,
    empty_dir,
    git_repo,
    host_path,
    persistent_volume,
    secret,
)
from kubia_tutor.runtime.volumes.base import (
    PREPARERS,
    Mount,
    Obj,
    Prepared,
    VolumeContext,
    VolumeError,
    inside,
    setup_failed,
    source_of,
)
from kubia_tutor.runtime.volumes.tmpfs import mounts_below, unmount

log = logging.getLogger(__name__)

_VAR_REF = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")


class VolumeManager:
    """Prepares and removes pods' volumes under `<state>/node`.

    `memory_tmpfs=False` makes a Memory emptyDir a plain directory (for the fake runtime,
    which runs nothing that could see the difference, and for hosts where mounting is not
    allowed)."""

    def __init__(self, state_dir: str, *, memory_tmpfs: bool = True) -> None:
        self.node_dir = Path(state_dir) / "node"
        self.rootfs = self.node_dir / "rootfs"
        self.pods_dir = self.node_dir / "pods"
        self.memory_tmpfs = memory_tmpfs
        # How claims and their volumes are read (persistent_volume.api_lookup); the cluster
        # wiring sets it, since the runtime that owns this manager has no API server.
        self.lookup: persistent_volume.ObjectLookup | None = None

    def pod_dir(self, uid: str) -> Path:
        if not uid or "/" in uid or uid in (".", ".."):
            raise VolumeError(f"the pod has no usable uid ({uid!r})")
        return self.pods_dir / uid

    # -- set up -------------------------------------------------------------------------------

    def setup(self, pod: Obj) -> dict[str, Prepared]:
        """Set up every volume of the pod (idempotent; cheap when done before)."""
        return {name: self._prepare(pod, volume) for name, volume in _volumes(pod).items()}

    def _prepare(self, pod: Obj, volume: Obj) -> Prepared:
        name = str(volume.get("name") or "")
        source, body = source_of(volume)
        preparer = PREPARERS.get(source)
        if preparer is None:
            raise setup_failed(name, f"kubia-tutor cannot mount {source} volumes yet")
        try:
            return preparer(VolumeContext(self, pod, name, body))
        except VolumeError:
            raise
        except OSError as exc:
            raise setup_failed(name, _os_message(exc)) from exc

    def mounts(self, pod: Obj, container: Obj, env: Mapping[str, str] | None = None
               ) -> list[Mount]:
        """The container's volumeMounts as bind mounts, setting up what they use."""
        volumes = _volumes(pod)
        cname = str(container.get("name") or "")
        out: list[Mount] = []
        prepared: dict[str, Prepared] = {}
        for raw in container.get("volumeMounts") or []:
            vm = raw if isinstance(raw, dict) else {}
            vname = str(vm.get("name") or "")
            if vname not in volumes:
                raise VolumeError(f'cannot find volume "{vname}" to mount into container'
                                  f' "{cname}"', volume=vname,
                                  reason="CreateContainerConfigError")
            if vname not in prepared:
                prepared[vname] = self._prepare(pod, volumes[vname])
            volume = prepared[vname]
            host = volume.host_path
            sub = _sub_path(vm, env or {})
            if sub:
                host = self._sub_path(volume, sub, vm, cname)
            out.append(Mount(host, str(vm.get("mountPath") or ""),
                             bool(vm.get("readOnly")) or volume.read_only))
        return out

    def _sub_path(self, volume: Prepared, sub: str, vm: Obj, container: str) -> str:
        """The subPath's host path inside the volume (created as a directory if missing)."""
        def refuse(why: str) -> VolumeError:
            log.info("subPath %r of volume %s refused: %s", sub, volume.name, why)
            return VolumeError(f'failed to prepare subPath for volumeMount "{vm.get("name")}"'
                               f' of container "{container}"', volume=volume.name,
                               reason="CreateContainerConfigError")

        if os.path.isabs(sub) or ".." in Path(sub).parts:
            raise refuse("not a relative path inside the volume")
        base = Path(volume.host_path)
        if not base.is_dir():
            raise refuse("the volume is not a directory")
        target = base / sub
        if not inside(base, target):
            raise refuse("it resolves outside the volume")
        if not target.exists() and not target.is_symlink():
            target.mkdir(mode=0o755, parents=True, exist_ok=True)
        if not inside(base, target):  # checked again: it might have changed meanwhile
            raise refuse("it resolves outside the volume")
        return os.path.realpath(target)

    # -- tear down ----------------------------------------------------------------------------

    def cleanup(self, uid: str) -> None:
        """Remove a pod's volumes (its tmpfs mounts first); hostPath data stays, as on a node."""
        pod_dir = self.pod_dir(uid)
        if not pod_dir.exists():
            return
        for mount_point in mounts_below(pod_dir):
            unmount(mount_point)
        shutil.rmtree(pod_dir, ignore_errors=True)

    def cleanup_all(self) -> int:
        """Remove every pod's volumes (a `reset`); the number of pods whose volumes went."""
        if not self.pods_dir.exists():
            return 0
        removed = 0
        for entry in sorted(self.pods_dir.iterdir()):
            if entry.is_dir() and not entry.is_symlink():
                self.cleanup(entry.name)
                removed += 1
        return removed

    def pod_uids(self) -> list[str]:
        """The uids of the pods that have volumes on the node."""
        if not self.pods_dir.exists():
            return []
        return sorted(p.name for p in self.pods_dir.iterdir() if p.is_dir())


def _volumes(pod: Obj) -> dict[str, Obj]:
    spec = pod.get("spec") or {}
    return {str(v.get("name")): v for v in spec.get("volumes") or [] if isinstance(v, dict)}


def _sub_path(vm: Obj, env: Mapping[str, str]) -> str:
    if vm.get("subPathExpr"):
        # $(VAR) from the container's environment, as the kubelet expands subPathExpr
        return _VAR_REF.sub(lambda m: env.get(m.group(1), ""), str(vm["subPathExpr"]))
    return str(vm.get("subPath") or "")


def _os_message(exc: OSError) -> str:
    return exc.strerror or str(exc)

