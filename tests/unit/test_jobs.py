"""The Job controller on the fake runtime: completions, parallelism, back-off, deadlines."""

from __future__ import annotations

from typing import Any

from harness import Shell

from kubia_tutor.api.kinds import resolve
from kubia_tutor.clock import FakeClock
from kubia_tutor.controllers.job import JobController
from kubia_tutor.daemon.cluster import Cluster
from kubia_tutor.runtime.fake import FakeRuntime

JOBS = resolve("jobs")
PODS = resolve("pods")
EVENTS = resolve("events")


def make_job(cluster: Cluster, name: str = "batch-job", policy: str = "OnFailure",
             **spec: Any) -> dict:
    cluster.api.create(JOBS, "default", {
        "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name},
        "spec": {**spec, "template": {
            "metadata": {"labels": {"app": name}},
            "spec": {"restartPolicy": policy,
                     "containers": [{"name": "main", "image": "luksa/batch-job"}]}}}})
    cluster.settle()
    return cluster.api.get(JOBS, "default", name)


def job_pods(cluster: Cluster, name: str = "batch-job") -> list[dict]:
    return cluster.api.list(PODS, "default", label_selector=f"job-name={name}")["items"]


def finish(cluster: Cluster, pod: dict, code: int) -> None:
    """The pod's newest container exits with `code`; then everything settles."""
    fake = cluster.runtime
    assert isinstance(fake, FakeRuntime)
    newest = max(fake.instances(pod), key=lambda i: i.attempt)
    fake.finish(newest.id, code)
    cluster.kubelet.run_once([f"default/{pod['metadata']['name']}"])
    cluster.settle()


def running(cluster: Cluster, name: str = "batch-job") -> list[dict]:
    return [p for p in job_pods(cluster, name) if p["status"].get("phase") == "Running"]


def reasons(cluster: Cluster, name: str) -> list[tuple[str, str]]:
    return [(e["reason"], e["message"]) for e in cluster.api.list(EVENTS, "default")["items"]
            if e["involvedObject"]["name"] == name]


def test_one_pod_runs_to_completion(cluster: Cluster) -> None:
    job = make_job(cluster)
    pods = job_pods(cluster)
    assert len(pods) == 1
    pod = pods[0]
    assert pod["metadata"]["generateName"] == "batch-job-"
    labels = pod["metadata"]["labels"]
    assert labels["controller-uid"] == job["metadata"]["uid"]
    assert labels["app"] == "batch-job"
    ref = pod["metadata"]["ownerReferences"][0]
    assert (ref["kind"], ref["name"], ref["controller"]) == ("Job", "batch-job", True)
    status = cluster.api.get(JOBS, "default", "batch-job")["status"]
    assert status["active"] == 1 and "startTime" in status
    finish(cluster, pod, 0)
    status = cluster.api.get(JOBS, "default", "batch-job")["status"]
    assert status["succeeded"] == 1 and "active" not in status
    assert status["conditions"][0]["type"] == "Complete"
    assert status["conditions"][0]["status"] == "True"
    assert "completionTime" in status
    # the completed pod stays, for its logs
    assert [p["status"]["phase"] for p in job_pods(cluster)] == ["Succeeded"]
    assert ("SuccessfulCreate", f"Created pod: {pod['metadata']['name']}") in \
        reasons(cluster, "batch-job")
    assert ("Completed", "Job completed") in reasons(cluster, "batch-job")


def test_completions_and_parallelism(cluster: Cluster) -> None:
    make_job(cluster, "batch-job-more", completions=5, parallelism=3)
    assert len(running(cluster, "batch-job-more")) == 3
    for done in range(1, 5):
        finish(cluster, running(cluster, "batch-job-more")[0], 0)
        status = cluster.api.get(JOBS, "default", "batch-job-more")["status"]
        assert status["succeeded"] == done
        # never more active pods than completions still to come
        assert status.get("active", 0) == min(3, 5 - done)
    finish(cluster, running(cluster, "batch-job-more")[0], 0)
    status = cluster.api.get(JOBS, "default", "batch-job-more")["status"]
    assert status["succeeded"] == 5 and status["conditions"][0]["type"] == "Complete"
    assert len(job_pods(cluster, "batch-job-more")) == 5


