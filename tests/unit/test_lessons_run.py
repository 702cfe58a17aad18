"""LessonRun: setting a lesson up, hearing commands, checking, moving, resuming."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from harness import SERVER, Shell, wait_quiet
from lessons_fixtures import write_pack

from kubia_tutor.api.kinds import resolve
from kubia_tutor.lessons.checks import CommandRecord
from kubia_tutor.lessons.lesson_run import LessonError, LessonRun
from kubia_tutor.lessons.loader import load_pack
from kubia_tutor.lessons.model import Pack
from kubia_tutor.lessons.progress import Progress
from kubia_tutor.shell.kubeconfig import KubeConfig
from kubia_tutor.shell.session import Session

LESSON = """\
id: scaling
title: Scaling
files:
  notes/readme.txt: read me
  rc.yaml: {from: manifests/rc.yaml}
setup:
  - kubectl create configmap settings --from-literal=mode=fast
  - manifest: {apiVersion: v1, kind: ConfigMap, metadata: {name: from-manifest}}
  - manifest: |
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: from-text}
steps:
  - id: create
    text: Create the rc.
    checks:
      - exists: {kind: rc, name: kubia}
      - ran: {pattern: 'kubectl (create|apply) -f'}
    hints: [Look at rc.yaml., Use kubectl create -f.]
    solution: [kubectl create -f rc.yaml]
  - id: scale
    text: Scale it.
    checks:
      - field: {kind: rc, name: kubia, path: spec.replicas, equals: 3}
    solution: [kubectl scale rc kubia --replicas=3]
  - id: read
    text: The end.
"""
RC = """\
apiVersion: v1
kind: ReplicationController
metadata: {name: kubia}
spec:
  replicas: 1
  selector: {app: kubia}
  template:
    metadata: {labels: {app: kubia}}
    spec: {containers: [{name: kubia, image: luksa/kubia}]}
