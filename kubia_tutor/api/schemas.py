"""The API's OpenAPI model (v1.25 JSON schemas), loaded lazily, shaped the way kubectl 1.20 sees it.

Only `_definitions.json` of kubernetes-validate's `v1.25.0-local-strict` set is read: it holds every
definition, each kind file is just a copy of one of them, and its `$ref`s all point inside itself
(`#/$defs/<name>`), so no cross-file resolver is needed. The file is parsed on first use, not at
import, and each definition is compiled into a small node tree only when something asks for it.

The nodes mirror the model kubectl builds from a server's OpenAPI v2 document (kube-openapi's
`proto` package): a `Kind` (object with properties), `Map`, `Array`, `Primitive`, `Ref` and
`Arbitrary`. The JSON-schema conversion changed a few things that kubectl never saw, and compiling
undoes them: `["string", "null"]` types lose the null, and the `oneOf` forms of IntOrString and
Quantity become what the OpenAPI document served, a `string` primitive with its description.
"""

from __future__ import annotations

import importlib.util
import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kubia_tutor.api.kinds import EXTRA_API_VERSIONS, RESOURCE_TYPES

SCHEMA_SET = "v1.25.0-local-strict"

INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"

# The converted schemas dropped these two descriptions along with their OpenAPI type; explain
# prints them (e.g. for `svc.spec.ports.targetPort`), so they come back here, as the API
# documented them in the 1.20 era.
_RESTORED: dict[str, tuple[str, str, str]] = {
    INT_OR_STRING: (
        "string",
        "int-or-string",
        "IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML "
        "marshalling and unmarshalling, it produces or consumes the inner type.  This allows you "
        "to have, for example, a JSON field that can accept a name or number.",
    ),
    QUANTITY: (
        "string",
        "",
        "Quantity is a fixed-point representation of a number. It provides convenient "
        "marshaling/unmarshaling in JSON and YAML, in addition to String() and AsInt64() "
        "accessors.\n\nThe serialization format is:\n\n"
        "<quantity>        ::= <signedNumber><suffix>\n"
        "  (Note that <suffix> may be empty, from the \"\" case in <decimalSI>.)\n"
        "<digit>           ::= 0 | 1 | ... | 9 "
        "<digits>          ::= <digit> | <digit><digits> "
        "<number>          ::= <digits> | <digits>.<digits> | <digits>. | .<digits> "
        "<sign>            ::= \"+\" | \"-\" "
        "<signedNumber>    ::= <number> | <sign><number> "
        "<suffix>          ::= <binarySI> | <decimalExponent> | <decimalSI> "
        "<binarySI>        ::= Ki | Mi | Gi | Ti | Pi | Ei\n"
        "  (International System of units; See: http://physics.nist.gov/cuu/Units/binary.html)\n"
        "<decimalSI>       ::= m | \"\" | k | M | G | T | P | E\n"
        "  (Note that 1024 = 1Ki but 1000 = 1k; I didn't choose the capitalization.)\n"
        "<decimalExponent> ::= \"e\" <signedNumber> | \"E\" <signedNumber>\n\n"
        "No matter which of the three exponent forms is used, no quantity may represent a number "
        "greater than 2^63-1 in magnitude, nor may it have more than 3 decimal places. Numbers "
        "larger or more precise will be capped or rounded up. (E.g.: 0.1m will rounded up to "
        "1m.) This may be extended in the future if we require larger or smaller quantities.\n\n"
        "When a Quantity is parsed from a string, it will remember the type of suffix it had, "
        "and will use the same type again when it is serialized.\n\n"
        "Before serializing, Quantity will be put in \"canonical form\". This means that "
        "Exponent/suffix will be adjusted up or down (with a corresponding increase or decrease "
        "in Mantissa) such that:\n"
        "  a. No precision is lost\n"
        "  b. No fractional digits will be emitted\n"
        "  c. The exponent (or suffix) is as large as possible.\n"
        "The sign will be omitted unless the number is negative.\n\n"
        "Examples:\n"
        "  1.5 will be serialized as \"1500m\"\n"
        "  1.5Gi will be serialized as \"1536Mi\"\n\n"
        "Note that the quantity will NEVER be internally represented by a floating point number. "
        "That is the whole point of this exercise.\n\n"
        "Non-canonical values will still parse as long as they are well formed, but will be "
        "re-emitted in their canonical form. (So always use canonical form, or don't diff.)\n\n"
        "This format is intended to make it difficult to use these numbers without writing some "
        "sort of special handling code in the hopes that that will cause implementors to also "
        "use a fixed point implementation.",
    ),
}


# --- the model -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Node:
    """A schema node. `path` is the name kubectl's messages use: `<definition>[.<field>...]`."""

    path: str
    description: str


@dataclass(frozen=True, slots=True)
class Primitive(Node):
    """A scalar: `string`, `integer`, `number` or `boolean`."""

    type: str
    format: str = ""


