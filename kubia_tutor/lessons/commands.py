"""The `kubia-tutor pack ...` commands: new, validate, test, list, install.

Each prints what a person needs and returns the exit status: 0 when all is well, 1 when the
pack has problems (each on its own `file:line: message` line, as compilers print them).
"""

from __future__ import annotations

import sys
from typing import TextIO

from kubia_tutor.lessons.lesson_run import LessonError
from kubia_tutor.lessons.pack_test import run_pack_tests
from kubia_tutor.lessons.packs import find_packs, install
from kubia_tutor.lessons.problems import PackError
from kubia_tutor.lessons.scaffold import ScaffoldError, new_pack
from kubia_tutor.lessons.validate import validate_pack


def _problems(err: PackError, out: TextIO) -> int:
    for problem in err.problems:
        out.write(f"{problem}\n")
    count = len(err.problems)
    out.write(f"{count} problem{'s' if count != 1 else ''}\n")
    return 1


def _many(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def new(directory: str, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        written = new_pack(directory)
    except (ScaffoldError, OSError) as problem:
        err.write(f"error: {problem}\n")
        return 1
    for path in written:
        out.write(f"created {path}\n")
    out.write(f"next: kubia-tutor pack validate {directory} && kubia-tutor pack test "
              f"{directory}\n")
    return 0


def validate(directory: str, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        pack = validate_pack(directory)
    except PackError as problems:
        return _problems(problems, err)
    steps = sum(len(lesson.steps) for lesson in pack.lessons)
    checks = sum(len(step.checks) for lesson in pack.lessons for step in lesson.steps)
    out.write(f"pack {pack.id} {pack.version} is valid: {_many(len(pack.lessons), 'lesson')}, "
              f"{_many(steps, 'step')}, {_many(checks, 'check')}\n")
    return 0


def test(directory: str, runtime: str, lesson: str | None, out: TextIO | None = None,
         err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        pack = validate_pack(directory)
    except PackError as problems:
        return _problems(problems, err)

    def report(line: str) -> None:
        out.write(line + "\n")
        out.flush()

    try:
        outcomes = run_pack_tests(pack, runtime, lesson, report)
    except LessonError as problem:
        err.write(f"error: {problem}\n")
        return 1
    failed = [o for o in outcomes if not o.ok]
    steps = sum(len(o.steps) for o in outcomes)
    bad_steps = sum(1 for o in outcomes for s in o.steps if not s.ok)
    seconds = sum(o.seconds for o in outcomes)
    verdict = "FAILED" if failed else "passed"
    out.write(f"{verdict}: {len(outcomes) - len(failed)} of {len(outcomes)} lessons, "
              f"{steps - bad_steps} of {steps} steps ({seconds:.0f} s)\n")
    return 1 if failed else 0


def list_packs(state_dir: str, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    found = find_packs(state_dir)
    if not found:
        out.write("no lesson packs found\n")
        return 0
    out.write(f"{'ID':<24} {'VERSION':<9} {'LESSONS':<8} {'SOURCE':<10} TITLE\n")
    for item in found:
        if item.pack is None:
            problems = len(item.error.problems) if item.error else 0
            out.write(f"{item.path.name:<24} {'-':<9} {'-':<8} {item.source:<10} "
                      f"(broken: {problems} problems; pack validate {item.path})\n")
            continue
        pack = item.pack
        out.write(f"{pack.id:<24} {pack.version:<9} {len(pack.lessons):<8} {item.source:<10} "
                  f"{pack.title}\n")
    return 0


def install_pack(source: str, state_dir: str, out: TextIO | None = None,
                 err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        pack = install(source, state_dir)
    except PackError as problems:
        return _problems(problems, err)
    except OSError as problem:
        err.write(f"error: {problem}\n")
        return 1
    out.write(f"installed pack {pack.id} {pack.version} ({_many(len(pack.lessons), 'lesson')})\n")
    return 0