"""


@pytest.fixture
def pack(tmp_path: Path) -> Pack:
    return load_pack(write_pack(tmp_path / "pack", {"scaling.yaml": LESSON},
                                {"manifests/rc.yaml": RC}))


class Learner:
    """Makes LessonRuns over one cluster and one state dir, as the TUI does on each start."""

    def __init__(self, shell: Shell, pack: Pack, state_dir: Path) -> None:
        self.shell, self.pack, self.state_dir = shell, pack, state_dir

    def run(self) -> LessonRun:
        buf = io.StringIO()
        session = Session(self.shell.cluster.api, KubeConfig(None, SERVER), out=buf, err=buf,
                          server=SERVER, cwd=str(self.state_dir))
        return LessonRun(self.pack, self.pack.lessons[0], session, self.state_dir,
                         in_pods=False, output=buf)

    def configmaps(self) -> list[str]:
        items = self.shell.cluster.api.list(resolve("configmaps"), "default")["items"]
        return sorted(i["metadata"]["name"] for i in items
                      if i["metadata"]["name"] != "kube-root-ca.crt")


@pytest.fixture
def learner(shell: Shell, pack: Pack, tmp_path: Path) -> Learner:
    return Learner(shell, pack, tmp_path / "state")


def test_start_lays_out_files_and_applies_setup(learner: Learner) -> None:
    run = learner.run()
    run.start()
    workdir = learner.state_dir / "lessons" / "demo" / "scaling"
    assert run.workdir == workdir
    assert (workdir / "notes" / "readme.txt").read_text() == "read me"
    assert (workdir / "rc.yaml").read_text() == RC
    assert run.session.cwd == str(workdir)
    assert learner.configmaps() == ["from-manifest", "from-text", "settings"]
    assert (run.index, run.step.id, run.finished) == (0, "create", False)
    assert (learner.state_dir / "lessons" / "demo" / "scaling.checkpoints" / "00.json").exists()
    assert Progress(learner.state_dir).last() == ("demo", "scaling")


def test_a_failing_setup_says_where(learner: Learner, tmp_path: Path) -> None:
    broken = LESSON.replace("kubectl create configmap settings --from-literal=mode=fast",
                            "kubectl delete pod nothing-here")
    pack = load_pack(write_pack(tmp_path / "broken", {"scaling.yaml": broken},
                                {"manifests/rc.yaml": RC}))
    learner.pack = pack
    with pytest.raises(LessonError) as caught:
        learner.run().start()
    assert str(caught.value) == ("setup of lesson scaling failed at 'kubectl delete pod "
                                 "nothing-here': Error from server (NotFound): pods "
                                 '"nothing-here" not found')


def test_run_record_evaluate_and_feedback(learner: Learner) -> None:
    run = learner.run()
    run.start()
    assert [r.passed for r in run.evaluate()] == [False, False]
    record, remarks = run.run("kubectl run kubia --image=luksa/kubia")
    assert record == CommandRecord("kubectl run kubia --image=luksa/kubia", 0,
                                   "pod/kubia created\n")
    assert remarks == ["You created a Pod; this step asks for a ReplicationController."]
    record, remarks = run.run("kubectl create -f rc.yaml")  # relative to the lesson dir
    assert (record.exit_code, record.output, remarks) == \
        (0, "replicationcontroller/kubia created\n", [])
    results = run.evaluate()
    assert [(r.passed, r.message) for r in results] == [
        (True, "replicationcontroller kubia exists"), (True, "ran kubectl create -f rc.yaml")]
    assert run.state.passed == ["create"]
    assert run.state.commands == [
        {"line": "kubectl run kubia --image=luksa/kubia", "exit": 0,
         "output": "pod/kubia created\n"},
        {"line": "kubectl create -f rc.yaml", "exit": 0,
         "output": "replicationcontroller/kubia created\n"}]
    # the TUI runs commands itself and only tells the run about them
    assert run.record(CommandRecord("kubectl delete rc kubia", 0,
                                    'replicationcontroller "kubia" deleted\n')) == [
        "You deleted replicationcontroller kubia, which this step needs."]


def test_a_run_without_output_cannot_run(shell: Shell, pack: Pack, tmp_path: Path) -> None:
    session = Session(shell.cluster.api, KubeConfig(None, SERVER), out=io.StringIO(),
                      err=io.StringIO(), server=SERVER)
    run = LessonRun(pack, pack.lessons[0], session, tmp_path)
    with pytest.raises(LessonError, match="does not capture output; call record"):
        run.run("kubectl get pods")


def test_hints_and_solution(learner: Learner) -> None:
    run = learner.run()
    run.start()
    assert run.hints_shown() == []
    assert run.hint() == "Look at rc.yaml."
    assert run.hint() == "Use kubectl create -f."
    assert run.hint() is None
    assert run.hints_shown() == ["Look at rc.yaml.", "Use kubectl create -f."]
    assert run.solution() == ["kubectl create -f rc.yaml"]
    state = Progress(learner.state_dir).lesson("demo", "scaling")
    assert (state.hints, state.solutions) == ({"create": 2}, ["create"])


def test_next_previous_and_finishing(learner: Learner) -> None:
    run = learner.run()
    run.start()
    run.run("kubectl create -f rc.yaml")
    assert run.next() is True
    assert (run.index, run.step.id, run.history, run.state.commands) == (1, "scale", [], [])
    assert run.previous() is True
    assert run.index == 0
    assert run.previous() is False
    run.next()
    run.next()
    assert run.step.id == "read"
    assert run.next() is False  # the last step, a reading step: the lesson is finished
    assert run.finished
    assert Progress(learner.state_dir).done("demo") == {"scaling"}


def test_the_last_step_with_checks_must_pass_to_finish(learner: Learner, tmp_path: Path) -> None:
    learner.pack = load_pack(write_pack(
        tmp_path / "short", {"s.yaml": LESSON.split("  - id: scale")[0]},
        {"manifests/rc.yaml": RC}))
    run = learner.run()
    run.start()
    assert run.next() is False
    assert not run.finished
    run.run("kubectl create -f rc.yaml")
    run.evaluate()
    assert run.next() is False
    assert run.finished


def test_restart_from_a_step(learner: Learner) -> None:
    run = learner.run()
    run.start()
    run.run("kubectl create -f rc.yaml")
    run.evaluate()
    run.next()
    run.run("kubectl scale rc kubia --replicas=3")
    run.run("kubectl delete configmap settings")
    assert run.evaluate()[0].passed
    run.restart_from(1)
    wait_quiet(learner.shell.cluster)
    assert run.index == 1
    assert run.state.passed == ["create"]
    rc = learner.shell.cluster.api.get(resolve("rc"), "default", "kubia")
    assert rc["spec"]["replicas"] == 1
    assert "settings" in learner.configmaps()
    with pytest.raises(LessonError, match="step 3 has not been reached yet"):
        run.restart_from(2)


def test_reset_starts_over(learner: Learner) -> None:
    run = learner.run()
    run.start()
    run.run("kubectl create -f rc.yaml")
    run.next()
    (run.workdir / "rc.yaml").write_text("edited")
    (run.workdir / "mine.txt").write_text("scratch")
    run.reset()
    wait_quiet(learner.shell.cluster)
    assert learner.shell.cluster.api.list(resolve("rc"), "default")["items"] == []
    assert learner.configmaps() == ["from-manifest", "from-text", "settings"]
    assert (run.workdir / "rc.yaml").read_text() == RC
    assert not (run.workdir / "mine.txt").exists()
    assert (run.index, run.state.passed, run.history) == (0, [], [])


def test_resume_after_restarting(learner: Learner) -> None:
    run = learner.run()
    run.start()
    run.run("kubectl create -f rc.yaml")
    run.evaluate()
    run.next()
    run.run("kubectl get rc")
    run.hint()
    again = learner.run()
    again.start()  # a resume: no new setup, no new checkpoint 0
    assert learner.configmaps() == ["from-manifest", "from-text", "settings"]
    assert (again.index, again.step.id, again.state.passed) == (1, "scale", ["create"])
    assert [r.line for r in again.history] == ["kubectl get rc"]
    assert again.session.cwd == str(again.workdir)
    again.run("kubectl scale rc kubia --replicas=3")
    assert [r.passed for r in again.evaluate()] == [True]


def test_resume_keeps_whether_commands_failed(learner: Learner) -> None:
    run = learner.run()
    run.start()
    record, _ = run.run("kubectl create -f missing.yaml")
    assert record.exit_code == 1
    assert [r.passed for r in run.evaluate()] == [False, False]
    again = learner.run()
    again.start()
    assert [r.passed for r in again.evaluate()] == [False, False]
