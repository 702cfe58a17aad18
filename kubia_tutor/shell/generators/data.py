"""ConfigMaps and Secrets: `kubectl create configmap` and `kubectl create secret ...`."""

from __future__ import annotations

import base64
import hashlib
import os
import stat
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from kubia_tutor.shell.generators._order import in_go_order
from kubia_tutor.shell.generators._support import (
    Obj,
    config_map_key_errors,
    env_var_name_errors,
    errno_text,
    go_bytes,
    go_clean_join,
    go_quote,
    go_trim_left_space,
    new_object,
    parse_file_source,
    parse_literal_source,
)
from kubia_tutor.shell.generators.errors import GeneratorError
from kubia_tutor.shell.generators.tlspair import check_key_pair
from kubia_tutor.shell.printers.serialize import to_compact_json

__all__ = [
    "DEFAULT_DOCKER_SERVER",
    "configmap",
    "configmap_hash",
    "secret_docker_registry",
    "secret_generic",
    "secret_hash",
    "secret_tls",
]

DEFAULT_DOCKER_SERVER = "https://index.docker.io/v1/"
_UTF8_BOM = "\ufeff"

Cwd = str | os.PathLike[str] | None


# ---------------------------------------------------------------------------------------------
# ConfigMap


def configmap(
    name: str,
    from_literals: Sequence[str] = (),
    from_files: Sequence[str] = (),
    from_env_files: Sequence[str] = (),
    append_hash: bool = False,
    *,
    cwd: Cwd = None,
    environ: Mapping[str, str] | None = None,
) -> Obj:
    """The ConfigMap `kubectl create configmap NAME --from-...` sends.

    `from_files` items are `[key=]path`; a directory gives one key per regular file in it.
    Files whose bytes are not UTF-8 go to `binaryData`. In v1.20 `--from-env-file` is a
    single-valued flag, so only the last of `from_env_files` counts. Relative paths are taken
    from `cwd` (default: the process's), but messages show them as typed. An env file line
    without `=` takes its value from `environ` (default: os.environ).
    """
    env_file = from_env_files[-1] if from_env_files else ""
    if not name:
        raise GeneratorError("name must be specified")
    if env_file and (from_files or from_literals):
        raise GeneratorError("from-env-file cannot be combined with from-file or from-literal")
    cm = new_object("v1", "ConfigMap", name)
    data: dict[str, str] = {}
    binary: dict[str, bytes] = {}

    def check_new_key(key: str) -> None:
        errs = config_map_key_errors(key)
        if errs:
            raise GeneratorError(
                f"{go_quote(key)} is not a valid key name for a ConfigMap: {';'.join(errs)}"
            )
        where = "Data" if key in data else "BinaryData" if key in binary else None
        if where:
            raise GeneratorError(
                f"cannot add key {go_quote(key)}, another key by that name already exists "
                f"in {where} for ConfigMap {go_quote(name)}"
            )

    def add_text(key: str, value: str) -> None:
        check_new_key(key)
        data[key] = value

    def add_file(key: str, path: str) -> None:
        content = _read_file(path, cwd)
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            check_new_key(key)
            binary[key] = content
            return
        add_text(key, text)

    for source in from_files:
        _each_file_source(source, cwd, add_file, dir_key_error=_CM_DIR_KEY)
    for source in from_literals:
        add_text(*parse_literal_source(source))
    if env_file:
        _each_env_pair(env_file, cwd, environ, add_text, dir_error="env config file")

    if data:
        cm["data"] = data
    if binary:
        cm["binaryData"] = {k: base64.b64encode(v).decode("ascii") for k, v in binary.items()}
    if append_hash:
        cm["metadata"]["name"] = f"{name}-{configmap_hash(cm)}"
    return in_go_order(cm)


_CM_DIR_KEY = "cannot give a key name for a directory path."
_SECRET_DIR_KEY = "cannot give a key name for a directory path"


# ---------------------------------------------------------------------------------------------
# Secrets


