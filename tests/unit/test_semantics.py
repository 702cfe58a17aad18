"""Semantic validation: the book's manifests pass, and mistakes get a v1.20 server's exact 422."""

from __future__ import annotations

import copy
import textwrap
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.semantics import (
    RULES,
    cron_schedule_error,
    go_label_selector,
    validate_create,
    validate_update,
)

Obj = dict[str, Any]

SUBDOMAIN_RULE = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    r"for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
LABEL_RULE = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
DNS1035_RULE = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
    "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")


def y(text: str) -> Obj:
    """A YAML manifest literal, indented however reads best in the test."""
    obj: Obj = yaml.safe_load(textwrap.dedent(text))
    return obj


def failure(kind: str, obj: Obj, old: Obj | None = None) -> ApiError:
    with pytest.raises(ApiError) as info:
        if old is None:
            validate_create(kind, obj)
        else:
            validate_update(kind, old, obj)
    assert info.value.code == 422
    assert info.value.reason == "Invalid"
    return info.value


def causes(kind: str, obj: Obj, old: Obj | None = None) -> list[str]:
    err = failure(kind, obj, old)
    return [f"{c['field']}: {c['message']}" for c in err.details["causes"]]


def edited(obj: Obj, path: str, value: Any) -> Obj:
    """A copy of `obj` with the dotted path set (`spec.containers.0.image`); None deletes."""
    out = copy.deepcopy(obj)
    *parents, last = path.split(".")
    node: Any = out
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    key: Any = int(last) if isinstance(node, list) else last
    if value is None:
        del node[key]
    else:
        node[key] = value
    return out


# The book's manifests -----------------------------------------------------------------------------

POD = y("""
    apiVersion: v1
    kind: Pod
    metadata:
      name: kubia-manual
      namespace: default
      labels: {creation_method: manual, env: prod}
    spec:
      containers:
      - image: luksa/kubia
        name: kubia
        ports:
        - containerPort: 8080
          protocol: TCP
""")
RC = y("""
    apiVersion: v1
    kind: ReplicationController
    metadata: {name: kubia}
    spec:
      replicas: 3
      selector: {app: kubia}
      template:
        metadata:
          labels: {app: kubia}
        spec:
          containers:
          - name: kubia
            image: luksa/kubia
            ports: [{containerPort: 8080}]
""")
RS = y("""
    apiVersion: apps/v1
    kind: ReplicaSet
    metadata: {name: kubia}
    spec:
      replicas: 3
      selector:
        matchExpressions:
        - {key: app, operator: In, values: [kubia]}
      template:
        metadata:
          labels: {app: kubia}
        spec:
          containers:
          - {name: kubia, image: luksa/kubia}
""")
DEPLOYMENT = y("""
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: kubia}
    spec:
      replicas: 3
      minReadySeconds: 10
      strategy:
        rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
        type: RollingUpdate
      selector:
        matchLabels: {app: kubia}
      template:
        metadata:
          name: kubia
          labels: {app: kubia}
        spec:
          containers:
          - image: luksa/kubia:v3
            name: nodejs
            readinessProbe:
              periodSeconds: 1
              httpGet: {path: /, port: 8080}
""")
DAEMON_SET = y("""
    apiVersion: apps/v1
    kind: DaemonSet
    metadata: {name: ssd-monitor}
    spec:
      selector:
        matchLabels: {app: ssd-monitor}
      template:
        metadata:
          labels: {app: ssd-monitor}
        spec:
          nodeSelector: {disk: ssd}
          containers:
          - {name: main, image: luksa/ssd-monitor}
""")
STATEFUL_SET = y("""
    apiVersion: apps/v1
    kind: StatefulSet
    metadata: {name: kubia}
    spec:
      serviceName: kubia
      replicas: 2
      selector:
        matchLabels: {app: kubia}
      template:
        metadata:
          labels: {app: kubia}
        spec:
          containers:
          - name: kubia
            image: luksa/kubia-pet
            volumeMounts: [{name: data, mountPath: /var/data}]
      volumeClaimTemplates:
      - metadata: {name: data}
        spec:
          resources: {requests: {storage: 1Mi}}
          accessModes: [ReadWriteOnce]
""")
JOB = y("""
    apiVersion: batch/v1
    kind: Job
    metadata: {name: batch-job}
    spec:
      template:
        metadata:
          labels: {app: batch-job}
        spec:
          restartPolicy: OnFailure
          containers:
          - {name: main, image: luksa/batch-job}
""")
CRON_JOB = y("""
    apiVersion: batch/v1beta1
    kind: CronJob
    metadata: {name: batch-job-every-fifteen-minutes}
    spec:
      schedule: "0,15,30,45 * * * *"
      jobTemplate:
        spec:
          template:
            metadata:
              labels: {app: periodic-batch-job}
            spec:
              restartPolicy: OnFailure
              containers:
              - {name: main, image: luksa/batch-job}
""")
SERVICE = y("""
    apiVersion: v1
    kind: Service
    metadata: {name: kubia}
    spec:
      ports:
      - {port: 80, targetPort: 8080}
      selector: {app: kubia}
""")
NODE_PORT = y("""
    apiVersion: v1
    kind: Service
    metadata: {name: kubia-nodeport}
    spec:
      type: NodePort
      ports:
      - {port: 80, targetPort: 8080, nodePort: 30123}
      selector: {app: kubia}
""")
CONFIG_MAP = y("""
    apiVersion: v1
    kind: ConfigMap
    metadata: {name: fortune-config}
    data: {sleep-interval: "25", my-nginx-config.conf: "server {}"}
""")
SECRET = y("""
    apiVersion: v1
    kind: Secret
    metadata: {name: fortune-https}
    type: kubernetes.io/tls
    data: {tls.crt: Y2VydA==, tls.key: a2V5}
""")
PV = y("""
    apiVersion: v1
    kind: PersistentVolume
    metadata: {name: mongodb-pv}
    spec:
      capacity: {storage: 1Gi}
      accessModes: [ReadWriteOnce, ReadOnlyMany]
      persistentVolumeReclaimPolicy: Retain
      hostPath: {path: /tmp/mongodb}
""")
PVC = y("""
    apiVersion: v1
    kind: PersistentVolumeClaim
    metadata: {name: mongodb-pvc}
    spec:
      resources: {requests: {storage: 1Gi}}
      accessModes: [ReadWriteOnce]
      storageClassName: ""
""")
VOLUMES_POD = y("""
    apiVersion: v1
    kind: Pod
    metadata: {name: fortune}
    spec:
      containers:
      - image: luksa/fortune:env
        name: html-generator
        env:
        - name: INTERVAL
          valueFrom:
            configMapKeyRef: {name: fortune-config, key: sleep-interval}
        volumeMounts: [{name: html, mountPath: /var/htdocs}]
        resources:
          requests: {cpu: 200m, memory: 10Mi}
          limits: {cpu: "1", memory: 20Mi}
        livenessProbe:
          exec: {command: [cat, /tmp/healthy]}
      - image: nginx:alpine
        name: web-server
        volumeMounts:
        - {name: html, mountPath: /usr/share/nginx/html, readOnly: true}
        - {name: config, mountPath: /etc/nginx/conf.d}
      volumes:
      - name: html
        emptyDir: {}
      - name: config
        configMap: {name: fortune-config}
""")

