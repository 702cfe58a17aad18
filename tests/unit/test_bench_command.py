"""`kubia-tutor bench`: parsing the benchmarks' tables and assembling one report."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kubia_tutor import bench_command
from kubia_tutor.bench_command import BENCHMARKS, Benchmark, Result, parse_rows, report

FOUNDATION_OUT = """\
Machine: Linux-6.18, 2 CPUs, Python 3.11.7

| measurement | result | note |
|---|---|---|
| `kubectl get pods`, 500 pods, in process | 27.0 ms (IQR 25.3-28.1, n=15) | target < 30 ms |
| daemon RSS, idle, empty cluster | 26.4 MB |  |
"""


def by_name(name: str) -> Benchmark:
    return next(b for b in BENCHMARKS if b.name == name)


def test_parse_rows_leaves_out_header_separator_and_prose() -> None:
    rows = parse_rows(FOUNDATION_OUT + "\nsome trailing words | not a row\n")
    assert rows == [
        ("`kubectl get pods`, 500 pods, in process", "27.0 ms (IQR 25.3-28.1, n=15)",
         "target < 30 ms"),
        ("daemon RSS, idle, empty cluster", "26.4 MB", ""),
    ]


def test_parse_rows_pads_short_rows_and_keeps_pipes_inside_cells() -> None:
    assert parse_rows("| a|b | 1 ms |\n|:--|--:|\n") == [("a|b", "1 ms", "")]
    assert parse_rows("| x | 2 | n1 | n2 |") == [("x", "2", "n1 | n2")]
    assert parse_rows("nothing here\n") == []


def test_report_puts_the_machine_first_then_every_row_then_failures() -> None:
    ok = Result(by_name("foundation"), "bench/bench_foundation.py --pods 200",
                parse_rows(FOUNDATION_OUT), seconds=12.3)
    crashed = Result(by_name("network"), "bench/bench_network.py", [], seconds=4.0,
                     returncode=1, error="exit status 1: Traceback\nRuntimeError: boom")
    skipped = Result(by_name("tui"), "bench/bench_tui.py", skipped=True, returncode=None,
                     error="skipped: tmux not installed")
    text = report([ok, crashed, skipped], [("CPUs", "2 (AMD EPYC)"), ("Podman", "4.3.1")],
                  quick=True, when=datetime(2026, 11, 28, 12, 0, tzinfo=UTC),
                  loads=("1.00 1.00 1.00", "2.00 2.00 2.00"))
    assert text.startswith("# kubia-tutor benchmarks\n")
    assert "quick mode" in text and "2026-11-28 12:00 UTC" in text
    assert text.index("| CPUs | 2 (AMD EPYC) |") < text.index("## Results")
    assert "| foundation | daemon RSS, idle, empty cluster | 26.4 MB |  |" in text
    assert "- **network**: exit status 1: Traceback RuntimeError: boom" in text
    assert "- **tui**: skipped: tmux not installed" in text
    assert "| foundation | `.venv/bin/python bench/bench_foundation.py --pods 200` | 12 s |" in text
    assert "| tui | `.venv/bin/python bench/bench_tui.py` | skipped |" in text
    assert not ok.rows[0][0].startswith("---")


def test_run_collects_rows_and_reports_a_crash_without_stopping(tmp_path: Path) -> None:
    calls: list[tuple[str, bool]] = []

    def fake_runner(benchmark: Benchmark, where: Path, quick: bool, timeout: float) -> Result:
        calls.append((benchmark.name, quick))
        assert (where / benchmark.script).is_file()
        if benchmark.name == "get":
            return Result(benchmark, benchmark.script, [], returncode=2, error="exit status 2")
        return Result(benchmark, benchmark.script, parse_rows(FOUNDATION_OUT))

    out, err = io.StringIO(), io.StringIO()
    target = tmp_path / "report.md"
    code = bench_command.run(["get", "lessons"], quick=True, output=str(target), out=out,
                             err=err, runner=fake_runner)
    assert code == 1
    assert calls == [("get", True), ("lessons", True)]
    assert target.read_text() == out.getvalue()
    assert "| lessons | daemon RSS, idle, empty cluster | 26.4 MB |  |" in out.getvalue()
    assert "- **get**: exit status 2" in out.getvalue()
    assert "get: FAILED" in err.getvalue()


def test_run_one_reports_a_script_that_crashes(tmp_path: Path) -> None:
    (tmp_path / "bench_boom.py").write_text(
        "import sys\nprint('| measurement | result | note |')\n"
        "sys.exit('boom: the cluster never came up')\n")
    boom = Benchmark("boom", "bench_boom.py", (), (), "a crash")
    result = bench_command.run_one(boom, tmp_path, quick=True, timeout=60)
    assert not result.ok and result.returncode == 1
    assert "boom: the cluster never came up" in result.error


def test_run_one_interrupts_a_script_that_overruns(tmp_path: Path) -> None:
    (tmp_path / "bench_slow.py").write_text(
        "import time\ntry:\n    time.sleep(60)\nexcept KeyboardInterrupt:\n"
        "    print('| cleaned up | yes |  |')\n    raise SystemExit(130)\n")
    slow = Benchmark("slow", "bench_slow.py", (), (), "an overrun")
    result = bench_command.run_one(slow, tmp_path, quick=True, timeout=1)
    assert not result.ok and "timed out after 1 s" in result.error
    assert result.rows == [("cleaned up", "yes", "")]  # its finally/except blocks ran


def test_machine_description_names_cpus_ram_kernel_podman_python() -> None:
    keys = [key for key, _ in bench_command.machine()]
    assert keys == ["CPUs", "RAM", "kernel", "OS", "Podman", "Python"]


def test_bench_dir_is_next_to_the_package() -> None:
    found = bench_command.bench_dir()
    assert found is not None and (found / "bench_lessons.py").is_file()


@pytest.mark.slow
def test_bench_only_lessons_quick_prints_a_table(tmp_path: Path) -> None:
    kubia = Path(sys.executable).parent / "kubia-tutor"
    target = tmp_path / "bench.md"
    done = subprocess.run([str(kubia), "bench", "--only", "lessons", "--quick", "--output",
                           str(target)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "| benchmark | measurement | result | note |" in done.stdout
    assert "| lessons | a step's 8 checks against" in done.stdout
    assert target.read_text() == done.stdout


def test_unknown_names_are_refused_with_the_list() -> None:
    err = io.StringIO()
    assert bench_command.run(["lesson"], out=io.StringIO(), err=err) == 2
    assert "no benchmark named lesson" in err.getvalue()
    assert all(name in err.getvalue() for name in bench_command.NAMES)


def test_the_cli_help_names_every_benchmark() -> None:
    from kubia_tutor.cli import _parser

    sub = next(a for a in _parser()._actions if a.dest == "command")
    bench = sub.choices["bench"]  # type: ignore[index]
    only = next(a for a in bench._actions if a.dest == "only")
    assert all(name in (only.help or "") for name in bench_command.NAMES)
