"""Client-side schema validation: kubectl 1.20's rules and exact messages."""

from __future__ import annotations

import time
from typing import Any

import pytest
import yaml

from kubia_tutor.api import schemas
from kubia_tutor.api.validation import aggregate, format_error, validate


def load(text: str) -> Any:
    return yaml.safe_load(text)


# --- manifests from the book (apps/v1 where the book's group is no longer served) ------------

KUBIA_MANUAL_WITH_LABELS = """
apiVersion: v1
kind: Pod
metadata:
  name: kubia-manual-v2
  labels:
    creation_method: manual
    env: prod
spec:
  containers:
  - image: luksa/kubia
    name: kubia
    ports:
    - containerPort: 8080
      protocol: TCP
"""

KUBIA_RC = """
apiVersion: v1
kind: ReplicationController
metadata:
  name: kubia
spec:
  replicas: 3
  selector:
    app: kubia
  template:
    metadata:
      labels:
        app: kubia
    spec:
      containers:
      - name: kubia
        image: luksa/kubia
        ports:
        - containerPort: 8080
"""

KUBIA_DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: kubia
spec:
  replicas: 3
  minReadySeconds: 10
  strategy:
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
    type: RollingUpdate
  selector:
    matchLabels:
      app: kubia
  template:
    metadata:
      name: kubia
      labels:
        app: kubia
    spec:
      containers:
      - image: luksa/kubia:v3
        name: nodejs
        readinessProbe:
          periodSeconds: 1
          httpGet:
            path: /
            port: 8080
"""

KUBIA_SVC = """
apiVersion: v1
kind: Service
metadata:
  name: kubia
spec:
  ports:
  - port: 80
    targetPort: 8080
  selector:
    app: kubia
"""

KUBIA_SVC_NAMED_PORTS = """
apiVersion: v1
kind: Service
metadata:
  name: kubia
spec:
  ports:
  - name: http
    port: 80
    targetPort: http
  - name: https
    port: 443
    targetPort: https
  selector:
    app: kubia
"""

FORTUNE_POD = """
apiVersion: v1
kind: Pod
metadata:
  name: fortune
spec:
  containers:
  - image: luksa/fortune
    name: html-generator
    volumeMounts:
    - name: html
      mountPath: /var/htdocs
  - image: nginx:alpine
    name: web-server
    volumeMounts:
    - name: html
      mountPath: /usr/share/nginx/html
      readOnly: true
    ports:
    - containerPort: 80
      protocol: TCP
  volumes:
  - name: html
    emptyDir: {}
"""

# `kubectl create deployment --dry-run=client -o yaml` output: null timestamp, empty structs.
DRY_RUN_DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  creationTimestamp: null
  labels:
    app: kubia
  name: kubia
spec:
  replicas: 1
  selector:
    matchLabels:
      app: kubia
  strategy: {}
  template:
    metadata:
      creationTimestamp: null
      labels:
        app: kubia
    spec:
      containers:
      - image: luksa/kubia
        name: kubia
        resources: {}
status: {}
"""

# About fifty lines, for the timing check.
REQUESTS_POD = """
apiVersion: v1
kind: Pod
metadata:
  name: requests-pod
  namespace: default
  labels:
    app: kubia
    tier: backend
  annotations:
    kubia.example/owner: "chapter-14"
spec:
  restartPolicy: Always
  terminationGracePeriodSeconds: 30
  containers:
  - image: busybox
    name: main
    command: ["dd", "if=/dev/zero", "of=/dev/null"]
    env:
    - name: POD_NAME
      valueFrom:
        fieldRef:
          fieldPath: metadata.name
    - name: GREETING
      value: hello
    resources:
      requests:
        cpu: 200m
        memory: 10Mi
      limits:
        cpu: 1
        memory: 20Mi
    livenessProbe:
      httpGet:
        path: /
        port: 8080
      initialDelaySeconds: 15
    ports:
    - containerPort: 8080
      name: http
      protocol: TCP
    volumeMounts:
    - name: data
      mountPath: /data
  volumes:
  - name: data
    emptyDir:
      medium: Memory
      sizeLimit: 64Mi
"""


@pytest.mark.parametrize("text", [
    KUBIA_MANUAL_WITH_LABELS, KUBIA_RC, KUBIA_DEPLOYMENT, KUBIA_SVC, KUBIA_SVC_NAMED_PORTS,
    FORTUNE_POD, DRY_RUN_DEPLOYMENT, REQUESTS_POD,
], ids=["pod-labels", "rc", "deployment", "service", "service-named-ports", "fortune",
        "dry-run-deployment", "requests-pod"])
