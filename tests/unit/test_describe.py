"""`kubectl describe` layouts against the outputs of real kubectl v1.20.2.

Each v1.20.2 `describe-*.txt` golden gets the objects its output implies (names, labels,
timestamps chosen so ages match at NOW); the describer must reproduce it byte for byte. The
extra cases below were also checked against real kubectl 1.20.2 and a fake API server.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from golden import golden_names, load_golden

from kubia_tutor.shell.describe import DescribeContext, describe

NOW = datetime(2026, 11, 28, 6, 27, 30, tzinfo=UTC)
Obj = dict[str, Any]


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The goldens were captured in UTC; describe prints local time, so make local UTC."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def block(text: str) -> str:
    """Expected output as written below: a trailing `$` marks where trailing spaces end."""
    return "\n".join(line.removesuffix("$") for line in text.split("\n"))


def ago(seconds: float = 0, **kw: float) -> str:
    return (NOW - timedelta(seconds=seconds, **kw)).strftime("%Y-%m-%dT%H:%M:%SZ")


def ctx_for(objects: list[Obj], show_events: bool = True) -> DescribeContext:
    """A context over a fixed set of objects, matching events by involvedObject uid."""

    def events(obj: Obj) -> list[Obj]:
        uid = obj["metadata"].get("uid")
        return [o for o in objects
                if o["kind"] == "Event" and o["involvedObject"].get("uid") == uid]

    def list_objects(kind: str, ns: str | None) -> list[Obj]:
        return [o for o in objects
                if o["kind"] == kind and ns in (None, o["metadata"].get("namespace"))]

    def get_object(kind: str, ns: str | None, name: str) -> Obj | None:
        return next((o for o in list_objects(kind, ns) if o["metadata"]["name"] == name), None)

    return DescribeContext(NOW, events, list_objects, get_object, show_events)


def meta(name: str, uid: str, ns: str | None = "default", **extra: Any) -> Obj:
    return {"name": name, **({"namespace": ns} if ns else {}), "uid": uid, **extra}


def owner(kind: str, name: str, uid: str) -> Obj:
    return {"apiVersion": "apps/v1", "kind": kind, "name": name, "uid": uid, "controller": True}


def event(target: Obj, reason: str, message: str, source: str, first: str, last: str | None = None,
          count: int = 1, kind: str = "Normal") -> Obj:
    m = target["metadata"]
    return {"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": f"{m['name']}.{reason}", "namespace": m.get("namespace")},
            "involvedObject": {"kind": target["kind"], "name": m["name"], "uid": m["uid"],
                               "namespace": m.get("namespace", "")},
            "reason": reason, "message": message, "type": kind, "count": count,
            "firstTimestamp": first, "lastTimestamp": last or first,
            "source": {"component": source, "host": "minikube"}}


def container(name: str, image: str, **extra: Any) -> Obj:
    return {"name": name, "image": image, "ports": [{"containerPort": 8080, "protocol": "TCP"}],
            "resources": {}, **extra}


def template(labels: dict[str, str], image: str, **extra: Any) -> Obj:
    return {"metadata": {"creationTimestamp": None, "labels": labels},
            "spec": {"containers": [container("kubia", image, **extra)]}}


TOKEN = "default-token-xk2vj"
CONTAINER_ID = "docker://4b9a1f0e2f3c1d0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a"
DIGEST = "sha256:3f28e304dc0f63dc30f273a4202096f0fa0d08510bd2ee7e1032ce600616de24"
TOLERATIONS = [{"key": f"node.kubernetes.io/{k}", "operator": "Exists", "effect": "NoExecute",
                "tolerationSeconds": 300} for k in ("not-ready", "unreachable")]
READY = [{"type": t, "status": "True"}
         for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")]


def running_pod(name: str, image: str, created: str, started: str, **status: Any) -> Obj:
    mount = {"name": TOKEN, "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
             "readOnly": True}
    cstatus = {"name": "kubia", "ready": True, "restartCount": 0, "image": image,
               "imageID": f"docker-pullable://{image}@{DIGEST}", "containerID": CONTAINER_ID,
               "state": {"running": {"startedAt": started}}, **status}
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": meta(name, f"uid-{name}", creationTimestamp=created),
            "spec": {"priority": 0, "nodeName": "minikube", "tolerations": TOLERATIONS,
                     "containers": [container("kubia", image, volumeMounts=[mount])],
                     "volumes": [{"name": TOKEN, "secret": {"secretName": TOKEN,
                                                            "defaultMode": 420}}]},
            "status": {"phase": "Running", "hostIP": "192.168.99.100", "podIP": "172.17.0.4",
                       "podIPs": [{"ip": "172.17.0.4"}], "startTime": ago(minutes=137, seconds=29),
                       "conditions": READY, "containerStatuses": [cstatus]}}


def owned_pod(name: str, created: str, kind: str, owner_name: str, labels: dict[str, str]) -> Obj:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": meta(name, f"uid-{name}", labels=labels, creationTimestamp=created,
                             ownerReferences=[owner(kind, owner_name, f"uid-{owner_name}")]),
            "spec": {"nodeName": "minikube", "containers": [container("kubia", "luksa/kubia")]},
            "status": {"phase": "Running"}}


# --- the objects behind each golden ------------------------------------------------------------


def pod_golden() -> list[Obj]:
    pod = running_pod("kubia-manual", "luksa/kubia", ago(minutes=137, seconds=29),
                      "2026-11-28T04:10:08Z")
    pod["metadata"]["labels"] = {"creation_method": "manual", "env": "prod"}
    pod["status"]["startTime"] = "2026-11-28T04:10:01Z"
    steps = [("Pulling", 'Pulling image "luksa/kubia"'),
             ("Pulled", 'Successfully pulled image "luksa/kubia" in 6.412s'),
             ("Created", "Created container kubia"), ("Started", "Started container kubia")]
    return [pod, event(pod, "Scheduled", "Successfully assigned default/kubia-manual to minikube",
                       "default-scheduler", ago(minutes=137, seconds=20)),
            *(event(pod, reason, msg, "kubelet", ago(minutes=136, seconds=30 - i))
              for i, (reason, msg) in enumerate(steps))]


def liveness_golden() -> list[Obj]:
    pod = running_pod("kubia-liveness", "luksa/kubia-unhealthy", ago(minutes=9, seconds=15),
                      "2026-11-28T06:26:00Z", restartCount=2, lastState={"terminated": {
                          "exitCode": 137, "reason": "Error", "startedAt": "2026-11-28T06:23:00Z",
                          "finishedAt": "2026-11-28T06:25:59Z"}})
    pod["spec"]["containers"][0]["livenessProbe"] = {
        "httpGet": {"path": "/", "port": 8080, "scheme": "HTTP"}, "initialDelaySeconds": 15,
        "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}
    pod["status"].update(startTime="2026-11-28T06:17:46Z", podIP="172.17.0.8",
                         podIPs=[{"ip": "172.17.0.8"}])
    return [pod,
            event(pod, "Unhealthy", "Liveness probe failed: HTTP probe failed with statuscode: 500",
                  "kubelet", ago(minutes=7), ago(70), 9, "Warning"),
            event(pod, "Killing", "Container kubia failed liveness probe, will be restarted",
                  "kubelet", ago(minutes=6, seconds=40), ago(62), 3)]


def rc_golden() -> list[Obj]:
    rc = {"apiVersion": "v1", "kind": "ReplicationController",
          "metadata": meta("kubia", "uid-kubia", labels={"app": "kubia"},
                           creationTimestamp=ago(hours=5, seconds=10)),
          "spec": {"replicas": 3, "selector": {"app": "kubia"},
                   "template": template({"app": "kubia"}, "luksa/kubia")},
          "status": {"replicas": 3, "readyReplicas": 3, "availableReplicas": 3}}
    pods = [owned_pod(f"kubia-{s}", ago(hours=5), "ReplicationController", "kubia",
                      {"app": "kubia"}) for s in ("53thy", "k0xz6", "q3vkg")]
    return [rc, *pods, event(rc, "SuccessfulCreate", "Created pod: kubia-53thy",
                             "replication-controller", ago(hours=5, seconds=5))]


RS = "kubia-5d8b9f6c4"
RS_LABELS = {"app": "kubia", "pod-template-hash": "5d8b9f6c4"}


def deployment_objects() -> list[Obj]:
    deployment = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": meta("kubia", "uid-kubia", labels={"app": "kubia"},
                         annotations={"deployment.kubernetes.io/revision": "1"},
                         creationTimestamp="2026-11-28T05:27:00Z"),
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "kubia"}},
                 "template": template({"app": "kubia"}, "luksa/kubia:v1"),
                 "strategy": {"type": "RollingUpdate",
                              "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
                 "minReadySeconds": 10},
        "status": {"replicas": 3, "updatedReplicas": 3, "readyReplicas": 3, "availableReplicas": 3,
                   "conditions": [
                       {"type": "Available", "status": "True",
                        "reason": "MinimumReplicasAvailable"},
                       {"type": "Progressing", "status": "True",
                        "reason": "NewReplicaSetAvailable"}]}}
    annotations = {"deployment.kubernetes.io/desired-replicas": "3",
                   "deployment.kubernetes.io/max-replicas": "4",
                   "deployment.kubernetes.io/revision": "1"}
    rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
          "metadata": meta(RS, f"uid-{RS}", labels=RS_LABELS, annotations=annotations,
                           creationTimestamp="2026-11-28T05:27:00Z",
                           ownerReferences=[owner("Deployment", "kubia", "uid-kubia")]),
          "spec": {"replicas": 3, "selector": {"matchLabels": RS_LABELS},
                   "template": template(RS_LABELS, "luksa/kubia:v1")},
          "status": {"replicas": 3, "readyReplicas": 3, "availableReplicas": 3}}
    pods = [owned_pod(f"{RS}-{s}", ago(minutes=60, seconds=20), "ReplicaSet", RS, RS_LABELS)
            for s in ("abcde", "fghij", "klmno")]
    scaled = event(deployment, "ScalingReplicaSet", f"Scaled up replica set {RS} to 3",
                   "deployment-controller", ago(minutes=60, seconds=20))
    return [deployment, rs, *pods, scaled]


def service_objects() -> list[Obj]:
    def service(name: str, ip: str, **port: Any) -> Obj:
        return {"apiVersion": "v1", "kind": "Service",
                "metadata": meta(name, f"uid-{name}", creationTimestamp=ago(hours=3)),
                "spec": {"selector": {"app": "kubia"}, "clusterIP": ip, "clusterIPs": [ip],
                         "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
                         "sessionAffinity": "None", "type": "NodePort" if port else "ClusterIP",
                         "ports": [{"port": 80, "targetPort": 8080, "protocol": "TCP", **port}],
                         **({"externalTrafficPolicy": "Cluster"} if port else {})},
                "status": {"loadBalancer": {}}}

    def endpoints(name: str) -> Obj:
        ips = ("172.17.0.5", "172.17.0.6", "172.17.0.7", "172.17.0.9")
        return {"apiVersion": "v1", "kind": "Endpoints", "metadata": meta(name, f"uid-ep-{name}"),
                "subsets": [{"addresses": [{"ip": ip} for ip in ips],
                             "ports": [{"port": 8080, "protocol": "TCP"}]}]}

    return [service("kubia", "10.111.249.153"), endpoints("kubia"),
            service("kubia-nodeport", "10.111.254.223", nodePort=30123),
            endpoints("kubia-nodeport")]


def configmap_golden() -> list[Obj]:
    nginx = "server {\n    listen 80;\n    server_name www.kubia-example.com;\n}\n"
    # kubectl 1.20 prints the keys in Go map order; the stored order reproduces the capture.
    return [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta("fortune-config", "uid-cm"),
             "data": {"sleep-interval": "25", "my-nginx-config.conf": nginx}}]


def secret_golden() -> list[Obj]:
    def b64(size: int) -> str:
        return base64.b64encode(b"x" * size).decode()

    return [{"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
             "metadata": meta("fortune-https", "uid-secret"),
             "data": {"foo": b64(3), "https.cert": b64(1155), "https.key": b64(1675)}}]


NODE_LABELS = {"beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux",
               "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": "minikube",
               "kubernetes.io/os": "linux", "node-role.kubernetes.io/master": ""}
NODE_CONDITIONS = [
    ("MemoryPressure", "False", "KubeletHasSufficientMemory",
     "kubelet has sufficient memory available"),
    ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
]


def node_golden() -> list[Obj]:
    resources = {"cpu": "2", "ephemeral-storage": "17784752Ki", "hugepages-2Mi": "0",
                 "memory": "2038624Ki", "pods": "110"}
    info = {"machineID": "b1f2c3d4e5f60718293a4b5c6d7e8f90",
            "systemUUID": "B1F2C3D4-E5F6-0718-293A-4B5C6D7E8F90",
            "bootID": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "kernelVersion": "4.19.150",
            "osImage": "Buildroot 2020.02.8", "operatingSystem": "linux", "architecture": "amd64",
            "containerRuntimeVersion": "docker://19.3.13", "kubeletVersion": "v1.20.2",
            "kubeProxyVersion": "v1.20.2"}
    node = {"apiVersion": "v1", "kind": "Node",
            "metadata": meta("minikube", "uid-node", ns=None, labels=NODE_LABELS,
                             creationTimestamp="2026-11-19T05:27:01Z",
                             annotations={"node.alpha.kubernetes.io/ttl": "0",
                                          "volumes.kubernetes.io/controller-managed-attach-detach":
                                              "true"}),
            "spec": {"podCIDR": "10.244.0.0/24", "podCIDRs": ["10.244.0.0/24"]},
            "status": {"capacity": resources, "allocatable": resources, "nodeInfo": info,
                       "conditions": [{"type": t, "status": s, "reason": r, "message": m,
                                       "lastHeartbeatTime": "2026-11-28T06:26:31Z",
                                       "lastTransitionTime": "2026-11-19T06:27:01Z"}
                                      for t, s, r, m in NODE_CONDITIONS],
                       "addresses": [{"type": "InternalIP", "address": "192.168.99.100"},
                                     {"type": "Hostname", "address": "minikube"}]}}
    lease = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
             "metadata": meta("minikube", "uid-lease", ns="kube-node-lease"),
             "spec": {"holderIdentity": "minikube", "leaseDurationSeconds": 40,
                      "renewTime": "2026-11-28T06:26:56.000000Z"}}
    ages = [("kubia-manual", ago(minutes=137, seconds=29))]
    ages += [(f"kubia-{s}", ago(hours=5)) for s in ("53thy", "k0xz6", "q3vkg")]
    ages += [("kubia-liveness", ago(minutes=9, seconds=15))]
    ages += [(f"{RS}-{s}", ago(minutes=60, seconds=20)) for s in ("abcde", "fghij", "klmno")]
    ages += [(f"kubia-{i}", ago(minutes=30, seconds=29)) for i in (0, 1)]
    pods = [{"apiVersion": "v1", "kind": "Pod", "metadata": meta(n, n, creationTimestamp=c),
             "spec": {"nodeName": "minikube", "containers": [container("kubia", "luksa/kubia")]},
             "status": {"phase": "Running"}} for n, c in ages]
    done = {**pods[0], "metadata": meta("finished", "finished"), "status": {"phase": "Succeeded"}}
    return [node, lease, *pods, done]


def statefulset_golden() -> list[Obj]:
    mount = {"name": "data", "mountPath": "/var/data"}
    sts = {"apiVersion": "apps/v1", "kind": "StatefulSet",
           "metadata": meta("kubia", "uid-kubia", creationTimestamp="2026-11-28T05:57:01Z"),
           "spec": {"replicas": 2, "serviceName": "kubia",
                    "selector": {"matchLabels": {"app": "kubia"}},
                    "template": template({"app": "kubia"}, "luksa/kubia-pet", volumeMounts=[mount]),
                    "updateStrategy": {"type": "RollingUpdate",
                                       "rollingUpdate": {"partition": 0}},
                    "volumeClaimTemplates": [{
                        "metadata": {"name": "data", "creationTimestamp": None},
                        "spec": {"accessModes": ["ReadWriteOnce"],
                                 "resources": {"requests": {"storage": "1Mi"}},
                                 "volumeMode": "Filesystem"}}]},
           "status": {"replicas": 2, "readyReplicas": 2}}
    pods = [owned_pod(f"kubia-{i}", ago(minutes=30), "StatefulSet", "kubia", {"app": "kubia"})
            for i in (0, 1)]
    return [sts, *pods]


GOLDEN_CASES: dict[str, tuple[str, str, Callable[[], list[Obj]]]] = {
    "describe-pod.txt": ("Pod", "kubia-manual", pod_golden),
    "describe-pod-liveness-restarts.txt": ("Pod", "kubia-liveness", liveness_golden),
    "describe-rc.txt": ("ReplicationController", "kubia", rc_golden),
    "describe-rs.txt": ("ReplicaSet", RS, deployment_objects),
    "describe-deployment.txt": ("Deployment", "kubia", deployment_objects),
    "describe-service-clusterip.txt": ("Service", "kubia", service_objects),
    "describe-service-nodeport.txt": ("Service", "kubia-nodeport", service_objects),
    "describe-endpoints.txt": ("Endpoints", "kubia", service_objects),
    "describe-configmap.txt": ("ConfigMap", "fortune-config", configmap_golden),
    "describe-secret.txt": ("Secret", "fortune-https", secret_golden),
    "describe-node.txt": ("Node", "minikube", node_golden),
    "describe-statefulset.txt": ("StatefulSet", "kubia", statefulset_golden),
}
# Not a layout: the describe command's own NotFound error.
NOT_LAYOUTS = {"describe-notfound-error.txt"}


def describe_from(kind: str, name: str, objects: list[Obj], show_events: bool = True) -> str:
    target = next(o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name)
    return describe(kind, target, ctx_for(objects, show_events))


def test_every_describe_golden_has_a_case() -> None:
    names = set(golden_names(suffix=".txt"))
    assert {n for n in names if n.startswith("describe-")} == set(GOLDEN_CASES) | NOT_LAYOUTS


@pytest.mark.parametrize("golden", sorted(GOLDEN_CASES))
def test_golden(golden: str) -> None:
    kind, name, build = GOLDEN_CASES[golden]
    assert describe_from(kind, name, build()) == load_golden(golden).stdout



def test_show_events_false_drops_the_section() -> None:
    golden = load_golden("describe-pod.txt").stdout
    text = describe_from("Pod", "kubia-manual", pod_golden(), show_events=False)
    assert text == golden[:golden.index("Events:")]


def test_no_events_aligns_with_the_block_before() -> None:
    golden = load_golden("describe-pod.txt").stdout
    objects = [o for o in pod_golden() if o["kind"] != "Event"]
    text = describe_from("Pod", "kubia-manual", objects)
    assert text == golden[:golden.index("Events:")] + "Events:          <none>\n"


def test_timestamps_print_in_the_local_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "IST-05:30")
    time.tzset()
    text = describe_from("Pod", "kubia-manual", pod_golden())
    assert "Start Time:   Sat, 28 Nov 2026 09:40:01 +0530\n" in text
    assert "      Started:      Sat, 28 Nov 2026 09:40:08 +0530\n" in text


def test_kind_lookup_ignores_case_and_falls_back_to_generic() -> None:
    objects = configmap_golden()
    assert describe("configmap", objects[0], ctx_for(objects)) == \
        load_golden("describe-configmap.txt").stdout
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": meta("w", "uid-w"),
              "spec": {"size": 3, "enabled": True, "ratio": 0.5}}
    assert describe("Widget", widget, ctx_for([widget])) == block("""\
