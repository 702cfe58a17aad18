"""Server-side semantic validation: the checks a v1.20 API server runs after decoding.

The schema check (types, unknown fields) is `validation.py`'s; this package answers the
questions a schema cannot: is the name a DNS subdomain, does the selector match the template,
may this field change on update. Failures raise `errors.invalid(Kind, name, causes)` with the
server's field paths and wording, including Go's way of printing the offending value
(`map[string]string{"app":"x"}`, `intstr.IntOrString{...}`), so what the shell prints reads
like a real cluster's 422.

The API server calls `validate_create` before defaulting, so fields that defaulting fills
(restartPolicy, protocol, strategy, ...) are only checked when present; where a default
decides the outcome (a Job's pod template restarts `Always` unless told otherwise), the
default is applied here for the check. Each kind's rules are one function in a table
(`rules.RULES`); the modules beside it hold the checks, grouped by what they validate.
"""

from __future__ import annotations

from kubia_tutor.api import kinds
from kubia_tutor.api.errors import invalid
from kubia_tutor.api.semantics.causes import Errors
from kubia_tutor.api.semantics.cron import cron_schedule_error
from kubia_tutor.api.semantics.fields import Obj, _d, _text
from kubia_tutor.api.semantics.govalues import go_int_or_string, go_label_selector, go_value
from kubia_tutor.api.semantics.meta import _meta, _meta_update
from kubia_tutor.api.semantics.rules import RULES, KindRules
from kubia_tutor.api.semantics.services import NODE_PORT_RANGE

__all__ = [
    "NODE_PORT_RANGE",
    "RULES",
    "cron_schedule_error",
    "go_int_or_string",
    "go_label_selector",
    "go_value",
    "validate_create",
    "validate_update",
]


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


def _report(kind: str, obj: Obj, e: Errors, rules: KindRules | None) -> None:
    """Raise the validation causes; failing none, the registry's after-validation ones."""
    _raise(kind, obj, e.causes)
    if rules is not None and rules.after is not None:
        _raise(kind, obj, rules.after(obj))


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
    _report(kind, obj, e, rules)


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
    _report(kind, new, e, rules)
