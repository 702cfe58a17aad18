"""The system objects every cluster holds: the system namespaces with their default
ServiceAccounts and the `kubernetes` service with its endpoints. As the real API server's
bootstrap controllers do, they come back when deleted (`kubectl delete all --all` removes the
`kubernetes` service; a moment later it is there again).

At start the cluster also gets what minikube's kubeadm installs once: the `standard`
StorageClass and kube-system's `coredns` Deployment. Those are made only when missing at a
start (a daemon restart finds them and makes nothing), and one the learner deletes stays
deleted until the next start, as an addon would be re-applied."""

from __future__ import annotations

from collections.abc import Iterable

from kubia_tutor.api.admission import (
    DNS_SERVICE_IP,
    KUBERNETES_SERVICE_IP,
    ensure_default_service_account,
)
from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import ResourceType, resolve
from kubia_tutor.api.server import ApiServer
from kubia_tutor.controllers.base import Controller, Obj

SYSTEM_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")
DEFAULT_STORAGE_CLASS = "standard"
COREDNS = "coredns"
COREDNS_IMAGE = "k8s.gcr.io/coredns:1.7.0"


def bootstrap(api: ApiServer) -> None:
    """Create the system objects that are missing; safe to run at every start. The default
    StorageClass is made here only: as minikube's `default-storageclass` addon, a cluster
    starts with it, and one the learner deletes stays deleted until the next start."""
    ensure_system_objects(api)
    ensure_default_storage_class(api)
    ensure_coredns(api)


def ensure_default_storage_class(api: ApiServer) -> None:
    """minikube's `standard` class of its hostPath provisioner, marked the default."""
    classes = resolve("storageclasses")
    try:
        api.get(classes, None, DEFAULT_STORAGE_CLASS)
    except ApiError:
        api.create(classes, None, {
            "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": {"name": DEFAULT_STORAGE_CLASS,
                         "labels": {"addonmanager.kubernetes.io/mode": "EnsureExists"},
                         "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
            "provisioner": "k8s.io/minikube-hostpath",
            "reclaimPolicy": "Delete", "volumeBindingMode": "Immediate",
        })


def ensure_coredns(api: ApiServer) -> None:
    """kube-system's `coredns` Deployment, whose pod `kubectl get pods -n kube-system` lists."""
    deployments = resolve("deployments")
    try:
        api.get(deployments, "kube-system", COREDNS)
    except ApiError as err:
        if err.code != 404:
            raise
        api.create(deployments, "kube-system", coredns_deployment())


def coredns_deployment() -> dict[str, object]:
    """The Deployment as minikube 1.20's kubeadm makes it (scaled to one replica, as minikube
    does), less what has no use here: its Corefile ConfigMap (and the `-conf` argument that
    reads it), its own ServiceAccount and its priority class.

    Its pod is honest about what it is: the node's DNS server answers at 10.96.0.10 (the
    service proxy leaves that address to it, so the kube-dns endpoints this pod fills are
    listed but not routed to); the pod's /ready and /health say whether that DNS resolves
    `kubernetes.default`, which is what its readiness and liveness probes ask."""
    labels = {"k8s-app": "kube-dns"}
    container = {
        "name": "coredns", "image": COREDNS_IMAGE, "imagePullPolicy": "IfNotPresent",
        "ports": [{"name": "dns", "containerPort": 53, "protocol": "UDP"},
                  {"name": "dns-tcp", "containerPort": 53, "protocol": "TCP"},
                  {"name": "metrics", "containerPort": 9153, "protocol": "TCP"}],
        "resources": {"limits": {"memory": "170Mi"},
                      "requests": {"cpu": "100m", "memory": "70Mi"}},
        "livenessProbe": {"httpGet": {"path": "/health", "port": 8080, "scheme": "HTTP"},
                          "initialDelaySeconds": 60, "timeoutSeconds": 5,
                          "successThreshold": 1, "failureThreshold": 5},
        "readinessProbe": {"httpGet": {"path": "/ready", "port": 8181, "scheme": "HTTP"}},
    }
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": COREDNS, "namespace": "kube-system", "labels": dict(labels)},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": dict(labels)},
            "strategy": {"type": "RollingUpdate",
                         "rollingUpdate": {"maxUnavailable": 1, "maxSurge": "25%"}},
            "template": {
                "metadata": {"labels": dict(labels)},
                "spec": {"containers": [container], "dnsPolicy": "Default",
                         "nodeSelector": {"kubernetes.io/os": "linux"},
                         "tolerations": [
                             {"key": "CriticalAddonsOnly", "operator": "Exists"},
                             {"key": "node-role.kubernetes.io/master",
                              "effect": "NoSchedule"}]},
            },
        },
    }


