"""The cluster's netfilter rules and local route, against an in-memory model of iptables and
`ip route` (no root needed): which chains, which jumps, what `remove_chain` takes away, and
that rules of others are never touched."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest

from kubia_tutor.runtime.network import redirect
from kubia_tutor.runtime.network.redirect import (
    DnsRedirect,
    ServiceRedirect,
    remove_chain,
    service_chain_name,
)

BUILTIN = {"nat": ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
           "filter": ["INPUT", "FORWARD", "OUTPUT"]}


class FakeNet:
    """iptables (-S -C -I -D -L -F -X), iptables-restore --noflush of one chain, ip route."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[str, list[str]]] = {
            table: {hook: [] for hook in hooks} for table, hooks in BUILTIN.items()}
        self.routes: set[str] = set()

    def iptables(self, *args: str, table: str = "nat",
                 check: bool = True) -> subprocess.CompletedProcess[str]:
        chains = self.tables[table]
        op, chain, rule = args[0], args[1] if len(args) > 1 else "", " ".join(args[2:])
        out, code = "", 0
        if op == "-S" and chain:
            out = "".join(f"-A {chain} {r}\n" for r in chains[chain])
        elif op == "-S":
            out = "".join(f"-N {c}\n" for c in chains if c not in BUILTIN[table])
        elif op == "-C":
            code = 0 if rule in chains[chain] else 1
        elif op == "-I":
            chains[chain].insert(0, rule)
        elif op == "-D":
            chains[chain].remove(rule)
        elif op == "-L":
            code = 0 if chain in chains else 1
        elif op == "-F":
            chains[chain] = []
        elif op == "-X":
            del chains[chain]
        else:
            raise AssertionError(args)
        return subprocess.CompletedProcess(list(args), code, out, "")

    def restore(self, table: str, chain: str, rules: list[str]) -> None:
        self.tables[table][chain] = list(rules)

    def ip(self, *args: str) -> subprocess.CompletedProcess[str]:
        if args[1] == "show":  # show table local exact CIDR type local
            assert args[2:] == ("table", "local", "exact", "10.96.0.0/12", "type", "local")
            return subprocess.CompletedProcess(list(args), 0, "\n".join(self.routes), "")
        route = " ".join(a for a in args[2:] if a not in ("src", "127.0.0.1"))
        if args[1] == "add":
            self.routes.add(route)
        elif args[1] == "del":
            self.routes.discard(route)
        return subprocess.CompletedProcess(list(args), 0, "", "")


