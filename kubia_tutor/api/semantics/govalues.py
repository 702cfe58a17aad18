"""Go's rendering of a bad value, as a v1.20 server's field errors print it.

`field.Error` prints the offending value with `%#v`-like formatting (`map[string]string{...}`,
`intstr.IntOrString{...}`, `v1.LabelSelector{...}`), and an immutable-spec error carries a
`cmp.Diff`; this module spells both the way Go does so the shell's 422 reads like a cluster's.
"""

from __future__ import annotations

import json
from typing import Any

from kubia_tutor.api.selectors import go_quote
from kubia_tutor.api.semantics.fields import Obj, _d, _int, _l, _semantic, _text


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
    return GoLiteral(f'intstr.IntOrString{{Type:0, IntVal:{_int(value) or 0}, StrVal:""}}')


# An immutable spec's cmp.Diff -------------------------------------------------------------------

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
