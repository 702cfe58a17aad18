"""LimitRanger: the namespace's LimitRanges default and bound what pods and claims ask for.

Design note. Kubernetes' LimitRanger admission plugin works in two steps, and so does this
module. On a pod's creation it first fills in, container by container, what the namespace's
`Container` limits give by default (`default` -> limits, `defaultRequest` -> requests; the
LimitRange's own defaulting already copied `max` into `default` and `default`/`min` into
`defaultRequest`) and notes that in the `kubernetes.io/limit-ranger` annotation. Then it
checks min, max and maxLimitRequestRatio per Container and per Pod (the containers summed,
raised to any larger init container), and min/max storage per PersistentVolumeClaim. A
violation is a 403 whose message lists every broken bound as 1.20 words them:

    pods "too-big" is forbidden: [maximum cpu usage per Pod is 1, but limit is 2, ...]

The API server here validates before admission, so after filling in defaults the pod is
validated again: a request above its (defaulted) limit gets the server's 422, as in the book.
Pods are checked on creation only (their resources cannot change); templates are not checked,
as in Kubernetes: their pods are.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from kubia_tutor.api import semantics
from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import resolve
from kubia_tutor.api.pod_resources import Amounts, resource_amounts
from kubia_tutor.api.quantity import Format, Quantity

if TYPE_CHECKING:
    from kubia_tutor.api.server import ApiServer

Obj = dict[str, Any]
ANNOTATION = "kubernetes.io/limit-ranger"


def limit_ranges(server: ApiServer, namespace: str) -> list[Obj]:
    """The namespace's LimitRanges, by name."""
    from kubia_tutor.api.server import object_key

    return server.store.items(object_key(resolve("limitranges"), namespace, ""))


def admit_pod(server: ApiServer, pod: Obj) -> None:
    """Fill in the namespace's container defaults, then refuse a pod outside its bounds."""
    ranges = limit_ranges(server, str(pod["metadata"].get("namespace") or "default"))
    if not ranges:
        return
    spec = pod.get("spec")
    if not isinstance(spec, dict):
        return
    changed = False
    for limit_range in ranges:
        changed = _apply_defaults(pod, spec, limit_range) or changed
    if changed:
        # the defaults may have put a limit under a request: the server's own 422
        semantics.validate_create("Pod", pod)
    for limit_range in ranges:
        errors = pod_violations(spec, limit_range)
        if errors:
            raise _forbidden("pods", pod, errors)


def admit_claim(server: ApiServer, claim: Obj) -> None:
    """Refuse a PersistentVolumeClaim whose storage request is outside the namespace's
    PersistentVolumeClaim min/max."""
    namespace = str(claim["metadata"].get("namespace") or "default")
    spec = claim.get("spec") if isinstance(claim.get("spec"), dict) else {}
    requests = resource_amounts(((spec or {}).get("resources") or {}).get("requests"))
    for limit_range in limit_ranges(server, namespace):
        errors: list[str] = []
        for item in _items(limit_range, "PersistentVolumeClaim"):
            for name, bound in resource_amounts(item.get("min")).items():
                errors += _min(item["type"], name, bound, requests, {})
            for name, bound in resource_amounts(item.get("max")).items():
                request = requests.get(name)
                if request is None:
                    errors.append(f"maximum {name} usage per {item['type']} is {bound}.  No "
                                  "request is specified")
                elif _milli(request) > _milli(bound):
                    errors.append(f"maximum {name} usage per {item['type']} is {bound}, but "
                                  f"request is {request}")
        if errors:
            raise _forbidden("persistentvolumeclaims", claim, errors)


def _forbidden(plural: str, obj: Obj, errors: list[str]) -> ApiError:
    name = str(obj["metadata"].get("name") or obj["metadata"].get("generateName") or "Unknown")
    return ApiError(403, "Forbidden", f'{plural} "{name}" is forbidden: {_aggregate(errors)}',
                    {"name": name, "kind": plural})


def _aggregate(errors: list[str]) -> str:
    """utilerrors.NewAggregate's text: one error alone, several in brackets, repeats once."""
    unique = list(dict.fromkeys(errors))
    return unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"


def _items(limit_range: Obj, kind: str) -> list[Obj]:
    limits = (limit_range.get("spec") or {}).get("limits") or []
    return [i for i in limits if isinstance(i, dict) and i.get("type") == kind]


def _containers(spec: Obj, key: str) -> list[Obj]:
    items = spec.get(key)
    return [c for c in items if isinstance(c, dict)] if isinstance(items, list) else []


