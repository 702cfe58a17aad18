"""The cluster's netfilter rules and the service range's local route: pods and the host reach
the cluster DNS server and the service proxy, both on 127.0.0.1, and nothing else in the range.

Design note. Pods get `nameserver 10.96.0.10` (the kube-dns service address, as on a real
cluster) and connect to service cluster IPs, but nothing may listen beyond 127.0.0.1. So NAT
rules rewrite pods' packets for 10.96.0.10:53 (UDP and TCP) and for each served cluster IP and
port to 127.0.0.1:<local port>; the kernel only delivers such packets to the loopback address
when the bridge has `route_localnet` set, which kube-proxy does for the same reason.

The host reaches them too, as on a minikube node (`curl http://<cluster IP>`, `dig
@10.96.0.10`). Locally made packets traverse nat OUTPUT, not PREROUTING, so the same chains are
also jumped to from OUTPUT, for the service range only. But the route is looked up before
OUTPUT, at connect(), and `routes.py`'s safety route makes the range unreachable: so the range
gets a `local` route on lo with source 127.0.0.1 (it wins over the unreachable one: the local
table comes first). A connection to a served address is DNAT-ed to 127.0.0.1 and needs no
route_localnet, its source being 127.0.0.1 already; the rest of the range is delivered locally,
never sent out.

Nothing else in the range answers: a filter chain of the same name as the service chain
REJECTs what no DNAT caught (a TCP reset, ICMP port unreachable otherwise), jumped to from
OUTPUT (the host), INPUT (pods' packets, delivered locally by that route) and FORWARD (pods'
packets, should the route be missing and the range forwarded). The nat table runs first, so a
packet some cluster's DNAT rewrote to 127.0.0.1 no longer matches; a connection to an
address no service has (10.96.99.99) is refused at once, from a pod as from the host.

Everything is the cluster's own: chains `KUBIA-<id>` (DNS) and `KUBIA-SVC-<id>` (services;
nat and filter), jumped to from the built-in chains only for the cluster's bridge or the
service range, and the bridge's sysctl. `remove_chain` deletes a chain from both tables with
every jump to it. The local route is shared by every cluster on the machine (they all use the
range): it goes with the last service chain. The bridge is made by netavark when the first
pod joins and removed when the last one leaves (the sysctl goes with it), so `ensure` runs
after every sandbox is made: it costs one file read when nothing changed.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
from pathlib import Path

from kubia_tutor.runtime.podman.routes import SERVICE_CIDR

log = logging.getLogger(__name__)

CLUSTER_DNS_IP = "10.96.0.10"
_CHAIN_MAX = 28  # iptables' limit on a chain name
_SERVICE_PREFIX = "KUBIA-SVC-"
# the built-in chains that may jump to ours, by table
_HOOKS = {"nat": ("PREROUTING", "OUTPUT"), "filter": ("INPUT", "FORWARD", "OUTPUT")}

Rule = tuple[str, str, int, int]  # (protocol "tcp"/"udp", cluster IP, port, local port)


class RedirectError(Exception):
    """The NAT rule could not be set; str() says why."""


def chain_name(cluster_id: str) -> str:
    return f"KUBIA-{cluster_id}"[:_CHAIN_MAX]


def service_chain_name(cluster_id: str) -> str:
    """The chain of the service proxy's rules: apart from the DNS one, since it is rewritten
    on every service change and the DNS rules must not blink meanwhile."""
    return f"{_SERVICE_PREFIX}{cluster_id}"[:_CHAIN_MAX]


def _iptables(*args: str, table: str = "nat",
              check: bool = True) -> subprocess.CompletedProcess[str]:
    program = shutil.which("iptables")
    if program is None:
        raise RedirectError("iptables is not installed (apt-get install iptables)")
    done = subprocess.run([program, "-w", "5", "-t", table, *args], capture_output=True,
                          text=True, timeout=30, check=False)
    if check and done.returncode != 0:
        raise RedirectError(f"iptables -t {table} {' '.join(args)}: {done.stderr.strip()}")
    return done


def _restore(table: str, chain: str, rules: list[str]) -> None:
    """Replace the chain's rules atomically with iptables-restore --noflush (as kube-proxy
    does): a flush then appends would drop connections made in between."""
    program = shutil.which("iptables-restore")
    if program is None:
        raise RedirectError("iptables-restore is not installed (apt-get install iptables)")
    lines = [f"*{table}", f":{chain} - [0:0]", *(f"-A {chain} {rule}" for rule in rules),
             "COMMIT"]
    done = subprocess.run([program, "-w", "5", "--noflush"], input="\n".join(lines) + "\n",
                          capture_output=True, text=True, timeout=30, check=False)
    if done.returncode != 0:
        raise RedirectError(f"iptables-restore ({table}): {done.stderr.strip()}")


class DnsRedirect:
    """The NAT rules and the bridge setting that let pods (and the host) reach the cluster
    DNS server at 10.96.0.10:53."""

    def __init__(self, cluster_id: str, port: int, dns_ip: str = CLUSTER_DNS_IP,
                 sysfs: str = "/proc/sys/net/ipv4/conf") -> None:
        self.chain = chain_name(cluster_id)
        self.port = port
        self.dns_ip = dns_ip
        self.sysfs = Path(sysfs)
        self._lock = threading.Lock()
        self._rules_for: str | None = None  # the bridge the rules were written for

    def ensure(self, bridge: str) -> None:
        """Make the rules and the bridge's route_localnet right; cheap when they are. With
        no bridge (no pod yet) only the host's rules are written, if none are yet."""
        with self._lock:
            if not bridge and self._rules_for is not None:
                return  # written already, with or without a bridge
            if self._rules_for != bridge:
                self._write_rules(bridge)
                self._rules_for = bridge
            if bridge:
                _route_localnet(self.sysfs, bridge)

    def _write_rules(self, bridge: str) -> None:
        # The chain is rewritten whole: a restarted daemon's server has a new port.
        _restore("nat", self.chain, [
            f"-d {self.dns_ip}/32 -p {proto} -m {proto} --dport 53 -j DNAT "
            f"--to-destination 127.0.0.1:{self.port}" for proto in ("udp", "tcp")])
        _jump("nat", "PREROUTING", self.chain, ("-i", bridge) if bridge else None)
        _jump("nat", "OUTPUT", self.chain, ("-d", f"{self.dns_ip}/32"))

    def remove(self) -> None:
        """Remove the chain and every jump to it (the bridge setting goes with the bridge)."""
        with self._lock:
            remove_chain(self.chain)
            self._rules_for = None


