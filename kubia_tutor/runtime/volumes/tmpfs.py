"""Mounting and unmounting a tmpfs on the host (a Memory emptyDir), by system call.

The syscalls rather than mount(8): no dependency on util-linux, and errno gives the reason.
Only the daemon's own directories under the state dir are ever passed here.
"""

from __future__ import annotations

import ctypes
import errno
import logging
import os
from pathlib import Path
from typing import Any

from kubia_tutor.api.quantity import Quantity
from kubia_tutor.runtime.volumes.base import setup_failed

log = logging.getLogger(__name__)

_MNT_DETACH = 2
_MS_NOSUID, _MS_NODEV = 2, 4


def mount_tmpfs(volume: str, path: Path, size_limit: Any) -> None:
    options = ""
    if size_limit not in (None, ""):
        try:
            size = int(Quantity.parse(str(size_limit)).value)
        except ValueError as exc:
            raise setup_failed(volume, f"invalid sizeLimit {size_limit!r}") from exc
        options = f"size={max(size, 4096)}"
    libc = ctypes.CDLL(None, use_errno=True)
    done = libc.mount(b"tmpfs", os.fsencode(path), b"tmpfs", _MS_NOSUID | _MS_NODEV,
                      options.encode() or None)
    if done != 0:
        code = ctypes.get_errno()
        raise setup_failed(volume, f"mount failed: mounting tmpfs on {path.name}:"
                                   f" {os.strerror(code)}")


def mounts_below(root: Path) -> list[str]:
    """Mount points at or below `root`, deepest first (from /proc/self/mountinfo)."""
    real = os.path.realpath(root)
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return []
    found = []
    for line in lines:
        fields = line.split()
        if len(fields) > 4:
            point = fields[4].replace("\\040", " ")
            if point == real or point.startswith(real + "/"):
                found.append(point)
    return sorted(found, key=len, reverse=True)


def unmount(point: str) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.umount2(os.fsencode(point), _MNT_DETACH) != 0:
        code = ctypes.get_errno()
        if code not in (errno.EINVAL, errno.ENOENT):  # not mounted (any more)
            log.warning("unmounting %s: %s", point, os.strerror(code))

