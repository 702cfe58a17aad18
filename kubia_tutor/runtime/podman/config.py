"""The tutor's own containers.conf, written into the state dir, and the environment that makes
Podman use it (`CONTAINERS_CONF=<state>/podman/containers.conf`).

What goes in depends on the host (`HostFacts`, read by `detect_host`):

- `runtime = "runc"` when cgroups are v1 or hybrid: crun refuses hybrid cgroups ("cgroups in
  hybrid mode not supported"); on pure cgroup v2 Podman's default (crun) is kept.
- `default_ulimits`: nofile and nproc, both, pinned at most at this process's hard limits.
  Podman's defaults (nofile 1048576) are above them where raising limits is not permitted, and
  then every container fails with `setrlimit RLIMIT_NOFILE: Operation not permitted`.
- `cgroup_manager = "cgroupfs"` when systemd is not PID 1 (there is no systemd to ask).
- `events_logger = "file"`, `log_driver = "k8s-file"`: work with or without journald.
- `exit_command_delay = 1`: with the default (300 s) two conmon processes linger per exec and
  pod removal takes 3 s longer; 0 breaks exit codes.
- `network_backend = "netavark"`.

The TOML is written by hand (a few keys, strings and integers only) and checked by the tests
with `tomllib`.
"""

from __future__ import annotations

import json
import os
import resource
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

CgroupsVersion = Literal["v1", "hybrid", "v2"]

# The ceilings of the pins: Podman's own default for nofile, and more processes than a pod of
# the tutor's will ever start. The pins are the lower of these and the hard limits.
NOFILE_MAX = 1048576
NPROC_MAX = 32768

# Environment variables that would make `podman` talk to another service instead of running
# the engine itself.
_REMOTE_VARS = ("CONTAINER_HOST", "CONTAINER_CONNECTION")


@dataclass(frozen=True)
class HostFacts:
    """What decides the configuration."""

    cgroups: CgroupsVersion
    systemd_pid1: bool
    nofile_hard: int
    nproc_hard: int

    @property
    def runtime(self) -> str | None:
        """The OCI runtime to pin, or None to keep Podman's default."""
        return None if self.cgroups == "v2" else "runc"

    @property
    def nofile(self) -> int:
        """The pinned soft and hard nofile limit of every container."""
        return _pin(self.nofile_hard, NOFILE_MAX)

    @property
    def nproc(self) -> int:
        """The pinned soft and hard nproc limit of every container."""
        return _pin(self.nproc_hard, NPROC_MAX)


def _pin(hard: int, ceiling: int) -> int:
    if hard == resource.RLIM_INFINITY or hard < 0:
        return ceiling
    return min(hard, ceiling)


def cgroups_version(mounts: str) -> CgroupsVersion:
    """The cgroup layout from the text of `/proc/mounts`: "v2" when `/sys/fs/cgroup` is a
    cgroup2 mount, "hybrid" when v1 controllers sit beside a cgroup2 mount (usually
    `/sys/fs/cgroup/unified`), "v1" otherwise."""
    v1 = v2 = False
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        where, fstype = fields[1], fields[2]
        if fstype == "cgroup2":
            if where == "/sys/fs/cgroup":
                return "v2"
            v2 = True
        elif fstype == "cgroup":
            v1 = True
    if v1 and v2:
        return "hybrid"
    return "v1" if v1 else "v2"


def systemd_is_pid1(comm_file: str = "/proc/1/comm") -> bool:
    """True when PID 1 is systemd."""
    try:
        return Path(comm_file).read_text().strip() == "systemd"
    except OSError:
        return False


def detect_host(mounts_file: str = "/proc/mounts", comm_file: str = "/proc/1/comm") -> HostFacts:
    """Read the facts of this host (and of this process's limits, which the service inherits)."""
    try:
        mounts = Path(mounts_file).read_text()
    except OSError:
        mounts = ""
    return HostFacts(
        cgroups=cgroups_version(mounts),
        systemd_pid1=systemd_is_pid1(comm_file),
        nofile_hard=resource.getrlimit(resource.RLIMIT_NOFILE)[1],
        nproc_hard=resource.getrlimit(resource.RLIMIT_NPROC)[1],
    )


def _toml(value: str | int | list[str]) -> str:
    """A TOML value: JSON's strings, integers and arrays of strings are valid TOML."""
    return json.dumps(value, ensure_ascii=True)


def render_toml(tables: dict[str, dict[str, str | int | list[str]]], header: str) -> str:
    """A TOML file: `header` as comments, then each non-empty table with its keys."""
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    for table, keys in tables.items():
        if not keys:
            continue
        lines += ["", f"[{table}]"]
        lines += [f"{key} = {_toml(value)}" for key, value in keys.items()]
    return "\n".join(lines) + "\n"


def ulimits(host: HostFacts) -> list[str]:
    """The pinned default ulimits, nofile and nproc together: a `--ulimit` given per
    container replaces the whole list, so callers that pass one must pass both."""
    return [f"nofile={host.nofile}:{host.nofile}", f"nproc={host.nproc}:{host.nproc}"]


def containers_conf_text(host: HostFacts) -> str:
    """The tutor's containers.conf for this host."""
    engine: dict[str, str | int | list[str]] = {}
    if host.runtime:
        engine["runtime"] = host.runtime
    if not host.systemd_pid1:
        engine["cgroup_manager"] = "cgroupfs"
    engine["events_logger"] = "file"
    engine["exit_command_delay"] = 1
    return render_toml(
        {
            "containers": {"default_ulimits": ulimits(host), "log_driver": "k8s-file"},
            "engine": engine,
            "network": {"network_backend": "netavark"},
        },
        "Written by kubia-tutor for its own `podman system service`; rewritten on every start.\n"
        f"Host: cgroups {host.cgroups}, systemd {'is' if host.systemd_pid1 else 'is not'}"
        f" PID 1, hard limits nofile {host.nofile_hard} nproc {host.nproc_hard}.",
    )


def podman_dir(state_dir: str | os.PathLike[str]) -> Path:
    """`<state>/podman`: the config, the service's socket, pid and log."""
    return Path(state_dir) / "podman"


def conf_file(state_dir: str | os.PathLike[str]) -> Path:
    """`<state>/podman/containers.conf`."""
    return podman_dir(state_dir) / "containers.conf"


def write_containers_conf(state_dir: str | os.PathLike[str],
                          host: HostFacts | None = None) -> Path:
    """Write the config into the state dir (atomically; untouched when already current)."""
    path = conf_file(state_dir)
    text = containers_conf_text(host or detect_host())
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        if path.read_text() == text:
            return path
    except OSError:
        pass
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
    return path


def podman_env(conf: str | os.PathLike[str],
               base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment to run podman with: `base` (default: ours) with `CONTAINERS_CONF` set,
    and without the variables that would send podman to some other service."""
    env = dict(os.environ if base is None else base)
    for name in _REMOTE_VARS:
        env.pop(name, None)
    env["CONTAINERS_CONF"] = str(conf)
    return env


def configure(state_dir: str | os.PathLike[str], host: HostFacts | None = None,
              base_env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Write `<state>/podman/containers.conf` and return the environment to run podman with."""
    return podman_env(write_containers_conf(state_dir, host), base_env)
