"""The CronJob controller driven by a FakeClock: runs, deadlines, policies, history."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from harness import Shell

from kubia_tutor.api.kinds import resolve
from kubia_tutor.clock import FakeClock
from kubia_tutor.controllers.cron_schedule import next_time
from kubia_tutor.controllers.cronjob import CronJobController
from kubia_tutor.daemon.cluster import Cluster
from kubia_tutor.runtime.fake import FakeRuntime

CRONJOBS = resolve("cronjobs")
JOBS = resolve("jobs")
PODS = resolve("pods")
EVENTS = resolve("events")
# The clock fixture starts at 2026-11-28 06:00:00 UTC.
T0 = int(datetime(2026, 11, 28, 6, 0, tzinfo=UTC).timestamp())


def make_cron(cluster: Cluster, name: str = "every-minute", schedule: str = "* * * * *",
              **spec: Any) -> None:
    cluster.api.create(CRONJOBS, "default", {
        "apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": name},
        "spec": {"schedule": schedule, **spec, "jobTemplate": {"spec": {"template": {
            "metadata": {"labels": {"app": "periodic-batch-job"}},
            "spec": {"restartPolicy": "OnFailure",
                     "containers": [{"name": "main", "image": "luksa/batch-job"}]}}}}}})
    cluster.settle()


def job_names(cluster: Cluster) -> list[str]:
    return sorted(j["metadata"]["name"] for j in cluster.api.list(JOBS, "default")["items"])


def cron_status(cluster: Cluster, name: str = "every-minute") -> dict:
    return cluster.api.get(CRONJOBS, "default", name).get("status") or {}


def tick(cluster: Cluster, clock: FakeClock, seconds: float) -> None:
    clock.advance(seconds)
    cluster.settle()


def complete_job(cluster: Cluster, job: str, code: int = 0) -> None:
    fake = cluster.runtime
    assert isinstance(fake, FakeRuntime)
    for pod in cluster.api.list(PODS, "default", label_selector=f"job-name={job}")["items"]:
        for inst in fake.instances(pod):
            fake.finish(inst.id, code)
        cluster.kubelet.run_once([f"default/{pod['metadata']['name']}"])
    cluster.settle()


def messages(cluster: Cluster, name: str = "every-minute") -> list[tuple[str, str]]:
    return [(e["reason"], e["message"]) for e in cluster.api.list(EVENTS, "default")["items"]
            if e["involvedObject"]["name"] == name]


def test_a_run_at_each_scheduled_time(cluster: Cluster, clock: FakeClock) -> None:
    make_cron(cluster)
    assert job_names(cluster) == []
    assert "lastScheduleTime" not in cron_status(cluster)
    tick(cluster, clock, 59)
    assert job_names(cluster) == []
    tick(cluster, clock, 1)
    first = f"every-minute-{T0 + 60}"
    assert job_names(cluster) == [first]
    job = cluster.api.get(JOBS, "default", first)
    assert job["metadata"]["ownerReferences"][0]["kind"] == "CronJob"
    assert job["metadata"]["labels"]["app"] == "periodic-batch-job"  # copied by defaulting
    status = cron_status(cluster)
    assert status["lastScheduleTime"] == "2026-11-28T06:01:00Z"
    assert [ref["name"] for ref in status["active"]] == [first]
    assert ("SuccessfulCreate", f"Created job {first}") in messages(cluster)
    # the job controller made its pod
    assert cluster.api.list(PODS, "default", label_selector=f"job-name={first}")["items"]


def test_the_running_loop_wakes_at_the_scheduled_time(shell: Shell, clock: FakeClock) -> None:
    make_cron(shell.cluster)
    clock.advance(60)
    for _ in range(40):
        if job_names(shell.cluster):
            break
        shell.run("kubectl get cj")
    assert job_names(shell.cluster) == [f"every-minute-{T0 + 60}"]


def test_completed_jobs_leave_active_and_history_is_trimmed(cluster: Cluster,
                                                            clock: FakeClock) -> None:
    make_cron(cluster, successfulJobsHistoryLimit=2)
    for minute in range(1, 5):
        tick(cluster, clock, 60)
        complete_job(cluster, f"every-minute-{T0 + 60 * minute}")
    assert job_names(cluster) == [f"every-minute-{T0 + 180}", f"every-minute-{T0 + 240}"]
    assert "active" not in cron_status(cluster)
    got = messages(cluster)
    assert ("SawCompletedJob", f"Saw completed job: every-minute-{T0 + 60}, status: Complete") \
        in got
    assert ("SuccessfulDelete", f"Deleted job every-minute-{T0 + 60}") in got


def test_failed_jobs_history_keeps_one(cluster: Cluster, clock: FakeClock) -> None:
    cluster.api.create(CRONJOBS, "default", {
        "apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "failing"},
        "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {
            "backoffLimit": 0, "template": {"spec": {
                "restartPolicy": "Never",
                "containers": [{"name": "main", "image": "busybox"}]}}}}}})
    cluster.settle()
    for minute in (1, 2):
        tick(cluster, clock, 60)
        complete_job(cluster, f"failing-{T0 + 60 * minute}", code=1)
    assert job_names(cluster) == [f"failing-{T0 + 120}"]


def test_forbid_skips_while_a_run_is_active_and_starts_late(cluster: Cluster,
                                                            clock: FakeClock) -> None:
    make_cron(cluster, concurrencyPolicy="Forbid")
    tick(cluster, clock, 60)
    tick(cluster, clock, 60)
    assert job_names(cluster) == [f"every-minute-{T0 + 60}"]
    complete_job(cluster, f"every-minute-{T0 + 60}")
    # the 06:02 run was unmet: it starts now that nothing is active
    assert f"every-minute-{T0 + 120}" in job_names(cluster)


def test_replace_deletes_the_active_run(cluster: Cluster, clock: FakeClock) -> None:
    make_cron(cluster, concurrencyPolicy="Replace")
    tick(cluster, clock, 60)
    tick(cluster, clock, 60)
    assert job_names(cluster) == [f"every-minute-{T0 + 120}"]
    assert [r["name"] for r in cron_status(cluster)["active"]] == [f"every-minute-{T0 + 120}"]
    assert ("SuccessfulDelete", f"Deleted job every-minute-{T0 + 60}") in messages(cluster)


def test_allow_runs_concurrently(cluster: Cluster, clock: FakeClock) -> None:
    make_cron(cluster)
    tick(cluster, clock, 60)
    tick(cluster, clock, 60)
    assert len(cron_status(cluster)["active"]) == 2


def test_suspend_stops_runs(cluster: Cluster, clock: FakeClock) -> None:
    make_cron(cluster, suspend=True)
    tick(cluster, clock, 180)
    assert job_names(cluster) == []


def test_starting_deadline_misses_a_late_run(cluster: Cluster, clock: FakeClock) -> None:
    make_cron(cluster, "quarterly", "0,15,30,45 * * * *", startingDeadlineSeconds=15)
    clock.advance(15 * 60 + 20)  # the controller "wakes" 20 s after 06:15
    cluster.settle()
    assert job_names(cluster) == []
    assert cron_status(cluster, "quarterly") == {}
    clock.advance(15 * 60 - 20)
    cluster.settle()
    assert job_names(cluster) == [f"quarterly-{T0 + 1800}"]


def test_only_the_newest_missed_run_starts(cluster: Cluster, clock: FakeClock) -> None:
    make_cron(cluster)
    tick(cluster, clock, 5 * 60)
    assert job_names(cluster) == [f"every-minute-{T0 + 300}"]


def test_too_many_missed_start_times(cluster: Cluster, clock: FakeClock) -> None:
    make_cron(cluster)
    tick(cluster, clock, 102 * 60)
    assert job_names(cluster) == []
    assert ("FailedNeedsStart", "Cannot determine if job needs to be started: too many missed "
            "start time (> 100). Set or decrease .spec.startingDeadlineSeconds or check clock "
            "skew") in messages(cluster)
    cluster.api.patch(CRONJOBS, "default", "every-minute", {"spec": {
        "startingDeadlineSeconds": 200}}, "merge")
    cluster.settle()
    assert job_names(cluster) == [f"every-minute-{T0 + 102 * 60}"]


def test_deleting_a_job_drops_it_from_active(cluster: Cluster, clock: FakeClock) -> None:
    make_cron(cluster)
    tick(cluster, clock, 60)
    cluster.api.delete(JOBS, "default", f"every-minute-{T0 + 60}")
    cluster.settle()
    assert "active" not in cron_status(cluster)
    assert ("MissingJob", f"Active job went missing: every-minute-{T0 + 60}") in \
        messages(cluster)


def test_get_cronjobs_columns(shell: Shell, clock: FakeClock) -> None:
    shell.write("cronjob.yaml", CRONJOB_YAML)
    shell.run("kubectl create -f cronjob.yaml")
    clock.advance(15)
    out = shell.run("kubectl get cj").out.splitlines()
    assert out == [
        "NAME                              SCHEDULE             SUSPEND   ACTIVE   "
        "LAST SCHEDULE   AGE",
        "batch-job-every-fifteen-minutes   0,15,30,45 * * * *   False     0        "
        "<none>          15s",
    ]
    clock.advance(15 * 60 - 15 + 30)
    for _ in range(40):
        if job_names(shell.cluster):
            break
        shell.run("kubectl get jobs")
    row = shell.run("kubectl get cj").out.splitlines()[1].split()
    assert row[6:] == ["False", "1", "30s", "15m"]  # SUSPEND ACTIVE LAST SCHEDULE AGE
    describe = shell.run("kubectl describe cj batch-job-every-fifteen-minutes").out
    assert "Last Schedule Time:  Sat, 28 Nov 2026 06:15:00 +0000" in describe
    assert f"Active Jobs:         batch-job-every-fifteen-minutes-{T0 + 900}" in describe


@pytest.mark.parametrize(("schedule", "after", "expected"), [
    ("0,15,30,45 * * * *", "2026-11-28T06:00:00", "2026-11-28T06:15:00"),
    ("@hourly", "2026-11-28T06:00:00", "2026-11-28T07:00:00"),
    ("@every 90s", "2026-11-28T06:00:00", "2026-11-28T06:01:30"),
    ("0 0 * * sun", "2026-11-28T06:00:00", "2026-11-29T00:00:00"),
])
def test_schedules(schedule: str, after: str, expected: str) -> None:
    start = datetime.fromisoformat(after).replace(tzinfo=UTC)
    assert next_time(schedule, start) == datetime.fromisoformat(expected).replace(tzinfo=UTC)


CRONJOB_YAML = """\
apiVersion: batch/v1beta1
kind: CronJob
metadata:
  name: batch-job-every-fifteen-minutes
spec:
  schedule: "0,15,30,45 * * * *"
  jobTemplate:
    spec:
      template:
        metadata:
          labels:
            app: periodic-batch-job
        spec:
          restartPolicy: OnFailure
          containers:
          - name: main
            image: luksa/batch-job
"""


def test_reconciles_are_idempotent(cluster: Cluster, clock: FakeClock) -> None:
    make_cron(cluster)
    tick(cluster, clock, 60)
    controller = next(c for c in cluster.controllers if isinstance(c, CronJobController))
    before = cluster.store.revision
    controller.run_once()
    assert cluster.store.revision == before
    assert controller.reconcile("default/nothing-here") is None