def test_book_manifests_are_valid(text: str) -> None:
    assert validate(load(text)) == []


def pod(spec: dict[str, Any], **metadata: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", **metadata},
            "spec": spec}


def container(**fields: Any) -> dict[str, Any]:
    return {"name": "c", "image": "busybox", **fields}


# --- the three messages in the brief ---------------------------------------------------------


def test_unknown_field() -> None:
    assert validate(pod({"foo": 1, "containers": [container()]})) == [
        'ValidationError(Pod.spec): unknown field "foo" in io.k8s.api.core.v1.PodSpec',
    ]


def test_missing_required_field() -> None:
    assert validate(pod({"containers": [{"image": "busybox"}]})) == [
        'ValidationError(Pod.spec.containers[0]): missing required field "name" in '
        "io.k8s.api.core.v1.Container",
    ]


def test_wrong_type() -> None:
    manifest = pod({"containers": [container(ports=[{"containerPort": "8080"}])]})
    assert validate(manifest) == [
        'ValidationError(Pod.spec.containers[0].ports[0].containerPort): invalid type for '
        'io.k8s.api.core.v1.ContainerPort.containerPort: got "string", expected "integer"',
    ]


def test_format_error_single_matches_kubectl() -> None:
    errors = validate(pod({"foo": "bar", "containers": [container()]}))
    assert format_error("f.yaml", errors) == (
        'error validating "f.yaml": error validating data: ValidationError(Pod.spec): unknown '
        'field "foo" in io.k8s.api.core.v1.PodSpec; if you choose to ignore these errors, turn '
        "validation off with --validate=false"
    )


def test_format_error_several_uses_aggregate_brackets() -> None:
    errors = validate(load("metadata: {name: x}"))
    assert errors == ["apiVersion not set", "kind not set"]
    assert format_error("STDIN", errors) == (
        'error validating "STDIN": error validating data: [apiVersion not set, kind not set]; '
        "if you choose to ignore these errors, turn validation off with --validate=false"
    )


def test_format_error_needs_errors() -> None:
    with pytest.raises(ValueError):
        format_error("f.yaml", [])


def test_aggregate_drops_repeats() -> None:
    assert aggregate(["a", "a"]) == "a"
    assert aggregate(["a", "b", "a"]) == "[a, b]"


# --- kubectl's looser-than-JSON-Schema rules -------------------------------------------------


def test_null_creation_timestamp_and_null_fields_are_skipped() -> None:
    manifest = pod({"containers": [container()], "nodeName": None}, creationTimestamp=None)
    manifest["metadata"]["bogus"] = None  # a null value is skipped before the name is checked
    assert validate(manifest) == []


def test_required_field_set_to_null_is_missing() -> None:
    manifest = pod({"containers": [{"name": None, "image": "x"}]})
    assert validate(manifest) == [
        'ValidationError(Pod.spec.containers[0]): missing required field "name" in '
        "io.k8s.api.core.v1.Container",
    ]


def test_any_scalar_passes_a_string_field() -> None:
    manifest = pod({"containers": [container(image=42, workingDir=True)]},
                   labels={"version": 2, "debug": False})
    assert validate(manifest) == []


@pytest.mark.parametrize("value", [8080, "http", 8080.0])
def test_int_or_string_accepts_numbers_and_names(value: Any) -> None:
    probe = {"httpGet": {"path": "/", "port": value}}
    assert validate(pod({"containers": [container(livenessProbe=probe)]})) == []


@pytest.mark.parametrize("value", ["100m", 1, 0.5, "1Gi"])
def test_quantities_accept_strings_and_numbers(value: Any) -> None:
    resources = {"limits": {"cpu": value}, "requests": {"memory": value}}
    assert validate(pod({"containers": [container(resources=resources)]})) == []


def test_integer_field_takes_any_number() -> None:
    assert validate(pod({"containers": [container()], "priority": 1.5})) == []


def test_boolean_field_rejects_numbers_and_strings() -> None:
    manifest = pod({"containers": [container()], "hostNetwork": 1, "hostPID": "true"})
    assert validate(manifest) == [
        'ValidationError(Pod.spec.hostNetwork): invalid type for '
        'io.k8s.api.core.v1.PodSpec.hostNetwork: got "integer", expected "boolean"',
        'ValidationError(Pod.spec.hostPID): invalid type for io.k8s.api.core.v1.PodSpec.hostPID: '
        'got "string", expected "boolean"',
    ]


