"""ConfigMaps and Secrets: data keys, the 1 MiB limit, per-type keys, and `immutable`."""

from __future__ import annotations

from typing import Any

from kubia_tutor.api.semantics.causes import IMMUTABLE, Errors
from kubia_tutor.api.semantics.fields import Obj, _byte_len, _d, _same, _text
from kubia_tutor.api.semantics.names import config_key_errors

MAX_SECRET_SIZE = 1024 * 1024


def _config_key(e: Errors, part: str, key: Any) -> None:
    """IsConfigMapKey for one key of `data` or `binaryData`."""
    for msg in config_key_errors(str(key)):
        e.invalid(f"{part}[{key}]", str(key), msg)


def _config_map(e: Errors, cm: Obj) -> None:
    data, binary = _d(cm.get("data")), _d(cm.get("binaryData"))
    total = 0
    for key in sorted(data, key=str):
        _config_key(e, "data", key)
        if key in binary:
            e.invalid(f"data[{key}]", str(key), "duplicate of key present in binaryData")
        total += _byte_len(_text(data[key]))
    for key in sorted(binary, key=str):
        _config_key(e, "binaryData", key)
        total += len(_text(binary[key])) * 3 // 4
    if total > MAX_SECRET_SIZE:
        e.too_long("[]", MAX_SECRET_SIZE)


def _secret(e: Errors, secret: Obj) -> None:
    # stringData is merged into data when the object is decoded, so both are checked as data.
    data = {**_d(secret.get("data")), **_d(secret.get("stringData"))}
    total = 0
    for key in sorted(data, key=str):
        _config_key(e, "data", key)
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
