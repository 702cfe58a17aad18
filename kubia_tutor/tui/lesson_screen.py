"""A lesson: the step's text and checks on the left, the shell on the right.

Every command the learner runs is recorded by the lesson engine (command-aware feedback
appears in the shell as a tutor's remark) and the step's checks are evaluated again, as they
are whenever the cluster changes (the app's watches), at most a few times a second.
"""

from __future__ import annotations

import time
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Footer, Header, Label, Markdown, OptionList
from textual.widgets.option_list import Option

from kubia_tutor.lessons.checks import CheckResult, CommandRecord
from kubia_tutor.lessons.lesson_run import LessonError, LessonRun, passed
from kubia_tutor.lessons.model import Lesson, Pack
from kubia_tutor.tui.checks_panel import ChecksPanel
from kubia_tutor.tui.shell_panel import ShellPanel

EVALUATE_EVERY = 0.3  # seconds: at most this often on cluster changes


class LessonScreen(Screen[None]):
    # In footer order: what a learner needs most comes first (80 columns show about eight).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f8", "next", "Next"),
        Binding("f7", "previous", "Prev"),
        Binding("f2", "hint", "Hint"),
        Binding("f3", "solution", "Solution"),
        Binding("f5", "check", "Check"),
        Binding("f4", "commands", "Cmds"),
        Binding("f6", "app.cluster", "Cluster"),
        Binding("f9", "restart", "Restart from step"),
        Binding("f10", "reset", "Reset lesson"),
        Binding("escape", "app.pop_screen", "Home"),
    ]

    def __init__(self, pack: Pack, lesson: Lesson) -> None:
        super().__init__()
        self.pack = pack
        self.lesson = lesson
        self.run: LessonRun | None = None
        self.results: list[CheckResult] = []
        self._last_evaluation = 0.0
        self._evaluate_again = False
        self._completed_announced = ""

    def compose(self) -> ComposeResult:
        app = self.app
        yield Header()
        with Horizontal(id="lesson-main"):
            with Vertical(id="lesson-left"):
                with VerticalScroll(id="step-scroll"):
                    yield Markdown("", id="step-text")
                yield Label("Commands (Enter pastes into the shell)", id="try-title")
                yield OptionList(id="try")
                yield ChecksPanel("", id="checks")
            yield ShellPanel(app.make_session, app.history_file(), id="shell")  # type: ignore[attr-defined]
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"{self.pack.title} › {self.lesson.title}"
        self.query_one("#step-text", Markdown).update("*Setting the lesson up…*")
        self._start()

    @work(thread=True, exclusive=True, group="lesson")
    def _start(self) -> None:
        shell = self.query_one(ShellPanel)
        assert shell.runner is not None
        run = LessonRun(self.pack, self.lesson, shell.runner.session,
                        self.app.state_dir,  # type: ignore[attr-defined]
                        in_pods=self.app.runtime_in_use != "fake",  # type: ignore[attr-defined]
                        execute=shell.runner.run)
        try:
            run.start()
        except (LessonError, OSError) as err:
            self.app.call_from_thread(self._failed_setup, str(err))
            return
        self.run = run
        self.app.call_from_thread(self._show_step)
        self._evaluate_now()

    def _failed_setup(self, message: str) -> None:
        if not self.is_mounted:
            return  # a worker finished after the screen closed
        self.query_one("#step-text", Markdown).update(
            f"**The lesson could not be set up.**\n\n```\n{message}\n```\n\n"
            "Press F10 to reset it, or Escape to go back.")

    # --- showing ------------------------------------------------------------------------------

    def _show_step(self) -> None:
        if not self.is_mounted:
            return  # a worker finished after the screen closed
        run = self.run
        if run is None:
            return
        step = run.step
        count = len(self.lesson.steps)
        self.sub_title = f"step {run.index + 1} of {count}"
        heading = f"## {run.index + 1}/{count} · {step.title or step.id}\n\n"
        intro = f"{self.lesson.intro}\n\n---\n\n" if run.index == 0 and self.lesson.intro else ""
        hints = "".join(f"\n\n> **Hint {i + 1}:** {hint}"
                        for i, hint in enumerate(run.hints_shown()))
        self.query_one("#step-text", Markdown).update(intro + heading + step.text + hints)
        self.query_one("#step-scroll", VerticalScroll).scroll_home(animate=False)
        commands = self.query_one("#try", OptionList)
        commands.clear_options()
        commands.add_options([Option(c, id=f"try-{i}") for i, c in
                              enumerate(step.try_commands)])
        commands.display = bool(step.try_commands)
        self.query_one("#try-title", Label).display = bool(step.try_commands)
        self.query_one(ChecksPanel).show([])

    def _show_results(self, results: list[CheckResult]) -> None:
        if not self.is_mounted:
            return  # a worker finished after the screen closed
        self.results = results
        self.query_one(ChecksPanel).show(results)
        run = self.run
        if run is None or not run.step.checks or not passed(results):
            return
        if self._completed_announced != run.step.id:
            self._completed_announced = run.step.id
            last = run.index + 1 == len(self.lesson.steps)
            self.notify("Lesson complete!" if last else "Step complete: F8 goes on.",
                        title="✔", timeout=6)

    # --- checking -----------------------------------------------------------------------------

    def cluster_changed(self) -> None:
        """Called by the app when a watched object changed."""
        if not self.query(ChecksPanel):
            return  # not composed yet
        if time.monotonic() - self._last_evaluation >= EVALUATE_EVERY:
            self._evaluate_now()
        else:
            self._evaluate_again = True
            self.set_timer(EVALUATE_EVERY, self._maybe_evaluate)

    def _maybe_evaluate(self) -> None:
        if self._evaluate_again:
            self._evaluate_again = False
            self._evaluate_now()

    @work(thread=True, exclusive=True, group="checks")
    def _evaluate_now(self) -> None:
        run = self.run
        if run is None:
            return
        self._last_evaluation = time.monotonic()
        try:
            results = run.evaluate()
        except Exception:  # the daemon may be gone; the app shows that
            return
        self.app.call_from_thread(self._show_results, results)

    @on(ShellPanel.CommandFinished)
    def _command_finished(self, event: ShellPanel.CommandFinished) -> None:
        if self.run is None:
            return
        remarks = self.run.record(CommandRecord(event.line, event.exit_code, event.output))
        shell = self.query_one(ShellPanel)
        for remark in remarks:
            shell.say(f"tutor: {remark}")
        self._evaluate_now()

    # --- actions ------------------------------------------------------------------------------

    def action_check(self) -> None:
        self._evaluate_now()

    def action_hint(self) -> None:
        if self.run is None:
            return
        hint = self.run.hint()
        if hint is None:
            self.notify("No more hints for this step: F3 shows the solution.")
            return
        self._show_step()
        self._evaluate_now()

    def action_solution(self) -> None:
        if self.run is None:
            return
        lines = self.run.solution()
        if not lines:
            self.notify("This step has no solution to show.")
            return
        commands = self.query_one("#try", OptionList)
        commands.clear_options()
        commands.add_options([Option(f"{line}", id=f"try-{i}") for i, line in enumerate(lines)])
        commands.display = True
        self.query_one("#try-title", Label).update("Solution (Enter pastes into the shell)")
        self.query_one("#try-title", Label).display = True
        self.query_one(ShellPanel).paste(lines[0])

    def action_commands(self) -> None:
        commands = self.query_one("#try", OptionList)
        if commands.display:
            commands.focus()
            if commands.highlighted is None and commands.option_count:
                commands.highlighted = 0

    @on(OptionList.OptionSelected, "#try")
    def _paste(self, event: OptionList.OptionSelected) -> None:
        self.query_one(ShellPanel).paste(str(event.option.prompt))

    def action_next(self) -> None:
        self._move(1)

    def action_previous(self) -> None:
        self._move(-1)

    @work(thread=True, exclusive=True, group="lesson")
    def _move(self, direction: int) -> None:
        run = self.run
        if run is None:
            return
        moved = run.next() if direction > 0 else run.previous()
        if not moved and direction > 0:
            message = "Lesson complete! Escape goes home." if run.finished else \
                "This is the last step: its checks must pass to finish the lesson."
            self.app.call_from_thread(self.notify, message)
            return
        self.app.call_from_thread(self._after_move)

    def _after_move(self) -> None:
        if not self.is_mounted:
            return  # a worker finished after the screen closed
        self.query_one("#try-title", Label).update("Commands (Enter pastes into the shell)")
        self._show_step()
        self._evaluate_now()

    def action_restart(self) -> None:
        if self.run is None:
            return
        reached = self.run.index
        choices = [f"Step {i + 1}: {s.title or s.id}" for i, s in
                   enumerate(self.lesson.steps[:reached + 1])]
        self.app.push_screen(ChooseStep(choices), self._restart_from)

    def _restart_from(self, index: int | None) -> None:
        if index is not None:
            self._restore(index)

    @work(thread=True, exclusive=True, group="lesson")
    def _restore(self, index: int) -> None:
        run = self.run
        if run is None:
            return
        self.app.call_from_thread(self.notify, f"Putting the cluster back as it was at step "
                                               f"{index + 1}…")
        try:
            run.restart_from(index)
        except Exception as err:
            self.app.call_from_thread(self.notify, str(err), severity="error")
            return
        self.app.call_from_thread(self._after_move)

    def action_reset(self) -> None:
        self.app.push_screen(Confirm("Reset the lesson? The cluster goes back to how it was "
                                     "before step 1 and your progress in it is cleared."),
                             self._reset_confirmed)

    def _reset_confirmed(self, yes: bool | None) -> None:
        if yes:
            self._reset()

    @work(thread=True, exclusive=True, group="lesson")
    def _reset(self) -> None:
        run = self.run
        if run is None:
            return
        try:
            run.reset()
            run.start()
        except Exception as err:
            self.app.call_from_thread(self.notify, str(err), severity="error")
            return
        self.app.call_from_thread(self._after_move)


class ChooseStep(ModalScreen[int | None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, choices: list[str]) -> None:
        super().__init__()
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Restart from which step? The cluster goes back to how it was then.")
            yield OptionList(*[Option(c, id=str(i)) for i, c in enumerate(self.choices)],
                             id="steps")

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0))

    def action_cancel(self) -> None:
        self.dismiss(None)


class Confirm(ModalScreen[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "no", "Cancel")]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question)
            with Horizontal(classes="buttons"):
                yield Button("Yes", id="yes", variant="error")
                yield Button("No", id="no", variant="primary")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_no(self) -> None:
        self.dismiss(False)
