"""Cluster DNS answers, as CoreDNS's `kubernetes` plugin gives them on minikube (zone
`cluster.local`, TTL 5, `pods insecure`): pure functions from API objects and a question to a
`Reply`; `dns_server` puts replies on the wire.

Design note. The shape follows CoreDNS 1.7 (`plugin/kubernetes/kubernetes.go: findServices`,
`plugin/backend_lookup.go`): a question is parsed into (port, protocol, endpoint, service,
namespace), which selects a list of `_Target`s (CoreDNS's `msg.Service`: an owner, a host and a
port), and the query type then turns the targets into records. So the quirks a learner may
notice are CoreDNS's own: a headless service with no ready endpoints is NXDOMAIN, SRV weights
are 100 divided by the number of targets, `<endpoint>.<svc>` also works for ClusterIP
services, and a plain SRV query lists every port.

Names outside our zones are NXDOMAIN: CoreDNS would forward them to the host's resolver, but
nothing the tutor runs may send traffic off this machine, so there is nowhere to forward to.
NXDOMAIN rather than REFUSED because resolvers walk their search list on NXDOMAIN and stop on
REFUSED: `nslookup kubernetes.default` first asks for `kubernetes.default.` itself (busybox
does), and must go on to `kubernetes.default.svc.cluster.local` as it does on a real cluster,
whose upstream answers NXDOMAIN for it.
"""

from __future__ import annotations

import ipaddress
import re
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import dns.exception
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.reversename
import dns.rrset
from dns.rdata import Rdata
from dns.rdtypes.ANY.CNAME import CNAME
from dns.rdtypes.ANY.NS import NS
from dns.rdtypes.ANY.PTR import PTR
from dns.rdtypes.ANY.SOA import SOA
from dns.rdtypes.IN.A import A
from dns.rdtypes.IN.AAAA import AAAA
from dns.rdtypes.IN.SRV import SRV

from kubia_tutor.api.admission import DNS_SERVICE_IP
from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import ResourceType, resolve

Obj = dict[str, Any]

ZONE = dns.name.from_text("cluster.local.")
# Reverse zones CoreDNS serves on minikube; we hold no IPv6 addresses, so ip6.arpa names
# are answered (NXDOMAIN) rather than refused.
REVERSE_ZONES = (dns.name.from_text("in-addr.arpa."), dns.name.from_text("ip6.arpa."))
TTL = 5
_IN = dns.rdataclass.IN
_T = dns.rdatatype
_WILDCARDS = ("*", "any")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")

SERVICES = resolve("services")
ENDPOINTS = resolve("endpoints")
NAMESPACES = resolve("namespaces")


@dataclass
class Reply:
    """One answer: the rcode, the three record sections and the `aa` flag."""

    rcode: dns.rcode.Rcode = dns.rcode.NOERROR
    answer: list[dns.rrset.RRset] = field(default_factory=list)
    authority: list[dns.rrset.RRset] = field(default_factory=list)
    additional: list[dns.rrset.RRset] = field(default_factory=list)
    authoritative: bool = True


class ClusterView(Protocol):
    """What the answers read of the cluster."""

    def service(self, namespace: str, name: str) -> Obj | None: ...
    def endpoints(self, namespace: str, name: str) -> Obj | None: ...
    def namespace_exists(self, namespace: str) -> bool: ...
    def all_services(self) -> list[Obj]: ...
    def all_endpoints(self) -> list[Obj]: ...
    def serial(self) -> int: ...


class ApiReader(Protocol):
    """The part of `ApiServer` the records source uses."""

    def get(self, rt: ResourceType, namespace: str | None, name: str) -> Obj: ...
    def list(self, rt: ResourceType, namespace: str | None = None, *,
             label_selector: str = "", field_selector: str = "") -> Obj: ...


