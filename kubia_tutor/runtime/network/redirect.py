"""Sending pods' queries for the cluster DNS address to the tutor's DNS server on 127.0.0.1.

Design note. Pods get `nameserver 10.96.0.10` (the kube-dns service address, as on a real
cluster), but nothing may listen beyond 127.0.0.1. So a NAT rule rewrites queries that come
in from the cluster's bridge for 10.96.0.10:53 (UDP and TCP) to 127.0.0.1:<server port>; the
kernel only delivers such packets to the loopback address when the bridge has `route_localnet`
set, which kube-proxy does for the same reason. Everything is the cluster's own: one nat chain
`KUBIA-<cluster id>` jumped to from PREROUTING only for packets that enter on the cluster's
bridge, and the sysctl of that bridge. The bridge is made by netavark when the first pod joins
and removed when the last one leaves (the sysctl goes with it), so `ensure` runs after every
sandbox is made: it costs one file read when nothing changed.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
from pathlib import Path

log = logging.getLogger(__name__)

CLUSTER_DNS_IP = "10.96.0.10"
_CHAIN_MAX = 28  # iptables' limit on a chain name


class RedirectError(Exception):
    """The NAT rule could not be set; str() says why."""


def chain_name(cluster_id: str) -> str:
    return f"KUBIA-{cluster_id}"[:_CHAIN_MAX]


def service_chain_name(cluster_id: str) -> str:
    """The chain of the service proxy's rules: apart from the DNS one, since it is rewritten
    on every service change and the DNS rules must not blink meanwhile."""
    return f"KUBIA-SVC-{cluster_id}"[:_CHAIN_MAX]


def _iptables(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    program = shutil.which("iptables")
    if program is None:
        raise RedirectError("iptables is not installed (apt-get install iptables)")
    done = subprocess.run([program, "-w", "5", "-t", "nat", *args], capture_output=True,
                          text=True, timeout=30, check=False)
    if check and done.returncode != 0:
        raise RedirectError(f"iptables -t nat {' '.join(args)}: {done.stderr.strip()}")
    return done


class DnsRedirect:
    """The NAT rule and the bridge setting that let pods reach the cluster DNS server."""

    def __init__(self, cluster_id: str, port: int, dns_ip: str = CLUSTER_DNS_IP,
                 sysfs: str = "/proc/sys/net/ipv4/conf") -> None:
        self.chain = chain_name(cluster_id)
        self.port = port
        self.dns_ip = dns_ip
        self.sysfs = Path(sysfs)
        self._lock = threading.Lock()
        self._rules_for: str | None = None  # the bridge the rules were written for

    def ensure(self, bridge: str) -> None:
        """Make the rules and the bridge's route_localnet right; cheap when they are."""
        if not bridge:
            return
        with self._lock:
            if self._rules_for != bridge:
                self._write_rules(bridge)
                self._rules_for = bridge
            _route_localnet(self.sysfs, bridge)

    def _write_rules(self, bridge: str) -> None:
        # The chain is rewritten whole: a restarted daemon's server has a new port.
        if _iptables("-L", self.chain, "-n", check=False).returncode != 0:
            _iptables("-N", self.chain)
        _iptables("-F", self.chain)
        for proto in ("udp", "tcp"):
            _iptables("-A", self.chain, "-d", f"{self.dns_ip}/32", "-p", proto, "--dport", "53",
                      "-j", "DNAT", "--to-destination", f"127.0.0.1:{self.port}")
        _jump_from(bridge, self.chain)

    def remove(self) -> None:
        """Remove the chain and every jump to it (the bridge setting goes with the bridge)."""
        with self._lock:
            remove_chain(self.chain)
            self._rules_for = None


class ServiceRedirect:
    """The NAT rules that send pods' connections to service cluster IPs to the userspace
    proxy's listeners on 127.0.0.1 (one DNAT per cluster IP and port)."""

    def __init__(self, cluster_id: str, sysfs: str = "/proc/sys/net/ipv4/conf") -> None:
        self.chain = service_chain_name(cluster_id)
        self.sysfs = Path(sysfs)
        self._lock = threading.Lock()
        self._written: tuple[str, tuple[tuple[str, int, int], ...]] | None = None

    def apply(self, bridge: str, rules: list[tuple[str, int, int]]) -> None:
        """Make the chain hold exactly `rules` ((cluster IP, port, local port)), jumped to
        for packets entering on `bridge`; cheap when nothing changed."""
        if not bridge:
            return
        wanted = (bridge, tuple(sorted(rules)))
        with self._lock:
            if self._written != wanted:
                self._write(bridge, wanted[1])
                self._written = wanted
            _route_localnet(self.sysfs, bridge)

    def _write(self, bridge: str, rules: tuple[tuple[str, int, int], ...]) -> None:
        if _iptables("-L", self.chain, "-n", check=False).returncode != 0:
            _iptables("-N", self.chain)
        # iptables-restore --noflush replaces this one chain atomically (as kube-proxy does):
        # a flush then appends would drop connections made in between.
        lines = ["*nat", f":{self.chain} - [0:0]"]
        lines += [f"-A {self.chain} -d {ip}/32 -p tcp --dport {port} -j DNAT "
                  f"--to-destination 127.0.0.1:{local}" for ip, port, local in rules]
        lines.append("COMMIT")
        program = shutil.which("iptables-restore")
        if program is None:
            raise RedirectError("iptables-restore is not installed (apt-get install iptables)")
        done = subprocess.run([program, "-w", "5", "--noflush"], input="\n".join(lines) + "\n",
                              capture_output=True, text=True, timeout=30, check=False)
        if done.returncode != 0:
            raise RedirectError(f"iptables-restore: {done.stderr.strip()}")
        _jump_from(bridge, self.chain)

    def remove(self) -> None:
        """Remove the chain and every jump to it."""
        with self._lock:
            remove_chain(self.chain)
            self._written = None


def _jump_from(bridge: str, chain: str) -> None:
    """PREROUTING jumps to `chain` for packets entering on `bridge` only; a jump for the
    bridge of an earlier network (recreated under another name) goes."""
    for line in _iptables("-S", "PREROUTING", check=False).stdout.splitlines():
        parts = line.split()
        if parts[:2] == ["-A", "PREROUTING"] and parts[-2:] == ["-j", chain] \
                and parts[2:4] != ["-i", bridge]:
            _iptables("-D", *parts[1:], check=False)
    jump = ("PREROUTING", "-i", bridge, "-j", chain)
    if _iptables("-C", *jump, check=False).returncode != 0:
        _iptables("-I", *jump)


def _route_localnet(sysfs: Path, bridge: str) -> None:
    """Let packets from the bridge be routed to 127.0.0.1 (the kernel drops them otherwise)."""
    setting = sysfs / bridge / "route_localnet"
    try:
        if setting.read_text().strip() != "1":
            setting.write_text("1\n")
    except OSError as err:
        raise RedirectError(f"cannot set route_localnet on {bridge}: {err}") from err


def remove_chain(chain: str) -> None:
    """Delete the PREROUTING jumps to `chain`, then the chain; nothing when it is absent."""
    if shutil.which("iptables") is None:
        return
    listing = _iptables("-S", "PREROUTING", check=False).stdout.splitlines()
    for line in listing:
        parts = line.split()
        if parts[:2] == ["-A", "PREROUTING"] and parts[-2:] == ["-j", chain]:
            _iptables("-D", *parts[1:], check=False)
    if _iptables("-L", chain, "-n", check=False).returncode == 0:
        _iptables("-F", chain, check=False)
        _iptables("-X", chain, check=False)
