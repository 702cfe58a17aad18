"""Go's text/tabwriter elastic tabstops, which kubectl uses for tables and describe output.

Cells are tab-terminated; the text after a line's last tab is not part of any column. A column
block is a run of consecutive lines that have a cell in that column, so a line without tabs
ends every block. This follows the algorithm of Go's `format()` so alignment falls out exactly
as kubectl prints it.
"""

from __future__ import annotations

GET = (6, 4, 3)  # minwidth, tabwidth, padding for `kubectl get` tables
DESCRIBE = (0, 8, 2)  # for describe and rollout history


def tabwrite(text: str, minwidth: int = 6, padding: int = 3) -> str:
    """Align tab-separated `text` into columns padded with spaces, as Go's tabwriter does."""
    ends_with_newline = text.endswith("\n")
    raw_lines = text.split("\n")
    if ends_with_newline:
        raw_lines.pop()
    lines = [line.split("\t") for line in raw_lines]
    out: list[str] = []
    widths: list[int] = []

    def write_lines(start: int, end: int) -> None:
        for row in lines[start:end]:
            parts: list[str] = []
            for j, cell in enumerate(row):
                if j < len(widths):
                    parts.append(cell + " " * (widths[j] - len(cell)))
                else:
                    parts.append(cell)
            out.append("".join(parts))

    def fmt(line0: int, line1: int) -> None:
        column = len(widths)
        this = line0
        while this < line1:
            if column >= len(lines[this]) - 1:
                this += 1
                continue
            write_lines(line0, this)
            line0 = this
            width = minwidth
            while this < line1 and column < len(lines[this]) - 1:
                width = max(width, len(lines[this][column]) + padding)
                this += 1
            widths.append(width)
            fmt(line0, this)
            widths.pop()
            line0 = this
        write_lines(line0, line1)

    fmt(0, len(lines))
    result = "\n".join(out)
    return result + "\n" if ends_with_newline else result


def table(rows: list[list[str]]) -> str:
    """Render rows of cells (header first) as a `kubectl get` table, newline-terminated."""
    text = "".join("\t".join(_one_line(c) for c in row) + "\n" for row in rows)
    return tabwrite(text, *_get_args())


def _get_args() -> tuple[int, int]:
    minwidth, _tabwidth, padding = GET
    return minwidth, padding


def _one_line(cell: str) -> str:
    """kubectl cuts a cell at its first line break and marks the cut with `...`."""
    for i, ch in enumerate(cell):
        if ch in "\n\r\f":
            return cell[:i] + "..."
    return cell


def describe_text(text: str) -> str:
    """Align describe output (minwidth 0, padding 2)."""
    minwidth, _tabwidth, padding = DESCRIBE
    return tabwrite(text, minwidth, padding)
