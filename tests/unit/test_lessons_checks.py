"""Declarative checks against an in-memory cluster: each kind passing and failing, with the
exact words a learner sees."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import Shell
from lessons_fixtures import check_context

from kubia_tutor.api.kinds import resolve
from kubia_tutor.daemon.cluster import Cluster
from kubia_tutor.lessons.checks import (
    CheckContext,
    CheckResult,
    CommandRecord,
    describe,
    evaluate,
    evaluate_all,
)
from kubia_tutor.lessons.model import Check
from kubia_tutor.runtime.cri import ExecResult
from kubia_tutor.runtime.fake import FakeRuntime

RC = """\
apiVersion: v1
kind: ReplicationController
metadata: {name: kubia}
spec:
  replicas: 2
  selector: {app: kubia}
  template:
    metadata: {labels: {app: kubia}}
    spec: {containers: [{name: kubia, image: luksa/kubia}]}
"""
STUCK = """\
apiVersion: v1
kind: Pod
metadata: {name: stuck, labels: {app: stuck}}
spec:
  nodeSelector: {disk: nowhere}
  containers: [{name: main, image: luksa/kubia}]
"""
STUCK_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: stuck}
spec:
  selector: {matchLabels: {app: stuck-web}}
  template:
    metadata: {labels: {app: stuck-web}}
    spec:
      nodeSelector: {disk: nowhere}
      containers: [{name: main, image: luksa/kubia}]
"""


class Lab:
    """A settled cluster with: rc kubia (2 pods), pod solo in namespace work, deployment web,
    job batch (running), pod stuck (Pending), deployment stuck (never available)."""

    def __init__(self, cluster: Cluster, cwd: Path) -> None:
        self.cluster = cluster
        self.shell = Shell(cluster, cwd)
        self.shell.write("rc.yaml", RC)
        self.shell.write("stuck.yaml", STUCK)
        self.shell.write("stuck-deploy.yaml", STUCK_DEPLOYMENT)
        self.run("kubectl create namespace work",
                 "kubectl create -f rc.yaml",
                 "kubectl run solo --image=luksa/kubia -n work",
                 "kubectl create deployment web --image=luksa/kubia",
                 "kubectl create job batch --image=luksa/batch-job",
                 "kubectl create -f stuck.yaml",
                 "kubectl create -f stuck-deploy.yaml")

    def run(self, *lines: str) -> None:
        for line in lines:
            result = self.shell.run(line, settle=False)
            assert result.code == 0, result.err
            self.cluster.settle()

    def check(self, check_kind: str, ctx: CheckContext | None = None,
              **spec: object) -> CheckResult:
        return evaluate(Check(check_kind, dict(spec)), ctx or check_context(self.cluster))


@pytest.fixture
def lab(cluster: Cluster, tmp_path: Path) -> Lab:
    return Lab(cluster, tmp_path)


def fails(result: CheckResult, message: str) -> None:
    assert (result.passed, result.skipped, result.message) == (False, False, message)


def holds(result: CheckResult, message: str) -> None:
    assert (result.passed, result.skipped, result.message) == (True, False, message)


def test_exists_and_absent(lab: Lab) -> None:
    holds(lab.check("exists", kind="rc", name="kubia"), "replicationcontroller kubia exists")
    fails(lab.check("exists", kind="pod", name="solo"), "expected pod solo, found none")
    holds(lab.check("exists", kind="pod", name="solo", namespace="work"),
          "pod solo in namespace work exists")
    holds(lab.check("exists", kind="pods", selector="app=kubia"),
          "pods matching app=kubia exists")
    fails(lab.check("exists", kind="svc", selector="app=kubia"),
          "expected services matching app=kubia, found none")
    holds(lab.check("exists", kind="namespace", name="work"), "namespace work exists")
    fails(lab.check("exists", kind="gizmo", name="x"),
          'the server doesn\'t have a resource type "gizmo"')
    holds(lab.check("absent", kind="svc", name="kubia"), "no service kubia")
    pods = lab.cluster.api.list(resolve("pods"), "default", label_selector="app=kubia")
    names = ", ".join(p["metadata"]["name"] for p in pods["items"])
    fails(lab.check("absent", kind="pod", selector="app=kubia"),
          f"expected no pods matching app=kubia, found {names}")


def test_the_lesson_namespace_is_the_default(lab: Lab) -> None:
    ctx = check_context(lab.cluster, namespace="work")
    holds(lab.check("exists", ctx, kind="pod", name="solo"), "pod solo exists")
    fails(lab.check("exists", ctx, kind="rc", name="kubia"),
          "expected replicationcontroller kubia, found none")
    holds(lab.check("exists", ctx, kind="rc", name="kubia", namespace="default"),
          "replicationcontroller kubia in namespace default exists")


