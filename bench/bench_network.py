"""Networking benchmarks on real Podman: small HTTP requests through the userspace service
proxy against the same requests straight to the pod, and the cluster DNS's answer time.

The cluster is the real daemon (`kubia-tutor up --runtime podman`) in a temporary state dir
(bench_runtime's `Tutor`), with one kubia pod behind a ClusterIP service, a busybox client pod
and a dnsutils pod. The reference point, measured in the same run, is the same request to the
pod's own IP: what a pod would get with no proxy at all (kube-proxy's iptables mode adds next
to nothing to it), so the ratio is the userspace proxy's whole cost.

(a) From the client pod: a loop of `wget` requests inside the pod, timed by busybox `time`
    (each request is a new process and connection, as the book's `curl` loops are). From the
    host: a Python client, one connection per HTTP/1.0 request, one at a time and 4 at a
    time.
(b) The cluster DNS: A queries for `kubia.default.svc.cluster.local` from the host to
    10.96.0.10 (the same NAT path as pods'), timed in this process; and from the dnsutils pod,
    dig's own `Query time` (whole milliseconds).

Run: .venv/bin/python bench/bench_network.py [--requests 300] [--queries 500]
Prints a Markdown table. Not a test: numbers vary by machine; ratios are what to compare.
`kubia-tutor reset` removes the cluster at the end.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import socket
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import dns.message
import dns.query
from bench_runtime import Tutor, podman_version, wait

MANIFEST = """\
apiVersion: v1
kind: Pod
metadata:
  name: kubia
  labels:
    app: kubia
    bench: "true"
spec:
  containers:
  - name: main
    image: luksa/kubia
    ports:
    - containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: kubia
spec:
  ports:
  - port: 80
    targetPort: 8080
  selector:
    app: kubia
---
apiVersion: v1
kind: Pod
metadata:
  name: client
  labels:
    bench: "true"
spec:
  containers:
  - name: main
    image: busybox
    command: ["sleep", "infinity"]
---
apiVersion: v1
kind: Pod
metadata:
  name: dnsutils
  labels:
    bench: "true"
spec:
  containers:
  - name: main
    image: tutum/dnsutils
    command: ["sleep", "infinity"]
"""
NAME = "kubia.default.svc.cluster.local"


def pod_loop(tutor: Tutor, url: str, requests: int) -> float:
    """Requests per second of a `wget` loop in the client pod (busybox `time -p`)."""
    script = (f"time -p sh -c 'i=0; while [ $i -lt {requests} ]; do "
              f"wget -q -O /dev/null {url} || exit 1; i=$((i+1)); done' 2>&1")
    out = tutor.kubectl("exec", "client", "--", "sh", "-c", script)
    found = re.search(r"^real ([0-9.]+)", out, re.M)
    if found is None:
        raise RuntimeError(f"no timing from the pod: {out!r}")
    return requests / float(found.group(1))


def http_get(address: tuple[str, int]) -> float:
    """One HTTP/1.0 GET on a new connection; its latency in seconds."""
    start = time.perf_counter()
    with socket.create_connection(address, timeout=10) as sock:
        sock.sendall(b"GET / HTTP/1.0\r\nHost: kubia\r\n\r\n")
        data = b""
        while chunk := sock.recv(4096):
            data += chunk
    if b"You've hit" not in data:
        raise RuntimeError(f"unexpected answer from {address}: {data[:200]!r}")
    return time.perf_counter() - start


def host_run(address: tuple[str, int], requests: int, workers: int) -> tuple[float, list[float]]:
    """Requests per second and each request's latency, `workers` at a time."""
    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        latencies = list(pool.map(lambda _: http_get(address), range(requests)))
    return requests / (time.perf_counter() - start), latencies


