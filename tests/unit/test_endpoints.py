"""The Endpoints controller on the fake runtime: which pods a Service's Endpoints list, under
which ports, and when the object is (and is not) rewritten."""

from __future__ import annotations

from typing import Any

import pytest

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import resolve
from kubia_tutor.clock import FakeClock
from kubia_tutor.controllers.endpoints import (
    TRIGGER_TIME,
    EndpointsController,
    compute_subsets,
    find_port,
)
from kubia_tutor.daemon.cluster import Cluster
from kubia_tutor.runtime.prober import Outcome, ScriptedProber

PODS = resolve("pods")
SERVICES = resolve("services")
ENDPOINTS = resolve("endpoints")
REFUSED = Outcome(False, "connection refused")
Obj = dict[str, Any]


def pod(cluster: Cluster, name: str, *, labels: dict[str, str] | None = None,
        port: int = 8080, port_name: str = "http", **container: Any) -> None:
    spec = {"name": "kubia", "image": "luksa/kubia",
            "ports": [{"name": port_name, "containerPort": port}], **container}
    cluster.api.create(PODS, "default", {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "labels": labels or {"app": "kubia"}},
        "spec": {"containers": [spec]}})


def service(cluster: Cluster, name: str = "kubia", **spec: Any) -> Obj:
    spec.setdefault("selector", {"app": "kubia"})
    spec.setdefault("ports", [{"port": 80, "targetPort": 8080}])
    return cluster.api.create(SERVICES, "default", {
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": spec})


def endpoints(cluster: Cluster, name: str = "kubia") -> Obj:
    return cluster.api.get(ENDPOINTS, "default", name)


def ips(subset: Obj, key: str = "addresses") -> list[str]:
    return [a["ip"] for a in subset.get(key) or []]


def pod_ip(cluster: Cluster, name: str) -> str:
    return str(cluster.api.get(PODS, "default", name)["status"]["podIP"])


def prober(cluster: Cluster) -> ScriptedProber:
    found = cluster.kubelet.prober
    assert isinstance(found, ScriptedProber)
    return found


def tick(cluster: Cluster, clock: FakeClock, seconds: float) -> None:
    clock.advance(seconds)
    cluster.kubelet.probes.run_due()
    cluster.settle()


def test_ready_pods_are_listed_with_node_and_target_ref(cluster: Cluster) -> None:
    for name in ("a", "b", "c"):
        pod(cluster, name)
    pod(cluster, "other", labels={"app": "other"})
    service(cluster)
    cluster.settle()
    ep = endpoints(cluster)
    assert len(ep["subsets"]) == 1
    subset = ep["subsets"][0]
    assert ips(subset) == sorted(pod_ip(cluster, n) for n in ("a", "b", "c"))
    assert "notReadyAddresses" not in subset
    assert subset["ports"] == [{"port": 8080, "protocol": "TCP"}]
    first = subset["addresses"][0]
    assert first["nodeName"] == "minikube"
    ref = first["targetRef"]
    target = cluster.api.get(PODS, "default", ref["name"])
    assert ref["kind"] == "Pod" and ref["namespace"] == "default"
    assert ref["uid"] == target["metadata"]["uid"]
    assert ep["metadata"]["annotations"][TRIGGER_TIME] == \
        cluster.api.get(SERVICES, "default", "kubia")["metadata"]["creationTimestamp"]


def test_no_pods_give_endpoints_without_subsets(cluster: Cluster) -> None:
    service(cluster)
    cluster.settle()
    assert "subsets" not in endpoints(cluster)


def test_not_ready_pods_are_not_ready_addresses_and_flip_when_ready(
        cluster: Cluster, clock: FakeClock) -> None:
    probe: Obj = {"readinessProbe": {"exec": {"command": ["ls", "/var/ready"]}, "periodSeconds": 1}}
    prober(cluster).set("slow", "kubia", "Readiness", REFUSED)
    pod(cluster, "slow", **probe)
    pod(cluster, "fast")
    service(cluster)
    cluster.settle()
    tick(cluster, clock, 0)
    [subset] = endpoints(cluster)["subsets"]
    assert ips(subset) == [pod_ip(cluster, "fast")]
    assert ips(subset, "notReadyAddresses") == [pod_ip(cluster, "slow")]
    prober(cluster).set("slow", "kubia", "Readiness", Outcome(True))
    tick(cluster, clock, 1)
    [subset] = endpoints(cluster)["subsets"]
    assert ips(subset) == sorted([pod_ip(cluster, "fast"), pod_ip(cluster, "slow")])
    assert "notReadyAddresses" not in subset
    # The flip is the trigger: the annotation carries the Ready condition's transition.
    ready = next(c for c in cluster.api.get(PODS, "default", "slow")["status"]["conditions"]
                 if c["type"] == "Ready")
    assert endpoints(cluster)["metadata"]["annotations"][TRIGGER_TIME] == \
        ready["lastTransitionTime"]


def test_publish_not_ready_addresses_lists_unready_pods_as_ready(
        cluster: Cluster, clock: FakeClock) -> None:
    prober(cluster).set("slow", "kubia", "Readiness", REFUSED)
    pod(cluster, "slow", readinessProbe={"exec": {"command": ["true"]}, "periodSeconds": 1})
    service(cluster, publishNotReadyAddresses=True)
    cluster.settle()
    tick(cluster, clock, 0)
    [subset] = endpoints(cluster)["subsets"]
    assert ips(subset) == [pod_ip(cluster, "slow")]


def test_terminating_pods_leave_the_endpoints(cluster: Cluster) -> None:
    pod(cluster, "a")
    pod(cluster, "b")
    service(cluster)
    cluster.settle()
    cluster.api.delete(PODS, "default", "a")
    controller = next(c for c in cluster.controllers if isinstance(c, EndpointsController))
    controller.run_once()  # before the kubelet finishes the deletion
    assert cluster.api.get(PODS, "default", "a")["metadata"].get("deletionTimestamp")
    [subset] = endpoints(cluster)["subsets"]
    assert ips(subset) == [pod_ip(cluster, "b")]


def test_relabelled_pod_leaves_the_service(cluster: Cluster) -> None:
    pod(cluster, "a")
    pod(cluster, "b")
    service(cluster)
    cluster.settle()
    cluster.api.patch(PODS, "default", "a", {"metadata": {"labels": {"app": "moved"}}})
    cluster.settle()
    [subset] = endpoints(cluster)["subsets"]
    assert ips(subset) == [pod_ip(cluster, "b")]


def test_named_target_port_resolves_per_pod_into_separate_subsets(cluster: Cluster) -> None:
    pod(cluster, "a", port=8080)
    pod(cluster, "b", port=9090)
    pod(cluster, "c", port=8080, port_name="web")  # no port named http: left out
    service(cluster, ports=[{"name": "http", "port": 80, "targetPort": "http"}])
    cluster.settle()
    subsets = endpoints(cluster)["subsets"]
    by_port = {s["ports"][0]["port"]: ips(s) for s in subsets}
    assert by_port == {8080: [pod_ip(cluster, "a")], 9090: [pod_ip(cluster, "b")]}
    assert all(s["ports"][0]["name"] == "http" for s in subsets)


def test_several_ports_share_one_subset(cluster: Cluster) -> None:
    pod(cluster, "a")
    service(cluster, ports=[{"name": "http", "port": 80, "targetPort": 8080},
                            {"name": "https", "port": 443, "targetPort": 8443}])
    cluster.settle()
    [subset] = endpoints(cluster)["subsets"]
    assert [(p["name"], p["port"]) for p in subset["ports"]] == [("http", 8080),
                                                                 ("https", 8443)]


def test_selectorless_service_keeps_hand_written_endpoints(cluster: Cluster) -> None:
    cluster.api.create(SERVICES, "default", {
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "external-service"},
        "spec": {"ports": [{"port": 80}]}})
    cluster.api.create(ENDPOINTS, "default", {
        "apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "external-service"},
        "subsets": [{"addresses": [{"ip": "11.11.11.11"}, {"ip": "22.22.22.22"}],
                     "ports": [{"port": 80}]}]})
    pod(cluster, "a")
    cluster.settle()
    ep = endpoints(cluster, "external-service")
    assert ips(ep["subsets"][0]) == ["11.11.11.11", "22.22.22.22"]
    assert "annotations" not in ep["metadata"]
    # The kubernetes service has no selector either: its endpoints stay the API server's.
    assert ips(endpoints(cluster, "kubernetes")["subsets"][0]) == ["127.0.0.1"]


def test_deleting_the_service_deletes_its_endpoints(cluster: Cluster) -> None:
    pod(cluster, "a")
    service(cluster)
    cluster.settle()
    cluster.api.delete(SERVICES, "default", "kubia")
    cluster.settle()
    with pytest.raises(ApiError):
        endpoints(cluster)


def test_external_name_service_gets_no_endpoints(cluster: Cluster) -> None:
    pod(cluster, "a")
    service(cluster, type="ExternalName", externalName="api.somecompany.com")
    cluster.settle()
    with pytest.raises(ApiError):
        endpoints(cluster)


def test_headless_service_gets_endpoints_and_the_headless_label(cluster: Cluster) -> None:
    pod(cluster, "a")
    service(cluster, "kubia-headless", clusterIP="None",
            ports=[{"name": "http", "port": 80, "targetPort": "http"}])
    cluster.settle()
    ep = endpoints(cluster, "kubia-headless")
    assert ep["metadata"]["labels"] == {"service.kubernetes.io/headless": ""}
    assert ep["subsets"][0]["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]


def test_headless_service_without_ports_lists_bare_addresses() -> None:
    pods: list[Obj] = [{"metadata": {"name": "a", "namespace": "default", "uid": "u1"},
             "spec": {"nodeName": "minikube", "containers": []},
             "status": {"podIP": "10.244.0.7",
                        "conditions": [{"type": "Ready", "status": "True"}]}}]
    svc: Obj = {"metadata": {"name": "h", "namespace": "default"},
           "spec": {"clusterIP": "None", "selector": {"app": "kubia"}}}
    [subset] = compute_subsets(svc, pods)
    assert ips(subset) == ["10.244.0.7"] and "ports" not in subset
    # a ClusterIP service without ports has nothing to list
    svc["spec"]["clusterIP"] = "10.96.3.3"
    assert compute_subsets(svc, pods) == []


def test_find_port_matches_name_and_protocol() -> None:
    pod_obj = {"spec": {"containers": [{"ports": [
        {"name": "dns", "containerPort": 53, "protocol": "UDP"},
        {"name": "dns", "containerPort": 5353}]}]}}
    assert find_port(pod_obj, {"targetPort": "dns", "protocol": "UDP"}) == 53
    assert find_port(pod_obj, {"targetPort": "dns", "protocol": "TCP"}) == 5353
    assert find_port(pod_obj, {"targetPort": "web"}) is None
    assert find_port(pod_obj, {"targetPort": 8080}) == 8080


def test_endpoints_are_written_only_when_they_change(cluster: Cluster) -> None:
    pod(cluster, "a")
    service(cluster)
    cluster.settle()
    before = endpoints(cluster)["metadata"]["resourceVersion"]
    # A pod write the service does not care about (an annotation) changes nothing.
    cluster.api.patch(PODS, "default", "a", {"metadata": {"annotations": {"x": "y"}}})
    cluster.settle()
    assert endpoints(cluster)["metadata"]["resourceVersion"] == before


def test_a_hand_edit_of_managed_endpoints_is_put_right(cluster: Cluster) -> None:
    pod(cluster, "a")
    service(cluster)
    cluster.settle()
    ep = endpoints(cluster)
    ep["subsets"] = [{"addresses": [{"ip": "1.2.3.4"}], "ports": [{"port": 1}]}]
    cluster.api.update(ENDPOINTS, "default", "kubia", ep)
    cluster.settle()
    assert ips(endpoints(cluster)["subsets"][0]) == [pod_ip(cluster, "a")]


def test_finished_pods_that_will_not_restart_are_left_out(cluster: Cluster) -> None:
    cluster.api.create(PODS, "default", {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "done",
                                                        "labels": {"app": "kubia"}},
        "spec": {"restartPolicy": "Never",
                 "containers": [{"name": "kubia", "image": "luksa/kubia"}]}})
    service(cluster)
    cluster.settle()
    status = cluster.api.get(PODS, "default", "done")["status"]
    status = {**status, "phase": "Succeeded",
              "conditions": [{"type": "Ready", "status": "False"}]}
    svc = cluster.api.get(SERVICES, "default", "kubia")
    done = {**cluster.api.get(PODS, "default", "done"), "status": status}
    assert compute_subsets(svc, [done]) == []
    done["spec"]["restartPolicy"] = "Always"
    assert ips(compute_subsets(svc, [done])[0], "notReadyAddresses") == [status["podIP"]]
