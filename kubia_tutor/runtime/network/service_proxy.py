"""The userspace service proxy (kube-proxy's original `userspace` mode), TCP only.

Design note. Every TCP port of a service with a cluster IP gets a listener on
127.0.0.1:<ephemeral>; a NAT rule (`redirect.ServiceRedirect`) sends pods' connections to
<cluster IP>:<port> there, and DNAT keeps the pod's IP as the client address, which
`sessionAffinity: ClientIP` needs. NodePort and LoadBalancer ports also get a listener on
127.0.0.1:<nodePort> for the host (the book's `curl http://127.0.0.1:30123`). Each accepted
connection goes to a ready endpoint of the service port, round robin, and bytes are relayed
both ways until both sides have closed (a half-close is passed on, as `nc` needs).

Nothing leaves the machine: an endpoint outside the cluster's pod subnet (the book's
hand-written `external-service` with 11.11.11.11) is never dialled; it is logged and left
out, and a port with no usable endpoint resets each connection at once, as kube-proxy's
REJECT rule does.

One thread does the bookkeeping and accepts: it reconciles when the store's revision moved
(at most a few times a second) and every few seconds anyway (the bridge comes and goes with
the pods); each connection gets a relay thread per direction.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import selectors
import socket
import struct
import threading
import time
from collections.abc import Callable
from typing import Any

from kubia_tutor.api.kinds import resolve
from kubia_tutor.api.server import object_key
from kubia_tutor.api.store import Store
from kubia_tutor.runtime.network.redirect import CLUSTER_DNS_IP, RedirectError, ServiceRedirect

log = logging.getLogger(__name__)

SERVICES = resolve("services")
ENDPOINTS = resolve("endpoints")

Obj = dict[str, Any]
Backend = tuple[str, int]  # (pod IP, port)
PortKey = tuple[str, str, str]  # (namespace, service, port name or number)

RECONCILE_EVERY = 0.25  # seconds between reconciles while the store keeps changing
IDLE_RECONCILE = 5.0  # a reconcile even when nothing changed: the bridge may be new
DIAL_TIMEOUT = 2.0
DEFAULT_AFFINITY_SECONDS = 10800.0  # 1.20's default clientIP timeout


class Balancer:
    """Picks the endpoint for each new connection to one service port: round robin, or the
    client's last one (sessionAffinity: ClientIP) while it was used in `affinity` seconds."""

    def __init__(self, name: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.name = name
        self.clock = clock
        self.backends: list[Backend] = []
        self.affinity: float | None = None
        self._next = 0
        self._sticky: dict[str, tuple[Backend, float]] = {}
        self._refused: list[Backend] = []
        self._lock = threading.Lock()

    def update(self, backends: list[Backend], subnet: str, affinity: float | None) -> None:
        """Set the ready endpoints; those outside `subnet` ('' when the pod network does not
        exist yet: then none is inside) are refused and logged when they change."""
        network = ipaddress.ip_network(subnet) if subnet else None
        usable: list[Backend] = []
        refused: list[Backend] = []
        for ip, port in backends:
            try:
                inside = network is not None and ipaddress.ip_address(ip) in network
            except ValueError:
                inside = False
            (usable if inside else refused).append((ip, port))
        with self._lock:
            if refused != self._refused and refused:
                log.warning("service %s: endpoint(s) %s are outside the cluster's pod network "
                            "%s; the proxy never connects to them", self.name,
                            ", ".join(f"{ip}:{port}" for ip, port in refused),
                            subnet or "(not created yet)")
            self._refused = refused
            if usable != self.backends:
                self.backends = usable
                self._sticky = {c: s for c, s in self._sticky.items() if s[0] in usable}
            if affinity != self.affinity:
                self.affinity = affinity
                self._sticky.clear()

    def pick(self, client_ip: str, avoid: frozenset[Backend] = frozenset()) -> Backend | None:
        """The endpoint for a new connection from `client_ip` (None: there is none), not one
        of `avoid` (those that just failed to answer)."""
        with self._lock:
            choices = [b for b in self.backends if b not in avoid]
            if not choices:
                return None
            now = self.clock()
            if self.affinity is not None:
                held = self._sticky.get(client_ip)
                if held is not None and held[0] in choices and now - held[1] < self.affinity:
                    self._sticky[client_ip] = (held[0], now)
                    return held[0]
            self._next %= len(choices)
            chosen = choices[self._next]
            self._next += 1
            if self.affinity is not None:
                self._sticky[client_ip] = (chosen, now)
            return chosen


class _Listener:
    def __init__(self, sock: socket.socket, balancer: Balancer) -> None:
        self.sock = sock
        self.balancer = balancer
        self.port: int = sock.getsockname()[1]


def _listen(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))  # never beyond the loopback address
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