BOOK = [("Pod", POD), ("ReplicationController", RC), ("ReplicaSet", RS),
        ("Deployment", DEPLOYMENT), ("DaemonSet", DAEMON_SET), ("StatefulSet", STATEFUL_SET),
        ("Job", JOB), ("CronJob", CRON_JOB), ("Service", SERVICE), ("Service", NODE_PORT),
        ("ConfigMap", CONFIG_MAP), ("Secret", SECRET), ("PersistentVolume", PV),
        ("PersistentVolumeClaim", PVC), ("Pod", VOLUMES_POD),
        ("Namespace", {"metadata": {"name": "custom-namespace"}})]


@pytest.mark.parametrize(("kind", "obj"), BOOK, ids=[f"{k}-{o['metadata']['name']}"
                                                     for k, o in BOOK])
def test_book_manifests_pass(kind: str, obj: Obj) -> None:
    validate_create(kind, obj)
    validate_update(kind, obj, copy.deepcopy(obj))


def test_every_kind_in_the_brief_has_rules() -> None:
    assert set(RULES) == {"Pod", "ReplicationController", "ReplicaSet", "Deployment",
                          "DaemonSet", "StatefulSet", "Job", "CronJob", "Service", "ConfigMap",
                          "Secret", "Namespace", "PersistentVolume", "PersistentVolumeClaim"}


# Messages as kubectl shows them -----------------------------------------------------------------


def test_one_cause_message() -> None:
    err = failure("Pod", edited(POD, "spec.containers.0.image", ""))
    assert err.message == 'Pod "kubia-manual" is invalid: spec.containers[0].image: Required value'
    assert err.details["kind"] == "Pod"
    assert err.details["name"] == "kubia-manual"


def test_several_causes_message() -> None:
    err = failure("pods", edited(edited(POD, "metadata.name", "Kubia"),
                                 "spec.containers.0.image", ""))
    assert err.message == (
        'Pod "Kubia" is invalid: \n'
        f'* metadata.name: Invalid value: "Kubia": {SUBDOMAIN_RULE}\n'
        "* spec.containers[0].image: Required value")


# Metadata ----------------------------------------------------------------------------------------


def test_name_required() -> None:
    assert causes("ConfigMap", {"metadata": {}}) == [
        "metadata.name: Required value: name or generateName is required"]


def test_generate_name_is_checked_as_a_prefix() -> None:
    validate_create("Pod", edited(edited(POD, "metadata.name", None),
                                  "metadata.generateName", "kubia-"))
    assert causes("Pod", edited(edited(POD, "metadata.name", None),
                                "metadata.generateName", "Kubia-")) == [
        f'metadata.generateName: Invalid value: "Kubia-": {SUBDOMAIN_RULE}']


