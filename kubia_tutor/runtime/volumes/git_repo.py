"""gitRepo: an emptyDir into which the kubelet clones a repository once, when the pod's volume
is set up, as Kubernetes' git_repo plugin does (it is not updated afterwards).

The steps and their error wording follow the plugin: `git clone -- <repository> [<directory>]`
in the volume; with a `revision`, `git checkout <revision>` and `git reset --hard` in the
clone (the volume itself when `directory` is `.`, else the one directory the clone made). A
`ready` marker beside the volume, as the kubelet keeps under the pod's plugins directory,
makes a later setup (a container restart) a no-op, so the data is never cloned twice.

It runs the host's git, without a shell, with a timeout, with no terminal prompt, and with
only the transports that move data (`GIT_ALLOW_PROTOCOL`): `ext::` and `fd::`, which run
commands, are refused. The kubelet runs as root, and git refuses to read a repository another
user owns ("dubious ownership"), which a learner's local repository usually is: the clone's
own global config (the host user's, included, plus `safe.directory` for that one local
repository) lets it read that repository and no other.

A failed clone leaves the volume empty again, so the kubelet's next attempt (after the
FailedMount back-off) starts afresh rather than failing on a half clone.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

from kubia_tutor.runtime.volumes.base import (
    Prepared,
    VolumeContext,
    VolumeError,
    register,
    setup_failed,
)

GIT_REPO = "kubernetes.io~git-repo"
GIT_TIMEOUT = 120.0  # seconds a clone (or checkout) may take before the attempt fails
# The transports git may use: none of them runs a command of the URL's choosing.
ALLOWED_PROTOCOLS = "file:git:http:https:ssh"
# `host:path` and `user@host:path`, git's scp-like ssh syntax (a path has no colon before
# its first slash)
_SCP_LIKE = re.compile(r"^[^/]*:")


@register("gitRepo")
def _git_repo(ctx: VolumeContext) -> Prepared:
    path = ctx.pod_volume_dir(GIT_REPO)
    ready = ctx.manager.pod_dir(ctx.uid) / "plugins" / GIT_REPO / ctx.name / "ready"
    if ready.exists() and path.is_dir():
        return Prepared(ctx.name, str(path))
    repository = str(ctx.source.get("repository") or "")
    revision = str(ctx.source.get("revision") or "")
    directory = str(ctx.source.get("directory") or "")
    _validate(ctx.name, repository, revision, directory)
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o777)  # it wraps an emptyDir, which the kubelet makes world-writable
    config = ready.parent / "gitconfig"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(_global_config(repository))
    try:
        _clone(ctx.name, path, repository, revision, directory, config)
    except VolumeError:
        _empty(path)
        raise
    ready.touch()
    return Prepared(ctx.name, str(path))


def _validate(volume: str, repository: str, revision: str, directory: str) -> None:
    """The plugin's own checks (validateVolume): no value may pass for a git option, and with
    a revision the directory must be a single name, where the checkout happens."""
    if not repository:
        raise setup_failed(volume, "gitRepo volume has no repository")
    for value, field in ((repository, "repository"), (revision, "revision"),
                         (directory, "directory")):
        if value.startswith("-"):
            raise setup_failed(volume, f'"{value}" is an invalid value for {field}')
    if os.path.isabs(directory) or ".." in Path(directory).parts:
        # The API server refuses these; checked again since the clone's target depends on it.
        raise setup_failed(volume, f'"{directory}" is not a valid directory: it must be a'
                                   " relative path without '..'")
    if revision and directory and "/" in os.path.normpath(directory):
        raise setup_failed(volume, f'"{directory}" is not a valid directory, it must not'
                                   " contain a directory separator")


def _global_config(repository: str) -> str:
    """The clone's global git config: the host user's, and the local repository marked safe."""
    lines = ["[include]", f"\tpath = {_quote(os.path.expanduser('~/.gitconfig'))}"]
    local = _local_path(repository)
    if local:
        lines += ["[safe]", f"\tdirectory = {_quote(local)}",
                  f"\tdirectory = {_quote(local + '/.git')}"]
    return "\n".join(lines) + "\n"


def _local_path(repository: str) -> str:
    """The absolute path of a local repository (a path or a file:// URL), else ''."""
    if repository.startswith("file://"):
        return os.path.realpath(unquote(urlsplit(repository).path))
    if "://" in repository or "::" in repository or _SCP_LIKE.match(repository):
        return ""
    return os.path.realpath(repository)


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _clone(volume: str, path: Path, repository: str, revision: str, directory: str,
           config: Path) -> None:
    args = ["clone", "--", repository] + ([directory] if directory else [])
    _git(volume, args, path, config)
    if not revision:
        return
    if directory and os.path.normpath(directory) == ".":
        checkout = path
    else:
        made = sorted(path.iterdir())
        if len(made) != 1:
            raise setup_failed(volume, "unexpected directory contents: "
                                       f"{[p.name for p in made]}")
        checkout = made[0]
    _git(volume, ["checkout", revision], checkout, config)
    _git(volume, ["reset", "--hard"], checkout, config)


def _git(volume: str, args: list[str], cwd: Path, config: Path) -> None:
    """Run `git args` in cwd; a failure is the kubelet's `failed to exec 'git ...'` message."""
    shown = " ".join(args)
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", GIT_ALLOW_PROTOCOL=ALLOWED_PROTOCOLS,
               GIT_ASKPASS="/bin/false", SSH_ASKPASS="/bin/false",
               GIT_SSH_COMMAND="ssh -o BatchMode=yes", GIT_CONFIG_GLOBAL=str(config),
               LC_ALL="C")
    command = ["git", "-c", "protocol.ext.allow=never", "-c", "protocol.fd.allow=never", *args]
    try:
        # Its own session, so that a timeout ends git's helpers (remote-https, ssh) too.
        proc = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                start_new_session=True)
    except FileNotFoundError as exc:
        raise setup_failed(volume, f"failed to exec 'git {shown}': : exec: \"git\": executable"
                                   " file not found in $PATH") from exc
    try:
        output, _ = proc.communicate(timeout=GIT_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        output, _ = proc.communicate()
        raise setup_failed(volume, f"failed to exec 'git {shown}': "
                                   f"{output.decode(errors='replace')}: timed out after"
                                   f" {GIT_TIMEOUT:g}s") from exc
    if proc.returncode != 0:
        raise setup_failed(volume, f"failed to exec 'git {shown}': "
                                   f"{output.decode(errors='replace')}: exit status"
                                   f" {proc.returncode}")


def _empty(path: Path) -> None:
    for entry in path.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
