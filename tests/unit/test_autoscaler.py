"""The horizontal pod autoscaler on the fake runtime with a scripted metrics source: its
arithmetic, timetable, stabilization window, conditions and events, and `kubectl autoscale`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from harness import Shell

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import resolve
from kubia_tutor.clock import FakeClock, timestamp
from kubia_tutor.controllers import replica_calculator as calc
from kubia_tutor.controllers.horizontalpodautoscaler import HorizontalPodAutoscalerController
from kubia_tutor.controllers.resource_metrics import MetricsError, PodMetric
from kubia_tutor.daemon.cluster import Cluster

STS = resolve("statefulsets")
HPA = resolve("horizontalpodautoscalers")
PODS = resolve("pods")
EVENTS = resolve("events")
DEPLOYMENTS = resolve("deployments")


class FakeMetrics:
    """A metrics.k8s.io source whose pods use what the test says (millicores by pod name);
    samples are stamped with the cluster's clock."""

    def __init__(self, cluster: Cluster, window: str = "15s") -> None:
        self.cluster = cluster
        self.window = window
        self.cpu: dict[str, int] = {}

    def __call__(self, path: str) -> dict[str, Any]:
        split = urlsplit(path)
        selector = (parse_qs(split.query).get("labelSelector") or [""])[0]
        namespace = split.path.split("/")[5]
        pods = self.cluster.api.list(PODS, namespace, label_selector=selector)["items"]
        items = [{"kind": "PodMetrics", "apiVersion": "metrics.k8s.io/v1beta1",
                  "metadata": {"name": p["metadata"]["name"], "namespace": namespace},
                  "timestamp": timestamp(self.cluster.clock.now()), "window": self.window,
                  "containers": [{"name": "kubia",
                                  "usage": {"cpu": f"{self.cpu[p['metadata']['name']]}m",
                                            "memory": "10Mi"}}]}
                 for p in pods if p["metadata"]["name"] in self.cpu]
        return {"kind": "PodMetricsList", "apiVersion": "metrics.k8s.io/v1beta1",
                "metadata": {}, "items": items}


def make_set(cluster: Cluster, clock: FakeClock, replicas: int) -> None:
    cluster.api.create(STS, "default", {
        "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "kubia"},
        "spec": {"serviceName": "kubia", "replicas": replicas, "podManagementPolicy": "Parallel",
                 "selector": {"matchLabels": {"app": "kubia"}},
                 "template": {"metadata": {"labels": {"app": "kubia"}}, "spec": {"containers": [
                     {"name": "kubia", "image": "luksa/kubia",
                      "resources": {"requests": {"cpu": "100m"}}}]}}}})
    converge(cluster, clock)


def converge(cluster: Cluster, clock: FakeClock) -> None:
    """Let pods come and go (the autoscaler only runs when its period is due)."""
    for _ in range(3):
        clock.advance(1)
        cluster.settle(10)


def make_hpa(cluster: Cluster, target: int = 30, minimum: int = 1, maximum: int = 10) -> None:
    cluster.api.create(HPA, "default", {
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "kubia"},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "StatefulSet",
                                    "name": "kubia"},
                 "minReplicas": minimum, "maxReplicas": maximum,
                 "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
                     "type": "Utilization", "averageUtilization": target}}}]}})
    autoscaler(cluster).run_once()  # it sees the HPA now; its first pass is one period later


def autoscaler(cluster: Cluster) -> HorizontalPodAutoscalerController:
    return next(c for c in cluster.controllers
                if isinstance(c, HorizontalPodAutoscalerController))


def sync(cluster: Cluster, clock: FakeClock, seconds: float = 15) -> None:
    clock.advance(seconds)
    autoscaler(cluster).run_once()


def hpa_status(cluster: Cluster) -> dict[str, Any]:
    return dict(cluster.api.get(HPA, "default", "kubia").get("status") or {})


def condition(cluster: Cluster, kind: str) -> dict[str, Any]:
    return next(c for c in hpa_status(cluster)["conditions"] if c["type"] == kind)


def replicas(cluster: Cluster) -> int:
    return int(cluster.api.get(STS, "default", "kubia")["spec"]["replicas"])


def hpa_events(cluster: Cluster) -> list[tuple[str, str]]:
    found = [e for e in cluster.api.list(EVENTS, "default")["items"]
             if e["involvedObject"]["kind"] == "HorizontalPodAutoscaler"]
    return [(e["reason"], e["message"])
            for e in sorted(found, key=lambda e: e["metadata"]["name"])]