@pytest.mark.parametrize(("kind", "name", "rule"), [
    ("Pod", "kubia_manual", SUBDOMAIN_RULE),
    ("Deployment", "Kubia", SUBDOMAIN_RULE),
    ("Namespace", "custom.namespace", LABEL_RULE),
    ("Service", "1kubia", DNS1035_RULE),
    ("Service", "kubia.svc", DNS1035_RULE),
])
def test_name_rules_per_kind(kind: str, name: str, rule: str) -> None:
    obj = {"metadata": {"name": name}, "spec": {"ports": [{"port": 80}]}}
    assert f'metadata.name: Invalid value: "{name}": {rule}' in causes(kind, obj)


def test_long_names() -> None:
    name = "a" * 254
    assert causes("ConfigMap", {"metadata": {"name": name}}) == [
        f'metadata.name: Invalid value: "{name}": must be no more than 253 characters']
    assert causes("Service", {"metadata": {"name": "a" * 64}, "spec": {"ports": [{"port": 1}]}}) \
        == [f'metadata.name: Invalid value: "{"a" * 64}": must be no more than 63 characters']


def test_path_segment_names_for_rbac() -> None:
    validate_create("Role", {"metadata": {"name": "system:Reader"}})
    assert causes("Role", {"metadata": {"name": "a/b"}}) == [
        "metadata.name: Invalid value: \"a/b\": may not contain '/'"]


def test_namespace_name_of_a_namespaced_object() -> None:
    assert causes("Pod", edited(POD, "metadata.namespace", "Foo")) == [
        f'metadata.namespace: Invalid value: "Foo": {LABEL_RULE}']


def test_labels_and_annotations() -> None:
    pod = edited(POD, "metadata.labels", {"app": "-x", "Bad Key": "v"})
    pod = edited(pod, "metadata.annotations", {"Example.com/Note": "ok", "a//b": "x"})
    assert causes("Pod", pod) == [
        'metadata.labels: Invalid value: "Bad Key": name part must consist of alphanumeric '
        "characters, '-', '_' or '.', and must start and end with an alphanumeric character "
        "(e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
        "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
        'metadata.labels: Invalid value: "-x": a valid label must be an empty string or consist '
        "of alphanumeric characters, '-', '_' or '.', and must start and end with an "
        "alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for "
        "validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
        'metadata.annotations: Invalid value: "a//b": a qualified name must consist of '
        "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
        "character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
        "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and "
        "'/' (e.g. 'example.com/MyName')",
    ]


def test_annotation_size_limit() -> None:
    pod = edited(POD, "metadata.annotations", {"big": "x" * (256 * 1024)})
    assert causes("Pod", pod) == [
        "metadata.annotations: Too long: must have at most 262144 bytes"]


def test_other_kinds_get_metadata_checks_only() -> None:
    validate_create("Ingress", {"metadata": {"name": "kubia"}, "spec": {"whatever": 1}})
    assert causes("ingresses", {"metadata": {"name": "Kubia"}}) == [
        f'metadata.name: Invalid value: "Kubia": {SUBDOMAIN_RULE}']


# Pods --------------------------------------------------------------------------------------------


def test_containers_required() -> None:
    assert causes("Pod", edited(POD, "spec.containers", [])) == ["spec.containers: Required value"]


def test_container_rules() -> None:
    pod = edited(POD, "spec.restartPolicy", "Foo")
    pod["spec"]["containers"].append({"name": "kubia", "image": "x",
                                      "ports": [{"containerPort": 70000, "protocol": "tcp"}]})
    pod["spec"]["containers"].append({"name": "Web_Server", "image": " nginx"})
    pod["spec"]["containers"].append({"image": "busybox"})
    assert causes("Pod", pod) == [
        'spec.containers[1].name: Duplicate value: "kubia"',
        "spec.containers[1].ports[0].containerPort: Invalid value: 70000: must be between 1 and "
        "65535, inclusive",
        'spec.containers[1].ports[0].protocol: Unsupported value: "tcp": supported values: '
        '"SCTP", "TCP", "UDP"',
        f'spec.containers[2].name: Invalid value: "Web_Server": {LABEL_RULE}',
        "spec.containers[3].name: Required value",
        'spec.restartPolicy: Unsupported value: "Foo": supported values: "Always", "OnFailure", '
        '"Never"',
        'spec.containers[2].image: Invalid value: " nginx": must not have leading or trailing '
        "whitespace",
    ]


