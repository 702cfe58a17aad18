"""Why a container exited, where Podman's own inspect data does not say.

Design note. Two cases need more than `State`:

- **OOM kills.** Podman 4.3 on a cgroup v1 host reports `OOMKilled: false` for a container whose
  process the memory cgroup's OOM killer ended (it exits 137 like any SIGKILL), yet the kubelet
  must say `OOMKilled`. The kernel names the memory cgroup in every such kill
  (`oom-kill:...,oom_memcg=/libpod_parent/libpod-<container id>,...`), and Podman puts each
  container in a cgroup named after its id, so the kernel log settles it. `/dev/kmsg` is read
  incrementally (non-blocking, from where the last read stopped) and only when a container
  exited with 137. Where the log cannot be read (not root, or restricted), Podman's own flag
  is all there is.
- **A command that cannot be run.** Containers run under an init (catatonit), which exits 1
  with `failed to exec pid1` in the log when the command is missing; Kubernetes on the book's
  Docker runtime reports that as `ContainerCannotRun` with exit code 127 and the runtime's
  message, which is what learners see in `describe`.

Exited containers never change, so each one is explained once and remembered.
"""

from __future__ import annotations

import dataclasses
import os
import re
import threading
from collections.abc import Callable

from kubia_tutor.runtime.cri import EXITED, ContainerInstance

KMSG = "/dev/kmsg"
SIGKILL_EXIT = 137
CANNOT_RUN_EXIT = 127
_MEMCG = re.compile(r"oom_memcg=\S*?libpod-(?:conmon-)?([0-9a-f]{64})")
_FAILED_EXEC = re.compile(r"catatonit:\d+\): failed to exec pid1: (.+)")
# the first words of the container's command: (command, args) from the pod spec
Command = Callable[[], list[str]]


class OomLog:
    """Container ids the kernel log shows as OOM-killed."""

    def __init__(self, path: str = KMSG) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._failed = False
        self._killed: set[str] = set()

    def killed(self, container_id: str) -> bool:
        """Whether the kernel OOM-killed a process of this container."""
        with self._lock:
            self._drain()
            return container_id in self._killed

    def _drain(self) -> None:
        if self._failed:
            return
        if self._fd is None:
            try:
                self._fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
            except OSError:
                self._failed = True
                return
        while True:
            try:
                record = os.read(self._fd, 8192)
            except BlockingIOError:
                return  # read everything there is
            except BrokenPipeError:
                continue  # records were overwritten before we read them: go on
            except OSError:
                self._failed = True
                return
            if not record:
                return
            for found in _MEMCG.finditer(record.decode(errors="replace")):
                self._killed.add(found.group(1))

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


class ExitExplainer:
    """Adds what Podman leaves out to exited instances, once per instance."""

    def __init__(self, log: OomLog | None = None) -> None:
        self.oom = log or _shared
        self._lock = threading.Lock()
        self._done: dict[str, ContainerInstance] = {}

    def explain(self, instance: ContainerInstance, read_log: Callable[[], str],
                argv: list[str]) -> ContainerInstance:
        """The instance with OOMKilled or ContainerCannotRun filled in when they apply;
        `read_log` gives the instance's log tail, `argv` its command line."""
        if instance.state != EXITED:
            return instance
        with self._lock:
            known = self._done.get(instance.id)
        if known is not None:
            return known
        explained = instance
        if instance.exit_code == SIGKILL_EXIT and not instance.oom_killed \
                and self.oom.killed(instance.id):
            explained = dataclasses.replace(instance, oom_killed=True)
        elif instance.exit_code == 1:
            found = _FAILED_EXEC.search(read_log())
            if found:
                explained = dataclasses.replace(
                    instance, exit_code=CANNOT_RUN_EXIT, reason="ContainerCannotRun",
                    message=cannot_run_message(argv[0] if argv else "", found.group(1)))
        with self._lock:
            if len(self._done) > 4096:  # removed containers' entries: start afresh
                self._done.clear()
            self._done[instance.id] = explained
        return explained


def cannot_run_message(command: str, why: str) -> str:
    """The runtime's message for a command that cannot be started, as Docker worded it."""
    if "No such file" in why:
        cause = f'exec: "{command}": executable file not found in $PATH'
    elif "Permission denied" in why:
        cause = f'exec: "{command}": permission denied'
    else:
        cause = f'exec: "{command}": {why.strip()}'
    return ("OCI runtime create failed: container_linux.go:370: starting container process "
            f"caused: {cause}: unknown")


def command_line(data: dict[str, object]) -> list[str]:
    """The command a container runs, from its inspect data, without Podman's init."""
    config = data.get("Config")
    if not isinstance(config, dict):
        return []
    argv: list[str] = []
    for part in (config.get("Entrypoint"), config.get("Cmd")):
        # Podman 4.3 gives the entrypoint as one space-joined string, the command as a list
        if isinstance(part, str):
            argv += part.split()
        elif isinstance(part, list):
            argv += [str(a) for a in part]
    while argv and (argv[0].endswith("podman-init") or argv[0] == "--"):
        argv = argv[1:]
    return argv


_shared = OomLog()