def use(metrics: FakeMetrics, millicores: int, count: int) -> None:
    metrics.cpu = {f"kubia-{i}": millicores for i in range(count)}


def test_without_a_metrics_api_the_hpa_says_so(cluster: Cluster, clock: FakeClock) -> None:
    make_set(cluster, clock, 3)
    make_hpa(cluster)
    assert "conditions" not in hpa_status(cluster)
    sync(cluster, clock, 14)
    assert "conditions" not in hpa_status(cluster), "the first pass is one period later"
    sync(cluster, clock, 1)
    status = hpa_status(cluster)
    assert (status["currentReplicas"], status["desiredReplicas"]) == (3, 0)
    assert condition(cluster, "AbleToScale")["reason"] == "SucceededGetScale"
    active = condition(cluster, "ScalingActive")
    error = ("unable to get metrics for resource cpu: unable to fetch metrics from resource "
             "metrics API: the server could not find the requested resource "
             "(get pods.metrics.k8s.io)")
    assert (active["status"], active["reason"]) == ("False", "FailedGetResourceMetric")
    assert active["message"] == f"the HPA was unable to compute the replica count: {error}"
    assert hpa_events(cluster) == [
        ("FailedGetResourceMetric", error),
        ("FailedComputeMetricsReplicas", "invalid metrics (1 invalid out of 1), first error "
                                         f"is: failed to get cpu utilization: {error}")]
    assert replicas(cluster) == 3


def test_scales_up_at_most_to_the_scale_up_limit(cluster: Cluster, clock: FakeClock) -> None:
    make_set(cluster, clock, 1)
    metrics = FakeMetrics(cluster)
    cluster.api.metrics_source = metrics
    use(metrics, 150, 1)  # 150% of the request against a 30% target: 5 pods wanted
    make_hpa(cluster)
    sync(cluster, clock)
    assert replicas(cluster) == 4, "one pod may grow to max(2 * 1, 4) at most"
    status = hpa_status(cluster)
    assert (status["currentReplicas"], status["desiredReplicas"]) == (1, 4)
    assert status["lastScaleTime"] == timestamp(clock.now())
    assert status["currentMetrics"] == [{"type": "Resource", "resource": {
        "name": "cpu", "current": {"averageValue": "150m", "averageUtilization": 150}}}]
    limited = condition(cluster, "ScalingLimited")
    assert (limited["status"], limited["reason"]) == ("True", "ScaleUpLimit")
    able = condition(cluster, "AbleToScale")
    assert (able["reason"], able["message"]) == (
        "SucceededRescale", "the HPA controller was able to update the target scale to 4")
    assert condition(cluster, "ScalingActive")["message"] == (
        "the HPA was able to successfully calculate a replica count from cpu resource "
        "utilization (percentage of request)")
    assert ("SuccessfulRescale", "New size: 4; reason: cpu resource utilization (percentage "
            "of request) above target") in hpa_events(cluster)


def test_targets_column_and_tolerance(cluster: Cluster, clock: FakeClock,
                                      tmp_path: Path) -> None:
    make_set(cluster, clock, 2)
    metrics = FakeMetrics(cluster)
    cluster.api.metrics_source = metrics
    use(metrics, 32, 2)  # 32% against 30%: within the 10% tolerance
    make_hpa(cluster)
    shell = Shell(cluster, tmp_path)
    before = shell.run("kubectl get hpa", settle=False).out.splitlines()[1].split()
    assert before[:6] == ["kubia", "StatefulSet/kubia", "<unknown>/30%", "1", "10", "0"]
    sync(cluster, clock)
    after = shell.run("kubectl get hpa", settle=False).out.splitlines()[1].split()
    assert after[:6] == ["kubia", "StatefulSet/kubia", "32%/30%", "1", "10", "2"]
    assert replicas(cluster) == 2
    assert "lastScaleTime" not in hpa_status(cluster)
    assert condition(cluster, "ScalingLimited")["reason"] == "DesiredWithinRange"