def test_port_names_env_and_pull_policy() -> None:
    ctr = POD["spec"]["containers"][0]
    pod = edited(POD, "spec.containers.0", {
        **ctr, "imagePullPolicy": "Sometimes",
        "ports": [{"containerPort": 8080, "name": "HTTP"}, {"containerPort": 8081, "name": "1"}],
        "env": [{"name": "1ST"}, {"name": "", "value": "x"},
                {"name": "A", "value": "x", "valueFrom": {"fieldRef": {"fieldPath": "x"}}}]})
    assert causes("Pod", pod) == [
        'spec.containers[0].ports[0].name: Invalid value: "HTTP": must contain only '
        "alpha-numeric characters (a-z, 0-9), and hyphens (-)",
        'spec.containers[0].ports[0].name: Invalid value: "HTTP": must contain at least one '
        "letter (a-z)",
        'spec.containers[0].ports[1].name: Invalid value: "1": must contain at least one letter '
        "(a-z)",
        'spec.containers[0].env[0].name: Invalid value: "1ST": a valid environment variable name '
        "must consist of alphabetic characters, digits, '_', '-', or '.', and must not start "
        "with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for "
        "validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')",
        "spec.containers[0].env[1].name: Required value",
        'spec.containers[0].env[2].valueFrom: Invalid value: "": may not be specified when '
        "`value` is not empty",
        'spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: '
        '"Always", "IfNotPresent", "Never"',
    ]


def test_volumes_and_mounts() -> None:
    pod = copy.deepcopy(VOLUMES_POD)
    pod["spec"]["volumes"] += [{"name": "html", "emptyDir": {}}, {"name": "nothing"},
                               {"name": "both", "emptyDir": {}, "secret": {"secretName": "s"}},
                               {"name": "hp", "hostPath": {}}]
    pod["spec"]["containers"][1]["volumeMounts"].append({"name": "missing", "mountPath": "/x"})
    pod["spec"]["containers"][1]["volumeMounts"].append({"name": "html", "mountPath": "/x"})
    assert causes("Pod", pod) == [
        'spec.volumes[2].name: Duplicate value: "html"',
        "spec.volumes[3]: Required value: must specify a volume type",
        "spec.volumes[4].secret: Forbidden: may not specify more than 1 volume type",
        "spec.volumes[5].hostPath.path: Required value",
        'spec.containers[1].volumeMounts[2].name: Not found: "missing"',
        'spec.containers[1].volumeMounts[3].mountPath: Invalid value: "/x": must be unique',
    ]


def test_probes() -> None:
    ctr = POD["spec"]["containers"][0]
    pod = edited(POD, "spec.containers.0", {
        **ctr,
        "livenessProbe": {"httpGet": {"port": 0}, "successThreshold": 2},
        "readinessProbe": {"initialDelaySeconds": -1},
        "startupProbe": {"exec": {"command": []}, "tcpSocket": {"port": "http"}},
    })
    assert causes("Pod", pod) == [
        "spec.containers[0].livenessProbe.httpGet.port: Invalid value: 0: must be between 1 and "
        "65535, inclusive",
        "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1",
        "spec.containers[0].readinessProbe: Required value: must specify a handler type",
        "spec.containers[0].readinessProbe.initialDelaySeconds: Invalid value: -1: must be "
        "greater than or equal to 0",
        "spec.containers[0].startupProbe.tcpSocket: Forbidden: may not specify more than 1 "
        "handler type",
        "spec.containers[0].startupProbe.exec.command: Required value",
    ]


def test_resources() -> None:
    ctr = POD["spec"]["containers"][0]
    pod = edited(POD, "spec.containers.0", {
        **ctr, "resources": {"requests": {"cpu": "2", "memory": "-1Mi", "gpu": "1"},
                             "limits": {"cpu": "1000m"}}})
    assert causes("Pod", pod) == [
        'spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard '
        "resource for containers",
        'spec.containers[0].resources.requests[memory]: Invalid value: "-1Mi": must be greater '
        "than or equal to 0",
        'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal '
        "to cpu limit",
    ]


def test_pod_level_fields() -> None:
    pod = edited(POD, "spec.activeDeadlineSeconds", 0)
    pod = edited(pod, "spec.dnsPolicy", "Cluster")
    pod = edited(pod, "spec.nodeSelector", {"gpu": "true!"})
    pod = edited(pod, "spec.hostname", "Web")
    assert causes("Pod", pod) == [
        'spec.dnsPolicy: Unsupported value: "Cluster": supported values: '
        '"ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"',
        'spec.nodeSelector: Invalid value: "true!": a valid label must be an empty string or '
        "consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
        "alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for "
        "validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
        "spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, "
        "inclusive",
        f'spec.hostname: Invalid value: "Web": {LABEL_RULE}',
    ]


POD_UPDATE = (
    "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`, "
    "`spec.initContainers[*].image`, `spec.activeDeadlineSeconds` or `spec.tolerations` (only "
    "additions to existing tolerations)\n")


def test_pod_update_may_change_image_deadline_and_labels() -> None:
    new = edited(POD, "spec.containers.0.image", "luksa/kubia:v2")
    new = edited(new, "spec.activeDeadlineSeconds", 30)
    new = edited(new, "metadata.labels", {"env": "debug"})
    new = edited(new, "spec.tolerations", [{"key": "k", "operator": "Exists"}])
    validate_update("Pod", POD, new)