def secret_generic(
    name: str,
    from_literals: Sequence[str] = (),
    from_files: Sequence[str] = (),
    from_env_files: Sequence[str] = (),
    type_: str = "",
    append_hash: bool = False,
    *,
    cwd: Cwd = None,
    environ: Mapping[str, str] | None = None,
) -> Obj:
    """The Secret `kubectl create secret generic NAME ...` sends (values base64-encoded).

    Sources work as for `configmap`; `type_` is the `--type` flag (no `type` field when empty).
    """
    env_file = from_env_files[-1] if from_env_files else ""
    if not name:
        raise GeneratorError("name must be specified")
    if env_file and (from_files or from_literals):
        raise GeneratorError("from-env-file cannot be combined with from-file or from-literal")
    data: dict[str, bytes] = {}
    add = _secret_adder(data)
    for source in from_files:
        _each_file_source(
            source, cwd, lambda key, path: add(key, _read_file(path, cwd)), _SECRET_DIR_KEY
        )
    for source in from_literals:
        key, value = parse_literal_source(source)
        add(key, value.encode("utf-8"))
    if env_file:
        _each_env_pair(
            env_file, cwd, environ, lambda k, v: add(k, v.encode("utf-8")), "env secret file"
        )
    return _finish_secret(name, data, type_, append_hash)


def secret_tls(
    name: str, cert_path: str, key_path: str, append_hash: bool = False, *, cwd: Cwd = None
) -> Obj:
    """The `kubernetes.io/tls` Secret of `kubectl create secret tls NAME --cert --key`.

    The pair is checked as kubectl checks it; see `tlspair` for how far that goes without a
    crypto library.
    """
    if not cert_path:
        raise GeneratorError("flag cert is required", usage_hint=True)
    if not key_path:
        raise GeneratorError("flag key is required", usage_hint=True)
    cert = _read_tls_file(cert_path, cwd)
    key = _read_tls_file(key_path, cwd)
    check_key_pair(cert, key)
    return _finish_secret(
        name, {"tls.crt": cert, "tls.key": key}, "kubernetes.io/tls", append_hash
    )


def secret_docker_registry(
    name: str,
    server: str = DEFAULT_DOCKER_SERVER,
    username: str = "",
    password: str = "",
    email: str = "",
    *,
    from_files: Sequence[str] = (),
    append_hash: bool = False,
    cwd: Cwd = None,
) -> Obj:
    """The `.dockerconfigjson` Secret of `kubectl create secret docker-registry NAME ...`.

    With `from_files` the file contents are used as they are (as kubectl's `--from-file`) and
    the credential flags are ignored.
    """
    data: dict[str, bytes] = {}
    if from_files:
        add = _secret_adder(data)
        for source in from_files:
            _each_file_source(
                source, cwd, lambda key, path: add(key, _read_file(path, cwd)), _SECRET_DIR_KEY
            )
    else:
        for flag, value in (
            ("docker-username", username),
            ("docker-password", password),
            ("docker-server", server),
        ):
            if not value:
                raise GeneratorError(f"flag {flag} is required", usage_hint=True)
        entry: dict[str, str] = {}
        # Struct field order, each omitted when empty, as Go's encoder writes them.
        for field, value in (
            ("username", username),
            ("password", password),
            ("email", email),
            ("auth", base64.b64encode(f"{username}:{password}".encode()).decode("ascii")),
        ):
            if value:
                entry[field] = value
        config = to_compact_json({"auths": {server: entry}}, sort_keys=False)
        data[".dockerconfigjson"] = config.encode("utf-8")
    return _finish_secret(name, data, "kubernetes.io/dockerconfigjson", append_hash)


def _secret_adder(data: dict[str, bytes]) -> Callable[[str, bytes], None]:
    def add(key: str, value: bytes) -> None:
        errs = config_map_key_errors(key)
        if errs:
            raise GeneratorError(
                f"{go_quote(key)} is not a valid key name for a Secret: {';'.join(errs)}"
            )
        if key in data:
            raise GeneratorError(f"cannot add key {key}, another key by that name already exists")
        data[key] = value

    return add


def _finish_secret(name: str, data: dict[str, bytes], type_: str, append_hash: bool) -> Obj:
    secret = new_object("v1", "Secret", name)
    if data:
        secret["data"] = {k: base64.b64encode(v).decode("ascii") for k, v in data.items()}
    if type_:
        secret["type"] = type_
    if append_hash:
        secret["metadata"]["name"] = f"{name}-{secret_hash(secret)}"
    return in_go_order(secret)


