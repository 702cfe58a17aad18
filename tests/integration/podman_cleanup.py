"""For tests that run a Podman cluster in this process: the podman CLI on the tutor's own
configuration, and a last-resort cleanup that touches only what carries one cluster's label."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from kubia_tutor.runtime.podman import labels
from kubia_tutor.runtime.podman.config import conf_file


def podman(state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`podman ARGS` with the state dir's containers.conf."""
    env = dict(os.environ, CONTAINERS_CONF=str(conf_file(state)))
    return subprocess.run(["podman", *args], capture_output=True, text=True, env=env,
                          timeout=120, check=False)


def cleanup_by_label(state: Path, cluster: str) -> None:
    """Remove the pods, containers and network labelled with this cluster id, nothing else."""
    label = f"label={labels.CLUSTER}={cluster}"
    pods = podman(state, "pod", "ps", "-q", "--filter", label).stdout.split()
    if pods:
        podman(state, "pod", "rm", "-f", "-t", "0", *pods)
    ctrs = podman(state, "ps", "-aq", "--filter", label).stdout.split()
    if ctrs:
        podman(state, "rm", "-f", "-t", "0", *ctrs)
    nets = podman(state, "network", "ls", "-q", "--filter", label).stdout.split()
    if nets:
        podman(state, "network", "rm", *nets)