class ApiRecords:
    """A `ClusterView` over the API server, read afresh on every question: the store is in
    memory, so a read costs microseconds and answers never lag behind the objects."""

    def __init__(self, api: ApiReader) -> None:
        self.api = api

    def _get(self, rt: ResourceType, namespace: str | None, name: str) -> Obj | None:
        try:
            return self.api.get(rt, namespace, name)
        except ApiError:
            return None

    def service(self, namespace: str, name: str) -> Obj | None:
        return self._get(SERVICES, namespace, name)

    def endpoints(self, namespace: str, name: str) -> Obj | None:
        return self._get(ENDPOINTS, namespace, name)

    def namespace_exists(self, namespace: str) -> bool:
        return self._get(NAMESPACES, None, namespace) is not None

    def all_services(self) -> list[Obj]:
        items: list[Obj] = self.api.list(SERVICES, None)["items"]
        return items

    def all_endpoints(self) -> list[Obj]:
        items: list[Obj] = self.api.list(ENDPOINTS, None)["items"]
        return items

    def serial(self) -> int:
        # CoreDNS uses the time of the last change it saw; nobody reads it, the time will do.
        return int(time.time())

    def answer(self, qname: dns.name.Name, qtype: int) -> Reply:
        """The reply to one question."""
        return answer(self, qname, qtype)


@dataclass(frozen=True)
class _Target:
    """CoreDNS's `msg.Service`: the owner (labels under the zone), an IP or, for an
    ExternalName service, the name to CNAME to, and a port (-1: the endpoint has none)."""

    labels: tuple[str, ...]
    host: str
    port: int
    cname: bool = False

    def name(self) -> dns.name.Name:
        return dns.name.from_text(".".join(self.labels), origin=ZONE)


def answer(view: ClusterView, qname: dns.name.Name, qtype: int) -> Reply:
    """The reply to a question for `qname` of type `qtype`."""
    name = qname.canonicalize()  # DNS names compare case-insensitively
    if name.is_subdomain(ZONE):
        labels = tuple(lab.decode("ascii", "replace") for lab in name.relativize(ZONE).labels)
        return _forward(view, qname, labels, qtype)
    for zone in REVERSE_ZONES:
        if name.is_subdomain(zone):
            return _reverse(view, qname, name, zone, qtype)
    # Not ours, and never forwarded: nothing leaves this machine (see the module's note).
    return Reply(rcode=dns.rcode.NXDOMAIN, authoritative=False)


def _forward(view: ClusterView, qname: dns.name.Name, labels: tuple[str, ...],
             qtype: int) -> Reply:
    soa = _soa(view, ZONE)
    if not labels:
        return _apex(qname, qtype, soa)
    if labels == ("ns", "dns"):  # the name the SOA names: the DNS service itself
        if qtype == _T.A:
            return Reply(answer=[_rrset(qname, _T.A, [A(_IN, _T.A, DNS_SERVICE_IP)])])
        return _nodata(soa)
    kind, rest = labels[-1], labels[:-1]
    if kind not in ("svc", "pod"):
        return _nxdomain(soa)
    if not rest:
        return _nodata(soa)
    namespace = rest[-1]
    if not _DNS_LABEL.match(namespace):
        return _nxdomain(soa)
    if len(rest) == 1:
        return _nodata(soa) if view.namespace_exists(namespace) else _nxdomain(soa)
    if kind == "pod":
        targets = _pod_targets(view, rest[0], namespace) if len(rest) == 2 else []
    else:
        targets = _service_targets(view, rest)
    if not targets:
        return _nxdomain(soa)
    return _records(qname, qtype, targets, soa)


def _apex(qname: dns.name.Name, qtype: int, soa: dns.rrset.RRset) -> Reply:
    ns_name = dns.name.from_text("ns.dns", origin=ZONE)
    if qtype == _T.SOA:
        return Reply(answer=[soa])
    if qtype == _T.NS:
        return Reply(answer=[_rrset(qname, _T.NS, [NS(_IN, _T.NS, ns_name)])],
                     additional=[_rrset(ns_name, _T.A, [A(_IN, _T.A, DNS_SERVICE_IP)])])
    return _nodata(soa)