Name:         w
Namespace:    default
Labels:       <none>
Annotations:  <none>
API Version:  example.com/v1
Kind:         Widget
Metadata:
  UID:  uid-w
Spec:
  Enabled:  true
  Ratio:    0.5
  Size:     3
Events:     <none>
""")

# --- extra cases, each checked against real kubectl 1.20.2 -------------------------------------


def field_env(name: str, path: str) -> Obj:
    return {"name": name, "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": path}}}


def field_item(path: str, field: str) -> Obj:
    return {"path": path, "fieldRef": {"apiVersion": "v1", "fieldPath": field}}


def busy_pod() -> Obj:
    """Init and two app containers, every probe kind, every env source, many volume types."""
    long_value = "x" * 150
    generator = {
        "name": "html-generator", "image": "luksa/fortune:args", "args": ["2"],
        "env": [{"name": "INTERVAL", "value": "30"}, {"name": "MULTI", "value": "a\nb"},
                field_env("POD_NAME", "metadata.name"), field_env("POD_IP", "status.podIP"),
                {"name": "CPU_LIMIT", "valueFrom": {"resourceFieldRef": {
                    "resource": "limits.cpu", "divisor": "0"}}},
                {"name": "MEM_LIMIT", "valueFrom": {"resourceFieldRef": {
                    "resource": "limits.memory", "divisor": "1Mi"}}},
                {"name": "SLEEP", "valueFrom": {"configMapKeyRef": {
                    "name": "fortune-config", "key": "sleep-interval"}}},
                {"name": "PASS", "valueFrom": {"secretKeyRef": {
                    "name": "creds", "key": "password", "optional": True}}}],
        "envFrom": [{"configMapRef": {"name": "cm1"}},
                    {"prefix": "CONFIG_", "secretRef": {"name": "sec1", "optional": False}}],
        "resources": {"requests": {"cpu": "100m", "memory": "64Mi"},
                      "limits": {"memory": "128Mi"}},
        "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"},
                          "initialDelaySeconds": 15, "timeoutSeconds": 1, "periodSeconds": 10,
                          "successThreshold": 1, "failureThreshold": 3},
        "readinessProbe": {"exec": {"command": ["ls", "/var/ready"]}, "timeoutSeconds": 1,
                           "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3},
        "startupProbe": {"tcpSocket": {"port": "http"}, "timeoutSeconds": 2, "periodSeconds": 5,
                         "successThreshold": 1, "failureThreshold": 30},
        "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"},
                  {"containerPort": 8443, "hostPort": 9443, "protocol": "TCP"}],
        "volumeMounts": [{"name": "html", "mountPath": "/var/htdocs"},
                         {"name": "config", "mountPath": "/etc/nginx/conf.d/my.conf",
                          "subPath": "my.conf", "readOnly": True}]}
    server = {"name": "web-server", "image": "nginx:alpine", "command": ["nginx", "-g"],
              "ports": [{"containerPort": 80, "protocol": "TCP"}],
              "resources": {"limits": {"cpu": "1", "memory": "1Gi"},
                            "requests": {"cpu": "1", "memory": "1Gi"}},
              "livenessProbe": {"httpGet": {"host": "h.io", "path": "x", "port": 80,
                                            "scheme": "HTTPS"}, "timeoutSeconds": 1,
                                "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}}
    init = {"name": "init", "image": "busybox", "command": ["sh", "-c", "echo hi\nexit 0"],
            "volumeMounts": [{"name": "html", "mountPath": "/var/htdocs"}]}
    downward = {"items": [
        field_item("podName", "metadata.name"),
        {"path": "cpu", "resourceFieldRef": {"containerName": "web-server",
                                            "resource": "requests.cpu", "divisor": "1m"}}]}
    projected = {"sources": [
        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
        {"configMap": {"name": "kube-root-ca.crt"}},
        {"downwardAPI": {"items": [field_item("ns", "metadata.namespace")]}},
        {"secret": {"name": "creds"}}]}
    volumes = [
        {"name": "html", "emptyDir": {}},
        {"name": "cache", "emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}},
        {"name": "config", "configMap": {"name": "fortune-config", "optional": True}},
        {"name": "certs", "secret": {"secretName": "fortune-https"}},
        {"name": "logs", "hostPath": {"path": "/var/log", "type": ""}},
        {"name": "lib", "hostPath": {"path": "/var/lib", "type": "Directory"}},
        {"name": "git", "gitRepo": {"repository": "https://github.com/luksa/kubia-website-example.git",
                                    "revision": "master"}},
        {"name": "mongodb-data", "persistentVolumeClaim": {"claimName": "mongodb-pvc"}},
        {"name": "nfs", "nfs": {"server": "1.2.3.4", "path": "/some/path", "readOnly": True}},
        {"name": "gce", "gcePersistentDisk": {"pdName": "mongodb", "fsType": "ext4"}},
        {"name": "aws", "awsElasticBlockStore": {"volumeID": "vol-1", "fsType": "ext4"}},
        {"name": "downward", "downwardAPI": downward},
        {"name": "projected", "projected": projected},
        {"name": "csi", "csi": {"driver": "hostpath.csi.k8s.io",
                                "volumeAttributes": {"a": "1", "b": "2"}}},
    ]
    terminated = {"exitCode": 0, "reason": "Completed", "startedAt": "2026-11-28T05:27:00Z",
                  "finishedAt": "2026-11-28T05:27:01Z"}
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": meta("fortune", "uid-fortune", labels={"app": "fortune", "tier": "web"},
                         annotations={"kubectl.kubernetes.io/last-applied-configuration": "{}",
                                      "short": "v", "long": long_value, "multi": "one\ntwo\n"},
                         ownerReferences=[owner("ReplicaSet", "fortune-7c9d", "uid-rs")]),
        "spec": {"priority": 0, "priorityClassName": "high", "nodeName": "minikube",
                 "nodeSelector": {"disk": "ssd"}, "initContainers": [init],
                 "containers": [generator, server], "volumes": volumes,
                 "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "x",
                                  "effect": "NoSchedule"}, {"operator": "Exists"}]},
        "status": {
            "phase": "Running", "hostIP": "192.168.99.100", "podIP": "172.17.0.4",
            "podIPs": [{"ip": "172.17.0.4"}, {"ip": "fd00::4"}],
            "startTime": "2026-11-28T05:26:58Z",
            "conditions": [{"type": "Initialized", "status": "True"},
                           {"type": "Ready", "status": "False"}],
            "initContainerStatuses": [{"name": "init", "ready": True, "restartCount": 0,
                                       "imageID": "docker-pullable://busybox@sha256:1",
                                       "containerID": "docker://i1",
                                       "state": {"terminated": terminated}}],
            "containerStatuses": [
                {"name": "html-generator", "ready": False, "restartCount": 5,
                 "imageID": "docker-pullable://luksa/fortune@sha256:2", "containerID": "docker://c1",
                 "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                 "lastState": {"terminated": {**terminated, "exitCode": 137, "signal": 9,
                                              "reason": "Error", "message": "oops"}}},
                {"name": "web-server", "ready": True, "restartCount": 0, "imageID": "",
                 "containerID": "docker://c2",
                 "state": {"running": {"startedAt": "2026-11-28T05:27:02Z"}}}]},
    }


def rollout_objects() -> list[Obj]:
    """A deployment mid-rollout: an old RS still scaled up, one scaled down, the new one."""
    deployment = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": meta("kubia", "uid-kubia", creationTimestamp="2026-11-28T04:00:00Z"),
        "spec": {"replicas": 3, "minReadySeconds": 0,
                 "selector": {"matchLabels": {"app": "kubia"},
                              "matchExpressions": [{"key": "tier", "operator": "NotIn",
                                                    "values": ["db", "cache"]}]},
                 "template": template({"app": "kubia"}, "luksa/kubia:v3"),
                 "strategy": {"type": "RollingUpdate",
                              "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}},
        "status": {"replicas": 4, "updatedReplicas": 1, "availableReplicas": 3,
                   "unavailableReplicas": 1}}
    replica_sets = []
    for name, image, created, replicas in (("kubia-v1", "luksa/kubia:v1", "04:00:00", 0),
                                           ("kubia-v2", "luksa/kubia:v2", "04:30:00", 3),
                                           ("kubia-v3", "luksa/kubia:v3", "05:00:00", 1)):
        labels = {"app": "kubia", "pod-template-hash": name[-2:]}
        replica_sets.append({
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": meta(name, f"uid-{name}", labels=labels,
                             creationTimestamp=f"2026-11-28T{created}Z",
                             ownerReferences=[owner("Deployment", "kubia", "uid-kubia")]),
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": template(labels, image)},
            "status": {"replicas": replicas}})
    return [deployment, *replica_sets]


def batch_objects() -> list[Obj]:
    """A CronJob, a Job it started (with a completion time) and a DaemonSet."""
    job_template = template({"app": "batch-job"}, "luksa/batch-job")
    job_template["spec"]["restartPolicy"] = "OnFailure"
    job = {"apiVersion": "batch/v1", "kind": "Job",
           "metadata": meta("batch-job", "uid-job", labels={"app": "batch-job"},
                            ownerReferences=[owner("CronJob", "batch-cron", "uid-cron")]),
           "spec": {"parallelism": 2, "completions": 5, "backoffLimit": 6,
                    "selector": {"matchLabels": {"controller-uid": "uid-job"}},
                    "template": job_template},
           "status": {"startTime": "2026-11-28T05:00:00Z", "completionTime": "2026-11-28T05:02:10Z",
                      "succeeded": 5}}
    cron = {"apiVersion": "batch/v1beta1", "kind": "CronJob",
            "metadata": meta("batch-cron", "uid-cron"),
            "spec": {"schedule": "0,15,30,45 * * * *", "concurrencyPolicy": "Allow",
                     "suspend": False, "successfulJobsHistoryLimit": 3,
                     "failedJobsHistoryLimit": 1, "startingDeadlineSeconds": 15,
                     "jobTemplate": {"metadata": {"creationTimestamp": None},
                                     "spec": {"template": job_template}}},
            "status": {"lastScheduleTime": "2026-11-28T05:00:00Z",
                       "active": [{"kind": "Job", "name": "batch-job"}]}}
    monitor = template({"app": "ssd-monitor"}, "luksa/ssd-monitor")
    monitor["spec"]["nodeSelector"] = {"disk": "ssd"}
    daemon = {"apiVersion": "apps/v1", "kind": "DaemonSet",
              "metadata": meta("ssd-monitor", "uid-ds"),
              "spec": {"selector": {"matchLabels": {"app": "ssd-monitor"}}, "template": monitor},
              "status": {"desiredNumberScheduled": 1, "currentNumberScheduled": 1,
                         "updatedNumberScheduled": 1, "numberAvailable": 1}}
    pod = owned_pod("ssd-monitor-x", "2026-11-28T05:00:00Z", "DaemonSet", "ssd-monitor",
                    {"app": "ssd-monitor"})
    pod["metadata"]["ownerReferences"][0]["uid"] = "uid-ds"
    return [job, cron, daemon, pod]


def storage_objects() -> list[Obj]:
    """A bound claim and its volume, a default storage class and the pod using the claim."""
    pv = {"apiVersion": "v1", "kind": "PersistentVolume",
          "metadata": meta("mongodb-pv", "uid-pv", ns=None,
                           finalizers=["kubernetes.io/pv-protection"]),
          "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce", "ReadOnlyMany"],
                   "persistentVolumeReclaimPolicy": "Retain", "volumeMode": "Filesystem",
                   "hostPath": {"path": "/tmp/mongodb", "type": ""},
                   "claimRef": {"namespace": "default", "name": "mongodb-pvc"}},
          "status": {"phase": "Bound"}}
    pvc = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
           "metadata": meta("mongodb-pvc", "uid-pvc", finalizers=["kubernetes.io/pvc-protection"],
                            annotations={"pv.kubernetes.io/bind-completed": "yes"}),
           "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}},
                    "volumeName": "mongodb-pv", "storageClassName": "", "volumeMode": "Filesystem"},
           "status": {"phase": "Bound", "accessModes": ["ReadWriteOnce", "ReadOnlyMany"],
                      "capacity": {"storage": "1Gi"}}}
    sc = {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
          "metadata": meta("fast", "uid-sc", ns=None, annotations={
              "storageclass.kubernetes.io/is-default-class": "true"}),
          "provisioner": "k8s.io/minikube-hostpath", "parameters": {"type": "pd-ssd"},
          "reclaimPolicy": "Delete", "volumeBindingMode": "Immediate"}
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": meta("mongodb", "uid-mongodb"),
           "spec": {"containers": [], "volumes": [
               {"name": "data", "persistentVolumeClaim": {"claimName": "mongodb-pvc"}}]}}
    return [pv, pvc, sc, pod]


def cluster_objects() -> list[Obj]:
    """A namespace with quotas and limits, a service account and its token, an ingress in front
    of a service, an autoscaler and a Lease (which kubectl describes generically)."""
    namespace = {"apiVersion": "v1", "kind": "Namespace",
                 "metadata": meta("custom", "uid-ns", ns=None, labels={"team": "a"}),
                 "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}
    hard = {"requests.cpu": "400m", "limits.memory": "1Gi", "pods": "10"}
    quota = {"apiVersion": "v1", "kind": "ResourceQuota",
             "metadata": meta("cpu-and-mem", "uid-quota", ns="custom"),
             "spec": {"hard": hard, "scopes": ["BestEffort"]},
             "status": {"hard": hard, "used": {"requests.cpu": "200m", "limits.memory": "0",
                                               "pods": "2"}}}
    limits = {"apiVersion": "v1", "kind": "LimitRange",
              "metadata": meta("example", "uid-limits", ns="custom"),
              "spec": {"limits": [{"type": "Container", "defaultRequest": {"cpu": "100m"},
                                   "default": {"cpu": "200m"}}]}}
    token = {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
             "metadata": meta("default-token-xk2vj", "uid-token", annotations={
                 "kubernetes.io/service-account.name": "default",
                 "kubernetes.io/service-account.uid": "uid-sa"}),
             # Go map order in the capture; kubectl's own order is random.
             "data": {"namespace": "ZGVmYXVsdA==", "token": "ZXlKaGJHY2k=", "ca.crt": "AAAA"}}
    account = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta("default", "uid-sa"),
               "secrets": [{"name": "default-token-xk2vj"}, {"name": "gone"}]}
    service = {"apiVersion": "v1", "kind": "Service", "metadata": meta("kubia", "uid-svc"),
               "spec": {"ports": [{"name": "http", "port": 80, "targetPort": 8080,
                                   "protocol": "TCP"}]}}
    endpoints = {"apiVersion": "v1", "kind": "Endpoints", "metadata": meta("kubia", "uid-ep"),
                 "subsets": [{"addresses": [{"ip": "172.17.0.5"}, {"ip": "172.17.0.6"}],
                              "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]}]}
    backend = {"service": {"name": "kubia", "port": {"number": 80}}}
    ingress = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
               "metadata": meta("kubia", "uid-ing"),
               "spec": {"tls": [{"hosts": ["kubia.example.com"], "secretName": "tls-secret"}],
                        "rules": [{"host": "kubia.example.com", "http": {"paths": [
                            {"path": "/kubia", "pathType": "Prefix", "backend": backend},
                            {"path": "/foo", "pathType": "Prefix", "backend": {
                                "service": {"name": "bar", "port": {"number": 80}}}}]}}]},
               "status": {"loadBalancer": {"ingress": [{"ip": "192.168.99.100"}]}}}
    autoscaler = {"apiVersion": "autoscaling/v2beta2", "kind": "HorizontalPodAutoscaler",
                  "metadata": meta("kubia", "uid-hpa", creationTimestamp="2026-11-28T05:00:00Z"),
                  "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                              "name": "kubia"},
                           "minReplicas": 1, "maxReplicas": 5, "metrics": [
                               {"type": "Resource", "resource": {"name": "cpu", "target": {
                                   "type": "Utilization", "averageUtilization": 30}}}]},
                  "status": {"currentReplicas": 3, "desiredReplicas": 3, "currentMetrics": [
                      {"type": "Resource", "resource": {"name": "cpu", "current": {
                          "averageUtilization": 5, "averageValue": "1m"}}}],
                      "conditions": [{"type": "AbleToScale", "status": "True",
                                      "reason": "ReadyForNewScale",
                                      "message": "recommended size matches current size"}]}}
    lease = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
             "metadata": meta("kubia-leader", "uid-lease", resourceVersion="12",
                              creationTimestamp="2026-11-28T05:00:00Z",
                              ownerReferences=[{"apiVersion": "v1", "kind": "Pod",
                                                "name": "kubia-0", "uid": "uid-kubia-0"}]),
             "spec": {"holderIdentity": "kubia-0", "leaseDurationSeconds": 15,
                      "renewTime": "2026-11-28T06:27:00.000000Z"}}
    return [namespace, quota, limits, token, account, service, endpoints, ingress, autoscaler,
            lease]



def allocation_objects() -> list[Obj]:
    """A node with taints, extended and huge-page resources, and pods that request them."""
    capacity = {"cpu": "2", "memory": "2038624Ki", "pods": "110", "hugepages-1Gi": "2Gi",
                "ephemeral-storage": "16390445849", "example.com/dongle": "4"}
    node = {"apiVersion": "v1", "kind": "Node",
            "metadata": meta("minikube", "uid-node", ns=None,
                             creationTimestamp="2026-11-19T05:27:01Z",
                             labels={"kubernetes.io/role": "worker"}),
            "spec": {"unschedulable": True, "taints": [
                {"key": "node-role.kubernetes.io/master", "effect": "NoSchedule"},
                {"key": "dedicated", "value": "gpu", "effect": "NoExecute"}]},
            "status": {"capacity": capacity, "allocatable": {**capacity, "cpu": "1900m"},
                       "nodeInfo": {"kubeletVersion": "v1.20.2"}}}

    def pod(name: str, ns: str, resources: list[Obj], phase: str = "Running", **spec: Any) -> Obj:
        containers = [{"name": f"c{i}", "image": "x", "resources": r}
                      for i, r in enumerate(resources)]
        return {"apiVersion": "v1", "kind": "Pod",
                "metadata": meta(name, f"uid-{name}", ns=ns, creationTimestamp=ago(minutes=42)),
                "spec": {"nodeName": "minikube", "containers": containers, **spec},
                "status": {"phase": phase}}

    small = {"requests": {"cpu": "100m", "memory": "64Mi"},
             "limits": {"cpu": "200m", "memory": "128Mi"}}
    dongle = {"requests": {"cpu": "250m", "memory": "100M", "example.com/dongle": "1"},
              "limits": {"example.com/dongle": "1"}}
    big = {"requests": {"cpu": "1", "ephemeral-storage": "1Gi", "hugepages-1Gi": "1Gi"},
           "limits": {"hugepages-1Gi": "1Gi"}}
    init = [{"name": "init", "image": "x", "resources": {"requests": {"cpu": "1500m"}}}]
    lease = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
             "metadata": meta("minikube", "uid-lease", ns="kube-node-lease"),
             "spec": {"holderIdentity": "minikube", "acquireTime": "2026-11-19T05:27:05.000000Z",
                      "renewTime": "2026-11-28T06:27:20.000000Z"}}
    return [node, lease, pod("web", "default", [small, dongle]),
            pod("batch", "kube-system", [big], initContainers=init),
            pod("done", "default", [big], phase="Succeeded")]



def policy_objects() -> list[Obj]:
    """A quota with scopes, a limit range, role bindings and a disruption budget."""
    hard = {"requests.cpu": "400m", "limits.memory": "1Gi", "requests.memory": "1Gi"}
    quota = {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": meta("quota", "uid-quota"),
             "spec": {"hard": hard, "scopes": ["NotTerminating", "BestEffort"]},
             "status": {"hard": hard, "used": {"requests.cpu": "200m", "limits.memory": "0",
                                               "requests.memory": "1048576"}}}
    limits = {"apiVersion": "v1", "kind": "LimitRange", "metadata": meta("limits", "uid-limits"),
              "spec": {"limits": [
                  {"type": "Pod", "min": {"cpu": "50m"}, "max": {"cpu": "1"}},
                  {"type": "PersistentVolumeClaim", "min": {"storage": "1Gi"},
                   "max": {"storage": "10Gi"}}]}}
    subjects = [{"kind": "ServiceAccount", "name": "default", "namespace": "foo"},
                {"kind": "User", "name": "alice", "apiGroup": "rbac.authorization.k8s.io"}]
    binding = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
               "metadata": meta("test", "uid-rb", labels={"a": "b"}), "subjects": subjects,
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                           "name": "service-reader"}}
    budget = {"apiVersion": "policy/v1beta1", "kind": "PodDisruptionBudget",
              "metadata": meta("kubia-pdb", "uid-pdb"),
              "spec": {"maxUnavailable": "25%", "selector": {"matchLabels": {"app": "kubia"}}},
              "status": {"disruptionsAllowed": 1, "currentHealthy": 3, "desiredHealthy": 2,
                         "expectedPods": 3}}
    return [quota, limits, binding, budget]


# --- what real kubectl 1.20.2 printed for the extra cases ---------------------------------------
# `$` marks the end of a line that ends in spaces; a backslash continues a long line.

BUSY_POD = block("""\
Name:                 fortune
Namespace:            default
Priority:             0
Priority Class Name:  high
Node:                 minikube/192.168.99.100
Start Time:           Sat, 28 Nov 2026 05:26:58 +0000
Labels:               app=fortune
                      tier=web
