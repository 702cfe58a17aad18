"""kubectl 1.20's client-side schema validation (`--validate=true`), with its exact messages.

kubectl validated a manifest against the server's OpenAPI model before sending it, and its rules
are looser than JSON Schema's: any scalar passes a `string` field (so IntOrString, Quantity and
numeric labels pass), an `integer` field takes any number, a null field value is skipped (which is
why `creationTimestamp: null` passes), unknown fields and missing required fields are reported
per object, and nothing else (enums, formats, patterns) is checked. Reproducing those rules and the
`ValidationError(<path>): ...` wording rules out a stock JSON-Schema validator (the schema files
are draft 2020-12, i.e. `jsonschema.Draft202012Validator`): it would be stricter and word its
errors differently. So this walks the compiled model from `schemas` directly, which also keeps a
50-line manifest well under a millisecond once the definitions are loaded.

Errors come out in kubectl's order: an object's keys in sorted order (each key's unknown-field
error or nested errors in place), then its missing required fields in schema order.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping
from typing import Any

from kubia_tutor.api import schemas
from kubia_tutor.api.schemas import Arbitrary, Array, Kind, Map, Primitive, Ref, Schema

STOP_VALIDATE_HINT = (
    "if you choose to ignore these errors, turn validation off with --validate=false"
)

_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1


def validate(obj: Any) -> list[str]:
    """Client validation errors for one decoded manifest, as kubectl 1.20 words them.

    An empty list means the manifest passes, which includes kinds the server does not serve:
    kubectl skips validation for those and fails later with "unable to recognize".
    A `v1` `List` has each of its items validated.
    """
    gvk, errors = _object_kind(obj)
    if gvk is None:
        return errors
    group, version, kind = gvk
    if (group, version, kind) == ("", "v1", "List"):
        items = obj.get("items") if isinstance(obj, Mapping) else None
        if not isinstance(items, list):
            return ["invalid object to validate"]
        found: list[str] = []
        for item in items:
            item_gvk, item_errors = _object_kind(item)
            if item_gvk is None:
                found.extend(item_errors)
            else:
                found.extend(_validate_resource(item, item_gvk))
        return found
    return _validate_resource(obj, gvk)


def aggregate(errors: list[str]) -> str:
    """kubectl's aggregate error text: one error as is, several (after dropping repeats) as
    `[e1, e2]`."""
    unique = list(dict.fromkeys(errors))
    if len(unique) == 1:
        return unique[0]
    return "[" + ", ".join(unique) + "]"


def format_error(source: str, errors: list[str]) -> str:
    """The whole message kubectl prints after `error: ` when a manifest fails validation, e.g.
    `error validating "pod.yaml": error validating data: ValidationError(Pod.spec): unknown
    field "foo" in io.k8s.api.core.v1.PodSpec; if you choose to ignore these errors, turn
    validation off with --validate=false`. `source` is the file name (`STDIN` for `-f -`).
    """
    if not errors:
        raise ValueError("format_error needs at least one validation error")
    return (f"error validating {_go_quote(source)}: error validating data: "
            f"{aggregate(errors)}; {STOP_VALIDATE_HINT}")


# --- what kubectl does before walking the model ----------------------------------------------


def _object_kind(obj: Any) -> tuple[tuple[str, str, str] | None, list[str]]:
    if not isinstance(obj, Mapping):
        return None, ["invalid object to validate"]
    errors: list[str] = []
    group = version = ""
    api_version = obj.get("apiVersion")
    if api_version is None:
        errors.append("apiVersion not set")
    elif not isinstance(api_version, str):
        errors.append("apiVersion isn't string type")
    elif api_version not in ("", "/"):
        if api_version.count("/") > 1:
            errors.append(f"unexpected GroupVersion string: {api_version}")
        else:
            group, _, version = api_version.rpartition("/")
    kind = obj.get("kind")
    if kind is None:
        errors.append("kind not set")
    elif not isinstance(kind, str):
        errors.append("kind isn't string type")
    if errors:
        return None, errors
    assert isinstance(kind, str)
    return (group, version, kind), []


def _validate_resource(obj: Any, gvk: tuple[str, str, str]) -> list[str]:
    root = schemas.resource_model(*gvk)
    if root is None:
        return []
    errors: list[str] = []
    _check(obj, root, gvk[2], errors)
    return errors


# --- the walk --------------------------------------------------------------------------------


def _value_kind(value: Any) -> str | None:
    """The JSON kind kubectl would see after YAML -> JSON -> Go values, or None if none fits."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        # JSON carries 8080.0 as 8080, and kubectl decodes integral numbers as integers.
        if math.isfinite(value) and value.is_integer() and _INT64_MIN <= value <= _INT64_MAX:
            return "integer"
        return "number"
    if isinstance(value, str | bytes | datetime.date):
        # YAML timestamps and binaries reach kubectl as JSON strings.
        return "string"
    if isinstance(value, Mapping):
        return "map"
    if isinstance(value, list | tuple):
        return "array"
    return None


