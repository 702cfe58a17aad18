"""`kubectl port-forward TYPE/NAME [--address localhost] [LOCAL_PORT:]REMOTE_PORT ...`.

The shell listens on 127.0.0.1 (never anywhere else: the tutor's sandbox rule, so `--address`
takes only localhost and 127.0.0.1) and opens one kubia-stream/1 session per accepted
connection (`pods/<name>/portforward?ports=<remote>`); the daemon dials the pod on the cluster
network and relays. It runs until Ctrl+C, as kubectl does, printing kubectl's lines (only the
IPv4 `Forwarding from` line: nothing is bound on ::1).
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import select
import socket
import threading
import time
from dataclasses import dataclass

from kubia_tutor.api.errors import ApiError
from kubia_tutor.daemon.stream_protocol import STATUS, STDIN, STDOUT, FrameSocket
from kubia_tutor.shell.command import Command, Context
from kubia_tutor.shell.commands import streaming
from kubia_tutor.shell.errors import CommandError, UsageError
from kubia_tutor.shell.flags import Flag, Parsed

Obj = streaming.Obj
LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class PortPair:
    """One forwarding: the local port (0: any free one) and the pod's port."""

    local: int
    remote: int


def split_port(spec: str) -> tuple[str, str]:
    """`[LOCAL:]REMOTE` as (local, remote) text."""
    parts = spec.split(":")
    if len(parts) == 2:
        return parts[0], parts[1]
    return parts[0], parts[0]


def parse_ports(specs: list[str]) -> list[PortPair]:
    """Numeric `[LOCAL:]REMOTE` specs, with client-go's messages."""
    pairs = []
    for spec in specs:
        parts = spec.split(":")
        if len(parts) > 2:
            raise CommandError(f"invalid port format '{spec}'")
        local_text, remote_text = split_port(spec)
        local = 0
        if local_text:
            local = _port_number(local_text, "local")
        remote = _port_number(remote_text, "remote")
        if remote == 0:
            raise CommandError("remote port must be > 0")
        pairs.append(PortPair(local, remote))
    return pairs


