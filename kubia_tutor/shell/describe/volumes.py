"""The `Volumes:` block of pods and templates, and the volume sources persistent volumes share."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubia_tutor.shell.describe.meta import quantity
from kubia_tutor.shell.describe.writer import PrefixWriter, go_bool, str_map

# Where kubectl 1.20 shows a memory address; any plausible Go heap address will do.
_FAKE_ADDRESS = "0xc000458bf0"

# Sources printed as a fixed Type line plus simple fields: (label, field, kind of value).
# "s" is a string, "b" a bool (false when unset), "i" an int (0 when unset).
_SIMPLE: dict[str, tuple[str, tuple[tuple[str, str, str], ...]]] = {
    "gcePersistentDisk": (
        "GCEPersistentDisk (a Persistent Disk resource in Google Compute Engine)",
        (("PDName", "pdName", "s"), ("FSType", "fsType", "s"), ("Partition", "partition", "i"),
         ("ReadOnly", "readOnly", "b")),
    ),
    "awsElasticBlockStore": (
        "AWSElasticBlockStore (a Persistent Disk resource in AWS)",
        (("VolumeID", "volumeID", "s"), ("FSType", "fsType", "s"),
         ("Partition", "partition", "i"), ("ReadOnly", "readOnly", "b")),
    ),
    "gitRepo": (
        "GitRepo (a volume that is pulled from git when the pod is created)",
        (("Repository", "repository", "s"), ("Revision", "revision", "s")),
    ),
    "nfs": (
        "NFS (an NFS mount that lasts the lifetime of a pod)",
        (("Server", "server", "s"), ("Path", "path", "s"), ("ReadOnly", "readOnly", "b")),
    ),
    "persistentVolumeClaim": (
        "PersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)",
        (("ClaimName", "claimName", "s"), ("ReadOnly", "readOnly", "b")),
    ),
    "local": (
        "LocalVolume (a persistent volume backed by local storage on a node)",
        (("Path", "path", "s"),),
    ),
    "azureFile": (
        "AzureFile (an Azure File Service mount on the host and bind mount to the pod)",
        (("SecretName", "secretName", "s"), ("ShareName", "shareName", "s"),
         ("ReadOnly", "readOnly", "b")),
    ),
}


def describe_volumes(w: PrefixWriter, volumes: list[dict[str, Any]], space: str = "") -> None:
    """`Volumes:` with one block per volume, or `Volumes:\\t<none>`."""
    if not volumes:
        w.write(0, f"{space}Volumes:\t<none>\n")
        return
    w.write(0, f"{space}Volumes:\n")
    for volume in volumes:
        w.write(1, f"{' ' if space else ''}{volume.get('name', '')}:\n")
        describe_source(w, volume)


def describe_source(w: PrefixWriter, source: Mapping[str, Any]) -> None:
    """The Type line and fields of the first volume source found in `source`."""
    if isinstance(source.get("hostPath"), dict):
        host = source["hostPath"]
        kind = "<none>" if host.get("type") is None else host["type"]
        _fields(w, "HostPath (bare host directory volume)",
                [("Path", host.get("path", "")), ("HostPathType", kind)])
    elif isinstance(source.get("emptyDir"), dict):
        empty = source["emptyDir"]
        limit = quantity(empty.get("sizeLimit"))
        size = str(limit) if limit.value > 0 else "<unset>"
        _fields(w, "EmptyDir (a temporary directory that shares a pod's lifetime)",
                [("Medium", empty.get("medium", "")), ("SizeLimit", size)])
    elif isinstance(source.get("secret"), dict):
        secret = source["secret"]
        _fields(w, "Secret (a volume populated by a Secret)",
                [("SecretName", secret.get("secretName", "")),
                 ("Optional", go_bool(secret.get("optional")))])
    elif isinstance(source.get("configMap"), dict):
        cm = source["configMap"]
        _fields(w, "ConfigMap (a volume populated by a ConfigMap)",
                [("Name", cm.get("name", "")), ("Optional", go_bool(cm.get("optional")))])
    elif isinstance(source.get("downwardAPI"), dict):
        _downward_api(w, source["downwardAPI"])
    elif isinstance(source.get("projected"), dict):
        _projected(w, source["projected"])
    elif isinstance(source.get("csi"), dict):
        _csi(w, source["csi"])
    else:
        for key, (type_text, specs) in _SIMPLE.items():
            if isinstance(source.get(key), dict):
                _fields(w, type_text, [(label, _value(source[key], field, kind))
                                       for label, field, kind in specs])
                return
        w.write(1, "<unknown>\n")


def _value(source: Mapping[str, Any], field: str, kind: str) -> object:
    if kind == "b":
        return go_bool(source.get(field))
    if kind == "i":
        return int(source.get(field) or 0)
    return source.get(field, "")


def _fields(w: PrefixWriter, type_text: str, fields: list[tuple[str, object]]) -> None:
    w.line(2, "Type:", type_text)
    for label, value in fields:
        w.line(2, f"{label}:", value)


def _downward_api(w: PrefixWriter, source: Mapping[str, Any]) -> None:
    w.line(2, "Type:", "DownwardAPI (a volume populated by information about the pod)")
    w.write(2, "Items:\n")
    for item in source.get("items") or []:
        path = item.get("path", "")
        if isinstance(item.get("fieldRef"), dict):
            w.write(3, f"{item['fieldRef'].get('fieldPath', '')} -> {path}\n")
        if isinstance(item.get("resourceFieldRef"), dict):
            w.write(3, f"{item['resourceFieldRef'].get('resource', '')} -> {path}\n")


def _projected(w: PrefixWriter, source: Mapping[str, Any]) -> None:
    w.line(2, "Type:", "Projected (a volume that contains injected data from multiple sources)")
    for part in source.get("sources") or []:
        if isinstance(part.get("secret"), dict):
            w.line(2, "SecretName:", part["secret"].get("name", ""))
            w.line(2, "SecretOptionalName:", _go_pointer(part["secret"].get("optional")))
        elif isinstance(part.get("downwardAPI"), dict):
            w.line(2, "DownwardAPI:", "true")
        elif isinstance(part.get("configMap"), dict):
            w.line(2, "ConfigMapName:", part["configMap"].get("name", ""))
            w.line(2, "ConfigMapOptional:", _go_pointer(part["configMap"].get("optional")))
        elif isinstance(part.get("serviceAccountToken"), dict):
            seconds = part["serviceAccountToken"].get("expirationSeconds")
            w.line(2, "TokenExpirationSeconds:", int(seconds or 0))


def _go_pointer(value: object) -> str:
    """kubectl 1.20 prints the optional flag's *bool with %v: `<nil>`, else a heap address."""
    return "<nil>" if value is None else _FAKE_ADDRESS


def _csi(w: PrefixWriter, source: Mapping[str, Any]) -> None:
    _fields(w, "CSI (a Container Storage Interface (CSI) volume source)",
            [("Driver", source.get("driver", "")), ("FSType", source.get("fsType", "")),
             ("ReadOnly", go_bool(source.get("readOnly")))])
    attributes = str_map(source.get("volumeAttributes"))
    w.write(2, "VolumeAttributes:\t")
    if not attributes:
        w.write(0, "<none>\n")
        return
    for i, key in enumerate(sorted(attributes)):
        if i:
            w.write(2, "\t")
        text = f"{key}={attributes[key]}"
        w.write(2, (text[:140] + "...") if len(text) > 140 else text)
        w.write(0, "\n")
