"""Server-side defaulting: the fields a v1.20 API server fills in before it stores an object.

What `kubectl get -o yaml` shows for a new object is the manifest plus three kinds of addition,
and all three live here because our objects are plain dicts with no Go types behind them:

* versioned defaulting (`dnsPolicy: ClusterFirst`, `replicas: 1`, probe timings, ...);
* the defaults a few admission plugins and registry strategies add on create (pod priority and
  the not-ready/unreachable tolerations, `status.qosClass`, a namespace's `kubernetes`
  finalizer, the Job selector, the service-account token volume);
* zero values Go serialises even when unset, because the field is a struct or has no
  `omitempty` (`resources: {}`, a pod template's `creationTimestamp: null`,
  `status: {replicas: 0}`, a Service's `status.loadBalancer: {}`).

Version notes for 1.20 with default feature gates: pods get `preemptionPolicy` (the
NonPreemptingPriority gate is beta and on), but Services get no `ipFamilies`/`ipFamilyPolicy`
(IPv6DualStack is still alpha and off, so only `clusterIPs` mirrors `clusterIP`), namespaces get
no `kubernetes.io/metadata.name` label (1.21), volume claim templates carry no
apiVersion/kind, and the service-account token is a Secret volume, not a projected one.

Every function is idempotent and tolerant of malformed input (validation is someone else's job
and may run after us), because the server also defaults on update.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Iterator
from typing import Any

from kubia_tutor.api.quantity import Quantity, QuantityError

__all__ = [
    "SERVICE_ACCOUNT_MOUNT_PATH",
    "apply_defaults",
    "apply_job_selector",
    "image_pull_policy",
    "pod_qos_class",
    "service_account_token_volume",
]

Obj = dict[str, Any]

SERVICE_ACCOUNT_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"

# 0644: the mode Secret, ConfigMap, downward API and projected volumes get when none is given.
_DEFAULT_FILE_MODE = 420
_RBAC_GROUP = "rbac.authorization.k8s.io"
# Resolved by the Priority admission plugin without a PriorityClass object in the store.
_SYSTEM_PRIORITIES = {"system-cluster-critical": 2000000000, "system-node-critical": 2000001000}
# Only these two count towards a pod's QoS class; hugepages and ephemeral-storage do not.
_QOS_RESOURCES = ("cpu", "memory")
_NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789"


# Small tolerant accessors ----------------------------------------------------------------------


def _unset(value: Any) -> bool:
    """Go's "not given" for a string or pointer field: absent, null or the empty string."""
    return value is None or value == ""


def _unset_int(value: Any) -> bool:
    """Go's "not given" for a plain int32 field, where 0 cannot be told from absent."""
    return value is None or (value == 0 and not isinstance(value, bool))


def _fill(obj: Obj, key: str, value: Any) -> None:
    """Set `key` to a fresh copy of `value` when the field is unset."""
    if _unset(obj.get(key)):
        obj[key] = copy.deepcopy(value)


def _fill_all(obj: Obj, defaults: dict[str, Any]) -> None:
    for key, value in defaults.items():
        _fill(obj, key, value)


def _child(obj: Obj, key: str) -> Obj | None:
    """The dict at `key`, created when absent or null; None when it holds something else."""
    value = obj.get(key)
    if value is None:
        value = obj[key] = {}
    return value if isinstance(value, dict) else None


def _existing(obj: Any, key: str) -> Obj | None:
    """The dict at `key` if there is one; never creates it."""
    if not isinstance(obj, dict):
        return None
    value = obj.get(key)
    return value if isinstance(value, dict) else None


def _entries(obj: Any, key: str) -> Iterator[Obj]:
    """The dict elements of the list at `key`, skipping anything malformed."""
    if not isinstance(obj, dict):
        return
    items = obj.get(key)
    if isinstance(items, list):
        yield from (item for item in items if isinstance(item, dict))


def _labels(obj: Obj) -> Any:
    meta = obj.get("metadata")
    return meta.get("labels") if isinstance(meta, dict) else None


