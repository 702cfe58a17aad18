"""Which endpoint a new connection (or UDP session) of one service port goes to: round robin,
or the client's last one under `sessionAffinity: ClientIP`; endpoints outside the cluster's pod
network are never chosen (nothing leaves the machine)."""

from __future__ import annotations

import ipaddress
import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

Backend = tuple[str, int]  # (pod IP, port)


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