def test_pod_update_other_fields_forbidden() -> None:
    new = edited(POD, "spec.containers.0.ports.0.containerPort", 9090)
    new = edited(new, "spec.restartPolicy", "Never")
    (cause,) = causes("Pod", new, POD)
    assert cause == POD_UPDATE + (
        "  core.PodSpec{\n"
        "- \tContainers: {...},\n"
        "+ \tContainers: {...},\n"
        '- \tRestartPolicy: "Never",\n'
        "+ \tRestartPolicy: nil,\n"
        "  }\n")


def test_pod_update_container_count_and_deadline() -> None:
    more = copy.deepcopy(POD)
    more["spec"]["containers"].append({"name": "b", "image": "b"})
    assert causes("Pod", more, POD) == [
        "spec.containers: Forbidden: pod updates may not add or remove containers"]
    old = edited(POD, "spec.activeDeadlineSeconds", 30)
    assert causes("Pod", edited(POD, "spec.activeDeadlineSeconds", 60), old) == [
        "spec.activeDeadlineSeconds: Invalid value: 60: must be less than or equal to previous "
        "value"]
    assert causes("Pod", POD, old) == [
        'spec.activeDeadlineSeconds: Invalid value: "null": must not update from a positive '
        "integer to nil value"]


def test_pod_update_tolerations_only_grow() -> None:
    old = edited(POD, "spec.tolerations", [{"key": "k", "operator": "Exists",
                                            "effect": "NoExecute", "tolerationSeconds": 5}])
    validate_update("Pod", old, edited(old, "spec.tolerations.0.tolerationSeconds", 1))
    assert causes("Pod", edited(old, "spec.tolerations", []), old) == [
        "spec.tolerations: Forbidden: existing toleration can not be modified except its "
        "tolerationSeconds"]


def test_metadata_identity_is_immutable() -> None:
    new = edited(edited(POD, "metadata.namespace", "other"), "metadata.uid", "2")
    old = edited(POD, "metadata.uid", "1")
    assert causes("Pod", new, old) == [
        'metadata.namespace: Invalid value: "other": field is immutable',
        'metadata.uid: Invalid value: "2": field is immutable',
    ]


# Controllers -------------------------------------------------------------------------------------

MISMATCH = "`selector` does not match template `labels`"


def test_rc_selector_must_match_template() -> None:
    rc = edited(RC, "spec.template.metadata.labels", {"app": "x"})
    assert causes("ReplicationController", rc) == [
        'spec.template.metadata.labels: Invalid value: map[string]string{"app":"x"}: '
        f"{MISMATCH}"]


def test_rc_selector_defaults_from_template() -> None:
    validate_create("ReplicationController", edited(RC, "spec.selector", None))
    rc = edited(edited(RC, "spec.selector", None), "spec.template.metadata.labels", None)
    assert causes("ReplicationController", rc) == ["spec.selector: Required value"]
    assert causes("ReplicationController", edited(RC, "spec.template", None)) == [
        "spec.template: Required value"]


def test_rc_restart_policy_and_deadline() -> None:
    rc = edited(RC, "spec.template.spec.restartPolicy", "OnFailure")
    rc = edited(rc, "spec.template.spec.activeDeadlineSeconds", 10)
    rc = edited(rc, "spec.replicas", -1)
    assert causes("ReplicationController", rc) == [
        "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
        'spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: '
        '"Always"',
        "spec.template.spec.activeDeadlineSeconds: Invalid value: 10: activeDeadlineSeconds in "
        "ReplicationController is not Supported",
    ]


def test_template_labels_are_reported_at_the_servers_path() -> None:
    rc = edited(RC, "spec.template.metadata.labels", {"app": "kubia", "Bad!": "x"})
    assert causes("ReplicationController", rc)[0].startswith(
        'spec.template.labels: Invalid value: "Bad!": name part must consist of')


def test_deployment_without_selector() -> None:
    deployment = edited(DEPLOYMENT, "spec.selector", None)
    assert causes("Deployment", deployment) == [
        "spec.selector: Required value",
        'spec.template.metadata.labels: Invalid value: map[string]string{"app":"kubia"}: '
        f"{MISMATCH}",
    ]


def test_empty_and_invalid_selectors() -> None:
    assert causes("ReplicaSet", edited(RS, "spec.selector", {})) == [
        "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), "
        "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for "
        "deployment"]
    bad = edited(RS, "spec.selector.matchExpressions.0.operator", "Equals")
    assert causes("ReplicaSet", bad) == [
        'spec.selector.matchExpressions[0].operator: Invalid value: "Equals": not a valid '
        "selector operator",
        "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), "
        'MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"app", '
        'Operator:"Equals", Values:[]string{"kubia"}}}}: invalid label selector',
    ]


