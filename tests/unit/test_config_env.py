"""A container's environment from ConfigMaps, Secrets, resources and Services, as the
kubelet builds it (1.20), and what a missing source does to the pod."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from kubia_tutor.api.kinds import resolve
from kubia_tutor.daemon.cluster import Cluster
from kubia_tutor.runtime.env import resolve_env, valid_env_name
from kubia_tutor.runtime.env_sources import ConfigError, service_env

Obj = dict[str, Any]
PODS, CMS, SECRETS, SVCS = (resolve(r) for r in ("pods", "configmaps", "secrets", "services"))


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


class Sources:
    """EnvSources over a dict, recording nothing."""

    def __init__(self, objects: dict[tuple[str, str], Obj], services: list[Obj] | None = None
                 ) -> None:
        self.objects = objects
        self._services = services or []

    def get(self, plural: str, namespace: str | None, name: str) -> Obj | None:
        return self.objects.get((plural, name))

    def services(self) -> list[Obj]:
        return self._services


def pod(*containers: Obj, ns: str = "default", links: bool | None = None) -> Obj:
    spec: Obj = {"containers": list(containers), "nodeName": "minikube"}
    if links is not None:
        spec["enableServiceLinks"] = links
    return {"metadata": {"name": "p", "namespace": ns, "uid": "u"}, "spec": spec}


FORTUNE = {"data": {"sleep-interval": "25", "1-bad": "x", "my.key": "y"}}
HTTPS = {"data": {"foo": b64("bar"), "https.cert": b64("CERT")}}
SOURCES = Sources({("configmaps", "fortune-config"): FORTUNE, ("secrets", "fortune-https"): HTTPS})


def test_config_map_and_secret_key_refs_and_expansion() -> None:
    c = {"name": "c", "env": [
        {"name": "INTERVAL", "valueFrom": {"configMapKeyRef": {
            "name": "fortune-config", "key": "sleep-interval"}}},
        {"name": "FOO", "valueFrom": {"secretKeyRef": {"name": "fortune-https", "key": "foo"}}},
        {"name": "BOTH", "value": "$(INTERVAL)-$(FOO)-$(NOPE)-$$(INTERVAL)"}]}
    env = resolve_env(pod(c), c, SOURCES)
    assert env == {"INTERVAL": "25", "FOO": "bar", "BOTH": "25-bar-$(NOPE)-$(INTERVAL)"}


def test_optional_sources_and_keys_are_left_out() -> None:
    c = {"name": "c", "env": [
        {"name": "A", "valueFrom": {"configMapKeyRef": {"name": "nope", "key": "k",
                                                        "optional": True}}},
        {"name": "B", "valueFrom": {"configMapKeyRef": {"name": "fortune-config", "key": "k",
                                                        "optional": True}}},
        {"name": "C", "valueFrom": {"secretKeyRef": {"name": "nope", "key": "k",
                                                     "optional": True}}}],
         "envFrom": [{"configMapRef": {"name": "gone", "optional": True}}]}
    assert resolve_env(pod(c), c, SOURCES) == {}


@pytest.mark.parametrize(("ref", "message"), [
    ({"configMapKeyRef": {"name": "x", "key": "k"}}, 'configmap "x" not found'),
    ({"configMapKeyRef": {"name": "fortune-config", "key": "y"}},
     "couldn't find key y in ConfigMap default/fortune-config"),
    ({"secretKeyRef": {"name": "x", "key": "k"}}, 'secret "x" not found'),
    ({"secretKeyRef": {"name": "fortune-https", "key": "y"}},
     "couldn't find key y in Secret default/fortune-https"),
])
def test_missing_sources_are_config_errors(ref: Obj, message: str) -> None:
    c = {"name": "c", "env": [{"name": "V", "valueFrom": ref}]}
    with pytest.raises(ConfigError) as info:
        resolve_env(pod(c), c, SOURCES)
    assert str(info.value) == message
    assert info.value.reason == "CreateContainerConfigError"


def test_env_from_with_prefix_skips_invalid_names_with_an_event() -> None:
    events: list[tuple[str, str, str]] = []
    c = {"name": "c", "envFrom": [{"configMapRef": {"name": "fortune-config"}},
                                  {"prefix": "S_", "secretRef": {"name": "fortune-https"}}],
         "env": [{"name": "my.key", "value": "override"}]}
    env = resolve_env(pod(c), c, SOURCES,
                      lambda _p, kind, reason, msg, _f: events.append((kind, reason, msg)))
    assert env == {"sleep-interval": "25", "my.key": "override", "S_foo": "bar",
                   "S_https.cert": "CERT"}
    assert events == [("Warning", "InvalidEnvironmentVariableNames",
                       "Keys [1-bad] from the EnvFrom configmap default/fortune-config were"
                       " skipped since they are considered invalid environment variable"
                       " names.")]


@pytest.mark.parametrize(("name", "ok"), [("A_1", True), ("my.env-name", True), ("1-bad", False),
                                          ("..x", False), ("a b", False), ("", False)])
def test_env_var_names(name: str, ok: bool) -> None:
    assert valid_env_name(name) is ok


def test_resource_field_refs_round_up_and_default_to_the_node() -> None:
    node = {"status": {"allocatable": {"cpu": "2", "memory": "4Gi"}}}
    sources = Sources({("nodes", "minikube"): node})
    c = {"name": "c", "resources": {"requests": {"cpu": "250m", "memory": "64Mi"},
                                    "limits": {"cpu": "1500m"}},
         "env": [{"name": n, "valueFrom": {"resourceFieldRef": r}} for n, r in [
             ("LCPU", {"resource": "limits.cpu"}),
             ("RCPU", {"resource": "requests.cpu", "divisor": "1m"}),
             ("RMEM", {"resource": "requests.memory", "divisor": "1Mi"}),
             ("LMEM", {"resource": "limits.memory"})]]}
    assert resolve_env(pod(c), c, sources) == {
        "LCPU": "2", "RCPU": "250", "RMEM": "64", "LMEM": str(4 * 2**30)}


KUBIA = {"metadata": {"name": "kubia-svc", "namespace": "default"},
         "spec": {"clusterIP": "10.96.0.10",
                  "ports": [{"name": "http", "port": 80, "protocol": "TCP"},
                            {"name": "https", "port": 443}]}}
KUBERNETES = {"metadata": {"name": "kubernetes", "namespace": "default"},
              "spec": {"clusterIP": "10.96.0.1", "ports": [{"name": "https", "port": 443}]}}
HEADLESS = {"metadata": {"name": "db", "namespace": "default"},
            "spec": {"clusterIP": "None", "ports": [{"port": 5432}]}}


def test_service_variables_as_the_kubelet_makes_them() -> None:
    env = service_env([KUBIA, HEADLESS], "default", True)
    assert env == {
        "KUBIA_SVC_SERVICE_HOST": "10.96.0.10", "KUBIA_SVC_SERVICE_PORT": "80",
        "KUBIA_SVC_SERVICE_PORT_HTTP": "80", "KUBIA_SVC_SERVICE_PORT_HTTPS": "443",
        "KUBIA_SVC_PORT": "tcp://10.96.0.10:80",
        "KUBIA_SVC_PORT_80_TCP": "tcp://10.96.0.10:80", "KUBIA_SVC_PORT_80_TCP_PROTO": "tcp",
        "KUBIA_SVC_PORT_80_TCP_PORT": "80", "KUBIA_SVC_PORT_80_TCP_ADDR": "10.96.0.10",
        "KUBIA_SVC_PORT_443_TCP": "tcp://10.96.0.10:443",
        "KUBIA_SVC_PORT_443_TCP_PROTO": "tcp", "KUBIA_SVC_PORT_443_TCP_PORT": "443",
        "KUBIA_SVC_PORT_443_TCP_ADDR": "10.96.0.10"}


def test_service_links_off_and_other_namespaces_keep_only_kubernetes() -> None:
    services = [KUBIA, KUBERNETES]
    for env in (service_env(services, "default", False), service_env(services, "team", True)):
        assert sorted(env) == sorted(service_env([KUBERNETES], "x", False))
        assert env["KUBERNETES_SERVICE_HOST"] == "10.96.0.1"
        assert "KUBIA_SVC_SERVICE_HOST" not in env
    c = {"name": "c", "env": [{"name": "KUBIA_SVC_SERVICE_HOST", "value": "mine"},
                              {"name": "URL", "value": "$(KUBIA_SVC_PORT)"}]}
    env = resolve_env(pod(c), c, Sources({}, services))
    assert env["KUBIA_SVC_SERVICE_HOST"] == "mine" and env["URL"] == "tcp://10.96.0.10:80"
    assert resolve_env(pod(c, links=False), c, Sources({}, services))["URL"] == \
        "$(KUBIA_SVC_PORT)"


def _capture_env(cluster: Cluster, monkeypatch: pytest.MonkeyPatch) -> dict[str, dict[str, str]]:
    cluster.settle()  # kube-system's coredns container is created first, and not seen
    seen: dict[str, dict[str, str]] = {}
    create = cluster.runtime.create_container

    def spy(pod: Obj, container: Obj, attempt: int, env: dict[str, str]) -> str:
        seen[str(container["name"])] = env
        return create(pod, container, attempt, env)

    monkeypatch.setattr(cluster.runtime, "create_container", spy)
    return seen


def test_a_missing_config_map_keeps_the_container_waiting_until_it_exists(
        cluster: Cluster, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _capture_env(cluster, monkeypatch)
    cluster.api.create(SVCS, "default", {"apiVersion": "v1", "kind": "Service",
                                         "metadata": {"name": "kubia"},
                                         "spec": {"ports": [{"port": 80}]}})
    cluster.api.create(PODS, "default", {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "fortune-env"},
        "spec": {"containers": [{"name": "html-generator", "image": "luksa/fortune:env",
                                 "env": [{"name": "INTERVAL", "valueFrom": {"configMapKeyRef": {
                                     "name": "fortune-config", "key": "sleep-interval"}}}]}]}})
    cluster.settle()
    status = cluster.api.get(PODS, "default", "fortune-env")["status"]
    assert status["containerStatuses"][0]["state"] == {"waiting": {
        "reason": "CreateContainerConfigError",
        "message": 'configmap "fortune-config" not found'}}
    events = [(e["reason"], e["message"]) for e in cluster.api.list(
        resolve("events"), "default")["items"] if e["involvedObject"]["name"] == "fortune-env"]
    assert ("Failed", 'Error: configmap "fortune-config" not found') in events
    assert seen == {}
    cluster.api.create(CMS, "default", {"apiVersion": "v1", "kind": "ConfigMap",
                                        "metadata": {"name": "fortune-config"},
                                        "data": {"sleep-interval": "25"}})
    cluster.clock.advance(60)  # type: ignore[attr-defined]
    cluster.settle()
    env = seen["html-generator"]
    assert env["INTERVAL"] == "25"
    ip = cluster.api.get(SVCS, "default", "kubia")["spec"]["clusterIP"]
    assert env["KUBIA_SERVICE_HOST"] == ip and env["KUBIA_PORT"] == f"tcp://{ip}:80"
    status = cluster.api.get(PODS, "default", "fortune-env")["status"]
    assert "running" in status["containerStatuses"][0]["state"]


def test_string_data_is_merged_into_data_by_the_server(cluster: Cluster) -> None:
    created = cluster.api.create(SECRETS, "default", {
        "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "sd"},
        "data": {"pw": b64("old"), "keep": b64("k")}, "stringData": {"pw": "new"}})
    assert "stringData" not in created
    assert created["data"] == {"pw": b64("new"), "keep": b64("k")}
    assert created["type"] == "Opaque"