def _copy_labels_if_empty(obj: Obj, labels: Any) -> None:
    """Give an object its template's labels when it has none (RC and Job defaulting)."""
    if not isinstance(labels, dict):
        return
    meta = _child(obj, "metadata")
    if meta is not None and not meta.get("labels"):
        meta["labels"] = dict(labels)


# Containers, probes and volumes ----------------------------------------------------------------


def image_pull_policy(image: Any) -> str:
    """`Always` for an image tagged `latest` or not tagged at all, `IfNotPresent` otherwise.

    A digest without a tag counts as tagged (a digest never changes), and a colon in the
    registry host (`localhost:5000/app`) is a port, not a tag.
    """
    if not isinstance(image, str) or not image:
        # The server ignores a parse error here and lands on IfNotPresent.
        return "IfNotPresent"
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    tag = last.partition(":")[2] if ":" in last else ""
    if not tag and not digest:
        tag = "latest"
    return "Always" if tag == "latest" else "IfNotPresent"


_PROBE_DEFAULTS = {"timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1,
                   "failureThreshold": 3}


def _default_http_get(handler: Any) -> None:
    action = _existing(handler, "httpGet")
    if action is not None:
        _fill_all(action, {"path": "/", "scheme": "HTTP"})


def _default_probe(probe: Obj) -> None:
    for key, value in _PROBE_DEFAULTS.items():
        if _unset_int(probe.get(key)):
            probe[key] = value
    _default_http_get(probe)


def _default_field_refs(holder: Obj) -> None:
    """Downward-API references: a fieldRef names API version v1, a resourceFieldRef's
    divisor is a Quantity struct that prints as "0" when unset."""
    field_ref = _existing(holder, "fieldRef")
    if field_ref is not None:
        _fill(field_ref, "apiVersion", "v1")
    resource_ref = _existing(holder, "resourceFieldRef")
    if resource_ref is not None:
        _fill(resource_ref, "divisor", "0")


def _default_container(container: Obj) -> None:
    if _unset(container.get("imagePullPolicy")):
        container["imagePullPolicy"] = image_pull_policy(container.get("image"))
    _fill(container, "terminationMessagePath", "/dev/termination-log")
    _fill(container, "terminationMessagePolicy", "File")
    _fill(container, "resources", {})
    for port in _entries(container, "ports"):
        _fill(port, "protocol", "TCP")
    for name in ("livenessProbe", "readinessProbe", "startupProbe"):
        probe = _existing(container, name)
        if probe is not None:
            _default_probe(probe)
    lifecycle = _existing(container, "lifecycle")
    for hook in ("postStart", "preStop"):
        _default_http_get(_existing(lifecycle, hook))
    for env in _entries(container, "env"):
        value_from = _existing(env, "valueFrom")
        if value_from is not None:
            _default_field_refs(value_from)


# Per volume source (pod volumes and PersistentVolume sources share them).
_SOURCE_DEFAULTS: dict[str, dict[str, Any]] = {
    "secret": {"defaultMode": _DEFAULT_FILE_MODE},
    "configMap": {"defaultMode": _DEFAULT_FILE_MODE},
    "downwardAPI": {"defaultMode": _DEFAULT_FILE_MODE},
    "projected": {"defaultMode": _DEFAULT_FILE_MODE},
    # A Go pointer to the empty HostPathType, which prints as `type: ""`.
    "hostPath": {"type": ""},
    "iscsi": {"iscsiInterface": "default"},
    "rbd": {"pool": "rbd", "user": "admin", "keyring": "/etc/ceph/keyring"},
    "azureDisk": {"cachingMode": "ReadWrite", "fsType": "ext4", "readOnly": False,
                  "kind": "Shared"},
    "scaleIO": {"storageMode": "ThinProvisioned", "fsType": "xfs"},
}


