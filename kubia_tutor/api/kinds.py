"""The registry of resource types the API server serves, as `kubectl api-resources` lists them.

One `ResourceType` per (group, version, plural). The table below mirrors a v1.20-era cluster
(the reference's discovery data); the kinds a tutor lesson can create are marked `stored`, the
rest are listed for discovery only so `api-resources` prints what a learner expects.
The book's old apiVersions are not served groups: `conversion.py` maps them on the way in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


@dataclass(frozen=True)
class ResourceType:
    """One served resource: its names, group/version, scope and verbs."""

    plural: str
    singular: str
    kind: str
    group: str
    version: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    categories: tuple[str, ...] = ()
    stored: bool = True
    subresources: tuple[str, ...] = field(default=())

    @property
    def api_version(self) -> str:
        """The apiVersion string, `v1` for the core group, `apps/v1` otherwise."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def qualified(self) -> str:
        """The name kubectl's server messages use: `pods`, `deployments.apps`."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def kind_group(self) -> str:
        """The name printer's form: `pod`, `deployment.apps`."""
        low = self.kind.lower()
        return f"{low}.{self.group}" if self.group else low

    def path(self, namespace: str | None = None, name: str | None = None) -> str:
        """The REST path for a collection or an object of this type."""
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespaced and namespace:
            base += f"/namespaces/{namespace}"
        base += f"/{self.plural}"
        if name:
            base += f"/{name}"
        return base


_RO = ("get", "list")
_NS_CREATE = ("create",)

# Order matters: it is discovery order, which `api-resources` and `get all` follow.
RESOURCE_TYPES: tuple[ResourceType, ...] = (
    ResourceType("bindings", "binding", "Binding", "", "v1", True, verbs=_NS_CREATE, stored=False),
    ResourceType("componentstatuses", "componentstatus", "ComponentStatus", "", "v1", False,
                 ("cs",), verbs=_RO, stored=False),
    ResourceType("configmaps", "configmap", "ConfigMap", "", "v1", True, ("cm",)),
    ResourceType("endpoints", "endpoints", "Endpoints", "", "v1", True, ("ep",)),
    ResourceType("events", "event", "Event", "", "v1", True, ("ev",)),
    ResourceType("limitranges", "limitrange", "LimitRange", "", "v1", True, ("limits",)),
    ResourceType("namespaces", "namespace", "Namespace", "", "v1", False, ("ns",),
                 verbs=("create", "delete", "get", "list", "patch", "update", "watch"),
                 subresources=("status", "finalize")),
    ResourceType("nodes", "node", "Node", "", "v1", False, ("no",), subresources=("status",)),
    ResourceType("persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", "",
                 "v1", True, ("pvc",), subresources=("status",)),
    ResourceType("persistentvolumes", "persistentvolume", "PersistentVolume", "", "v1", False,
                 ("pv",), subresources=("status",)),
    ResourceType("pods", "pod", "Pod", "", "v1", True, ("po",), categories=("all",),
                 subresources=("status", "log", "exec", "portforward", "binding", "eviction")),
    ResourceType("podtemplates", "podtemplate", "PodTemplate", "", "v1", True),
    ResourceType("replicationcontrollers", "replicationcontroller", "ReplicationController", "",
                 "v1", True, ("rc",), categories=("all",), subresources=("status", "scale")),
    ResourceType("resourcequotas", "resourcequota", "ResourceQuota", "", "v1", True, ("quota",),
                 subresources=("status",)),
    ResourceType("secrets", "secret", "Secret", "", "v1", True),
    ResourceType("serviceaccounts", "serviceaccount", "ServiceAccount", "", "v1", True, ("sa",)),
    ResourceType("services", "service", "Service", "", "v1", True, ("svc",), categories=("all",),
                 verbs=("create", "delete", "get", "list", "patch", "update", "watch"),
                 subresources=("status", "proxy")),
    ResourceType("controllerrevisions", "controllerrevision", "ControllerRevision", "apps", "v1",
                 True),
    ResourceType("daemonsets", "daemonset", "DaemonSet", "apps", "v1", True, ("ds",),
                 categories=("all",), subresources=("status",)),
    ResourceType("deployments", "deployment", "Deployment", "apps", "v1", True, ("deploy",),
                 categories=("all",), subresources=("status", "scale")),
    ResourceType("replicasets", "replicaset", "ReplicaSet", "apps", "v1", True, ("rs",),
                 categories=("all",), subresources=("status", "scale")),
    ResourceType("statefulsets", "statefulset", "StatefulSet", "apps", "v1", True, ("sts",),
                 categories=("all",), subresources=("status", "scale")),
    ResourceType("horizontalpodautoscalers", "horizontalpodautoscaler", "HorizontalPodAutoscaler",
                 "autoscaling", "v2", True, ("hpa",), categories=("all",),
                 subresources=("status",)),
    ResourceType("cronjobs", "cronjob", "CronJob", "batch", "v1", True, ("cj",),
                 categories=("all",), subresources=("status",)),
    ResourceType("jobs", "job", "Job", "batch", "v1", True, categories=("all",),
                 subresources=("status",)),
    ResourceType("leases", "lease", "Lease", "coordination.k8s.io", "v1", True),
    ResourceType("endpointslices", "endpointslice", "EndpointSlice", "discovery.k8s.io", "v1",
                 True, stored=False),
    ResourceType("events", "event", "Event", "events.k8s.io", "v1", True, ("ev",), stored=False),
    ResourceType("ingressclasses", "ingressclass", "IngressClass", "networking.k8s.io", "v1",
                 False),
    ResourceType("ingresses", "ingress", "Ingress", "networking.k8s.io", "v1", True, ("ing",),
                 subresources=("status",)),
    ResourceType("networkpolicies", "networkpolicy", "NetworkPolicy", "networking.k8s.io", "v1",
                 True, ("netpol",)),
    ResourceType("poddisruptionbudgets", "poddisruptionbudget", "PodDisruptionBudget", "policy",
                 "v1", True, ("pdb",), subresources=("status",)),
    ResourceType("clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding",
                 "rbac.authorization.k8s.io", "v1", False),
    ResourceType("clusterroles", "clusterrole", "ClusterRole", "rbac.authorization.k8s.io", "v1",
                 False),
    ResourceType("rolebindings", "rolebinding", "RoleBinding", "rbac.authorization.k8s.io", "v1",
                 True),
    ResourceType("roles", "role", "Role", "rbac.authorization.k8s.io", "v1", True),
    ResourceType("priorityclasses", "priorityclass", "PriorityClass", "scheduling.k8s.io", "v1",
                 False, ("pc",)),
    ResourceType("csidrivers", "csidriver", "CSIDriver", "storage.k8s.io", "v1", False,
                 stored=False),
    ResourceType("csinodes", "csinode", "CSINode", "storage.k8s.io", "v1", False, stored=False),
    ResourceType("storageclasses", "storageclass", "StorageClass", "storage.k8s.io", "v1", False,
                 ("sc",)),
    ResourceType("volumeattachments", "volumeattachment", "VolumeAttachment", "storage.k8s.io",
                 "v1", False, stored=False),
)

