"""Pods and the pod templates controllers embed: pod specs, containers, probes and volumes.

The volume-source defaults are shared with PersistentVolumes (`storage.py`), whose sources are
the same structs.
"""

from __future__ import annotations

import copy
from typing import Any

from kubia_tutor.api.defaulting.fields import (
    Obj,
    _child,
    _containers,
    _entries,
    _existing,
    _fill,
    _fill_all,
    _null_creation_timestamp,
    _unset,
    _unset_int,
)
from kubia_tutor.api.defaulting.qos import pod_qos_class

# 0644: the mode Secret, ConfigMap, downward API and projected volumes get when none is given.
_DEFAULT_FILE_MODE = 420
# Resolved by the Priority admission plugin without a PriorityClass object in the store.
_SYSTEM_PRIORITIES = {"system-cluster-critical": 2000000000, "system-node-critical": 2000001000}


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
    _null_creation_timestamp(template)
    spec = _child(template, "spec")
    if spec is not None:
        _default_pod_spec(spec)