def ensure_system_objects(api: ApiServer) -> None:
    """The namespaces, their default ServiceAccounts, the `kubernetes` service and
    kube-system's `kube-dns` service."""
    namespaces = resolve("namespaces")
    for name in SYSTEM_NAMESPACES:
        try:
            api.get(namespaces, None, name)
        except ApiError:
            api.create(namespaces, None, {"apiVersion": "v1", "kind": "Namespace",
                                          "metadata": {"name": name}})
        ensure_default_service_account(api, name)
    services = resolve("services")
    try:
        api.get(services, "default", "kubernetes")
    except ApiError:
        api.create(services, "default", {
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "kubernetes", "namespace": "default",
                         "labels": {"component": "apiserver", "provider": "kubernetes"}},
            "spec": {"clusterIP": KUBERNETES_SERVICE_IP, "type": "ClusterIP",
                     "ports": [{"name": "https", "port": 443, "protocol": "TCP",
                                "targetPort": 8443}]},
        })
    try:
        api.get(services, "kube-system", "kube-dns")
    except ApiError:
        api.create(services, "kube-system", kube_dns_service())
    endpoints = resolve("endpoints")
    try:
        api.get(endpoints, "default", "kubernetes")
    except ApiError:
        api.create(endpoints, "default", {
            "apiVersion": "v1", "kind": "Endpoints",
            "metadata": {"name": "kubernetes", "namespace": "default"},
            "subsets": [{"addresses": [{"ip": "127.0.0.1"}],
                         "ports": [{"name": "https", "port": 8443, "protocol": "TCP"}]}],
        })


def kube_dns_service() -> dict[str, object]:
    """The cluster DNS service as minikube's kubeadm addon makes it. Pods already resolve
    through 10.96.0.10 (the node's DNS server, see runtime/network/redirect.py); this object
    makes that address visible where the book looks for it (`kubectl get svc -n kube-system`).
    It selects the coredns pod (see `coredns_deployment`), so its endpoints list that pod as
    on minikube; the node, not the pod, answers the queries sent to 10.96.0.10."""
    return {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "kube-dns", "namespace": "kube-system",
                     "labels": {"k8s-app": "kube-dns",
                                "kubernetes.io/cluster-service": "true",
                                "kubernetes.io/name": "KubeDNS"},
                     "annotations": {"prometheus.io/port": "9153",
                                     "prometheus.io/scrape": "true"}},
        "spec": {"clusterIP": DNS_SERVICE_IP, "type": "ClusterIP",
                 "selector": {"k8s-app": "kube-dns"},
                 "ports": [{"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
                           {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
                           {"name": "metrics", "port": 9153, "protocol": "TCP",
                            "targetPort": 9153}]},
    }


class SystemObjects(Controller):
    """Recreates the system objects when they go missing."""

    name = "system-objects"
    watches = ("namespaces", "services", "endpoints", "serviceaccounts")
    resync_seconds = 10.0

    def keys_for(self, rt: ResourceType, obj: Obj) -> Iterable[str]:
        meta = obj.get("metadata") or {}
        if meta.get("namespace") in SYSTEM_NAMESPACES or meta.get("name") in SYSTEM_NAMESPACES:
            yield "system"

    def all_keys(self) -> Iterable[str]:
        yield "system"

    def reconcile(self, key: str) -> float | None:
        try:
            ensure_system_objects(self.api)
        except ApiError as err:
            if err.code in (403, 409):  # a namespace is terminating or a create raced: retry
                return 1.0
            raise
        return None