def test_deployment_strategy() -> None:
    both_zero = edited(DEPLOYMENT, "spec.strategy.rollingUpdate", {"maxSurge": 0,
                                                                   "maxUnavailable": "0%"})
    assert causes("Deployment", both_zero) == [
        "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, "
        'IntVal:0, StrVal:"0%"}: may not be 0 when `maxSurge` is 0']
    recreate = edited(DEPLOYMENT, "spec.strategy.type", "Recreate")
    assert causes("Deployment", recreate) == [
        "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is "
        "'Recreate'"]
    unknown = edited(DEPLOYMENT, "spec.strategy", {"type": "BlueGreen"})
    assert causes("Deployment", unknown) == [
        'spec.strategy: Unsupported value: apps.DeploymentStrategy{Type:"BlueGreen", '
        "RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}: supported values: \"Recreate\", "
        '"RollingUpdate"']
    # An unreadable percentage counts as 0, so the both-zero rule fires as well.
    assert causes("Deployment", edited(DEPLOYMENT, "spec.strategy.rollingUpdate.maxSurge",
                                       "1.5%")) == [
        "spec.strategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, "
        "IntVal:0, StrVal:\"1.5%\"}: a valid percent string must be a numeric string followed "
        "by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
        "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, "
        'IntVal:0, StrVal:""}: may not be 0 when `maxSurge` is 0']


def test_deployment_progress_deadline() -> None:
    deployment = edited(DEPLOYMENT, "spec.progressDeadlineSeconds", 10)
    assert causes("Deployment", deployment) == [
        "spec.progressDeadlineSeconds: Invalid value: 10: must be greater than minReadySeconds"]


@pytest.mark.parametrize(("kind", "obj"), [("ReplicaSet", RS), ("Deployment", DEPLOYMENT),
                                           ("DaemonSet", DAEMON_SET)])
def test_apps_selectors_are_immutable(kind: str, obj: Obj) -> None:
    new = copy.deepcopy(obj)
    new["spec"]["selector"] = {"matchLabels": {"app": "kubia", "rel": "beta"}}
    new["spec"]["template"]["metadata"]["labels"] = {"app": "kubia", "rel": "beta"}
    assert causes(kind, new, obj) == [
        f"spec.selector: Invalid value: {go_label_selector(new['spec']['selector'])}: field is "
        "immutable"]
    assert go_label_selector(new["spec"]["selector"]) == (
        'v1.LabelSelector{MatchLabels:map[string]string{"app":"kubia", "rel":"beta"}, '
        "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}")


def test_daemon_set_rules() -> None:
    ds = edited(DAEMON_SET, "spec.template.metadata.labels", {"app": "other"})
    ds = edited(ds, "spec.updateStrategy", {"type": "Never"})
    assert causes("DaemonSet", ds) == [
        'spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: '
        f"{MISMATCH}",
        'spec.updateStrategy: Unsupported value: apps.DaemonSetUpdateStrategy{Type:"Never", '
        'RollingUpdate:(*apps.RollingUpdateDaemonSet)(nil)}: supported values: "RollingUpdate", '
        '"OnDelete"',
    ]
    assert causes("DaemonSet", edited(DAEMON_SET, "spec.selector", {})) == [
        "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), "
        "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for "
        "daemonset"]


def test_stateful_set_rules() -> None:
    sts = edited(STATEFUL_SET, "spec.podManagementPolicy", "Random")
    sts = edited(sts, "spec.template.spec.restartPolicy", "Never")
    assert causes("StatefulSet", sts) == [
        "spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or "
        "'Parallel'",
        'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: '
        '"Always"',
    ]


def test_stateful_set_update() -> None:
    validate_update("StatefulSet", STATEFUL_SET, edited(STATEFUL_SET, "spec.replicas", 5))
    new = edited(STATEFUL_SET, "spec.serviceName", "other")
    assert causes("StatefulSet", new, STATEFUL_SET) == [
        "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', "
        "'template', and 'updateStrategy' are forbidden"]


def test_job_restart_policy_defaults_to_always() -> None:
    job = edited(JOB, "spec.template.spec.restartPolicy", None)
    assert causes("Job", job) == [
        'spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: '
        '"OnFailure", "Never"']


def test_job_selector() -> None:
    manual = edited(JOB, "spec.manualSelector", True)
    assert causes("Job", manual) == [
        "spec.selector: Required value",
        'spec.template.metadata.labels: Invalid value: map[string]string{"app":"batch-job"}: '
        f"{MISMATCH}",
    ]
    validate_create("Job", edited(manual, "spec.selector", {"matchLabels": {"app": "batch-job"}}))


def test_job_update() -> None:
    old = edited(edited(JOB, "spec.completions", 1),
                 "spec.selector", {"matchLabels": {"app": "batch-job"}})
    new = edited(edited(old, "spec.completions", 3), "spec.template.spec.containers.0.image", "x")
    assert causes("Job", new, old) == [
        "spec.completions: Invalid value: 3: field is immutable",
        "spec.template: Invalid value: core.PodTemplateSpec{...}: field is immutable",
    ]


