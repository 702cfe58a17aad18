"""Cluster DNS: CoreDNS's answers (minikube, zone cluster.local, TTL 5) over UDP and TCP on
127.0.0.1. Services here have no selector, so their Endpoints are written by hand, as the
book's `external-service` ones are, and no controller rewrites them."""

from __future__ import annotations

import socket
import statistics
import time
from collections.abc import Iterator, Sequence
from typing import Any

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

from kubia_tutor.api.kinds import resolve
from kubia_tutor.daemon.cluster import Cluster
from kubia_tutor.runtime.network.dns_records import ApiRecords
from kubia_tutor.runtime.network.dns_server import DnsServer

SERVICES = resolve("services")
ENDPOINTS = resolve("endpoints")


@pytest.fixture
def server(cluster: Cluster) -> Iterator[DnsServer]:
    srv = DnsServer(ApiRecords(cluster.api), host="127.0.0.1", port=0)
    srv.start()
    yield srv
    srv.stop()


def service(cluster: Cluster, name: str, *, cluster_ip: str | None = None,
            ports: list[dict[str, Any]] | None = None, namespace: str = "default",
            **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"ports": [{"name": "http", "port": 80}] if ports is None else ports}
    if cluster_ip is not None:
        body["clusterIP"] = cluster_ip
    body.update(spec)
    return cluster.api.create(SERVICES, namespace, {
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": body})


def endpoints(cluster: Cluster, name: str, addresses: list[dict[str, Any]], *,
              ports: list[dict[str, Any]] | None = None, not_ready: Sequence[dict[str, Any]] = (),
              namespace: str = "default") -> None:
    subset: dict[str, Any] = {"addresses": addresses}
    if not_ready:
        subset["notReadyAddresses"] = list(not_ready)
    subset["ports"] = [{"name": "http", "port": 80}] if ports is None else ports
    if not subset["ports"]:
        del subset["ports"]
    cluster.api.create(ENDPOINTS, namespace, {
        "apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": name},
        "subsets": [subset]})


def ask(server: DnsServer, name: str, rdtype: str = "A", *, tcp: bool = False,
        **query: Any) -> dns.message.Message:
    q = dns.message.make_query(name, rdtype, **query)
    if tcp:
        return dns.query.tcp(q, "127.0.0.1", port=server.port, timeout=5)
    return dns.query.udp(q, "127.0.0.1", port=server.port, timeout=5)


def records(msg: dns.message.Message, section: str = "answer") -> list[str]:
    """Each record as dig prints it, without the class: `name ttl TYPE data`."""
    out = []
    for rrset in getattr(msg, section):
        for rd in rrset:
            out.append(f"{rrset.name} {rrset.ttl} {dns.rdatatype.to_text(rrset.rdtype)} {rd}")
    return out


def statefulset_endpoints(cluster: Cluster) -> None:
    """The book's headless `kubia` service of a two-pod StatefulSet (chapter 10)."""
    service(cluster, "kubia", cluster_ip="None")
    endpoints(cluster, "kubia", [{"ip": "172.17.0.3", "hostname": "kubia-0"},
                                 {"ip": "172.17.0.7", "hostname": "kubia-1"}])


def test_cluster_ip_service_a(cluster: Cluster, server: DnsServer) -> None:
    ip = service(cluster, "kubia")["spec"]["clusterIP"]
    msg = ask(server, "kubia.default.svc.cluster.local")
    assert msg.rcode() == dns.rcode.NOERROR
    assert msg.flags & dns.flags.AA and msg.flags & dns.flags.RA
    assert records(msg) == [f"kubia.default.svc.cluster.local. 5 A {ip}"]


def test_names_are_case_insensitive_and_echoed_as_asked(cluster: Cluster,
                                                        server: DnsServer) -> None:
    ip = service(cluster, "kubia")["spec"]["clusterIP"]
    assert records(ask(server, "Kubia.DEFAULT.svc.Cluster.Local")) == \
        [f"Kubia.DEFAULT.svc.Cluster.Local. 5 A {ip}"]


def test_headless_service_lists_ready_addresses(cluster: Cluster, server: DnsServer) -> None:
    service(cluster, "kubia-headless", cluster_ip="None")
    endpoints(cluster, "kubia-headless",
              [{"ip": "172.17.0.10"}, {"ip": "172.17.0.9"}, {"ip": "172.17.0.8"}],
              not_ready=[{"ip": "172.17.0.11"}])
    msg = ask(server, "kubia-headless.default.svc.cluster.local")
    # In the Endpoints' order, as the book's nslookup shows them; not-ready ones are left out.
    assert records(msg) == [f"kubia-headless.default.svc.cluster.local. 5 A 172.17.0.{n}"
                            for n in (10, 9, 8)]


def test_headless_service_without_ports_still_has_addresses(cluster: Cluster,
                                                            server: DnsServer) -> None:
    service(cluster, "bare", cluster_ip="None", ports=[])
    endpoints(cluster, "bare", [{"ip": "172.17.0.4"}], ports=[])
    assert records(ask(server, "bare.default.svc.cluster.local")) == \
        ["bare.default.svc.cluster.local. 5 A 172.17.0.4"]
    assert ask(server, "bare.default.svc.cluster.local", "SRV").answer == []


def test_headless_service_without_endpoints_is_nxdomain(cluster: Cluster,
                                                        server: DnsServer) -> None:
    service(cluster, "empty", cluster_ip="None")  # CoreDNS says NXDOMAIN here too
    assert ask(server, "empty.default.svc.cluster.local").rcode() == dns.rcode.NXDOMAIN


def test_statefulset_pod_names(cluster: Cluster, server: DnsServer) -> None:
    statefulset_endpoints(cluster)
    assert records(ask(server, "kubia-1.kubia.default.svc.cluster.local")) == \
        ["kubia-1.kubia.default.svc.cluster.local. 5 A 172.17.0.7"]
    assert ask(server, "kubia-2.kubia.default.svc.cluster.local").rcode() == \
        dns.rcode.NXDOMAIN


def test_srv_of_headless_service_matches_the_book(cluster: Cluster, server: DnsServer) -> None:
    statefulset_endpoints(cluster)
    msg = ask(server, "kubia.default.svc.cluster.local", "SRV")
    assert msg.flags & dns.flags.AA
    assert records(msg) == [
        "kubia.default.svc.cluster.local. 5 SRV 0 50 80 kubia-0.kubia.default.svc.cluster.local.",
        "kubia.default.svc.cluster.local. 5 SRV 0 50 80 kubia-1.kubia.default.svc.cluster.local.",
    ]
    assert records(msg, "additional") == [
        "kubia-0.kubia.default.svc.cluster.local. 5 A 172.17.0.3",
        "kubia-1.kubia.default.svc.cluster.local. 5 A 172.17.0.7",
    ]


def test_srv_without_hostnames_uses_dashed_ips(cluster: Cluster, server: DnsServer) -> None:
    service(cluster, "h", cluster_ip="None")
    endpoints(cluster, "h", [{"ip": "10.244.0.5"}, {"ip": "10.244.0.6"}, {"ip": "10.244.0.7"}])
    msg = ask(server, "h.default.svc.cluster.local", "SRV")
    assert records(msg)[0] == "h.default.svc.cluster.local. 5 SRV 0 33 80 " \
        "10-244-0-5.h.default.svc.cluster.local."
    assert records(ask(server, "10-244-0-6.h.default.svc.cluster.local")) == \
        ["10-244-0-6.h.default.svc.cluster.local. 5 A 10.244.0.6"]


def test_srv_of_cluster_ip_service(cluster: Cluster, server: DnsServer) -> None:
    ip = service(cluster, "web", ports=[{"name": "http", "port": 80},
                                        {"name": "https", "port": 443}])["spec"]["clusterIP"]
    msg = ask(server, "web.default.svc.cluster.local", "SRV")
    assert records(msg) == [
        "web.default.svc.cluster.local. 5 SRV 0 50 80 web.default.svc.cluster.local.",
        "web.default.svc.cluster.local. 5 SRV 0 50 443 web.default.svc.cluster.local.",
    ]
    assert records(msg, "additional") == [f"web.default.svc.cluster.local. 5 A {ip}"]
    named = ask(server, "_https._tcp.web.default.svc.cluster.local", "SRV")
    assert records(named) == ["_https._tcp.web.default.svc.cluster.local. 5 SRV 0 100 443 "
                              "web.default.svc.cluster.local."]
    assert ask(server, "_ftp._tcp.web.default.svc.cluster.local", "SRV").rcode() == \
        dns.rcode.NXDOMAIN
    assert ask(server, "_https._udp.web.default.svc.cluster.local", "SRV").rcode() == \
        dns.rcode.NXDOMAIN


def test_external_name_is_a_cname(cluster: Cluster, server: DnsServer) -> None:
    service(cluster, "external-service", type="ExternalName",
            externalName="api.somecompany.com", ports=[{"port": 80}])
    for rdtype in ("A", "CNAME"):
        msg = ask(server, "external-service.default.svc.cluster.local", rdtype)
        # Only the CNAME: resolving api.somecompany.com would mean forwarding.
        assert records(msg) == ["external-service.default.svc.cluster.local. 5 CNAME "
                                "api.somecompany.com."]


def test_unknown_names_are_nxdomain_with_soa(cluster: Cluster, server: DnsServer) -> None:
    for name in ("nope.default.svc.cluster.local", "kubia.nons.svc.cluster.local",
                 "foo.cluster.local", "a.b.c.d.e.default.svc.cluster.local",
                 "nons.svc.cluster.local"):
        msg = ask(server, name)
        assert msg.rcode() == dns.rcode.NXDOMAIN, name
        assert msg.flags & dns.flags.AA
        soa = records(msg, "authority")
        assert len(soa) == 1
        assert soa[0].startswith("cluster.local. 5 SOA ns.dns.cluster.local. "
                                 "hostmaster.cluster.local. ")
        assert soa[0].endswith(" 7200 1800 86400 5")


def test_existing_names_without_that_type_are_nodata(cluster: Cluster,
                                                     server: DnsServer) -> None:
    service(cluster, "kubia")
    for name, rdtype in (("kubia.default.svc.cluster.local", "AAAA"),
                         ("kubia.default.svc.cluster.local", "TXT"),
                         ("default.svc.cluster.local", "A"), ("svc.cluster.local", "A")):
        msg = ask(server, name, rdtype)
        assert msg.rcode() == dns.rcode.NOERROR, name
        assert msg.answer == []
        assert len(msg.authority) == 1


def test_zone_apex(cluster: Cluster, server: DnsServer) -> None:
    assert records(ask(server, "cluster.local", "NS")) == \
        ["cluster.local. 5 NS ns.dns.cluster.local."]
    assert records(ask(server, "ns.dns.cluster.local")) == ["ns.dns.cluster.local. 5 A 10.96.0.10"]
    assert records(ask(server, "cluster.local", "SOA"))[0].startswith("cluster.local. 5 SOA")


def test_names_outside_the_cluster_do_not_exist(server: DnsServer) -> None:
    # never forwarded; NXDOMAIN so that resolvers go on down their search list
    msg = ask(server, "example.com")
    assert msg.rcode() == dns.rcode.NXDOMAIN
    assert not msg.flags & dns.flags.AA
    assert msg.answer == [] and msg.authority == []


def test_pod_names(cluster: Cluster, server: DnsServer) -> None:
    assert records(ask(server, "10-244-0-5.default.pod.cluster.local")) == \
        ["10-244-0-5.default.pod.cluster.local. 5 A 10.244.0.5"]
    assert ask(server, "10-244-0-5.nons.pod.cluster.local").rcode() == dns.rcode.NXDOMAIN
    assert ask(server, "not-an-ip.default.pod.cluster.local").rcode() == dns.rcode.NXDOMAIN


def test_reverse_lookups(cluster: Cluster, server: DnsServer) -> None:
    ip = service(cluster, "web")["spec"]["clusterIP"]
    statefulset_endpoints(cluster)
    reverse = ".".join(reversed(ip.split("."))) + ".in-addr.arpa"
    assert records(ask(server, reverse, "PTR")) == \
        [f"{reverse}. 5 PTR web.default.svc.cluster.local."]
    assert records(ask(server, "7.0.17.172.in-addr.arpa", "PTR")) == \
        ["7.0.17.172.in-addr.arpa. 5 PTR kubia-1.kubia.default.svc.cluster.local."]
    assert ask(server, "9.9.9.9.in-addr.arpa", "PTR").rcode() == dns.rcode.NXDOMAIN


def test_answers_follow_the_api(cluster: Cluster, server: DnsServer) -> None:
    service(cluster, "later")
    assert ask(server, "later.default.svc.cluster.local").rcode() == dns.rcode.NOERROR
    cluster.api.delete(SERVICES, "default", "later")
    assert ask(server, "later.default.svc.cluster.local").rcode() == dns.rcode.NXDOMAIN


def test_tcp(cluster: Cluster, server: DnsServer) -> None:
    statefulset_endpoints(cluster)
    msg = ask(server, "kubia.default.svc.cluster.local", "SRV", tcp=True)
    assert len(records(msg)) == 2 and len(records(msg, "additional")) == 2


def test_large_udp_answers_are_truncated(cluster: Cluster, server: DnsServer) -> None:
    service(cluster, "many", cluster_ip="None")
    endpoints(cluster, "many", [{"ip": f"10.244.0.{n}"} for n in range(1, 61)])
    name = "many.default.svc.cluster.local"
    udp = ask(server, name, use_edns=False)
    assert udp.flags & dns.flags.TC and udp.answer == []
    assert len(records(ask(server, name, tcp=True))) == 60
    # A client that says it takes 4096 bytes over UDP gets it all.
    big = ask(server, name, use_edns=0, payload=4096)
    assert not big.flags & dns.flags.TC and len(records(big)) == 60


def test_garbage_gets_formerr_or_nothing(server: DnsServer) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(5)
        sock.sendto(b"\x12\x34" + b"\xff" * 14, ("127.0.0.1", server.port))
        reply = dns.message.from_wire(sock.recv(512))
    assert reply.id == 0x1234 and reply.rcode() == dns.rcode.FORMERR


def test_listens_on_loopback_only(cluster: Cluster) -> None:
    with pytest.raises(ValueError):
        DnsServer(ApiRecords(cluster.api), host="0.0.0.0")


def test_answer_time_with_200_services(cluster: Cluster, server: DnsServer) -> None:
    for n in range(200):
        service(cluster, f"svc-{n}")
    times = []
    for _ in range(100):
        start = time.perf_counter()
        msg = ask(server, "svc-123.default.svc.cluster.local")
        times.append(time.perf_counter() - start)
        assert len(msg.answer) == 1
    # The target is 5 ms; the bound leaves room for a loaded CI machine.
    assert statistics.median(times) < 0.05
