"""The `podman` command line, run as a subprocess: the one place that spawns it for images.

`Podman(conf=...)` points every call at a containers.conf through $CONTAINERS_CONF (on machines
where crun fails, the runtime's own file with runtime = "runc" and pinned ulimits); without
one, $KUBIA_TUTOR_CONTAINERS_CONF, else the caller's environment as it is. The real Podman
backend can reuse it for the few things it does through the CLI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

CONF_ENV = "KUBIA_TUTOR_CONTAINERS_CONF"
PodmanConf = str | os.PathLike[str] | None


class PodmanError(RuntimeError):
    """A podman command failed (or podman is missing)."""

    def __init__(self, args: Sequence[str], returncode: int, stderr: str) -> None:
        self.args_run = list(args)
        self.returncode = returncode
        self.stderr = stderr.strip()
        detail = self.stderr.splitlines()[-1] if self.stderr else f"exit status {returncode}"
        super().__init__(f"podman {' '.join(args[:2])}: {detail}")


@dataclass(frozen=True)
class LocalImage:
    """An image in local storage, as `podman images` lists it."""

    id: str
    names: tuple[str, ...]
    labels: Mapping[str, str]
    size: int
    created: int


class Podman:
    """Runs `podman` with a given containers.conf."""

    def __init__(self, conf: PodmanConf = None, executable: str = "podman") -> None:
        chosen = conf if conf is not None else os.environ.get(CONF_ENV) or None
        self.conf: str | None = os.fspath(chosen) if chosen is not None else None
        self.executable = executable

    def environment(self) -> dict[str, str]:
        """The environment podman runs with."""
        env = dict(os.environ)
        if self.conf is not None:
            env["CONTAINERS_CONF"] = self.conf
        return env

    def available(self) -> bool:
        """Whether the podman executable is on PATH."""
        return shutil.which(self.executable) is not None

    def run(self, *args: str, input: str | None = None, timeout: float | None = 300,
            check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run `podman ARGS...`; raise PodmanError on failure when `check`."""
        try:
            done = subprocess.run([self.executable, *args], input=input, capture_output=True,
                                  text=True, env=self.environment(), timeout=timeout,
                                  check=False)
        except FileNotFoundError as exc:
            raise PodmanError(list(args), 127, f"{self.executable}: not found") from exc
        if check and done.returncode != 0:
            raise PodmanError(list(args), done.returncode, done.stderr)
        return done

    def images(self, label: str | None = None) -> list[LocalImage]:
        """Local images, optionally only those with a label (`key=value` or `key`)."""
        args = ["images", "--format", "json"]
        if label:
            args += ["--filter", f"label={label}"]
        raw: Any = json.loads(self.run(*args).stdout or "[]")
        out: list[LocalImage] = []
        for entry in raw or []:
            names = tuple(entry.get("Names") or ())
            out.append(LocalImage(id=str(entry.get("Id", "")), names=names,
                                  labels=dict(entry.get("Labels") or {}),
                                  size=int(entry.get("Size") or 0),
                                  created=int(entry.get("Created") or 0)))
        return out

    def build(self, context: str | os.PathLike[str], tag: str,
              labels: Mapping[str, str] | None = None, containerfile: str = "Containerfile",
              timeout: float | None = 300) -> str:
        """Build the context into image `tag` (no registry access); return its image id."""
        args = ["build", "--quiet", "--layers=false", "--pull=never", "--network=none",
                "-f", os.path.join(os.fspath(context), containerfile), "-t", tag]
        for key, value in (labels or {}).items():
            args += ["--label", f"{key}={value}"]
        args.append(os.fspath(context))
        return self.run(*args, timeout=timeout).stdout.strip().splitlines()[-1]

    def prune_images(self, label: str) -> None:
        """Remove the nameless images that carry a label (`key=value`) and no container uses."""
        self.run("image", "prune", "--force", "--filter", f"label={label}", check=False)

    def remove_images(self, *names: str, force: bool = False) -> None:
        """Remove images by name or id (missing ones are not an error)."""
        if names:
            self.run("rmi", *(["--force"] if force else []), "--ignore", *names)