def _fill_source(source: Obj, defaults: dict[str, Any]) -> None:
    # hostPath's type is the one default whose value is the empty string, so test for absence.
    for key, value in defaults.items():
        if source.get(key) is None:
            source[key] = copy.deepcopy(value)


def _default_volume_sources(holder: Obj) -> None:
    for key, defaults in _SOURCE_DEFAULTS.items():
        source = _existing(holder, key)
        if source is not None:
            _fill_source(source, defaults)
    for item in _entries(_existing(holder, "downwardAPI"), "items"):
        _default_field_refs(item)
    for projection in _entries(_existing(holder, "projected"), "sources"):
        for item in _entries(_existing(projection, "downwardAPI"), "items"):
            _default_field_refs(item)
        token = _existing(projection, "serviceAccountToken")
        if token is not None and token.get("expirationSeconds") is None:
            token["expirationSeconds"] = 3600


def _default_volume(volume: Obj) -> None:
    # A volume that names no source at all is an emptyDir.
    if all(value is None for key, value in volume.items() if key != "name"):
        volume["emptyDir"] = {}
    _default_volume_sources(volume)


# Pod specs -------------------------------------------------------------------------------------


_POD_SPEC_DEFAULTS = {
    "dnsPolicy": "ClusterFirst",
    "restartPolicy": "Always",
    "schedulerName": "default-scheduler",
    "securityContext": {},
    "terminationGracePeriodSeconds": 30,
}


def _containers(spec: Obj) -> Iterator[Obj]:
    yield from _entries(spec, "initContainers")
    yield from _entries(spec, "containers")


def _default_pod_spec(spec: Obj) -> None:
    """Defaults shared by pods and every pod template."""
    _fill_all(spec, _POD_SPEC_DEFAULTS)
    # v1 carries the service account twice; conversion keeps the deprecated name in step.
    if _unset(spec.get("serviceAccountName")) and not _unset(spec.get("serviceAccount")):
        spec["serviceAccountName"] = spec["serviceAccount"]
    if not _unset(spec.get("serviceAccountName")):
        spec["serviceAccount"] = spec["serviceAccountName"]
    for container in _containers(spec):
        _default_container(container)
        if spec.get("hostNetwork") is True:
            # On the host's network a container port is a host port by definition.
            for port in _entries(container, "ports"):
                if _unset_int(port.get("hostPort")):
                    port["hostPort"] = port.get("containerPort")
    for volume in _entries(spec, "volumes"):
        _default_volume(volume)


def _default_requests_from_limits(spec: Obj) -> None:
    # Pods only: a template keeps what it was given, its pods get the requests.
    for container in _containers(spec):
        resources = _existing(container, "resources")
        limits = _existing(resources, "limits")
        if resources is None or limits is None:
            continue
        requests = _child(resources, "requests")
        if requests is None:
            continue
        for name, value in limits.items():
            requests.setdefault(name, copy.deepcopy(value))


_NOT_READY = "node.kubernetes.io/not-ready"
_UNREACHABLE = "node.kubernetes.io/unreachable"


def _tolerates_failed_node(toleration: Any, key: str) -> bool:
    """Whether a toleration already covers a NoExecute taint with this key (an empty key or
    effect matches any)."""
    if not isinstance(toleration, dict):
        return False
    key_matches = _unset(toleration.get("key")) or toleration.get("key") == key
    effect = toleration.get("effect")
    return key_matches and (_unset(effect) or effect == "NoExecute")


def _default_tolerations(spec: Obj) -> None:
    """The DefaultTolerationSeconds admission plugin: five minutes on a failed node."""
    tolerations = spec.get("tolerations")
    if tolerations is None:
        tolerations = spec["tolerations"] = []
    if not isinstance(tolerations, list):
        return
    for key in (_NOT_READY, _UNREACHABLE):
        if not any(_tolerates_failed_node(t, key) for t in tolerations):
            tolerations.append({"effect": "NoExecute", "key": key, "operator": "Exists",
                                "tolerationSeconds": 300})