def _service_targets(view: ClusterView, rest: tuple[str, ...]) -> list[_Target]:
    """Parse `[_port._proto.|endpoint.]service.namespace` (CoreDNS's `parseRequest`) and find
    what it names."""
    port = proto = "*"
    endpoint = ""
    if len(rest) == 3:
        endpoint = rest[0]
    elif len(rest) == 4:
        port, proto = rest[0].removeprefix("_"), rest[1].removeprefix("_")
    elif len(rest) != 2:
        return []  # too long to mean anything
    name, namespace = rest[-2], rest[-1]
    if not _DNS_LABEL.match(name):
        return []
    svc = view.service(namespace, name)
    if svc is None:
        return []
    spec = svc.get("spec") or {}
    if spec.get("type") == "ExternalName":
        external = str(spec.get("externalName") or "")
        if not external or _is_ip(external):
            return []
        return [_Target((name, namespace, "svc"), external.rstrip(".") + ".", 0, cname=True)]
    if spec.get("clusterIP") in (None, "", "None") or endpoint:
        return _endpoint_targets(view.endpoints(namespace, name), name, namespace,
                                 endpoint, port, proto)
    ips = [ip for ip in spec.get("clusterIPs") or [spec.get("clusterIP")] if ip]
    return [_Target((name, namespace, "svc"), ip, int(p.get("port", 0)))
            for p in spec.get("ports") or [] if _port_matches(port, proto, p)
            for ip in ips]


def _endpoint_targets(eps: Obj | None, name: str, namespace: str, endpoint: str,
                      port: str, proto: str) -> list[_Target]:
    """One target per (ready address, port) of the service's Endpoints."""
    out: list[_Target] = []
    for subset in (eps or {}).get("subsets") or []:
        # CoreDNS adds a port -1 to a subset without ports so its addresses still get A
        # records (a headless service needs no ports); SRV leaves them out.
        ports = subset.get("ports") or [{"name": "", "protocol": "", "port": -1}]
        for addr in subset.get("addresses") or []:
            ip = addr.get("ip")
            if not ip:
                continue
            host = endpoint_hostname(addr)
            if endpoint and endpoint != host.lower():
                continue
            out.extend(_Target((host, name, namespace, "svc"), ip, int(p.get("port", -1)))
                       for p in ports if _port_matches(port, proto, p))
    return out


def endpoint_hostname(addr: Obj) -> str:
    """The label of an endpoint address: its `hostname` (StatefulSet pods), else its IP
    with dashes (`10-244-0-5`), as CoreDNS's `endpointHostname` makes it."""
    hostname = addr.get("hostname")
    if hostname:
        return str(hostname)
    return str(addr.get("ip", "")).replace(".", "-").replace(":", "-")


def _port_matches(port: str, proto: str, p: Obj) -> bool:
    def match(want: str, have: str) -> bool:
        return want in _WILDCARDS or want.lower() == have.lower()
    return match(port, str(p.get("name") or "")) and match(proto, str(p.get("protocol") or "TCP"))


def _pod_targets(view: ClusterView, label: str, namespace: str) -> list[_Target]:
    """`pods insecure`: `a-b-c-d.<ns>.pod` is a-b-c-d for any namespace that exists."""
    ip = label.replace("-", ".") if label.count("-") == 3 else label.replace("-", ":")
    if not _is_ip(ip) or not view.namespace_exists(namespace):
        return []
    return [_Target((label, namespace, "pod"), ip, 0)]


def _records(qname: dns.name.Name, qtype: int, targets: list[_Target],
             soa: dns.rrset.RRset) -> Reply:
    reply = Reply()
    if qtype in (_T.A, _T.AAAA, _T.CNAME):
        cnames = _unique(CNAME(_IN, _T.CNAME, dns.name.from_text(t.host))
                         for t in targets if t.cname)
        if cnames:
            # The target is outside the cluster; resolving it would mean forwarding.
            reply.answer.append(_rrset(qname, _T.CNAME, cnames))
        elif qtype != _T.CNAME:
            addresses = _unique(_address(t.host) for t in targets)
            wanted = [rd for rd in addresses if rd.rdtype == qtype]
            if wanted:
                reply.answer.append(_rrset(qname, qtype, wanted))
    elif qtype == _T.SRV:
        _srv(reply, qname, targets)
    if not reply.answer:
        reply.authority.append(soa)
    return reply


