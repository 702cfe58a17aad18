"""The kubelet's probe manager: a worker per (running container instance, probe kind).

Design note. Kubernetes runs one goroutine per probe; here one scheduler thread keeps every
probe worker on a timetable and hands due probes to a small pool, so a slow probe (up to its
timeoutSeconds) delays no other. The semantics are the kubelet's:

- a worker probes first `initialDelaySeconds` after its container started, then every
  `periodSeconds`; a result flips after `successThreshold` successes or `failureThreshold`
  failures in a row;
- readiness starts False, liveness True; while a startup probe has not succeeded, liveness
  and readiness are not run, and once it has it is not run again;
- every failed probe records an `Unhealthy` event ("Liveness probe failed: ..."); a liveness or
  startup probe that reaches its failure threshold kills the container ("Container kubia
  failed liveness probe, will be restarted") and the restart policy decides what follows;
- a changed result asks the kubelet to sync the pod, which writes the container's ready and
  started flags into the pod's status.

Workers belong to a container instance (its id): a restarted container gets fresh workers,
as the kubelet's do.
"""

from __future__ import annotations

import heapq
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from kubia_tutor.clock import Clock
from kubia_tutor.runtime.prober import Outcome, Prober, ProbeTarget

log = logging.getLogger(__name__)

Obj = dict[str, Any]
LIVENESS, READINESS, STARTUP = "Liveness", "Readiness", "Startup"
FIELDS = {LIVENESS: "livenessProbe", READINESS: "readinessProbe", STARTUP: "startupProbe"}
# (pod, event type, reason, message, field path)
Recorder = Callable[[Obj, str, str, str, str], None]
# (pod key, container id, grace seconds): stop a container that failed its probe
Killer = Callable[[str, str, int], None]


@dataclass
class _Worker:
    kind: str
    probe: Obj
    pod: Obj  # the pod as last synced, for events
    target: ProbeTarget
    due: float
    result: bool
    successes: int = 0
    failures: int = 0
    done: bool = False  # a succeeded startup probe or a killed container: no more probing
    busy: bool = False
    seq: int = field(default=0)

    @property
    def key(self) -> tuple[str, str]:
        return (self.target.container_id, self.kind)


def _int(probe: Obj, name: str, default: int) -> int:
    value = probe.get(name)
    return int(value) if isinstance(value, int) and value > 0 else default


