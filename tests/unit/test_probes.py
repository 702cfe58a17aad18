"""Probes on the fake runtime: thresholds, delays, the events they record and what they do to
the container and the pod's readiness."""

from __future__ import annotations

from harness import Shell, wait_quiet

from kubia_tutor.api.kinds import resolve
from kubia_tutor.clock import FakeClock
from kubia_tutor.daemon.cluster import Cluster
from kubia_tutor.runtime.prober import Outcome, ScriptedProber

PODS = resolve("pods")
EVENTS = resolve("events")
REFUSED = Outcome(False, 'Get "http://10.244.0.2:8080/": dial tcp 10.244.0.2:8080: connect: '
                         "connection refused")
HTTP_500 = Outcome(False, "HTTP probe failed with statuscode: 500")


def make(cluster: Cluster, name: str, **probes: dict) -> None:
    container = {"name": "kubia", "image": "luksa/kubia",
                 "ports": [{"name": "http", "containerPort": 8080}], **probes}
    cluster.api.create(PODS, "default", {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
        "spec": {"containers": [container]}})
    cluster.settle()


def prober(cluster: Cluster) -> ScriptedProber:
    found = cluster.kubelet.prober
    assert isinstance(found, ScriptedProber)
    return found


def tick(cluster: Cluster, clock: FakeClock, seconds: float) -> int:
    """Let `seconds` pass, run the probes that came due and sync what they changed; the
    number of the test's own probes that ran (kube-system's coredns pod is probed too)."""
    def own_calls() -> int:
        return sum(n for (pod, _, _), n in prober(cluster).calls.items()
                   if not pod.startswith("coredns-"))

    before = own_calls()
    clock.advance(seconds)
    cluster.kubelet.probes.run_due()
    cluster.settle()
    return own_calls() - before


def container(cluster: Cluster, name: str) -> dict:
    return cluster.api.get(PODS, "default", name)["status"]["containerStatuses"][0]


def condition(cluster: Cluster, name: str, kind: str) -> dict:
    conditions = cluster.api.get(PODS, "default", name)["status"]["conditions"]
    return next(c for c in conditions if c["type"] == kind)


def events(cluster: Cluster, name: str) -> list[dict]:
    return [e for e in cluster.api.list(EVENTS, "default")["items"]
            if e["involvedObject"]["name"] == name]


def test_failing_liveness_probe_restarts_the_container(cluster: Cluster,
                                                       clock: FakeClock) -> None:
    make(cluster, "unhealthy", livenessProbe={"httpGet": {"path": "/", "port": 8080}})
    prober(cluster).set("unhealthy", "kubia", "Liveness", HTTP_500)
    first_id = container(cluster, "unhealthy")["containerID"]
    assert tick(cluster, clock, 0) == 1  # no initial delay: probed at once
    tick(cluster, clock, 10)
    assert container(cluster, "unhealthy")["restartCount"] == 0  # two failures of three
    tick(cluster, clock, 10)
    status = container(cluster, "unhealthy")
    assert status["restartCount"] == 1
    assert status["containerID"] != first_id
    assert status["lastState"]["terminated"]["exitCode"] == 143
    unhealthy = [e for e in events(cluster, "unhealthy") if e["reason"] == "Unhealthy"]
    assert len(unhealthy) == 1 and unhealthy[0]["count"] == 3
    assert unhealthy[0]["message"] == "Liveness probe failed: HTTP probe failed with " \
                                      "statuscode: 500"
    assert unhealthy[0]["involvedObject"]["fieldPath"] == "spec.containers{kubia}"
    killing = [e for e in events(cluster, "unhealthy") if e["reason"] == "Killing"]
    assert [e["message"] for e in killing] == [
        "Container kubia failed liveness probe, will be restarted"]


def test_liveness_waits_for_its_initial_delay_and_period(cluster: Cluster,
                                                         clock: FakeClock) -> None:
    make(cluster, "late", livenessProbe={"tcpSocket": {"port": "http"},
                                         "initialDelaySeconds": 15, "periodSeconds": 5})
    assert tick(cluster, clock, 14) == 0
    assert tick(cluster, clock, 1) == 1
    assert tick(cluster, clock, 4) == 0
    assert tick(cluster, clock, 1) == 1
    assert prober(cluster).calls[("late", "kubia", "Liveness")] == 2


def test_healthy_liveness_probe_never_restarts(cluster: Cluster, clock: FakeClock) -> None:
    make(cluster, "fine", livenessProbe={"httpGet": {"port": 8080}})
    for _ in range(5):
        tick(cluster, clock, 10)
    assert container(cluster, "fine")["restartCount"] == 0
    assert not [e for e in events(cluster, "fine") if e["reason"] == "Unhealthy"]


