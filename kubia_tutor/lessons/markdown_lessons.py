"""Markdown lessons: YAML front matter for the data, the body for the text.

The body's text before the first `## ` heading is the lesson's intro; each `## ` heading
starts the text of one step. A heading may name its step (`## Scale it {#scale}`); headings
without an id go to the steps in order. Headings inside fenced code blocks do not count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FENCE = re.compile(r"^(```|~~~)")
_HEADING = re.compile(r"^##\s+(.*?)\s*(?:\{#([a-z0-9-]+)\})?\s*$")
_SHELL_LANGS = {"sh", "shell", "bash", "console", "shell-session"}


@dataclass
class Section:
    title: str
    step_id: str | None
    text: str
    line: int  # 1-based line of the heading in the file


def split_front_matter(text: str) -> tuple[str, str, int] | None:
    """(front matter, body, line where the body starts), or None without front matter."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        return None
    for index in range(1, len(lines)):
        # only a marker at the start of a line ends it: an indented `---` is a YAML document
        # separator inside a block (a two-document manifest under `files:`)
        if lines[index].rstrip() in ("---", "..."):
            return "".join(lines[1:index]), "".join(lines[index + 1:]), index + 2
    return None


def sections(body: str, first_line: int) -> tuple[str, list[Section]]:
    """The intro and the step sections of a lesson body."""
    intro: list[str] = []
    found: list[Section] = []
    fenced = False
    for offset, line in enumerate(body.splitlines()):
        if _FENCE.match(line.strip()):
            fenced = not fenced
        match = None if fenced else _HEADING.match(line)
        if match and not line.startswith("###"):
            found.append(Section(match.group(1), match.group(2), "", first_line + offset))
            continue
        if found:
            found[-1].text += line + "\n"
        else:
            intro.append(line)
    for section in found:
        section.text = section.text.strip("\n") + "\n" if section.text.strip() else ""
    return "\n".join(intro).strip("\n"), found


def commands_in(markdown: str) -> list[str]:
    """Command lines shown in a step's shell code blocks (a console block's `$ ` lines only;
    its other lines are output)."""
    found: list[str] = []
    lang: str | None = None
    for raw in markdown.splitlines():
        line = raw.strip()
        fence = _FENCE.match(line)
        if fence:
            lang = line[3:].strip().lower() if lang is None else None
            continue
        if lang is None or lang not in _SHELL_LANGS or not line:
            continue
        if line.startswith("$ "):
            found.append(line[2:].strip())
        elif lang != "console" and not line.startswith("#"):
            found.append(line)
    return found
