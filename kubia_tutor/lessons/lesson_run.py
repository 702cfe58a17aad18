"""One learner doing one lesson: the object the TUI and `pack test` drive.

It lays out the lesson's files in its working directory (`<state>/lessons/<pack>/<lesson>`),
applies the setup, hears every command the learner runs (with its exit status and output),
evaluates the current step's checks, gives command-aware feedback, reveals hints and the
solution, moves between steps saving a checkpoint of the cluster at each boundary, and keeps
progress in the state dir so a learner resumes where they left off.
"""

from __future__ import annotations

import contextlib
import io
import shutil
from collections.abc import Callable
from pathlib import Path

import yaml

from kubia_tutor.api.kinds import UnknownResourceType, resolve
from kubia_tutor.lessons import checkpoints
from kubia_tutor.lessons.checks import CheckContext, CheckResult, CommandRecord, evaluate_all
from kubia_tutor.lessons.feedback import feedback
from kubia_tutor.lessons.model import Lesson, Pack, Step
from kubia_tutor.lessons.progress import LessonProgress, Progress
from kubia_tutor.shell.session import Session

KEPT_COMMANDS = 100  # a step's commands kept in the progress file
KEPT_OUTPUT = 4096  # characters of each command's output kept (its end: where results are)


class LessonError(Exception):
    """The lesson cannot be set up or moved as asked; str() says why."""


def passed(results: list[CheckResult]) -> bool:
    """True when every check that could be evaluated passed."""
    return all(r.passed or r.skipped for r in results)