def _srv(reply: Reply, qname: dns.name.Name, targets: list[_Target]) -> None:
    """SRV records with the targets' addresses in ADDITIONAL, as `backend.SRV` does: every
    target weighs 100 at priority 0, so each gets 100/n percent (50 for two)."""
    weight = max(1, 100 // len(targets))
    records: list[Rdata] = []
    extra: dict[dns.name.Name, list[Rdata]] = {}
    for t in targets:
        if t.port == -1:
            continue
        target = dns.name.from_text(t.host) if t.cname else t.name()
        records.append(SRV(_IN, _T.SRV, 0, weight, t.port, target))
        if not t.cname:
            extra.setdefault(target, []).append(_address(t.host))
    if records:
        reply.answer.append(_rrset(qname, _T.SRV, _unique(records)))
    for name, rds in extra.items():
        for rdtype in (_T.A, _T.AAAA):
            same = _unique(rd for rd in rds if rd.rdtype == rdtype)
            if same:
                reply.additional.append(_rrset(name, rdtype, same))


def _reverse(view: ClusterView, qname: dns.name.Name, name: dns.name.Name,
             zone: dns.name.Name, qtype: int) -> Reply:
    """PTR for service ClusterIPs and ready endpoint addresses (CoreDNS's
    `serviceRecordForIP`); other IPs are not ours to name."""
    soa = _soa(view, zone)
    if name == zone:
        return Reply(answer=[soa]) if qtype == _T.SOA else _nodata(soa)
    try:
        ip = dns.reversename.to_address(name)
    except (dns.exception.DNSException, ValueError):
        return _nxdomain(soa)
    names = _unique(PTR(_IN, _T.PTR, n) for n in _names_for_ip(view, ip))
    if not names:
        return _nxdomain(soa)
    if qtype != _T.PTR:
        return _nodata(soa)
    return Reply(answer=[_rrset(qname, _T.PTR, names)])


def _names_for_ip(view: ClusterView, ip: str) -> list[dns.name.Name]:
    out: list[dns.name.Name] = []
    for svc in view.all_services():
        meta, spec = svc.get("metadata") or {}, svc.get("spec") or {}
        if ip in (spec.get("clusterIPs") or [spec.get("clusterIP")]):
            out.append(_Target((meta.get("name", ""), meta.get("namespace", ""), "svc"),
                               ip, 0).name())
    for eps in view.all_endpoints():
        meta = eps.get("metadata") or {}
        for subset in eps.get("subsets") or []:
            out.extend(_Target((endpoint_hostname(addr), meta.get("name", ""),
                                meta.get("namespace", ""), "svc"), ip, 0).name()
                       for addr in subset.get("addresses") or [] if addr.get("ip") == ip)
    return out


def _soa(view: ClusterView, zone: dns.name.Name) -> dns.rrset.RRset:
    rd = SOA(_IN, _T.SOA, dns.name.from_text("ns.dns", origin=zone),
             dns.name.from_text("hostmaster", origin=zone), view.serial(),
             7200, 1800, 86400, TTL)
    return _rrset(zone, _T.SOA, [rd])


def _nodata(soa: dns.rrset.RRset) -> Reply:
    return Reply(authority=[soa])


def _nxdomain(soa: dns.rrset.RRset) -> Reply:
    return Reply(rcode=dns.rcode.NXDOMAIN, authority=[soa])


def _rrset(name: dns.name.Name, rdtype: int, rdatas: list[Rdata]) -> dns.rrset.RRset:
    rrset = dns.rrset.RRset(name, _IN, dns.rdatatype.RdataType.make(rdtype))
    for rd in rdatas:
        rrset.add(rd, TTL)
    return rrset


def _address(ip: str) -> Rdata:
    return AAAA(_IN, _T.AAAA, ip) if ":" in ip else A(_IN, _T.A, ip)


def _unique(rdatas: Any) -> list[Rdata]:
    """In order, without repeats (CoreDNS's `isDuplicate`)."""
    return list(dict.fromkeys(rdatas))


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