@pytest.fixture
def net(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> Iterator[FakeNet]:
    fake = FakeNet()
    fake.tables["filter"]["OUTPUT"].append("-d 10.0.0.0/8 -j FOREIGN")  # someone else's
    fake.tables["nat"]["PREROUTING"].append("-i podman9 -j NETAVARK")
    monkeypatch.setattr(redirect, "_iptables", fake.iptables)
    monkeypatch.setattr(redirect, "_restore", fake.restore)
    monkeypatch.setattr(redirect, "_ip", fake.ip)
    monkeypatch.setattr(redirect.shutil, "which", lambda name: f"/usr/sbin/{name}")
    monkeypatch.setattr(redirect, "_route_localnet", lambda sysfs, bridge: None)
    yield fake


ROUTE = "local 10.96.0.0/12 dev lo table local"


def test_service_rules_serve_the_host_before_any_bridge_then_pods(net: FakeNet) -> None:
    chain = service_chain_name("c1")
    svc = ServiceRedirect("c1")
    svc.apply("", [("udp", "10.96.0.50", 53, 4001), ("tcp", "10.96.0.50", 80, 4000)])
    nat, filt = net.tables["nat"], net.tables["filter"]
    assert nat[chain] == [
        "-d 10.96.0.50/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 127.0.0.1:4000",
        "-d 10.96.0.50/32 -p udp -m udp --dport 53 -j DNAT --to-destination 127.0.0.1:4001"]
    assert nat["OUTPUT"] == [f"-d 10.96.0.0/12 -j {chain}"]
    assert nat["PREROUTING"] == ["-i podman9 -j NETAVARK"]  # no bridge: no pod jump yet
    assert filt[chain] == ["-p tcp -j REJECT --reject-with tcp-reset",
                           "-j REJECT --reject-with icmp-port-unreachable"]
    assert filt["OUTPUT"][0] == f"-d 10.96.0.0/12 -j {chain}"
    assert not filt["INPUT"] and not filt["FORWARD"]
    assert net.routes == {ROUTE}

    svc.apply("podman9", [("tcp", "10.96.0.50", 80, 4000)])
    assert nat[chain] == [
        "-d 10.96.0.50/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 127.0.0.1:4000"]
    assert nat["PREROUTING"] == [f"-i podman9 -j {chain}", "-i podman9 -j NETAVARK"]
    assert filt["INPUT"] == filt["FORWARD"] == [f"-d 10.96.0.0/12 -i podman9 -j {chain}"]
    # a new bridge (the network was recreated): the old bridge's jumps go, nothing doubles
    svc.apply("podman10", [("tcp", "10.96.0.50", 80, 4000)])
    assert nat["PREROUTING"] == [f"-i podman10 -j {chain}", "-i podman9 -j NETAVARK"]
    assert filt["INPUT"] == [f"-d 10.96.0.0/12 -i podman10 -j {chain}"]
    assert nat["OUTPUT"] == [f"-d 10.96.0.0/12 -j {chain}"]
    assert filt["OUTPUT"] == [f"-d 10.96.0.0/12 -j {chain}", "-d 10.0.0.0/8 -j FOREIGN"]


def test_remove_takes_both_tables_and_the_route_with_the_last_cluster(net: FakeNet) -> None:
    first, second = ServiceRedirect("c1"), ServiceRedirect("c2")
    first.apply("podman9", [("tcp", "10.96.0.50", 80, 4000)])
    second.apply("podman10", [("tcp", "10.96.0.60", 80, 4100)])
    first.remove()
    for table in ("nat", "filter"):
        assert first.chain not in net.tables[table]
        assert not [r for rules in net.tables[table].values() for r in rules
                    if r.endswith(f"-j {first.chain}")]
    assert net.routes == {ROUTE}  # the other cluster still uses it
    remove_chain(second.chain)  # as `kubia-tutor reset` does, without the object
    assert net.routes == set()
    assert net.tables["filter"]["OUTPUT"] == ["-d 10.0.0.0/8 -j FOREIGN"]
    assert net.tables["nat"]["PREROUTING"] == ["-i podman9 -j NETAVARK"]
    assert set(net.tables["nat"]) == set(BUILTIN["nat"])
    assert set(net.tables["filter"]) == set(BUILTIN["filter"])


def test_dns_rules_for_the_host_and_the_bridge(net: FakeNet) -> None:
    dns = DnsRedirect("c1", 5353)
    dns.ensure("")
    nat = net.tables["nat"]
    assert nat[dns.chain] == [
        f"-d 10.96.0.10/32 -p {p} -m {p} --dport 53 -j DNAT --to-destination 127.0.0.1:5353"
        for p in ("udp", "tcp")]
    assert nat["OUTPUT"] == [f"-d 10.96.0.10/32 -j {dns.chain}"]
    dns.ensure("podman9")
    assert nat["PREROUTING"][0] == f"-i podman9 -j {dns.chain}"
    dns.ensure("")  # the host's rules are there already: the bridge's jump stays
    assert nat["PREROUTING"][0] == f"-i podman9 -j {dns.chain}"
    dns.remove()
    assert dns.chain not in nat and nat["OUTPUT"] == []
    assert nat["PREROUTING"] == ["-i podman9 -j NETAVARK"]