def _default_priority(spec: Obj) -> None:
    """The Priority admission plugin with no global-default PriorityClass: priority 0 and,
    with NonPreemptingPriority on (beta in 1.20), PreemptLowerPriority."""
    class_name = spec.get("priorityClassName")
    if _unset(class_name):
        _fill(spec, "priority", 0)
        _fill(spec, "preemptionPolicy", "PreemptLowerPriority")
    elif class_name in _SYSTEM_PRIORITIES:
        _fill(spec, "priority", _SYSTEM_PRIORITIES[class_name])
        _fill(spec, "preemptionPolicy", "PreemptLowerPriority")
    # A user PriorityClass needs a store lookup; the server resolves it.


def _default_pod(pod: Obj) -> None:
    spec = _child(pod, "spec")
    if spec is None:
        return
    _default_pod_spec(spec)
    _default_requests_from_limits(spec)
    if spec.get("enableServiceLinks") is None:
        spec["enableServiceLinks"] = True
    if _unset(spec.get("serviceAccountName")):
        spec["serviceAccountName"] = spec["serviceAccount"] = "default"
    _default_priority(spec)
    _default_tolerations(spec)
    status = _child(pod, "status")
    if status is not None:
        _fill(status, "phase", "Pending")
        _fill(status, "qosClass", pod_qos_class(pod))


def _default_pod_template(holder: Obj, key: str = "template") -> None:
    """A pod template inside a controller: its metadata is an ObjectMeta struct, so an unset
    creationTimestamp prints as null."""
    template = _child(holder, key)
    if template is None:
        return
    meta = _child(template, "metadata")
    if meta is not None:
        meta.setdefault("creationTimestamp", None)
    spec = _child(template, "spec")
    if spec is not None:
        _default_pod_spec(spec)


# Status zero values Go prints for a new object (fields without omitempty).
_STATUS_ZEROES: dict[str, Obj] = {
    "ReplicationController": {"replicas": 0},
    "ReplicaSet": {"replicas": 0},
    "StatefulSet": {"replicas": 0},
    "DaemonSet": {"currentNumberScheduled": 0, "desiredNumberScheduled": 0,
                  "numberMisscheduled": 0, "numberReady": 0},
    "Deployment": {},
    "Job": {},
    "CronJob": {},
    "ResourceQuota": {},
    "Service": {"loadBalancer": {}},
    "Ingress": {"loadBalancer": {}},
    "HorizontalPodAutoscaler": {"currentReplicas": 0, "desiredReplicas": 0},
    "PodDisruptionBudget": {"currentHealthy": 0, "desiredHealthy": 0, "disruptionsAllowed": 0,
                            "expectedPods": 0},
}


def _default_status(kind: str, obj: Obj) -> None:
    zeroes = _STATUS_ZEROES.get(kind)
    if zeroes is None:
        return
    status = _child(obj, "status")
    if status is not None:
        _fill_all(status, zeroes)


# Workloads -------------------------------------------------------------------------------------


def _spec(obj: Obj) -> Obj | None:
    return _child(obj, "spec")


def _default_replication_controller(rc: Obj) -> None:
    spec = _spec(rc)
    if spec is None:
        return
    labels = _labels(spec["template"]) if isinstance(spec.get("template"), dict) else None
    if isinstance(labels, dict):
        if not spec.get("selector"):
            spec["selector"] = dict(labels)
        _copy_labels_if_empty(rc, labels)
    _fill(spec, "replicas", 1)
    if spec.get("template") is not None:
        _default_pod_template(spec)


def _default_replica_set(rs: Obj) -> None:
    spec = _spec(rs)
    if spec is None:
        return
    _fill(spec, "replicas", 1)
    _default_pod_template(spec)


def _default_rolling_strategy(strategy: Obj, rolling: dict[str, Any]) -> None:
    _fill(strategy, "type", "RollingUpdate")
    if strategy.get("type") == "RollingUpdate":
        update = _child(strategy, "rollingUpdate")
        if update is not None:
            _fill_all(update, rolling)