def _apply_defaults(pod: Obj, spec: Obj, limit_range: Obj) -> bool:
    """mergePodResourceRequirements: missing requests and limits from the Container item's
    defaults, recorded in the annotation; True when anything was filled in."""
    default_limits: dict[str, Any] = {}
    default_requests: dict[str, Any] = {}
    for item in _items(limit_range, "Container"):
        default_requests.update(item.get("defaultRequest") or {})
        default_limits.update(item.get("default") or {})
    if not default_limits and not default_requests:
        return False
    notes: list[str] = []
    for key, label in (("containers", "container"), ("initContainers", "init container")):
        for container in _containers(spec, key):
            resources = container.get("resources")
            if not isinstance(resources, dict):
                resources = container["resources"] = {}
            limits = resources.get("limits") if isinstance(resources.get("limits"), dict) else {}
            requests = resources.get("requests") if isinstance(resources.get("requests"),
                                                               dict) else {}
            # the API server defaults requests from limits before admission runs
            requests = {**(limits or {}), **(requests or {})}
            set_limits = sorted(n for n in default_limits if n not in (limits or {}))
            set_requests = sorted(n for n in default_requests if n not in requests)
            for name in set_limits:
                limits = {**(limits or {}), name: default_limits[name]}
            for name in set_requests:
                requests[name] = default_requests[name]
            if limits:
                resources["limits"] = limits
            if requests:
                resources["requests"] = requests
            if set_requests:
                notes.append(f"{', '.join(set_requests)} request for {label} "
                             f"{container.get('name')}")
            if set_limits:
                notes.append(f"{', '.join(set_limits)} limit for {label} {container.get('name')}")
    if not notes:
        return False
    meta = pod.setdefault("metadata", {})
    annotations = meta.get("annotations") if isinstance(meta.get("annotations"), dict) else {}
    meta["annotations"] = {**(annotations or {}),
                           ANNOTATION: "LimitRanger plugin set: " + "; ".join(notes)}
    return True


def pod_violations(spec: Mapping[str, Any], limit_range: Obj) -> list[str]:
    """Every Container and Pod bound of one LimitRange the pod breaks, in 1.20's words."""
    errors: list[str] = []
    for item in (spec_item for spec_item in (limit_range.get("spec") or {}).get("limits") or []
                 if isinstance(spec_item, dict)):
        kind = item.get("type")
        if kind == "Container":
            for key in ("containers", "initContainers"):
                for container in _containers(dict(spec), key):
                    resources = container.get("resources") or {}
                    errors += _bounds(item, resource_amounts(resources.get("requests")),
                                      resource_amounts(resources.get("limits")))
        elif kind == "Pod":
            errors += _bounds(item, *_pod_totals(spec))
    return errors


def _bounds(item: Obj, requests: Amounts, limits: Amounts) -> list[str]:
    kind = str(item.get("type"))
    errors: list[str] = []
    for name, bound in resource_amounts(item.get("min")).items():
        errors += _min(kind, name, bound, requests, limits)
    for name, bound in resource_amounts(item.get("max")).items():
        limit, request = limits.get(name), requests.get(name)
        if limit is None:
            errors.append(f"maximum {name} usage per {kind} is {bound}.  No limit is specified")
        elif _milli(limit) > _milli(bound):
            errors.append(f"maximum {name} usage per {kind} is {bound}, but limit is {limit}")
        elif request is not None and _milli(request) > _milli(bound):
            errors.append(f"maximum {name} usage per {kind} is {bound}, but request is "
                          f"{request}")
    for name, bound in resource_amounts(item.get("maxLimitRequestRatio")).items():
        limit, request = limits.get(name), requests.get(name)
        prefix = f"{name} max limit to request ratio per {kind} is {bound}"
        if request is None or _milli(request) == 0:
            errors.append(f"{prefix}, but no request is specified or request is 0")
        elif limit is None or _milli(limit) == 0:
            errors.append(f"{prefix}, but no limit is specified or limit is 0")
        else:
            ratio = _milli(limit) / _milli(request)
            if ratio * 1000 > _milli(bound):
                errors.append(f"{prefix}, but provided ratio is {ratio:.6f}")
    return errors


def _min(kind: str, name: str, bound: Quantity, requests: Amounts, limits: Amounts) -> list[str]:
    request, limit = requests.get(name), limits.get(name)
    if request is None:
        return [f"minimum {name} usage per {kind} is {bound}.  No request is specified"]
    if _milli(request) < _milli(bound):
        return [f"minimum {name} usage per {kind} is {bound}, but request is {request}"]
    if limit is not None and _milli(limit) < _milli(bound):
        return [f"minimum {name} usage per {kind} is {bound}, but limit is {limit}"]
    return []


def _milli(q: Quantity) -> int:
    return q.milli_value()


def _pod_totals(spec: Mapping[str, Any]) -> tuple[Amounts, Amounts]:
    """LimitRanger's own Pod sums: a resource counts only when every container sets it, and
    the sum prints in plain decimal (`2147483648`, not `2Gi`), as 1.20's `sum` builds it;
    then any larger init container amount replaces it."""
    totals: list[Amounts] = []
    containers = _containers(dict(spec), "containers")
    for part in ("requests", "limits"):
        lists = [resource_amounts((c.get("resources") or {}).get(part)) for c in containers]
        names = {n for amounts in lists for n in amounts}
        total: Amounts = {}
        for name in names:
            if all(name in amounts for amounts in lists):
                if name == "cpu":
                    milli = sum(a[name].milli_value() for a in lists)
                    total[name] = Quantity(Fraction(milli, 1000), Format.DECIMAL_SI)
                else:
                    total[name] = Quantity(sum(a[name].int_value() for a in lists),
                                           Format.DECIMAL_SI)
        for init in _containers(dict(spec), "initContainers"):
            for name, amount in resource_amounts((init.get("resources") or {}).get(part)).items():
                if name not in total or amount > total[name]:
                    total[name] = amount
        totals.append(total)
    return totals[0], totals[1]
