"""Server-side defaulting of the book's objects, field by field, against what v1.20 stores."""

from __future__ import annotations

import copy
import textwrap
from typing import Any

import pytest
import yaml

from kubia_tutor.api.defaulting import (
    SERVICE_ACCOUNT_MOUNT_PATH,
    apply_defaults,
    apply_job_selector,
    image_pull_policy,
    pod_qos_class,
    service_account_token_volume,
)

Obj = dict[str, Any]


def y(text: str) -> Any:
    """A YAML literal, indented however reads best in the test."""
    return yaml.safe_load(textwrap.dedent(text))


def defaulted(kind: str, manifest: str) -> Obj:
    obj: Obj = y(manifest)
    apply_defaults(kind, obj)
    return obj


# What every container gets, and every pod template's spec.
CONTAINER_DEFAULTS = {
    "resources": {},
    "terminationMessagePath": "/dev/termination-log",
    "terminationMessagePolicy": "File",
}
TEMPLATE_SPEC_DEFAULTS = {
    "dnsPolicy": "ClusterFirst",
    "restartPolicy": "Always",
    "schedulerName": "default-scheduler",
    "securityContext": {},
    "terminationGracePeriodSeconds": 30,
}
FAILED_NODE_TOLERATIONS = y("""
    - effect: NoExecute
      key: node.kubernetes.io/not-ready
      operator: Exists
      tolerationSeconds: 300
    - effect: NoExecute
      key: node.kubernetes.io/unreachable
      operator: Exists
      tolerationSeconds: 300
""")


# Pods ------------------------------------------------------------------------------------------

KUBIA_MANUAL = """
    apiVersion: v1
    kind: Pod
    metadata:
      name: kubia-manual
    spec:
      containers:
      - image: taodaling/kubia
        name: kubia
        ports:
        - containerPort: 8080
          protocol: TCP
"""

# `kubectl get pod kubia-f9fgt -o yaml` in the seed notes (a pod of the same image and port):
# only the spec, which is what defaulting decides.
SEED_KUBIA_POD_SPEC = """
    containers:
    - image: taodaling/kubia
      imagePullPolicy: Always
      name: kubia
      ports:
      - containerPort: 8080
        protocol: TCP
      resources: {}
      terminationMessagePath: /dev/termination-log
      terminationMessagePolicy: File
      volumeMounts:
      - mountPath: /var/run/secrets/kubernetes.io/serviceaccount
        name: default-token-b22sj
        readOnly: true
    dnsPolicy: ClusterFirst
    enableServiceLinks: true
    nodeName: minikube
    priority: 0
    restartPolicy: Always
    schedulerName: default-scheduler
    securityContext: {}
    serviceAccount: default
    serviceAccountName: default
    terminationGracePeriodSeconds: 30
    tolerations:
    - effect: NoExecute
      key: node.kubernetes.io/not-ready
      operator: Exists
      tolerationSeconds: 300
    - effect: NoExecute
      key: node.kubernetes.io/unreachable
      operator: Exists
      tolerationSeconds: 300
    volumes:
    - name: default-token-b22sj
      secret:
        defaultMode: 420
        secretName: default-token-b22sj
"""


def _admitted_pod(manifest: str, token_secret: str = "default-token-b22sj") -> Obj:
    """A pod as the server stores it: admission's token volume, then defaulting."""
    pod: Obj = y(manifest)
    service_account_token_volume(pod, token_secret)
    apply_defaults("Pod", pod)
    return pod


def test_kubia_manual_pod_field_by_field() -> None:
    pod = _admitted_pod(KUBIA_MANUAL)
    spec = pod["spec"]
    (container,) = spec["containers"]
    assert container == {
        "image": "taodaling/kubia",
        "imagePullPolicy": "Always",
        "name": "kubia",
        "ports": [{"containerPort": 8080, "protocol": "TCP"}],
        **CONTAINER_DEFAULTS,
        "volumeMounts": [{"mountPath": SERVICE_ACCOUNT_MOUNT_PATH,
                          "name": "default-token-b22sj", "readOnly": True}],
    }
    for key, value in TEMPLATE_SPEC_DEFAULTS.items():
        assert spec[key] == value, key
    assert spec["enableServiceLinks"] is True
    assert spec["priority"] == 0
    assert spec["preemptionPolicy"] == "PreemptLowerPriority"
    assert spec["serviceAccount"] == spec["serviceAccountName"] == "default"
    assert spec["tolerations"] == FAILED_NODE_TOLERATIONS
    assert spec["volumes"] == [{"name": "default-token-b22sj",
                                "secret": {"defaultMode": 420,
                                           "secretName": "default-token-b22sj"}}]
    assert pod["status"] == {"phase": "Pending", "qosClass": "BestEffort"}
    assert pod["metadata"] == {"name": "kubia-manual"}