def _default_deployment(deployment: Obj) -> None:
    spec = _spec(deployment)
    if spec is None:
        return
    _fill(spec, "replicas", 1)
    strategy = _child(spec, "strategy")
    if strategy is not None:
        _default_rolling_strategy(strategy, {"maxSurge": "25%", "maxUnavailable": "25%"})
    _fill(spec, "revisionHistoryLimit", 10)
    _fill(spec, "progressDeadlineSeconds", 600)
    _default_pod_template(spec)


def _default_daemon_set(daemon_set: Obj) -> None:
    spec = _spec(daemon_set)
    if spec is None:
        return
    strategy = _child(spec, "updateStrategy")
    if strategy is not None:
        _default_rolling_strategy(strategy, {"maxUnavailable": 1})
    _fill(spec, "revisionHistoryLimit", 10)
    _default_pod_template(spec)


def _default_claim(claim: Obj) -> None:
    """A PersistentVolumeClaim, whether stored on its own or a StatefulSet's template."""
    spec = _child(claim, "spec")
    if spec is not None:
        _fill(spec, "volumeMode", "Filesystem")
        _fill(spec, "resources", {})
    status = _child(claim, "status")
    if status is not None:
        _fill(status, "phase", "Pending")


def _default_stateful_set(stateful_set: Obj) -> None:
    spec = _spec(stateful_set)
    if spec is None:
        return
    _fill(spec, "podManagementPolicy", "OrderedReady")
    strategy = _child(spec, "updateStrategy")
    if strategy is not None:
        if _unset(strategy.get("type")):
            # Only a defaulted type brings a rollingUpdate block; an explicit RollingUpdate
            # without one stays without one.
            strategy["type"] = "RollingUpdate"
            _child(strategy, "rollingUpdate")
        update = _existing(strategy, "rollingUpdate")
        if strategy["type"] == "RollingUpdate" and update is not None:
            _fill(update, "partition", 0)
    _fill(spec, "replicas", 1)
    _fill(spec, "revisionHistoryLimit", 10)
    _default_pod_template(spec)
    for claim in _entries(spec, "volumeClaimTemplates"):
        meta = _child(claim, "metadata")
        if meta is not None:
            meta.setdefault("creationTimestamp", None)
        _default_claim(claim)


def _default_job(job: Obj) -> None:
    spec = _spec(job)
    if spec is None:
        return
    # A job that says neither is one pod run once; parallelism alone still defaults to 1.
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
    _fill(spec, "parallelism", 1)
    _fill(spec, "backoffLimit", 6)
    _default_pod_template(spec)
    template = spec.get("template")
    _copy_labels_if_empty(job, _labels(template) if isinstance(template, dict) else None)


def apply_job_selector(job: Obj) -> None:
    """Give a Job the selector the API server generates unless `spec.manualSelector` is true:
    `controller-uid: <metadata.uid>` as matchLabels, and `controller-uid` plus `job-name`
    added to the pod template's labels.

    Needs metadata.uid and name. It may run before or after `apply_defaults`: the Job's own
    labels are copied from the template's as the server's two defaulting passes do (once on
    decode, before the generated labels exist, and once when the stored object is read back).
    """
    meta = job.get("metadata")
    spec = job.get("spec")
    if not isinstance(meta, dict) or not isinstance(spec, dict):
        return
    if spec.get("manualSelector") is True or _unset(meta.get("uid")):
        return
    template = _child(spec, "template")
    if template is None:
        return
    template_meta = _child(template, "metadata")
    if template_meta is None:
        return
    _copy_labels_if_empty(job, template_meta.get("labels"))
    labels = _child(template_meta, "labels")
    selector = _child(spec, "selector")
    match = _child(selector, "matchLabels") if selector is not None else None
    if labels is None or match is None:
        return
    uid = str(meta["uid"])
    labels.setdefault("controller-uid", uid)
    labels.setdefault("job-name", str(meta.get("name") or ""))
    match.setdefault("controller-uid", uid)
    _copy_labels_if_empty(job, labels)