# ---------------------------------------------------------------------------------------------
# --append-hash


def configmap_hash(cm: Obj) -> str:
    """The 10-character suffix `--append-hash` adds to a ConfigMap built here."""
    encoded: dict[str, object] = {
        "data": dict(sorted(cm.get("data", {}).items())),
        "kind": "ConfigMap",
        "name": cm["metadata"]["name"],
    }
    if cm.get("binaryData"):
        encoded = {"binaryData": dict(sorted(cm["binaryData"].items()))} | encoded
    # The maps are sorted above and the outer keys are in Go's field order already.
    return _encode_hash(to_compact_json(encoded, sort_keys=False))


def secret_hash(secret: Obj) -> str:
    """The 10-character suffix `--append-hash` adds to a Secret built here."""
    encoded = {
        "data": dict(sorted(secret.get("data", {}).items())),
        "kind": "Secret",
        "name": secret["metadata"]["name"],
        "type": secret.get("type", ""),
    }
    return _encode_hash(to_compact_json(encoded, sort_keys=False))


def _encode_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    # Swapping these characters keeps vowels (and so words) and look-alikes out of names.
    return digest[:10].translate(str.maketrans("013ae", "ghkmt"))


# ---------------------------------------------------------------------------------------------
# Files


def _resolve(path: str, cwd: Cwd) -> Path:
    candidate = Path(path)
    if cwd is not None and not candidate.is_absolute():
        return Path(cwd) / candidate
    return candidate


def _read_file(path: str, cwd: Cwd) -> bytes:
    try:
        return _resolve(path, cwd).read_bytes()
    except IsADirectoryError:
        raise GeneratorError(f"read {path}: is a directory") from None
    except OSError as err:
        raise GeneratorError(f"open {path}: {errno_text(err)}") from None


def _read_tls_file(path: str, cwd: Cwd) -> bytes:
    try:
        return _read_file(path, cwd)
    except GeneratorError as err:
        raise GeneratorError(f"Cannot read file {path}, {err.message}") from None


def _stat(path: str, cwd: Cwd) -> os.stat_result:
    try:
        return _resolve(path, cwd).stat()
    except OSError as err:
        raise GeneratorError(f"error reading {path}: {errno_text(err)}") from None


def _each_file_source(
    source: str, cwd: Cwd, add: Callable[[str, str], None], dir_key_error: str
) -> None:
    """Feed `add(key, path)` with the file(s) one `--from-file` value names."""
    key, path = parse_file_source(source)
    info = _stat(path, cwd)
    if not stat.S_ISDIR(info.st_mode):
        add(key, path)
        return
    if "=" in source:
        raise GeneratorError(dir_key_error)
    directory = _resolve(path, cwd)
    try:
        names = sorted(os.listdir(directory))
    except OSError as err:
        raise GeneratorError(f"error listing files in {path}: {errno_text(err)}") from None
    for entry in names:
        # Symbolic links, subdirectories and devices are skipped, like Go's ReadDir + IsRegular.
        try:
            mode = os.lstat(directory / entry).st_mode
        except OSError:
            continue
        if stat.S_ISREG(mode):
            add(entry, go_clean_join(path, entry))


def _each_env_pair(
    path: str,
    cwd: Cwd,
    environ: Mapping[str, str] | None,
    add: Callable[[str, str], None],
    dir_error: str,
) -> None:
    """Feed `add(key, value)` with the pairs of an env file, line by line like kubectl."""
    info = _stat(path, cwd)
    if stat.S_ISDIR(info.st_mode):
        raise GeneratorError(f"{dir_error} cannot be a directory")
    content = _read_file(path, cwd)
    env = os.environ if environ is None else environ
    lines = content.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for number, raw in enumerate(lines, start=1):
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise GeneratorError(
                f"env file {path} contains invalid utf8 bytes at line {number}: {go_bytes(raw)}"
            ) from None
        if number == 1 and line.startswith(_UTF8_BOM):
            line = line[1:]
        line = go_trim_left_space(line)
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        errs = env_var_name_errors(key)
        if errs:
            raise GeneratorError(f"{go_quote(key)} is not a valid key name: {';'.join(errs)}")
        add(key, value if sep else env.get(key, ""))