Annotations:          long:
                        xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\
xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...
                      multi:
                        one
                        two
                      short: v
Status:               Running
IP:                   172.17.0.4
IPs:
  IP:           172.17.0.4
  IP:           fd00::4
Controlled By:  ReplicaSet/fortune-7c9d
Init Containers:
  init:
    Container ID:  docker://i1
    Image:         busybox
    Image ID:      docker-pullable://busybox@sha256:1
    Port:          <none>
    Host Port:     <none>
    Command:
      sh
      -c
      echo hi
      exit 0
    State:          Terminated
      Reason:       Completed
      Exit Code:    0
      Started:      Sat, 28 Nov 2026 05:27:00 +0000
      Finished:     Sat, 28 Nov 2026 05:27:01 +0000
    Ready:          True
    Restart Count:  0
    Environment:    <none>
    Mounts:
      /var/htdocs from html (rw)
Containers:
  html-generator:
    Container ID:  docker://c1
    Image:         luksa/fortune:args
    Image ID:      docker-pullable://luksa/fortune@sha256:2
    Ports:         8080/TCP, 8443/TCP
    Host Ports:    0/TCP, 9443/TCP
    Args:
      2
    State:          Waiting
      Reason:       CrashLoopBackOff
    Last State:     Terminated
      Reason:       Error
      Message:      oops
      Exit Code:    137
      Signal:       9
      Started:      Sat, 28 Nov 2026 05:27:00 +0000
      Finished:     Sat, 28 Nov 2026 05:27:01 +0000
    Ready:          False
    Restart Count:  5
    Limits:
      memory:  128Mi
    Requests:
      cpu:      100m
      memory:   64Mi
    Liveness:   http-get http://:8080/healthz delay=15s timeout=1s period=10s #success=1 #failure=\