def test_lowering_parallelism_deletes_active_pods(cluster: Cluster) -> None:
    make_job(cluster, "batch-job-more", completions=5, parallelism=3)
    cluster.api.patch(JOBS, "default", "batch-job-more", {"spec": {"parallelism": 1}},
                      "merge")
    cluster.settle()
    active = [p for p in job_pods(cluster, "batch-job-more")
              if not p["metadata"].get("deletionTimestamp")]
    assert len(active) == 1
    assert sum(1 for r, _ in reasons(cluster, "batch-job-more") if r == "SuccessfulDelete") == 2


def test_never_replaces_failed_pods_until_the_backoff_limit(cluster: Cluster,
                                                            clock: FakeClock) -> None:
    make_job(cluster, policy="Never", backoffLimit=2)
    finish(cluster, job_pods(cluster)[0], 1)
    # the first failure is replaced at once
    assert len(running(cluster)) == 1
    assert cluster.api.get(JOBS, "default", "batch-job")["status"]["failed"] == 1
    finish(cluster, running(cluster)[0], 1)
    # the second waits 10 s
    assert running(cluster) == []
    clock.advance(10)
    cluster.settle()
    assert len(running(cluster)) == 1
    finish(cluster, running(cluster)[0], 1)
    status = cluster.api.get(JOBS, "default", "batch-job")["status"]
    assert status["failed"] == 3
    failed = status["conditions"][0]
    assert (failed["type"], failed["reason"], failed["message"]) == (
        "Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit")
    assert len(job_pods(cluster)) == 3  # failed pods are kept
    assert ("BackoffLimitExceeded", "Job has reached the specified backoff limit") in \
        reasons(cluster, "batch-job")


def test_on_failure_restarts_count_toward_the_backoff_limit(cluster: Cluster,
                                                            clock: FakeClock) -> None:
    make_job(cluster, policy="OnFailure", backoffLimit=2)
    pod = job_pods(cluster)[0]
    finish(cluster, pod, 1)
    current = cluster.api.get(PODS, "default", pod["metadata"]["name"])
    assert current["status"]["containerStatuses"][0]["restartCount"] == 1
    assert "conditions" not in cluster.api.get(JOBS, "default", "batch-job")["status"]
    clock.advance(11)  # past the kubelet's crash-loop back-off
    cluster.kubelet.run_once([f"default/{pod['metadata']['name']}"])
    finish(cluster, current, 1)
    clock.advance(21)
    cluster.kubelet.run_once([f"default/{pod['metadata']['name']}"])
    cluster.settle()
    status = cluster.api.get(JOBS, "default", "batch-job")["status"]
    assert status["conditions"][0]["reason"] == "BackoffLimitExceeded"
    assert status["failed"] == 1
    # the restarting pod was deleted
    pod_now = cluster.api.list(PODS, "default")["items"]
    assert all(p["metadata"].get("deletionTimestamp") for p in pod_now)


def test_active_deadline(cluster: Cluster, clock: FakeClock) -> None:
    make_job(cluster, activeDeadlineSeconds=30)
    clock.advance(29)
    cluster.settle()
    assert "conditions" not in cluster.api.get(JOBS, "default", "batch-job")["status"]
    clock.advance(1)
    cluster.settle()
    status = cluster.api.get(JOBS, "default", "batch-job")["status"]
    assert status["conditions"][0]["reason"] == "DeadlineExceeded"
    assert status["conditions"][0]["message"] == "Job was active longer than specified deadline"
    assert status["failed"] == 1 and "active" not in status
    assert ("DeadlineExceeded", "Job was active longer than specified deadline") in \
        reasons(cluster, "batch-job")


def test_deadline_wakes_the_running_loop(shell: Shell, clock: FakeClock) -> None:
    """The controller asks to run again at the deadline, so the daemon's loop fails the Job
    without any other change."""
    shell.run("kubectl create job sleeper --image=busybox -- sleep 1000")
    shell.cluster.api.patch(JOBS, "default", "sleeper", {"spec": {"activeDeadlineSeconds": 5}},
                            "merge")
    clock.advance(6)
    for _ in range(40):
        status = shell.cluster.api.get(JOBS, "default", "sleeper")["status"]
        if status.get("conditions"):
            break
        shell.run("kubectl get jobs")
    assert status["conditions"][0]["reason"] == "DeadlineExceeded"