class LessonRun:
    def __init__(self, pack: Pack, lesson: Lesson, session: Session, state_dir: str | Path, *,
                 in_pods: bool = True, output: io.StringIO | None = None,
                 execute: Callable[[str], tuple[int, str]] | None = None,
                 progress: Progress | None = None) -> None:
        self.pack = pack
        self.lesson = lesson
        self.session = session
        self.state_dir = Path(state_dir)
        self.in_pods = in_pods
        self.output = output  # the session's output buffer, when `run` is to capture
        self.execute = execute  # or what runs a line and returns (status, output): the TUI's
        self.progress = progress or Progress(state_dir)
        self.state: LessonProgress = self.progress.lesson(pack.id, lesson.id)
        self.history: list[CommandRecord] = [
            CommandRecord(c["line"], int(c.get("exit") or 0), str(c.get("output") or ""))
            for c in self.state.commands]
        base = self.state_dir / "lessons" / pack.id
        self.workdir = base / lesson.id
        self.checkpoint_dir = base / f"{lesson.id}.checkpoints"
        self.setup_dir = base / f"{lesson.id}.setup"

    # --- where we are -------------------------------------------------------------------------

    @property
    def index(self) -> int:
        return min(self.state.step, len(self.lesson.steps) - 1)

    @property
    def step(self) -> Step:
        return self.lesson.steps[self.index]

    @property
    def finished(self) -> bool:
        return bool(self.state.finished)

    def hints_shown(self) -> list[str]:
        return self.step.hints[:self.state.hints.get(self.step.id, 0)]

    # --- starting -----------------------------------------------------------------------------

    def start(self) -> None:
        """Set the lesson up the first time; on a resume only go back to its directory."""
        fresh = not self.state.started or not self.workdir.is_dir() or \
            not self._checkpoint_path(0).exists()
        if fresh:
            self.lay_out()
            self.apply_setup()
            checkpoints.save(self._checkpoint_path(0),
                             checkpoints.snapshot(self.session.client))
            self.state = LessonProgress()
            self.history = []
        self.session.cwd = str(self.workdir)
        self._save()

    def lay_out(self) -> None:
        """Write the lesson's files into its working directory (paths were checked when the
        pack was loaded: relative, without '..')."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        root = self.workdir.resolve()
        for name, content in self.lesson.files.items():
            target = (self.workdir / name).resolve()
            if not target.is_relative_to(root):
                raise LessonError(f"{name}: leads out of the lesson directory")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)

    def apply_setup(self) -> None:
        """Run the setup lines and apply the setup manifests, in order, through the shell."""
        self.session.cwd = str(self.workdir)
        for number, item in enumerate(self.lesson.setup):
            if isinstance(item, str):
                line = item
            else:
                manifest = item["manifest"]
                text = manifest if isinstance(manifest, str) else yaml.safe_dump(manifest)
                self.setup_dir.mkdir(parents=True, exist_ok=True)
                path = self.setup_dir / f"{number:02d}.yaml"
                path.write_text(text)
                line = f"kubectl apply -f {path}"
            record = self._run_quietly(line)
            if record.exit_code != 0:
                raise LessonError(f"setup of lesson {self.lesson.id} failed at {line!r}: "
                                  f"{record.output.strip()}")

    # --- commands -----------------------------------------------------------------------------

    def run(self, line: str) -> tuple[CommandRecord, list[str]]:
        """Run a command line as the learner would, keeping its output; returns the record
        and the feedback on it."""
        record = self._run_quietly(line)
        return record, self.record(record)

    def _run_quietly(self, line: str) -> CommandRecord:
        if self.execute is not None:
            code, output = self.execute(line)
            return CommandRecord(line, code, output)
        if self.output is None:
            raise LessonError("this lesson run does not capture output; call record()")
        self.output.seek(0)
        self.output.truncate()
        code = self.session.run_line(line)
        self.session.out.flush()
        return CommandRecord(line, code, self.output.getvalue())

    def record(self, record: CommandRecord) -> list[str]:
        """Hear a command the learner ran (the TUI runs them itself); returns feedback."""
        self.history.append(record)
        self.state.commands = [{"line": r.line, "exit": r.exit_code,
                                "output": r.output[-KEPT_OUTPUT:]}
                               for r in self.history[-KEPT_COMMANDS:]]
        self._save()
        return feedback(self.step, record)

    # --- checks -------------------------------------------------------------------------------

    def context(self) -> CheckContext:
        return CheckContext(self.session.context(), namespace=self.lesson.namespace,
                            history=list(self.history), in_pods=self.in_pods)

    def watched_types(self) -> set[str]:
        """Plural names of the resource types the step's checks read: the TUI watches them
        and evaluates again on each event (command checks need no watch)."""
        watched: set[str] = set()
        for check in self.step.checks:
            kind = check.spec.get("kind")
            if kind is not None:
                with contextlib.suppress(UnknownResourceType):
                    watched.add(resolve(str(kind)).plural)
            if check.kind in ("http", "exec"):
                watched.add("pods")
        return watched

    def evaluate(self) -> list[CheckResult]:
        """The current step's checks, now; a step whose checks all pass is marked passed."""
        results = evaluate_all(self.step.checks, self.context())
        if self.step.checks and passed(results) and self.step.id not in self.state.passed:
            self.state.passed.append(self.step.id)
            self._save()
        return results

    # --- moving -------------------------------------------------------------------------------

    def next(self) -> bool:
        """Go to the next step (the last one finishes the lesson); False when there is none."""
        if self.index + 1 >= len(self.lesson.steps):
            if not self.step.checks or self.step.id in self.state.passed:
                self.progress.finish(self.pack.id, self.lesson.id, self.state)
            return False
        self.state.step = self.index + 1
        checkpoints.save(self._checkpoint_path(self.state.step),
                         checkpoints.snapshot(self.session.client))
        self._new_step()
        return True

    def previous(self) -> bool:
        if self.index == 0:
            return False
        self.state.step = self.index - 1
        self._new_step()
        return True

    def hint(self) -> str | None:
        """Reveal the next hint of the step (None when all are shown)."""
        shown = self.state.hints.get(self.step.id, 0)
        if shown >= len(self.step.hints):
            return None
        self.state.hints[self.step.id] = shown + 1
        self._save()
        return self.step.hints[shown]

    def solution(self) -> list[str]:
        """The step's solution lines; the progress notes that it was shown."""
        if self.step.id not in self.state.solutions:
            self.state.solutions.append(self.step.id)
            self._save()
        return list(self.step.solution)

    def restart_from(self, index: int) -> None:
        """Put the cluster back as it was when step `index` began and go there."""
        saved = checkpoints.load(self._checkpoint_path(index))
        if saved is None:
            raise LessonError(f"step {index + 1} has not been reached yet: there is no "
                              "checkpoint to go back to")
        checkpoints.restore(self.session.client, saved)
        self.state.step = index
        self.state.passed = [s.id for s in self.lesson.steps[:index] if s.id in self.state.passed]
        self._new_step()

    def reset(self) -> None:
        """Start the lesson over: the cluster as before step 1, fresh files, no progress."""
        saved = checkpoints.load(self._checkpoint_path(0))
        if saved is not None:
            checkpoints.restore(self.session.client, saved)
        if self.workdir.exists():
            shutil.rmtree(self.workdir)
        self.lay_out()
        self.progress.reset(self.pack.id, self.lesson.id)
        self.state = LessonProgress()
        self.history = []
        self._save()

    # --- keeping ------------------------------------------------------------------------------

    def _new_step(self) -> None:
        self.history = []
        self.state.commands = []
        self._save()

    def _checkpoint_path(self, index: int) -> Path:
        return self.checkpoint_dir / f"{index:02d}.json"

    def _save(self) -> None:
        self.progress.store(self.pack.id, self.lesson.id, self.state)
