"""The userspace service proxy (kube-proxy's original `userspace` mode), TCP and UDP.

Design note. Every TCP port of a service with a cluster IP gets a listener on
127.0.0.1:<ephemeral>; a NAT rule (`redirect.ServiceRedirect`) sends pods' connections to
<cluster IP>:<port> there, and DNAT keeps the pod's IP as the client address, which
`sessionAffinity: ClientIP` needs. NodePort and LoadBalancer ports also get a listener on
127.0.0.1:<nodePort> for the host (the book's `curl http://127.0.0.1:30123`). Each accepted
connection goes to a ready endpoint of the service port, round robin, and bytes are relayed
both ways until both sides have closed (a half-close is passed on, as `nc` needs). UDP ports
work the same way with per-client sessions (`udp_proxy`). The NAT rules also serve the host:
`curl http://<cluster IP>` works on the machine as on a minikube node (`redirect`).

Nothing leaves the machine: an endpoint outside the cluster's pod subnet (the book's
hand-written `external-service` with 11.11.11.11) is never dialled; it is logged and left
out. A port with no usable endpoint gets no NAT rule, so the REJECT of the unserved service
range refuses connections at once, as kube-proxy's REJECT rule does (its listeners, a node
port's among them, reset each connection at once).

One thread does the bookkeeping, accepts and moves UDP datagrams: it reconciles when the
store's revision moved (at most a few times a second) and every few seconds anyway (the bridge
comes and goes with the pods); each TCP connection gets a relay thread per direction.
"""

from __future__ import annotations

import contextlib
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
from kubia_tutor.runtime.network.balancer import Backend, Balancer
from kubia_tutor.runtime.network.redirect import (
    CLUSTER_DNS_IP,
    RedirectError,
    Rule,
    ServiceRedirect,
)
from kubia_tutor.runtime.network.udp_proxy import UdpPort

log = logging.getLogger(__name__)

SERVICES = resolve("services")
ENDPOINTS = resolve("endpoints")

__all__ = ["Backend", "Balancer", "ServiceProxy", "backends_of", "dial"]

Obj = dict[str, Any]
PortKey = tuple[str, str, str]  # (namespace, service, port name or number)

RECONCILE_EVERY = 0.25  # seconds between reconciles while the store keeps changing
IDLE_RECONCILE = 5.0  # a reconcile even when nothing changed: the bridge may be new
DIAL_TIMEOUT = 2.0
DEFAULT_AFFINITY_SECONDS = 10800.0  # 1.20's default clientIP timeout


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


def backends_of(endpoints: Obj | None, port_name: str, protocol: str = "TCP") -> list[Backend]:
    """The ready (IP, port) pairs of an Endpoints object for the service port named
    `port_name` ('' for an unnamed one) and `protocol`."""
    found: list[Backend] = []
    for subset in (endpoints or {}).get("subsets") or []:
        ports = [p for p in subset.get("ports") or []
                 if (p.get("name") or "") == port_name
                 and (p.get("protocol") or "TCP") == protocol]
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
        self._node_failed: set[tuple[str, int]] = set()  # node ports held by others, by
        # protocol: logged once
        self._udp: dict[PortKey, UdpPort] = {}
        self._udp_node: dict[int, UdpPort] = {}
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
        for port in [*self._udp.values(), *self._udp_node.values()]:
            port.close()
        self._cluster.clear()
        self._node.clear()
        self._udp.clear()
        self._udp_node.clear()
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
                if isinstance(key.data, _Listener):
                    self._accept(key.data)
                else:  # a UDP port or session (udp_proxy): callable when readable
                    key.data()
            now = time.monotonic()
            if self.store.revision != seen or now - last >= IDLE_RECONCILE:
                seen = self.store.revision
                last = now
                for port in [*self._udp.values(), *self._udp_node.values()]:
                    port.expire(now)
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
        wanted: dict[str, set[PortKey]] = {"TCP": set(), "UDP": set()}
        wanted_node: dict[tuple[str, int], Balancer] = {}
        rules: list[Rule] = []
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
                protocol = str(port.get("protocol") or "TCP")
                if protocol not in wanted or not port.get("port"):
                    continue  # SCTP: the userspace proxy never had it either
                port_name = str(port.get("name") or "")
                key = (ns, name, port_name or str(port["port"]))
                balancer = self._balancers.get(key)
                if balancer is None:
                    balancer = self._balancers[key] = Balancer(f"{ns}/{name}:{key[2]}")
                balancer.update(backends_of(endpoints, port_name, protocol), subnet, affinity)
                local = self._local_port(key, protocol, balancer)
                if local is None:
                    continue
                wanted[protocol].add(key)
                if balancer.backends:  # else the REJECT of the unserved range refuses at once
                    rules.append((protocol.lower(), str(ip), int(port["port"]), local))
                if spec.get("type") in ("NodePort", "LoadBalancer") and port.get("nodePort"):
                    wanted_node[(protocol, int(port["nodePort"]))] = balancer
        for key in set(self._cluster) - wanted["TCP"]:
            self._close(self._cluster.pop(key))
        for key in set(self._udp) - wanted["UDP"]:
            self._udp.pop(key).close()
        for key in set(self._balancers) - wanted["TCP"] - wanted["UDP"]:
            del self._balancers[key]
        self._reconcile_node_ports(wanted_node)
        self._apply_rules(bridge, rules)

    def _local_port(self, key: PortKey, protocol: str, balancer: Balancer) -> int | None:
        """The local port of the service port's listener (opened if need be), or None."""
        if protocol == "UDP":
            udp = self._udp.get(key) or self._open_udp(0, balancer)
            if udp is None:
                return None
            self._udp[key] = udp
            return udp.port
        listener = self._cluster.get(key) or self._open_listener(0, balancer)
        if listener is None:
            return None
        self._cluster[key] = listener
        return listener.port

    def _reconcile_node_ports(self, wanted: dict[tuple[str, int], Balancer]) -> None:
        for node_port in set(self._node) - {p for proto, p in wanted if proto == "TCP"}:
            self._close(self._node.pop(node_port))
        for node_port in set(self._udp_node) - {p for proto, p in wanted if proto == "UDP"}:
            self._udp_node.pop(node_port).close()
        self._node_failed &= set(wanted)
        for (protocol, node_port), balancer in wanted.items():
            held = (self._node if protocol == "TCP" else self._udp_node).get(node_port)
            if held is not None:
                held.balancer = balancer
                continue
            if (protocol, node_port) in self._node_failed:
                continue
            if protocol == "TCP":
                listener = self._open_listener(node_port, balancer)
                if listener is not None:
                    self._node[node_port] = listener
                    continue
            else:
                udp = self._open_udp(node_port, balancer)
                if udp is not None:
                    self._udp_node[node_port] = udp
                    continue
            self._node_failed.add((protocol, node_port))

    def _apply_rules(self, bridge: str, rules: list[Rule]) -> None:
        # written without a bridge too: the host reaches cluster IPs before any pod exists
        if self.redirect is None:
            return
        try:
            self.redirect.apply(bridge, rules)
            self._redirect_problem = ""
        except RedirectError as err:  # said once: pods then cannot reach cluster IPs
            if str(err) != self._redirect_problem:
                log.warning("pods and the host cannot reach service cluster IPs: %s", err)
            self._redirect_problem = str(err)

    def _open_udp(self, port: int, balancer: Balancer) -> UdpPort | None:
        try:
            return UdpPort(port, balancer, self._selector)
        except OSError as err:
            log.warning("service %s: cannot listen on 127.0.0.1:%s/udp: %s", balancer.name,
                        port or "(any)", err)
            return None

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
