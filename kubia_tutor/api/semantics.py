"""Server-side semantic validation: the checks a v1.20 API server runs after decoding.

The schema check (types, unknown fields) is `validation.py`'s; this module answers the
questions a schema cannot: is the name a DNS subdomain, does the selector match the template,
may this field change on update. Failures raise `errors.invalid(Kind, name, causes)` with the
server's field paths and wording, including Go's way of printing the offending value
(`map[string]string{"app":"x"}`, `intstr.IntOrString{...}`), so what the shell prints reads
like a real cluster's 422.

The API server calls `validate_create` before defaulting, so fields that defaulting fills
(restartPolicy, protocol, strategy, ...) are only checked when present; where a default
decides the outcome (a Job's pod template restarts `Always` unless told otherwise), the
default is applied here for the check. Each kind's rules are one function in a table.
"""

from __future__ import annotations

import copy
import ipaddress
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from kubia_tutor.api import kinds
from kubia_tutor.api.errors import ApiError, invalid
from kubia_tutor.api.quantity import Quantity, QuantityError, parse_quantity
from kubia_tutor.api.selectors import (
    LabelSelector,
    dns1123_subdomain_errors,
    go_quote,
    label_value_errors,
    qualified_name_errors,
    regex_error,
    selector_from_map,
    selector_from_spec,
)

__all__ = ["NODE_PORT_RANGE", "validate_create", "validate_update"]

Obj = dict[str, Any]

NODE_PORT_RANGE = (30000, 32767)
MAX_INT32 = 2**31 - 1
TOTAL_ANNOTATION_SIZE = 256 * 1024
MAX_SECRET_SIZE = 1024 * 1024
IMMUTABLE = "field is immutable"
NEGATIVE = "must be greater than or equal to 0"


# Go's rendering of a bad value -----------------------------------------------------------------


class GoLiteral(str):
    """A value already spelled the way Go's %#v would print it."""