class ServiceRedirect:
    """The NAT rules that send pods' and the host's connections to service cluster IPs to the
    userspace proxy on 127.0.0.1 (one DNAT per protocol, cluster IP and port), the REJECT of
    the rest of the service range, and the range's local route."""

    def __init__(self, cluster_id: str, sysfs: str = "/proc/sys/net/ipv4/conf") -> None:
        self.chain = service_chain_name(cluster_id)
        self.sysfs = Path(sysfs)
        self._lock = threading.Lock()
        self._written: tuple[str, tuple[Rule, ...]] | None = None

    def apply(self, bridge: str, rules: list[Rule]) -> None:
        """Make the chains hold exactly `rules`, jumped to from OUTPUT for the service range
        and, when there is a bridge (the first pod makes it), for packets entering on it;
        cheap when nothing changed."""
        wanted = (bridge, tuple(sorted(rules)))
        with self._lock:
            if self._written != wanted:
                # the jumps and the filter chain only change with the bridge
                jumps = self._written is None or self._written[0] != bridge
                self._write(bridge, wanted[1], jumps)
                self._written = wanted
            if bridge:
                _route_localnet(self.sysfs, bridge)

    def _write(self, bridge: str, rules: tuple[Rule, ...], jumps: bool) -> None:
        _restore("nat", self.chain, [
            f"-d {ip}/32 -p {proto} -m {proto} --dport {port} -j DNAT "
            f"--to-destination 127.0.0.1:{local}" for proto, ip, port, local in rules])
        if not jumps:  # only the rules changed
            return
        _restore("filter", self.chain, ["-p tcp -j REJECT --reject-with tcp-reset",
                                        "-j REJECT --reject-with icmp-port-unreachable"])
        from_bridge = ("-d", SERVICE_CIDR, "-i", bridge) if bridge else None
        _jump("nat", "PREROUTING", self.chain, ("-i", bridge) if bridge else None)
        _jump("nat", "OUTPUT", self.chain, ("-d", SERVICE_CIDR))
        _jump("filter", "INPUT", self.chain, from_bridge)
        _jump("filter", "FORWARD", self.chain, from_bridge)
        _jump("filter", "OUTPUT", self.chain, ("-d", SERVICE_CIDR))
        _local_route()

    def remove(self) -> None:
        """Remove the chains and every jump to them (and the route, with the last cluster)."""
        with self._lock:
            remove_chain(self.chain)
            self._written = None