def test_structure_mismatches() -> None:
    manifest = pod({"containers": [container(args="hello", image={"a": "b"}, ports={})]})
    assert validate(manifest) == [
        'ValidationError(Pod.spec.containers[0].args): invalid type for '
        'io.k8s.api.core.v1.Container.args: got "string", expected "array"',
        'ValidationError(Pod.spec.containers[0].image): invalid type for '
        'io.k8s.api.core.v1.Container.image: got "map", expected "string"',
        'ValidationError(Pod.spec.containers[0].ports): invalid type for '
        'io.k8s.api.core.v1.Container.ports: got "map", expected "array"',
    ]


def test_array_where_an_object_belongs() -> None:
    manifest = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": []}
    assert validate(manifest) == [
        'ValidationError(Pod.spec): invalid type for io.k8s.api.core.v1.PodSpec: '
        'got "array", expected "map"',
    ]


def test_int_or_string_rejects_a_map_under_its_own_name() -> None:
    svc = load(KUBIA_SVC)
    svc["spec"]["ports"][0]["targetPort"] = {"port": 8080}
    assert validate(svc) == [
        'ValidationError(Service.spec.ports[0].targetPort): invalid type for '
        'io.k8s.apimachinery.pkg.util.intstr.IntOrString: got "map", expected "string"',
    ]


def test_null_entries_in_maps_and_lists() -> None:
    manifest = pod({"containers": [container(args=["a", None])]}, labels={"app": None})
    assert validate(manifest) == [
        'unknown object type "nil" in Pod.metadata.labels.app',
        'ValidationError(Pod.spec.containers[0].args): unknown object type "nil" in '
        "Pod.spec.containers[0].args[1]",
    ]


def test_error_order_is_sorted_keys_then_required_fields() -> None:
    manifest = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "kubia"},
        "spec": {"zzz": 1, "replicas": "3", "aaa": 1},
    }
    assert validate(manifest) == [
        'ValidationError(Deployment.spec): unknown field "aaa" in '
        "io.k8s.api.apps.v1.DeploymentSpec",
        'ValidationError(Deployment.spec.replicas): invalid type for '
        'io.k8s.api.apps.v1.DeploymentSpec.replicas: got "string", expected "integer"',
        'ValidationError(Deployment.spec): unknown field "zzz" in '
        "io.k8s.api.apps.v1.DeploymentSpec",
        'ValidationError(Deployment.spec): missing required field "selector" in '
        "io.k8s.api.apps.v1.DeploymentSpec",
        'ValidationError(Deployment.spec): missing required field "template" in '
        "io.k8s.api.apps.v1.DeploymentSpec",
    ]


# --- what happens before the walk ------------------------------------------------------------


def test_unserved_versions_are_not_validated() -> None:
    manifest = load(KUBIA_DEPLOYMENT)
    manifest["apiVersion"] = "apps/v1beta1"
    manifest["spec"]["bogus"] = True
    assert validate(manifest) == []


def test_kind_and_api_version_must_be_strings() -> None:
    assert validate({"apiVersion": 1, "kind": ["Pod"]}) == [
        "apiVersion isn't string type", "kind isn't string type",
    ]
    assert validate({"apiVersion": "a/b/c", "kind": "Pod"}) == [
        "unexpected GroupVersion string: a/b/c",
    ]
    assert validate(["not", "an", "object"]) == ["invalid object to validate"]


def test_list_items_are_validated_each() -> None:
    bad_svc = load(KUBIA_SVC)
    bad_svc["spec"]["bogus"] = 1
    manifest = {"apiVersion": "v1", "kind": "List",
                "items": [load(KUBIA_RC), bad_svc, {"kind": "Pod"}]}
    assert validate(manifest) == [
        'ValidationError(Service.spec): unknown field "bogus" in io.k8s.api.core.v1.ServiceSpec',
        "apiVersion not set",
    ]
    assert validate({"apiVersion": "v1", "kind": "List"}) == ["invalid object to validate"]


def test_validation_is_fast_after_first_load() -> None:
    schemas.load()
    manifest = load(REQUESTS_POD)
    validate(manifest)
    best = min(_timed(manifest) for _ in range(5))
    assert best < 0.020


def _timed(manifest: Any) -> float:
    started = time.perf_counter()
    validate(manifest)
    return time.perf_counter() - started
