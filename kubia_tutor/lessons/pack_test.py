"""`kubia-tutor pack test`: proving a pack's checks, lesson by lesson, on a real sandbox.

Each lesson gets a fresh sandbox (its own state dir and daemon), its files and its setup.
Then, step by step: every check must FAIL before the step's solution (a check that already
passes cannot tell whether the learner did the step), the solution runs through the shell as
a learner would type it, and every check must PASS within the step's timeout. Checks that
need containers (http, exec) are reported as not proven on the fake runtime.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from kubia_tutor.client import lifecycle
from kubia_tutor.lessons.checks import CheckResult
from kubia_tutor.lessons.lesson_run import LessonError, LessonRun, passed
from kubia_tutor.lessons.model import Lesson, Pack, Step
from kubia_tutor.shell.main import open_session
from kubia_tutor.shell.session import Session

POLL = 0.5
TIMEOUT = {"podman": 120.0, "fake": 20.0}


@dataclass
class StepOutcome:
    step: str
    ok: bool
    lines: list[str] = field(default_factory=list)  # what went wrong, or what is not proven


@dataclass
class LessonOutcome:
    lesson: str
    runtime: str = ""
    error: str = ""
    steps: list[StepOutcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.error and all(s.ok for s in self.steps)


def run_pack_tests(pack: Pack, runtime: str = "auto", lesson_id: str | None = None,
              report: Callable[[str], None] = print) -> list[LessonOutcome]:
    """Test every lesson (or one); `report` hears a line per step as it finishes."""
    lessons = [lesson for lesson in pack.lessons if lesson_id in (None, lesson.id)]
    if not lessons:
        raise LessonError(f"pack {pack.id} has no lesson {lesson_id!r}")
    outcomes = []
    for lesson in lessons:
        outcome = _test_lesson(pack, lesson, runtime, report)
        outcomes.append(outcome)
    return outcomes


def _test_lesson(pack: Pack, lesson: Lesson, runtime: str,
                 report: Callable[[str], None]) -> LessonOutcome:
    started = time.monotonic()
    outcome = LessonOutcome(lesson.id)
    state_dir = tempfile.mkdtemp(prefix=f"kubia-pack-test-{lesson.id}-")
    session: Session | None = None
    try:
        status, _ = lifecycle.up(state_dir, runtime)
        outcome.runtime = status.runtime
        report(f"lesson {lesson.id} ({status.runtime} runtime)")
        buffer = io.StringIO()
        session = open_session(state_dir, status.runtime, out=buffer, err=buffer)
        run = LessonRun(pack, lesson, session, state_dir, in_pods=status.runtime != "fake",
                        output=buffer)
        run.start()
        for number, step in enumerate(lesson.steps, start=1):
            result = _test_step(run, step, TIMEOUT.get(status.runtime, 120.0))
            outcome.steps.append(result)
            mark = "ok  " if result.ok else "FAIL"
            report(f"  {mark} step {number} {step.id}")
            for line in result.lines:
                report(f"         {line}")
            run.next()
    except (lifecycle.DaemonError, LessonError) as err:
        outcome.error = str(err)
        report(f"  FAIL {err}")
    finally:
        if session is not None:
            session.close()
        lifecycle.reset(state_dir)
        shutil.rmtree(state_dir, ignore_errors=True)
        outcome.seconds = time.monotonic() - started
    return outcome


def _test_step(run: LessonRun, step: Step, default_timeout: float) -> StepOutcome:
    outcome = StepOutcome(step.id, ok=True)
    if not step.checks:
        for line in step.solution:
            run.run(line)
        outcome.lines.append("no checks (a reading step)")
        return outcome
    if not step.solution:
        outcome.ok = False
        outcome.lines.append("has checks but no solution to prove them with")
        return outcome
    for result in run.evaluate():
        if result.passed:
            outcome.ok = False
            outcome.lines.append(f"check '{result.label}' passes before the solution: it "
                                 "cannot tell whether the step was done")
    for line in step.solution:
        record, _ = run.run(line)
        if record.exit_code != 0:
            outcome.ok = False
            outcome.lines.append(f"solution line {line!r} exited {record.exit_code}: "
                                 f"{_last_line(record.output)}")
    results = _wait_for_checks(run, step.timeout or default_timeout)
    for result in results:
        if result.skipped:
            outcome.lines.append(f"check '{result.label}' not proven: {result.message}")
        elif not result.passed:
            outcome.ok = False
            outcome.lines.append(f"check '{result.label}' fails after the solution: "
                                 f"{result.message}")
    return outcome


def _wait_for_checks(run: LessonRun, timeout: float) -> list[CheckResult]:
    deadline = time.monotonic() + timeout
    while True:
        results = run.evaluate()
        if passed(results) or time.monotonic() >= deadline:
            return results
        time.sleep(POLL)


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "(no output)"