def test_cron_job_rules() -> None:
    cron = edited(CRON_JOB, "spec.schedule", "0,15,30,45 * * *")
    cron = edited(cron, "spec.concurrencyPolicy", "Sometimes")
    cron = edited(cron, "spec.jobTemplate.spec.selector", {"matchLabels": {"a": "b"}})
    cron = edited(cron, "metadata.name", "c" * 53)
    assert causes("CronJob", cron) == [
        'spec.schedule: Invalid value: "0,15,30,45 * * *": Expected exactly 5 fields, found 4: '
        "0,15,30,45 * * *",
        'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", '
        '"Forbid", "Replace"',
        'spec.jobTemplate.spec.selector: Invalid value: v1.LabelSelector{MatchLabels:'
        'map[string]string{"a":"b"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: '
        "`selector` will be auto-generated",
        f'metadata.name: Invalid value: "{"c" * 53}": must be no more than 52 characters',
    ]
    assert causes("CronJob", edited(CRON_JOB, "spec.schedule", "")) == [
        "spec.schedule: Required value"]


def test_cron_job_name_length_is_a_create_rule() -> None:
    cron = edited(CRON_JOB, "metadata.name", "c" * 53)
    validate_update("CronJob", cron, copy.deepcopy(cron))


@pytest.mark.parametrize(("schedule", "error"), [
    ("*/15 * * * *", None),
    ("0 3 * * mon-fri", None),
    ("0 0 1 jan,jul *", None),
    ("@hourly", None),
    ("@every 1h30m", None),
    ("0 0 10 * * ?", "Expected exactly 5 fields, found 6: 0 0 10 * * ?"),
    ("*/0 * * * *", "Step of range should be a positive number: */0"),
    ("61 * * * *", "End of range (61) above maximum (59): 61"),
    ("* * 0 * *", "Beginning of range (0) below minimum (1): 0"),
    ("5-1 * * * *", "Beginning of range (5) beyond end of range (1): 5-1"),
    ("1-2-3 * * * *", "Too many hyphens: 1-2-3"),
    ("*/1/2 * * * *", "Too many slashes: */1/2"),
    ("*/* 24 * * *",
     'Failed to parse int from *: strconv.Atoi: parsing "*": invalid syntax'),
    ("-5 * * * *", 'Failed to parse int from : strconv.Atoi: parsing "": invalid syntax'),
    ("@fortnightly", "Unrecognized descriptor: @fortnightly"),
    ("@every 1d", 'Failed to parse duration @every 1d: time: unknown unit "d" in duration "1d"'),
    ("@every 5", 'Failed to parse duration @every 5: time: missing unit in duration "5"'),
])
def test_cron_schedules(schedule: str, error: str | None) -> None:
    assert cron_schedule_error(schedule) == error


# Services ----------------------------------------------------------------------------------------


def test_service_ports() -> None:
    assert causes("Service", edited(SERVICE, "spec.ports", None)) == [
        "spec.ports: Required value"]
    validate_create("Service", edited(edited(SERVICE, "spec.ports", None),
                                      "spec.clusterIP", "None"))
    svc = edited(SERVICE, "spec.ports", [{"port": 0, "targetPort": "http"},
                                         {"port": 80, "targetPort": 70000},
                                         {"name": "web", "port": 80}])
    assert causes("Service", svc) == [
        "spec.ports[0].name: Required value",
        "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
        "spec.ports[1].name: Required value",
        "spec.ports[1].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
        'spec.ports[2]: Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", '
        "AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, "
        'StrVal:""}, NodePort:0}',
    ]


