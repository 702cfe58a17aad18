"""LimitRanger: defaults filled into pods, min/max/ratio per Container and Pod, claim sizes,
with 1.20's wording (and the server's 422 when a default limit falls under a request)."""

from __future__ import annotations

from typing import Any

import pytest
from harness import Shell

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import resolve
from kubia_tutor.daemon.cluster import Cluster

PODS = resolve("pods")
LIMITS = resolve("limitranges")
CLAIMS = resolve("persistentvolumeclaims")

# The book's example LimitRange.
EXAMPLE = {
    "apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "example"},
    "spec": {"limits": [
        {"type": "Pod", "min": {"cpu": "50m", "memory": "5Mi"},
         "max": {"cpu": "1", "memory": "1Gi"}},
        {"type": "Container", "defaultRequest": {"cpu": "100m", "memory": "10Mi"},
         "default": {"cpu": "200m", "memory": "100Mi"},
         "min": {"cpu": "50m", "memory": "5Mi"}, "max": {"cpu": "1", "memory": "1Gi"},
         "maxLimitRequestRatio": {"cpu": "4", "memory": "10"}},
        {"type": "PersistentVolumeClaim", "min": {"storage": "1Gi"},
         "max": {"storage": "10Gi"}},
    ]}}


def pod(name: str, **resources: dict[str, str]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "main", "image": "busybox",
                                     "resources": resources}]}}


def refused(cluster: Cluster, obj: dict[str, Any], rt: Any = PODS) -> ApiError:
    with pytest.raises(ApiError) as caught:
        cluster.api.create(rt, "default", obj)
    return caught.value


@pytest.fixture
def limited(cluster: Cluster) -> Cluster:
    cluster.api.create(LIMITS, "default", EXAMPLE)
    return cluster


def test_defaults_fill_in_requests_and_limits(limited: Cluster) -> None:
    created = limited.api.create(PODS, "default", pod("plain"))
    assert created["spec"]["containers"][0]["resources"] == {
        "limits": {"cpu": "200m", "memory": "100Mi"},
        "requests": {"cpu": "100m", "memory": "10Mi"}}
    assert created["metadata"]["annotations"]["kubernetes.io/limit-ranger"] == (
        "LimitRanger plugin set: cpu, memory request for container main; cpu, memory limit "
        "for container main")


def test_a_limit_alone_is_also_the_request(limited: Cluster) -> None:
    created = limited.api.create(PODS, "default", pod("lim", limits={"cpu": "300m"}))
    resources = created["spec"]["containers"][0]["resources"]
    assert resources["requests"]["cpu"] == "300m"  # not the 100m default request
    assert resources["limits"] == {"cpu": "300m", "memory": "100Mi"}


def test_request_above_the_default_limit_is_invalid_as_in_the_book(limited: Cluster) -> None:
    err = refused(limited, pod("requests-pod-4",
                               requests={"cpu": "1200m", "memory": "2000Mi"}))
    assert err.code == 422
    assert err.message == (
        'Pod "requests-pod-4" is invalid: \n'
        '* spec.containers[0].resources.requests: Invalid value: "1200m": must be less than '
        "or equal to cpu limit\n"
        '* spec.containers[0].resources.requests: Invalid value: "2000Mi": must be less than '
        "or equal to memory limit")


def test_max_per_pod_and_container(limited: Cluster) -> None:
    err = refused(limited, pod("too-big", limits={"cpu": "2", "memory": "2Gi"}))
    assert err.code == 403
    assert err.message == (
        'pods "too-big" is forbidden: [maximum cpu usage per Pod is 1, but limit is 2, '
        "maximum memory usage per Pod is 1Gi, but limit is 2147483648, "
        "maximum cpu usage per Container is 1, but limit is 2, "
        "maximum memory usage per Container is 1Gi, but limit is 2Gi]")


def test_min_and_ratio(limited: Cluster) -> None:
    err = refused(limited, pod("tiny", requests={"cpu": "10m", "memory": "10Mi"},
                               limits={"cpu": "200m", "memory": "100Mi"}))
    assert err.message == (
        'pods "tiny" is forbidden: [minimum cpu usage per Pod is 50m, but request is 10m, '
        "minimum cpu usage per Container is 50m, but request is 10m, "
        "cpu max limit to request ratio per Container is 4, but provided ratio is 20.000000]")


def test_claim_sizes(limited: Cluster) -> None:
    def claim(name: str, size: str) -> dict[str, Any]:
        return {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                "metadata": {"name": name},
                "spec": {"accessModes": ["ReadWriteOnce"],
                         "resources": {"requests": {"storage": size}}}}

    assert refused(limited, claim("small", "500Mi"), CLAIMS).message == (
        'persistentvolumeclaims "small" is forbidden: minimum storage usage per '
        "PersistentVolumeClaim is 1Gi, but request is 500Mi")
    assert refused(limited, claim("huge", "20Gi"), CLAIMS).message.endswith(
        "maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi")
    limited.api.create(CLAIMS, "default", claim("fine", "2Gi"))


def test_other_namespaces_are_not_limited(limited: Cluster) -> None:
    limited.api.create(resolve("namespaces"), None, {
        "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "free"}})
    created = limited.api.create(PODS, "free", pod("big", limits={"cpu": "3"}))
    assert created["spec"]["containers"][0]["resources"]["limits"] == {"cpu": "3"}


def test_describe_limitrange(shell: Shell) -> None:
    shell.cluster.api.create(LIMITS, "default", EXAMPLE)
    result = shell.run("kubectl describe limitrange example")
    assert result.out == (
        "Name:                  example\n"
        "Namespace:             default\n"
        "Type                   Resource  Min  Max   Default Request  Default Limit  "
        "Max Limit/Request Ratio\n"
        "----                   --------  ---  ---   ---------------  -------------  "
        "-----------------------\n"
        "Pod                    cpu       50m  1     -                -              -\n"
        "Pod                    memory    5Mi  1Gi   -                -              -\n"
        "Container              cpu       50m  1     100m             200m           4\n"
        "Container              memory    5Mi  1Gi   10Mi             100Mi          10\n"
        "PersistentVolumeClaim  storage   1Gi  10Gi  -                -              -\n")