def test_kubia_manual_pod_matches_the_seed_transcript() -> None:
    spec = _admitted_pod(KUBIA_MANUAL)["spec"]
    seed = y(SEED_KUBIA_POD_SPEC)
    # The scheduler sets nodeName later; the seed's cluster predates preemptionPolicy, which
    # 1.20's Priority admission adds.
    del seed["nodeName"]
    assert spec.pop("preemptionPolicy") == "PreemptLowerPriority"
    assert spec == seed


def test_liveness_probe_timings_and_http_get() -> None:
    pod = defaulted("Pod", """
        spec:
          containers:
          - image: luksa/kubia-unhealthy
            name: kubia
            livenessProbe:
              httpGet:
                port: 8080
            readinessProbe:
              exec:
                command: [ls, /var/ready]
              periodSeconds: 1
            lifecycle:
              preStop:
                httpGet:
                  path: /shutdown
                  port: 8080
    """)
    container = pod["spec"]["containers"][0]
    assert container["livenessProbe"] == {
        "failureThreshold": 3, "periodSeconds": 10, "successThreshold": 1, "timeoutSeconds": 1,
        "httpGet": {"path": "/", "port": 8080, "scheme": "HTTP"},
    }
    assert container["readinessProbe"] == {
        "exec": {"command": ["ls", "/var/ready"]}, "failureThreshold": 3, "periodSeconds": 1,
        "successThreshold": 1, "timeoutSeconds": 1,
    }
    assert container["lifecycle"]["preStop"]["httpGet"] == {
        "path": "/shutdown", "port": 8080, "scheme": "HTTP"}


