"""For tests that run a Podman cluster in this process: the podman CLI on the tutor's own
configuration, and a last-resort cleanup that touches only what carries one cluster's label."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

from kubia_tutor.daemon.cluster import Cluster
from kubia_tutor.runtime.podman import labels
from kubia_tutor.runtime.podman.backend import PodmanRuntime
from kubia_tutor.runtime.podman.config import conf_file
from kubia_tutor.runtime.podman.service import PodmanService


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


@contextlib.contextmanager
def podman_cluster(state: Path, cluster_id: str, subnet: str,
                   metrics_interval: float | None = None) -> Iterator[Cluster]:
    """A cluster on real Podman in this process, started; afterwards its loops stop FIRST
    (a running kubelet would recreate what the cleanup removes), then every Podman object,
    volume mount and NAT chain of the cluster goes, then its own Podman service."""
    service = PodmanService(state)
    runtime = PodmanRuntime(str(state), cluster_id=cluster_id, subnet=subnet, service=service)
    cluster = Cluster(str(state), runtime)
    if metrics_interval is not None and cluster.metrics is not None:
        cluster.metrics.interval = metrics_interval
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()
        try:
            runtime.remove_all()
        finally:
            cleanup_by_label(state, cluster_id)
            service.close()