def test_field_selectors(lab: Lab) -> None:
    holds(lab.check("count", kind="pods", fieldSelector="status.phase=Pending", equals=2),
          "2 pods matching status.phase=Pending")
    fails(lab.check("exists", kind="pods", selector="app=kubia",
                    fieldSelector="status.phase=Pending"),
          "expected pods matching app=kubia status.phase=Pending, found none")


def test_count_comparators(lab: Lab) -> None:
    holds(lab.check("count", kind="pods", selector="app=kubia", equals=2),
          "2 pods matching app=kubia")
    fails(lab.check("count", kind="pods", selector="app=kubia", equals=3),
          "expected 3 pods matching app=kubia, found 2")
    fails(lab.check("count", kind="pods", selector="app=kubia", atLeast=3),
          "expected at least 3 pods matching app=kubia, found 2")
    fails(lab.check("count", kind="pods", selector="app=kubia", atMost=1),
          "expected at most 1 pods matching app=kubia, found 2")
    holds(lab.check("count", kind="pods", selector="app=kubia", atLeast=1, atMost=2),
          "2 pods matching app=kubia")
    holds(lab.check("count", kind="pods", namespace="work", equals=1),
          "1 pods in namespace work")


def test_field_comparators(lab: Lab) -> None:
    on = "on replicationcontroller kubia"
    fails(lab.check("field", kind="rc", name="kubia", path="spec.replicas", equals=3),
          f"expected spec.replicas 3 {on}, found 2")
    holds(lab.check("field", kind="rc", name="kubia", path="{.spec.replicas}", equals="2"),
          "spec.replicas as expected on replicationcontroller kubia")
    fails(lab.check("field", kind="rc", name="kubia", path="spec.replicas", notEquals=2),
          f"expected spec.replicas not 2 {on}, found 2")
    fails(lab.check("field", kind="rc", name="kubia", path="spec.replicas", greaterThan=2),
          f"expected spec.replicas greater than 2 {on}, found 2")
    fails(lab.check("field", kind="rc", name="kubia", path="spec.replicas", lessThan=2),
          f"expected spec.replicas less than 2 {on}, found 2")
    fails(lab.check("field", kind="rc", name="kubia", path="spec.replicas", atLeast=3),
          f"expected spec.replicas at least 3 {on}, found 2")
    fails(lab.check("field", kind="rc", name="kubia", path="spec.replicas", atMost=1),
          f"expected spec.replicas at most 1 {on}, found 2")
    holds(lab.check("field", kind="rc", name="kubia", path="spec.replicas", atLeast=2,
                    atMost=2, greaterThan=1, lessThan=3),
          "spec.replicas as expected on replicationcontroller kubia")
    holds(lab.check("field", kind="rc", name="kubia",
                    path="{.spec.template.spec.containers[0].image}", matches="^luksa/"),
          "spec.template.spec.containers[0].image as expected on replicationcontroller kubia")
    fails(lab.check("field", kind="rc", name="kubia", path="metadata.labels", contains="run"),
          f'expected metadata.labels to contain run {on}, found {{"app":"kubia"}}')
    holds(lab.check("field", kind="rc", name="kubia", path="metadata.labels", contains="app"),
          "metadata.labels as expected on replicationcontroller kubia")
    fails(lab.check("field", kind="rc", name="kubia", path="metadata.annotations.note",
                    present=True),
          f"expected metadata.annotations.note to be set {on}, found nothing")
    holds(lab.check("field", kind="rc", name="kubia", path="metadata.annotations.note",
                    present=False),
          "metadata.annotations.note as expected on replicationcontroller kubia")
    fails(lab.check("field", kind="rc", name="kubia", path="metadata.name", present=False),
          f"expected metadata.name to be unset {on}, found kubia")
    fails(lab.check("field", kind="rc", name="gone", path="spec.replicas", equals=1),
          "expected replicationcontroller gone, found none")


def test_a_field_check_over_a_selector_holds_on_every_object(lab: Lab) -> None:
    holds(lab.check("field", kind="pods", selector="app=kubia", path="status.phase",
                    equals="Running"),
          "status.phase as expected on pods matching app=kubia")
    lab.run("kubectl label pod -l app=kubia tier=web",
            "kubectl label pod stuck tier=web")
    fails(lab.check("field", kind="pods", selector="tier=web", path="status.phase",
                    equals="Running"),
          "expected status.phase Running on pod stuck, found Pending")


def test_field_changes_are_seen(lab: Lab) -> None:
    check = Check("field", {"kind": "rc", "name": "kubia", "path": "spec.replicas",
                            "equals": 3})
    assert not evaluate(check, check_context(lab.cluster)).passed
    lab.run("kubectl scale rc kubia --replicas=3")
    assert evaluate(check, check_context(lab.cluster)).passed
    holds(lab.check("count", kind="pods", selector="app=kubia", equals=3),
          "3 pods matching app=kubia")