@dataclass(frozen=True, slots=True)
class Kind(Node):
    """An object with named fields (a Go struct)."""

    fields: Mapping[str, Schema]
    required: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Array(Node):
    """A list; the items share the array's path, as in kubectl's model."""

    items: Schema


@dataclass(frozen=True, slots=True)
class Map(Node):
    """A string-keyed map; `values` is `Arbitrary` when the schema gives no value type."""

    values: Schema


@dataclass(frozen=True, slots=True)
class Ref(Node):
    """A reference to a named definition; `description` is the referring field's own text."""

    target: str

    def resolve(self) -> Schema:
        """The definition referred to (compiled on first use)."""
        return model(self.target)


@dataclass(frozen=True, slots=True)
class Arbitrary(Node):
    """Anything goes (no type and no properties)."""


Schema = Primitive | Kind | Array | Map | Ref | Arbitrary


class FieldNotFound(LookupError):
    """A path names a field the schema lacks; `field` is that name."""

    def __init__(self, field: str) -> None:
        super().__init__(f'field "{field}" does not exist')
        self.field = field


@dataclass(frozen=True, slots=True)
class FieldInfo:
    """What explain needs for one dotted path: the node, its type name and descriptions."""

    name: str
    schema: Schema
    type_name: str
    descriptions: tuple[str, ...]
    required: bool


# --- loading ---------------------------------------------------------------------------------

_lock = threading.Lock()
_raw: dict[str, dict[str, Any]] | None = None
_by_gvk: dict[tuple[str, str, str], str] = {}
_compiled: dict[str, Schema] = {}
_load_seconds: float | None = None


def schema_dir() -> Path:
    """The directory of the JSON schema set, found without importing kubernetes_validate."""
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the kubernetes-validate package is not installed")
    base = Path(next(iter(spec.submodule_search_locations)))
    return base / "kubernetes-json-schema" / SCHEMA_SET


def _load() -> dict[str, dict[str, Any]]:
    global _raw, _load_seconds
    if _raw is not None:
        return _raw
    with _lock:
        if _raw is None:
            started = time.perf_counter()
            with open(schema_dir() / "_definitions.json", encoding="utf-8") as f:
                defs: dict[str, dict[str, Any]] = json.load(f)["$defs"]
            # kubectl indexes models in sorted-name order and lets a later one win a GVK.
            index: dict[tuple[str, str, str], str] = {}
            for name in sorted(defs):
                for gvk in defs[name].get("x-kubernetes-group-version-kind", ()):
                    if gvk.get("kind"):
                        index[(gvk.get("group", ""), gvk.get("version", ""), gvk["kind"])] = name
            _by_gvk.update(index)
            _raw = defs
            _load_seconds = time.perf_counter() - started
    return _raw


def load() -> None:
    """Load the definitions now (e.g. from a background thread at start-up)."""
    _load()


def loaded() -> bool:
    """Whether the definitions file has been read."""
    return _raw is not None


def load_seconds() -> float | None:
    """How long reading and indexing the definitions took, once loaded."""
    return _load_seconds


def definitions() -> Mapping[str, dict[str, Any]]:
    """The raw JSON-schema definitions by name (loads them on first call). Do not mutate."""
    return _load()


def raw_definition(name: str) -> dict[str, Any]:
    """One raw definition; KeyError when unknown."""
    return _load()[name]


def _served_group_versions() -> frozenset[tuple[str, str]]:
    served = {(rt.group, rt.version) for rt in RESOURCE_TYPES}
    for gv in EXTRA_API_VERSIONS:
        group, _, version = gv.rpartition("/")
        served.add((group, version))
    return frozenset(served)


_SERVED = _served_group_versions()


def definition_name(group: str, version: str, kind: str, served_only: bool = True) -> str | None:
    """The definition for a (group, version, kind), e.g. ("apps", "v1", "Deployment") gives
    `io.k8s.api.apps.v1.Deployment`; None when there is none.

    With `served_only` (the default) only group/versions our API server serves count, since
    kubectl only ever sees the schemas of the server it talks to.
    """
    if served_only and (group, version) not in _SERVED:
        return None
    _load()
    return _by_gvk.get((group, version, kind))


def resolve_ref(ref: str) -> tuple[str, dict[str, Any]]:
    """The (name, raw definition) a `$ref` such as `#/$defs/<name>` or
    `/api/_definitions.json#/$defs/<name>` points to."""
    name = ref.rpartition("/")[2]
    return name, raw_definition(name)


# --- compiling -------------------------------------------------------------------------------


def _types(raw: Mapping[str, Any]) -> list[str]:
    declared = raw.get("type")
    if declared is None:
        return []
    listed = [declared] if isinstance(declared, str) else list(declared)
    return [t for t in listed if t != "null"]


