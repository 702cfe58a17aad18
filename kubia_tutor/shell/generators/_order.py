"""Put generated objects in Go struct field order, so `-o json` can print them unsorted.

kubectl serialises the objects it builds from typed Go structs: struct fields come out in
declaration order, map keys (labels, data, selectors, resource lists) sorted. The dicts built
here follow the same rule, which is what the JSON printer's `sort_keys=False` expects. Fields a
table does not know keep their place after the known ones, sorted.
"""

from __future__ import annotations

from typing import Any

from kubia_tutor.shell.generators._support import Obj

# Each field maps to how its value is ordered: "" leaves it alone, "map" sorts its keys, a
# type name orders it as that struct, and "[]Type" orders each item of a list.
_STRUCTS: dict[str, dict[str, str]] = {
    "ObjectMeta": {
        "name": "",
        "generateName": "",
        "namespace": "",
        "selfLink": "",
        "uid": "",
        "resourceVersion": "",
        "generation": "",
        "creationTimestamp": "",
        "deletionTimestamp": "",
        "deletionGracePeriodSeconds": "",
        "labels": "map",
        "annotations": "map",
        "ownerReferences": "[]OwnerReference",
        "finalizers": "",
        "clusterName": "",
        "managedFields": "",
    },
    "OwnerReference": {
        "apiVersion": "",
        "kind": "",
        "name": "",
        "uid": "",
        "controller": "",
        "blockOwnerDeletion": "",
    },
    "ConfigMap": {"immutable": "", "data": "map", "binaryData": "map"},
    "Secret": {"immutable": "", "data": "map", "stringData": "map", "type": ""},
    "Namespace": {"spec": "", "status": ""},
    "ServiceAccount": {"secrets": "", "imagePullSecrets": "", "automountServiceAccountToken": ""},
    "ResourceQuota": {"spec": "ResourceQuotaSpec", "status": ""},
    "ResourceQuotaSpec": {"hard": "map", "scopes": "", "scopeSelector": ""},
    "ClusterRoleBinding": {"subjects": "[]Subject", "roleRef": "RoleRef"},
    "Subject": {"kind": "", "apiGroup": "", "name": "", "namespace": ""},
    "RoleRef": {"apiGroup": "", "kind": "", "name": ""},
    "Ingress": {"spec": "IngressSpec", "status": ""},
    "IngressSpec": {
        "ingressClassName": "",
        "defaultBackend": "IngressBackend",
        "tls": "[]IngressTLS",
        "rules": "[]IngressRule",
    },
    "IngressBackend": {"service": "IngressServiceBackend", "resource": ""},
    "IngressServiceBackend": {"name": "", "port": "ServiceBackendPort"},
    "ServiceBackendPort": {"name": "", "number": ""},
    "IngressTLS": {"hosts": "", "secretName": ""},
    "IngressRule": {"host": "", "http": "HTTPIngressRuleValue"},
    "HTTPIngressRuleValue": {"paths": "[]HTTPIngressPath"},
    "HTTPIngressPath": {"path": "", "pathType": "", "backend": "IngressBackend"},
    "Service": {"spec": "ServiceSpec", "status": ""},
    "ServiceSpec": {
        "ports": "[]ServicePort",
        "selector": "map",
        "clusterIP": "",
        "clusterIPs": "",
        "type": "",
        "externalIPs": "",
        "sessionAffinity": "",
        "loadBalancerIP": "",
        "loadBalancerSourceRanges": "",
        "externalName": "",
        "externalTrafficPolicy": "",
        "healthCheckNodePort": "",
        "publishNotReadyAddresses": "",
        "sessionAffinityConfig": "",
        "topologyKeys": "",
        "ipFamilies": "",
        "ipFamilyPolicy": "",
    },
    "ServicePort": {
        "name": "",
        "protocol": "",
        "appProtocol": "",
        "port": "",
        "targetPort": "",
        "nodePort": "",
    },
    "Pod": {"spec": "PodSpec", "status": ""},
    "PodTemplateSpec": {"metadata": "ObjectMeta", "spec": "PodSpec"},
    "PodSpec": {
        "volumes": "",
        "initContainers": "[]Container",
        "containers": "[]Container",
        "ephemeralContainers": "",
        "restartPolicy": "",
        "terminationGracePeriodSeconds": "",
        "activeDeadlineSeconds": "",
        "dnsPolicy": "",
        "nodeSelector": "map",
        "serviceAccountName": "",
        "serviceAccount": "",
        "automountServiceAccountToken": "",
        "nodeName": "",
        "hostNetwork": "",
        "hostPID": "",
        "hostIPC": "",
        "shareProcessNamespace": "",
        "securityContext": "",
        "imagePullSecrets": "",
        "hostname": "",
        "subdomain": "",
        "affinity": "",
        "schedulerName": "",
        "tolerations": "",
        "hostAliases": "",
        "priorityClassName": "",
        "priority": "",
        "dnsConfig": "",
        "readinessGates": "",
        "runtimeClassName": "",
        "enableServiceLinks": "",
        "preemptionPolicy": "",
        "overhead": "map",
        "topologySpreadConstraints": "",
        "setHostnameAsFQDN": "",
    },
    "Container": {
        "name": "",
        "image": "",
        "command": "",
        "args": "",
        "workingDir": "",
        "ports": "[]ContainerPort",
        "envFrom": "",
        "env": "[]EnvVar",
        "resources": "ResourceRequirements",
        "volumeMounts": "",
        "volumeDevices": "",
        "livenessProbe": "",
        "readinessProbe": "",
        "startupProbe": "",
        "lifecycle": "",
        "terminationMessagePath": "",
        "terminationMessagePolicy": "",
        "imagePullPolicy": "",
        "securityContext": "",
        "stdin": "",
        "stdinOnce": "",
        "tty": "",
    },
    "ContainerPort": {
        "name": "",
        "hostPort": "",
        "containerPort": "",
        "protocol": "",
        "hostIP": "",
    },
    "EnvVar": {"name": "", "value": "", "valueFrom": ""},
    "ResourceRequirements": {"limits": "map", "requests": "map"},
    "Deployment": {"spec": "DeploymentSpec", "status": ""},
    "DeploymentSpec": {
        "replicas": "",
        "selector": "LabelSelector",
        "template": "PodTemplateSpec",
        "strategy": "",
        "minReadySeconds": "",
        "revisionHistoryLimit": "",
        "paused": "",
        "progressDeadlineSeconds": "",
    },
    "LabelSelector": {"matchLabels": "map", "matchExpressions": ""},
    "Job": {"spec": "JobSpec", "status": ""},
    "JobSpec": {
        "parallelism": "",
        "completions": "",
        "activeDeadlineSeconds": "",
        "backoffLimit": "",
        "selector": "LabelSelector",
        "manualSelector": "",
        "template": "PodTemplateSpec",
        "ttlSecondsAfterFinished": "",
    },
    "CronJob": {"spec": "CronJobSpec", "status": ""},
    "CronJobSpec": {
        "schedule": "",
        "startingDeadlineSeconds": "",
        "concurrencyPolicy": "",
        "suspend": "",
        "jobTemplate": "JobTemplateSpec",
        "successfulJobsHistoryLimit": "",
        "failedJobsHistoryLimit": "",
    },
    "JobTemplateSpec": {"metadata": "ObjectMeta", "spec": "JobSpec"},
}

_TOP = {"kind": "", "apiVersion": "", "metadata": "ObjectMeta"}


def in_go_order(obj: Obj) -> Obj:
    """`obj` (a whole object) rebuilt in the field order kubectl's JSON printer writes."""
    fields = _TOP | _STRUCTS.get(str(obj.get("kind", "")), {})
    return _struct(obj, fields)


def _struct(value: Obj, fields: dict[str, str]) -> Obj:
    ordered = {key: _apply(value[key], how) for key, how in fields.items() if key in value}
    for key in sorted(k for k in value if k not in fields):
        ordered[key] = value[key]
    return ordered


def _apply(value: Any, how: str) -> Any:
    if how == "" or value is None:
        return value
    if how == "map":
        return dict(sorted(value.items())) if isinstance(value, dict) else value
    if how.startswith("[]"):
        item_fields = _STRUCTS[how[2:]]
        if not isinstance(value, list):
            return value
        return [_struct(v, item_fields) if isinstance(v, dict) else v for v in value]
    return _struct(value, _STRUCTS[how]) if isinstance(value, dict) else value
