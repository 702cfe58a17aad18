"""`kubia-tutor bench`: run the benchmarks in bench/ and write one Markdown report.

Each benchmark is a script in the source checkout's bench/ directory (next to the package, as
lessons/ is), run as a subprocess with this Python, so that one crashing or hanging does not
end the others; each prints a Markdown table (`| measurement | result | note |`), whose rows
are collected here into one table, after a description of the machine. The scripts stay
runnable on their own (`.venv/bin/python bench/bench_runtime.py ...`).
"""

from __future__ import annotations

import contextlib
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

Row = tuple[str, str, str]


@dataclass(frozen=True)
class Benchmark:
    """One benchmark: a script in bench/ with its arguments for a full and a quick run."""

    name: str
    script: str
    full: tuple[str, ...]
    quick: tuple[str, ...]
    about: str
    needs: tuple[str, ...] = ()  # programs it cannot run without
    minutes: tuple[int, int] = (10, 5)  # rough duration (full, quick) on a 2-CPU machine


BENCHMARKS: tuple[Benchmark, ...] = (
    Benchmark("foundation", "bench_foundation.py", ("--pods", "500", "--repeat", "15"),
              ("--pods", "200", "--repeat", "5"),
              "`kubectl get pods` latency, shell start (fake runtime), daemon RSS",
              minutes=(2, 1)),
    Benchmark("get", "bench_scale.py", ("get", "--repeat", "15"), ("get", "--repeat", "5"),
              "`kubectl get` at 10, 100 and 1,000 objects over the daemon's socket",
              minutes=(1, 1)),
    Benchmark("startup", "bench_scale.py", ("startup", "--cold", "5", "--repeat", "15"),
              ("startup", "--cold", "2", "--repeat", "10"),
              "cold and warm start to a shell answering `kubectl get nodes` (Podman)",
              needs=("podman",), minutes=(2, 1)),
    Benchmark("runtime", "bench_runtime.py",
              ("--repeat", "10", "--batches", "0", "--memory-pods", "10"),
              ("--repeat", "3", "--batches", "0", "--memory-pods", "5"),
              "`kubectl apply` → Ready against raw Podman, memory per pod",
              needs=("podman",), minutes=(4, 2)),
    Benchmark("pods", "bench_scale.py", ("pods", "--batches", "3", "--many", "100"),
              ("pods", "--batches", "1", "--many", "100"),
              "30 and 100 pods → Ready against raw Podman, daemon memory idle and with 100 "
              "pods", needs=("podman",), minutes=(20, 8)),
    Benchmark("controllers", "bench_controllers.py",
              ("--batches", "3", "--pods", "30", "--reactions", "30"),
              ("--batches", "1", "--pods", "30", "--reactions", "10"),
              "`kubectl scale rs` → Ready against raw Podman, ReplicaSet reaction time",
              needs=("podman",), minutes=(8, 3)),
    Benchmark("network", "bench_network.py",
              ("--requests", "300", "--queries", "500", "--digs", "50"),
              ("--requests", "100", "--queries", "200", "--digs", "20"),
              "service proxy against direct pod throughput, cluster DNS answer time",
              needs=("podman",), minutes=(4, 2)),
    Benchmark("lessons", "bench_lessons.py", ("--rounds", "50",), ("--rounds", "10"),
              "a lesson step's checks against 300 objects (fake runtime)", minutes=(1, 1)),
    Benchmark("tui", "bench_tui.py", ("--starts", "5", "--keys", "60"),
              ("--starts", "2", "--keys", "30"),
              "TUI start to the home screen, typing latency while 50 pods change",
              needs=("tmux",), minutes=(1, 1)),
)
NAMES = tuple(b.name for b in BENCHMARKS)


@dataclass
class Result:
    """What one benchmark run gave: its table's rows, or why there are none."""

    benchmark: Benchmark
    command: str
    rows: list[Row] = field(default_factory=list)
    seconds: float = 0.0
    returncode: int | None = 0
    error: str = ""  # the reason it failed or was skipped, for the report
    skipped: bool = False

    @property
    def ok(self) -> bool:
        return not self.skipped and self.returncode == 0 and bool(self.rows)


