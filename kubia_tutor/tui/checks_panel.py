"""The step's checks, each with a mark and, when it fails, its reason."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from kubia_tutor.lessons.checks import CheckResult


def checks_text(results: list[CheckResult], *, checking: bool = False) -> Text:
    """✔ passed, ✘ failing (with the reason and the check's own hint), … not provable here."""
    text = Text()
    if not results:
        text.append("This step has no checks: read it, try the commands, then go on (F8).",
                    style="dim")
        return text
    for result in results:
        if result.skipped:
            text.append("… ", style="dim")
            text.append(result.label, style="dim")
            text.append(f"  ({result.message})\n", style="dim")
            continue
        mark, style = ("✔ ", "green") if result.passed else ("✘ ", "red")
        text.append(mark, style=f"bold {style}")
        text.append(result.label + "\n", style=style if result.passed else "")
        if not result.passed:
            text.append(f"    {result.message}\n", style="yellow")
            if result.check.hint:
                text.append(f"    hint: {result.check.hint}\n", style="italic")
    if checking:
        text.append("checking…", style="dim")
    return text


class ChecksPanel(Static):
    """Shows the latest results; the lesson screen feeds it."""

    def show(self, results: list[CheckResult]) -> None:
        self.update(checks_text(results))