def _port_number(text: str, which: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        why = "value out of range" if text.isdigit() else "invalid syntax"
        raise CommandError(f"error parsing {which} port '{text}': strconv.ParseUint: parsing "
                           f"\"{text}\": {why}")
    return int(text)


def named_ports(specs: list[str], pod: Obj, service: Obj | None) -> list[str]:
    """Resolve named ports and a service's ports to the pod's container ports (kubectl's
    translateServicePortToTargetPort and convertPodNamedPortToNumber)."""
    out = []
    for spec in specs:
        if spec.count(":") > 1:
            raise CommandError(f"invalid port format '{spec}'")
        local, remote = split_port(spec)
        if service is not None:
            local, remote = _service_port(service, pod, local, remote)
        elif not remote.isdigit():
            remote = str(_container_port(pod, remote))
        out.append(remote if local == remote else f"{local}:{remote}")
    return out


def _service_port(service: Obj, pod: Obj, local: str, remote: str) -> tuple[str, str]:
    name = service["metadata"]["name"]
    ports = (service.get("spec") or {}).get("ports") or []
    if remote.isdigit():
        number = int(remote)
    else:
        match = next((p for p in ports if p.get("name") == remote), None)
        if match is None:
            raise CommandError(f"Service '{name}' does not have a named port '{remote}'")
        number = int(match["port"])
        if local == remote:
            local = str(number)
    entry = next((p for p in ports if int(p.get("port") or 0) == number), None)
    if entry is None:
        raise CommandError(f"Service {name} does not have a service port {number}")
    target = entry.get("targetPort")
    if target in (None, 0, "0", ""):
        resolved = number
    elif isinstance(target, int) or str(target).isdigit():
        resolved = int(target)
    else:
        resolved = _container_port(pod, str(target))
    return local, str(resolved)


def _container_port(pod: Obj, name: str) -> int:
    for container in (pod.get("spec") or {}).get("containers") or []:
        for port in container.get("ports") or []:
            if port.get("name") == name:
                return int(port["containerPort"])
    raise CommandError(f"Pod '{pod['metadata']['name']}' does not have a named port '{name}'")


def check_addresses(addresses: list[str]) -> None:
    """Only loopback: the tutor binds nothing beyond 127.0.0.1."""
    for address in addresses:
        if address in ("localhost", LOOPBACK):
            continue
        try:
            ipaddress.ip_address(address)
        except ValueError:
            raise CommandError(f"{address} is not a valid IP") from None
        raise CommandError(f"kubia-tutor listens on 127.0.0.1 only: --address {address} is "
                           "not allowed (use localhost or 127.0.0.1)")


def klog_error(ctx: Context, message: str) -> None:
    """An error line as kubectl's klog prints it while forwarding goes on."""
    now = time.time()
    stamp = time.strftime("%m%d %H:%M:%S", time.localtime(now))
    ctx.err.write(f"E{stamp}.{int(now % 1 * 1e6):06d} {os.getpid():7d} portforward.go:400] "
                  f"{message}\n")
    ctx.err.flush()


def run(ctx: Context, parsed: Parsed) -> int:
    """Forward local ports to the pod until Ctrl+C."""
    if len(parsed.args) < 2:
        raise CommandError("TYPE/NAME and list of ports are required for port-forward",
                           usage=True)
    try:
        streaming.parse_duration(parsed["pod-running-timeout"], "--pod-running-timeout")
    except CommandError as err:
        raise UsageError(err.message) from None
    check_addresses(parsed["address"] or ["localhost"])
    pod, owner = streaming.pod_for(ctx, parsed.args[0])
    service = owner if owner is not None and owner.get("kind") == "Service" else None
    pairs = parse_ports(named_ports(parsed.args[1:], pod, service))
    phase = (pod.get("status") or {}).get("phase")
    if phase != "Running":
        raise CommandError("unable to forward port because pod is not running. Current "
                           f"status={phase}")
    _check_forwardable(ctx, pod["metadata"]["name"], pairs[0].remote)
    listeners: dict[socket.socket, PortPair] = {}
    try:
        for pair in pairs:
            listener = _listen(ctx, pair)
            if listener is None:
                continue
            port = listener.getsockname()[1]
            listeners[listener] = PortPair(port, pair.remote)
            ctx.out.write(f"Forwarding from {LOOPBACK}:{port} -> {pair.remote}\n")
        ctx.out.flush()
        if not listeners:
            wanted = " ".join(f"{{{p.local} {p.remote}}}" for p in pairs)
            raise CommandError(f"unable to listen on any of the requested ports: [{wanted}]")
        _serve(ctx, pod["metadata"]["name"], listeners)
    except KeyboardInterrupt:
        return 0  # kubectl ends quietly on Ctrl+C
    finally:
        for listener in listeners:
            listener.close()
    return 0


def _check_forwardable(ctx: Context, pod_name: str, remote: int) -> None:
    """Ask the daemon whether the pod can be forwarded to at all (a runtime without
    containers cannot), so that is said at once rather than on every connection. Nothing is
    dialled: that happens per connection, as with kubectl."""
    frames = streaming.open_frames(ctx, pod_name, "portforward",
                                   {"ports": [remote], "check": True})
    frames.close()


def _listen(ctx: Context, pair: PortPair) -> socket.socket | None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((LOOPBACK, pair.local))
        sock.listen(16)
    except OSError as exc:
        sock.close()
        ctx.err.write(f"Unable to listen on port {pair.local}: Listeners failed to create with "
                      f"the following errors: [unable to create listener: Error listen tcp4 "
                      f"{LOOPBACK}:{pair.local}: bind: {(exc.strerror or str(exc)).lower()}]\n")
        return None
    return sock


def _serve(ctx: Context, pod_name: str, listeners: dict[socket.socket, PortPair]) -> None:
    while True:
        try:
            ready, _, _ = select.select(list(listeners), [], [], 0.5)
        except (OSError, ValueError):
            return  # a listener was closed: forwarding is over
        for listener in ready:
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            pair = listeners[listener]
            ctx.out.write(f"Handling connection for {pair.local}\n")
            ctx.out.flush()
            threading.Thread(target=_forward, args=(ctx, pod_name, conn, pair),
                             name=f"forward-{pair.local}", daemon=True).start()


def _forward(ctx: Context, pod_name: str, conn: socket.socket, pair: PortPair) -> None:
    """Relay one local connection through its own stream to the pod."""
    try:
        frames = streaming.open_frames(ctx, pod_name, "portforward", {"ports": [pair.remote]})
    except ApiError as err:
        klog_error(ctx, f"an error occurred forwarding {pair.local} -> {pair.remote}: "
                        f"{err.message}")
        conn.close()
        return
    except Exception as exc:  # the daemon went away: this connection fails, forwarding goes on
        klog_error(ctx, f"an error occurred forwarding {pair.local} -> {pair.remote}: {exc}")
        conn.close()
        return
    pump = threading.Thread(target=_local_to_pod, args=(conn, frames), daemon=True)
    pump.start()
    try:
        while (frame := frames.read()) is not None:
            channel, data = frame
            if channel == STDOUT:
                if not data:
                    with contextlib.suppress(OSError):
                        conn.shutdown(socket.SHUT_WR)
                    continue
                conn.sendall(data)
            elif channel == STATUS and b'"Failure"' in data:
                klog_error(ctx, f"an error occurred forwarding {pair.local} -> {pair.remote}: "
                                f"{data.decode(errors='replace')}")
    except OSError:
        pass
    finally:
        frames.close()
        conn.close()


def _local_to_pod(conn: socket.socket, frames: FrameSocket) -> None:
    try:
        while True:
            data = conn.recv(65536)
            if not frames.send(STDIN, data) or not data:
                return
    except OSError:
        frames.send(STDIN, b"")


COMMAND = Command(
    "port-forward", "Forward one or more local ports to a pod",
    [Flag("address", kind="list", default=["localhost"]),
     Flag("pod-running-timeout", default="1m0s")],
    run, usage="kubectl port-forward TYPE/NAME [options] [LOCAL_PORT:]REMOTE_PORT "
               "[...[LOCAL_PORT_N:]REMOTE_PORT_N]")