def _reset(sock: socket.socket) -> None:
    """Close with a RST, so the client sees the connection fail at once."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def backends_of(endpoints: Obj | None, port_name: str) -> list[Backend]:
    """The ready (IP, port) pairs of an Endpoints object for the service port named
    `port_name` ('' for an unnamed one), TCP only."""
    found: list[Backend] = []
    for subset in (endpoints or {}).get("subsets") or []:
        ports = [p for p in subset.get("ports") or []
                 if (p.get("name") or "") == port_name and (p.get("protocol") or "TCP") == "TCP"]
        for port in ports:
            for address in subset.get("addresses") or []:
                if address.get("ip") and port.get("port"):
                    found.append((str(address["ip"]), int(port["port"])))
    return found


class ServiceProxy:
    """Listeners for the cluster's service ports and the NAT rules that lead pods to them."""

    def __init__(self, store: Store, pod_network: Callable[[], tuple[str, str]],
                 redirect: ServiceRedirect | None) -> None:
        self.store = store
        self.pod_network = pod_network  # () -> (bridge, subnet), ('', '') before the network
        self.redirect = redirect
        self._balancers: dict[PortKey, Balancer] = {}
        self._cluster: dict[PortKey, _Listener] = {}
        self._node: dict[int, _Listener] = {}
        self._node_failed: set[int] = set()  # node ports someone else holds, logged once
        self._selector = selectors.DefaultSelector()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        self._network: tuple[str, str] = ("", "")
        self._network_at = 0.0
        self._redirect_problem = ""

    def start(self) -> None:
        self.reconcile()
        self._thread = threading.Thread(target=self._run, name="service-proxy", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Close every listener and connection, and remove the NAT rules."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        for listener in [*self._cluster.values(), *self._node.values()]:
            listener.sock.close()
        self._cluster.clear()
        self._node.clear()
        self._selector.close()
        with self._open_lock:
            for sock in self._open:
                _shutdown(sock)
        if self.redirect is not None:
            self.redirect.remove()

    def _run(self) -> None:
        seen = self.store.revision
        last = time.monotonic()
        while not self._stop.is_set():
            for key, _events in self._selector.select(timeout=RECONCILE_EVERY):
                self._accept(key.data)
            now = time.monotonic()
            if self.store.revision != seen or now - last >= IDLE_RECONCILE:
                seen = self.store.revision
                last = now
                try:
                    self.reconcile()
                except Exception:  # a bad object must not stop the proxy
                    log.exception("service proxy: reconcile failed")

    # Reconcile ---------------------------------------------------------------------------

    def _current_network(self) -> tuple[str, str]:
        """The bridge and subnet, asked of the runtime only while the bridge is missing
        (it appears with the first pod), at most once a second."""
        bridge = self._network[0]
        if bridge and _interface_exists(bridge):
            return self._network
        if time.monotonic() - self._network_at >= 1.0:
            self._network_at = time.monotonic()
            try:
                self._network = self.pod_network()
            except Exception as err:  # the runtime's service may be restarting
                log.debug("service proxy: no pod network yet: %s", err)
        return self._network

    def reconcile(self) -> None:
        bridge, subnet = self._current_network()
        wanted: set[PortKey] = set()
        wanted_node: dict[int, Balancer] = {}
        rules: list[tuple[str, int, int]] = []
        for svc in self.store.items(object_key(SERVICES, None)):
            meta, spec = svc.get("metadata") or {}, svc.get("spec") or {}
            ip = spec.get("clusterIP")
            if not ip or ip == "None":
                continue  # headless and ExternalName services have no proxy
            if ip == CLUSTER_DNS_IP:
                # kube-system/kube-dns: the node's DNS server answers at this address
                # (redirect.DnsRedirect); rules of ours for 10.96.0.10:53 would shadow it
                continue
            ns, name = str(meta.get("namespace", "")), str(meta.get("name", ""))
            endpoints = self.store.get(object_key(ENDPOINTS, ns, name))
            affinity: float | None = None
            if spec.get("sessionAffinity") == "ClientIP":
                config = (spec.get("sessionAffinityConfig") or {}).get("clientIP") or {}
                affinity = float(config.get("timeoutSeconds") or DEFAULT_AFFINITY_SECONDS)
            for port in spec.get("ports") or []:
                if (port.get("protocol") or "TCP") != "TCP" or not port.get("port"):
                    continue
                port_name = str(port.get("name") or "")
                key = (ns, name, port_name or str(port["port"]))
                balancer = self._balancers.get(key)
                if balancer is None:
                    balancer = self._balancers[key] = Balancer(f"{ns}/{name}:{key[2]}")
                balancer.update(backends_of(endpoints, port_name), subnet, affinity)
                listener = self._cluster.get(key) or self._open_listener(0, balancer)
                if listener is None:
                    continue
                self._cluster[key] = listener
                wanted.add(key)
                rules.append((str(ip), int(port["port"]), listener.port))
                if spec.get("type") in ("NodePort", "LoadBalancer") and port.get("nodePort"):
                    wanted_node[int(port["nodePort"])] = balancer
        for key in set(self._cluster) - wanted:
            self._close(self._cluster.pop(key))
        for key in set(self._balancers) - wanted:
            del self._balancers[key]
        self._reconcile_node_ports(wanted_node)
        self._apply_rules(bridge, rules)

    def _reconcile_node_ports(self, wanted: dict[int, Balancer]) -> None:
        for node_port in set(self._node) - set(wanted):
            self._close(self._node.pop(node_port))
        self._node_failed &= set(wanted)
        for node_port, balancer in wanted.items():
            listener = self._node.get(node_port)
            if listener is not None:
                listener.balancer = balancer
            elif node_port not in self._node_failed:
                listener = self._open_listener(node_port, balancer)
                if listener is None:
                    self._node_failed.add(node_port)
                else:
                    self._node[node_port] = listener

    def _apply_rules(self, bridge: str, rules: list[tuple[str, int, int]]) -> None:
        if self.redirect is None or not bridge:
            return
        try:
            self.redirect.apply(bridge, rules)
            self._redirect_problem = ""
        except RedirectError as err:  # said once: pods then cannot reach cluster IPs
            if str(err) != self._redirect_problem:
                log.warning("pods cannot reach service cluster IPs: %s", err)
            self._redirect_problem = str(err)

    def _open_listener(self, port: int, balancer: Balancer) -> _Listener | None:
        try:
            listener = _Listener(_listen(port), balancer)
        except OSError as err:
            log.warning("service %s: cannot listen on 127.0.0.1:%s: %s", balancer.name,
                        port or "(any)", err)
            return None
        self._selector.register(listener.sock, selectors.EVENT_READ, listener)
        return listener

    def _close(self, listener: _Listener) -> None:
        self._selector.unregister(listener.sock)
        listener.sock.close()

    # Connections -------------------------------------------------------------------------

    def _accept(self, listener: _Listener) -> None:
        try:
            client, address = listener.sock.accept()
        except OSError:  # the client gave up already
            return
        client.setblocking(True)
        threading.Thread(target=self._serve, args=(client, address[0], listener.balancer),
                         name="service-proxy-conn", daemon=True).start()

    def _serve(self, client: socket.socket, client_ip: str, balancer: Balancer) -> None:
        upstream = dial(balancer, client_ip, self._stop, "service")
        if upstream is None:
            _reset(client)
            return
        with self._open_lock:
            self._open.update((client, upstream))
        try:
            other = threading.Thread(target=_pump, args=(upstream, client), daemon=True,
                                     name="service-proxy-relay")
            other.start()
            _pump(client, upstream)
            other.join()
        finally:
            with self._open_lock:
                self._open.difference_update((client, upstream))
            client.close()
            upstream.close()



def _pump(source: socket.socket, sink: socket.socket) -> None:
    """Copy one direction until its end; pass a half-close on, and on an error end both."""
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            sink.sendall(data)
    except OSError:
        _shutdown(source)
        _shutdown(sink)
        return
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _interface_exists(name: str) -> bool:
    try:
        return socket.if_nametoindex(name) > 0
    except OSError:
        return False


def dial(balancer: Balancer, client_ip: str, stop: threading.Event,
         what: str) -> socket.socket | None:
    """A connection to one of the balancer's endpoints; one that does not answer is skipped
    for the next (the service proxy and the Ingress controller both dial this way)."""
    failed: set[Backend] = set()
    while not stop.is_set():
        backend = balancer.pick(client_ip, frozenset(failed))
        if backend is None:
            return None
        try:
            sock = socket.create_connection(backend, timeout=DIAL_TIMEOUT)
        except OSError as err:
            log.info("%s %s: endpoint %s:%s: %s", what, balancer.name, *backend, err)
            failed.add(backend)
            continue
        sock.settimeout(None)
        return sock
    return None