def test_ready_on_the_fake_runtime(lab: Lab) -> None:
    holds(lab.check("ready", kind="pod", selector="app=kubia"),
          "all 2 pods matching app=kubia Ready")
    holds(lab.check("ready", kind="pod", name="solo", namespace="work"),
          "pod solo in namespace work Ready")
    fails(lab.check("ready", kind="pod", name="stuck"),
          "expected pod stuck to be Ready; it is Pending, not ready")
    fails(lab.check("ready", kind="pod", selector="app=nothing"),
          "expected pods matching app=nothing to be Ready, found none")


def test_rollout(lab: Lab) -> None:
    holds(lab.check("rollout", kind="deployment", name="web"), "deployment web rolled out")
    result = lab.check("rollout", kind="deployment", name="stuck")
    fails(result, 'Waiting for deployment "stuck" rollout to finish: 0 of 1 updated replicas '
                  "are available...")
    fails(lab.check("rollout", kind="deployment", name="nope"),
          "expected deployment nope, found none")
    fails(lab.check("rollout", kind="rc", name="kubia"),
          "a replicationcontroller has no rollout (use deployment, daemonset or statefulset)")


def test_succeeded_of_a_job(lab: Lab) -> None:
    fails(lab.check("succeeded", kind="job", name="batch"),
          "expected job batch to complete; 0 of 1 completions so far")
    (pod,) = lab.cluster.api.list(resolve("pods"), "default",
                                  label_selector="job-name=batch")["items"]
    fake = lab.cluster.runtime
    assert isinstance(fake, FakeRuntime)
    (container,) = fake.instances(pod)
    fake.finish(container.id, 0)
    lab.cluster.kubelet.run_once([f"default/{pod['metadata']['name']}"])
    lab.cluster.settle()
    holds(lab.check("succeeded", kind="job", name="batch"), "job batch complete")
    holds(lab.check("succeeded", kind="jobs"), "jobs complete")


def test_a_failed_job(lab: Lab) -> None:
    lab.shell.write("fail.yaml", """\
apiVersion: batch/v1
kind: Job
metadata: {name: doomed}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers: [{name: main, image: luksa/batch-job}]
""")
    lab.run("kubectl create -f fail.yaml")
    (pod,) = lab.cluster.api.list(resolve("pods"), "default",
                                  label_selector="job-name=doomed")["items"]
    fake = lab.cluster.runtime
    assert isinstance(fake, FakeRuntime)
    (container,) = fake.instances(pod)
    fake.finish(container.id, 1)
    lab.cluster.kubelet.run_once([f"default/{pod['metadata']['name']}"])
    lab.cluster.settle()
    fails(lab.check("succeeded", kind="job", name="doomed"),
          "job doomed failed: Job has reached the specified backoff limit")


HISTORY = [CommandRecord("kubectl get pods", 0, "NAME READY\nkubia 1/1\n"),
           CommandRecord("kubectl scale rc kubia --replicas=5", 1, "error: boom\n"),
           CommandRecord("kubectl describe pod kubia", 0, "Name: kubia\nNode: minikube\n")]


def test_ran_over_a_history(lab: Lab) -> None:
    ctx = check_context(lab.cluster, history=HISTORY)
    holds(lab.check("ran", ctx, pattern="get pods?"), "ran kubectl get pods")
    fails(lab.check("ran", ctx, pattern=r"kubectl scale"),
          "`kubectl scale rc kubia --replicas=5` failed (exit status 1); run it again once it "
          "works")
    holds(lab.check("ran", ctx, pattern=r"kubectl scale", succeeded=False),
          "ran kubectl scale rc kubia --replicas=5")
    fails(lab.check("ran", ctx, pattern="kubectl delete"),
          "no command matching /kubectl delete/ has been run in this step yet")
    fails(lab.check("ran", pattern="kubectl"),
          "no command matching /kubectl/ has been run in this step yet")


def test_output_over_a_history(lab: Lab) -> None:
    ctx = check_context(lab.cluster, history=HISTORY)
    holds(lab.check("output", ctx, command="describe", contains="minikube"),
          "`kubectl describe pod kubia` printed what was expected")
    holds(lab.check("output", ctx, matches=r"kubia\s+1/1"),
          "`kubectl get pods` printed what was expected")
    fails(lab.check("output", ctx, command="get", contains="Running"),
          "the output of `kubectl get pods` does not contain 'Running'")
    fails(lab.check("output", ctx, command="describe", matches="^Node: worker"),
          "the output of `kubectl describe pod kubia` does not match /^Node: worker/")
    fails(lab.check("output", ctx, command="logs", contains="x"),
          "no command matching /logs/ has been run in this step yet")