3
    Readiness:  exec [ls /var/ready] delay=0s timeout=1s period=10s #success=1 #failure=3
    Startup:    tcp-socket :http delay=0s timeout=2s period=5s #success=1 #failure=30
    Environment Variables from:
      cm1   ConfigMap                     Optional: false
      sec1  Secret with prefix 'CONFIG_'  Optional: false
    Environment:
      INTERVAL:   30
      MULTI:      a
                  b
      POD_NAME:   fortune (v1:metadata.name)
      POD_IP:      (v1:status.podIP)
      CPU_LIMIT:  node allocatable (limits.cpu)
      MEM_LIMIT:  128 (limits.memory)
      SLEEP:      <set to the key 'sleep-interval' of config map 'fortune-config'>  Optional: fals\
e
      PASS:       <set to the key 'password' in secret 'creds'>                     Optional: true
    Mounts:
      /etc/nginx/conf.d/my.conf from config (ro,path="my.conf")
      /var/htdocs from html (rw)
  web-server:
    Container ID:  docker://c2
    Image:         nginx:alpine
    Image ID:      $
    Port:          80/TCP
    Host Port:     0/TCP
    Command:
      nginx
      -g
    State:          Running
      Started:      Sat, 28 Nov 2026 05:27:02 +0000
    Ready:          True
    Restart Count:  0
    Limits:
      cpu:     1
      memory:  1Gi
    Requests:
      cpu:        1
      memory:     1Gi
    Liveness:     http-get https://h.io:80/x delay=0s timeout=1s period=10s #success=1 #failure=3
    Environment:  <none>
    Mounts:       <none>
