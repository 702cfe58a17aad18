"""Running one probe once: an HTTP GET, a TCP connect or a command in the container.

Design note. Like the kubelet, network probes go from the node to the pod's IP (the host
reaches the cluster's bridge network directly), and exec probes run in the container through
the runtime. Failure messages are worded as the kubelet's Go code words them, since they end
up in `Unhealthy` events that learners read in `kubectl describe`:
`HTTP probe failed with statuscode: 500`,
`Get "http://10.244.0.5:8080/": dial tcp 10.244.0.5:8080: connect: connection refused`.
The fake runtime has no network, so `ScriptedProber` answers from a script (success unless a
test says otherwise).
"""

from __future__ import annotations

import errno
import http.client
import shlex
import socket
import ssl
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any, Protocol

from kubia_tutor.api.version import SERVER_VERSION
from kubia_tutor.runtime.cri import ContainerRuntime, RuntimeError_

Obj = dict[str, Any]
BODY_LIMIT = 10 * 1024  # the kubelet reads at most this much of a probe's answer


@dataclass(frozen=True)
class ProbeTarget:
    """Where a probe goes: the pod's IP, the container's ports and its running instance."""

    pod: str  # namespace/name
    container: str
    container_id: str
    pod_ip: str
    ports: dict[str, int] = field(default_factory=dict)  # named container ports


@dataclass(frozen=True)
class Outcome:
    """One probe's result and, when it failed, the kubelet's wording of why."""

    ok: bool
    message: str = ""


class Prober(Protocol):
    """Runs a probe (a livenessProbe/readinessProbe/startupProbe spec) once."""

    def run(self, kind: str, probe: Obj, target: ProbeTarget) -> Outcome:
        ...


def probe_timeout(probe: Obj) -> float:
    return float(probe.get("timeoutSeconds") or 1)


def resolve_port(port: Any, target: ProbeTarget) -> int:
    """A probe's port: a number, or the name of one of the container's ports."""
    if isinstance(port, int):
        return port
    text = str(port)
    if text.isdigit():
        return int(text)
    if text in target.ports:
        return target.ports[text]
    raise RuntimeError_(f"couldn't find port: {text} in container {target.container}")


class NetworkProber:
    """Real probes: HTTP and TCP from the node to the pod IP, exec through the runtime."""

    def __init__(self, runtime: ContainerRuntime) -> None:
        self.runtime = runtime
        # exec probes wait in threads so a hung command is cut off at its timeout
        self._exec_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="exec-probe")

    def run(self, kind: str, probe: Obj, target: ProbeTarget) -> Outcome:
        timeout = probe_timeout(probe)
        try:
            if "httpGet" in probe:
                return http_probe(probe["httpGet"] or {}, target, timeout)
            if "tcpSocket" in probe:
                return tcp_probe(probe["tcpSocket"] or {}, target, timeout)
            if "exec" in probe:
                return self._exec((probe["exec"] or {}).get("command") or [], target, timeout)
        except RuntimeError_ as err:
            return Outcome(False, str(err))
        return Outcome(False, "missing probe handler")

    def _exec(self, argv: list[str], target: ProbeTarget, timeout: float) -> Outcome:
        future = self._exec_pool.submit(self.runtime.exec, target.container_id,
                                        [str(a) for a in argv])
        try:
            result = future.result(timeout=timeout)
        except FutureTimeout:
            return Outcome(False, f"command {shlex.join(argv)!r} timed out")
        except RuntimeError_ as err:
            return Outcome(False, str(err))
        output = (result.stdout + result.stderr).decode(errors="replace")
        return Outcome(result.exit_code == 0, output)

    def close(self) -> None:
        self._exec_pool.shutdown(wait=False, cancel_futures=True)


def http_probe(spec: Obj, target: ProbeTarget, timeout: float) -> Outcome:
    """An HTTP GET; 200-399 is a success, as the kubelet counts it."""
    host = str(spec.get("host") or target.pod_ip)
    port = resolve_port(spec.get("port"), target)
    path = str(spec.get("path") or "/")
    if not path.startswith("/"):
        path = "/" + path
    scheme = str(spec.get("scheme") or "HTTP").lower()
    url = f"{scheme}://{_hostport(host, port)}{path}"
    headers = {"User-Agent": f"kube-probe/{_minor_version()}", "Accept": "*/*"}
    for header in spec.get("httpHeaders") or []:
        headers[str(header.get("name"))] = str(header.get("value", ""))
    conn: http.client.HTTPConnection
    if scheme == "https":
        # the kubelet does not verify a probe's certificate
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        conn = http.client.HTTPSConnection(host, port, timeout=timeout, context=context)
    else:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read(BODY_LIMIT)
        code = response.status
    except TimeoutError:
        return Outcome(False, f'Get "{url}": context deadline exceeded (Client.Timeout '
                              "exceeded while awaiting headers)")
    except OSError as err:
        return Outcome(False, f'Get "{url}": {_dial_error(host, port, err)}')
    except http.client.HTTPException as err:
        return Outcome(False, f'Get "{url}": {err or "EOF"}')
    finally:
        conn.close()
    if 200 <= code < 400:
        return Outcome(True)
    return Outcome(False, f"HTTP probe failed with statuscode: {code}")


def tcp_probe(spec: Obj, target: ProbeTarget, timeout: float) -> Outcome:
    """A TCP connect to the port; open means healthy."""
    host = str(spec.get("host") or target.pod_ip)
    port = resolve_port(spec.get("port"), target)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return Outcome(True)
    except OSError as err:
        return Outcome(False, _dial_error(host, port, err))


def _dial_error(host: str, port: int, err: OSError) -> str:
    """Go's net.Dial error text for a failed connect."""
    where = f"dial tcp {_hostport(host, port)}"
    if isinstance(err, TimeoutError):  # socket.timeout is TimeoutError since 3.10
        return f"{where}: i/o timeout"
    reasons = {errno.ECONNREFUSED: "connection refused", errno.EHOSTUNREACH: "no route to host",
               errno.ENETUNREACH: "network is unreachable", errno.ECONNRESET:
               "connection reset by peer"}
    if err.errno in reasons:
        return f"{where}: connect: {reasons[err.errno]}"
    if isinstance(err, ConnectionResetError):
        return "read: connection reset by peer"
    return f"{where}: {err.strerror or err}"


def _hostport(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _minor_version() -> str:
    major = str(SERVER_VERSION.get("major", "1"))
    minor = str(SERVER_VERSION.get("minor", "20")).rstrip("+")
    return f"{major}.{minor}"


# A script entry: an Outcome, or a function of the probe count giving one.
Script = Outcome | Callable[[int], Outcome]


class ScriptedProber:
    """Probes for the fake runtime, whose containers have no network: every probe succeeds
    unless a test scripts (pod name, container, kind) otherwise."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.script: dict[tuple[str, str, str], Script] = {}
        self.calls: dict[tuple[str, str, str], int] = {}

    def set(self, pod: str, container: str, kind: str, outcome: Script) -> None:
        """Script the probe of `kind` (Liveness, Readiness, Startup) of a pod's container."""
        with self._lock:
            self.script[(pod, container, kind)] = outcome

    def run(self, kind: str, probe: Obj, target: ProbeTarget) -> Outcome:
        key = (target.pod.rpartition("/")[2], target.container, kind)
        with self._lock:
            count = self.calls.get(key, 0) + 1
            self.calls[key] = count
            entry = self.script.get(key)
        if entry is None:
            return Outcome(True)
        return entry(count) if callable(entry) else entry

    def close(self) -> None:
        return None