def test_in_pod_checks_are_skipped_without_containers(lab: Lab) -> None:
    ctx = check_context(lab.cluster, in_pods=False)
    for kind, spec in (("exec", {"pod": "solo", "command": ["hostname"]}),
                       ("http", {"url": "http://kubia/", "from": {"pod": "solo"}})):
        result = evaluate(Check(kind, spec), ctx)
        assert (result.passed, result.skipped, result.message) == \
            (False, True, "needs real containers (the Podman runtime)")


def test_exec_through_the_fake_runtime(lab: Lab) -> None:
    fails(lab.check("exec", pod="solo", namespace="work", command=["hostname"]),
          "`hostname` exited with 126, expected 0: the fake runtime runs no containers: start "
          "the cluster with --runtime podman to run commands in them")
    holds(lab.check("exec", pod="solo", namespace="work", command=["hostname"], exitCode=126),
          "`hostname` did as expected")
    fails(lab.check("exec", pod="ghost", command=["true"]),
          'cannot run in pod ghost: pods "ghost" not found')
    fails(lab.check("exec", selector="app=nothing", command=["true"]),
          "no Running pod matches app=nothing to run in")
    fails(lab.check("exec", pod="stuck", command=["true"]),
          'cannot run in pod stuck: unable to upgrade connection: container not found '
          '("main")')


@pytest.fixture
def answers(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Make exec in a pod answer with canned output; returns the commands it was asked."""
    asked: list[list[str]] = []
    replies = {"hostname": ExecResult(0, b"kubia-1\n", b""),
               "sh": ExecResult(0, b"You've hit kubia-1\n\n__STATUS__ 200\n", b""),
               "false": ExecResult(1, b"", b"it went wrong\n")}

    def exec_source(pod: dict[str, object], container: str, argv: list[str]) -> ExecResult:
        asked.append([container, *argv])
        return replies[argv[0]]

    monkeypatch.setattr(lab.cluster.api, "exec_source", exec_source)
    return asked


def test_exec_output(lab: Lab, answers: list[list[str]]) -> None:
    holds(lab.check("exec", selector="app=kubia", command=["hostname"], contains="kubia-1"),
          "`hostname` did as expected")
    assert answers == [["kubia", "hostname"]]
    fails(lab.check("exec", selector="app=kubia", command=["hostname"], matches="^web"),
          "the output of `hostname` does not match /^web/")
    fails(lab.check("exec", selector="app=kubia", command=["false"]),
          "`false` exited with 1, expected 0: it went wrong")


def test_http(lab: Lab, answers: list[list[str]]) -> None:
    holds(lab.check("http", url="http://kubia/", **{"from": {"selector": "app=kubia"}},
                    contains="hit kubia"),
          "GET http://kubia/ answered 200")
    assert answers[0][1:3] == ["sh", "-c"]
    assert answers[0][-2:] == ["check", "http://kubia/"]
    fails(lab.check("http", url="http://kubia/", status=404, **{"from": {"pod": "solo",
                                                                         "namespace": "work"}}),
          "GET http://kubia/ answered 200, expected 404")
    fails(lab.check("http", url="http://kubia/", matches="^Hello",
                    **{"from": {"selector": "app=kubia"}}),
          "the body of GET http://kubia/ does not match /^Hello/")


def test_http_without_an_answer(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lab.cluster.api, "exec_source",
                        lambda pod, container, argv: ExecResult(0, b"\n__STATUS__ 000\n", b""))
    fails(lab.check("http", url="http://nowhere/", **{"from": {"selector": "app=kubia"}}),
          "GET http://nowhere/ got no answer")


def test_describe_and_labels() -> None:
    assert describe(Check("field", {"kind": "rc", "name": "kubia", "path": "spec.replicas"})) \
        == "field: rc kubia spec.replicas"
    assert describe(Check("count", {"kind": "pods", "selector": "app=kubia"})) == \
        "count: pods -l app=kubia"
    assert describe(Check("ran", {"pattern": "kubectl scale"})) == "ran: kubectl scale"
    assert describe(Check("output", {"contains": "x"})) == "output: a command"
    assert describe(Check("exec", {"command": ["ls", "/"]})) == "exec: ls /"
    assert describe(Check("http", {"url": "http://x/"})) == "http: http://x/"
    named = CheckResult(Check("exists", {"kind": "pod"}, description="A pod"), True, "")
    assert named.label == "A pod"
    assert CheckResult(Check("exists", {"kind": "pod"}), True, "").label == "exists: pod"


def test_evaluate_all_keeps_the_order(lab: Lab) -> None:
    checks = [Check("exists", {"kind": "rc", "name": "kubia"}),
              Check("absent", {"kind": "rc", "name": "kubia"})]
    results = evaluate_all(checks, check_context(lab.cluster))
    assert [(r.check, r.passed) for r in results] == [(checks[0], True), (checks[1], False)]
