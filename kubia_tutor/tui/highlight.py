"""Colour for the shell panel's output: what a learner should notice stands out.

kubectl prints plain text; the panel adds colour the way kubecolor-style tools do, without
changing a character: YAML and JSON output highlighted as such, pod states in a table coloured
by health (Running green, Pending yellow, failures red), errors red.
"""

from __future__ import annotations

import re

from rich.syntax import Syntax
from rich.text import Text

from kubia_tutor.tui.command_runner import words_of

GOOD = {"Running", "Completed", "Succeeded", "Bound", "Active", "Ready", "True", "Available",
        "Complete"}
WAITING = {"Pending", "ContainerCreating", "PodInitializing", "Terminating", "Released",
           "NotReady", "Unknown", "SchedulingDisabled"}
BAD = {"CrashLoopBackOff", "Error", "ErrImagePull", "ImagePullBackOff", "OOMKilled", "Failed",
       "CreateContainerError", "RunContainerError", "Evicted", "InvalidImageName", "Lost",
       "False"}
_WORD = re.compile(r"\S+")
_ERROR = re.compile(r"^(error|Error from server|Error|fatal|Unable to|The .* is invalid)")


def output_format(line: str) -> str:
    """'yaml' or 'json' when the command asked for that output, else ''."""
    words = words_of(line)
    for index, word in enumerate(words):
        value = ""
        if word in ("-o", "--output") and index + 1 < len(words):
            value = words[index + 1]
        elif word.startswith(("-o=", "--output=")):
            value = word.split("=", 1)[1]
        elif word.startswith("-o") and len(word) > 2:
            value = word[2:]
        if value in ("yaml", "json"):
            return value
    return ""


def render(command: str, text: str, *, dark: bool = True) -> Syntax | Text:
    """The renderable for a whole command's output."""
    fmt = output_format(command)
    if fmt and text.lstrip().startswith(("{", "apiVersion", "kind", "-", "items")):
        return Syntax(text.rstrip("\n"), fmt, theme="monokai" if dark else "default",
                      background_color="default", word_wrap=False)
    return colour_lines(text)


def colour_lines(text: str) -> Text:
    """Plain output with states and errors coloured."""
    out = Text()
    for line in text.splitlines(keepends=True):
        if _ERROR.match(line):
            out.append(line, style="bold red")
            continue
        position = 0
        for match in _WORD.finditer(line):
            out.append(line[position:match.start()])
            word = match.group()
            base = word.split(":")[0].split("(")[0]
            style = "green" if base in GOOD else "yellow" if base in WAITING else \
                "bold red" if base in BAD else ""
            out.append(word, style=style)
            position = match.end()
        out.append(line[position:])
    return out