def _key(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)


def _sorted_entries(value: Mapping[Any, Any]) -> list[tuple[str, Any]]:
    return sorted(((_key(k), v) for k, v in value.items()), key=lambda kv: kv[0])


def _invalid_type(path: str, schema_path: str, expected: str, actual: str) -> str:
    return (f'ValidationError({path}): invalid type for {schema_path}: '
            f'got "{actual}", expected "{expected}"')


def _unknown_object(path: str, value: Any) -> str:
    kind = "nil" if value is None else type(value).__name__
    return f'unknown object type "{kind}" in {path}'


def _check(value: Any, schema: Schema, path: str, errors: list[str]) -> None:
    """Validate a non-null value against a node; `path` is the value's place (`Pod.spec`)."""
    while isinstance(schema, Ref):
        schema = schema.resolve()
    if isinstance(schema, Arbitrary):
        return
    actual = _value_kind(value)
    if actual == "map":
        _check_map(value, schema, path, errors)
    elif actual == "array":
        _check_array(value, schema, path, errors)
    elif isinstance(schema, Primitive):
        assert actual is not None
        if not _scalar_fits(schema.type, actual):
            errors.append(_invalid_type(path, schema.path, schema.type, actual))
    elif isinstance(schema, Array):
        errors.append(_invalid_type(path, schema.path, "array", str(actual)))
    else:
        errors.append(_invalid_type(path, schema.path, "map", str(actual)))


def _scalar_fits(expected: str, actual: str) -> bool:
    if expected == "string":
        return True
    if expected in ("integer", "number"):
        return actual in ("integer", "number")
    if expected == "boolean":
        return actual == "boolean"
    return False


def _check_map(value: Mapping[Any, Any], schema: Schema, path: str, errors: list[str]) -> None:
    if isinstance(schema, Kind):
        for key, sub in _sorted_entries(value):
            if sub is None:
                continue
            sub_path = f"{path}.{key}"
            if _value_kind(sub) is None:
                errors.append(_unknown_object(sub_path, sub))
                continue
            field = schema.fields.get(key)
            if field is None:
                errors.append(f'ValidationError({path}): unknown field "{key}" in {schema.path}')
                continue
            _check(sub, field, sub_path, errors)
        present = {_key(k) for k, v in value.items() if v is not None}
        for name in schema.required:
            if name not in present:
                errors.append(f'ValidationError({path}): missing required field "{name}" '
                              f"in {schema.path}")
    elif isinstance(schema, Map):
        for key, sub in _sorted_entries(value):
            sub_path = f"{path}.{key}"
            if _value_kind(sub) is None:
                # kubectl reports these bare, without the ValidationError(...) wrapper.
                errors.append(_unknown_object(sub_path, sub))
                continue
            _check(sub, schema.values, sub_path, errors)
    elif isinstance(schema, Array):
        errors.append(_invalid_type(path, schema.path, "array", "map"))
    elif isinstance(schema, Primitive):
        errors.append(_invalid_type(path, schema.path, schema.type, "map"))


def _check_array(value: list[Any] | tuple[Any, ...], schema: Schema, path: str,
                 errors: list[str]) -> None:
    if isinstance(schema, Array):
        for i, item in enumerate(value):
            item_path = f"{path}[{i}]"
            if item is None:
                errors.append(f"ValidationError({path}): {_unknown_object(item_path, None)}")
                continue
            if _value_kind(item) is None:
                errors.append(_unknown_object(item_path, item))
                continue
            _check(item, schema.items, item_path, errors)
    elif isinstance(schema, Kind | Map):
        errors.append(_invalid_type(path, schema.path, "map", "array"))
    elif isinstance(schema, Primitive):
        errors.append(_invalid_type(path, schema.path, schema.type, "array"))


def _go_quote(text: str) -> str:
    """Go's %q for the usual file names: backslash-escape quotes, backslashes and controls."""
    out = ['"']
    for ch in text:
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)