def _default_cron_job(cron_job: Obj) -> None:
    spec = _spec(cron_job)
    if spec is None:
        return
    _fill(spec, "concurrencyPolicy", "Allow")
    _fill(spec, "suspend", False)
    _fill(spec, "successfulJobsHistoryLimit", 3)
    _fill(spec, "failedJobsHistoryLimit", 1)
    # The job template's JobSpec gets no Job defaults (those belong to the Job type).
    job_template = _child(spec, "jobTemplate")
    if job_template is None:
        return
    meta = _child(job_template, "metadata")
    if meta is not None:
        meta.setdefault("creationTimestamp", None)
    job_spec = _child(job_template, "spec")
    if job_spec is not None:
        _default_pod_template(job_spec)


# Services, networking, storage and the rest ----------------------------------------------------


def _default_service(service: Obj) -> None:
    spec = _spec(service)
    if spec is None:
        return
    _fill(spec, "type", "ClusterIP")
    _fill(spec, "sessionAffinity", "None")
    if spec["sessionAffinity"] == "None":
        spec.pop("sessionAffinityConfig", None)
    elif spec["sessionAffinity"] == "ClientIP":
        client_ip = _existing(_existing(spec, "sessionAffinityConfig"), "clientIP")
        if client_ip is None or client_ip.get("timeoutSeconds") is None:
            spec["sessionAffinityConfig"] = {"clientIP": {"timeoutSeconds": 10800}}
    for port in _entries(spec, "ports"):
        _fill(port, "protocol", "TCP")
        if _unset(port.get("targetPort")) or _unset_int(port.get("targetPort")):
            port["targetPort"] = port.get("port")
    if spec["type"] in ("NodePort", "LoadBalancer"):
        _fill(spec, "externalTrafficPolicy", "Cluster")
    # The registry keeps the plural field in step with the singular one.
    cluster_ip = spec.get("clusterIP")
    if spec["type"] != "ExternalName" and not _unset(cluster_ip) and not spec.get("clusterIPs"):
        spec["clusterIPs"] = [cluster_ip]


def _default_endpoints(endpoints: Obj) -> None:
    for subset in _entries(endpoints, "subsets"):
        for port in _entries(subset, "ports"):
            _fill(port, "protocol", "TCP")


def _default_namespace(namespace: Obj) -> None:
    status = _child(namespace, "status")
    if status is None:
        return
    # The `kubernetes` finalizer is added on create only; the namespace controller removes it
    # by update, so it must not come back. A stored namespace always has a phase, so a missing
    # phase is how a create looks from here.
    if _unset(status.get("phase")):
        spec = _child(namespace, "spec")
        if spec is not None:
            finalizers = spec.get("finalizers")
            if finalizers is None:
                finalizers = spec["finalizers"] = []
            if isinstance(finalizers, list) and "kubernetes" not in finalizers:
                finalizers.append("kubernetes")
        status["phase"] = "Active"


def _default_persistent_volume(volume: Obj) -> None:
    spec = _spec(volume)
    if spec is not None:
        _fill(spec, "persistentVolumeReclaimPolicy", "Retain")
        _fill(spec, "volumeMode", "Filesystem")
        _default_volume_sources(spec)
    status = _child(volume, "status")
    if status is not None:
        _fill(status, "phase", "Pending")


def _default_secret(secret: Obj) -> None:
    _fill(secret, "type", "Opaque")


def _default_node(node: Obj) -> None:
    _child(node, "spec")
    status = _existing(node, "status")
    if status is not None and status.get("allocatable") is None \
            and isinstance(status.get("capacity"), dict):
        status["allocatable"] = dict(status["capacity"])