Conditions:
  Type          Status
  Initialized   True $
  Ready         False $
Volumes:
  html:
    Type:       EmptyDir (a temporary directory that shares a pod's lifetime)
    Medium:     $
    SizeLimit:  <unset>
  cache:
    Type:       EmptyDir (a temporary directory that shares a pod's lifetime)
    Medium:     Memory
    SizeLimit:  64Mi
  config:
    Type:      ConfigMap (a volume populated by a ConfigMap)
    Name:      fortune-config
    Optional:  true
  certs:
    Type:        Secret (a volume populated by a Secret)
    SecretName:  fortune-https
    Optional:    false
  logs:
    Type:          HostPath (bare host directory volume)
    Path:          /var/log
    HostPathType:  $
  lib:
    Type:          HostPath (bare host directory volume)
    Path:          /var/lib
    HostPathType:  Directory
  git:
    Type:        GitRepo (a volume that is pulled from git when the pod is created)
    Repository:  https://github.com/luksa/kubia-website-example.git
    Revision:    master
  mongodb-data:
    Type:       PersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespac\
e)
    ClaimName:  mongodb-pvc
    ReadOnly:   false
  nfs:
    Type:      NFS (an NFS mount that lasts the lifetime of a pod)
    Server:    1.2.3.4
    Path:      /some/path
    ReadOnly:  true
  gce:
    Type:       GCEPersistentDisk (a Persistent Disk resource in Google Compute Engine)
    PDName:     mongodb
    FSType:     ext4
    Partition:  0
    ReadOnly:   false
  aws:
    Type:       AWSElasticBlockStore (a Persistent Disk resource in AWS)
    VolumeID:   vol-1
    FSType:     ext4
    Partition:  0
    ReadOnly:   false
  downward:
    Type:  DownwardAPI (a volume populated by information about the pod)
    Items:
      metadata.name -> podName
      requests.cpu -> cpu
  projected:
    Type:                    Projected (a volume that contains injected data from multiple sources\
)
    TokenExpirationSeconds:  3607
    ConfigMapName:           kube-root-ca.crt
    ConfigMapOptional:       <nil>
    DownwardAPI:             true
    SecretName:              creds
    SecretOptionalName:      <nil>
  csi:
    Type:              CSI (a Container Storage Interface (CSI) volume source)
    Driver:            hostpath.csi.k8s.io
    FSType:            $
    ReadOnly:          false
    VolumeAttributes:      a=1
                           b=2
QoS Class:             Burstable
Node-Selectors:        disk=ssd
Tolerations:           op=Exists
                       dedicated=x:NoSchedule
Events:                <none>
""")

ROLLOUT = block("""\
Name:                   kubia
Namespace:              default
CreationTimestamp:      Sat, 28 Nov 2026 04:00:00 +0000
Labels:                 <none>
Annotations:            <none>
Selector:               app=kubia,tier notin (cache,db)
Replicas:               3 desired | 1 updated | 4 total | 3 available | 1 unavailable
StrategyType:           RollingUpdate
MinReadySeconds:        0
RollingUpdateStrategy:  0 max unavailable, 1 max surge
Pod Template:
  Labels:  app=kubia
  Containers:
   kubia:
    Image:        luksa/kubia:v3
    Port:         8080/TCP
    Host Port:    0/TCP
    Environment:  <none>
    Mounts:       <none>
  Volumes:        <none>
OldReplicaSets:   kubia-v2 (3/3 replicas created)
NewReplicaSet:    kubia-v3 (1/1 replicas created)
Events:           <none>
""")

JOB = block("""\
Name:           batch-job
Namespace:      default
Selector:       controller-uid=uid-job
Labels:         app=batch-job
Annotations:    <none>
Controlled By:  CronJob/batch-cron
Parallelism:    2
Completions:    5
Start Time:     Sat, 28 Nov 2026 05:00:00 +0000
Completed At:   Sat, 28 Nov 2026 05:02:10 +0000
Duration:       2m10s
Pods Statuses:  0 Running / 5 Succeeded / 0 Failed
Pod Template:
  Labels:  app=batch-job
  Containers:
   kubia:
    Image:        luksa/batch-job
    Port:         8080/TCP
    Host Port:    0/TCP
    Environment:  <none>
    Mounts:       <none>
  Volumes:        <none>
Events:           <none>
""")

CRONJOB = block("""\
Name:                          batch-cron
Namespace:                     default
Labels:                        <none>
Annotations:                   <none>
Schedule:                      0,15,30,45 * * * *
Concurrency Policy:            Allow
Suspend:                       False
Successful Job History Limit:  3
Failed Job History Limit:      1
Starting Deadline Seconds:     15s
Selector:                      <unset>
Parallelism:                   <unset>
Completions:                   <unset>
Pod Template:
  Labels:  app=batch-job
  Containers:
   kubia:
    Image:           luksa/batch-job
    Port:            8080/TCP
    Host Port:       0/TCP
    Environment:     <none>
    Mounts:          <none>
  Volumes:           <none>
Last Schedule Time:  Sat, 28 Nov 2026 05:00:00 +0000
Active Jobs:         batch-job
Events:              <none>
""")

DAEMONSET = block("""\
Name:           ssd-monitor
Selector:       app=ssd-monitor
Node-Selector:  disk=ssd
Labels:         <none>
Annotations:    <none>
Desired Number of Nodes Scheduled: 1
Current Number of Nodes Scheduled: 1
Number of Nodes Scheduled with Up-to-date Pods: 1
Number of Nodes Scheduled with Available Pods: 1
Number of Nodes Misscheduled: 0
Pods Status:  1 Running / 0 Waiting / 0 Succeeded / 0 Failed
Pod Template:
  Labels:  app=ssd-monitor
  Containers:
   kubia:
    Image:        luksa/ssd-monitor
    Port:         8080/TCP
    Host Port:    0/TCP
    Environment:  <none>
    Mounts:       <none>
  Volumes:        <none>
Events:           <none>
""")

PV = block("""\
Name:            mongodb-pv
Labels:          <none>
Annotations:     <none>
Finalizers:      [kubernetes.io/pv-protection]
StorageClass:    $
Status:          Bound
Claim:           default/mongodb-pvc
Reclaim Policy:  Retain
Access Modes:    RWO,ROX
VolumeMode:      Filesystem
Capacity:        1Gi
Node Affinity:   <none>
Message:         $
Source:
    Type:          HostPath (bare host directory volume)
    Path:          /tmp/mongodb
    HostPathType:  $
Events:            <none>
""")

PVC = block("""\
Name:          mongodb-pvc
Namespace:     default
StorageClass:  $
Status:        Bound
Volume:        mongodb-pv
Labels:        <none>
Annotations:   pv.kubernetes.io/bind-completed: yes
Finalizers:    [kubernetes.io/pvc-protection]
Capacity:      1Gi
Access Modes:  RWO,ROX
VolumeMode:    Filesystem
Used By:       mongodb
Events:        <none>
""")

STORAGECLASS = block("""\
Name:                  fast
IsDefaultClass:        Yes
Annotations:           storageclass.kubernetes.io/is-default-class=true
Provisioner:           k8s.io/minikube-hostpath
Parameters:            type=pd-ssd
AllowVolumeExpansion:  <unset>
MountOptions:          <none>
ReclaimPolicy:         Delete
VolumeBindingMode:     Immediate
Events:                <none>
""")

NAMESPACE = block("""\
Name:         custom
Labels:       team=a
Annotations:  <none>
Status:       Active

Resource Quotas
 Name:    cpu-and-mem
 Scopes:  BestEffort
  * Matches all pods that do not have resource requirements set. These pods have a best effort qua\
lity of service.
 Resource       Used  Hard
 --------       ---   ---
 limits.memory  0     1Gi
 pods           2     10
 requests.cpu   200m  400m

Resource Limits
 Type       Resource  Min  Max  Default Request  Default Limit  Max Limit/Request Ratio
 ----       --------  ---  ---  ---------------  -------------  -----------------------
 Container  cpu       -    -    100m             200m           -
""")

SERVICEACCOUNT = block("""\
Name:                default
Namespace:           default
Labels:              <none>
Annotations:         <none>
Image pull secrets:  <none>
Mountable secrets:   default-token-xk2vj
                     gone (not found)
Tokens:              default-token-xk2vj
Events:              <none>
""")

TOKEN_SECRET = block("""\
Name:         default-token-xk2vj
Namespace:    default
Labels:       <none>
Annotations:  kubernetes.io/service-account.name: default
              kubernetes.io/service-account.uid: uid-sa

Type:  kubernetes.io/service-account-token

Data
====
namespace:  7 bytes
token:      eyJhbGci
ca.crt:     3 bytes
""")

INGRESS = block("""\
Name:             kubia
Namespace:        default
Address:          192.168.99.100
Default backend:  default-http-backend:80 (<error: endpoints "default-http-backend" not found>)
TLS:
  tls-secret terminates kubia.example.com
Rules:
  Host               Path  Backends
  ----               ----  --------
  kubia.example.com  $
                     /kubia   kubia:80 (172.17.0.5:8080,172.17.0.6:8080)
                     /foo     bar:80 (<error: endpoints "bar" not found>)
Annotations:         <none>
Events:              <none>
""")

AUTOSCALER = block("""\
Name:                                                  kubia
Namespace:                                             default
Labels:                                                <none>
Annotations:                                           <none>
CreationTimestamp:                                     Sat, 28 Nov 2026 05:00:00 +0000
Reference:                                             Deployment/kubia
Metrics:                                               ( current / target )
  resource cpu on pods  (as a percentage of request):  5% (1m) / 30%
Min replicas:                                          1
Max replicas:                                          5
Deployment pods:                                       3 current / 3 desired
Conditions:
  Type         Status  Reason            Message
  ----         ------  ------            -------
  AbleToScale  True    ReadyForNewScale  recommended size matches current size
Events:        <none>
""")

LEASE = block("""\
Name:         kubia-leader
Namespace:    default
Labels:       <none>
Annotations:  <none>
API Version:  coordination.k8s.io/v1
Kind:         Lease
Metadata:
  Creation Timestamp:  2026-11-28T05:00:00Z
  Owner References:
    API Version:     v1
    Kind:            Pod
    Name:            kubia-0
    UID:             uid-kubia-0
  Resource Version:  12
  UID:               uid-lease
Spec:
  Holder Identity:         kubia-0
  Lease Duration Seconds:  15
  Renew Time:              2026-11-28T06:27:00.000000Z
Events:                    <none>
""")

ALLOCATION = block("""\
Name:               minikube
Roles:              worker
Labels:             kubernetes.io/role=worker
Annotations:        <none>
CreationTimestamp:  Thu, 19 Nov 2026 05:27:01 +0000
Taints:             dedicated=gpu:NoExecute
                    node-role.kubernetes.io/master:NoSchedule
Unschedulable:      true
Lease:
  HolderIdentity:  minikube
  AcquireTime:     Thu, 19 Nov 2026 05:27:05 +0000
  RenewTime:       Sat, 28 Nov 2026 06:27:20 +0000
Addresses:
Capacity:
  cpu:                 2
  ephemeral-storage:   16390445849
  example.com/dongle:  4
  hugepages-1Gi:       2Gi
  memory:              2038624Ki
  pods:                110
Allocatable:
  cpu:                 1900m
  ephemeral-storage:   16390445849
  example.com/dongle:  4
  hugepages-1Gi:       2Gi
  memory:              2038624Ki
  pods:                110
System Info:
  Machine ID:                 $
  System UUID:                $
  Boot ID:                    $
  Kernel Version:             $
  OS Image:                   $
  Operating System:           $
  Architecture:               $
  Container Runtime Version:  $
  Kubelet Version:            v1.20.2
  Kube-Proxy Version:         $
Non-terminated Pods:          (2 in total)
  Namespace                   Name     CPU Requests  CPU Limits  Memory Requests  Memory Limits  A\
GE
  ---------                   ----     ------------  ----------  ---------------  -------------  -\
--
  default                     web      350m (18%)    200m (10%)  167108864 (8%)   128Mi (6%)     4\
2m
  kube-system                 batch    1500m (78%)   0 (0%)      0 (0%)           0 (0%)         4\
2m
Allocated resources:
  (Total limits may be over 100 percent, i.e., overcommitted.)
  Resource            Requests        Limits
  --------            --------        ------
  cpu                 1850m (97%)     200m (10%)
  memory              167108864 (8%)  128Mi (6%)
  ephemeral-storage   1Gi (6%)        0 (0%)
  hugepages-1Gi       1Gi (50%)       1Gi (50%)
  example.com/dongle  1               1
Events:               <none>
""")

QUOTA = block("""\
Name:       quota
Namespace:  default
Scopes:     BestEffort, NotTerminating
 * Matches all pods that do not have resource requirements set. These pods have a best effort qual\
ity of service.
 * Matches all pods that do not have an active deadline. These pods usually include long running p\
ods whose container command is not expected to terminate.
Resource         Used     Hard
--------         ----     ----
limits.memory    0        1Gi
requests.cpu     200m     400m
requests.memory  1048576  1Gi
""")

LIMITRANGE = block("""\
Name:                  limits
Namespace:             default
Type                   Resource  Min  Max   Default Request  Default Limit  Max Limit/Request Rati\
o
----                   --------  ---  ---   ---------------  -------------  ----------------------\
-
Pod                    cpu       50m  1     -                -              -
PersistentVolumeClaim  storage   1Gi  10Gi  -                -              -
""")

ROLEBINDING = block("""\
Name:         test
Labels:       a=b
Annotations:  <none>
Role:
  Kind:  Role
  Name:  service-reader
Subjects:
  Kind            Name     Namespace
  ----            ----     ---------
  ServiceAccount  default  foo
  User            alice    $
""")

BUDGET = block("""\
Name:             kubia-pdb
Namespace:        default
Max unavailable:  25%
Selector:         app=kubia
Status:
    Allowed disruptions:  1
    Current:              3
    Desired:              2
    Total:                3
Events:                   <none>
""")

EXTRA_CASES: dict[str, tuple[Callable[[], Any], str, str, str]] = {
    "busy_pod": (busy_pod, "Pod", "fortune", BUSY_POD),
    "rollout": (rollout_objects, "Deployment", "kubia", ROLLOUT),
    "job": (batch_objects, "Job", "batch-job", JOB),
    "cronjob": (batch_objects, "CronJob", "batch-cron", CRONJOB),
    "daemonset": (batch_objects, "DaemonSet", "ssd-monitor", DAEMONSET),
    "pv": (storage_objects, "PersistentVolume", "mongodb-pv", PV),
    "pvc": (storage_objects, "PersistentVolumeClaim", "mongodb-pvc", PVC),
    "storageclass": (storage_objects, "StorageClass", "fast", STORAGECLASS),
    "namespace": (cluster_objects, "Namespace", "custom", NAMESPACE),
    "serviceaccount": (cluster_objects, "ServiceAccount", "default", SERVICEACCOUNT),
    "token_secret": (cluster_objects, "Secret", "default-token-xk2vj", TOKEN_SECRET),
    "ingress": (cluster_objects, "Ingress", "kubia", INGRESS),
    "autoscaler": (cluster_objects, "HorizontalPodAutoscaler", "kubia", AUTOSCALER),
    "lease": (cluster_objects, "Lease", "kubia-leader", LEASE),
    "allocation": (allocation_objects, "Node", "minikube", ALLOCATION),
    "quota": (policy_objects, "ResourceQuota", "quota", QUOTA),
    "limitrange": (policy_objects, "LimitRange", "limits", LIMITRANGE),
    "rolebinding": (policy_objects, "RoleBinding", "test", ROLEBINDING),
    "budget": (policy_objects, "PodDisruptionBudget", "kubia-pdb", BUDGET),
}


@pytest.mark.parametrize("case", sorted(EXTRA_CASES))
def test_matches_real_kubectl(case: str) -> None:
    build, kind, name, expected = EXTRA_CASES[case]
    objects = build()
    objects = objects if isinstance(objects, list) else [objects]
    assert describe_from(kind, name, objects) == expected
