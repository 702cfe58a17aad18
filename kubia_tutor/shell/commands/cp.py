"""`kubectl cp <file-spec-src> <file-spec-dest> [-c CONTAINER]`: copy files to and from a
container, as kubectl does it: a tar stream through exec (`tar cf - PATH` out of the pod,
`tar -xmf - -C DIR` into it), so the container needs `tar` (the catalog images have
busybox's). Names and messages follow kubectl v1.20's cp.go, except that the container's
`tar` complaints go to stderr (1.20 sent them to stdout).
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import tarfile
import threading
from dataclasses import dataclass
from typing import IO

from kubia_tutor.api.kinds import resolve
from kubia_tutor.shell.command import Command, Context
from kubia_tutor.shell.commands import streaming
from kubia_tutor.shell.errors import CommandError
from kubia_tutor.shell.flags import Flag, Parsed

_USAGE = ("expected 'cp <file-spec-src> <file-spec-dest> [-c container]'.\n"
          "<file-spec> is:\n"
          "\t[namespace/]pod-name:/file/path for a remote file\n"
          "\t/file/path for a local file")
_FORMAT = "filespec must match the canonical format: [[namespace/]pod:]file/path"
_EMPTY = "filepath can not be empty"


@dataclass(frozen=True)
class FileSpec:
    """One side of a copy: a local path, or a pod's (namespace '' means the current one)."""

    file: str
    pod: str = ""
    namespace: str = ""


def file_spec(arg: str) -> FileSpec:
    """`[[namespace/]pod:]path` as kubectl's extractFileSpec reads it."""
    at = arg.find(":")
    if at == -1:
        return FileSpec(arg)
    if at == 0:
        raise CommandError(_FORMAT)
    pod, path = arg[:at], arg[at + 1:]
    pieces = pod.split("/")
    if len(pieces) == 1:
        return FileSpec(path, pieces[0])
    if len(pieces) == 2:
        return FileSpec(path, pieces[1], pieces[0])
    raise CommandError(_FORMAT)


def run(ctx: Context, parsed: Parsed) -> int:
    """Copy one way or the other."""
    if len(parsed.args) != 2:
        raise CommandError(_USAGE, usage=True)
    src, dest = file_spec(parsed.args[0]), file_spec(parsed.args[1])
    container = parsed["container"] or ""
    if src.pod and dest.pod:
        if os.path.exists(ctx.path(parsed.args[0])):
            return copy_to_pod(ctx, FileSpec(parsed.args[0]), dest, container,
                               bool(parsed["no-preserve"]))
        raise CommandError("src doesn't exist in local filesystem")
    if src.pod:
        return copy_from_pod(ctx, src, dest, container)
    if dest.pod:
        return copy_to_pod(ctx, src, dest, container, bool(parsed["no-preserve"]))
    raise CommandError("one of src or dest must be a remote file specification")


def _exec(ctx: Context, spec: FileSpec, container: str, command: list[str], *,
          source: IO[bytes] | None = None, out: streaming.ByteSink | None = None
          ) -> streaming.Outcome:
    namespace = spec.namespace or ctx.namespace
    pod = ctx.client.get(resolve("pods"), namespace, spec.pod)
    container = streaming.default_container(ctx, pod, container)
    frames = streaming.open_frames(ctx, spec.pod, "exec", {
        "container": container, "command": command, "stdin": source is not None,
        "stdout": True, "stderr": True, "tty": False}, namespace=namespace)
    return streaming.relay(ctx, frames, stdin=source is not None, tty=False, out=out,
                           source=source)


class _Discard:
    def write(self, data: bytes) -> None:
        return None

    def flush(self) -> None:
        return None


def copy_to_pod(ctx: Context, src: FileSpec, dest: FileSpec, container: str,
                no_preserve: bool = False) -> int:
    """Tar the local file or directory and untar it in the pod, under dest's name."""
    if not src.file or not dest.file:
        raise CommandError(_EMPTY)
    local = ctx.path(src.file)
    if not os.path.exists(local):
        raise CommandError(f"{src.file} doesn't exist in local filesystem")
    target = dest.file
    if target != "/" and target.endswith("/"):
        target = target[:-1]
    probe = _exec(ctx, dest, container, ["test", "-d", target], out=_Discard())
    if probe.exit_code in (None, 0) and probe.status != "Failure":
        target = f"{target}/{posixpath.basename(src.file.rstrip('/'))}"
    read_end, write_end = os.pipe()
    writer = threading.Thread(target=_write_tar, args=(local, posixpath.basename(target),
                                                       write_end), daemon=True)
    writer.start()
    command = ["tar", "--no-same-permissions", "--no-same-owner", "-xmf", "-"] if \
        no_preserve else ["tar", "-xmf", "-"]
    directory = posixpath.dirname(target)
    if directory:
        command += ["-C", directory]
    with os.fdopen(read_end, "rb") as source:
        outcome = _exec(ctx, dest, container, command, source=source)
    writer.join()
    return streaming.finish(ctx, outcome)


