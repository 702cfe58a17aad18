"""Reliability: the daemon killed with SIGKILL at random moments of a scripted workload, on real
Podman, several rounds on one state dir.

Each round a workload thread writes through the API client (ConfigMaps created, patched and
deleted; a ReplicaSet and a Deployment created and scaled; a Service; bare pods created and
deleted; the previous round's objects deleted) and logs every write the API acknowledged. At a
random moment the daemon is killed; `lifecycle.up` starts it again and then:

- the store opens and every acknowledged write is there (the one write in flight at the kill
  may or may not have landed; either is accepted for its object);
- once the kubelet has recovered, no container labelled with the cluster's id is left without
  its pod object in the store;
- every controller converges again: each ReplicaSet and Deployment has spec.replicas ready
  pods, bare pods run, and the pods of deleted objects go away.

KUBIA_RELIABILITY_ROUNDS sets the number of rounds (5 by default); KUBIA_RELIABILITY_SEED
replays the random choices of a run (each run prints its seed).
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from random import Random

import pytest
from reliability_helpers import (
    CM,
    DEPLOY,
    NS,
    PODS,
    RS,
    SVC,
    Obj,
    Tutor,
    configmap,
    deployment,
    env_int,
    no_orphans,
    owned_by,
    pod,
    ready,
    replicaset,
    rng,
    service,
    tutor,
    wait_for,
)

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import ResourceType
from kubia_tutor.client.http import HttpClient

pytestmark = pytest.mark.podman

ROUNDS = env_int("KUBIA_RELIABILITY_ROUNDS", 5)
KINDS: dict[str, ResourceType] = {"configmaps": CM, "replicasets": RS, "deployments": DEPLOY,
                                  "services": SVC, "pods": PODS}

Key = tuple[str, str]  # (resource plural, name)


@dataclass(frozen=True)
class Expect:
    """What an acknowledged write promises about one object."""

    exists: bool
    uid: str = ""
    rv: str = ""  # checked exactly for ConfigMaps, which nothing but the workload writes
    data: dict[str, str] | None = None
    replicas: int | None = None


@dataclass
class Log:
    """The workload's record: acknowledged writes, the one in flight, unexpected errors."""

    acked: dict[Key, Expect] = field(default_factory=dict)
    in_flight: tuple[Key, Callable[[Obj], Expect]] | None = None
    errors: list[str] = field(default_factory=list)
    writes: int = 0


def expect_object(obj: Obj) -> Expect:
    meta = obj["metadata"]
    spec = obj.get("spec") or {}
    return Expect(True, uid=meta["uid"], rv=str(meta.get("resourceVersion")),
                  data=obj.get("data") if obj.get("kind") == "ConfigMap" else None,
                  replicas=spec.get("replicas") if obj.get("kind") in ("ReplicaSet",
                                                                        "Deployment") else None)


def expect_gone(_: Obj) -> Expect:
    return Expect(False)


