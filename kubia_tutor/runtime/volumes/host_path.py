"""hostPath: a path in the node's root file system, `<state>/node/rootfs`, never the host's.

The path is resolved (symlinks too) and must stay inside the rootfs, checked before and after
anything is created; `type` is checked as the kubelet checks it, with its error wording.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

from kubia_tutor.runtime.volumes.base import (
    Prepared,
    VolumeContext,
    inside,
    register,
    setup_failed,
)

_TYPE_CHECKS: dict[str, tuple[Callable[[int], bool], str]] = {
    "Directory": (stat.S_ISDIR, "a directory"),
    "File": (stat.S_ISREG, "a file"),
    "Socket": (stat.S_ISSOCK, "a socket file"),
    "CharDevice": (stat.S_ISCHR, "a character device"),
    "BlockDevice": (stat.S_ISBLK, "a block device"),
}


@register("hostPath")
def _host_path(ctx: VolumeContext) -> Prepared:
    rootfs = ctx.manager.rootfs
    rootfs.mkdir(parents=True, exist_ok=True)
    spec_path = str(ctx.source.get("path") or "")
    kind = str(ctx.source.get("type") or "")
    if ".." in Path(spec_path).parts:
        raise setup_failed(ctx.name, f"hostPath {spec_path} must not contain '..'")
    host = rootfs / spec_path.lstrip("/")

    def check_inside() -> None:
        if not inside(rootfs, host):
            raise setup_failed(ctx.name, f"hostPath {spec_path} resolves outside the node's"
                                         " root file system (kubia-tutor sandbox)")

    check_inside()
    exists = os.path.lexists(host)
    if kind in ("", "DirectoryOrCreate") and not exists:
        # Unset type: Docker creates a missing bind source as a directory, and so do we.
        # At the resolved path (checked above), so a dangling in-rootfs link is followed.
        os.makedirs(os.path.realpath(host), mode=0o755, exist_ok=True)
    elif kind == "FileOrCreate" and not exists:
        real = Path(os.path.realpath(host))
        if not real.parent.is_dir():
            raise setup_failed(ctx.name, f"open {spec_path}: no such file or directory")
        os.close(os.open(real, os.O_CREAT | os.O_WRONLY | os.O_NOFOLLOW, 0o644))
    check_inside()  # again: what we created, or a symlink swapped in meanwhile
    wanted = {"DirectoryOrCreate": "Directory", "FileOrCreate": "File"}.get(kind, kind)
    if wanted:
        check = _TYPE_CHECKS.get(wanted)
        if check is None:
            raise setup_failed(ctx.name, f"{kind} is an invalid volume type")
        try:
            mode = os.stat(host).st_mode
        except OSError:
            mode = 0
        if not check[0](mode):
            raise setup_failed(ctx.name, f"hostPath type check failed: {spec_path} is not"
                                         f" {check[1]}")
    return Prepared(ctx.name, os.path.realpath(host))