class ProbeManager:
    """Every probe of every running container on this node."""

    def __init__(self, prober: Prober, clock: Clock, record: Recorder,
                 on_change: Callable[[str], None], kill: Killer, threads: int = 8) -> None:
        self.prober = prober
        self.clock = clock
        self.record = record
        self.on_change = on_change
        self.kill = kill
        self._lock = threading.Lock()
        self._workers: dict[tuple[str, str], _Worker] = {}
        self._by_pod: dict[str, set[tuple[str, str]]] = {}
        self._heap: list[tuple[float, int, tuple[str, str]]] = []
        self._seq = 0
        self._wake = threading.Event()
        self._pool: ThreadPoolExecutor | None = None
        self._threads = threads

    # What the pod sync asks --------------------------------------------------------------------

    def sync(self, pod: Obj, running: dict[str, str], pod_ip: str) -> None:
        """Make the workers match the pod's running containers (name → instance id)."""
        meta = pod["metadata"]
        pod_key = f"{meta['namespace']}/{meta['name']}"
        spec = pod.get("spec") or {}
        wanted: dict[tuple[str, str], tuple[str, Obj, Obj]] = {}
        for container in spec.get("containers") or []:
            name = str(container.get("name"))
            cid = running.get(name)
            if not cid:
                continue
            for kind, fieldname in FIELDS.items():
                probe = container.get(fieldname)
                if isinstance(probe, dict) and probe:
                    wanted[(cid, kind)] = (name, probe, container)
        now = self.clock.monotonic()
        added = False
        with self._lock:
            for key in self._by_pod.get(pod_key, set()) - set(wanted):
                self._workers.pop(key, None)
            for key, (name, probe, container) in wanted.items():
                worker = self._workers.get(key)
                if worker is not None:
                    worker.pod = pod
                    continue
                ports = {str(p["name"]): int(p["containerPort"])
                         for p in container.get("ports") or []
                         if p.get("name") and p.get("containerPort")}
                target = ProbeTarget(pod_key, name, key[0], pod_ip, ports)
                kind = key[1]
                worker = _Worker(kind, probe, pod, target,
                                 due=now + _int(probe, "initialDelaySeconds", 0),
                                 result=kind == LIVENESS)
                self._workers[key] = worker
                self._push(worker)
                added = True
            self._by_pod[pod_key] = set(wanted)
            if not self._by_pod[pod_key]:
                del self._by_pod[pod_key]
        if added:
            self._wake.set()

    def forget(self, pod_key: str) -> None:
        """Drop every worker of a pod (it is being deleted)."""
        with self._lock:
            for key in self._by_pod.pop(pod_key, set()):
                self._workers.pop(key, None)

    def ready(self, container_id: str) -> bool:
        """The readiness result of a container instance (False until it succeeds)."""
        with self._lock:
            startup = self._workers.get((container_id, STARTUP))
            if startup is not None and not startup.result:
                return False
            worker = self._workers.get((container_id, READINESS))
            return worker.result if worker is not None else False

    def started(self, container_id: str) -> bool:
        """Whether a container with a startup probe has passed it."""
        with self._lock:
            worker = self._workers.get((container_id, STARTUP))
            return worker.result if worker is not None else False

    # Running probes --------------------------------------------------------------------------

    def _push(self, worker: _Worker) -> None:
        self._seq += 1
        worker.seq = self._seq
        heapq.heappush(self._heap, (worker.due, worker.seq, worker.key))

    def _take_due(self) -> list[_Worker]:
        now = self.clock.monotonic()
        due: list[_Worker] = []
        with self._lock:
            while self._heap and self._heap[0][0] <= now:
                _, seq, key = heapq.heappop(self._heap)
                worker = self._workers.get(key)
                if worker is None or worker.seq != seq or worker.done or worker.busy:
                    continue
                if self._blocked(worker):
                    # liveness and readiness wait for the startup probe; look again soon
                    worker.due = now + 1.0
                    self._push(worker)
                    continue
                worker.busy = True
                due.append(worker)
        return due

    def _blocked(self, worker: _Worker) -> bool:
        if worker.kind == STARTUP:
            return False
        startup = self._workers.get((worker.target.container_id, STARTUP))
        return startup is not None and not startup.result

    def run_due(self) -> int:
        """Run every due probe now, in this thread (tests); returns how many ran."""
        due = self._take_due()
        for worker in due:
            self._probe(worker)
        return len(due)

    def _probe(self, worker: _Worker) -> None:
        try:
            outcome = self.prober.run(worker.kind, worker.probe, worker.target)
        except Exception as err:  # a broken probe is a failed probe, never a dead kubelet
            log.exception("probe %s of %s failed to run", worker.kind, worker.target.pod)
            outcome = Outcome(False, str(err))
        self._apply(worker, outcome)

    def _apply(self, worker: _Worker, outcome: Outcome) -> None:
        probe = worker.probe
        path = f"spec.containers{{{worker.target.container}}}"
        changed = kill = False
        with self._lock:
            worker.busy = False
            if self._workers.get(worker.key) is not worker:
                return  # the container went away while it was probed
            if outcome.ok:
                worker.failures = 0
                worker.successes += 1
                threshold = 1 if worker.kind != READINESS else _int(probe, "successThreshold", 1)
                if not worker.result and worker.successes >= threshold:
                    worker.result = changed = True
                if worker.kind == STARTUP and worker.result:
                    worker.done = True
            else:
                worker.successes = 0
                worker.failures += 1
                if worker.result and worker.failures >= _int(probe, "failureThreshold", 3):
                    worker.result = False
                    changed = True
                if worker.kind != READINESS and worker.failures >= _int(
                        probe, "failureThreshold", 3):
                    kill = worker.done = True
            if not worker.done:
                worker.due = self.clock.monotonic() + _int(probe, "periodSeconds", 10)
                self._push(worker)
        if not outcome.ok:
            self.record(worker.pod, "Warning", "Unhealthy",
                        f"{worker.kind} probe failed: {outcome.message}", path)
        if kill:
            what = worker.kind.lower()
            self.record(worker.pod, "Normal", "Killing",
                        f"Container {worker.target.container} failed {what} probe, "
                        "will be restarted", path)
            grace = (worker.pod.get("spec") or {}).get("terminationGracePeriodSeconds")
            self.kill(worker.target.pod, worker.target.container_id,
                      30 if grace is None else int(grace))
        if changed or kill:
            self.on_change(worker.target.pod)

    # The scheduler thread --------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Hand due probes to the pool until `stop` is set."""
        self._pool = ThreadPoolExecutor(max_workers=self._threads, thread_name_prefix="probe")
        try:
            while not stop.is_set():
                for worker in self._take_due():
                    self._pool.submit(self._probe, worker)
                with self._lock:
                    wait = 0.5
                    if self._heap:
                        wait = max(0.0, min(wait, self._heap[0][0] - self.clock.monotonic()))
                self._wake.wait(wait)
                self._wake.clear()
        finally:
            self._pool.shutdown(wait=False, cancel_futures=True)

    def wake(self) -> None:
        """Let the scheduler look at its timetable now (on stop, or new workers)."""
        self._wake.set()