class Workload:
    """One round's scripted writes, run in a thread until the daemon dies under it."""

    def __init__(self, kubia: Tutor, log: Log, rand: Random, round_: int) -> None:
        self.kubia = kubia
        self.log = log
        self.rand = rand
        self.round = round_
        self.done = threading.Event()

    def _write(self, client: HttpClient, key: Key, call: Callable[[], Obj],
               expect: Callable[[Obj], Expect]) -> None:
        self.log.in_flight = (key, expect)
        result = call()
        self.log.acked[key] = expect(result)
        self.log.in_flight = None
        self.log.writes += 1

    def steps(self, client: HttpClient) -> list[Callable[[], None]]:
        """The round's structural writes in a random order (dependencies kept), with
        ConfigMap churn mixed in."""
        r, rand = self.round, self.rand
        rs, dep, svc = f"r{r}-rs", f"r{r}-dep", f"r{r}-svc"

        def create(kind: str, obj: Obj) -> Callable[[], None]:
            name = obj["metadata"]["name"]
            return lambda: self._write(client, (kind, name),
                                       lambda: client.create(KINDS[kind], NS, obj),
                                       expect_object)

        def scale(kind: str, name: str, replicas: int) -> Callable[[], None]:
            return lambda: self._write(client, (kind, name), lambda: client.patch(
                KINDS[kind], NS, name, {"spec": {"replicas": replicas}}, "merge"),
                expect_object)

        def patch(name: str, v: int) -> Callable[[], None]:
            return lambda: self._write(client, ("configmaps", name), lambda: client.patch(
                CM, NS, name, {"data": {"v": str(v)}}, "merge"), expect_object)

        def delete(kind: str, name: str) -> Callable[[], None]:
            return lambda: self._write(client, (kind, name),
                                       lambda: client.delete(KINDS[kind], NS, name),
                                       expect_gone)

        # the previous rounds' objects go (their pods must then go too)
        old = [delete(kind, name) for (kind, name), exp in sorted(self.log.acked.items())
               if exp.exists and kind != "configmaps" and not name.startswith(f"r{r}-")]
        chains: list[list[Callable[[], None]]] = [
            [create("replicasets", replicaset(rs, rand.randint(1, 2))),
             scale("replicasets", rs, rand.randint(1, 3)),
             scale("replicasets", rs, rand.randint(1, 2))],
            [create("deployments", deployment(dep, 1)),
             scale("deployments", dep, rand.randint(1, 2))],
            [create("services", service(svc, rs))],
            [create("pods", pod(f"r{r}-pod-a")), create("pods", pod(f"r{r}-pod-b")),
             delete("pods", f"r{r}-pod-a")],
            *([step] for step in old),
        ]
        for i in range(4):
            name = f"r{r}-cm-{i}"
            chain = [create("configmaps", configmap(name, v="0"))]
            chain += [patch(name, v) for v in range(1, rand.randint(1, 4))]
            if rand.random() < 0.5:
                chain.append(delete("configmaps", name))
            chains.append(chain)
        order: list[Callable[[], None]] = []
        while chains:  # interleave the chains, each in its own order
            chain = rand.choice(chains)
            order.append(chain.pop(0))
            if not chain:
                chains.remove(chain)
        return order

    def run(self, client: HttpClient, steps: list[Callable[[], None]]) -> None:
        try:
            for step in steps:
                step()
            # then ConfigMap churn until the daemon dies under it
            name = f"r{self.round}-churn"
            self._write(client, ("configmaps", name),
                        lambda: client.create(CM, NS, configmap(name, v="0")), expect_object)
            for v in range(1, 100000):
                self._write(client, ("configmaps", name), functools.partial(
                    client.patch, CM, NS, name, {"data": {"v": str(v)}}, "merge"),
                    expect_object)
        except ApiError as err:  # an answer the workload did not expect: a finding
            self.log.errors.append(f"round {self.round}: {err.code} {err}")
        except Exception:  # the daemon died under the request: the write is in flight
            pass
        finally:
            client.close()
            self.done.set()


def check(client: HttpClient, key: Key, exp: Expect) -> str | None:
    """Why the store does not hold what `exp` promises about `key`, or None when it does."""
    kind, name = key
    try:
        obj = client.get(KINDS[kind], NS, name)
    except ApiError as err:
        if err.code != 404:
            raise
        return None if not exp.exists else f"{kind}/{name}: acknowledged, but gone"
    meta = obj["metadata"]
    if not exp.exists:
        # a pod's deletion is acknowledged when its grace period starts
        if kind == "pods" and meta.get("deletionTimestamp"):
            return None
        return f"{kind}/{name}: deleted (acknowledged), but still there"
    if meta["uid"] != exp.uid:
        return f"{kind}/{name}: uid {meta['uid']}, acknowledged {exp.uid}"
    if kind == "configmaps" and (str(meta["resourceVersion"]), obj.get("data")) != (
            exp.rv, exp.data):
        return (f"{kind}/{name}: rv {meta['resourceVersion']} data {obj.get('data')}, "
                f"acknowledged rv {exp.rv} data {exp.data}")
    if exp.replicas is not None and (obj.get("spec") or {}).get("replicas") != exp.replicas:
        return f"{kind}/{name}: replicas {obj['spec'].get('replicas')}, acknowledged " \
               f"{exp.replicas}"
    return None