def ms(samples: list[float]) -> str:
    q = statistics.quantiles(samples, n=20)
    return f"{statistics.median(samples) * 1000:.2f} ms (p95 {q[18] * 1000:.2f}, n={len(samples)})"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--digs", type=int, default=50)
    args = parser.parse_args()
    if not shutil.which("podman"):
        print("podman is not installed")
        return 1
    rows: list[tuple[str, str, str]] = []
    state = tempfile.mkdtemp(prefix="kubia-bench-net-")
    tutor: Tutor | None = None
    try:
        tutor = Tutor(state)
        path = Path(state, "net.yaml")
        path.write_text(MANIFEST)
        tutor.apply_until_ready(str(path), {"kubia", "client", "dnsutils"})
        pod_ip = tutor.kubectl("get", "pod", "kubia", "-o", "jsonpath={.status.podIP}")
        cluster_ip = tutor.kubectl("get", "service", "kubia", "-o",
                                   "jsonpath={.spec.clusterIP}")
        wait(lambda: bool(tutor and tutor.kubectl("get", "endpoints", "kubia", "-o",
                                                  "jsonpath={.subsets[*].addresses[*].ip}")),
             60)
        direct, proxied = f"http://{pod_ip}:8080/", f"http://{cluster_ip}/"
        pod_loop(tutor, proxied, 20)  # warm-up: the proxy's rule is there, caches are warm
        pod_loop(tutor, direct, 20)

        # (a) from a pod, alternating so that machine noise hits both alike
        ours, theirs = [], []
        for _ in range(3):
            theirs.append(pod_loop(tutor, direct, args.requests))
            ours.append(pod_loop(tutor, proxied, args.requests))
        straight, through = statistics.median(theirs), statistics.median(ours)
        rows.append(("(a) pod → pod IP:8080, `wget` loop in the client pod",
                     f"{straight:.0f} req/s ({1000 / straight:.2f} ms each)", "reference"))
        rows.append(("(a) pod → cluster IP:80 through the proxy, same loop",
                     f"{through:.0f} req/s ({1000 / through:.2f} ms each)", ""))
        rows.append(("(a) pod loop: throughput ratio proxy / direct",
                     f"{through / straight:.2f}", "target ≥ 0.5"))
        rows.append(("(a) pod loop: added latency per request",
                     f"{(1 / through - 1 / straight) * 1000:.2f} ms", ""))
        for workers in (1, 4):
            host_run((pod_ip, 8080), 20, workers)  # warm-up
            d_rate, d_lat = host_run((pod_ip, 8080), args.requests, workers)
            p_rate, p_lat = host_run((cluster_ip, 80), args.requests, workers)
            rows.append((f"(a) host → pod IP:8080, Python client, {workers} at a time",
                         f"{d_rate:.0f} req/s, latency {ms(d_lat)}", "reference"))
            rows.append((f"(a) host → cluster IP:80 through the proxy, {workers} at a time",
                         f"{p_rate:.0f} req/s, latency {ms(p_lat)}", ""))
            rows.append((f"(a) host, {workers} at a time: ratio proxy / direct; added latency",
                         f"{p_rate / d_rate:.2f}; "
                         f"{(statistics.median(p_lat) - statistics.median(d_lat)) * 1000:.2f} ms",
                         "target ≥ 0.5"))

        # (b) cluster DNS
        query = dns.message.make_query(NAME, "A")
        times = []
        for _ in range(args.queries):
            start = time.perf_counter()
            reply = dns.query.udp(query, "10.96.0.10", timeout=5)
            times.append(time.perf_counter() - start)
            if not reply.answer:
                raise RuntimeError(f"no answer for {NAME}: {reply}")
        rows.append((f"(b) cluster DNS from the host: A {NAME} at 10.96.0.10, UDP",
                     ms(times), "target median < 5 ms"))
        script = (f"i=0; while [ $i -lt {args.digs} ]; do dig +tries=1 {NAME} | "
                  f"grep 'Query time'; i=$((i+1)); done")
        out = tutor.kubectl("exec", "dnsutils", "--", "sh", "-c", script)
        dig_ms = [float(m) for m in re.findall(r"Query time: (\d+) msec", out)]
        if not dig_ms:
            raise RuntimeError(f"no dig timings: {out!r}")
        rows.append((f"(b) cluster DNS from a pod: dig's Query time, {len(dig_ms)} queries",
                     f"median {statistics.median(dig_ms):.0f} ms, max {max(dig_ms):.0f} ms",
                     "target median < 5 ms (dig rounds to whole ms)"))
    finally:
        if tutor is not None:
            tutor.close()
        shutil.rmtree(state, ignore_errors=True)

    print(f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}, {podman_version()}\n")
    print("| measurement | result | note |\n|---|---|---|")
    for name, value, note in rows:
        print(f"| {name} | {value} | {note} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
