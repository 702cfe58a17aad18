"""The Podman container spec of one container instance: command, env, ulimits, limits, mounts.

Design note. Kept apart from `backend` so the mapping from a Kubernetes container to Podman's
create parameters reads in one place and can be checked without a Podman service. Containers
run with an init (catatonit) so SIGTERM ends busybox and `command:` overrides at once; nofile
and nproc are pinned together (a per-container ulimit replaces Podman's whole default list,
see podman.md); memory and CPU limits are set only where the host's cgroups allow them
(otherwise skipped with a log line: a tutorial pod should still run).
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from kubia_tutor.api.quantity import Quantity
from kubia_tutor.runtime.env import expand_args
from kubia_tutor.runtime.podman.config import HostFacts, detect_host
from kubia_tutor.runtime.volumes import Mount

log = logging.getLogger(__name__)

Obj = dict[str, Any]
CPU_PERIOD = 100_000  # microseconds, as the kubelet uses
MIN_CPU_QUOTA = 1_000


def limit_support(host: HostFacts | None = None, mounts_file: str = "/proc/mounts"
                  ) -> dict[str, str]:
    """Why memory or CPU limits cannot be set on this host: {"memory"|"cpu": reason}."""
    host = host or detect_host()
    refused: dict[str, str] = {}
    wanted = ("memory", "cpu")
    if host.cgroups == "v2":
        path = Path("/sys/fs/cgroup/cgroup.controllers")
        if os.geteuid() != 0:
            uid = os.geteuid()
            path = Path(f"/sys/fs/cgroup/user.slice/user-{uid}.slice/user@{uid}.service/"
                        "cgroup.controllers")
        try:
            available = set(path.read_text().split())
        except OSError:
            available = set()
        for name in wanted:
            if name not in available:
                refused[name] = f"the {name} controller is not available in {path}"
        return refused
    if os.geteuid() != 0:
        return {name: "rootless Podman cannot set limits with cgroup v1" for name in wanted}
    try:
        mounts = Path(mounts_file).read_text()
    except OSError:
        mounts = ""
    options: set[str] = set()
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) >= 4 and fields[2] == "cgroup":
            options.update(fields[3].split(","))
    for name in wanted:
        if name not in options:
            refused[name] = f"no cgroup v1 {name} controller is mounted"
    return refused


def resources(container: Obj, refused_limits: Mapping[str, str]) -> Obj:
    """podman-py's memory and CPU limit parameters for the container's `resources.limits`."""
    limits = (container.get("resources") or {}).get("limits") or {}
    out: Obj = {}
    if "memory" in limits:
        if "memory" in refused_limits:
            log.info("memory limit of %s skipped: %s", container.get("name"),
                     refused_limits["memory"])
        else:
            out["mem_limit"] = math.ceil(Quantity.parse(limits["memory"]).value)
            # no swap on top, as the kubelet runs containers: over the limit means OOMKilled
            out["memswap_limit"] = out["mem_limit"]
    if "cpu" in limits:
        if "cpu" in refused_limits:
            log.info("cpu limit of %s skipped: %s", container.get("name"),
                     refused_limits["cpu"])
        else:
            cores = Quantity.parse(limits["cpu"]).value
            out["cpu_period"] = CPU_PERIOD
            out["cpu_quota"] = max(MIN_CPU_QUOTA, math.ceil(cores * CPU_PERIOD))
    return out


def mounts(resolved: Sequence[Mount]) -> list[Obj]:
    """podman-py's `mounts` entries for the kubelet's resolved volume mounts.

    Every volume is a host directory or file prepared by the volume manager (a Memory
    emptyDir is a tmpfs mounted on its host directory), so all are bind mounts. Podman makes
    bind mounts recursive (`rbind`) by default, which keeps mounts below the source visible
    as the kubelet's do; podman-py passes `read_only` on as `ro` (and drops other keys)."""
    return [{"type": "bind", "source": mount.host_path, "target": mount.container_path,
             "read_only": mount.read_only} for mount in resolved]


def container_kwargs(container: Obj, *, name: str, pod_id: str, labels: Mapping[str, str],
                     env: Mapping[str, str], host: HostFacts,
                     refused_limits: Mapping[str, str], volume_mounts: Sequence[Mount] = ()
                     ) -> Obj:
    """podman-py's `containers.create` parameters (all but the image) for one instance."""
    kwargs: Obj = {
        "name": name, "pod": pod_id, "init": True,
        "restart_policy": {"Name": "no"},  # restarts are the kubelet's decision
        "labels": dict(labels),
        "environment": dict(env),
        "ulimits": [{"Name": "nofile", "Soft": host.nofile, "Hard": host.nofile},
                    {"Name": "nproc", "Soft": host.nproc, "Hard": host.nproc}],
        **resources(container, refused_limits),
    }
    if volume_mounts:
        kwargs["mounts"] = mounts(volume_mounts)
    if container.get("command"):
        kwargs["entrypoint"] = expand_args(container["command"], dict(env))
    if container.get("args"):
        kwargs["command"] = expand_args(container["args"], dict(env))
    if container.get("workingDir"):
        kwargs["working_dir"] = str(container["workingDir"])
    if container.get("tty"):
        kwargs["tty"] = True
    if container.get("stdin"):
        kwargs["stdin_open"] = True
    return kwargs
