"""TUI benchmarks: start-up to an interactive home screen with a warm daemon, and typing
latency in the shell while the cluster view redraws 50 changing pods.

(a) `kubia-tutor` runs in a real terminal (tmux, 100x30) against a daemon that is already up
    (fake runtime: the daemon's start is not what is measured); the time is from the
    process's start to the home screen's footer being on the screen, read with capture-pane
    every 10 ms. Python's start-up and imports are included.
(b) The app runs in process (Textual's Pilot, headless) on the free-play shell screen, whose
    live pods panel (the cluster view's pods table) shows the 50 pods of a Deployment that a
    thread changes about 25 times a second (annotations), so the panel redraws four times a
    second. Each key is timed from
    its press to its character being in the command line.

Run: .venv/bin/python bench/bench_tui.py [--starts 5] [--keys 60]
Prints a Markdown table. Not a test: numbers vary by machine.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import multiprocessing
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench_runtime import summary

from kubia_tutor.api.kinds import resolve
from kubia_tutor.client import lifecycle
from kubia_tutor.shell.main import open_session

BIN = Path(sys.executable).parent / "kubia-tutor"


def start_times(state: str, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        name = f"kubia-bench-{uuid.uuid4().hex[:8]}"
        started = time.perf_counter()
        subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", "100", "-y", "30",
                        f"{BIN} --state-dir {state} --runtime fake"], check=True)
        try:
            while True:
                shown = subprocess.run(["tmux", "capture-pane", "-p", "-t", name],
                                       capture_output=True, text=True).stdout
                if "Free-play shell" in shown:
                    samples.append(time.perf_counter() - started)
                    break
                if time.perf_counter() - started > 30:
                    raise SystemExit("the home screen never showed")
                time.sleep(0.01)
        finally:
            subprocess.run(["tmux", "send-keys", "-t", name, "C-q"], check=False)
            time.sleep(0.5)
            subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)
    return samples


def churn(state: str) -> None:
    """Change the pods until killed (run in a child process: the changes come from outside
    the app, as a learner's other terminal or the controllers would make them)."""
    buffer = io.StringIO()
    session = open_session(state, "fake", out=buffer, err=buffer)
    pods = resolve("pods")
    n = 0
    while True:
        items = session.client.list(pods, "default", label_selector="app=kubia")["items"]
        for pod in items:
            n += 1
            session.client.patch(pods, "default", pod["metadata"]["name"],
                                 {"metadata": {"annotations": {"bench": str(n)}}}, "merge")
            time.sleep(0.04)


async def typing_latency(state: str, keys: int) -> tuple[list[float], int]:
    from textual import events
    from textual.widgets import DataTable, Input

    from kubia_tutor.tui.app import ShellScreen, TutorApp
    from kubia_tutor.tui.home import HomeScreen

    app = TutorApp(state, "fake")
    samples: list[float] = []
    async with app.run_test(size=(120, 36)) as pilot:
        while not isinstance(app.screen, HomeScreen):
            await pilot.pause(0.05)
        await app.push_screen(ShellScreen())
        table = app.screen.query_one("#side-pods", DataTable)
        while table.row_count < 50:
            await pilot.pause(0.1)
        await pilot.pause(0.5)
        command = app.screen.query_one("#command", Input)
        text = ("kubectl get pods -o wide --show-labels " * 4)[:keys]
        for char in text:
            # The key goes into the app's queue as a terminal's would (Pilot.press also waits
            # for every widget to be idle, which is not what a learner waits for).
            started = time.perf_counter()
            app.post_message(events.Key("space" if char == " " else char, char))
            while not command.value.endswith(char):
                await asyncio.sleep(0.0005)
            samples.append(time.perf_counter() - started)
            await asyncio.sleep(0.05)  # a fast typist: 20 keys a second
        redraws = app.cluster_watch.revision if app.cluster_watch else 0
    return samples, redraws


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--keys", type=int, default=60)
    args = parser.parse_args()
    if not shutil.which("tmux"):
        raise SystemExit("tmux is needed (apt-get install tmux)")
    state = tempfile.mkdtemp(prefix="kubia-bench-tui-")
    try:
        lifecycle.up(state, "fake")
        starts = start_times(state, args.starts)
        buffer = io.StringIO()
        session = open_session(state, "fake", out=buffer, err=buffer)
        session.run_line("kubectl create deployment kubia --image=luksa/kubia")
        session.run_line("kubectl scale deployment kubia --replicas=50")
        session.close()
        quiet, _ = asyncio.run(typing_latency(state, args.keys))
        worker = multiprocessing.Process(target=churn, args=(state,), daemon=True)
        worker.start()
        try:
            latencies, changes = asyncio.run(typing_latency(state, args.keys))
        finally:
            worker.terminate()
            worker.join(10)
    finally:
        lifecycle.reset(state)
        shutil.rmtree(state, ignore_errors=True)
    start_ms = statistics.median(starts) * 1000
    p95 = sorted(latencies)[int(len(latencies) * 0.95) - 1] * 1000
    print(f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}\n")
    print("| measurement | result | note |\n|---|---|---|")
    print(f"| `kubia-tutor` to an interactive home screen, warm daemon (tmux) | "
          f"{summary(starts)} | target < 1.5 s: {'met' if start_ms < 1500 else 'missed'} |")
    print(f"| a key to its character in the shell, nothing changing | "
          f"{summary(quiet)} | |")
    print(f"| a key to its character in the shell, pods panel redrawing 50 changing pods "
          f"({changes} changes seen) | {summary(latencies)}, p95 {p95:.0f} ms | target < 50 ms: "
          f"{'met' if p95 < 50 else 'missed'} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
