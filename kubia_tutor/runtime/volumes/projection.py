"""configMap and secret volumes' files: the payload (keys or `items`, modes, `optional`) and
Kubernetes' atomic writer, which lays them out so an update is one rename.

The layout, as `ls -la` shows it inside a container on a real node:

    ..2026_11_28_10_31_34.123456789/   the payload's files, with their modes
    ..data -> ..2026_11_28_10_31_34.123456789
    my-nginx-config.conf -> ..data/my-nginx-config.conf

An update writes a new timestamped directory, points a `..data_tmp` link at it and renames
that over `..data` (atomic), then removes the links of keys that went and the old directory.
A reader therefore sees either the old set of files or the new one, never a mix; a subPath
mount binds one file of one directory and so, as in Kubernetes, never sees an update.
"""

from __future__ import annotations

import base64
import os
import random
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from kubia_tutor.runtime.volumes.base import Obj, VolumeError, setup_failed

DATA_DIR = "..data"
DEFAULT_MODE = 0o644  # the API server defaults defaultMode to 420 too

# path in the volume -> (content, file mode)
Payload = dict[str, tuple[bytes, int]]


@dataclass(frozen=True)
class Source:
    """What a configMap or secret volume projects: `kind` is "configmap" or "secret"."""

    kind: str
    namespace: str
    name: str
    body: Obj  # the volume source: items, defaultMode, optional

    @property
    def optional(self) -> bool:
        return bool(self.body.get("optional"))


def object_files(kind: str, obj: Obj) -> dict[str, bytes]:
    """An object's keys as file contents: ConfigMap data and binaryData, Secret data."""
    files: dict[str, bytes] = {}
    if kind == "configmap":
        for key, value in (obj.get("data") or {}).items():
            files[str(key)] = str(value).encode()
        for key, value in (obj.get("binaryData") or {}).items():
            files[str(key)] = _b64(value)
        return files
    for key, value in (obj.get("data") or {}).items():
        files[str(key)] = _b64(value)
    for key, value in (obj.get("stringData") or {}).items():  # if stored unmerged
        files[str(key)] = str(value).encode()
    return files


def _b64(value: object) -> bytes:
    try:
        return base64.b64decode(str(value))
    except ValueError:
        return b""


def make_payload(volume: str, source: Source, obj: Obj | None) -> Payload:
    """The files the volume shows (MakePayload): every key with defaultMode, or `items`."""
    if obj is None:
        if source.optional:
            return {}
        raise setup_failed(volume, f'{source.kind} "{source.name}" not found')
    files = object_files(source.kind, obj)
    default = _mode(source.body.get("defaultMode"), DEFAULT_MODE)
    items = [i for i in source.body.get("items") or [] if isinstance(i, dict)]
    if not items:
        return {key: (content, default) for key, content in files.items()}
    payload: Payload = {}
    for item in items:
        key = str(item.get("key") or "")
        if key not in files:
            if source.optional:
                continue
            what = ("configmap references non-existent config key" if source.kind == "configmap"
                    else "references non-existent secret key")
            raise setup_failed(volume, f"{what}: {key}")
        path = str(item.get("path") or key)
        _check_path(volume, path)
        payload[path] = (files[key], _mode(item.get("mode"), default))
    return payload


def _mode(value: object, default: int) -> int:
    return value if isinstance(value, int) and 0 <= value <= 0o777 else default


def _check_path(volume: str, path: str) -> None:
    parts = path.split("/")
    if os.path.isabs(path) or ".." in parts or path.startswith("..") or "" in parts:
        raise setup_failed(volume, f"invalid path {path!r}: must be relative, without '..'")


def write_atomic(volume: str, target: Path, payload: Payload) -> bool:
    """Make `target` show `payload` (the atomic writer's Write); False when it already did."""
    link = target / DATA_DIR
    old = os.readlink(link) if link.is_symlink() else ""
    if old and read_payload(target / old) == payload:
        return False
    fresh = _new_ts_dir(target)
    try:
        for path, (content, mode) in payload.items():
            file = fresh / path
            file.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
            file.write_bytes(content)
            file.chmod(mode)
        for top in _tops(payload):
            visible = target / top
            if not visible.is_symlink() and not visible.exists():
                os.symlink(f"{DATA_DIR}/{top}", visible)
        tmp = target / "..data_tmp"
        if tmp.is_symlink():
            tmp.unlink()
        os.symlink(fresh.name, tmp)
        os.rename(tmp, link)
    except OSError as exc:
        shutil.rmtree(fresh, ignore_errors=True)
        raise VolumeError(f'MountVolume.SetUp failed for volume "{volume}" : {exc.strerror}',
                          volume=volume) from exc
    if old:
        gone = _tops(read_payload(target / old)) - _tops(payload)
        for top in gone:
            if (target / top).is_symlink():
                (target / top).unlink()
        shutil.rmtree(target / old, ignore_errors=True)
    return True


def _tops(payload: Payload) -> set[str]:
    return {path.split("/")[0] for path in payload}


def _new_ts_dir(target: Path) -> Path:
    """`..<UTC time>.<random digits>`, as the atomic writer names it (Go's TempDir)."""
    stamp = time.strftime("..%Y_%m_%d_%H_%M_%S.", time.gmtime())
    while True:
        fresh = target / f"{stamp}{random.randrange(2**32)}"
        try:
            fresh.mkdir(mode=0o755)
        except FileExistsError:
            continue
        fresh.chmod(0o755)
        return fresh


def read_payload(directory: Path) -> Payload:
    """What a timestamped directory holds (to skip writing what is already there)."""
    payload: Payload = {}
    if not directory.is_dir():
        return payload
    for root, _dirs, files in os.walk(directory):
        for name in files:
            file = Path(root) / name
            try:
                payload[str(file.relative_to(directory))] = (
                    file.read_bytes(), file.stat().st_mode & 0o777)
            except OSError:
                continue
    return payload