def test_work_queue_job_completes_when_one_succeeds_and_none_run(cluster: Cluster) -> None:
    cluster.api.create(JOBS, "default", {
        "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "queue"},
        "spec": {"parallelism": 2, "template": {"spec": {
            "restartPolicy": "Never",
            "containers": [{"name": "main", "image": "busybox"}]}}}})
    cluster.settle()
    first, second = running(cluster, "queue")
    finish(cluster, first, 0)
    assert "conditions" not in cluster.api.get(JOBS, "default", "queue")["status"]
    assert len(running(cluster, "queue")) == 1  # no new pod once one succeeded
    finish(cluster, second, 0)
    assert cluster.api.get(JOBS, "default", "queue")["status"]["conditions"][0]["type"] == \
        "Complete"


def test_pods_of_another_owner_are_not_counted(cluster: Cluster) -> None:
    make_job(cluster)
    cluster.api.create(PODS, "default", {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "stranger", "labels": {"job-name": "batch-job"}},
        "spec": {"containers": [{"name": "main", "image": "busybox"}]}})
    cluster.settle()
    assert cluster.api.get(JOBS, "default", "batch-job")["status"]["active"] == 1


def test_get_jobs_and_pods_print_completions_duration_and_completed(shell: Shell,
                                                                    clock: FakeClock) -> None:
    shell.write("job.yaml", JOB_YAML)
    assert shell.run("kubectl create -f job.yaml").out == "job.batch/batch-job created\n"
    pod = job_pods(shell.cluster)[0]
    clock.advance(124)
    fake = shell.cluster.runtime
    assert isinstance(fake, FakeRuntime)
    fake.finish(fake.instances(pod)[0].id, 0)
    shell.cluster.kubelet.run_once([f"default/{pod['metadata']['name']}"])
    for _ in range(40):
        if shell.cluster.api.get(JOBS, "default", "batch-job")["status"].get("succeeded"):
            break
        shell.run("kubectl get jobs")
    clock.advance(245)
    out = shell.run("kubectl get jobs").out
    assert out.splitlines() == [
        "NAME        COMPLETIONS   DURATION   AGE",
        "batch-job   1/1           2m4s       6m9s",
    ]
    pods = shell.run("kubectl get pods").out.splitlines()
    assert pods[1].split()[1:4] == ["0/1", "Completed", "0"]


def test_scale_job_sets_parallelism_with_the_deprecation_line(shell: Shell) -> None:
    shell.write("job.yaml", JOB_MORE_YAML)
    shell.run("kubectl create -f job.yaml")
    assert shell.run("kubectl get job").out.splitlines()[1].split()[:2] == ["batch-job-more", "0/5"]
    result = shell.run("kubectl scale job batch-job-more --replicas 1")
    assert result.err == ("kubectl scale job is DEPRECATED and will be removed in a future "
                          "version.\n")
    assert result.out == "job.batch/batch-job-more scaled\n"
    assert shell.cluster.api.get(JOBS, "default", "batch-job-more")["spec"]["parallelism"] == 1


def test_describe_job(shell: Shell) -> None:
    shell.write("job.yaml", JOB_MORE_YAML)
    shell.run("kubectl create -f job.yaml")
    out = shell.run("kubectl describe job batch-job-more").out
    assert "Parallelism:    3\n" in out
    assert "Completions:    5\n" in out
    assert "Pods Statuses:  3 Running / 0 Succeeded / 0 Failed\n" in out
    assert "SuccessfulCreate  " in out and "job-controller" in out


JOB_YAML = """\
apiVersion: batch/v1
kind: Job
metadata:
  name: batch-job
spec:
  template:
    metadata:
      labels:
        app: batch-job
    spec:
      restartPolicy: OnFailure
      containers:
      - name: main
        image: luksa/batch-job
"""

JOB_MORE_YAML = """\
apiVersion: batch/v1
kind: Job
metadata:
  name: batch-job-more
spec:
  completions: 5
  parallelism: 3
  template:
    metadata:
      labels:
        app: batch-job-more
    spec:
      restartPolicy: OnFailure
      containers:
      - name: main
        image: luksa/batch-job
"""


def test_reconciles_are_idempotent_and_tolerate_a_deleted_job(cluster: Cluster) -> None:
    make_job(cluster, completions=2, parallelism=2)
    controller = next(c for c in cluster.controllers if isinstance(c, JobController))
    before = cluster.store.revision
    controller.run_once()
    assert cluster.store.revision == before  # converged: nothing to write
    cluster.api.delete(JOBS, "default", "batch-job", propagation="Orphan")
    cluster.settle()
    controller.run_once(["default/batch-job"])  # gone: no error, no pods made
    assert len(job_pods(cluster)) == 2
