"""Runtime benchmarks on real Podman: a pod from `kubectl apply -f` to Ready, 30 pods from one
manifest to all Ready, and the memory each running pod adds; raw Podman measured in the same
run as the reference point.

The cluster is the real daemon (`kubia-tutor up --runtime podman`) in a temporary state dir,
driven by `kubectl apply` run in this process over the daemon's socket (what `kubia-tutor
shell` does, without its start-up). Raw Podman is the CLI (`podman pod create` + `podman run -d
--init`) on the tutor's own configuration (`CONTAINERS_CONF`), the same catalog image, and a
bridge network of the benchmark's own (its own labels and subnet; removed after), with the
pods' DNS pointed at the cluster DNS address as the tutor's are. Nothing without this run's
labels is touched; `kubia-tutor reset` removes the cluster at the end.

Run: .venv/bin/python bench/bench_runtime.py [--repeat 10] [--pods 30] [--batches 3]
(`--batches 0` leaves the many-pods measurement out.)
Prints a Markdown table. Not a test: numbers vary by machine; ratios are what to compare.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import ipaddress
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from kubia_tutor.api.kinds import resolve
from kubia_tutor.client.http import HttpClient
from kubia_tutor.daemon import paths
from kubia_tutor.runtime.images import catalog
from kubia_tutor.runtime.podman import labels
from kubia_tutor.runtime.podman.config import conf_file
from kubia_tutor.shell import kubectl
from kubia_tutor.shell.command import Context
from kubia_tutor.shell.kubeconfig import KubeConfig

PODS = resolve("pods")
KUBIA = os.path.join(os.path.dirname(sys.executable), "kubia-tutor")
RUN = uuid.uuid4().hex[:8]
BENCH_LABEL = f"io.kubia-tutor.bench={RUN}"
RAW_NET = f"kubia-bench-{RUN}"


def pod_yaml(name: str, image: str = "luksa/kubia", command: str = "") -> str:
    cmd = f"    command: {command}\n" if command else ""
    return (f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  labels:\n"
            f"    bench: \"true\"\nspec:\n  containers:\n  - name: main\n    image: {image}\n"
            f"{cmd}")


class Tutor:
    """The daemon on a temporary state dir and a kubectl over its socket."""

    def __init__(self, state: str) -> None:
        self.state = state
        subprocess.run([KUBIA, "up", "--runtime", "podman", "--state-dir", state], check=True,
                       capture_output=True, timeout=120)
        self.client = HttpClient(paths.socket_file(state), timeout=120)

    def kubectl(self, *argv: str) -> str:
        out, err = io.StringIO(), io.StringIO()
        ctx = Context(client=self.client, out=out, err=err,
                      config=KubeConfig(None, "unix://bench"), cwd=self.state)
        code = kubectl.run(ctx, list(argv))
        if code != 0:
            raise RuntimeError(f"kubectl {' '.join(argv)}: {err.getvalue().strip()}")
        return out.getvalue()

    def ready(self, names: set[str]) -> bool:
        items = self.client.list(PODS, "default", label_selector="bench=true")["items"]
        done = {p["metadata"]["name"] for p in items if any(
            c.get("type") == "Ready" and c.get("status") == "True"
            for c in (p.get("status") or {}).get("conditions") or [])}
        return names <= done

    def apply_until_ready(self, path: str, names: set[str], timeout: float = 300) -> float:
        start = time.perf_counter()
        self.kubectl("apply", "-f", path)
        wait(lambda: self.ready(names), timeout)
        return time.perf_counter() - start

    def delete_all(self) -> None:
        """Delete the pods and wait until their Podman pods are gone too, so no removal
        runs behind the next measurement (a graceful delete: the kubelet confirms it only
        once the sandbox is removed)."""
        self.kubectl("delete", "pods", "-l", "bench=true", "--grace-period=1")
        wait(lambda: not self.client.list(PODS, "default")["items"], 300)
        wait(lambda: not self.podman_pods(), 300)

    def podman_pods(self) -> list[str]:
        """The cluster's Podman pods in the default namespace (kube-system's cluster DNS pod
        stays)."""
        cluster = Path(self.state, "cluster-id").read_text().strip()
        done = subprocess.run(["podman", "pod", "ps", "--format", "json", "--filter",
                               f"label={labels.CLUSTER}={cluster}"], capture_output=True,
                              text=True, env=dict(os.environ,
                                                  CONTAINERS_CONF=str(conf_file(self.state))),
                              timeout=120)
        return [pod["Id"] for pod in json.loads(done.stdout or "[]")
                if (pod.get("Labels") or {}).get(labels.NAMESPACE) == "default"]

    def close(self) -> None:
        self.client.close()
        done = subprocess.run([KUBIA, "reset", "--state-dir", self.state],
                              capture_output=True, text=True, timeout=300)
        if done.returncode != 0:  # say so: the cluster's Podman objects may be left behind
            print(f"kubia-tutor reset failed: {done.stderr.strip()}", file=sys.stderr)


def wait(check: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("timed out")
        time.sleep(0.01)


class RawPodman:
    """The same pods by hand with the Podman CLI, on a network of this run's own."""

    def __init__(self, state: str, image: str) -> None:
        self.env = dict(os.environ, CONTAINERS_CONF=str(conf_file(state)))
        self.image = image
        self.count = 0
        self.podman("network", "create", "--subnet", self._free_subnet(), "--disable-dns",
                    "--label", BENCH_LABEL, RAW_NET)

    def _free_subnet(self) -> str:
        """A /24 of 10.242.0.0/16 no Podman network on the host overlaps (others' test or
        benchmark clusters may be running), starting from this run's own."""
        taken = []
        for net in json.loads(self.podman("network", "ls", "--format", "json") or "[]"):
            for sub in net.get("subnets") or []:
                with contextlib.suppress(ValueError):
                    taken.append(ipaddress.ip_network(sub.get("subnet", "")))
        start = int(RUN[:2], 16)
        for offset in range(256):
            candidate = ipaddress.ip_network(f"10.242.{(start + offset) % 256}.0/24")
            if not any(candidate.overlaps(net) for net in taken):
                return str(candidate)
        raise RuntimeError("no free /24 in 10.242.0.0/16 for the raw Podman network")

    def podman(self, *args: str) -> str:
        done = subprocess.run(["podman", *args], capture_output=True, text=True, env=self.env,
                              timeout=300)
        if done.returncode != 0:
            raise RuntimeError(f"podman {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def start_pod(self) -> None:
        self.count += 1
        name = f"kubia-bench-{RUN}-{self.count}"
        self.podman("pod", "create", "--name", name, "--label", BENCH_LABEL, "--network",
                    RAW_NET, "--dns", "10.96.0.10", "--dns-search",
                    "default.svc.cluster.local", "--dns-option", "ndots:5",
                    "--hostname", name)
        self.podman("run", "-d", "--pod", name, "--init", "--label", BENCH_LABEL,
                    "--name", f"{name}-main", self.image)

    def remove_all(self) -> None:
        pods = self.podman("pod", "ps", "-q", "--filter", f"label={BENCH_LABEL}").split()
        if pods:
            self.podman("pod", "rm", "-f", "-t", "0", *pods)

    def close(self) -> None:
        self.remove_all()
        self.podman("network", "rm", RAW_NET)


def summary(samples: list[float]) -> str:
    q = statistics.quantiles(samples, n=4) if len(samples) > 1 else samples * 3
    return (f"{statistics.median(samples) * 1000:.0f} ms (IQR {q[0] * 1000:.0f}-"
            f"{q[2] * 1000:.0f}, n={len(samples)})")


def pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def children() -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            found.setdefault(ppid, []).append(int(entry))
    return found


def cluster_pss_kib(state: str) -> tuple[int, int]:
    """PSS of every conmon of the cluster's containers (infra included) and of everything it
    runs; and the number of those containers."""
    cluster = Path(state, "cluster-id").read_text().strip()
    env = dict(os.environ, CONTAINERS_CONF=str(conf_file(state)))
    ids = subprocess.run(["podman", "ps", "-q", "--filter",
                          f"label={labels.CLUSTER}={cluster}"], capture_output=True,
                         text=True, env=env, timeout=120).stdout.split()
    if not ids:
        return 0, 0
    pids = subprocess.run(["podman", "inspect", "--format", "{{.State.ConmonPid}}", *ids],
                          capture_output=True, text=True, env=env, timeout=120).stdout.split()
    tree = children()
    total = 0
    todo = [int(p) for p in pids if p.isdigit() and int(p) > 0]
    while todo:
        pid = todo.pop()
        total += pss_kib(pid)
        todo.extend(tree.get(pid, []))
    return total, len(ids)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--pods", type=int, default=30)
    parser.add_argument("--batches", type=int, default=3)
    parser.add_argument("--memory-pods", type=int, default=10)
    args = parser.parse_args()
    if not shutil.which("podman"):
        print("podman is not installed")
        return 1
    rows: list[tuple[str, str, str]] = []
    state = tempfile.mkdtemp(prefix="kubia-bench-rt-")
    tutor: Tutor | None = None
    raw: RawPodman | None = None
    try:
        tutor = Tutor(state)
        work = Path(state, "manifests")
        work.mkdir()
        # warm-up: builds the catalog image and the pause image once, outside the timings
        Path(work, "warm.yaml").write_text(pod_yaml("warm"))
        tutor.apply_until_ready(str(work / "warm.yaml"), {"warm"})
        tutor.delete_all()
        found = catalog.resolve("luksa/kubia")
        assert found is not None
        raw = RawPodman(state, found.local_name())
        raw.start_pod()
        raw.remove_all()

        # (a) one pod
        ours, theirs = [], []
        for i in range(args.repeat):
            path = work / f"one-{i}.yaml"
            path.write_text(pod_yaml(f"kubia-{i}"))
            ours.append(tutor.apply_until_ready(str(path), {f"kubia-{i}"}))
            tutor.delete_all()
            start = time.perf_counter()
            raw.start_pod()
            theirs.append(time.perf_counter() - start)
            raw.remove_all()
        rows.append(("(a) `kubectl apply -f` kubia pod → Ready (daemon, podman)",
                     summary(ours), ""))
        rows.append(("(a) raw: `podman pod create` + `podman run -d --init` kubia",
                     summary(theirs), ""))
        ratio_a = statistics.median(ours) / statistics.median(theirs)
        rows.append(("(a) ratio", f"{ratio_a:.2f}x", "target ≤ 1.3"))

        # (b) many pods from one manifest
        # (--batches 0 leaves it out: bench_scale.py's `pods` measures 30 and 100 pods)
        if args.batches > 0:
            ours, serial, parallel = [], [], []
            start_one = raw.start_pod
            for batch in range(args.batches):
                names = {f"many-{batch}-{i:02d}" for i in range(args.pods)}
                path = work / f"many-{batch}.yaml"
                path.write_text("---\n".join(pod_yaml(n) for n in sorted(names)))
                ours.append(tutor.apply_until_ready(str(path), names, timeout=600))
                tutor.delete_all()
                start = time.perf_counter()
                for _ in range(args.pods):
                    raw.start_pod()
                serial.append(time.perf_counter() - start)
                raw.remove_all()
                start = time.perf_counter()
                with ThreadPoolExecutor(4) as pool:
                    list(pool.map(lambda _: start_one(), range(args.pods)))
                parallel.append(time.perf_counter() - start)
                raw.remove_all()
            rows.append((f"(b) {args.pods} pods, one multi-document manifest → all Ready",
                         summary(ours), ""))
            rows.append((f"(b) raw: {args.pods} × (pod create + run -d), one after another",
                         summary(serial), ""))
            rows.append(("(b) raw: the same, 4 at a time", summary(parallel), ""))
            ratio_b = statistics.median(ours) / statistics.median(serial)
            rows.append(("(b) ratio against serial raw Podman", f"{ratio_b:.2f}x", "target ≤ 1.5"))
            rows.append(("(b) ratio against 4-at-a-time raw Podman",
                         f"{statistics.median(ours) / statistics.median(parallel):.2f}x", ""))

        # (c) memory per running busybox pod
        before, _ = cluster_pss_kib(state)
        names = {f"mem-{i:02d}" for i in range(args.memory_pods)}
        path = work / "mem.yaml"
        path.write_text("---\n".join(pod_yaml(n, "busybox", '["sleep", "3600"]')
                                     for n in sorted(names)))
        tutor.apply_until_ready(str(path), names, timeout=600)
        time.sleep(1.0)
        after, containers = cluster_pss_kib(state)
        per_pod = (after - before) / args.memory_pods / 1024
        rows.append((f"(c) memory per running busybox pod (PSS of conmon + container "
                     f"processes, {args.memory_pods} pods, {containers} containers)",
                     f"{per_pod:.2f} MB", ""))
        tutor.delete_all()
    finally:
        if raw is not None:
            raw.close()
        if tutor is not None:
            tutor.close()
        shutil.rmtree(state, ignore_errors=True)

    print(f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}, {podman_version()}\n")
    print("| measurement | result | note |\n|---|---|---|")
    for name, value, note in rows:
        print(f"| {name} | {value} | {note} |")
    return 0


def podman_version() -> str:
    done = subprocess.run(["podman", "--version"], capture_output=True, text=True)
    return done.stdout.strip()


if __name__ == "__main__":
    sys.exit(main())