def lost_writes(client: HttpClient, log: Log) -> list[str]:
    """Acknowledged writes the store does not hold."""
    problems = []
    flying = log.in_flight
    for key, exp in sorted(log.acked.items()):
        why = check(client, key, exp)
        if why is not None and flying is not None and flying[0] == key and exp.exists:
            # the write in flight at the kill (a patch or a delete) may have landed after
            # the last acknowledged one: the object is gone, or the same object is newer
            obj = _get(client, key)
            if obj is None or (obj["metadata"]["uid"] == exp.uid and int(
                    obj["metadata"]["resourceVersion"]) > int(exp.rv)):
                why = None
        if why is not None:
            problems.append(why)
    return problems


def _get(client: HttpClient, key: Key) -> Obj | None:
    try:
        return client.get(KINDS[key[0]], NS, key[1])
    except ApiError:
        return None


def unconverged(client: HttpClient, log: Log) -> list[str]:
    """What the controllers and the kubelet have not yet brought to the desired state."""
    pods = [p for p in client.list(PODS, NS)["items"]]
    problems = []
    for (kind, name), exp in sorted(log.acked.items()):
        if kind in ("replicasets", "deployments"):
            obj = _get(client, (kind, name))
            mine = [p for p in pods if (p["metadata"].get("labels") or {}).get("app") == name]
            if obj is None:
                if mine:
                    problems.append(f"{kind}/{name} is deleted, but its pods remain: "
                                    f"{[p['metadata']['name'] for p in mine]}")
                continue
            want = obj["spec"]["replicas"]
            if kind == "replicasets":
                mine = [p for p in mine if owned_by(p, obj["metadata"]["uid"])]
            live = [p for p in mine if not p["metadata"].get("deletionTimestamp")]
            good = [p for p in live if ready(p)]
            status = obj.get("status") or {}
            if (len(live), len(good), status.get("readyReplicas", 0)) != (want, want, want):
                problems.append(f"{kind}/{name}: {len(live)} pods, {len(good)} ready, "
                                f"status.readyReplicas {status.get('readyReplicas')}, "
                                f"want {want}")
        elif kind == "pods":
            obj = _get(client, (kind, name))
            if obj is not None and not exp.exists:
                problems.append(f"pod {name} is deleted, but still there")
            elif obj is not None and not ready(obj):
                problems.append(f"pod {name} is not ready: {obj.get('status')}")
    return problems


def reached(work: Workload, writes: int) -> bool:
    return work.log.writes >= writes or work.done.is_set()


def converged(client: HttpClient, log: Log) -> bool:
    return not unconverged(client, log)


def test_kill_9_at_random_moments_loses_no_acknowledged_write(tmp_path: Path) -> None:
    rand, seed = rng("crash")
    log = Log()
    with tutor(tmp_path / "state") as kubia:
        for round_ in range(ROUNDS):
            work = Workload(kubia, log, rand, round_)
            writer = kubia.client(timeout=15)
            steps = work.steps(writer)
            thread = threading.Thread(target=work.run, args=(writer, steps),
                                      name=f"workload-{round_}")
            started, before, pid = time.monotonic(), log.writes, kubia.pid()
            thread.start()
            if rand.random() < 0.6:
                # amid the structural writes: after a random one of them
                nth = before + rand.randint(1, len(steps))
                assert wait_for(functools.partial(reached, work, nth), 60, 0.001)
            else:
                # later, while the kubelet starts and stops the round's containers
                work.done.wait(rand.uniform(0.2, 3.0))
            killed = kubia.kill9(pid)
            thread.join(30)
            assert not thread.is_alive()
            context = (f"seed {seed}, round {round_}, killed pid {killed} after "
                       f"{time.monotonic() - started:.2f}s, {log.writes} writes acknowledged, "
                       f"in flight: {log.in_flight and log.in_flight[0]}")
            print(context)
            assert not log.errors, f"{context}: {log.errors}"

            assert kubia.up() != killed
            with kubia.client() as client:
                assert lost_writes(client, log) == [], context
                # the in-flight write is settled now: take what the store says
                if log.in_flight is not None:
                    key = log.in_flight[0]
                    obj = _get(client, key)
                    gone = obj is None or obj["metadata"].get("deletionTimestamp")
                    log.acked[key] = expect_object(obj) if obj and not gone else Expect(False)
                    log.in_flight = None
                left = wait_for(functools.partial(converged, client, log), 150, 1.0)
                assert left, f"{context}: not converged: {unconverged(client, log)}"
                assert no_orphans(kubia, client) == [], context
