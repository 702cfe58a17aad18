"""The CronJob controller: creates a Job at each scheduled time (Kubernetes 1.20's default,
the first CronJob controller: `syncOne` then `cleanupFinishedJobs`).

Design note. 1.20 polls every CronJob every 10 s; here a reconcile asks to run again exactly
at the next scheduled time, so a run starts on the second and a test's FakeClock drives it:
`clock.advance(...)` then a reconcile (the loop's timer, `run_once`, or `Cluster.settle`).
Each run takes the unmet scheduled times since `status.lastScheduleTime` (or the CronJob's
creation), bounded below by `startingDeadlineSeconds`, and starts only the newest; more than
100 unmet times is refused with 1.20's "too many missed start time" event. A Job is named
`<cronjob>-<scheduled time in seconds since the epoch>`, which is what makes a run
idempotent: making the same run twice meets AlreadyExists.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import datetime, timedelta
from email.utils import format_datetime

from kubia_tutor.api import events
from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import ResourceType, resolve
from kubia_tutor.controllers.base import Controller, Obj, key_of, split_key
from kubia_tutor.controllers.cron_schedule import ScheduleError, next_time, times_after
from kubia_tutor.controllers.job import finished_type
from kubia_tutor.controllers.pod_template import (
    controller_ref,
    is_controlled_by,
    now_stamp,
    owner_reference,
    parse_timestamp,
)

CRONJOBS = resolve("cronjobs")
JOBS = resolve("jobs")
COMPONENT = "cronjob-controller"
MAX_UNMET_TIMES = 100


class CronJobController(Controller):
    """Starts Jobs on a CronJob's schedule and keeps its job history short."""

    name = "cronjob-controller"
    watches = ("cronjobs", "jobs")

    def keys_for(self, rt: ResourceType, obj: Obj) -> Iterable[str]:
        if rt is CRONJOBS:
            yield key_of(obj)
            return
        ref = controller_ref(obj)
        if ref is not None and ref.get("kind") == "CronJob" and ref.get("name"):
            yield f"{obj['metadata'].get('namespace')}/{ref['name']}"

    def reconcile(self, key: str) -> float | None:
        ns, name = split_key(key)
        try:
            cron_job = self.api.get(CRONJOBS, ns, name)
        except ApiError:
            return None
        jobs = [j for j in self.api.list(JOBS, ns)["items"] if is_controlled_by(j, cron_job)]
        status = copy.deepcopy(cron_job.get("status") or {})
        self._sync_active(cron_job, status, jobs)
        again: float | None = None
        spec = cron_job.get("spec") or {}
        if not cron_job["metadata"].get("deletionTimestamp") and not spec.get("suspend"):
            again = self._maybe_start(cron_job, status)
        self._write_status(cron_job, status)
        self._cleanup(cron_job, status, jobs)
        return again

    # Active jobs -----------------------------------------------------------------------------

    def _sync_active(self, cron_job: Obj, status: Obj, jobs: list[Obj]) -> None:
        """Drop finished and vanished jobs from status.active, with 1.20's events."""
        active = list(status.get("active") or [])
        uids = {ref.get("uid") for ref in active}
        for job in jobs:
            done = finished_type(job)
            listed = job["metadata"]["uid"] in uids
            if not listed and done is None:
                self._event(cron_job, "Warning", "UnexpectedJob",
                            "Saw a job that the controller did not create or forgot: "
                            f"{job['metadata']['name']}")
            elif listed and done is not None:
                active = [ref for ref in active if ref.get("uid") != job["metadata"]["uid"]]
                self._event(cron_job, "Normal", "SawCompletedJob",
                            f"Saw completed job: {job['metadata']['name']}, status: {done}")
        present = {job["metadata"]["uid"] for job in jobs}
        for ref in list(active):
            if ref.get("uid") not in present:
                self._event(cron_job, "Normal", "MissingJob",
                            f"Active job went missing: {ref.get('name')}")
                active.remove(ref)
        _set_active(status, active)

    # Starting a run --------------------------------------------------------------------------

    def _maybe_start(self, cron_job: Obj, status: Obj) -> float | None:
        """Start the newest unmet run if the policies allow; return seconds to the next
        scheduled time."""
        spec = cron_job.get("spec") or {}
        schedule = str(spec.get("schedule") or "")
        now = self.clock.now()
        try:
            wait = (next_time(schedule, now) - now).total_seconds()
            times = self._unmet_times(cron_job, status, now)
        except ScheduleError as err:
            self._event(cron_job, "Warning", "FailedNeedsStart",
                        f"Cannot determine if job needs to be started: {err}")
            return None
        except _TooManyMissed as err:
            self._event(cron_job, "Warning", "FailedNeedsStart",
                        f"Cannot determine if job needs to be started: {err}")
            return wait
        if not times:
            return wait
        scheduled = times[-1]
        deadline = spec.get("startingDeadlineSeconds")
        if deadline is not None and (now - scheduled).total_seconds() > int(deadline):
            self._event(cron_job, "Warning", "MissSchedule",
                        f"Missed scheduled time to start a job: {format_datetime(scheduled)}")
            return wait
        policy = spec.get("concurrencyPolicy") or "Allow"
        if policy == "Forbid" and status.get("active"):
            return wait  # the run waits for the active job to finish (a job change wakes us)
        if policy == "Replace":
            for ref in list(status.get("active") or []):
                if not self._delete_job(cron_job, str(ref.get("name"))):
                    return wait
                _set_active(status, [r for r in status.get("active") or []
                                     if r.get("uid") != ref.get("uid")])
        job = self._create_job(cron_job, scheduled)
        if job is None:
            return wait
        if finished_type(job) is None and \
                all(r.get("uid") != job["metadata"]["uid"] for r in status.get("active") or []):
            _set_active(status, [*(status.get("active") or []), _job_ref(job)])
        status["lastScheduleTime"] = now_stamp(scheduled)
        return wait

    def _unmet_times(self, cron_job: Obj, status: Obj, now: datetime) -> list[datetime]:
        """Scheduled times after the last run (or creation) up to now:
        `getRecentUnmetScheduleTimes`."""
        spec = cron_job.get("spec") or {}
        earliest = parse_timestamp(status.get("lastScheduleTime")) or \
            parse_timestamp(cron_job["metadata"].get("creationTimestamp")) or now
        deadline = spec.get("startingDeadlineSeconds")
        if deadline is not None:
            earliest = max(earliest, now - _seconds(int(deadline)))
        times: list[datetime] = []
        if earliest > now:
            return times
        for when in times_after(str(spec.get("schedule") or ""), earliest):
            if when > now:
                break
            times.append(when)
            if len(times) > MAX_UNMET_TIMES:
                raise _TooManyMissed("too many missed start time (> 100). Set or decrease "
                                     ".spec.startingDeadlineSeconds or check clock skew")
        return times

    def _create_job(self, cron_job: Obj, scheduled: datetime) -> Obj | None:
        """Create the run's Job (or find it made already); None when that failed."""
        meta = cron_job["metadata"]
        ns = meta["namespace"]
        template = (cron_job.get("spec") or {}).get("jobTemplate") or {}
        template_meta = template.get("metadata") or {}
        name = f"{meta['name']}-{int(scheduled.timestamp())}"
        job_meta: Obj = {"name": name, "namespace": ns,
                         "ownerReferences": [owner_reference(cron_job)]}
        if template_meta.get("labels"):
            job_meta["labels"] = dict(template_meta["labels"])
        if template_meta.get("annotations"):
            job_meta["annotations"] = dict(template_meta["annotations"])
        job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": job_meta,
               "spec": copy.deepcopy(template.get("spec") or {})}
        try:
            created = self.api.create(JOBS, ns, job)
        except ApiError as err:
            if err.code == 409:
                # Made by an earlier pass whose status write was lost: adopt it if ours.
                try:
                    existing = self.api.get(JOBS, ns, name)
                except ApiError:
                    return None
                return existing if is_controlled_by(existing, cron_job) else None
            self._event(cron_job, "Warning", "FailedCreate", f"Error creating job: {err}")
            return None
        self._event(cron_job, "Normal", "SuccessfulCreate", f"Created job {name}")
        return created

    # History ---------------------------------------------------------------------------------

    def _cleanup(self, cron_job: Obj, status: Obj, jobs: list[Obj]) -> None:
        """Delete the oldest finished jobs beyond the history limits."""
        spec = cron_job.get("spec") or {}
        for kind, field in (("Complete", "successfulJobsHistoryLimit"),
                            ("Failed", "failedJobsHistoryLimit")):
            limit = spec.get(field)
            if limit is None:
                continue
            done = [j for j in jobs if finished_type(j) == kind]
            extra = len(done) - int(limit)
            if extra <= 0:
                continue
            for job in sorted(done, key=_start_order)[:extra]:
                self._delete_job(cron_job, job["metadata"]["name"])

    def _delete_job(self, cron_job: Obj, name: str) -> bool:
        try:
            self.api.delete(JOBS, cron_job["metadata"]["namespace"], name,
                            propagation="Background")
        except ApiError as err:
            if err.code == 404:
                return True
            self._event(cron_job, "Warning", "FailedDelete", f"Deleted job: {err}")
            return False
        self._event(cron_job, "Normal", "SuccessfulDelete", f"Deleted job {name}")
        return True

    # Helpers ---------------------------------------------------------------------------------

    def _write_status(self, cron_job: Obj, status: Obj) -> None:
        if status != (cron_job.get("status") or {}):
            meta = cron_job["metadata"]
            self.api.update(CRONJOBS, meta["namespace"], meta["name"],
                            {**cron_job, "status": status}, subresource="status")

    def _event(self, cron_job: Obj, kind: str, reason: str, message: str) -> None:
        events.record(self.api, cron_job, kind, reason, message, component=COMPONENT)


class _TooManyMissed(Exception):
    pass


def _set_active(status: Obj, active: list[Obj]) -> None:
    if active:
        status["active"] = active
    else:
        status.pop("active", None)


def _job_ref(job: Obj) -> Obj:
    """The ObjectReference status.active lists."""
    meta = job["metadata"]
    return {"kind": "Job", "namespace": meta["namespace"], "name": meta["name"],
            "uid": meta["uid"], "apiVersion": "batch/v1",
            "resourceVersion": meta["resourceVersion"]}


def _start_order(job: Obj) -> tuple[bool, str, str]:
    """Oldest first by startTime, jobs without one last, names breaking ties."""
    start = str((job.get("status") or {}).get("startTime") or "")
    return (not start, start, str(job["metadata"]["name"]))


def _seconds(n: int) -> timedelta:
    return timedelta(seconds=n)
