"""ObjectMeta and the other metav1 checks: names, namespaces, labels, annotations, selectors."""

from __future__ import annotations

from typing import Any

from kubia_tutor.api import kinds
from kubia_tutor.api.selectors import label_value_errors, qualified_name_errors
from kubia_tutor.api.semantics.causes import IMMUTABLE, Errors
from kubia_tutor.api.semantics.fields import Obj, _byte_len, _d, _l, _text
from kubia_tutor.api.semantics.names import NAME_RULES, _subdomain, dns1123_label_errors

TOTAL_ANNOTATION_SIZE = 256 * 1024


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


def _labels_and_annotations(e: Errors, meta: Obj, path: str) -> None:
    """An ObjectMeta's labels, then its annotations, reported under `path`."""
    _labels(e, meta.get("labels"), f"{path}.labels")
    _annotations(e, meta.get("annotations"), f"{path}.annotations")


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
    _labels_and_annotations(e, meta, "metadata")


def _meta_update(e: Errors, new: Obj, old: Obj) -> None:
    """ValidateObjectMetaUpdate: identity fields are fixed; labels and annotations re-checked."""
    nm, om = _d(new.get("metadata")), _d(old.get("metadata"))
    for key in ("name", "namespace"):
        if _text(nm.get(key)) != _text(om.get(key)):
            e.invalid(f"metadata.{key}", _text(nm.get(key)), IMMUTABLE)
    if nm.get("uid") and _text(nm.get("uid")) != _text(om.get("uid")):
        e.invalid("metadata.uid", _text(nm.get("uid")), IMMUTABLE)
    _labels_and_annotations(e, nm, "metadata")


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
