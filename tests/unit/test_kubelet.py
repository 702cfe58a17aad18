"""The kubelet's container-start events follow imagePullPolicy; the fake runtime's statuses."""

from __future__ import annotations

import pytest

from kubia_tutor.api.kinds import resolve
from kubia_tutor.daemon.cluster import Cluster
from kubia_tutor.runtime.fake import normalize as status_image
from kubia_tutor.runtime.kubelet import go_duration

PODS = resolve("pods")
EVENTS = resolve("events")


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0s"), (850e-9, "850ns"), (1.5e-6, "1.5µs"), (35.2e-6, "35.2µs"), (0.001, "1ms"),
    (0.5123, "512.3ms"), (1, "1s"), (6.412, "6.412s"), (60, "1m0s"), (90.5, "1m30.5s"),
    (3600, "1h0m0s"), (3725.25, "1h2m5.25s"), (-2, "-2s"),
])
def test_go_duration(seconds: float, text: str) -> None:
    assert go_duration(seconds) == text


def start(cluster: Cluster, name: str, image: str, policy: str | None = None) -> list[str]:
    """Create and run a pod; the messages of its kubelet events, in the order recorded."""
    container = {"name": "kubia", "image": image}
    if policy:
        container["imagePullPolicy"] = policy
    cluster.api.create(PODS, "default", {"apiVersion": "v1", "kind": "Pod",
                                         "metadata": {"name": name},
                                         "spec": {"containers": [container]}})
    cluster.settle()
    events = [e for e in cluster.api.list(EVENTS, "default")["items"]
              if e["involvedObject"]["name"] == name and e["source"]["component"] == "kubelet"]
    return sorted(f'{e["reason"]}: {e["message"]}' for e in events)


def test_always_pulls(cluster: Cluster) -> None:
    pulled = ['Created: Created container kubia', 'Pulled: Successfully pulled image '
              '"luksa/kubia" in 0s', 'Pulling: Pulling image "luksa/kubia"',
              'Started: Started container kubia']
    # An image without a tag defaults to Always; the clock is frozen, so the pull took 0s.
    assert start(cluster, "a", "luksa/kubia") == pulled
    assert start(cluster, "b", "luksa/kubia") == pulled


def test_if_not_present_pulls_once(cluster: Cluster) -> None:
    assert 'Pulling: Pulling image "luksa/kubia:v1"' in start(cluster, "a", "luksa/kubia:v1")
    assert start(cluster, "b", "luksa/kubia:v1") == [
        'Created: Created container kubia',
        'Pulled: Container image "luksa/kubia:v1" already present on machine',
        'Started: Started container kubia']


def test_never_finds_the_image_present(cluster: Cluster) -> None:
    assert 'Pulled: Container image "luksa/kubia:v2" already present on machine' in start(
        cluster, "a", "luksa/kubia:v2", "Never")


@pytest.mark.parametrize(("image", "reported"), [
    ("luksa/kubia", "luksa/kubia:latest"),
    ("luksa/kubia:v1", "luksa/kubia:v1"),
    ("localhost:5000/kubia", "localhost:5000/kubia:latest"),
    ("busybox@sha256:" + "0" * 64, "busybox@sha256:" + "0" * 64),
])
def test_fake_runtime_reports_the_tag(image: str, reported: str) -> None:
    assert status_image(image) == reported
