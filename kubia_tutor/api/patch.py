"""The three patch types kubectl sends: JSON merge (RFC 7386), JSON patch (RFC 6902) and
Kubernetes' strategic merge patch.

Strategic merge needs to know which lists merge by a key (containers by name, ports by port
number...). Kubernetes reads that from struct tags; we keep the few lists the book's objects use
in a table keyed by field name, choosing the merge key by what the items carry where a field name
is shared (container ports merge by containerPort, service ports by port).
"""

from __future__ import annotations

import copy
from typing import Any

from kubia_tutor.api.errors import ApiError, bad_request

Obj = dict[str, Any]

# field name -> merge key candidates, first present in the items wins.
MERGE_KEYS: dict[str, tuple[str, ...]] = {
    "containers": ("name",),
    "initContainers": ("name",),
    "ephemeralContainers": ("name",),
    "env": ("name",),
    "volumes": ("name",),
    "volumeMounts": ("mountPath",),
    "volumeDevices": ("devicePath",),
    "imagePullSecrets": ("name",),
    "ports": ("containerPort", "port"),
    "conditions": ("type",),
    "ownerReferences": ("uid",),
    "hostAliases": ("ip",),
    "secrets": ("name",),
    "topologySpreadConstraints": ("topologyKey",),
    "addresses": ("type",),
}
# Lists of scalars that merge as sets rather than being replaced.
_SET_LISTS = frozenset({"finalizers"})


def merge_patch(target: Any, patch: Any) -> Any:
    """Apply an RFC 7386 JSON merge patch; returns a new value."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def strategic_merge_patch(target: Any, patch: Any, field: str = "") -> Any:
    """Apply a strategic merge patch; returns a new value."""
    if isinstance(patch, dict):
        if patch.get("$patch") == "replace":
            return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
        if patch.get("$patch") == "delete":
            return None
        result = copy.deepcopy(target) if isinstance(target, dict) else {}
        for key, value in patch.items():
            if key.startswith("$"):
                if key.startswith("$deleteFromPrimitiveList/"):
                    name = key.split("/", 1)[1]
                    drop = value if isinstance(value, list) else []
                    result[name] = [v for v in result.get(name) or [] if v not in drop]
                continue
            if value is None:
                result.pop(key, None)
                continue
            merged = strategic_merge_patch(result.get(key), value, key)
            if merged is None and isinstance(value, dict) and value.get("$patch") == "delete":
                result.pop(key, None)
            else:
                result[key] = merged
        return result
    if isinstance(patch, list):
        return _merge_list(target if isinstance(target, list) else [], patch, field)
    return copy.deepcopy(patch)


def _merge_list(target: list[Any], patch: list[Any], field: str) -> list[Any]:
    if field in _SET_LISTS:
        result = list(target)
        for item in patch:
            if item not in result:
                result.append(item)
        return result
    keys = MERGE_KEYS.get(field)
    dict_items = [p for p in patch if isinstance(p, dict)]
    if not keys or len(dict_items) != len(patch):
        return [strategic_merge_patch(None, p) for p in patch if not _is_directive(p)]
    key = next((k for k in keys if all(k in p for p in dict_items if "$patch" not in p)),
               keys[0])
    if any(p.get("$patch") == "replace" for p in dict_items):
        return [copy.deepcopy(p) for p in dict_items if "$patch" not in p]
    result = [copy.deepcopy(t) for t in target]
    for item in dict_items:
        index = next((i for i, t in enumerate(result)
                      if isinstance(t, dict) and key in item and t.get(key) == item.get(key)),
                     None)
        if item.get("$patch") == "delete":
            if index is not None:
                result.pop(index)
            continue
        if index is None:
            result.append(strategic_merge_patch(None, item))
        else:
            result[index] = strategic_merge_patch(result[index], item)
    return result


def _is_directive(item: Any) -> bool:
    return isinstance(item, dict) and "$patch" in item


def json_patch(target: Any, operations: Any) -> Any:
    """Apply an RFC 6902 JSON patch; raises ApiError for a malformed or failing operation."""
    if not isinstance(operations, list):
        raise bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    doc = copy.deepcopy(target)
    for op in operations:
        if not isinstance(op, dict) or "op" not in op:
            raise bad_request("Unexpected kind: missing op")
        kind = op["op"]
        path = _pointer(op.get("path", ""))
        if kind == "add":
            doc = _add(doc, path, copy.deepcopy(op.get("value")))
        elif kind == "remove":
            _remove(doc, path)
        elif kind == "replace":
            _remove(doc, path)
            doc = _add(doc, path, copy.deepcopy(op.get("value")))
        elif kind == "test":
            if _get(doc, path) != op.get("value"):
                raise ApiError(422, "Invalid", "testing value failed")
        elif kind in ("move", "copy"):
            source = _pointer(op.get("from", ""))
            value = copy.deepcopy(_get(doc, source))
            if kind == "move":
                _remove(doc, source)
            doc = _add(doc, path, value)
        else:
            raise bad_request(f"Unexpected kind: {kind}")
    return doc


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise bad_request(f'add operation does not apply: doc is missing path: "{path}"')
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _missing(path: list[str]) -> ApiError:
    return ApiError(422, "Invalid",
                    f'doc is missing path: "/{"/".join(path)}": missing value')


def _get(doc: Any, path: list[str]) -> Any:
    for part in path:
        if isinstance(doc, dict) and part in doc:
            doc = doc[part]
        elif isinstance(doc, list) and part.isdigit() and int(part) < len(doc):
            doc = doc[int(part)]
        else:
            raise _missing(path)
    return doc


def _add(doc: Any, path: list[str], value: Any) -> Any:
    if not path:
        return value
    parent = _get(doc, path[:-1])
    last = path[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        if last == "-":
            parent.append(value)
        elif last.isdigit() and int(last) <= len(parent):
            parent.insert(int(last), value)
        else:
            raise _missing(path)
    else:
        raise _missing(path)
    return doc


def _remove(doc: Any, path: list[str]) -> None:
    if not path:
        raise _missing(path)
    parent = _get(doc, path[:-1])
    last = path[-1]
    if isinstance(parent, dict) and last in parent:
        del parent[last]
    elif isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
        parent.pop(int(last))
    else:
        raise _missing(path)


def apply_patch(target: Obj, patch: Any, patch_type: str) -> Obj:
    """Apply a patch of the given type (`strategic`, `merge`, `json`) to an object."""
    if patch_type == "json":
        result = json_patch(target, patch)
    elif patch_type == "merge":
        result = merge_patch(target, patch)
    elif patch_type == "strategic":
        result = strategic_merge_patch(target, patch)
    else:
        raise ApiError(415, "UnsupportedMediaType",
                       f"the body of the request was in an unknown format - accepted media "
                       f"types include: application/json-patch+json, "
                       f"application/merge-patch+json, "
                       f"application/strategic-merge-patch+json (got {patch_type})")
    if not isinstance(result, dict):
        raise bad_request("the patch did not produce an object")
    return result