def test_volumes_of_the_storage_chapter() -> None:
    pod = defaulted("Pod", """
        spec:
          containers:
          - image: luksa/fortune:env
            name: html-generator
            env:
            - name: POD_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
            - name: CPU_LIMIT
              valueFrom:
                resourceFieldRef:
                  resource: limits.cpu
            - name: INTERVAL
              valueFrom:
                configMapKeyRef:
                  name: fortune-config
                  key: sleep-interval
          volumes:
          - name: html
            emptyDir: {}
          - name: scratch
          - name: config
            configMap:
              name: fortune-config
          - name: certs
            secret:
              secretName: fortune-https
              defaultMode: 256
          - name: downward
            downwardAPI:
              items:
              - path: podName
                fieldRef:
                  fieldPath: metadata.name
          - name: logs
            hostPath:
              path: /var/log
          - name: token
            projected:
              sources:
              - serviceAccountToken:
                  path: token
          - name: data
            persistentVolumeClaim:
              claimName: mongodb-pvc
    """)
    env = pod["spec"]["containers"][0]["env"]
    assert env[0]["valueFrom"] == {"fieldRef": {"apiVersion": "v1",
                                                "fieldPath": "metadata.name"}}
    assert env[1]["valueFrom"] == {"resourceFieldRef": {"divisor": "0",
                                                        "resource": "limits.cpu"}}
    assert env[2]["valueFrom"] == {"configMapKeyRef": {"name": "fortune-config",
                                                       "key": "sleep-interval"}}
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    assert volumes["html"] == {"name": "html", "emptyDir": {}}
    assert volumes["scratch"] == {"name": "scratch", "emptyDir": {}}
    assert volumes["config"]["configMap"] == {"name": "fortune-config", "defaultMode": 420}
    assert volumes["certs"]["secret"] == {"secretName": "fortune-https", "defaultMode": 256}
    assert volumes["downward"]["downwardAPI"] == {
        "defaultMode": 420,
        "items": [{"path": "podName",
                   "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}],
    }
    assert volumes["logs"]["hostPath"] == {"path": "/var/log", "type": ""}
    assert volumes["token"]["projected"] == {
        "defaultMode": 420,
        "sources": [{"serviceAccountToken": {"expirationSeconds": 3600, "path": "token"}}],
    }
    assert volumes["data"] == {"name": "data",
                               "persistentVolumeClaim": {"claimName": "mongodb-pvc"}}


@pytest.mark.parametrize(("image", "policy"), [
    ("luksa/kubia", "Always"),
    ("luksa/kubia:latest", "Always"),
    ("luksa/kubia:v1", "IfNotPresent"),
    ("nginx:alpine", "IfNotPresent"),
    ("docker.io/library/busybox", "Always"),
    ("localhost:5000/kubia", "Always"),
    ("localhost:5000/kubia:v2", "IfNotPresent"),
    ("busybox@sha256:" + "a" * 64, "IfNotPresent"),
    ("busybox:latest@sha256:" + "a" * 64, "Always"),
    ("", "IfNotPresent"),
])
def test_image_pull_policy(image: str, policy: str) -> None:
    assert image_pull_policy(image) == policy


def test_explicit_pull_policy_and_fields_are_kept() -> None:
    pod = defaulted("Pod", """
        spec:
          restartPolicy: Never
          dnsPolicy: Default
          terminationGracePeriodSeconds: 0
          enableServiceLinks: false
          serviceAccountName: kubia
          containers:
          - image: luksa/kubia
            name: kubia
            imagePullPolicy: Never
    """)
    spec = pod["spec"]
    assert spec["containers"][0]["imagePullPolicy"] == "Never"
    assert spec["restartPolicy"] == "Never"
    assert spec["dnsPolicy"] == "Default"
    assert spec["terminationGracePeriodSeconds"] == 0
    assert spec["enableServiceLinks"] is False
    assert spec["serviceAccount"] == spec["serviceAccountName"] == "kubia"


def test_deprecated_service_account_field_fills_the_new_one() -> None:
    pod = defaulted("Pod", "spec: {serviceAccount: foo, containers: [{name: c, image: i}]}")
    assert pod["spec"]["serviceAccountName"] == pod["spec"]["serviceAccount"] == "foo"


def test_existing_toleration_of_any_key_stops_the_defaults() -> None:
    pod = defaulted("Pod", """
        spec:
          containers: [{name: c, image: i}]
          tolerations:
          - key: node.kubernetes.io/unreachable
            operator: Exists
            effect: NoExecute
            tolerationSeconds: 10
    """)
    assert pod["spec"]["tolerations"] == [
        {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
         "tolerationSeconds": 10},
        FAILED_NODE_TOLERATIONS[0],
    ]
    everything = defaulted("Pod", "spec: {containers: [{name: c, image: i}], "
                                  "tolerations: [{operator: Exists}]}")
    assert everything["spec"]["tolerations"] == [{"operator": "Exists"}]


def test_system_priority_class_resolves_without_a_lookup() -> None:
    pod = defaulted("Pod", "spec: {priorityClassName: system-node-critical, "
                           "containers: [{name: c, image: i}]}")
    assert pod["spec"]["priority"] == 2000001000
    assert pod["spec"]["preemptionPolicy"] == "PreemptLowerPriority"


def test_host_network_turns_container_ports_into_host_ports() -> None:
    pod = defaulted("Pod", """
        spec:
          hostNetwork: true
          containers:
          - name: main
            image: luksa/kubia
            ports: [{containerPort: 8080}]
    """)
    assert pod["spec"]["containers"][0]["ports"] == [
        {"containerPort": 8080, "hostPort": 8080, "protocol": "TCP"}]


def test_pod_requests_default_to_limits_and_qos_follows() -> None:
    pod = defaulted("Pod", """
        spec:
          containers:
          - name: main
            image: busybox
            resources:
              limits: {cpu: 300m, memory: 200Mi}
    """)
    resources = pod["spec"]["containers"][0]["resources"]
    assert resources == {"limits": {"cpu": "300m", "memory": "200Mi"},
                         "requests": {"cpu": "300m", "memory": "200Mi"}}
    assert pod["status"]["qosClass"] == "Guaranteed"


@pytest.mark.parametrize(("containers", "qos"), [
    ("[{name: a, image: i}]", "BestEffort"),
    ("[{name: a, image: i, resources: {requests: {cpu: 200m}}}]", "Burstable"),
    ("[{name: a, image: i, resources: {limits: {cpu: 1}}}]", "Burstable"),
    ("[{name: a, image: i, resources: {limits: {cpu: 1, memory: 1Gi}}}]", "Guaranteed"),
    ("[{name: a, image: i, resources: {limits: {cpu: '1', memory: 1Gi}, "
     "requests: {cpu: 1000m, memory: 1024Mi}}}]", "Guaranteed"),
    ("[{name: a, image: i, resources: {limits: {cpu: 1, memory: 1Gi}, "
     "requests: {cpu: 500m}}}]", "Burstable"),
    ("[{name: a, image: i, resources: {limits: {cpu: 1, memory: 1Gi}}}, {name: b, image: i}]",
     "Burstable"),
    # Only cpu and memory count, and a zero request is no request.
    ("[{name: a, image: i, resources: {requests: {ephemeral-storage: 1Gi}}}]", "BestEffort"),
    ("[{name: a, image: i, resources: {requests: {cpu: '0'}}}]", "BestEffort"),
])
def test_qos_class(containers: str, qos: str) -> None:
    assert pod_qos_class({"spec": {"containers": y(containers)}}) == qos


def test_qos_counts_init_containers() -> None:
    pod = {"spec": {"containers": [{"name": "a"}],
                    "initContainers": [{"name": "b", "resources": {"requests": {"memory": "1"}}}]}}
    assert pod_qos_class(pod) == "Burstable"


# Service account token volume ------------------------------------------------------------------


def test_token_volume_skips_containers_that_mount_the_path_and_reuses_a_volume() -> None:
    pod: Obj = y(f"""
        spec:
          initContainers: [{{name: init, image: i}}]
          containers:
          - name: own
            image: i
            volumeMounts: [{{name: mine, mountPath: {SERVICE_ACCOUNT_MOUNT_PATH}}}]
          - name: plain
            image: i
          volumes:
          - name: existing
            secret: {{secretName: default-token-abcde}}
    """)
    assert service_account_token_volume(pod, "default-token-abcde") == "existing"
    spec = pod["spec"]
    assert spec["initContainers"][0]["volumeMounts"] == [
        {"mountPath": SERVICE_ACCOUNT_MOUNT_PATH, "name": "existing", "readOnly": True}]
    assert spec["containers"][0]["volumeMounts"] == [
        {"name": "mine", "mountPath": SERVICE_ACCOUNT_MOUNT_PATH}]
    assert spec["containers"][1]["volumeMounts"][0]["name"] == "existing"
    assert len(spec["volumes"]) == 1


def test_token_volume_name_is_made_unique_and_automount_false_is_honoured() -> None:
    pod: Obj = y("""
        spec:
          containers: [{name: c, image: i}]
          volumes: [{name: default-token-abcde, emptyDir: {}}]
    """)
    name = service_account_token_volume(pod, "default-token-abcde")
    assert name is not None and name.startswith("default-token-abcde-")
    assert pod["spec"]["volumes"][1] == {
        "name": name, "secret": {"defaultMode": 420, "secretName": "default-token-abcde"}}

    opted_out: Obj = y("spec: {automountServiceAccountToken: false, containers: [{name: c}]}")
    before = copy.deepcopy(opted_out)
    assert service_account_token_volume(opted_out, "default-token-abcde") is None
    assert opted_out == before


# Controllers -----------------------------------------------------------------------------------

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
           image: taodaling/kubia
           ports:
           - containerPort: 8080
"""


def _template_container(image: str, name: str, **extra: Any) -> Obj:
    return {"image": image, "imagePullPolicy": image_pull_policy(image), "name": name,
            **CONTAINER_DEFAULTS, **extra}


def test_kubia_replication_controller() -> None:
    rc = defaulted("ReplicationController", KUBIA_RC)
    assert rc["metadata"] == {"name": "kubia", "labels": {"app": "kubia"}}
    assert rc["spec"] == {
        "replicas": 3,
        "selector": {"app": "kubia"},
        "template": {
            "metadata": {"creationTimestamp": None, "labels": {"app": "kubia"}},
            "spec": {
                "containers": [_template_container(
                    "taodaling/kubia", "kubia",
                    ports=[{"containerPort": 8080, "protocol": "TCP"}])],
                **TEMPLATE_SPEC_DEFAULTS,
            },
        },
    }
    assert rc["status"] == {"replicas": 0}


def test_replication_controller_selector_and_replicas_come_from_defaults() -> None:
    rc = defaulted("ReplicationController", """
        metadata: {name: kubia, labels: {tier: web}}
        spec:
          template:
            metadata: {labels: {app: kubia}}
            spec: {containers: [{name: kubia, image: luksa/kubia}]}
    """)
    assert rc["spec"]["selector"] == {"app": "kubia"}
    assert rc["spec"]["replicas"] == 1
    assert rc["metadata"]["labels"] == {"tier": "web"}


def test_pod_only_defaults_stay_out_of_templates() -> None:
    template_spec = defaulted("ReplicationController", KUBIA_RC)["spec"]["template"]["spec"]
    for pod_only in ("enableServiceLinks", "priority", "preemptionPolicy", "tolerations",
                     "serviceAccountName", "serviceAccount"):
        assert pod_only not in template_spec
    limited = defaulted("ReplicaSet", """
        spec:
          selector: {matchLabels: {app: kubia}}
          template:
            metadata: {labels: {app: kubia}}
            spec:
              containers:
              - {name: kubia, image: luksa/kubia, resources: {limits: {cpu: 100m}}}
    """)
    assert limited["spec"]["template"]["spec"]["containers"][0]["resources"] == {
        "limits": {"cpu": "100m"}}


def test_kubia_replica_set() -> None:
    rs = defaulted("ReplicaSet", """
        apiVersion: apps/v1
        kind: ReplicaSet
        metadata: {name: kubia}
        spec:
          selector:
            matchExpressions: [{key: app, operator: In, values: [kubia]}]
          template:
            metadata: {labels: {app: kubia}}
            spec: {containers: [{name: kubia, image: luksa/kubia}]}
    """)
    assert rs["spec"]["replicas"] == 1
    assert rs["spec"]["template"]["metadata"]["creationTimestamp"] is None
    assert rs["status"] == {"replicas": 0}
    assert "labels" not in rs["metadata"]


KUBIA_DEPLOYMENT = """
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: kubia
    spec:
      replicas: 3
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
          - image: luksa/kubia:v1
            name: nodejs
"""


def test_kubia_deployment() -> None:
    deployment = defaulted("Deployment", KUBIA_DEPLOYMENT)
    assert deployment["spec"] == {
        "replicas": 3,
        "selector": {"matchLabels": {"app": "kubia"}},
        "strategy": {"type": "RollingUpdate",
                     "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
        "revisionHistoryLimit": 10,
        "progressDeadlineSeconds": 600,
        "template": {
            "metadata": {"name": "kubia", "creationTimestamp": None, "labels": {"app": "kubia"}},
            "spec": {"containers": [_template_container("luksa/kubia:v1", "nodejs")],
                     **TEMPLATE_SPEC_DEFAULTS},
        },
    }
    assert deployment["status"] == {}
    assert "labels" not in deployment["metadata"]


def test_deployment_strategy_variants() -> None:
    recreate = defaulted("Deployment", "spec: {strategy: {type: Recreate}, replicas: 0}")
    assert recreate["spec"]["strategy"] == {"type": "Recreate"}
    assert recreate["spec"]["replicas"] == 0
    partial = defaulted("Deployment", "spec: {strategy: {rollingUpdate: {maxUnavailable: 0}}}")
    assert partial["spec"]["strategy"] == {
        "type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}}


def test_ssd_monitor_daemon_set() -> None:
    daemon_set = defaulted("DaemonSet", """
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: ssd-monitor}
        spec:
          selector: {matchLabels: {app: ssd-monitor}}
          template:
            metadata: {labels: {app: ssd-monitor}}
            spec:
              nodeSelector: {dist: ssd}
              containers: [{name: main, image: luksa/ssd-monitor}]
    """)
    spec = daemon_set["spec"]
    assert spec["updateStrategy"] == {"type": "RollingUpdate",
                                      "rollingUpdate": {"maxUnavailable": 1}}
    assert spec["revisionHistoryLimit"] == 10
    assert "replicas" not in spec
    assert spec["template"]["spec"]["nodeSelector"] == {"dist": "ssd"}
    assert daemon_set["status"] == {"currentNumberScheduled": 0, "desiredNumberScheduled": 0,
                                    "numberMisscheduled": 0, "numberReady": 0}


KUBIA_STATEFUL_SET = """
    apiVersion: apps/v1
    kind: StatefulSet
    metadata:
      name: kubia
    spec:
      serviceName: kubia
      replicas: 2
      selector:
        matchLabels:
          app: kubia
      template:
        metadata:
          labels:
            app: kubia
        spec:
          containers:
          - name: kubia
            image: luksa/kubia-pet
            ports:
            - name: http
              containerPort: 8080
            volumeMounts:
            - name: data
              mountPath: /var/data
      volumeClaimTemplates:
      - metadata:
          name: data
        spec:
          storageClassName: fast
          resources:
            requests:
              storage: 1Mi
          accessModes:
          - ReadWriteOnce
"""


def test_kubia_stateful_set_with_volume_claim_templates() -> None:
    stateful_set = defaulted("StatefulSet", KUBIA_STATEFUL_SET)
    spec = stateful_set["spec"]
    assert spec["replicas"] == 2
    assert spec["podManagementPolicy"] == "OrderedReady"
    assert spec["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}
    assert spec["revisionHistoryLimit"] == 10
    assert spec["serviceName"] == "kubia"
    assert spec["template"]["metadata"] == {"creationTimestamp": None, "labels": {"app": "kubia"}}
    assert spec["template"]["spec"] == {
        "containers": [_template_container(
            "luksa/kubia-pet", "kubia",
            ports=[{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
            volumeMounts=[{"name": "data", "mountPath": "/var/data"}])],
        **TEMPLATE_SPEC_DEFAULTS,
    }
    # What `kubectl get sts -o yaml` prints on 1.20: no apiVersion/kind in the claim templates.
    assert spec["volumeClaimTemplates"] == y("""
        - metadata:
            creationTimestamp: null
            name: data
          spec:
            accessModes:
            - ReadWriteOnce
            resources:
              requests:
                storage: 1Mi
            storageClassName: fast
            volumeMode: Filesystem
          status:
            phase: Pending
    """)
    assert stateful_set["status"] == {"replicas": 0}


def test_stateful_set_explicit_strategies() -> None:
    on_delete = defaulted("StatefulSet", "spec: {updateStrategy: {type: OnDelete}}")
    assert on_delete["spec"]["updateStrategy"] == {"type": "OnDelete"}
    explicit = defaulted("StatefulSet", "spec: {updateStrategy: {type: RollingUpdate}, "
                                        "podManagementPolicy: Parallel}")
    assert explicit["spec"]["updateStrategy"] == {"type": "RollingUpdate"}
    assert explicit["spec"]["podManagementPolicy"] == "Parallel"


# Jobs ------------------------------------------------------------------------------------------

BATCH_JOB = """
    apiVersion: batch/v1
    kind: Job
    metadata:
      name: batch-job
      uid: 5a3a8a4e-3f4e-4c55-b5a9-0a1b2c3d4e5f
    spec:
      template:
        metadata:
          labels:
            app: batch-job
        spec:
          restartPolicy: OnFailure
          containers:
          - name: main
            image: luksa/batch-job
"""
JOB_UID = "5a3a8a4e-3f4e-4c55-b5a9-0a1b2c3d4e5f"


def _created_job(manifest: str) -> Obj:
    """The server's order: admission generates the selector, then defaulting."""
    job: Obj = y(manifest)
    apply_job_selector(job)
    apply_defaults("Job", job)
    return job


def test_batch_job() -> None:
    job = _created_job(BATCH_JOB)
    assert job["metadata"]["labels"] == {"app": "batch-job"}
    assert job["spec"] == {
        "backoffLimit": 6,
        "completions": 1,
        "parallelism": 1,
        "selector": {"matchLabels": {"controller-uid": JOB_UID}},
        "template": {
            "metadata": {"creationTimestamp": None,
                         "labels": {"app": "batch-job", "controller-uid": JOB_UID,
                                    "job-name": "batch-job"}},
            "spec": {"containers": [_template_container("luksa/batch-job", "main")],
                     **TEMPLATE_SPEC_DEFAULTS, "restartPolicy": "OnFailure"},
        },
    }
    assert job["status"] == {}


def test_selector_order_does_not_matter() -> None:
    first: Obj = y(BATCH_JOB)
    apply_defaults("Job", first)
    apply_job_selector(first)
    assert first == _created_job(BATCH_JOB)


def test_job_without_template_labels_is_labelled_with_the_generated_ones() -> None:
    job = _created_job("""
        metadata: {name: batch-job, uid: u-1}
        spec:
          template:
            spec:
              restartPolicy: Never
              containers: [{name: main, image: luksa/batch-job}]
    """)
    assert job["metadata"]["labels"] == {"controller-uid": "u-1", "job-name": "batch-job"}
    assert job["spec"]["template"]["metadata"]["labels"] == job["metadata"]["labels"]


def test_job_parallelism_and_manual_selector() -> None:
    job = _created_job("""
        metadata: {name: batch-job-more, uid: u-2}
        spec:
          completions: 5
          manualSelector: true
          selector: {matchLabels: {app: batch-job-more}}
          template:
            metadata: {labels: {app: batch-job-more}}
            spec: {restartPolicy: OnFailure, containers: [{name: main, image: luksa/batch-job}]}
    """)
    assert job["spec"]["completions"] == 5
    assert job["spec"]["parallelism"] == 1
    assert job["spec"]["selector"] == {"matchLabels": {"app": "batch-job-more"}}
    assert job["spec"]["template"]["metadata"]["labels"] == {"app": "batch-job-more"}
    only_parallelism = defaulted("Job", "spec: {parallelism: 3}")
    assert "completions" not in only_parallelism["spec"]


def test_cron_job() -> None:
    cron_job = defaulted("CronJob", """
        apiVersion: batch/v1beta1
        kind: CronJob
        metadata:
          name: batch-job-every-fifteen-minutes
        spec:
          schedule: "0,15,30,45 * * * *"
          jobTemplate:
            spec:
              template:
                metadata:
                  labels:
                    app: periodic-batch-job
                spec:
                  restartPolicy: OnFailure
                  containers:
                  - name: main
                    image: luksa/batch-job
    """)
    spec = cron_job["spec"]
    assert spec["concurrencyPolicy"] == "Allow"
    assert spec["suspend"] is False
    assert spec["successfulJobsHistoryLimit"] == 3
    assert spec["failedJobsHistoryLimit"] == 1
    assert spec["schedule"] == "0,15,30,45 * * * *"
    job_template = spec["jobTemplate"]
    assert job_template["metadata"] == {"creationTimestamp": None}
    # A job template gets no Job defaults: those belong to the Job kind.
    assert set(job_template["spec"]) == {"template"}
    template = job_template["spec"]["template"]
    assert template["metadata"] == {"creationTimestamp": None,
                                    "labels": {"app": "periodic-batch-job"}}
    assert template["spec"] == {"containers": [_template_container("luksa/batch-job", "main")],
                                **TEMPLATE_SPEC_DEFAULTS, "restartPolicy": "OnFailure"}
    assert cron_job["status"] == {}


# Services and the rest -------------------------------------------------------------------------


def test_kubia_cluster_ip_service() -> None:
    service = defaulted("Service", """
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
    """)
    # 1.20 leaves IPv6DualStack off: no ipFamilies or ipFamilyPolicy.
    assert service["spec"] == {
        "ports": [{"port": 80, "protocol": "TCP", "targetPort": 8080}],
        "selector": {"app": "kubia"},
        "sessionAffinity": "None",
        "type": "ClusterIP",
    }
    assert service["status"] == {"loadBalancer": {}}


def test_kubia_node_port_service() -> None:
    service = defaulted("Service", """
        apiVersion: v1
        kind: Service
        metadata:
          name: kubia-nodeport
        spec:
          type: NodePort
          clusterIP: 10.111.254.223
          ports:
          - port: 80
            targetPort: 8080
            nodePort: 30123
          selector:
            app: kubia
    """)
    assert service["spec"] == {
        "clusterIP": "10.111.254.223",
        "clusterIPs": ["10.111.254.223"],
        "externalTrafficPolicy": "Cluster",
        "ports": [{"nodePort": 30123, "port": 80, "protocol": "TCP", "targetPort": 8080}],
        "selector": {"app": "kubia"},
        "sessionAffinity": "None",
        "type": "NodePort",
    }


def test_service_target_port_session_affinity_and_headless() -> None:
    service = defaulted("Service", """
        spec:
          clusterIP: None
          sessionAffinity: ClientIP
          ports:
          - {name: http, port: 80}
          - {name: https, port: 443, targetPort: https}
    """)
    spec = service["spec"]
    assert spec["ports"] == [
        {"name": "http", "port": 80, "protocol": "TCP", "targetPort": 80},
        {"name": "https", "port": 443, "protocol": "TCP", "targetPort": "https"},
    ]
    assert spec["sessionAffinityConfig"] == {"clientIP": {"timeoutSeconds": 10800}}
    assert spec["clusterIPs"] == ["None"]
    assert "externalTrafficPolicy" not in spec
    external = defaulted("Service", "spec: {type: ExternalName, "
                                    "externalName: someapi.somecompany.com}")
    assert external["spec"] == {"externalName": "someapi.somecompany.com",
                                "sessionAffinity": "None", "type": "ExternalName"}
    balanced = defaulted("Service", "spec: {type: LoadBalancer, ports: [{port: 80}]}")
    assert balanced["spec"]["externalTrafficPolicy"] == "Cluster"


def test_endpoints_ports_get_tcp() -> None:
    endpoints = defaulted("Endpoints", """
        subsets:
        - addresses: [{ip: 11.11.11.11}, {ip: 22.22.22.22}]
          ports: [{port: 80}]
    """)
    assert endpoints["subsets"][0]["ports"] == [{"port": 80, "protocol": "TCP"}]


def test_namespace_finalizer_is_added_on_create_only() -> None:
    namespace = defaulted("Namespace", "metadata: {name: custom-namespace}")
    assert namespace["spec"] == {"finalizers": ["kubernetes"]}
    assert namespace["status"] == {"phase": "Active"}
    assert "labels" not in namespace["metadata"]
    # The namespace controller removes the finalizer by update; it must not come back.
    namespace["spec"]["finalizers"] = []
    namespace["status"]["phase"] = "Terminating"
    apply_defaults("Namespace", namespace)
    assert namespace["spec"] == {"finalizers": []}


def test_persistent_volume_and_claim() -> None:
    volume = defaulted("PersistentVolume", """
        apiVersion: v1
        kind: PersistentVolume
        metadata: {name: mongodb-pv}
        spec:
          capacity: {storage: 1Gi}
          accessModes: [ReadWriteOnce, ReadOnlyMany]
          hostPath: {path: /tmp/mongodb}
    """)
    assert volume["spec"]["persistentVolumeReclaimPolicy"] == "Retain"
    assert volume["spec"]["volumeMode"] == "Filesystem"
    assert volume["spec"]["hostPath"] == {"path": "/tmp/mongodb", "type": ""}
    assert volume["status"] == {"phase": "Pending"}
    claim = defaulted("PersistentVolumeClaim", """
        metadata: {name: mongodb-pvc}
        spec:
          resources: {requests: {storage: 1Gi}}
          accessModes: [ReadWriteOnce]
          storageClassName: ""
    """)
    assert claim["spec"] == {"accessModes": ["ReadWriteOnce"],
                             "resources": {"requests": {"storage": "1Gi"}},
                             "storageClassName": "", "volumeMode": "Filesystem"}
    assert claim["status"] == {"phase": "Pending"}


@pytest.mark.parametrize(("kind", "manifest", "expected"), [
    ("Secret", "data: {foo: YmFyCg==}", {"data": {"foo": "YmFyCg=="}, "type": "Opaque"}),
    ("Secret", "type: kubernetes.io/tls", {"type": "kubernetes.io/tls"}),
    ("ConfigMap", "data: {sleep-interval: '25'}", {"data": {"sleep-interval": "25"}}),
    ("StorageClass", "provisioner: k8s.io/minikube-hostpath",
     {"provisioner": "k8s.io/minikube-hostpath", "reclaimPolicy": "Delete",
      "volumeBindingMode": "Immediate"}),
    ("PriorityClass", "value: 1000", {"value": 1000, "preemptionPolicy": "PreemptLowerPriority"}),
    ("ResourceQuota", "spec: {hard: {pods: '10'}}", {"spec": {"hard": {"pods": "10"}},
                                                     "status": {}}),
    ("RoleBinding",
     "roleRef: {kind: Role, name: service-reader}\n"
     "subjects: [{kind: ServiceAccount, name: default, namespace: foo}, {kind: User, name: jo}]",
     {"roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                  "name": "service-reader"},
      "subjects": [{"kind": "ServiceAccount", "name": "default", "namespace": "foo"},
                   {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "jo"}]}),
    ("NetworkPolicy", "spec: {podSelector: {}, egress: [{ports: [{port: 53}]}]}",
     {"spec": {"podSelector": {}, "egress": [{"ports": [{"port": 53, "protocol": "TCP"}]}],
               "policyTypes": ["Ingress", "Egress"]}}),
    ("Node", "status: {capacity: {cpu: '2', pods: '110'}}",
     {"spec": {}, "status": {"capacity": {"cpu": "2", "pods": "110"},
                             "allocatable": {"cpu": "2", "pods": "110"}}}),
])
def test_small_kinds(kind: str, manifest: str, expected: Obj) -> None:
    assert defaulted(kind, manifest) == expected


def test_horizontal_pod_autoscaler_defaults() -> None:
    hpa = defaulted("HorizontalPodAutoscaler", """
        spec:
          maxReplicas: 5
          scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: kubia}
    """)
    assert hpa["spec"]["minReplicas"] == 1
    assert hpa["spec"]["metrics"] == [{"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]
    assert hpa["status"] == {"currentReplicas": 0, "desiredReplicas": 0}
    given = defaulted("HorizontalPodAutoscaler", "spec: {minReplicas: 2, metrics: [{type: Pods}]}")
    assert given["spec"] == {"minReplicas": 2, "metrics": [{"type": "Pods"}]}


def test_limit_range_container_items_fill_defaults_from_max_and_min() -> None:
    limit_range = defaulted("LimitRange", """
        spec:
          limits:
          - type: Pod
            max: {cpu: '1'}
          - type: Container
            max: {cpu: '1', memory: 1Gi}
            min: {cpu: 50m, memory: 5Mi}
            default: {cpu: 200m}
    """)
    pod_item, container_item = limit_range["spec"]["limits"]
    assert pod_item == {"type": "Pod", "max": {"cpu": "1"}}
    assert container_item["default"] == {"cpu": "200m", "memory": "1Gi"}
    assert container_item["defaultRequest"] == {"cpu": "200m", "memory": "1Gi"}


def test_unknown_kinds_are_left_alone() -> None:
    assert defaulted("ServiceAccount", "metadata: {name: foo}") == {"metadata": {"name": "foo"}}


# Robustness ------------------------------------------------------------------------------------

IDEMPOTENCE_CASES = [
    ("Pod", KUBIA_MANUAL),
    ("ReplicationController", KUBIA_RC),
    ("Deployment", KUBIA_DEPLOYMENT),
    ("StatefulSet", KUBIA_STATEFUL_SET),
    ("Job", BATCH_JOB),
    ("Namespace", "metadata: {name: custom-namespace}"),
    ("Service", "spec: {clusterIP: None, ports: [{port: 80}], sessionAffinity: ClientIP}"),
]


@pytest.mark.parametrize(("kind", "manifest"), IDEMPOTENCE_CASES)
def test_defaulting_twice_changes_nothing(kind: str, manifest: str) -> None:
    # The server defaults again on every update.
    once = defaulted(kind, manifest)
    twice = copy.deepcopy(once)
    apply_defaults(kind, twice)
    assert twice == once


@pytest.mark.parametrize("kind", ["Pod", "Deployment", "StatefulSet", "Job", "CronJob",
                                  "Service", "Namespace", "PersistentVolume", "Node"])
@pytest.mark.parametrize("manifest", [
    {}, {"spec": None}, {"spec": "oops"}, {"spec": {"containers": "oops", "volumes": [1, None]}},
    {"spec": {"template": {"spec": {"containers": [None, {"ports": "x", "resources": 3}]}}}},
    {"status": []},
])
def test_malformed_objects_do_not_crash(kind: str, manifest: Obj) -> None:
    apply_defaults(kind, copy.deepcopy(manifest))


def test_explicit_nulls_count_as_unset() -> None:
    deployment = defaulted("Deployment", "spec: {replicas: null, strategy: null, "
                                         "template: {spec: {securityContext: null}}}")
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"]["type"] == "RollingUpdate"
    assert deployment["spec"]["template"]["spec"]["securityContext"] == {}