def _write_tar(local: str, name: str, fd: int) -> None:
    """Write `local` as a tar stream whose top entry is called `name` (kubectl's makeTar)."""
    try:
        with os.fdopen(fd, "wb") as pipe, tarfile.open(fileobj=pipe, mode="w|",
                                                        format=tarfile.GNU_FORMAT) as tar:
            tar.add(local, arcname=name, recursive=True)
    except (OSError, tarfile.TarError):
        return  # the pod side stopped reading: its error is what the user sees


class _PipeSink:
    def __init__(self, fd: int) -> None:
        self.file = os.fdopen(fd, "wb")

    def write(self, data: bytes) -> None:
        with contextlib.suppress(OSError):  # the extraction failed: its error is reported
            self.file.write(data)

    def flush(self) -> None:
        with contextlib.suppress(OSError):
            self.file.close()


def copy_from_pod(ctx: Context, src: FileSpec, dest: FileSpec, container: str) -> int:
    """`tar cf - PATH` in the pod, extracted here under dest (kubectl's untarAll)."""
    if not src.file or not dest.file:
        raise CommandError(_EMPTY)
    prefix = _strip_shortcuts(posixpath.normpath(src.file.lstrip("/")))
    read_end, write_end = os.pipe()
    errors: list[str] = []
    reader = threading.Thread(target=_untar, args=(ctx, read_end, ctx.path(dest.file), prefix,
                                                   errors), daemon=True)
    reader.start()
    outcome = _exec(ctx, src, container, ["tar", "cf", "-", src.file],
                    out=_PipeSink(write_end))
    reader.join()
    code = streaming.finish(ctx, outcome)
    if errors:
        raise CommandError(errors[0])
    return code


def _strip_shortcuts(path: str) -> str:
    while path.startswith("../"):
        path = path[3:]
    return "" if path in ("..", ".") else path


def _untar(ctx: Context, fd: int, dest: str, prefix: str, errors: list[str]) -> None:
    try:
        with os.fdopen(fd, "rb") as pipe:
            try:
                with tarfile.open(fileobj=pipe, mode="r|") as archive:
                    for member in archive:
                        _extract(ctx, archive, member, dest, prefix, errors)
                        if errors:
                            break
            except tarfile.ReadError:
                pass  # nothing came (tar failed): the exit code tells
            pipe.read()  # drain, so the relay never blocks on a full pipe
    except (OSError, tarfile.TarError) as exc:
        errors.append(str(exc))


def _extract(ctx: Context, archive: tarfile.TarFile, member: tarfile.TarInfo, dest: str,
             prefix: str, errors: list[str]) -> None:
    name = member.name
    if not name.startswith(prefix):
        errors.append("tar contents corrupted")
        return
    target = os.path.normpath(os.path.join(dest, name[len(prefix):].lstrip("/")))
    base = os.path.normpath(dest)
    if target != base and not target.startswith(base.rstrip("/") + "/"):
        ctx.err.write(f'warning: file "{target}" is outside target destination, skipping\n')
        return
    os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
    if member.isdir():
        os.makedirs(target, exist_ok=True)
        return
    if member.issym() or member.islnk():
        ctx.err.write(f'warning: skipping symlink: "{target}" -> "{member.linkname}"\n')
        return
    data = archive.extractfile(member)
    if data is None:
        return
    try:
        with open(target, "wb") as out:
            while chunk := data.read(65536):
                out.write(chunk)
    except IsADirectoryError:
        errors.append(f"open {target}: is a directory")
        return
    os.chmod(target, member.mode & 0o777)


COMMAND = Command(
    "cp", "Copy files and directories to and from containers.",
    [Flag("container", "c", default=""), Flag("no-preserve", kind="bool", default=False)],
    run, usage="kubectl cp <file-spec-src> <file-spec-dest> [options]")
