"""Cluster DNS from inside a real pod: the pod's resolver (10.96.0.10) reaches the tutor's DNS
server on 127.0.0.1 through the cluster's NAT redirect; names outside the cluster do not
exist, at once, never forwarded; `reset` leaves no NAT rule behind."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from podman_shell import get_json, reset, shell, wait_for

from kubia_tutor.runtime.network.redirect import chain_name


def nat_rules() -> str:
    return subprocess.run(["iptables", "-w", "5", "-t", "nat", "-S"], capture_output=True,
                          text=True, timeout=30).stdout


@pytest.mark.podman
def test_a_pod_resolves_services_through_the_cluster_dns(tmp_path: Path) -> None:
    state = tmp_path / "state"
    try:
        shell(state, "kubectl run dnsutils --image=tutum/dnsutils --command -- sleep infinity",
              "kubectl create service clusterip kubia --tcp=80:8080")
        assert wait_for(lambda: get_json(state, "pod dnsutils").get("status", {})
                        .get("phase") == "Running", timeout=60)
        ip = get_json(state, "service kubia")["spec"]["clusterIP"]
        out = shell(state, "kubectl exec dnsutils -- nslookup kubia")
        assert "Server:\t\t10.96.0.10" in out
        assert "Name:\tkubia.default.svc.cluster.local" in out
        assert f"Address: {ip}" in out
        out = shell(state, "kubectl exec dnsutils -- nslookup kubernetes.default.svc.cluster.local")
        assert "Address: 10.96.0.1" in out
        # a name outside the cluster is answered at once: nothing is forwarded
        started = time.monotonic()
        out = shell(state, "kubectl exec dnsutils -- nslookup example.com")
        assert "can't find example.com: NXDOMAIN" in out
        assert time.monotonic() - started < 10
        cluster = (state / "cluster-id").read_text().strip()
        assert chain_name(cluster) in nat_rules()
    finally:
        reset(state)
    assert chain_name(cluster) not in nat_rules()
