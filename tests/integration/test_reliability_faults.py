"""Reliability: faults in the containers, made behind the tutor's back with the podman CLI, on
a real daemon on Podman.

A container killed (`podman kill`) or removed (`podman rm -f`) is started again by the kubelet,
as a real kubelet does: the pod stays the same object, its restartCount goes up by one, a new
container instance runs and the kubelet records events about it; the ReplicaSet keeps its
count without making a new pod. A whole Podman pod removed (`podman pod rm -f`) comes back, or
its pod is replaced; either way the ReplicaSet's pods are ready again and no container is left
without its pod.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from reliability_helpers import (
    NS,
    PODS,
    RS,
    Obj,
    Tutor,
    containers,
    events_of,
    no_orphans,
    owned_by,
    podman,
    ready,
    replicaset,
    tutor,
    wait_for,
)

from kubia_tutor.api.errors import ApiError
from kubia_tutor.client.http import HttpClient
from kubia_tutor.runtime.podman import labels

pytestmark = pytest.mark.podman

NAME = "faulty"
REPLICAS = 2


@pytest.fixture(scope="module")
def kubia(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tutor]:
    """A daemon on Podman with a ReplicaSet of two ready pods; everything reset after."""
    with tutor(tmp_path_factory.mktemp("faults") / "state") as kubia:
        with kubia.client() as client:
            client.create(RS, NS, replicaset(NAME, REPLICAS))
            assert wait_for(lambda: len(ready_pods(client)) == REPLICAS, 120), \
                rs_pods(client)
        yield kubia


@pytest.fixture
def client(kubia: Tutor) -> Iterator[HttpClient]:
    with kubia.client() as client:
        # every test starts from a settled ReplicaSet
        assert wait_for(lambda: settled(client), 120), rs_pods(client)
        yield client


def rs_pods(client: HttpClient) -> list[Obj]:
    uid = client.get(RS, NS, NAME)["metadata"]["uid"]
    return [p for p in client.list(PODS, NS)["items"] if owned_by(p, uid)]


def ready_pods(client: HttpClient) -> list[Obj]:
    return [p for p in rs_pods(client) if ready(p)]


def settled(client: HttpClient) -> bool:
    pods = rs_pods(client)
    status = client.get(RS, NS, NAME).get("status") or {}
    return (len(pods) == REPLICAS and all(ready(p) for p in pods)
            and status.get("readyReplicas") == REPLICAS)


def main_status(pod: Obj) -> Obj:
    statuses = (pod.get("status") or {}).get("containerStatuses") or [{}]
    return dict(statuses[0])


def container_id(pod: Obj) -> str:
    return str(main_status(pod).get("containerID", "")).removeprefix("podman://")


def event_count(client: HttpClient, pod_name: str, reason: str) -> int:
    return sum(int(e.get("count") or 1) for e in events_of(client, pod_name)
               if e.get("reason") == reason)


def restarted(client: HttpClient, name: str, old_id: str) -> Obj | None:
    """The pod once its container runs again as a new instance and the pod is ready."""
    try:
        pod = client.get(PODS, NS, name)
    except ApiError:
        return None
    status = main_status(pod)
    if "running" in (status.get("state") or {}) and container_id(pod) not in ("", old_id) \
            and ready(pod):
        return pod
    return None


def fresh_pod(client: HttpClient) -> Obj:
    """A ReplicaSet pod that never restarted (one replaced by the ReplicaSet if need be)."""
    pods = [p for p in rs_pods(client) if not main_status(p).get("restartCount")]
    if pods:
        return pods[0]
    old = rs_pods(client)[0]["metadata"]["name"]
    client.delete(PODS, NS, old)
    assert wait_for(lambda: settled(client) and old not in names(client), 90), rs_pods(client)
    return next(p for p in rs_pods(client) if not main_status(p).get("restartCount"))


def names(client: HttpClient) -> list[str]:
    return sorted(p["metadata"]["name"] for p in rs_pods(client))


def fault_and_recover(kubia: Tutor, client: HttpClient, victim: Obj, fault: list[str]) -> Obj:
    """Apply `fault` (podman args) to the victim's running container; returns the pod once
    the kubelet ran a new instance, after checking what a real kubelet would show."""
    name, uid = victim["metadata"]["name"], victim["metadata"]["uid"]
    old_id = container_id(victim)
    restarts = int(main_status(victim).get("restartCount") or 0)
    started = event_count(client, name, "Started")
    before = names(client)

    done = podman(*fault, old_id)
    assert done.returncode == 0, done.stderr

    pod = wait_for(lambda: restarted(client, name, old_id), 90)
    assert pod, (json.dumps(client.get(PODS, NS, name).get("status"), indent=1),
                 [c for c in containers(kubia.cluster_id) if c.pod_uid == uid])
    assert pod["metadata"]["uid"] == uid  # the same pod: restarted, not replaced
    assert main_status(pod).get("restartCount") == restarts + 1, (
        f"restartCount {restarts} -> {restarts + 1} expected", main_status(pod),
        [c.name for c in containers(kubia.cluster_id) if c.pod_uid == uid])
    # the kubelet says so in events, as a real kubelet does (Created and Started again)
    assert wait_for(lambda: event_count(client, name, "Started") > started, 30), \
        events_of(client, name)
    # the ReplicaSet keeps its count with the same pods
    assert wait_for(lambda: settled(client), 60), rs_pods(client)
    assert names(client) == before
    # the new instance runs under Podman with the tutor's labels, the pod's uid on it
    mine = [c for c in containers(kubia.cluster_id) if c.pod_uid == uid and c.container]
    assert container_id(pod) in {c.id for c in mine if c.state == "running"}, mine
    assert no_orphans(kubia, client) == []
    return pod


def test_a_killed_container_is_restarted_and_counted(kubia: Tutor, client: HttpClient
                                                     ) -> None:
    pod = fault_and_recover(kubia, client, fresh_pod(client), ["kill"])
    # the instance that was killed is kept to say how it ended
    last = main_status(pod).get("lastState") or {}
    assert (last.get("terminated") or {}).get("exitCode") == 137, main_status(pod)


def test_a_removed_container_is_recreated_and_counted(kubia: Tutor, client: HttpClient
                                                      ) -> None:
    fault_and_recover(kubia, client, fresh_pod(client), ["rm", "-f"])


def test_a_removed_container_of_a_restarted_pod_counts_one_more_restart(
        kubia: Tutor, client: HttpClient) -> None:
    once = fault_and_recover(kubia, client, fresh_pod(client), ["kill"])
    fault_and_recover(kubia, client, once, ["rm", "-f"])


def remove_sandbox(client: HttpClient) -> tuple[Obj, int]:
    """`podman pod rm -f` the Podman pod of a ReplicaSet pod; returns the pod as it was and
    how many Started events it had."""
    victim = fresh_pod(client)
    uid = victim["metadata"]["uid"]
    started = event_count(client, victim["metadata"]["name"], "Started")
    sandboxes = podman("pod", "ps", "-q", "--filter", f"label={labels.POD_UID}={uid}").stdout
    assert len(sandboxes.split()) == 1, sandboxes
    done = podman("pod", "rm", "-f", "-t", "0", sandboxes.split()[0])
    assert done.returncode == 0, done.stderr
    return victim, started


def back(client: HttpClient, victim: Obj) -> bool:
    """Whether the ReplicaSet is settled with the victim's pod replaced, or running again in
    a new Podman pod."""
    uid = victim["metadata"]["uid"]
    if not settled(client):
        return False
    same = [p for p in rs_pods(client) if p["metadata"]["uid"] == uid]
    return not same or (container_id(same[0]) != container_id(victim)
                        and len(running_sandboxes(uid)) == 1)


def test_a_removed_podman_pod_comes_back(kubia: Tutor, client: HttpClient) -> None:
    victim, started = remove_sandbox(client)
    name = victim["metadata"]["name"]
    assert wait_for(lambda: back(client, victim), 120), rs_pods(client)
    if name in names(client):  # the same pod again: the kubelet said so
        assert wait_for(lambda: event_count(client, name, "Started") > started, 30), \
            events_of(client, name)
    assert no_orphans(kubia, client) == []


def running_sandboxes(uid: str) -> list[str]:
    return podman("pod", "ps", "-q", "--filter", f"label={labels.POD_UID}={uid}",
                  "--filter", "status=running").stdout.split()
