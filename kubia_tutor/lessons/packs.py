"""Where packs live: the built-in course, and packs installed into the state dir.

`install` takes a directory or an archive (.tar.gz, .tgz, .tar, .zip), unpacks an archive
with the safe `data` filter (no links out, no absolute paths, no devices), validates the pack
and only then copies it to `<state>/packs/<id>`, replacing an older copy.
"""

from __future__ import annotations

import shutil
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import kubia_tutor
from kubia_tutor.lessons.loader import PACK_FILE, load_pack, safe_relative
from kubia_tutor.lessons.model import Pack
from kubia_tutor.lessons.problems import PackError, Problem
from kubia_tutor.lessons.validate import validate_pack


def builtin_dir() -> Path:
    """Where the packs that ship with the tutor live (`lessons/` beside the package), one
    directory each."""
    return Path(kubia_tutor.__file__).resolve().parent.parent / "lessons"


def installed_dir(state_dir: str | Path) -> Path:
    return Path(state_dir) / "packs"


@dataclass
class Found:
    source: str  # "built-in" or "installed"
    path: Path
    pack: Pack | None
    error: PackError | None = None


def find_packs(state_dir: str | Path) -> list[Found]:
    """Every pack there is, usable or not (an installed pack may have broken since)."""
    candidates: list[tuple[str, Path]] = []
    if builtin_dir().is_dir():
        candidates += [("built-in", p) for p in sorted(builtin_dir().iterdir())
                       if (p / PACK_FILE).is_file()]
    root = installed_dir(state_dir)
    if root.is_dir():
        candidates += [("installed", p) for p in sorted(root.iterdir()) if p.is_dir()]
    found = []
    for source, path in candidates:
        try:
            found.append(Found(source, path, load_pack(path)))
        except PackError as err:
            found.append(Found(source, path, None, err))
    return found


def install(source: str | Path, state_dir: str | Path) -> Pack:
    """Install a pack from a directory or an archive; returns it as installed."""
    given = Path(source)
    if not given.exists():
        raise PackError([Problem(str(given), None, "no such file or directory")])
    with tempfile.TemporaryDirectory(prefix="kubia-pack-") as scratch:
        root = given if given.is_dir() else _unpack(given, Path(scratch))
        pack = validate_pack(root)
        target = installed_dir(state_dir) / pack.id
        if target.exists():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(root, target, symlinks=False)
    return load_pack(target)


def _unpack(archive: Path, into: Path) -> Path:
    name = archive.name
    try:
        if name.endswith(".zip"):
            with zipfile.ZipFile(archive) as zipped:
                for member in zipped.namelist():
                    unsafe = safe_relative(member.rstrip("/")) if member.strip("/") else None
                    if unsafe:
                        raise PackError([Problem(name, None, unsafe)])
                zipped.extractall(into)
        elif name.endswith((".tar.gz", ".tgz", ".tar", ".tar.xz", ".tar.bz2")):
            with tarfile.open(archive) as tarred:
                tarred.extractall(into, filter="data")
        else:
            raise PackError([Problem(name, None, "not a pack: give a directory or a .tar.gz, "
                                                 ".tgz, .tar or .zip archive")])
    except (tarfile.TarError, zipfile.BadZipFile, OSError) as err:
        raise PackError([Problem(name, None, f"cannot unpack: {err}")]) from err
    if (into / PACK_FILE).is_file():
        return into
    inner = [p for p in into.iterdir() if p.is_dir() and (p / PACK_FILE).is_file()]
    if len(inner) == 1:
        return inner[0]
    raise PackError([Problem(name, None, f"the archive holds no {PACK_FILE} (at its top or in "
                                         "one top directory)")])