def go_value(value: Any) -> str:
    """A bad value as field.Error prints it: strings quoted, numbers bare, nil as "null"."""
    if isinstance(value, GoLiteral):
        return str(value)
    if value is None:
        return '"null"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, dict):
        return go_string_map(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return go_string_slice(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def go_string_map(value: Any) -> str:
    """`map[string]string{"a":"b", "c":"d"}`; nil maps print with `(nil)`."""
    if not isinstance(value, dict):
        return "map[string]string(nil)"
    pairs = ", ".join(f"{go_quote(str(k))}:{go_quote(_text(v))}"
                      for k, v in sorted(value.items(), key=lambda kv: str(kv[0])))
    return f"map[string]string{{{pairs}}}"


def go_string_slice(value: Any) -> str:
    """`[]string{"a", "b"}`; nil slices print with `(nil)`."""
    if not isinstance(value, list):
        return "[]string(nil)"
    return "[]string{" + ", ".join(go_quote(_text(v)) for v in value) + "}"


def go_label_selector(selector: Any) -> GoLiteral:
    """A metav1.LabelSelector as %#v prints the dereferenced struct (a nil one as "null")."""
    if selector is None:
        return GoLiteral('"null"')
    sel = _d(selector)
    exprs = _l(sel.get("matchExpressions"))
    if "matchExpressions" in sel and isinstance(sel["matchExpressions"], list):
        items = ", ".join(
            f"v1.LabelSelectorRequirement{{Key:{go_quote(_text(_d(e).get('key')))}, "
            f"Operator:{go_quote(_text(_d(e).get('operator')))}, "
            f"Values:{go_string_slice(_d(e).get('values'))}}}" for e in exprs)
        rendered = f"[]v1.LabelSelectorRequirement{{{items}}}"
    else:
        rendered = "[]v1.LabelSelectorRequirement(nil)"
    return GoLiteral(f"v1.LabelSelector{{MatchLabels:{go_string_map(sel.get('matchLabels'))}, "
                     f"MatchExpressions:{rendered}}}")


def go_int_or_string(value: Any) -> GoLiteral:
    """An intstr.IntOrString struct as %#v prints it."""
    if isinstance(value, str):
        return GoLiteral(f"intstr.IntOrString{{Type:1, IntVal:0, StrVal:{go_quote(value)}}}")
    number = value if isinstance(value, int) and not isinstance(value, bool) else 0
    return GoLiteral(f'intstr.IntOrString{{Type:0, IntVal:{number}, StrVal:""}}')


# Error collection ------------------------------------------------------------------------------


@dataclass
class Errors:
    """field.ErrorList: (path, message) causes in the order the server finds them."""

    causes: list[tuple[str, str]] = field(default_factory=list)

    def add(self, path: str, message: str) -> None:
        """Record one cause unless the identical one is already there (kubectl drops repeats)."""
        if (path, message) not in self.causes:
            self.causes.append((path, message))

    def required(self, path: str, detail: str = "") -> None:
        """`Required value[: detail]`."""
        self.add(path, "Required value" + (f": {detail}" if detail else ""))

    def invalid(self, path: str, value: Any, detail: str) -> None:
        """`Invalid value: <value>: detail`."""
        self.add(path, f"Invalid value: {go_value(value)}" + (f": {detail}" if detail else ""))

    def not_supported(self, path: str, value: Any, valid: Iterable[str]) -> None:
        """`Unsupported value: <value>: supported values: "a", "b"`."""
        shown = ", ".join(go_quote(v) for v in valid)
        self.add(path, f"Unsupported value: {go_value(value)}"
                 + (f": supported values: {shown}" if shown else ""))

    def duplicate(self, path: str, value: Any) -> None:
        """`Duplicate value: <value>`."""
        self.add(path, f"Duplicate value: {go_value(value)}")

    def not_found(self, path: str, value: Any) -> None:
        """`Not found: <value>`."""
        self.add(path, f"Not found: {go_value(value)}")

    def forbidden(self, path: str, detail: str) -> None:
        """`Forbidden: detail`."""
        self.add(path, f"Forbidden: {detail}")

    def too_long(self, path: str, limit: int) -> None:
        """`Too long: must have at most N bytes`."""
        self.add(path, f"Too long: must have at most {limit} bytes")

    def nonnegative(self, obj: Obj, key: str, path: str) -> None:
        """ValidateNonnegativeField for an optional integer field."""
        value = _int(obj.get(key))
        if value is not None and value < 0:
            self.invalid(f"{path}.{key}", value, NEGATIVE)


# JSON helpers -----------------------------------------------------------------------------------


def _d(value: Any) -> Obj:
    return value if isinstance(value, dict) else {}


def _l(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _set(obj: Obj, key: str) -> bool:
    """Whether a field was given at all (defaulting fills the rest later)."""
    return obj.get(key) is not None


def _byte_len(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _semantic(value: Any) -> Any:
    """A value as Go's semantic equality sees it: unset, empty and zero are all the same."""
    if isinstance(value, dict):
        kept = {k: _semantic(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in (None, "", 0, False, [], {})}
    if isinstance(value, list):
        return [_semantic(v) for v in value]
    return value


def _same(a: Any, b: Any) -> bool:
    return bool(_semantic(a) == _semantic(b))


def _quantity(value: Any) -> Quantity | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return parse_quantity(value)
    except (QuantityError, ValueError, TypeError):
        return None  # undecodable quantities are the decoder's 400, not a 422


# Name rules -------------------------------------------------------------------------------------

_DNS_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS_LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters "
                  "or '-', and must start and end with an alphanumeric character")
_DNS1035_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
_DNS1035_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
                "start with an alphabetic character, and end with an alphanumeric character")
_ENV_FMT = "[-._a-zA-Z][-._a-zA-Z0-9]*"
_ENV_MSG = ("a valid environment variable name must consist of alphabetic characters, digits, "
            "'_', '-', or '.', and must not start with a digit")
_CONFIG_KEY_FMT = "[-._a-zA-Z0-9]+"
_CONFIG_KEY_MSG = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"
_PERCENT_FMT = "[0-9]+%"
_PERCENT_MSG = "a valid percent string must be a numeric string followed by an ending '%'"


def dns1123_label_errors(value: str) -> list[str]:
    """IsDNS1123Label."""
    errs = ["must be no more than 63 characters"] if _byte_len(value) > 63 else []
    if not re.fullmatch(_DNS_LABEL_FMT, value):
        errs.append(regex_error(_DNS_LABEL_MSG, _DNS_LABEL_FMT, "my-name", "123-abc"))
    return errs


def dns1035_label_errors(value: str) -> list[str]:
    """IsDNS1035Label (Service names)."""
    errs = ["must be no more than 63 characters"] if _byte_len(value) > 63 else []
    if not re.fullmatch(_DNS1035_FMT, value):
        errs.append(regex_error(_DNS1035_MSG, _DNS1035_FMT, "my-name", "abc-123"))
    return errs


def _no_dot_dirs(value: str) -> list[str]:
    if value in (".", ".."):
        return [f"must not be '{value}'"]
    return ["must not start with '..'"] if value.startswith("..") else []


def config_key_errors(value: str) -> list[str]:
    """IsConfigMapKey (ConfigMap and Secret data keys)."""
    errs = ["must be no more than 253 characters"] if _byte_len(value) > 253 else []
    if not re.fullmatch(_CONFIG_KEY_FMT, value):
        errs.append(regex_error(_CONFIG_KEY_MSG, _CONFIG_KEY_FMT, "key.name", "KEY_NAME",
                                "key-name"))
    return errs + _no_dot_dirs(value)


def env_name_errors(value: str) -> list[str]:
    """IsEnvVarName."""
    errs = [] if re.fullmatch(_ENV_FMT, value) else [
        regex_error(_ENV_MSG, _ENV_FMT, "my.env-name", "MY_ENV.NAME", "MyEnvName1")]
    return errs + _no_dot_dirs(value)


def port_name_errors(value: str) -> list[str]:
    """IsValidPortName (IANA service names)."""
    errs = ["must be no more than 15 characters"] if len(value) > 15 else []
    if not re.fullmatch("[-a-z0-9]+", value):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not re.search("[a-z]", value):
        errs.append("must contain at least one letter (a-z)")
    if "--" in value:
        errs.append("must not contain consecutive hyphens")
    if value.startswith("-") or value.endswith("-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def _range_error(low: int, high: int) -> str:
    return f"must be between {low} and {high}, inclusive"


def port_number_errors(value: int) -> list[str]:
    """IsValidPortNum."""
    return [] if 1 <= value <= 65535 else [_range_error(1, 65535)]


def _path_segment_errors(value: str, prefix: bool) -> list[str]:
    if not prefix and value in (".", ".."):
        return [f"may not be '{value}'"]
    return [f"may not contain '{bad}'" for bad in ("/", "%") if bad in value]


def _mask_trailing_dash(name: str) -> str:
    # A generateName gets a suffix appended, so a final dash is fine; this is how the server
    # hides it from the check (it also drops the character before it).
    return name[:-2] + "a" if len(name) > 1 and name.endswith("-") else name


NameRule = Callable[[str, bool], list[str]]


def _subdomain(name: str, prefix: bool) -> list[str]:
    return dns1123_subdomain_errors(_mask_trailing_dash(name) if prefix else name)


def _label(name: str, prefix: bool) -> list[str]:
    return dns1123_label_errors(_mask_trailing_dash(name) if prefix else name)


def _dns1035(name: str, prefix: bool) -> list[str]:
    return dns1035_label_errors(_mask_trailing_dash(name) if prefix else name)


# The name rule per kind; everything else is a DNS subdomain.
NAME_RULES: dict[str, NameRule] = {
    "Namespace": _label,
    "Service": _dns1035,
    "Role": _path_segment_errors,
    "ClusterRole": _path_segment_errors,
    "RoleBinding": _path_segment_errors,
    "ClusterRoleBinding": _path_segment_errors,
}


# Metadata ---------------------------------------------------------------------------------------


def _labels(e: Errors, labels: Any, path: str) -> None:
    """ValidateLabels: key rules, then value rules, key by key."""
    for key, value in sorted(_d(labels).items(), key=lambda kv: str(kv[0])):
        for msg in qualified_name_errors(str(key)):
            e.invalid(path, str(key), msg)
        for msg in label_value_errors(_text(value)):
            e.invalid(path, _text(value), msg)


def _annotations(e: Errors, annotations: Any, path: str) -> None:
    """ValidateAnnotations: keys are qualified names in any case; 256 KiB in total."""
    items = _d(annotations)
    for key in sorted(items, key=str):
        for msg in qualified_name_errors(str(key).lower()):
            e.invalid(path, str(key), msg)
    if sum(_byte_len(str(k)) + _byte_len(_text(v)) for k, v in items.items()) > \
            TOTAL_ANNOTATION_SIZE:
        e.too_long(path, TOTAL_ANNOTATION_SIZE)


def _namespaced(kind: str) -> bool:
    for rt in kinds.RESOURCE_TYPES:
        if rt.kind == kind:
            return rt.namespaced
    return True


def _meta(e: Errors, kind: str, obj: Obj) -> None:
    """ValidateObjectMeta for a new object."""
    meta = _d(obj.get("metadata"))
    rule = NAME_RULES.get(kind, _subdomain)
    generate = _text(meta.get("generateName"))
    name = _text(meta.get("name"))
    if generate:
        for msg in rule(generate, True):
            e.invalid("metadata.generateName", generate, msg)
    if name:
        for msg in rule(name, False):
            e.invalid("metadata.name", name, msg)
    elif not generate:  # the registry fills a generated name in before it validates
        e.required("metadata.name", "name or generateName is required")
    namespace = _text(meta.get("namespace"))
    if namespace and _namespaced(kind):
        for msg in dns1123_label_errors(namespace):
            e.invalid("metadata.namespace", namespace, msg)
    _labels(e, meta.get("labels"), "metadata.labels")
    _annotations(e, meta.get("annotations"), "metadata.annotations")


def _meta_update(e: Errors, new: Obj, old: Obj) -> None:
    """ValidateObjectMetaUpdate: identity fields are fixed; labels and annotations re-checked."""
    nm, om = _d(new.get("metadata")), _d(old.get("metadata"))
    for key in ("name", "namespace"):
        if _text(nm.get(key)) != _text(om.get(key)):
            e.invalid(f"metadata.{key}", _text(nm.get(key)), IMMUTABLE)
    if nm.get("uid") and _text(nm.get("uid")) != _text(om.get("uid")):
        e.invalid("metadata.uid", _text(nm.get("uid")), IMMUTABLE)
    _labels(e, nm.get("labels"), "metadata.labels")
    _annotations(e, nm.get("annotations"), "metadata.annotations")


# Pods and pod templates -------------------------------------------------------------------------

RESTART_POLICIES = ("Always", "OnFailure", "Never")
DNS_POLICIES = ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None")
PULL_POLICIES = ("Always", "IfNotPresent", "Never")
PROTOCOLS = ("SCTP", "TCP", "UDP")
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
_STANDARD_CONTAINER_RESOURCES = ("cpu", "memory", "ephemeral-storage")


def _one_of(e: Errors, obj: Obj, key: str, valid: tuple[str, ...], path: str) -> None:
    """An enum field with a default: unset is fine, "" is missing, others must be known."""
    if not _set(obj, key):
        return
    value = _text(obj[key])
    if not value:
        e.required(path)
    elif value not in valid:
        e.not_supported(path, value, valid)


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
    return len(e.causes) - errs_before


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


def _port_num_or_name(e: Errors, value: Any, path: str) -> None:
    if isinstance(value, str):
        for msg in port_name_errors(value):
            e.invalid(path, value, msg)
    else:
        number = _int(value) or 0
        for msg in port_number_errors(number):
            e.invalid(path, number, msg)


def _probe(e: Errors, probe: Any, path: str) -> None:
    """validateProbe: one handler, and non-negative timings."""
    if not isinstance(probe, dict):
        return
    handlers = [h for h in ("exec", "httpGet", "tcpSocket") if _set(probe, h)]
    for extra in handlers[1:]:
        e.forbidden(f"{path}.{extra}", "may not specify more than 1 handler type")
    if not handlers:
        e.required(path, "must specify a handler type")
    elif handlers[0] == "exec" and not _l(_d(probe["exec"]).get("command")):
        e.required(f"{path}.exec.command")
    elif handlers[0] == "httpGet":
        get = _d(probe["httpGet"])
        if "path" in get and not _text(get["path"]):
            e.required(f"{path}.httpGet.path")
        _port_num_or_name(e, get.get("port"), f"{path}.httpGet.port")
        _one_of(e, get, "scheme", ("HTTP", "HTTPS"), f"{path}.httpGet.scheme")
    elif handlers[0] == "tcpSocket":
        _port_num_or_name(e, _d(probe["tcpSocket"]).get("port"), f"{path}.tcpSocket.port")
    for key in ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold",
                "failureThreshold"):
        e.nonnegative(probe, key, path)


def _container_ports(e: Errors, ports: list[Any], path: str) -> None:
    names: set[str] = set()
    for i, raw in enumerate(ports):
        port, where = _d(raw), f"{path}[{i}]"
        name = _text(port.get("name"))
        if name:
            msgs = port_name_errors(name)
            for msg in msgs:
                e.invalid(f"{where}.name", name, msg)
            if not msgs and name in names:
                e.duplicate(f"{where}.name", name)
            names.add(name)
        number = _int(port.get("containerPort")) or 0
        if number == 0:
            e.required(f"{where}.containerPort")
        for msg in port_number_errors(number) if number else []:
            e.invalid(f"{where}.containerPort", number, msg)
        host = _int(port.get("hostPort")) or 0
        for msg in port_number_errors(host) if host else []:
            e.invalid(f"{where}.hostPort", host, msg)
        _one_of(e, port, "protocol", PROTOCOLS, f"{where}.protocol")


def _env(e: Errors, env: list[Any], path: str) -> None:
    refs = ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef")
    for i, raw in enumerate(env):
        var, where = _d(raw), f"{path}[{i}]"
        name = _text(var.get("name"))
        if not name:
            e.required(f"{where}.name")
        for msg in env_name_errors(name) if name else []:
            e.invalid(f"{where}.name", name, msg)
        if not _set(var, "valueFrom"):
            continue
        source, src_path = _d(var["valueFrom"]), f"{where}.valueFrom"
        given = [r for r in refs if _set(source, r)]
        if _text(var.get("value")) and given:
            e.invalid(src_path, "", "may not be specified when `value` is not empty")
        if not given:
            e.invalid(src_path, "", "must specify one of: `fieldRef`, `resourceFieldRef`, "
                                    "`configMapKeyRef` or `secretKeyRef`")
        elif len(given) > 1:
            e.invalid(src_path, "", "may not have more than one field specified at a time")
        for ref in given:
            if ref in ("configMapKeyRef", "secretKeyRef"):
                body = _d(source[ref])
                if not _text(body.get("name")):
                    e.required(f"{src_path}.{ref}.name")
                key = _text(body.get("key"))
                if not key:
                    e.required(f"{src_path}.{ref}.key")
                for msg in config_key_errors(key) if key else []:
                    e.invalid(f"{src_path}.{ref}.key", key, msg)


def _volume_mounts(e: Errors, mounts: list[Any], volumes: set[str], path: str) -> None:
    seen: set[str] = set()
    for i, raw in enumerate(mounts):
        mount, where = _d(raw), f"{path}[{i}]"
        name = _text(mount.get("name"))
        if not name:
            e.required(f"{where}.name")
        if name not in volumes:
            e.not_found(f"{where}.name", name)
        mount_path = _text(mount.get("mountPath"))
        if not mount_path:
            e.required(f"{where}.mountPath")
        if mount_path in seen:
            e.invalid(f"{where}.mountPath", mount_path, "must be unique")
        seen.add(mount_path)


def _overcommittable(resource: str) -> bool:
    extended = "/" in resource and not resource.startswith("kubernetes.io/")
    return not extended and not resource.startswith("hugepages-")


def _resources(e: Errors, resources: Any, path: str) -> None:
    """ValidateResourceRequirements: known names, no negatives, requests within limits."""
    limits, requests = _d(_d(resources).get("limits")), _d(_d(resources).get("requests"))
    for part, values in (("limits", limits), ("requests", requests)):
        for name in sorted(values, key=str):
            where = f"{path}.{part}[{name}]"
            if "/" not in str(name) and str(name) not in _STANDARD_CONTAINER_RESOURCES \
                    and not str(name).startswith("hugepages-"):
                e.invalid(where, str(name), "must be a standard resource for containers")
            amount = _quantity(values[name])
            if amount is not None and amount.value < 0:
                e.invalid(where, amount.canonical(), NEGATIVE)
    for name in sorted(requests, key=str):
        request, limit = _quantity(requests[name]), _quantity(limits.get(name))
        if request is None or limit is None:
            continue
        if not _overcommittable(str(name)) and request != limit:
            e.invalid(f"{path}.requests", request.canonical(), f"must be equal to {name} limit")
        elif request > limit:
            e.invalid(f"{path}.requests", request.canonical(),
                      f"must be less than or equal to {name} limit")


def _containers(e: Errors, containers: Any, volumes: set[str], path: str) -> None:
    """validateContainers, for app and init containers alike."""
    names: set[str] = set()
    for i, raw in enumerate(_l(containers)):
        ctr, where = _d(raw), f"{path}[{i}]"
        name = _text(ctr.get("name"))
        if not name:
            e.required(f"{where}.name")
        for msg in dns1123_label_errors(name) if name else []:
            e.invalid(f"{where}.name", name, msg)
        if name in names:
            e.duplicate(f"{where}.name", name)
        names.add(name)
        if not _text(ctr.get("image")):
            e.required(f"{where}.image")
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            _probe(e, ctr.get(probe), f"{where}.{probe}")
            threshold = _int(_d(ctr.get(probe)).get("successThreshold"))
            if probe != "readinessProbe" and threshold is not None and threshold != 1:
                e.invalid(f"{where}.{probe}.successThreshold", threshold, "must be 1")
        if _set(ctr, "terminationMessagePolicy"):
            policy = _text(ctr["terminationMessagePolicy"])
            detail = "must be 'File' or 'FallbackToLogsOnError'"
            if not policy:
                e.required(f"{where}.terminationMessagePolicy", detail)
            elif policy not in ("File", "FallbackToLogsOnError"):
                e.invalid(f"{where}.terminationMessagePolicy", policy, detail)
        _container_ports(e, _l(ctr.get("ports")), f"{where}.ports")
        _env(e, _l(ctr.get("env")), f"{where}.env")
        _volume_mounts(e, _l(ctr.get("volumeMounts")), volumes, f"{where}.volumeMounts")
        _one_of(e, ctr, "imagePullPolicy", PULL_POLICIES, f"{where}.imagePullPolicy")
        _resources(e, ctr.get("resources"), f"{where}.resources")


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
    meta = _d(template.get("metadata"))
    _labels(e, meta.get("labels"), f"{path}.labels")
    _annotations(e, meta.get("annotations"), f"{path}.annotations")
    if spec:
        _pod_spec(e, _d(template.get("spec")), f"{path}.spec")


def _pod(e: Errors, pod: Obj) -> None:
    spec = _d(pod.get("spec"))
    _pod_spec(e, spec, "spec")
    for part in ("containers", "initContainers"):
        for i, ctr in enumerate(_l(spec.get(part))):
            image = _text(_d(ctr).get("image"))
            if image != image.strip():
                e.invalid(f"spec.{part}[{i}].image", image,
                          "must not have leading or trailing whitespace")


# Controllers ------------------------------------------------------------------------------------

_MISMATCH = "`selector` does not match template `labels`"


def _template_labels(template: Obj) -> Any:
    return _d(template.get("metadata")).get("labels")


def _as_selector(spec: Obj) -> LabelSelector | None:
    """metav1.LabelSelectorAsSelector; None when the selector cannot be converted."""
    try:
        return selector_from_spec(spec.get("selector"))
    except ApiError:  # reported as a cause by the caller instead
        return None


def _check_template_match(e: Errors, selector: LabelSelector, template: Obj, path: str) -> None:
    if not selector.empty and not selector.matches(_d(_template_labels(template))):
        e.invalid(f"{path}.metadata.labels", GoLiteral(go_string_map(_template_labels(template))),
                  _MISMATCH)


def _selector_spec(e: Errors, spec: Obj, kind_word: str) -> LabelSelector | None:
    """The apps/v1 selector rules: required, valid, not empty; returns the selector."""
    selector = spec.get("selector")
    if selector is None:
        e.required("spec.selector")
    else:
        _label_selector(e, selector, "spec.selector")
        if not _d(selector).get("matchLabels") and not _d(selector).get("matchExpressions"):
            e.invalid("spec.selector", go_label_selector(selector),
                      f"empty selector is invalid for {kind_word}")
    converted = _as_selector(spec)
    if converted is None:
        e.invalid("spec.selector", go_label_selector(selector), "invalid label selector")
    return converted


def _label_selector(e: Errors, selector: Any, path: str) -> None:
    """ValidateLabelSelector."""
    sel = _d(selector)
    _labels(e, sel.get("matchLabels"), f"{path}.matchLabels")
    for i, raw in enumerate(_l(sel.get("matchExpressions"))):
        expr, where = _d(raw), f"{path}.matchExpressions[{i}]"
        op = _text(expr.get("operator"))
        values = _l(expr.get("values"))
        if op in ("In", "NotIn"):
            if not values:
                e.required(f"{where}.values",
                           "must be specified when `operator` is 'In' or 'NotIn'")
        elif op in ("Exists", "DoesNotExist"):
            if values:
                e.forbidden(f"{where}.values",
                            "may not be specified when `operator` is 'Exists' or 'DoesNotExist'")
        else:
            e.invalid(f"{where}.operator", op, "not a valid selector operator")
        for msg in qualified_name_errors(_text(expr.get("key"))):
            e.invalid(f"{where}.key", _text(expr.get("key")), msg)


def _replica_template(e: Errors, spec: Obj, selector: LabelSelector, owner: str) -> None:
    """The pod template checks replicated controllers share: match, valid, restart Always."""
    template = _d(spec.get("template"))
    _check_template_match(e, selector, template, "spec.template")
    _pod_template(e, template, "spec.template")
    pod_spec = _d(template.get("spec"))
    restart = _text(pod_spec.get("restartPolicy")) or "Always"
    if restart != "Always":
        e.not_supported("spec.template.spec.restartPolicy", restart, ("Always",))
    deadline = _int(pod_spec.get("activeDeadlineSeconds"))
    if deadline is not None:
        e.invalid("spec.template.spec.activeDeadlineSeconds", deadline,
                  f"activeDeadlineSeconds in {owner} is not Supported")


def _replication_controller(e: Errors, rc: Obj) -> None:
    spec = _d(rc.get("spec"))
    e.nonnegative(spec, "minReadySeconds", "spec")
    # An empty selector is defaulted from the template's labels before the server checks it.
    given = _d(spec.get("selector")) or _d(_template_labels(_d(spec.get("template"))))
    if not given:
        e.required("spec.selector")
    e.nonnegative(spec, "replicas", "spec")
    if not isinstance(spec.get("template"), dict):  # only the RC's template is optional
        e.required("spec.template")
        return
    _replica_template(e, spec, selector_from_map(given), "ReplicationController")


def _replica_set(e: Errors, rs: Obj) -> None:
    spec = _d(rs.get("spec"))
    e.nonnegative(spec, "replicas", "spec")
    e.nonnegative(spec, "minReadySeconds", "spec")
    selector = _selector_spec(e, spec, "deployment")
    if selector is not None:
        _replica_template(e, spec, selector, "ReplicaSet")


def _int_or_percent(e: Errors, value: Any, path: str) -> None:
    if isinstance(value, str):
        if not re.fullmatch(_PERCENT_FMT, value):
            e.invalid(path, go_int_or_string(value),
                      regex_error(_PERCENT_MSG, _PERCENT_FMT, "1%", "93%"))
    elif (_int(value) or 0) < 0:
        e.invalid(path, _int(value), NEGATIVE)


def _int_or_percent_value(value: Any) -> int:
    if isinstance(value, str):
        digits = value[:-1] if re.fullmatch(_PERCENT_FMT, value) else value
        return int(digits) if digits.isdigit() else 0
    return _int(value) or 0


def _deployment_strategy(e: Errors, strategy: Obj) -> None:
    kind = _text(strategy.get("type")) or "RollingUpdate"
    rolling = strategy.get("rollingUpdate")
    if kind == "Recreate":
        if rolling is not None:
            e.forbidden("spec.strategy.rollingUpdate",
                        "may not be specified when strategy `type` is 'Recreate'")
    elif kind == "RollingUpdate":
        if not isinstance(rolling, dict):
            return  # defaulting fills 25%/25% in
        path = "spec.strategy.rollingUpdate"
        unavailable = rolling.get("maxUnavailable", "25%")
        surge = rolling.get("maxSurge", "25%")
        _int_or_percent(e, unavailable, f"{path}.maxUnavailable")
        _int_or_percent(e, surge, f"{path}.maxSurge")
        if _int_or_percent_value(unavailable) == 0 and _int_or_percent_value(surge) == 0:
            e.invalid(f"{path}.maxUnavailable", go_int_or_string(unavailable),
                      "may not be 0 when `maxSurge` is 0")
        if isinstance(unavailable, str) and _int_or_percent_value(unavailable) > 100 \
                and re.fullmatch(_PERCENT_FMT, unavailable):
            e.invalid(f"{path}.maxUnavailable", go_int_or_string(unavailable),
                      "must not be greater than 100%")
    else:
        shown = GoLiteral(f"apps.DeploymentStrategy{{Type:{go_quote(kind)}, "
                          "RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}")
        e.not_supported("spec.strategy", shown, ("Recreate", "RollingUpdate"))


def _deployment(e: Errors, deployment: Obj) -> None:
    spec = _d(deployment.get("spec"))
    e.nonnegative(spec, "replicas", "spec")
    selector = _selector_spec(e, spec, "deployment")
    if selector is not None:
        _replica_template(e, spec, selector, "ReplicaSet")
    if isinstance(spec.get("strategy"), dict):
        _deployment_strategy(e, spec["strategy"])
    e.nonnegative(spec, "minReadySeconds", "spec")
    e.nonnegative(spec, "revisionHistoryLimit", "spec")
    deadline = _int(spec.get("progressDeadlineSeconds"))
    if deadline is not None:
        e.nonnegative(spec, "progressDeadlineSeconds", "spec")
        if deadline <= (_int(spec.get("minReadySeconds")) or 0):
            e.invalid("spec.progressDeadlineSeconds", deadline,
                      "must be greater than minReadySeconds")


def _daemon_set(e: Errors, ds: Obj) -> None:
    spec = _d(ds.get("spec"))
    _label_selector(e, spec.get("selector"), "spec.selector")
    selector = _as_selector(spec)
    template = _d(spec.get("template"))
    if selector is not None and not selector.matches(_d(_template_labels(template))):
        e.invalid("spec.template.metadata.labels",
                  GoLiteral(go_string_map(_template_labels(template))), _MISMATCH)
    given = spec.get("selector")
    if given is not None and not _d(given).get("matchLabels") \
            and not _d(given).get("matchExpressions"):
        e.invalid("spec.selector", go_label_selector(given),
                  "empty selector is invalid for daemonset")
    _pod_template(e, template, "spec.template")
    restart = _text(_d(template.get("spec")).get("restartPolicy")) or "Always"
    if restart != "Always":
        e.not_supported("spec.template.spec.restartPolicy", restart, ("Always",))
    deadline = _int(_d(template.get("spec")).get("activeDeadlineSeconds"))
    if deadline is not None:
        e.invalid("spec.template.spec.activeDeadlineSeconds", deadline,
                  "activeDeadlineSeconds in DaemonSet is not Supported")
    e.nonnegative(spec, "minReadySeconds", "spec")
    strategy = _d(spec.get("updateStrategy"))
    kind = _text(strategy.get("type"))
    if kind and kind not in ("RollingUpdate", "OnDelete"):
        shown = GoLiteral(f"apps.DaemonSetUpdateStrategy{{Type:{go_quote(kind)}, "
                          "RollingUpdate:(*apps.RollingUpdateDaemonSet)(nil)}")
        e.not_supported("spec.updateStrategy", shown, ("RollingUpdate", "OnDelete"))
    e.nonnegative(spec, "revisionHistoryLimit", "spec")


def _stateful_set(e: Errors, sts: Obj) -> None:
    spec = _d(sts.get("spec"))
    if _set(spec, "podManagementPolicy"):
        policy = _text(spec["podManagementPolicy"])
        if not policy:
            e.required("spec.podManagementPolicy")
        elif policy not in ("OrderedReady", "Parallel"):
            e.invalid("spec.podManagementPolicy", policy, "must be 'OrderedReady' or 'Parallel'")
    strategy = spec.get("updateStrategy")
    if isinstance(strategy, dict) and _set(strategy, "type"):
        kind, rolling = _text(strategy["type"]), strategy.get("rollingUpdate")
        partition = _int(_d(rolling).get("partition")) or 0
        if not kind:
            e.required("spec.updateStrategy")
        elif kind == "OnDelete" and rolling is not None:
            e.invalid("spec.updateStrategy.rollingUpdate",
                      GoLiteral(f"apps.RollingUpdateStatefulSetStrategy{{Partition:{partition}}}"),
                      "only allowed for updateStrategy 'RollingUpdate'")
        elif kind == "RollingUpdate" and partition < 0:
            e.invalid("spec.updateStrategy.rollingUpdate.partition", partition, NEGATIVE)
        elif kind not in ("OnDelete", "RollingUpdate"):
            shown = GoLiteral(f"apps.StatefulSetUpdateStrategy{{Type:{go_quote(kind)}, "
                              "RollingUpdate:(*apps.RollingUpdateStatefulSetStrategy)(nil)}")
            e.invalid("spec.updateStrategy", shown, "must be 'RollingUpdate' or 'OnDelete'")
    e.nonnegative(spec, "revisionHistoryLimit", "spec")
    e.nonnegative(spec, "replicas", "spec")
    selector = _selector_spec(e, spec, "statefulset")
    template = _d(spec.get("template"))
    if selector is not None:
        _check_template_match(e, selector, template, "spec.template")
        # v1.20 checks only the template's metadata here; its pods are validated on creation.
        _pod_template(e, template, "spec.template", spec=False)
    pod_spec = _d(template.get("spec"))
    restart = _text(pod_spec.get("restartPolicy")) or "Always"
    if restart != "Always":
        e.not_supported("spec.template.spec.restartPolicy", restart, ("Always",))
    if _int(pod_spec.get("activeDeadlineSeconds")) is not None:
        e.forbidden("spec.template.spec.activeDeadlineSeconds",
                    "activeDeadlineSeconds in StatefulSet is not Supported")


def _job_spec(e: Errors, spec: Obj, path: str) -> None:
    """validateJobSpec: counts, the template, and a restart policy jobs can live with."""
    for key in ("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit",
                "ttlSecondsAfterFinished"):
        e.nonnegative(spec, key, path)
    template = _d(spec.get("template"))
    _pod_template(e, template, f"{path}.template")
    # Pod templates default to Always, which is exactly what a Job refuses.
    restart = _text(_d(template.get("spec")).get("restartPolicy")) or "Always"
    if restart not in ("OnFailure", "Never"):
        e.not_supported(f"{path}.template.spec.restartPolicy", restart, ("OnFailure", "Never"))


def _job(e: Errors, job: Obj) -> None:
    spec = _d(job.get("spec"))
    _job_spec(e, spec, "spec")
    selector = spec.get("selector")
    if selector is None:
        if spec.get("manualSelector") is True:
            e.required("spec.selector")
        else:
            return  # the registry generates `controller-uid` after this check
    else:
        _label_selector(e, selector, "spec.selector")
    converted = _as_selector(spec)
    template = _d(spec.get("template"))
    if converted is not None and not converted.matches(_d(_template_labels(template))):
        e.invalid("spec.template.metadata.labels",
                  GoLiteral(go_string_map(_template_labels(template))), _MISMATCH)


def _cron_job(e: Errors, cron_job: Obj) -> None:
    _cron_job_spec(e, cron_job)
    name = _text(_d(cron_job.get("metadata")).get("name"))
    if _byte_len(name) > 52:  # job names get an 11-character suffix and must stay under 63
        e.invalid("metadata.name", name, "must be no more than 52 characters")


def _cron_job_spec(e: Errors, cron_job: Obj) -> None:
    spec = _d(cron_job.get("spec"))
    schedule = _text(spec.get("schedule"))
    if not schedule:
        e.required("spec.schedule")
    else:
        problem = cron_schedule_error(schedule)
        if problem:
            e.invalid("spec.schedule", schedule, problem)
    e.nonnegative(spec, "startingDeadlineSeconds", "spec")
    _one_of(e, spec, "concurrencyPolicy", ("Allow", "Forbid", "Replace"),
            "spec.concurrencyPolicy")
    job_spec = _d(_d(spec.get("jobTemplate")).get("spec"))
    _job_spec(e, job_spec, "spec.jobTemplate.spec")
    if job_spec.get("selector") is not None:
        e.invalid("spec.jobTemplate.spec.selector", go_label_selector(job_spec["selector"]),
                  "`selector` will be auto-generated")
    if job_spec.get("manualSelector") is True:
        e.not_supported("spec.jobTemplate.spec.manualSelector", True, ("nil", "false"))
    e.nonnegative(spec, "successfulJobsHistoryLimit", "spec")
    e.nonnegative(spec, "failedJobsHistoryLimit", "spec")


# Cron schedules, in the words of the cron library v1.20 validates with ------------------------

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
# (lowest, highest, names) for minute, hour, day of month, month and day of week.
_CRON_FIELDS: tuple[tuple[int, int, dict[str, int]], ...] = (
    (0, 59, {}), (0, 23, {}), (1, 31, {}),
    (1, 12, {m: i + 1 for i, m in enumerate(_MONTHS)}),
    (0, 6, {d: i for i, d in enumerate(_WEEKDAYS)}),
)
_DESCRIPTORS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
_DURATION_UNITS = ("ns", "us", "µs", "μs", "ms", "s", "m", "h")


class _CronError(Exception):
    pass


def _atoi(text: str) -> int:
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        raise _CronError(f"Failed to parse int from {text}: strconv.Atoi: parsing "
                         f"{go_quote(text)}: invalid syntax")
    value = int(text)
    if not -(2**63) <= value < 2**63:
        raise _CronError(f"Failed to parse int from {text}: strconv.Atoi: parsing "
                         f"{go_quote(text)}: value out of range")
    if value < 0:
        raise _CronError(f"Negative number ({value}) not allowed: {text}")
    return value


def _cron_range(expr: str, low: int, high: int, names: dict[str, int]) -> None:
    range_step = expr.split("/")
    bounds = range_step[0].split("-")

    def number(text: str) -> int:
        return names[text.lower()] if text.lower() in names else _atoi(text)

    if bounds[0] in ("*", "?"):
        start, end = low, high
    else:
        start = number(bounds[0])
        if len(bounds) == 1:
            end = start
        elif len(bounds) == 2:
            end = number(bounds[1])
        else:
            raise _CronError(f"Too many hyphens: {expr}")
    step = 1
    if len(range_step) == 2:
        step = _atoi(range_step[1])
        if len(bounds) == 1:  # "N/step" runs from N to the end of the range
            end = high
    elif len(range_step) > 2:
        raise _CronError(f"Too many slashes: {expr}")
    if start < low:
        raise _CronError(f"Beginning of range ({start}) below minimum ({low}): {expr}")
    if end > high:
        raise _CronError(f"End of range ({end}) above maximum ({high}): {expr}")
    if start > end:
        raise _CronError(f"Beginning of range ({start}) beyond end of range ({end}): {expr}")
    if step == 0:
        raise _CronError(f"Step of range should be a positive number: {expr}")


def _go_duration_error(text: str) -> str | None:
    orig = go_quote(text)
    rest = text.lstrip("+-")
    if rest == "0":
        return None
    if not rest:
        return f"time: invalid duration {orig}"
    while rest:
        number = re.match(r"[0-9]*(\.[0-9]*)?", rest)
        digits = number.group(0) if number else ""
        if digits in ("", "."):
            return f"time: invalid duration {orig}"
        rest = rest[len(digits):]
        unit = re.match(r"[^0-9.]*", rest)
        unit_text = unit.group(0) if unit else ""
        if not unit_text:
            return f"time: missing unit in duration {orig}"
        if unit_text not in _DURATION_UNITS:
            return f"time: unknown unit {go_quote(unit_text)} in duration {orig}"
        rest = rest[len(unit_text):]
    return None


def cron_schedule_error(schedule: str) -> str | None:
    """Why a CronJob schedule does not parse (robfig/cron v1 wording), or None."""
    if schedule.startswith("@"):
        if schedule in _DESCRIPTORS:
            return None
        if schedule.startswith("@every "):
            problem = _go_duration_error(schedule[len("@every "):])
            return f"Failed to parse duration {schedule}: {problem}" if problem else None
        return f"Unrecognized descriptor: {schedule}"
    fields = schedule.split()
    if len(fields) != 5:
        return f"Expected exactly 5 fields, found {len(fields)}: {schedule}"
    try:
        for text, (low, high, names) in zip(fields, _CRON_FIELDS, strict=True):
            for expr in (part for part in text.split(",") if part):
                _cron_range(expr, low, high, names)
    except _CronError as err:
        return str(err)
    return None


# Services ---------------------------------------------------------------------------------------

SERVICE_TYPES = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")


def _headless(spec: Obj) -> bool:
    return spec.get("clusterIP") == "None" or _l(spec.get("clusterIPs")) == ["None"]


def _service_port_repr(port: Obj) -> GoLiteral:
    return GoLiteral(
        f'core.ServicePort{{Name:"", Protocol:{go_quote(_text(port.get("protocol")) or "TCP")}, '
        f"AppProtocol:(*string)(nil), Port:{_int(port.get('port')) or 0}, "
        f'TargetPort:intstr.IntOrString{{Type:0, IntVal:0, StrVal:""}}, NodePort:0}}')


def _service(e: Errors, svc: Obj) -> None:
    spec = _d(svc.get("spec"))
    kind = _text(spec.get("type")) or "ClusterIP"
    ports = _l(spec.get("ports"))
    if not ports and not _headless(spec) and kind != "ExternalName":
        e.required("spec.ports")
    cluster_ip = _text(spec.get("clusterIP"))
    if kind == "LoadBalancer":
        for i, port in enumerate(ports):
            if _int(_d(port).get("port")) == 10250:
                e.invalid(f"spec.ports[{i}]", 10250,
                          "may not expose port 10250 externally since it is used by kubelet")
    if kind in ("LoadBalancer", "NodePort") and cluster_ip == "None":
        e.invalid("spec.clusterIP", cluster_ip,
                  f"may not be set to 'None' for {kind} services")
    if kind == "ExternalName":
        if cluster_ip:
            e.forbidden("spec.clusterIP", "must be empty for ExternalName services")
        cname = _text(spec.get("externalName")).removesuffix(".")
        if not cname:
            e.required("spec.externalName")
        for msg in dns1123_subdomain_errors(cname) if cname else []:
            e.invalid("spec.externalName", cname, msg)
    names: set[str] = set()
    for i, raw in enumerate(ports):
        port, where = _d(raw), f"spec.ports[{i}]"
        name = _text(port.get("name"))
        if len(ports) > 1 and not name:
            e.required(f"{where}.name")
        elif name:
            for msg in dns1123_label_errors(name):
                e.invalid(f"{where}.name", name, msg)
            if name in names:
                e.duplicate(f"{where}.name", name)
            names.add(name)
        number = _int(port.get("port")) or 0
        for msg in port_number_errors(number):
            e.invalid(f"{where}.port", number, msg)
        _one_of(e, port, "protocol", PROTOCOLS, f"{where}.protocol")
        if _set(port, "targetPort"):
            _port_num_or_name(e, port["targetPort"], f"{where}.targetPort")
    if spec.get("selector") is not None:
        _labels(e, spec.get("selector"), "spec.selector")
    _one_of(e, spec, "sessionAffinity", ("ClientIP", "None"), "spec.sessionAffinity")
    if cluster_ip and cluster_ip != "None" and kind != "ExternalName":
        try:
            ipaddress.ip_address(cluster_ip)
        except ValueError:
            e.invalid("spec.clusterIPs[0]", cluster_ip,
                      "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)")
    _one_of(e, spec, "type", SERVICE_TYPES, "spec.type")
    for i, port in enumerate(ports):
        if kind == "ClusterIP" and _int(_d(port).get("nodePort")):
            e.forbidden(f"spec.ports[{i}].nodePort", "may not be used when `type` is 'ClusterIP'")
    seen_node_ports: set[tuple[str, int]] = set()
    seen_ports: set[tuple[str, int]] = set()
    for i, raw in enumerate(ports):
        port = _d(raw)
        protocol = _text(port.get("protocol")) or "TCP"
        node_port = _int(port.get("nodePort")) or 0
        if node_port and (protocol, node_port) in seen_node_ports:
            e.duplicate(f"spec.ports[{i}].nodePort", node_port)
        seen_node_ports.add((protocol, node_port))
    for i, raw in enumerate(ports):
        port = _d(raw)
        key = (_text(port.get("protocol")) or "TCP", _int(port.get("port")) or 0)
        if key in seen_ports:
            e.duplicate(f"spec.ports[{i}]", _service_port_repr(port))
        seen_ports.add(key)


def _node_port_range(svc: Obj) -> list[tuple[str, str]]:
    """The allocator's refusal of an explicit nodePort outside the node port range."""
    spec = _d(svc.get("spec"))
    if _text(spec.get("type")) not in ("NodePort", "LoadBalancer"):
        return []
    low, high = NODE_PORT_RANGE
    for i, port in enumerate(_l(spec.get("ports"))):
        wanted = _int(_d(port).get("nodePort"))
        if wanted and not low <= wanted <= high:
            return [(f"spec.ports[{i}].nodePort",
                     f"Invalid value: {wanted}: provided port is not in the valid range. "
                     f"The range of valid ports is {low}-{high}")]
    return []


# Configuration and storage ----------------------------------------------------------------------


def _config_map(e: Errors, cm: Obj) -> None:
    data, binary = _d(cm.get("data")), _d(cm.get("binaryData"))
    total = 0
    for key in sorted(data, key=str):
        for msg in config_key_errors(str(key)):
            e.invalid(f"data[{key}]", str(key), msg)
        if key in binary:
            e.invalid(f"data[{key}]", str(key), "duplicate of key present in binaryData")
        total += _byte_len(_text(data[key]))
    for key in sorted(binary, key=str):
        for msg in config_key_errors(str(key)):
            e.invalid(f"binaryData[{key}]", str(key), msg)
        total += len(_text(binary[key])) * 3 // 4
    if total > MAX_SECRET_SIZE:
        e.too_long("[]", MAX_SECRET_SIZE)


def _secret(e: Errors, secret: Obj) -> None:
    # stringData is merged into data when the object is decoded, so both are checked as data.
    data = {**_d(secret.get("data")), **_d(secret.get("stringData"))}
    total = 0
    for key in sorted(data, key=str):
        for msg in config_key_errors(str(key)):
            e.invalid(f"data[{key}]", str(key), msg)
        raw = _text(data[key])
        total += len(raw) if key in _d(secret.get("stringData")) else len(raw) * 3 // 4
    if total > MAX_SECRET_SIZE:
        e.too_long("data", MAX_SECRET_SIZE)
    kind = _text(secret.get("type"))
    annotations = _d(_d(secret.get("metadata")).get("annotations"))
    if kind == "kubernetes.io/service-account-token":
        if not _text(annotations.get("kubernetes.io/service-account.name")):
            e.required("metadata.annotations[kubernetes.io/service-account.name]")
    elif kind in ("kubernetes.io/dockercfg", "kubernetes.io/dockerconfigjson"):
        key = ".dockercfg" if kind.endswith("dockercfg") else ".dockerconfigjson"
        if key not in data:
            e.required(f"data[{key}]")
    elif kind == "kubernetes.io/basic-auth":
        if "username" not in data and "password" not in data:
            # The server builds these two paths with a literal "%s" left in them.
            e.required("data[%s][username]")
            e.required("data[%s][password]")
    elif kind == "kubernetes.io/ssh-auth":
        if not _text(data.get("ssh-privatekey")):
            e.required("data[%s][ssh-privatekey]")
    elif kind == "kubernetes.io/tls":
        for key in ("tls.crt", "tls.key"):
            if key not in data:
                e.required(f"data[{key}]")


def _namespace(e: Errors, ns: Obj) -> None:
    """A namespace has nothing beyond its metadata to check."""


ACCESS_MODES = ("ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce")
_PV_NON_SOURCES = frozenset({"accessModes", "capacity", "claimRef", "persistentVolumeReclaimPolicy",
                             "storageClassName", "mountOptions", "volumeMode", "nodeAffinity"})


def _capacity_repr(capacity: Any) -> GoLiteral:
    items = ", ".join(f"{go_quote(str(k))}:{go_quote(_text(v))}"
                      for k, v in sorted(_d(capacity).items()))
    return GoLiteral(f"core.ResourceList{{{items}}}")


def _access_modes(e: Errors, spec: Obj, path: str) -> None:
    for mode in _l(spec.get("accessModes")):
        if _text(mode) not in ACCESS_MODES:
            e.not_supported(path, _text(mode), ACCESS_MODES)


def _persistent_volume(e: Errors, pv: Obj) -> None:
    spec = _d(pv.get("spec"))
    if not _l(spec.get("accessModes")):
        e.required("spec.accessModes")
    capacity = _d(spec.get("capacity"))
    if not capacity:
        e.required("spec.capacity")
    if "storage" not in capacity or len(capacity) > 1:
        e.not_supported("spec.capacity", _capacity_repr(capacity), ("storage",))
    for name in sorted(capacity, key=str):
        amount = _quantity(capacity[name])
        if amount is not None and amount.value <= 0:
            e.invalid(f"spec.capacity[{name}]", amount.canonical(), "must be greater than zero")
    _access_modes(e, spec, "spec.accessModes")
    _one_of(e, spec, "persistentVolumeReclaimPolicy", ("Delete", "Recycle", "Retain"),
            "spec.persistentVolumeReclaimPolicy")
    _volume_source(e, {k: v for k, v in spec.items() if k not in _PV_NON_SOURCES}, "spec")


def _persistent_volume_claim(e: Errors, pvc: Obj) -> None:
    spec = _d(pvc.get("spec"))
    if not _l(spec.get("accessModes")):
        e.required("spec.accessModes", "at least 1 access mode is required")
    if spec.get("selector") is not None:
        _label_selector(e, spec["selector"], "spec.selector")
    _access_modes(e, spec, "spec.accessModes")
    requests = _d(_d(spec.get("resources")).get("requests"))
    if "storage" not in requests:
        e.required("spec.resources[storage]")
    else:
        amount = _quantity(requests["storage"])
        if amount is not None and amount.value < 0:
            e.invalid("spec.resources[storage]", amount.canonical(), NEGATIVE)
        if amount is not None and amount.value <= 0:
            e.invalid("spec.resources[storage]", amount.canonical(), "must be greater than zero")
    class_name = _text(spec.get("storageClassName"))
    for msg in dns1123_subdomain_errors(class_name) if class_name else []:
        e.invalid("spec.storageClassName", class_name, msg)
    _one_of(e, spec, "volumeMode", ("Block", "Filesystem"), "spec.volumeMode")


# Updates ----------------------------------------------------------------------------------------

_POD_UPDATE = ("pod updates may not change fields other than `spec.containers[*].image`, "
               "`spec.initContainers[*].image`, `spec.activeDeadlineSeconds` or "
               "`spec.tolerations` (only additions to existing tolerations)")
_GO_FIELD_NAMES = {"dnsPolicy": "DNSPolicy", "dnsConfig": "DNSConfig"}
# core.PodSpec's field order, which the diff follows; other fields go last, by name.
_POD_SPEC_ORDER = (
    "volumes", "initContainers", "containers", "ephemeralContainers", "restartPolicy",
    "terminationGracePeriodSeconds", "activeDeadlineSeconds", "dnsPolicy", "nodeSelector",
    "serviceAccountName", "automountServiceAccountToken", "nodeName", "securityContext",
    "imagePullSecrets", "hostname", "subdomain", "setHostnameAsFQDN", "affinity",
    "schedulerName", "tolerations", "hostAliases", "priorityClassName", "priority",
    "dnsConfig", "readinessGates", "runtimeClassName", "overhead", "enableServiceLinks",
    "preemptionPolicy", "topologySpreadConstraints",
)


def _field_order(key: str) -> tuple[int, str]:
    return (_POD_SPEC_ORDER.index(key) if key in _POD_SPEC_ORDER else len(_POD_SPEC_ORDER), key)


def _diff_value(value: Any) -> str:
    if isinstance(value, str | int | float | bool) or value is None:
        return "nil" if value is None else go_value(value)
    return "{...}"


def spec_diff(type_name: str, new: Obj, old: Obj) -> str:
    """A cmp.Diff-style summary of which top-level fields differ (`-` new, `+` old)."""
    a, b = _semantic(new), _semantic(old)
    keys = sorted(set(a) | set(b), key=_field_order)
    changed = [k for k in keys if a.get(k) != b.get(k)]
    lines = [f"  {type_name}{{"]
    same = len(keys) - len(changed)
    if same:
        lines.append(f"  \t... // {same} identical field{'s' if same > 1 else ''}")
    for key in changed:
        name = _GO_FIELD_NAMES.get(key, key[:1].upper() + key[1:])
        lines.append(f"- \t{name}: {_diff_value(a.get(key))},")
        lines.append(f"+ \t{name}: {_diff_value(b.get(key))},")
    lines.append("  }")
    return "\n".join(lines) + "\n"


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
            if image != image.strip():
                e.invalid(f"spec.{part}[{i}].image", image,
                          "must not have leading or trailing whitespace")
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
        kept = {k: v for k, v in _d(toleration).items() if k != "tolerationSeconds"}
        if not any(_same(kept, {k: v for k, v in _d(t).items() if k != "tolerationSeconds"})
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


def _selector_immutable(e: Errors, new: Obj, old: Obj) -> None:
    """apps/v1 selectors cannot change after creation."""
    now, before = _d(new.get("spec")).get("selector"), _d(old.get("spec")).get("selector")
    if not _same(now, before):
        e.invalid("spec.selector", go_label_selector(now), IMMUTABLE)


def _stateful_set_update(e: Errors, new: Obj, old: Obj) -> None:
    mutable = ("replicas", "template", "updateStrategy")
    now = {k: v for k, v in _d(new.get("spec")).items() if k not in mutable}
    before = {k: v for k, v in _d(old.get("spec")).items() if k not in mutable}
    if not _same(now, before):
        e.forbidden("spec", "updates to statefulset spec for fields other than 'replicas', "
                            "'template', and 'updateStrategy' are forbidden")
    _selector_immutable(e, new, old)


def _job_update(e: Errors, new: Obj, old: Obj) -> None:
    ns, os_ = _d(new.get("spec")), _d(old.get("spec"))
    if not _same(ns.get("completions"), os_.get("completions")):
        e.invalid("spec.completions", _int(ns.get("completions")), IMMUTABLE)
    if not _same(ns.get("selector"), os_.get("selector")):
        e.invalid("spec.selector", go_label_selector(ns.get("selector")), IMMUTABLE)
    if not _same(ns.get("template"), os_.get("template")):
        e.invalid("spec.template", GoLiteral("core.PodTemplateSpec{...}"), IMMUTABLE)


def _service_update(e: Errors, new: Obj, old: Obj) -> None:
    ns, os_ = _d(new.get("spec")), _d(old.get("spec"))
    if "ExternalName" in (_text(ns.get("type")), _text(os_.get("type"))):
        return
    if _headless(ns) and _headless(os_):
        return
    # An update that leaves the address out keeps the allocated one.
    now = _text(ns.get("clusterIP")) or _text(next(iter(_l(ns.get("clusterIPs"))), ""))
    before = _text(os_.get("clusterIP")) or _text(next(iter(_l(os_.get("clusterIPs"))), ""))
    if now and before and now != before:
        e.invalid("spec.clusterIPs[0]", GoLiteral(go_string_slice([now])),
                  "may not change once set")


def _immutable_data(e: Errors, new: Obj, old: Obj, parts: tuple[str, ...]) -> None:
    if old.get("immutable") is not True:
        return
    detail = "field is immutable when `immutable` is set"
    if new.get("immutable") is not True:
        e.forbidden("immutable", detail)
    for part in parts:
        if not _same(new.get(part), old.get(part)):
            e.forbidden(part, detail)


def _config_map_update(e: Errors, new: Obj, old: Obj) -> None:
    _immutable_data(e, new, old, ("data", "binaryData"))


def _secret_update(e: Errors, new: Obj, old: Obj) -> None:
    kind = _text(new.get("type")) or _text(old.get("type"))
    if kind != _text(old.get("type")):
        e.invalid("type", kind, IMMUTABLE)
    _immutable_data(e, new, old, ("data",))


def _persistent_volume_update(e: Errors, new: Obj, old: Obj) -> None:
    ns, os_ = _d(new.get("spec")), _d(old.get("spec"))
    now = {k: v for k, v in ns.items() if k not in _PV_NON_SOURCES}
    before = {k: v for k, v in os_.items() if k not in _PV_NON_SOURCES}
    if not _same(now, before):
        e.forbidden("spec.persistentvolumesource",
                    "spec.persistentvolumesource is immutable after creation\n"
                    + spec_diff("core.PersistentVolumeSource", now, before))
    if not _same(ns.get("volumeMode"), os_.get("volumeMode")):
        e.invalid("volumeMode", ns.get("volumeMode"), IMMUTABLE)


def _persistent_volume_claim_update(e: Errors, new: Obj, old: Obj) -> None:
    ns, os_ = copy.deepcopy(_d(new.get("spec"))), copy.deepcopy(_d(old.get("spec")))
    if not _text(os_.get("volumeName")):
        os_["volumeName"] = ns.get("volumeName")  # binding fills it in once
    new_size = _quantity(_d(_d(ns.get("resources")).get("requests")).get("storage"))
    old_size = _quantity(_d(_d(os_.get("resources")).get("requests")).get("storage"))
    if _text(_d(new.get("status")).get("phase")) == "Bound":
        requests = _d(ns.get("resources")).get("requests")
        if isinstance(requests, dict):
            requests["storage"] = _d(_d(os_.get("resources")).get("requests")).get("storage")
    if not _same(ns, os_):
        e.forbidden("spec", "spec is immutable after creation except resources.requests for "
                            "bound claims")
    if new_size is not None and old_size is not None and new_size < old_size:
        e.forbidden("spec.resources.requests.storage",
                    "field can not be less than previous value")


# Dispatch ---------------------------------------------------------------------------------------

Check = Callable[[Errors, Obj], None]
UpdateCheck = Callable[[Errors, Obj, Obj], None]


@dataclass(frozen=True)
class KindRules:
    """What the server checks for one kind on create, and additionally on update."""

    create: Check
    update: UpdateCheck | None = None
    # What an update re-checks of the whole object, when that differs from `create`.
    recheck: Check | None = None
    # Checks the registry makes after validation passed (the node port allocator).
    after: Callable[[Obj], list[tuple[str, str]]] | None = None


RULES: dict[str, KindRules] = {
    "Pod": KindRules(_pod, _pod_update),
    "ReplicationController": KindRules(_replication_controller),
    "ReplicaSet": KindRules(_replica_set, _selector_immutable),
    "Deployment": KindRules(_deployment, _selector_immutable),
    "DaemonSet": KindRules(_daemon_set, _selector_immutable),
    "StatefulSet": KindRules(_stateful_set, _stateful_set_update),
    "Job": KindRules(_job, _job_update),
    "CronJob": KindRules(_cron_job, recheck=_cron_job_spec),
    "Service": KindRules(_service, _service_update, after=_node_port_range),
    "ConfigMap": KindRules(_config_map, _config_map_update),
    "Secret": KindRules(_secret, _secret_update),
    "Namespace": KindRules(_namespace),
    "PersistentVolume": KindRules(_persistent_volume, _persistent_volume_update),
    "PersistentVolumeClaim": KindRules(_persistent_volume_claim,
                                       _persistent_volume_claim_update),
}


def _kind(kind: str) -> str:
    if kind in RULES or any(rt.kind == kind for rt in kinds.RESOURCE_TYPES):
        return kind
    try:
        return kinds.resolve(kind).kind
    except kinds.UnknownResourceType:
        return kind


def _raise(kind: str, obj: Obj, causes: list[tuple[str, str]]) -> None:
    if causes:
        raise invalid(kind, _text(_d(obj.get("metadata")).get("name")), causes)


def validate_create(kind: str, obj: Obj) -> None:
    """Check a new object as the v1.20 API server does; raise a 422 ApiError if it fails.

    `kind` is the Kind (`Pod`) or any name kubectl resolves. Kinds without rules here get the
    metadata checks only.
    """
    kind = _kind(kind)
    e = Errors()
    _meta(e, kind, obj)
    rules = RULES.get(kind)
    if rules is not None:
        rules.create(e, obj)
    _raise(kind, obj, e.causes)
    if rules is not None and rules.after is not None:
        _raise(kind, obj, rules.after(obj))


def validate_update(kind: str, old: Obj, new: Obj) -> None:
    """Check a replacement for `old` as the v1.20 API server does; raise a 422 on failure.

    The new object is validated as a whole (CronJob's name length is a create-time rule
    only), then the kind's update rules say what may not change.
    """
    kind = _kind(kind)
    e = Errors()
    _meta_update(e, new, old)
    rules = RULES.get(kind)
    if rules is not None:
        (rules.recheck or rules.create)(e, new)
        if rules.update is not None:
            rules.update(e, new, old)
    _raise(kind, new, e.causes)
    if rules is not None and rules.after is not None:
        _raise(kind, new, rules.after(new))