def test_scale_down_waits_out_the_stabilization_window(cluster: Cluster,
                                                       clock: FakeClock) -> None:
    make_set(cluster, clock, 4)
    metrics = FakeMetrics(cluster)
    cluster.api.metrics_source = metrics
    use(metrics, 5, 4)  # 5% of the request: one pod would do
    make_hpa(cluster, minimum=2)
    sync(cluster, clock)
    assert replicas(cluster) == 4
    able = condition(cluster, "AbleToScale")
    assert (able["reason"], able["message"]) == (
        "ScaleDownStabilized", "recent recommendations were higher than current one, "
                               "applying the highest recent recommendation")
    waited = 15.0
    while replicas(cluster) == 4 and waited < 400:
        sync(cluster, clock)
        waited += 15
    assert 300 < waited <= 315, "scales down once the first recommendation is 5 minutes old"
    assert replicas(cluster) == 2, "but not below minReplicas"
    assert condition(cluster, "ScalingLimited")["reason"] == "TooFewReplicas"
    assert ("SuccessfulRescale", "New size: 2; reason: All metrics below target") in \
        hpa_events(cluster)


def test_replicas_above_max_are_brought_down_at_once(cluster: Cluster,
                                                     clock: FakeClock) -> None:
    make_set(cluster, clock, 3)
    make_hpa(cluster, maximum=2)
    sync(cluster, clock)
    assert replicas(cluster) == 2
    assert ("SuccessfulRescale", "New size: 2; reason: Current number of replicas above "
            "Spec.MaxReplicas") in hpa_events(cluster)


def test_a_missing_target_fails_to_get_its_scale(cluster: Cluster, clock: FakeClock) -> None:
    make_hpa(cluster)
    sync(cluster, clock)
    able = condition(cluster, "AbleToScale")
    assert (able["status"], able["reason"]) == ("False", "FailedGetScale")
    assert able["message"] == ("the HPA controller was unable to get the target's current "
                               'scale: statefulsets.apps "kubia" not found')
    assert hpa_events(cluster) == [("FailedGetScale", 'statefulsets.apps "kubia" not found')]


# The arithmetic ---------------------------------------------------------------------------

NOW = datetime(2026, 11, 28, 7, 0, tzinfo=UTC)
LONG_AGO = timestamp(NOW - timedelta(hours=1))


def pod(name: str, *, phase: str = "Running", ready: bool = True, cpu: str = "100m"
        ) -> dict[str, Any]:
    return {"metadata": {"name": name},
            "spec": {"containers": [{"name": "c", "resources": {"requests": {"cpu": cpu}}}]},
            "status": {"phase": phase, "startTime": LONG_AGO, "conditions": [
                {"type": "Ready", "status": "True" if ready else "False",
                 "lastTransitionTime": LONG_AGO}]}}


def sample(millicores: int) -> PodMetric:
    return PodMetric(millicores, NOW, 15.0)


def test_desired_is_the_ceiling_of_pods_times_utilization_over_target() -> None:
    pods = [pod("a"), pod("b"), pod("c")]
    metrics = {"a": sample(50), "b": sample(40), "c": sample(45)}
    found = calc.resource_replicas(3, 30, metrics, pods, "cpu", NOW)
    assert (found.replicas, found.utilization, found.raw_average) == (5, 45, 45)


def test_missing_metrics_count_as_full_on_scale_down_and_empty_on_scale_up() -> None:
    pods = [pod("a"), pod("b")]
    # scale-down: b counts as using 100%, which flips the direction: keep the count
    down = calc.resource_replicas(2, 50, {"a": sample(10)}, pods, "cpu", NOW)
    assert down.replicas == 2
    # scale-up: b counts as using 0%: (200 + 0) / 200 = 100% against 30%
    up = calc.resource_replicas(2, 30, {"a": sample(200)}, pods, "cpu", NOW)
    assert up.replicas == 7


def test_pending_pods_are_ignored_and_requests_are_required() -> None:
    pods = [pod("a"), pod("b", phase="Pending")]
    found = calc.resource_replicas(2, 50, {"a": sample(50), "b": sample(500)}, pods, "cpu",
                                   NOW)
    assert found.utilization == 50 and found.replicas == 2
    with pytest.raises(MetricsError, match="missing request for cpu"):
        calc.pod_requests([{"metadata": {"name": "x"}, "spec": {"containers": [{}]}}], "cpu")
    with pytest.raises(MetricsError, match="did not receive metrics for any ready pods"):
        calc.resource_replicas(1, 50, {"b": sample(1)}, [pod("b", phase="Pending")], "cpu",
                               NOW)


