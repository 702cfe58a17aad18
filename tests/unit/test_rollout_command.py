"""`kubectl rollout`, `kubectl set image` and `kubectl scale` as kubectl 1.20 prints them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from harness import Shell

from kubia_tutor.api.kinds import resolve
from kubia_tutor.runtime.fake import FakeRuntime
from kubia_tutor.shell.commands import rollout_status
from kubia_tutor.shell.commands.rollout_status import daemonset_status, statefulset_status

DEPLOYS = resolve("deployments")
RSS = resolve("replicasets")
JOBS = resolve("jobs")
GOLDEN = Path("/work/shared/reference/kubectl-golden/v1.20.2")
Obj = dict[str, Any]

MANIFEST = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: kubia
spec:
  replicas: 3
  selector:
    matchLabels:
      app: kubia
  template:
    metadata:
      name: kubia
      labels:
        app: kubia
    spec:
      containers:
      - image: luksa/kubia:v1
        name: nodejs
"""


def golden_stdout(name: str) -> str:
    lines = (GOLDEN / name).read_text().splitlines(keepends=True)
    return "".join(lines[2:])


@pytest.fixture
def deployed(shell: Shell) -> Shell:
    shell.write("kubia-deployment-v1.yaml", MANIFEST)
    assert shell.run("kubectl create -f kubia-deployment-v1.yaml").code == 0
    return shell


def test_status_of_a_finished_rollout(deployed: Shell) -> None:
    result = deployed.run("kubectl rollout status deployment kubia")
    assert (result.out, result.err, result.code) == \
        ('deployment "kubia" successfully rolled out\n', "", 0)


def test_history_matches_real_kubectl(deployed: Shell) -> None:
    if not GOLDEN.exists():
        pytest.skip("no golden outputs here")
    assert deployed.run("kubectl rollout history deployment kubia").out == \
        golden_stdout("rollout-history.txt")


def test_set_image_record_history_and_undo(deployed: Shell) -> None:
    result = deployed.run("kubectl set image deployment kubia nodejs=luksa/kubia:v2 --record")
    assert result.out == "deployment.apps/kubia image updated\n"
    assert deployed.run("kubectl rollout history deploy/kubia").out == (
        "deployment.apps/kubia \n"
        "REVISION  CHANGE-CAUSE\n"
        "1         <none>\n"
        "2         kubectl set image deployment kubia nodejs=luksa/kubia:v2 --record=true\n\n")
    one = deployed.run("kubectl rollout history deployment kubia --revision=1").out
    assert one.startswith("deployment.apps/kubia with revision #1\nPod Template:\n")
    assert "\tpod-template-hash=" in one and "Image:\tluksa/kubia:v1" in one
    assert deployed.run("kubectl rollout undo deployment kubia").out == \
        "deployment.apps/kubia rolled back\n"
    images = {rs["spec"]["template"]["spec"]["containers"][0]["image"]: rs["spec"]["replicas"]
              for rs in deployed.cluster.api.list(RSS, "default")["items"]}
    assert images == {"luksa/kubia:v1": 3, "luksa/kubia:v2": 0}
    assert deployed.run("kubectl rollout history deployment kubia").out.splitlines()[2:4] == [
        "2         kubectl set image deployment kubia nodejs=luksa/kubia:v2 --record=true",
        "3         <none>"]


def test_undo_errors(deployed: Shell) -> None:
    result = deployed.run("kubectl rollout undo deployment kubia --to-revision=10")
    assert (result.err, result.code) == \
        ("error: unable to find specified revision 10 in history\n", 1)
    result = deployed.run("kubectl rollout undo deployment kubia")
    assert result.err == 'error: no rollout history found for deployment "kubia"\n'
    result = deployed.run("kubectl rollout history deployment kubia --revision=7")
    assert result.err == "error: unable to find the specified revision\n"


def test_undo_to_the_current_revision_is_skipped(deployed: Shell) -> None:
    result = deployed.run("kubectl rollout undo deployment kubia --to-revision=1")
    assert result.out == ("deployment.apps/kubia skipped rollback (current template already "
                          "matches revision 1)\n")


def test_pause_and_resume(deployed: Shell) -> None:
    assert deployed.run("kubectl rollout pause deployment kubia").out == \
        golden_stdout("rollout-pause.txt")
    result = deployed.run("kubectl rollout pause deployment kubia")
    assert (result.err, result.code) == ('error: deployments.apps "kubia" is already paused\n', 1)
    deployed.run("kubectl set image deployment kubia nodejs=luksa/kubia:v2")
    assert len(deployed.cluster.api.list(RSS, "default")["items"]) == 1
    result = deployed.run("kubectl rollout undo deployment kubia")
    assert "you cannot rollback a paused deployment" in result.err
    assert deployed.run("kubectl rollout resume deployment kubia").out == \
        "deployment.apps/kubia resumed\n"
    result = deployed.run("kubectl rollout resume deployment kubia")
    assert (result.err, result.code) == ('error: deployments.apps "kubia" is not paused\n', 1)
    assert len(deployed.cluster.api.list(RSS, "default")["items"]) == 2


