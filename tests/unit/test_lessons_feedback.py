"""Command-aware feedback: what the learner's command changed, next to what the step asks."""

from __future__ import annotations

from kubia_tutor.lessons.checks import CommandRecord
from kubia_tutor.lessons.feedback import changes, feedback
from kubia_tutor.lessons.model import Check, Step


def step(*checks: Check) -> Step:
    return Step("s", checks=list(checks))


RC_KUBIA = Check("exists", {"kind": "rc", "name": "kubia"})


def said(output: str, on: Step) -> list[str]:
    return feedback(on, CommandRecord("kubectl ...", 0, output))


def test_changes_reads_kubectl_lines() -> None:
    found = changes("pod/kubia created\ndeployment.apps/web configured\n"
                    'replicationcontroller "old" deleted\nservice/x unchanged\n'
                    "job.batch/b created (dry run)\nnot a change\nwidget/w created\n")
    assert [(rt.kind, name, verb) for rt, name, verb in found] == [
        ("Pod", "kubia", "created"), ("Deployment", "web", "configured"),
        ("ReplicationController", "old", "deleted"), ("Job", "b", "created")]


def test_creating_the_wrong_kind() -> None:
    assert said("pod/kubia created\n", step(RC_KUBIA)) == [
        "You created a Pod; this step asks for a ReplicationController."]
    assert said("service/kubia created\n", step(
        Check("count", {"kind": "deploy", "equals": 1}),
        Check("ready", {"kind": "pod", "selector": "app=kubia"}))) == [
        "You created a Service; this step asks for a Deployment or a Pod."]
    assert said("ingress.networking.k8s.io/kubia created\n", step(RC_KUBIA)) == [
        "You created an Ingress; this step asks for a ReplicationController."]


def test_creating_the_right_kind_with_another_name() -> None:
    assert said("replicationcontroller/kubia-rc created\n", step(RC_KUBIA)) == [
        "You created replicationcontroller kubia-rc; this step looks for "
        "replicationcontroller kubia."]


def test_what_the_step_asks_for_gets_no_remark() -> None:
    assert said("replicationcontroller/kubia created\n", step(RC_KUBIA)) == []
    any_pod = step(Check("count", {"kind": "pods", "atLeast": 1}))
    assert said("pod/whatever created\n", any_pod) == []
    # changing objects other than by creating them is not remarked on
    assert said("pod/kubia labeled\nservice/kubia configured\n", step(RC_KUBIA)) == []


def test_deleting_what_the_step_needs() -> None:
    assert said('replicationcontroller "kubia" deleted\n', step(RC_KUBIA)) == [
        "You deleted replicationcontroller kubia, which this step needs."]
    assert said("pod/kubia-x deleted\n",
                step(Check("ready", {"kind": "pod", "selector": "app=kubia"}))) == [
        "You deleted pod kubia-x, which this step needs."]
    assert said('replicationcontroller "other" deleted\n', step(RC_KUBIA)) == []


def test_steps_that_want_nothing_give_no_feedback() -> None:
    assert said("pod/kubia created\n", step()) == []
    assert said("pod/kubia created\n", step(Check("ran", {"pattern": "kubectl"}),
                                            Check("absent", {"kind": "rc", "name": "x"}))) \
        == []
    assert said("pod/kubia created\n", step(Check("exists", {"kind": "gizmo"}))) == []