def _default_event(event: Obj) -> None:
    # Fields of core/v1 Event that print even when nobody set them.
    for key, value in (("eventTime", None), ("firstTimestamp", None), ("lastTimestamp", None),
                       ("reportingComponent", ""), ("reportingInstance", ""),
                       ("involvedObject", {}), ("source", {})):
        event.setdefault(key, copy.deepcopy(value))


def _default_horizontal_pod_autoscaler(hpa: Obj) -> None:
    spec = _spec(hpa)
    if spec is None:
        return
    _fill(spec, "minReplicas", 1)
    # autoscaling/v2: no metrics means "keep CPU at 80%", the controller's old default
    # (an autoscaling/v1 reader sees it as targetCPUUtilizationPercentage: 80).
    if not spec.get("metrics") and "targetCPUUtilizationPercentage" not in spec:
        spec["metrics"] = [{"type": "Resource", "resource": {
            "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]


def _default_storage_class(storage_class: Obj) -> None:
    _fill_all(storage_class, {"reclaimPolicy": "Delete", "volumeBindingMode": "Immediate"})


def _default_priority_class(priority_class: Obj) -> None:
    _fill(priority_class, "preemptionPolicy", "PreemptLowerPriority")


def _default_network_policy(policy: Obj) -> None:
    spec = _spec(policy)
    if spec is None:
        return
    for direction in ("ingress", "egress"):
        for rule in _entries(spec, direction):
            for port in _entries(rule, "ports"):
                _fill(port, "protocol", "TCP")
    if not spec.get("policyTypes"):
        spec["policyTypes"] = ["Ingress", "Egress"] if spec.get("egress") else ["Ingress"]


def _default_role_binding(binding: Obj) -> None:
    role_ref = _existing(binding, "roleRef")
    if role_ref is not None:
        _fill(role_ref, "apiGroup", _RBAC_GROUP)
    for subject in _entries(binding, "subjects"):
        if _unset(subject.get("apiGroup")) and subject.get("kind") in ("User", "Group"):
            subject["apiGroup"] = _RBAC_GROUP


def _default_limit_range(limit_range: Obj) -> None:
    """Container items: default falls back to max, defaultRequest to default, then to min."""
    for item in _entries(_existing(limit_range, "spec"), "limits"):
        if item.get("type") != "Container":
            continue
        default = dict(_existing(item, "default") or {})
        request = dict(_existing(item, "defaultRequest") or {})
        for name, value in (_existing(item, "max") or {}).items():
            default.setdefault(name, value)
        for source in (default, _existing(item, "min") or {}):
            for name, value in source.items():
                request.setdefault(name, value)
        # Empty maps are omitted when printed, so only non-empty ones appear.
        if default:
            item["default"] = default
        if request:
            item["defaultRequest"] = request


_DEFAULTERS: dict[str, Callable[[Obj], None]] = {
    "Pod": _default_pod,
    "PodTemplate": _default_pod_template,
    "ReplicationController": _default_replication_controller,
    "ReplicaSet": _default_replica_set,
    "Deployment": _default_deployment,
    "DaemonSet": _default_daemon_set,
    "StatefulSet": _default_stateful_set,
    "Job": _default_job,
    "CronJob": _default_cron_job,
    "Service": _default_service,
    "Endpoints": _default_endpoints,
    "Namespace": _default_namespace,
    "PersistentVolume": _default_persistent_volume,
    "PersistentVolumeClaim": _default_claim,
    "Secret": _default_secret,
    "Node": _default_node,
    "Event": _default_event,
    "HorizontalPodAutoscaler": _default_horizontal_pod_autoscaler,
    "StorageClass": _default_storage_class,
    "PriorityClass": _default_priority_class,
    "NetworkPolicy": _default_network_policy,
    "RoleBinding": _default_role_binding,
    "ClusterRoleBinding": _default_role_binding,
    "LimitRange": _default_limit_range,
}


def apply_defaults(kind: str, obj: Obj) -> None:
    """Fill in, in place, what a v1.20 API server adds to an object of this kind.

    Metadata (uid, timestamps, generation) is the caller's; so are the Job selector
    (`apply_job_selector`), the service-account token volume (`service_account_token_volume`),
    ClusterIP and node-port allocation, and LimitRanger's container defaults. Safe to call
    again on an already defaulted object.
    """
    defaulter = _DEFAULTERS.get(kind)
    if defaulter is not None:
        defaulter(obj)
    _default_status(kind, obj)


# Admission helpers and QoS -------------------------------------------------------------------


def service_account_token_volume(pod: Obj, secret_name: str) -> str | None:
    """Mount a service-account token Secret into every container, as the ServiceAccount
    admission plugin does; returns the volume's name, or None when nothing was mounted.

    A container that already mounts something at the token path keeps its own mount, and an
    existing volume of that Secret is reused. The new volume is named after the Secret unless
    that name is taken. Whether the ServiceAccount itself disables automounting is the
    caller's to check; the pod's own `automountServiceAccountToken: false` is honoured here.
    """
    spec = pod.get("spec")
    if not isinstance(spec, dict) or spec.get("automountServiceAccountToken") is False:
        return None
    volumes = spec.get("volumes")
    if volumes is None:
        volumes = []
    if not isinstance(volumes, list):
        return None
    names = {v.get("name") for v in volumes if isinstance(v, dict)}
    existing = next(
        (v for v in volumes if isinstance(v, dict)
         and (_existing(v, "secret") or {}).get("secretName") == secret_name), None)
    if existing is not None:
        volume_name = str(existing.get("name"))
    else:
        volume_name = secret_name
        while volume_name in names:
            suffix = "".join(random.choice(_NAME_CHARS) for _ in range(5))
            volume_name = f"{secret_name}-{suffix}"
    mounted = False
    for container in _containers(spec):
        mounts = container.get("volumeMounts")
        if mounts is None:
            mounts = container["volumeMounts"] = []
        if not isinstance(mounts, list):
            continue
        if any(isinstance(m, dict) and m.get("mountPath") == SERVICE_ACCOUNT_MOUNT_PATH
               for m in mounts):
            continue
        mounts.append({"mountPath": SERVICE_ACCOUNT_MOUNT_PATH, "name": volume_name,
                       "readOnly": True})
        mounted = True
    if not mounted:
        return None
    if existing is None:
        volumes.append({"name": volume_name,
                        "secret": {"defaultMode": _DEFAULT_FILE_MODE, "secretName": secret_name}})
        spec["volumes"] = volumes
    return volume_name


def _positive(value: Any) -> Quantity | None:
    if not isinstance(value, str | int | float):
        return None
    try:
        quantity = Quantity.parse(value)
    except QuantityError:
        return None
    return quantity if quantity.value > 0 else None


def pod_qos_class(pod: Obj) -> str:
    """`Guaranteed`, `Burstable` or `BestEffort`, as the API server sets `status.qosClass`.

    Only cpu and memory count, summed over containers and init containers. Requests a Pod
    would get from its limits by defaulting are taken into account, so the answer is the same
    before and after `apply_defaults`.
    """
    spec = pod.get("spec")
    requests: dict[str, Quantity] = {}
    limits: dict[str, Quantity] = {}
    guaranteed = True
    for container in _containers(spec if isinstance(spec, dict) else {}):
        resources = _existing(container, "resources")
        own_limits: Obj = _existing(resources, "limits") or {}
        own_requests: Obj = {**own_limits, **(_existing(resources, "requests") or {})}
        for name in _QOS_RESOURCES:
            request = _positive(own_requests.get(name))
            if request is not None:
                requests[name] = requests.get(name, Quantity(0)) + request
            limit = _positive(own_limits.get(name))
            if limit is not None:
                limits[name] = limits.get(name, Quantity(0)) + limit
            else:
                # Every container must limit both cpu and memory to be Guaranteed.
                guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if guaranteed and requests.keys() == limits.keys() \
            and all(requests[name] == limits[name] for name in requests):
        return "Guaranteed"
    return "Burstable"