def bench_dir() -> Path | None:
    """bench/ of the source checkout the package was installed from, if it is there."""
    import kubia_tutor

    found = Path(kubia_tutor.__file__).resolve().parent.parent / "bench"
    return found if (found / "bench_runtime.py").is_file() else None


def parse_rows(text: str) -> list[Row]:
    """The data rows of the Markdown table(s) a benchmark printed (header and separator
    rows left out); cells beyond the third are joined into the note."""
    rows: list[Row] = []
    for line in text.splitlines():
        line = line.strip()
        if len(line) < 2 or not (line.startswith("|") and line.endswith("|")):
            continue
        if re.fullmatch(r"\|[\s:|-]+\|", line):
            continue  # the separator row
        cells = [cell.strip() for cell in line[1:-1].split(" | ")]
        if cells[0] == "measurement":
            continue  # the header row
        cells += [""] * (3 - len(cells))
        rows.append((cells[0], cells[1], " | ".join(c for c in cells[2:] if c)))
    return rows


def _tail(text: str, lines: int = 8) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def run_one(benchmark: Benchmark, where: Path, quick: bool, timeout: float,
            python: str = sys.executable) -> Result:
    """Run one benchmark script in a session of its own and collect its rows. On a timeout
    (or Ctrl-C here) it gets SIGINT, so its `finally` blocks remove its clusters, and is
    killed only when it does not end within two minutes of that."""
    args = benchmark.quick if quick else benchmark.full
    argv = [python, str(where / benchmark.script), *args]
    command = " ".join(["bench/" + benchmark.script, *args])
    missing = [name for name in benchmark.needs if shutil.which(name) is None]
    if missing:
        return Result(benchmark, command, skipped=True, returncode=None,
                      error=f"skipped: {', '.join(missing)} not installed")
    started = time.monotonic()
    proc = subprocess.Popen(argv, cwd=where, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    timed_out = False
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        out, err = _interrupt(proc)
    except KeyboardInterrupt:
        _interrupt(proc)
        raise
    result = Result(benchmark, command, parse_rows(out), time.monotonic() - started,
                    proc.returncode)
    if timed_out:
        result.error = f"timed out after {timeout:.0f} s. {_tail(err, 3)}".strip()
    elif proc.returncode != 0:
        result.error = f"exit status {proc.returncode}: {_tail(err, 2)}"
    elif not result.rows:
        result.error = f"printed no table: {_tail(out + err)}"
    return result


def _interrupt(proc: subprocess.Popen[str]) -> tuple[str, str]:
    """SIGINT the benchmark's process group; SIGKILL it when it outlives 120 s."""
    for sig, wait in ((signal.SIGINT, 120.0), (signal.SIGKILL, 30.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            return proc.communicate(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
    return "", ""


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def machine() -> list[tuple[str, str]]:
    """The machine the figures come from: CPUs, RAM, kernel, OS, Podman, Python, load."""
    cpuinfo = _read("/proc/cpuinfo")
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    mem = re.search(r"^MemTotal:\s*(\d+) kB", _read("/proc/meminfo"), re.M)
    os_name = re.search(r'^PRETTY_NAME="?([^"\n]+)"?', _read("/etc/os-release"), re.M)
    podman = "not installed"
    if shutil.which("podman"):
        try:
            done = subprocess.run(["podman", "--version"], capture_output=True, text=True,
                                  timeout=30)
            podman = done.stdout.strip().removeprefix("podman version ") or "does not run"
        except (OSError, subprocess.TimeoutExpired):
            podman = "does not run"
    return [
        ("CPUs", f"{os.cpu_count()} ({model.group(1).strip() if model else 'model unknown'})"),
        ("RAM", f"{int(mem.group(1)) / 1024 / 1024:.1f} GiB" if mem else "unknown"),
        ("kernel", f"{platform.system()} {platform.release()}"),
        ("OS", os_name.group(1) if os_name else platform.platform()),
        ("Podman", podman),
        ("Python", f"{platform.python_version()} ({platform.python_implementation()})"),
    ]


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def report(results: Sequence[Result], described: list[tuple[str, str]], quick: bool,
           when: datetime, loads: tuple[str, str]) -> str:
    """The Markdown report: the machine first, then one table of every benchmark's rows,
    then what failed or was skipped and how to run each benchmark again."""
    lines = ["# kubia-tutor benchmarks", "",
             f"Run {when:%Y-%m-%d %H:%M} UTC, "
             + ("quick mode (small sample counts: medians are rough)" if quick
                else "full mode") + ".", "", "## Machine", "", "| | |", "|---|---|"]
    lines += [f"| {key} | {value} |" for key, value in described]
    lines += [f"| load average (1, 5, 15 min) at start / end | {loads[0]} / {loads[1]} |",
              "", "Times are medians with the interquartile range (IQR) and the sample count; "
              "ratios against raw Podman are measured in the same run. A load average near or "
              "above the CPU count means other work shared the machine: compare the ratios "
              "rather than the absolute times.", "", "## Results", "",
              "| benchmark | measurement | result | note |", "|---|---|---|---|"]
    for result in results:
        for name, value, note in result.rows:
            lines.append(f"| {result.benchmark.name} | {name} | {value} | {note} |")
    problems = [r for r in results if not r.ok]
    if problems:
        lines += ["", "## Not measured", ""]
        for result in problems:
            reason = " ".join(result.error.split()) or "no rows"
            lines.append(f"- **{result.benchmark.name}**: {reason}")
    lines += ["", "## Runs", "", "| benchmark | command | took |", "|---|---|---|"]
    for result in results:
        took = "skipped" if result.skipped else f"{result.seconds:.0f} s"
        lines.append(f"| {result.benchmark.name} | `.venv/bin/python {result.command}` | "
                     f"{took} |")
    return "\n".join(lines) + "\n"


def run(only: Sequence[str] | None = None, quick: bool = False, output: str | None = None,
        timeout: float | None = None, out: TextIO | None = None, err: TextIO | None = None,
        runner: Callable[[Benchmark, Path, bool, float], Result] = run_one) -> int:
    """`kubia-tutor bench`: 0 when every selected benchmark gave its rows, else 1."""
    out = out or sys.stdout
    err = err or sys.stderr
    where = bench_dir()
    if where is None:
        print("kubia-tutor: the benchmarks (bench/) ship with the source checkout only; run "
              "`kubia-tutor bench` from an editable install of it", file=err)
        return 1
    unknown = sorted(set(only or ()) - set(NAMES))
    if unknown:
        print(f"kubia-tutor: no benchmark named {', '.join(unknown)}; the benchmarks are "
              f"{', '.join(NAMES)}", file=err)
        return 2
    chosen = [b for b in BENCHMARKS if not only or b.name in only]
    total = sum(b.minutes[1 if quick else 0] for b in chosen)
    print(f"kubia-tutor bench: {len(chosen)} benchmark(s), about {total} min on a 2-CPU "
          f"machine{' (quick)' if quick else ''}", file=err)
    when = datetime.now(UTC)
    load_start = load_average()
    results = []
    for benchmark in chosen:
        print(f"  {benchmark.name}: {benchmark.about} ...", file=err, flush=True)
        limit = timeout or benchmark.minutes[1 if quick else 0] * 60 * 4 + 300
        result = runner(benchmark, where, quick, limit)
        state = ("skipped" if result.skipped else f"{len(result.rows)} rows" if result.ok
                 else "FAILED")
        print(f"  {benchmark.name}: {state} ({result.seconds:.0f} s)", file=err, flush=True)
        if result.error and not result.skipped:
            print("    " + "\n    ".join(result.error.splitlines()), file=err, flush=True)
        results.append(result)
    text = report(results, machine(), quick, when, (load_start, load_average()))
    out.write(text)
    if output:
        Path(output).write_text(text)
        print(f"kubia-tutor bench: report written to {output}", file=err)
    return 0 if all(r.ok or r.skipped for r in results) else 1