def test_readiness_gates_ready_and_never_restarts(cluster: Cluster, clock: FakeClock) -> None:
    make(cluster, "web", readinessProbe={"httpGet": {"port": 8080}, "periodSeconds": 1,
                                         "failureThreshold": 2})
    script = {"ok": False}
    prober(cluster).set("web", "kubia", "Readiness",
                        lambda _n: Outcome(True) if script["ok"] else REFUSED)
    # not ready before the first success, with the reason kubectl describe shows
    assert container(cluster, "web")["ready"] is False
    ready = condition(cluster, "web", "Ready")
    assert ready["status"] == "False" and ready["reason"] == "ContainersNotReady"
    assert ready["message"] == "containers with unready status: [kubia]"
    tick(cluster, clock, 0)
    assert container(cluster, "web")["ready"] is False
    script["ok"] = True
    tick(cluster, clock, 1)
    assert container(cluster, "web")["ready"] is True
    assert condition(cluster, "web", "Ready")["status"] == "True"
    script["ok"] = False
    tick(cluster, clock, 1)
    assert container(cluster, "web")["ready"] is True  # one failure of two
    tick(cluster, clock, 1)
    status = container(cluster, "web")
    assert status["ready"] is False and status["restartCount"] == 0
    messages = {e["message"] for e in events(cluster, "web") if e["reason"] == "Unhealthy"}
    assert messages == {f"Readiness probe failed: {REFUSED.message}"}


def test_success_threshold_needs_successes_in_a_row(cluster: Cluster, clock: FakeClock) -> None:
    make(cluster, "slow", readinessProbe={"exec": {"command": ["ls", "/tmp/ready"]},
                                          "periodSeconds": 1, "successThreshold": 3})
    for expected in (False, False, True):
        tick(cluster, clock, 1)
        assert container(cluster, "slow")["ready"] is expected


def test_startup_probe_holds_liveness_and_readiness_back(cluster: Cluster,
                                                        clock: FakeClock) -> None:
    make(cluster, "boot", startupProbe={"httpGet": {"port": 8080}, "periodSeconds": 1,
                                        "failureThreshold": 30},
         livenessProbe={"httpGet": {"port": 8080}, "periodSeconds": 1})
    started = {"yes": False}
    prober(cluster).set("boot", "kubia", "Startup",
                        lambda _n: Outcome(True) if started["yes"] else REFUSED)
    for _ in range(3):
        tick(cluster, clock, 1)
    status = container(cluster, "boot")
    assert status["started"] is False and status["ready"] is False
    assert ("boot", "kubia", "Liveness") not in prober(cluster).calls
    started["yes"] = True
    tick(cluster, clock, 1)
    status = container(cluster, "boot")
    assert status["started"] is True and status["ready"] is True
    tick(cluster, clock, 1)
    tick(cluster, clock, 1)
    assert prober(cluster).calls[("boot", "kubia", "Liveness")] >= 1
    assert prober(cluster).calls[("boot", "kubia", "Startup")] == 4  # not run once passed


def test_failing_startup_probe_kills_the_container(cluster: Cluster, clock: FakeClock) -> None:
    make(cluster, "never", startupProbe={"tcpSocket": {"port": 8080}, "periodSeconds": 1,
                                         "failureThreshold": 2})
    prober(cluster).set("never", "kubia", "Startup", REFUSED)
    tick(cluster, clock, 0)
    tick(cluster, clock, 1)
    assert container(cluster, "never")["restartCount"] == 1
    messages = [e["message"] for e in events(cluster, "never") if e["reason"] == "Killing"]
    assert messages == ["Container kubia failed startup probe, will be restarted"]


def test_probes_of_a_deleted_pod_stop(cluster: Cluster, clock: FakeClock) -> None:
    make(cluster, "gone", livenessProbe={"httpGet": {"port": 8080}})
    cluster.api.delete(PODS, "default", "gone")
    cluster.settle()
    assert tick(cluster, clock, 10) == 0


def test_describe_shows_probes_and_counted_events(shell: Shell, clock: FakeClock) -> None:
    shell.write("pod.yaml", """
apiVersion: v1
kind: Pod
metadata:
  name: kubia-liveness
spec:
  containers:
  - image: luksa/kubia-unhealthy
    name: kubia
    livenessProbe:
      httpGet:
        path: /
        port: 8080
      initialDelaySeconds: 15
""")
    assert shell.run("kubectl create -f pod.yaml").out == "pod/kubia-liveness created\n"
    kubelet = shell.cluster.kubelet
    assert isinstance(kubelet.prober, ScriptedProber)
    kubelet.prober.set("kubia-liveness", "kubia", "Liveness", HTTP_500)
    for _ in range(3):
        clock.advance(15)
        kubelet.probes.run_due()
    wait_quiet(shell.cluster)
    out = shell.run("kubectl describe pod kubia-liveness").out
    assert "Liveness:       http-get http://:8080/ delay=15s timeout=1s period=10s " \
           "#success=1 #failure=3" in out
    assert "Restart Count:  1" in out
    assert "Last State:     Terminated" in out
    assert "Liveness probe failed: HTTP probe failed with statuscode: 500" in out
    assert "(x3 over" in out
    assert "Container kubia failed liveness probe, will be restarted" in out