def test_a_fresh_pods_cpu_sample_counts_only_after_a_window_of_readiness() -> None:
    fresh = pod("a")
    started = timestamp(NOW - timedelta(seconds=10))
    fresh["status"]["startTime"] = started
    fresh["status"]["conditions"][0]["lastTransitionTime"] = started
    assert calc.group_pods([fresh], {"a": sample(50)}, "cpu", NOW) == (0, {"a"}, set())
    later = NOW + timedelta(seconds=10)
    assert calc.group_pods([fresh], {"a": PodMetric(50, later, 15.0)}, "cpu", later)[0] == 1


def test_limits_and_stabilization() -> None:
    assert calc.scale_up_limit(1) == 4 and calc.scale_up_limit(3) == 6
    assert calc.limit_replicas(3, 9, 1, 10) == (
        6, "ScaleUpLimit",
        "the desired replica count is increasing faster than the maximum scale rate")
    assert calc.limit_replicas(3, 9, 1, 5)[:2] == (5, "TooManyReplicas")
    assert calc.limit_replicas(3, 0, 1, 5)[:2] == (1, "TooFewReplicas")
    recs = calc.Recommendations(window=300)
    recs.record_initial("k", 5, 0.0)
    assert recs.stabilize("k", 2, 100.0) == 5
    assert recs.stabilize("k", 3, 301.0) == 3  # the 5 is older than the window now


# kubectl autoscale ------------------------------------------------------------------------

def test_autoscale_creates_an_hpa_named_after_the_deployment(shell: Shell) -> None:
    shell.cluster.api.create(DEPLOYMENTS, "default", {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "kubia"},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "kubia"}},
                 "template": {"metadata": {"labels": {"app": "kubia"}}, "spec": {"containers": [
                     {"name": "nodejs", "image": "luksa/kubia:v1",
                      "resources": {"requests": {"cpu": "100m"}}}]}}}})
    done = shell.run("kubectl autoscale deployment kubia --cpu-percent=30 --min=1 --max=5")
    assert (done.out, done.err, done.code) == (
        "horizontalpodautoscaler.autoscaling/kubia autoscaled\n", "", 0)
    hpa = shell.cluster.api.get(HPA, "default", "kubia")
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                             "name": "kubia"}
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (1, 5)
    assert hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] == 30
    again = shell.run("kubectl autoscale deployment kubia --max=5")
    assert again.err == ('Error from server (AlreadyExists): horizontalpodautoscalers.'
                         'autoscaling "kubia" already exists\n')
    named = shell.run("kubectl autoscale deploy/kubia --max=3 --name=other --dry-run=client "
                      "-o jsonpath={.spec}")
    assert named.out == ('{"maxReplicas":3,"scaleTargetRef":{"apiVersion":"apps/v1",'
                         '"kind":"Deployment","name":"kubia"}}')
    with pytest.raises(ApiError):
        shell.cluster.api.get(HPA, "default", "other")


@pytest.mark.parametrize(("line", "err"), [
    ("autoscale deployment kubia --min=1", 'Error: required flag(s) "max" not set\n'),
    ("autoscale deployment kubia --max=0",
     "error: --max=MAXPODS is required and must be at least 1, max: 0\n"),
    ("autoscale deployment kubia --min=3 --max=2",
     "error: --max=MAXPODS must be larger or equal to --min=MINPODS, max: 2, min: 3\n"),
    ("autoscale deployment nope --max=2",
     'Error from server (NotFound): deployments.apps "nope" not found\n'),
    ("autoscale deployment --max=2",
     "error: resource(s) were provided, but no name, label selector, or --all flag "
     "specified\n"),
    ("autoscale deployment kubia --max=x",
     'Error: invalid argument "x" for "--max" flag: strconv.ParseInt: parsing "x": invalid '
     "syntax\nSee 'kubectl autoscale --help' for usage.\n"),
])
def test_autoscale_errors(cluster: Cluster, tmp_path: Path, line: str, err: str) -> None:
    done = Shell(cluster, tmp_path).run(f"kubectl {line}", settle=False)
    assert (done.out, done.err, done.code) == ("", err, 1)


def test_autoscale_refuses_what_has_no_scale_subresource(cluster: Cluster,
                                                         tmp_path: Path) -> None:
    cluster.api.create(PODS, "default", {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "kubia"},
        "spec": {"containers": [{"name": "kubia", "image": "luksa/kubia"}]}})
    done = Shell(cluster, tmp_path).run("kubectl autoscale pod kubia --max=2", settle=False)
    assert done.err == ("error: cannot autoscale a Pod: could not find scale subresource for "
                        "/v1, Resource=pods in discovery information\n")
