"""emptyDir: a directory of the pod's on the node, or a tmpfs with `medium: Memory`."""

from __future__ import annotations

import os

from kubia_tutor.runtime.volumes.base import Prepared, VolumeContext, register, setup_failed
from kubia_tutor.runtime.volumes.tmpfs import mount_tmpfs

EMPTY_DIR = "kubernetes.io~empty-dir"


@register("emptyDir")
def _empty_dir(ctx: VolumeContext) -> Prepared:
    path = ctx.pod_volume_dir(EMPTY_DIR)
    medium = str(ctx.source.get("medium") or "")
    if medium not in ("", "Memory"):
        raise setup_failed(ctx.name, f"kubia-tutor does not support emptyDir medium {medium}")
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True)
        path.chmod(0o777)  # the kubelet makes emptyDirs world-writable: any user may write
    if medium == "Memory" and ctx.manager.memory_tmpfs and not os.path.ismount(path):
        mount_tmpfs(ctx.name, path, ctx.source.get("sizeLimit"))
        path.chmod(0o777)
    return Prepared(ctx.name, str(path))

