"""Pods and pod templates: the pod spec, its volumes, and what a pod update may change."""

from __future__ import annotations

import copy
from typing import Any

from kubia_tutor.api.selectors import dns1123_subdomain_errors
from kubia_tutor.api.semantics.causes import Errors, _one_of
from kubia_tutor.api.semantics.containers import _containers
from kubia_tutor.api.semantics.fields import Obj, _d, _int, _l, _same, _set, _text, _without
from kubia_tutor.api.semantics.govalues import spec_diff
from kubia_tutor.api.semantics.meta import _labels, _labels_and_annotations
from kubia_tutor.api.semantics.names import _range_error, dns1123_label_errors

MAX_INT32 = 2**31 - 1
RESTART_POLICIES = ("Always", "OnFailure", "Never")
DNS_POLICIES = ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None")
# VolumeSource members in the order the server counts them.
VOLUME_SOURCES = (
    "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret",
    "nfs", "iscsi", "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder",
    "cephfs", "flocker", "downwardAPI", "fc", "azureFile", "configMap", "vsphereVolume",
    "quobyte",
    "azureDisk", "photonPersistentDisk", "projected", "portworxVolume", "scaleIO", "storageos",
    "csi", "ephemeral", "local",
)
# The one field each common source cannot do without.
_SOURCE_REQUIRED = {"hostPath": "path", "secret": "secretName", "configMap": "name",
                    "persistentVolumeClaim": "claimName", "gitRepo": "repository",
                    "nfs": "server", "local": "path"}


def _volume_source(e: Errors, holder: Obj, path: str, *, empty_dir_ok: bool = True) -> int:
    """validateVolumeSource: exactly one source, with its key field present."""
    sources = [source for source in VOLUME_SOURCES if _set(holder, source)]
    errs_before = len(e.causes)
    if not sources:
        e.required(path, "must specify a volume type")
    for extra in sources[1:]:
        e.forbidden(f"{path}.{extra}", "may not specify more than 1 volume type")
    if sources:
        source = sources[0]
        body = _d(holder.get(source))
        key = _SOURCE_REQUIRED.get(source)
        if key and not _text(body.get(key)):
            e.required(f"{path}.{source}.{key}")
        if source == "nfs" and not _text(body.get("path")):
            e.required(f"{path}.nfs.path")
        elif source == "nfs" and not _text(body.get("path")).startswith("/"):
            e.invalid(f"{path}.nfs.path", _text(body.get("path")), "must be an absolute path")
        if source == "gitRepo":
            _local_descending_path(e, _text(body.get("directory")),
                                   f"{path}.gitRepo.directory")
    return len(e.causes) - errs_before


def _local_descending_path(e: Errors, target: str, path: str) -> None:
    """validateLocalDescendingPath: relative, and no `..` element."""
    if target.startswith("/"):
        e.invalid(path, target, "must be a relative path")
    if ".." in target.split("/"):
        e.invalid(path, target, "must not contain '..'")


def _volumes(e: Errors, volumes: list[Any], path: str) -> set[str]:
    """ValidateVolumes; returns the names of the volumes that passed."""
    good: set[str] = set()
    seen: set[str] = set()
    for i, raw in enumerate(volumes):
        vol = _d(raw)
        where = f"{path}[{i}]"
        name = _text(vol.get("name"))
        bad = _volume_source(e, vol, where)
        before = len(e.causes)
        if not name:
            e.required(f"{where}.name")
        else:
            for msg in dns1123_label_errors(name):
                e.invalid(f"{where}.name", name, msg)
        if name in seen:
            e.duplicate(f"{where}.name", name)
        if not bad and len(e.causes) == before:
            good.add(name)
        seen.add(name)
    return good