def _compile(raw: Mapping[str, Any], path: str) -> Schema:
    """One JSON-schema node as kube-openapi's parser would read its OpenAPI original."""
    # Trailing blank lines are what the converter left of the 1.25 "Possible enum values" lists;
    # without them the text is what a 1.20 server documented.
    desc = str(raw.get("description", "")).rstrip()
    if "$ref" in raw:
        return Ref(path, desc, str(raw["$ref"]).rpartition("/")[2])
    if "oneOf" in raw:
        # Only IntOrString and Quantity use oneOf; both were plain strings in OpenAPI v2.
        return Primitive(path, desc, "string")
    types = _types(raw)
    if not types:
        if "properties" in raw:
            return _compile_kind(raw, path, desc)
        return Arbitrary(path, desc)
    kind = types[0]
    if kind == "object":
        if "properties" in raw:
            return _compile_kind(raw, path, desc)
        extra = raw.get("additionalProperties")
        values = _compile(extra, path) if isinstance(extra, dict) else Arbitrary(path, "")
        return Map(path, desc, values)
    if kind == "array":
        items = raw.get("items")
        sub = _compile(items, path) if isinstance(items, dict) else Arbitrary(path, "")
        return Array(path, desc, sub)
    return Primitive(path, desc, kind, str(raw.get("format", "")))


def _compile_kind(raw: Mapping[str, Any], path: str, desc: str) -> Kind:
    props: Mapping[str, Any] = raw.get("properties") or {}
    fields = {key: _compile(sub, f"{path}.{key}") for key, sub in props.items()}
    return Kind(path, desc, fields, tuple(raw.get("required", ())))


def model(name: str) -> Schema:
    """The compiled node for a named definition (cached); KeyError when unknown."""
    found = _compiled.get(name)
    if found is not None:
        return found
    if name in _RESTORED:
        type_, fmt, desc = _RESTORED[name]
        node: Schema = Primitive(name, desc, type_, fmt)
    else:
        node = _compile(raw_definition(name), name)
    _compiled[name] = node
    return node


def resource_model(group: str, version: str, kind: str) -> Kind | None:
    """The top-level Kind for a served (group, version, kind), or None."""
    name = definition_name(group, version, kind)
    if name is None:
        return None
    node = model(name)
    return node if isinstance(node, Kind) else None


def deref(schema: Schema) -> Schema:
    """Follow references until a non-reference node."""
    while isinstance(schema, Ref):
        schema = schema.resolve()
    return schema


def type_name(schema: Schema) -> str:
    """The type as kubectl 1.20 explain prints it between < >: `string`, `Object`,
    `[]Object`, `map[string]string`; an arbitrary value has no name (`map[string]` for a map
    of them)."""
    schema = deref(schema)
    if isinstance(schema, Array):
        return "[]" + type_name(schema.items)
    if isinstance(schema, Map):
        return "map[string]" + type_name(schema.values)
    if isinstance(schema, Kind):
        return "Object"
    if isinstance(schema, Primitive):
        return schema.type
    return ""


def lookup_field(schema: Schema, path: list[str]) -> Schema:
    """Walk field names down from a schema the way kubectl explain does: arrays, maps and
    references pass through, and a primitive ends the walk even if names remain.

    Raises FieldNotFound for a name the object lacks.
    """
    remaining = list(path)
    node = schema
    while True:
        if not remaining or isinstance(node, Primitive | Arbitrary):
            return node
        if isinstance(node, Ref):
            node = node.resolve()
        elif isinstance(node, Array):
            node = node.items
        elif isinstance(node, Map):
            node = node.values
        else:
            head = remaining.pop(0)
            if head not in node.fields:
                raise FieldNotFound(head)
            node = node.fields[head]


def field_info(group: str, version: str, kind: str, path: str | list[str]) -> FieldInfo:
    """Type, descriptions and required flag for a dotted path (`spec.containers.ports`) of a
    served kind. The descriptions are collected outside-in as explain prints them: the field's
    own text, then that of each array, map or referenced definition on the way to the leaf.

    Raises FieldNotFound for an unknown field and KeyError for an unserved kind.
    """
    names = [p for p in path.split(".") if p] if isinstance(path, str) else list(path)
    root = resource_model(group, version, kind)
    if root is None:
        raise KeyError(f"{group}/{version}, Kind={kind}")
    node = lookup_field(root, names)
    required = False
    if names:
        parent = deref(lookup_field(root, names[:-1]))
        while isinstance(parent, Array | Map):
            parent = deref(parent.items if isinstance(parent, Array) else parent.values)
        required = isinstance(parent, Kind) and names[-1] in parent.required
    descriptions: list[str] = []
    walk: Schema = node
    while True:
        descriptions.append(walk.description)
        if isinstance(walk, Ref):
            walk = walk.resolve()
        elif isinstance(walk, Array):
            walk = walk.items
        elif isinstance(walk, Map):
            walk = walk.values
        else:
            break
    return FieldInfo(
        name=names[-1] if names else kind,
        schema=node,
        type_name=type_name(node),
        descriptions=tuple(descriptions),
        required=required,
    )
