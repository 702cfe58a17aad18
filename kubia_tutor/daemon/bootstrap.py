"""What a new cluster holds before anyone types a command: the system namespaces and the
`kubernetes` service, as on a fresh minikube."""

from __future__ import annotations

from kubia_tutor.api.admission import KUBERNETES_SERVICE_IP, ensure_default_service_account
from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import resolve
from kubia_tutor.api.server import ApiServer

SYSTEM_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")


def bootstrap(api: ApiServer) -> None:
    """Create the system objects that are missing; safe to run at every start."""
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