def test_service_type_and_node_ports() -> None:
    assert causes("Service", edited(SERVICE, "spec.type", "Public")) == [
        'spec.type: Unsupported value: "Public": supported values: "ClusterIP", "ExternalName", '
        '"LoadBalancer", "NodePort"']
    assert causes("Service", edited(SERVICE, "spec.ports.0.nodePort", 30080)) == [
        "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]
    assert causes("Service", edited(NODE_PORT, "spec.ports.0.nodePort", 80)) == [
        "spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. "
        "The range of valid ports is 30000-32767"]
    assert causes("Service", edited(NODE_PORT, "spec.clusterIP", "None")) == [
        "spec.clusterIP: Invalid value: \"None\": may not be set to 'None' for NodePort services"]


def test_external_name_service() -> None:
    svc = y("""
        kind: Service
        metadata: {name: external-service}
        spec: {type: ExternalName, externalName: api.somecompany.com.}
    """)
    validate_create("Service", svc)
    assert causes("Service", edited(svc, "spec.externalName", None)) == [
        "spec.externalName: Required value"]
    assert causes("Service", edited(svc, "spec.clusterIP", "10.0.0.1")) == [
        "spec.clusterIP: Forbidden: must be empty for ExternalName services"]


def test_cluster_ip() -> None:
    assert causes("Service", edited(SERVICE, "spec.clusterIP", "10.0.0.300")) == [
        'spec.clusterIPs[0]: Invalid value: "10.0.0.300": must be a valid IP address, (e.g. '
        "10.9.8.7 or 2001:db8::ffff)"]
    old = edited(SERVICE, "spec.clusterIP", "10.96.0.5")
    # 1.20 refuses an update that leaves it out (carrying it forward came in 1.22)
    assert causes("Service", SERVICE, old) == [
        "spec.clusterIPs[0]: Invalid value: []string(nil): primary clusterIP can not be unset"]
    assert causes("Service", edited(SERVICE, "spec.clusterIP", "10.96.0.6"), old) == [
        'spec.clusterIPs[0]: Invalid value: []string{"10.96.0.6"}: may not change once set']


# Configuration and storage ----------------------------------------------------------------------


def test_config_map_keys() -> None:
    cm = edited(CONFIG_MAP, "data", {"bad key": "x", "..": "y", "..x": "z"})
    assert causes("ConfigMap", cm) == [
        "data[..]: Invalid value: \"..\": must not be '..'",
        "data[..x]: Invalid value: \"..x\": must not start with '..'",
        'data[bad key]: Invalid value: "bad key": a valid config key must consist of '
        "alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or "
        "'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    ]
    assert causes("ConfigMap", edited(CONFIG_MAP, "data", {"big": "x" * (1024 * 1024 + 1)})) == [
        "[]: Too long: must have at most 1048576 bytes"]


def test_immutable_config_map() -> None:
    old = edited(CONFIG_MAP, "immutable", True)
    new = edited(edited(old, "data.sleep-interval", "5"), "immutable", None)
    assert causes("ConfigMap", new, old) == [
        "immutable: Forbidden: field is immutable when `immutable` is set",
        "data: Forbidden: field is immutable when `immutable` is set",
    ]


def test_secret_rules() -> None:
    assert causes("Secret", edited(SECRET, "data", {"tls.crt": "eA=="})) == [
        "data[tls.key]: Required value"]
    secret = {"metadata": {"name": "s"}, "stringData": {"bad/key": "x"}}
    assert causes("Secret", secret)[0].startswith('data[bad/key]: Invalid value: "bad/key"')
    auth = {"metadata": {"name": "s"}, "type": "kubernetes.io/basic-auth", "data": {}}
    assert causes("Secret", auth) == ["data[%s][username]: Required value",
                                      "data[%s][password]: Required value"]
    assert causes("Secret", edited(SECRET, "type", "Opaque"), SECRET) == [
        'type: Invalid value: "Opaque": field is immutable']


def test_persistent_volume() -> None:
    pv = edited(PV, "spec.accessModes", ["ReadWriteOncee"])
    pv = edited(pv, "spec.hostPath", None)
    pv = edited(pv, "spec.capacity", {"storage": "0", "cpu": "1"})
    assert causes("PersistentVolume", pv) == [
        'spec.capacity: Unsupported value: core.ResourceList{"cpu":"1", "storage":"0"}: '
        'supported values: "storage"',
        'spec.capacity[storage]: Invalid value: "0": must be greater than zero',
        'spec.accessModes: Unsupported value: "ReadWriteOncee": supported values: '
        '"ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce"',
        "spec: Required value: must specify a volume type",
    ]
    moved = edited(PV, "spec.hostPath.path", "/elsewhere")
    (cause,) = causes("PersistentVolume", moved, PV)
    assert cause.startswith("spec.persistentvolumesource: Forbidden: spec.persistentvolumesource "
                            "is immutable after creation\n")


def test_persistent_volume_claim() -> None:
    pvc = edited(PVC, "spec.accessModes", None)
    pvc = edited(pvc, "spec.resources.requests", {})
    assert causes("PersistentVolumeClaim", pvc) == [
        "spec.accessModes: Required value: at least 1 access mode is required",
        "spec.resources[storage]: Required value",
    ]
    bound = edited(edited(PVC, "status.phase", "Bound"), "spec.volumeName", "mongodb-pv")
    validate_update("PersistentVolumeClaim", PVC, bound)  # binding fills volumeName once
    assert causes("PersistentVolumeClaim", edited(PVC, "spec.accessModes", ["ReadOnlyMany"]),
                  PVC) == [
        "spec: Forbidden: spec is immutable after creation except resources.requests for bound "
        "claims"]
    assert causes("PersistentVolumeClaim",
                  edited(bound, "spec.resources.requests.storage", "500Mi"), bound) == [
        "spec.resources.requests.storage: Forbidden: field can not be less than previous value"]


# Robustness --------------------------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 70000) | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(["name", "image", "ports", "selector", "matchLabels",
                                       "template", "metadata", "labels", "spec", "containers",
                                       "type", "data", "port", "key", "operator", "values"]),
                      inner, max_size=4),
    max_leaves=12)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(RULES)), JSON, JSON)
def test_garbage_gives_422_or_passes(kind: str, spec: Any, other: Any) -> None:
    obj = {"metadata": {"name": "x"}, "spec": spec, "data": other}
    old = {"metadata": {"name": "x"}, "spec": other}
    for check in (lambda: validate_create(kind, obj), lambda: validate_update(kind, old, obj)):
        try:
            check()
        except ApiError as err:
            assert err.code == 422
