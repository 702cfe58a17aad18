"""Replicated controllers: ReplicationController, ReplicaSet, Deployment, DaemonSet, StatefulSet.

Their shared rules live here too: a selector that converts, is not empty and matches the pod
template's labels, and a template whose pods restart `Always`. apps/v1 selectors are immutable.
"""

from __future__ import annotations

import re
from typing import Any

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.selectors import (
    LabelSelector,
    go_quote,
    regex_error,
    selector_from_map,
    selector_from_spec,
)
from kubia_tutor.api.semantics.causes import IMMUTABLE, NEGATIVE, Errors
from kubia_tutor.api.semantics.fields import Obj, _d, _int, _same, _set, _text, _without
from kubia_tutor.api.semantics.govalues import (
    GoLiteral,
    go_int_or_string,
    go_label_selector,
    go_string_map,
)
from kubia_tutor.api.semantics.meta import _label_selector
from kubia_tutor.api.semantics.pods import _pod_template

_MISMATCH = "`selector` does not match template `labels`"


def _template_labels(template: Obj) -> Any:
    return _d(template.get("metadata")).get("labels")


def _as_selector(spec: Obj) -> LabelSelector | None:
    """metav1.LabelSelectorAsSelector; None when the selector cannot be converted."""
    try:
        return selector_from_spec(spec.get("selector"))
    except ApiError:  # reported as a cause by the caller instead
        return None


def _template_mismatch(e: Errors, template: Obj, path: str) -> None:
    """Report that the selector does not select the pod template's labels."""
    e.invalid(f"{path}.metadata.labels", GoLiteral(go_string_map(_template_labels(template))),
              _MISMATCH)


def _check_template_match(e: Errors, selector: LabelSelector, template: Obj, path: str) -> None:
    if not selector.empty and not selector.matches(_d(_template_labels(template))):
        _template_mismatch(e, template, path)


def _nonempty_selector(e: Errors, selector: Any, kind_word: str) -> None:
    """An apps/v1 selector must select something."""
    if not _d(selector).get("matchLabels") and not _d(selector).get("matchExpressions"):
        e.invalid("spec.selector", go_label_selector(selector),
                  f"empty selector is invalid for {kind_word}")


def _selector_spec(e: Errors, spec: Obj, kind_word: str) -> LabelSelector | None:
    """The apps/v1 selector rules: required, valid, not empty; returns the selector."""
    selector = spec.get("selector")
    if selector is None:
        e.required("spec.selector")
    else:
        _label_selector(e, selector, "spec.selector")
        _nonempty_selector(e, selector, kind_word)
    converted = _as_selector(spec)
    if converted is None:
        e.invalid("spec.selector", go_label_selector(selector), "invalid label selector")
    return converted


def _restarts_always(e: Errors, pod_spec: Obj) -> None:
    """A controller's pods restart `Always`, which is also what an unset policy defaults to."""
    restart = _text(pod_spec.get("restartPolicy")) or "Always"
    if restart != "Always":
        e.not_supported("spec.template.spec.restartPolicy", restart, ("Always",))


def _long_running_pods(e: Errors, pod_spec: Obj, owner: str) -> None:
    """Pods a controller keeps running: restart `Always`, no activeDeadlineSeconds."""
    _restarts_always(e, pod_spec)
    deadline = _int(pod_spec.get("activeDeadlineSeconds"))
    if deadline is not None:
        e.invalid("spec.template.spec.activeDeadlineSeconds", deadline,
                  f"activeDeadlineSeconds in {owner} is not Supported")


def _replica_template(e: Errors, spec: Obj, selector: LabelSelector, owner: str) -> None:
    """The pod template checks replicated controllers share: match, valid, restart Always."""
    template = _d(spec.get("template"))
    _check_template_match(e, selector, template, "spec.template")
    _pod_template(e, template, "spec.template")
    _long_running_pods(e, _d(template.get("spec")), owner)


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


_PERCENT_FMT = "[0-9]+%"
_PERCENT_MSG = "a valid percent string must be a numeric string followed by an ending '%'"


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
        _template_mismatch(e, template, "spec.template")
    given = spec.get("selector")
    if given is not None:
        _nonempty_selector(e, given, "daemonset")
    _pod_template(e, template, "spec.template")
    _long_running_pods(e, _d(template.get("spec")), "DaemonSet")
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
    _restarts_always(e, pod_spec)
    if _int(pod_spec.get("activeDeadlineSeconds")) is not None:
        e.forbidden("spec.template.spec.activeDeadlineSeconds",
                    "activeDeadlineSeconds in StatefulSet is not Supported")


def _selector_immutable(e: Errors, new: Obj, old: Obj) -> None:
    """apps/v1 selectors cannot change after creation."""
    now, before = _d(new.get("spec")).get("selector"), _d(old.get("spec")).get("selector")
    if not _same(now, before):
        e.invalid("spec.selector", go_label_selector(now), IMMUTABLE)


def _stateful_set_update(e: Errors, new: Obj, old: Obj) -> None:
    mutable = ("replicas", "template", "updateStrategy")
    now = _without(_d(new.get("spec")), mutable)
    before = _without(_d(old.get("spec")), mutable)
    if not _same(now, before):
        e.forbidden("spec", "updates to statefulset spec for fields other than 'replicas', "
                            "'template', and 'updateStrategy' are forbidden")
    _selector_immutable(e, new, old)