def test_restart_rolls_new_pods(deployed: Shell) -> None:
    assert deployed.run("kubectl rollout restart deployment kubia").out == \
        "deployment.apps/kubia restarted\n"
    d = deployed.cluster.api.get(DEPLOYS, "default", "kubia")
    assert "kubectl.kubernetes.io/restartedAt" in d["spec"]["template"]["metadata"][
        "annotations"]
    assert len(deployed.cluster.api.list(RSS, "default")["items"]) == 2


def test_status_times_out_on_a_stuck_rollout(deployed: Shell) -> None:
    fake = deployed.cluster.runtime
    assert isinstance(fake, FakeRuntime)
    fake.unpullable.add("luksa/kubia:v9999")
    deployed.run("kubectl set image deployment kubia nodejs=luksa/kubia:v9999")
    result = deployed.run("kubectl rollout status deployment kubia --timeout=1s")
    assert result.out == ('Waiting for deployment "kubia" rollout to finish: 1 out of 3 new '
                          "replicas have been updated...\n")
    assert (result.err, result.code) == ("error: timed out waiting for the condition\n", 1)
    result = deployed.run("kubectl rollout status deployment kubia --watch=false")
    assert result.code == 0 and result.out.startswith('Waiting for deployment "kubia"')


def test_status_follows_a_rollout_to_the_end(deployed: Shell) -> None:
    deployed.run("kubectl set image deployment kubia nodejs=luksa/kubia:v2", settle=False)
    result = deployed.run("kubectl rollout status deployment kubia --timeout=20s")
    assert result.code == 0
    assert result.out.endswith('deployment "kubia" successfully rolled out\n')


def test_status_reports_an_exceeded_deadline(deployed: Shell) -> None:
    fake = deployed.cluster.runtime
    assert isinstance(fake, FakeRuntime)
    fake.unpullable.add("luksa/kubia:v9999")
    patch = """'{"spec":{"progressDeadlineSeconds":1}}'"""
    assert deployed.run(f"kubectl patch deployment kubia -p {patch}").code == 0
    deployed.run("kubectl set image deployment kubia nodejs=luksa/kubia:v9999")
    clock = deployed.cluster.clock
    clock.advance(5)  # type: ignore[attr-defined]
    deployed.run("kubectl get deploy")
    result = deployed.run("kubectl rollout status deployment kubia --timeout=5s")
    assert result.err == 'error: deployment "kubia" exceeded its progress deadline\n'


def test_ctrl_c_ends_status_cleanly(deployed: Shell, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*_args: Any, **_kw: Any) -> Obj:
        raise KeyboardInterrupt

    fake = deployed.cluster.runtime
    assert isinstance(fake, FakeRuntime)
    fake.unpullable.add("luksa/kubia:v9999")
    deployed.run("kubectl set image deployment kubia nodejs=luksa/kubia:v9999")
    monkeypatch.setattr(rollout_status, "_next_version", interrupted)
    result = deployed.run("kubectl rollout status deployment kubia")
    assert result.code == 130 and "Traceback" not in result.err


def test_status_of_other_kinds(shell: Shell) -> None:
    result = shell.run("kubectl rollout status rs kubia")
    assert result.err == 'Error from server (NotFound): replicasets.apps "kubia" not found\n'
    shell.cluster.api.create(RSS, "default", {
        "apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "kubia"},
        "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "kubia"}},
                 "template": {"metadata": {"labels": {"app": "kubia"}},
                              "spec": {"containers": [{"name": "c", "image": "busybox"}]}}}})
    result = shell.run("kubectl rollout status rs kubia")
    assert result.err == "error: no status viewer has been implemented for ReplicaSet.apps\n"