# Groups and versions served besides the current ones, so `api-versions` matches a 1.20 cluster.
EXTRA_API_VERSIONS = (
    "admissionregistration.k8s.io/v1",
    "apiextensions.k8s.io/v1",
    "apiregistration.k8s.io/v1",
    "authentication.k8s.io/v1",
    "authorization.k8s.io/v1",
    "autoscaling/v1",
    "certificates.k8s.io/v1",
    "node.k8s.io/v1",
)


class UnknownResourceType(LookupError):
    """Raised when a name matches no served type; str() is the name as given."""


def by_kind(api_version: str, kind: str) -> ResourceType | None:
    """The type for a manifest's (apiVersion, kind), or None when nothing serves it."""
    group, _, version = api_version.rpartition("/")
    for rt in RESOURCE_TYPES:
        if rt.kind == kind and rt.group == group and rt.version == version:
            return rt
    return None


def by_group_kind(group: str, kind: str) -> ResourceType | None:
    """The preferred type for a (group, kind), whatever the version."""
    for rt in RESOURCE_TYPES:
        if rt.kind == kind and rt.group == group:
            return rt
    return None


def by_plural(group: str, version: str, plural: str) -> ResourceType | None:
    """The type a REST path names: /apis/<group>/<version>/<plural>."""
    for rt in RESOURCE_TYPES:
        if rt.plural == plural and rt.group == group and rt.version == version:
            return rt
    return None


def resolve(name: str) -> ResourceType:
    """Resolve a type as kubectl does: plural, singular, short name, kind, `res.group`,
    `res.version.group`; the first (preferred) match in discovery order wins.

    Raises UnknownResourceType when nothing matches.
    """
    low = name.lower()
    for rt in RESOURCE_TYPES:
        if low in (rt.plural, rt.singular, rt.kind.lower()) or name in rt.short_names:
            return rt
    # Qualified forms: deployments.apps, hpa.v2.autoscaling, deploy.v1.apps
    if "." in low:
        head, _, rest = low.partition(".")
        for rt in RESOURCE_TYPES:
            names = (rt.plural, rt.singular, rt.kind.lower(), *rt.short_names)
            if head not in names:
                continue
            if rest == rt.group or rest == f"{rt.version}.{rt.group}":
                return rt
    raise UnknownResourceType(name)


def stored_types() -> list[ResourceType]:
    """The types that hold objects in the store."""
    return [rt for rt in RESOURCE_TYPES if rt.stored]


def category(name: str) -> list[ResourceType]:
    """The types in a category (`all`), in the order a 1.20 server lists them."""
    order = ("pods", "replicationcontrollers", "services", "daemonsets", "deployments",
             "replicasets", "statefulsets", "horizontalpodautoscalers", "cronjobs", "jobs")
    members = [rt for rt in RESOURCE_TYPES if name in rt.categories]
    return sorted(members, key=lambda rt: order.index(rt.plural) if rt.plural in order else 99)