def _pod_spec(e: Errors, spec: Obj, path: str) -> None:
    """ValidatePodSpec."""
    volumes = _volumes(e, _l(spec.get("volumes")), f"{path}.volumes")
    if not _l(spec.get("containers")):
        e.required(f"{path}.containers")
    _containers(e, spec.get("containers"), volumes, f"{path}.containers")
    inits = _l(spec.get("initContainers"))
    if inits:
        _containers(e, inits, volumes, f"{path}.initContainers")
    taken = {_text(_d(c).get("name")) for c in _l(spec.get("containers"))}
    for i, ctr in enumerate(inits):
        name = _text(_d(ctr).get("name"))
        if name in taken:
            e.duplicate(f"{path}.initContainers[{i}].name", name)
        if name:
            taken.add(name)
    _one_of(e, spec, "restartPolicy", RESTART_POLICIES, f"{path}.restartPolicy")
    _one_of(e, spec, "dnsPolicy", DNS_POLICIES, f"{path}.dnsPolicy")
    _labels(e, spec.get("nodeSelector"), f"{path}.nodeSelector")
    for key in ("serviceAccountName", "nodeName"):
        value = _text(spec.get(key))
        for msg in dns1123_subdomain_errors(value) if value else []:
            e.invalid(f"{path}.{key}", value, msg)
    deadline = _int(spec.get("activeDeadlineSeconds"))
    if deadline is not None and not 1 <= deadline <= MAX_INT32:
        e.invalid(f"{path}.activeDeadlineSeconds", deadline, _range_error(1, MAX_INT32))
    for key in ("hostname", "subdomain"):
        value = _text(spec.get(key))
        for msg in dns1123_label_errors(value) if value else []:
            e.invalid(f"{path}.{key}", value, msg)


def _pod_template(e: Errors, template: Obj, path: str, *, spec: bool = True) -> None:
    """ValidatePodTemplateSpec (note the server reports template labels at `<path>.labels`)."""
    _labels_and_annotations(e, _d(template.get("metadata")), path)
    if spec:
        _pod_spec(e, _d(template.get("spec")), f"{path}.spec")


def _image_trimmed(e: Errors, image: str, path: str) -> None:
    """A pod's (not a template's) image may not have surrounding whitespace."""
    if image != image.strip():
        e.invalid(path, image, "must not have leading or trailing whitespace")


def _pod(e: Errors, pod: Obj) -> None:
    spec = _d(pod.get("spec"))
    _pod_spec(e, spec, "spec")
    for part in ("containers", "initContainers"):
        for i, ctr in enumerate(_l(spec.get(part))):
            _image_trimmed(e, _text(_d(ctr).get("image")), f"spec.{part}[{i}].image")


_POD_UPDATE = ("pod updates may not change fields other than `spec.containers[*].image`, "
               "`spec.initContainers[*].image`, `spec.activeDeadlineSeconds` or "
               "`spec.tolerations` (only additions to existing tolerations)")


def _pod_update(e: Errors, new: Obj, old: Obj) -> None:
    """ValidatePodUpdate: only images, activeDeadlineSeconds and added tolerations change."""
    ns, os_ = _d(new.get("spec")), _d(old.get("spec"))
    for part in ("containers", "initContainers"):
        now, before = _l(ns.get(part)), _l(os_.get(part))
        if len(now) != len(before):
            e.forbidden(f"spec.{part}", "pod updates may not add or remove containers")
            return
        for i, ctr in enumerate(now):
            image = _text(_d(ctr).get("image"))
            if not image:
                e.required(f"spec.{part}[{i}].image")
            _image_trimmed(e, image, f"spec.{part}[{i}].image")
    deadline = _int(ns.get("activeDeadlineSeconds"))
    previous = _int(os_.get("activeDeadlineSeconds"))
    if deadline is not None:
        if not 0 <= deadline <= MAX_INT32:
            e.invalid("spec.activeDeadlineSeconds", deadline, _range_error(0, MAX_INT32))
            return
        if previous is not None and previous < deadline:
            e.invalid("spec.activeDeadlineSeconds", deadline,
                      "must be less than or equal to previous value")
            return
    elif previous is not None:
        e.invalid("spec.activeDeadlineSeconds", None,
                  "must not update from a positive integer to nil value")
    for toleration in _l(os_.get("tolerations")):
        kept = _without(_d(toleration), ("tolerationSeconds",))
        if not any(_same(kept, _without(_d(t), ("tolerationSeconds",)))
                   for t in _l(ns.get("tolerations"))):
            e.forbidden("spec.tolerations",
                        "existing toleration can not be modified except its tolerationSeconds")
            break
    if _same(ns, os_):
        return
    munged = copy.deepcopy(ns)
    for part in ("containers", "initContainers"):
        for ctr, before in zip(_l(munged.get(part)), _l(os_.get(part)), strict=False):
            if isinstance(ctr, dict):
                ctr["image"] = _d(before).get("image")
    munged["activeDeadlineSeconds"] = os_.get("activeDeadlineSeconds")
    munged["tolerations"] = os_.get("tolerations")
    if not _same(munged, os_):
        e.forbidden("spec", f"{_POD_UPDATE}\n{spec_diff('core.PodSpec', munged, os_)}")