def test_daemonset_and_statefulset_viewers_read_status_fields() -> None:
    ds: Obj = {"metadata": {"name": "ssd-monitor", "generation": 2},
               "spec": {"updateStrategy": {"type": "RollingUpdate"}},
               "status": {"observedGeneration": 2, "desiredNumberScheduled": 2,
                          "updatedNumberScheduled": 1, "numberAvailable": 1}}
    ctx: Any = None
    assert daemonset_status(ctx, ds, 0) == (
        'Waiting for daemon set "ssd-monitor" rollout to finish: 1 out of 2 new pods have been '
        "updated...", False)
    ds["status"].update(updatedNumberScheduled=2, numberAvailable=2)
    assert daemonset_status(ctx, ds, 0) == ('daemon set "ssd-monitor" successfully rolled out',
                                            True)
    sts: Obj = {"metadata": {"name": "kubia", "generation": 1},
                "spec": {"replicas": 3, "updateStrategy": {"type": "RollingUpdate",
                                                           "rollingUpdate": {"partition": 0}}},
                "status": {"observedGeneration": 1, "readyReplicas": 1, "updatedReplicas": 1}}
    assert statefulset_status(ctx, sts, 0) == ("Waiting for 2 pods to be ready...", False)
    sts["status"].update(readyReplicas=3, updatedReplicas=3)
    assert statefulset_status(ctx, sts, 0) == (
        "partitioned roll out complete: 3 new pods have been updated...", True)
    del sts["spec"]["updateStrategy"]["rollingUpdate"]
    sts["status"].update(currentRevision="kubia-1", updateRevision="kubia-1",
                         currentReplicas=3)
    assert statefulset_status(ctx, sts, 0) == (
        "statefulset rolling update complete 3 pods at revision kubia-1...", True)


def test_set_image_errors_and_other_kinds(deployed: Shell) -> None:
    result = deployed.run("kubectl set image deployment/kubia nginx=nginx:1.9")
    assert (result.err, result.code) == ('error: unable to find container named "nginx"\n', 1)
    result = deployed.run("kubectl set image deployment/kubia")
    assert result.err.startswith("error: at least one image update is required\n")
    pod = deployed.cluster.api.list(resolve("pods"), "default")["items"][0]["metadata"]["name"]
    assert deployed.run(f"kubectl set image pod/{pod} nodejs=luksa/kubia:v2").out == \
        f"pod/{pod} image updated\n"
    result = deployed.run("kubectl set image deployment/kubia nodejs=luksa/kubia:v1")
    assert (result.out, result.code) == ("", 0)  # nothing changed: kubectl prints nothing


def test_scale_kinds_and_preconditions(deployed: Shell) -> None:
    assert deployed.run("kubectl scale deployment kubia --replicas=3").out == \
        golden_stdout("scale-deployment.txt")
    result = deployed.run("kubectl scale deployment kubia --current-replicas=2 --replicas=4")
    assert (result.err, result.code) == ("error: Expected replicas to be 2, was 3\n", 1)
    assert deployed.run("kubectl scale deployment --all --replicas=1").out == \
        "deployment.apps/kubia scaled\n"
    assert deployed.cluster.api.get(DEPLOYS, "default", "kubia")["spec"]["replicas"] == 1
    rs = deployed.cluster.api.list(RSS, "default")["items"][0]
    assert rs["spec"]["replicas"] == 1
    result = deployed.run("kubectl scale rs -l app=kubia --replicas=2")
    assert result.out == f"replicaset.apps/{rs['metadata']['name']} scaled\n"


def test_scale_job_warns_and_sets_parallelism(shell: Shell) -> None:
    shell.cluster.api.create(JOBS, "default", {
        "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "batch-job-more"},
        "spec": {"completions": 5, "parallelism": 2, "template": {"spec": {
            "restartPolicy": "OnFailure",
            "containers": [{"name": "main", "image": "luksa/batch-job"}]}}}})
    result = shell.run("kubectl scale job batch-job-more --replicas 1")
    assert result.err == "kubectl scale job is DEPRECATED and will be removed in a future " \
                         "version.\n"
    assert result.out == "job.batch/batch-job-more scaled\n"
    assert shell.cluster.api.get(JOBS, "default", "batch-job-more")["spec"]["parallelism"] == 1


def test_record_writes_the_command_line_as_kubectl_does(shell: Shell) -> None:
    shell.write("kubia-deployment-v1.yaml", MANIFEST)
    shell.run("kubectl create -f kubia-deployment-v1.yaml --record")
    d = shell.cluster.api.get(DEPLOYS, "default", "kubia")
    assert d["metadata"]["annotations"]["kubernetes.io/change-cause"] == \
        "kubectl create --filename=kubia-deployment-v1.yaml --record=true"
    shell.run("kubectl scale deploy kubia --replicas=2 --record -n default")
    d = shell.cluster.api.get(DEPLOYS, "default", "kubia")
    assert d["metadata"]["annotations"]["kubernetes.io/change-cause"] == \
        "kubectl scale deploy kubia --replicas=2 --record=true --namespace=default"