def _jump(table: str, hook: str, chain: str, match: tuple[str, ...] | None) -> None:
    """`hook` jumps to `chain` for packets matching `match` (None: not at all); any other jump
    from `hook` to it (for the bridge of an earlier network) goes. `match` is in the order
    `iptables -S` prints (-d before -i)."""
    for line in _iptables("-S", hook, table=table, check=False).stdout.splitlines():
        parts = line.split()
        if parts[:2] == ["-A", hook] and parts[-2:] == ["-j", chain] \
                and (match is None or parts[2:-2] != list(match)):
            _iptables("-D", *parts[1:], table=table, check=False)
    if match is None:
        return
    jump = (hook, *match, "-j", chain)
    if _iptables("-C", *jump, table=table, check=False).returncode != 0:
        _iptables("-I", *jump, table=table)


def _route_localnet(sysfs: Path, bridge: str) -> None:
    """Let packets from the bridge be routed to 127.0.0.1 (the kernel drops them otherwise)."""
    setting = sysfs / bridge / "route_localnet"
    try:
        if setting.read_text().strip() != "1":
            setting.write_text("1\n")
    except OSError as err:
        raise RedirectError(f"cannot set route_localnet on {bridge}: {err}") from err


_ROUTE = ("local", SERVICE_CIDR, "dev", "lo", "table", "local")
_SHOW_ROUTE = ("route", "show", "table", "local", "exact", SERVICE_CIDR, "type", "local")


def _ip(*args: str) -> subprocess.CompletedProcess[str]:
    program = shutil.which("ip") or "/usr/sbin/ip"
    return subprocess.run([program, *args], capture_output=True, text=True, timeout=30,
                          check=False)


def _has_local_route() -> bool:
    return SERVICE_CIDR.split("/")[0] in _ip(*_SHOW_ROUTE).stdout


def _local_route() -> None:
    """The service range delivered on this machine, with 127.0.0.1 as the source (see the
    module's note)."""
    if _has_local_route():
        return
    done = _ip("route", "add", *_ROUTE, "src", "127.0.0.1")
    if done.returncode != 0 and not _has_local_route():
        raise RedirectError(f"cannot route {SERVICE_CIDR} locally: {done.stderr.strip()}")


def remove_chain(chain: str) -> None:
    """Delete the jumps to `chain` from the built-in chains, then the chain, in the nat and
    filter tables; nothing when it is absent. The service range's local route goes when no
    cluster's service chain is left."""
    if shutil.which("iptables") is None:
        return
    for table, hooks in _HOOKS.items():
        for hook in hooks:
            _jump(table, hook, chain, None)
        if _iptables("-L", chain, "-n", table=table, check=False).returncode == 0:
            _iptables("-F", chain, table=table, check=False)
            _iptables("-X", chain, table=table, check=False)
    if chain.startswith(_SERVICE_PREFIX):
        left = [line for line in _iptables("-S", check=False).stdout.splitlines()
                if line.startswith(f"-N {_SERVICE_PREFIX}")]
        if not left and _has_local_route():
            _ip("route", "del", *_ROUTE)
