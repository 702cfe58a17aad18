"""Evaluating a step's declarative checks against the cluster's API and the learner's commands.

Checks are data: each one reads objects through the API client, looks at the commands the
learner ran in the step, or runs a command inside a pod through the API (exec); nothing runs
in a host shell. A failed check says exactly what differs, in the words a learner would use
("expected spec.replicas 3 on replicationcontroller kubia, found 2").
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import ResourceType, UnknownResourceType, resolve
from kubia_tutor.lessons.model import IN_POD_CHECKS, Check
from kubia_tutor.shell.command import Context
from kubia_tutor.shell.commands.rollout_status import VIEWERS
from kubia_tutor.shell.errors import CommandError
from kubia_tutor.shell.printers.jsonpath import JsonPathError, find
from kubia_tutor.shell.printers.pod_cells import pod_status

Obj = dict[str, Any]


@dataclass(frozen=True)
class CommandRecord:
    """One command line the learner ran, with its exit status and what it printed."""

    line: str
    exit_code: int
    output: str = ""


@dataclass
class CheckContext:
    """What checks may look at: the cluster (through a shell context), the step's commands."""

    shell: Context
    namespace: str = "default"
    history: list[CommandRecord] = field(default_factory=list)
    in_pods: bool = True  # False on the fake runtime: no container to exec or curl in
    # Reads made while evaluating one step's checks: checks of one step often read the same
    # objects (a count and a ready over one selector), and each list is a round trip.
    reads: dict[tuple[str, ...], list[Obj]] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckResult:
    check: Check
    passed: bool
    message: str
    skipped: bool = False  # could not be evaluated here (an exec check on the fake runtime)

    @property
    def label(self) -> str:
        """How the check is named in a list: its description, or a summary of it."""
        return self.check.description or describe(self.check)


class _Failed(Exception):
    """A check did not hold; the message says what differs."""


def evaluate(check: Check, ctx: CheckContext) -> CheckResult:
    """Evaluate one check; never raises for what the cluster or the learner did."""
    if check.kind in IN_POD_CHECKS and not ctx.in_pods:
        return CheckResult(check, False, "needs real containers (the Podman runtime)",
                           skipped=True)
    try:
        message = _EVALUATORS[check.kind](check.spec, ctx)
    except _Failed as failed:
        return CheckResult(check, False, str(failed))
    except ApiError as err:
        return CheckResult(check, False, f"the cluster answered: {err.message}")
    return CheckResult(check, True, message)


def evaluate_all(checks: list[Check], ctx: CheckContext) -> list[CheckResult]:
    """Evaluate a step's checks against one view of the cluster (each read made once)."""
    fresh = dataclasses.replace(ctx, reads={})
    return [evaluate(check, fresh) for check in checks]


def describe(check: Check) -> str:
    """A one-line summary of what a check asks for, for lists of checks."""
    spec = check.spec
    if check.kind in ("ran", "output"):
        what = spec.get("pattern") or spec.get("command") or "a command"
        return f"{check.kind}: {what}"
    if check.kind in ("http", "exec"):
        return f"{check.kind}: {spec.get('url') or ' '.join(spec.get('command', []))}"
    target = spec.get("name") or (f"-l {spec['selector']}" if spec.get("selector") else "")
    extra = f" {spec['path']}" if check.kind == "field" else ""
    return f"{check.kind}: {spec.get('kind', '')} {target}{extra}".rstrip()


# --- objects ----------------------------------------------------------------------------------

def _type(spec: Obj) -> ResourceType:
    try:
        return resolve(str(spec["kind"]))
    except UnknownResourceType as err:
        raise _Failed(f'the server doesn\'t have a resource type "{spec["kind"]}"') from err


def _namespace(spec: Obj, ctx: CheckContext, rt: ResourceType) -> str | None:
    return (spec.get("namespace") or ctx.namespace) if rt.namespaced else None


def _where(rt: ResourceType, namespace: str | None, ctx: CheckContext) -> str:
    return f" in namespace {namespace}" if namespace and namespace != ctx.namespace else ""


def _objects(spec: Obj, ctx: CheckContext) -> tuple[ResourceType, list[Obj], str]:
    """The objects a check names (by name, or all matching its selectors) and their words."""
    rt = _type(spec)
    namespace = _namespace(spec, ctx, rt)
    if spec.get("name"):
        words = f"{rt.singular} {spec['name']}{_where(rt, namespace, ctx)}"
    else:
        selectors = " ".join(s for s in (spec.get("selector"), spec.get("fieldSelector")) if s)
        words = f"{rt.plural}{' matching ' + selectors if selectors else ''}" + \
            _where(rt, namespace, ctx)
    key = (rt.plural, namespace or "", str(spec.get("name") or ""),
           str(spec.get("selector") or ""), str(spec.get("fieldSelector") or ""))
    if key not in ctx.reads:
        ctx.reads[key] = _read(rt, namespace, spec, ctx)
    return rt, ctx.reads[key], words


def _read(rt: ResourceType, namespace: str | None, spec: Obj, ctx: CheckContext) -> list[Obj]:
    client = ctx.shell.client
    if spec.get("name"):
        try:
            return [client.get(rt, namespace, spec["name"])]
        except ApiError as err:
            if err.code == 404:
                return []
            raise
    listing = client.list(rt, namespace, label_selector=spec.get("selector", ""),
                          field_selector=spec.get("fieldSelector", ""))
    return list(listing.get("items") or [])


def _exists(spec: Obj, ctx: CheckContext) -> str:
    _rt, found, words = _objects(spec, ctx)
    if not found:
        raise _Failed(f"expected {words}, found none")
    return f"{words} exists"


def _absent(spec: Obj, ctx: CheckContext) -> str:
    _rt, found, words = _objects(spec, ctx)
    if found:
        names = ", ".join(o["metadata"]["name"] for o in found[:5])
        raise _Failed(f"expected no {words}, found {names}")
    return f"no {words}"


def _count(spec: Obj, ctx: CheckContext) -> str:
    _rt, found, words = _objects(spec, ctx)
    n = len(found)
    for key, holds, text in (("equals", n == spec.get("equals"), ""),
                             ("atLeast", n >= spec.get("atLeast", 0), "at least "),
                             ("atMost", n <= spec.get("atMost", n), "at most ")):
        if key in spec and not holds:
            raise _Failed(f"expected {text}{spec[key]} {words}, found {n}")
    return f"{n} {words}"


# --- fields -----------------------------------------------------------------------------------

def _shown(values: list[Any]) -> str:
    if not values:
        return "nothing"
    value = values[0] if len(values) == 1 else values
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def _same(found: Any, expected: Any) -> bool:
    if isinstance(expected, bool) or isinstance(found, bool):
        return str(found).lower() == str(expected).lower()
    if isinstance(expected, int | float) and isinstance(found, int | float):
        return float(found) == float(expected)
    if isinstance(expected, str) and isinstance(found, int | float | str):
        return str(found) == expected
    if isinstance(found, str) and isinstance(expected, int | float):
        return found == str(expected)
    return bool(found == expected)


def _number(values: list[Any]) -> float | None:
    if len(values) != 1:
        return None
    try:
        return float(values[0])
    except (TypeError, ValueError):
        return None


_COMPARISONS: dict[str, tuple[str, Callable[[list[Any], Any], bool]]] = {
    "equals": ("", lambda v, e: (len(v) == 1 and _same(v[0], e)) or (len(v) > 1 and v == e)),
    "notEquals": ("not ", lambda v, e: not (len(v) == 1 and _same(v[0], e))),
    "matches": ("to match ", lambda v, e: any(re.search(e, str(x)) for x in v)),
    "contains": ("to contain ", lambda v, e: any(
        (e in x if isinstance(x, list | str | dict) else _same(x, e)) for x in v)),
    "greaterThan": ("greater than ", lambda v, e: (n := _number(v)) is not None and n > e),
    "lessThan": ("less than ", lambda v, e: (n := _number(v)) is not None and n < e),
    "atLeast": ("at least ", lambda v, e: (n := _number(v)) is not None and n >= e),
    "atMost": ("at most ", lambda v, e: (n := _number(v)) is not None and n <= e),
}


def display_path(path: str) -> str:
    return path.strip().removeprefix("{").removesuffix("}").lstrip(".")


def _field(spec: Obj, ctx: CheckContext) -> str:
    _rt, found, words = _objects(spec, ctx)
    path = display_path(spec["path"])
    if not found:
        raise _Failed(f"expected {words}, found none")
    for obj in found:
        try:
            values = find(obj, spec["path"])
        except JsonPathError as err:
            raise _Failed(f"the path {path} cannot be read: {err}") from err
        on = f"{obj['kind'].lower() if 'kind' in obj else ''} {obj['metadata']['name']}".strip()
        if "present" in spec and bool(values) != spec["present"]:
            wanted = "to be set" if spec["present"] else "to be unset"
            raise _Failed(f"expected {path} {wanted} on {on}, found {_shown(values)}")
        for key, (words_for, holds) in _COMPARISONS.items():
            if key in spec and not holds(values, spec[key]):
                expected = spec[key] if isinstance(spec[key], str) else json.dumps(spec[key])
                raise _Failed(f"expected {path} {words_for}{expected} on {on}, "
                              f"found {_shown(values)}")
    return f"{path} as expected on {words}"


# --- states -----------------------------------------------------------------------------------

def _ready(spec: Obj, ctx: CheckContext) -> str:
    _rt, pods, words = _objects(spec, ctx)
    if not pods:
        raise _Failed(f"expected {words} to be Ready, found none")
    now = datetime.now(UTC)
    for pod in pods:
        conditions = (pod.get("status") or {}).get("conditions") or []
        if not any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions):
            raise _Failed(f"expected pod {pod['metadata']['name']} to be Ready; it is "
                          f"{pod_status(pod, now)}, not ready")
    return f"{words} Ready" if len(pods) == 1 else f"all {len(pods)} {words} Ready"


def _rollout(spec: Obj, ctx: CheckContext) -> str:
    rt, found, words = _objects(spec, ctx)
    if not found:
        raise _Failed(f"expected {words}, found none")
    viewer = VIEWERS.get(rt.kind)
    if viewer is None:
        raise _Failed(f"a {rt.singular} has no rollout (use deployment, daemonset or "
                      "statefulset)")
    for obj in found:
        try:
            message, done = viewer(ctx.shell, obj, 0)
        except CommandError as err:
            raise _Failed(str(err)) from err
        if not done:
            raise _Failed(message)
    return f"{words} rolled out"


def _succeeded(spec: Obj, ctx: CheckContext) -> str:
    _rt, jobs, words = _objects(spec, ctx)
    if not jobs:
        raise _Failed(f"expected {words}, found none")
    for job in jobs:
        status = job.get("status") or {}
        conditions = {c.get("type"): c for c in status.get("conditions") or []
                      if c.get("status") == "True"}
        name = job["metadata"]["name"]
        if "Failed" in conditions:
            raise _Failed(f"job {name} failed: {conditions['Failed'].get('message', '')}".strip())
        if "Complete" not in conditions:
            wanted = (job.get("spec") or {}).get("completions") or 1
            raise _Failed(f"expected job {name} to complete; {status.get('succeeded') or 0} of "
                          f"{wanted} completions so far")
    return f"{words} complete"


# --- commands ---------------------------------------------------------------------------------

def _ran(spec: Obj, ctx: CheckContext) -> str:
    pattern = re.compile(spec["pattern"])
    must_succeed = spec.get("succeeded", True)
    matching = [r for r in ctx.history if pattern.search(r.line)]
    if any(r.exit_code == 0 or not must_succeed for r in matching):
        return f"ran {matching[-1].line}"
    if matching:
        raise _Failed(f"`{matching[-1].line}` failed (exit status {matching[-1].exit_code}); "
                      "run it again once it works")
    raise _Failed(f"no command matching /{spec['pattern']}/ has been run in this step yet")


def _output(spec: Obj, ctx: CheckContext) -> str:
    chooser = re.compile(spec["command"]) if spec.get("command") else None
    records = [r for r in ctx.history if chooser is None or chooser.search(r.line)]
    if not records:
        raise _Failed(f"no command matching /{spec.get('command', '.')}/ has been run in this "
                      "step yet")
    for record in reversed(records):
        if _text_matches(record.output, spec):
            return f"`{record.line}` printed what was expected"
    raise _Failed(f"the output of `{records[-1].line}` {_text_wanted(spec)}")


def _text_matches(text: str, spec: Obj) -> bool:
    if "contains" in spec and spec["contains"] not in text:
        return False
    return not ("matches" in spec and not re.search(spec["matches"], text))


def _text_wanted(spec: Obj) -> str:
    if "contains" in spec:
        return f"does not contain {spec['contains']!r}"
    return f"does not match /{spec.get('matches', '')}/"


# --- inside pods ------------------------------------------------------------------------------

def _pod_for(spec: Obj, ctx: CheckContext) -> tuple[str, str]:
    """(namespace, pod name) of the pod a check runs in: by name, or the first Running pod
    that matches a selector."""
    namespace = spec.get("namespace") or ctx.namespace
    if spec.get("pod"):
        return namespace, spec["pod"]
    listing = ctx.shell.client.list(resolve("pods"), namespace,
                                    label_selector=spec.get("selector", ""))
    running = [p for p in listing.get("items") or []
               if (p.get("status") or {}).get("phase") == "Running"]
    if not running:
        raise _Failed(f"no Running pod matches {spec.get('selector') or '(any)'} to run in")
    return namespace, running[0]["metadata"]["name"]


def _run_in_pod(spec: Obj, ctx: CheckContext, command: list[str]) -> Obj:
    namespace, pod = _pod_for(spec, ctx)
    try:
        return ctx.shell.client.pod_exec(namespace, pod, command,
                                         container=spec.get("container", ""))
    except ApiError as err:
        raise _Failed(f"cannot run in pod {pod}: {err.message}") from err


def _exec(spec: Obj, ctx: CheckContext) -> str:
    result = _run_in_pod(spec, ctx, list(spec["command"]))
    shown = " ".join(spec["command"])
    code = int(result.get("exitCode") or 0)
    output = str(result.get("stdout") or "") + str(result.get("stderr") or "")
    if code != spec.get("exitCode", 0):
        raise _Failed(f"`{shown}` exited with {code}, expected {spec.get('exitCode', 0)}"
                      f"{': ' + output.strip().splitlines()[-1] if output.strip() else ''}")
    if not _text_matches(output, spec):
        raise _Failed(f"the output of `{shown}` {_text_wanted(spec)}")
    return f"`{shown}` did as expected"


# The request runs with the pod's own tools: curl when the image has it, else busybox wget.
# The status comes back on the last line either way.
_HTTP_SCRIPT = r"""
if command -v curl >/dev/null 2>&1; then
  curl -s -m 5 -w '\n__STATUS__ %{http_code}\n' "$1"
else
  out=$(wget -q -S -O - -T 5 "$1" 2>/tmp/.kubia-check-headers); code=$?
  printf '%s' "$out"
  status=$(sed -n 's/^ *HTTP\/[0-9.]* \([0-9]*\).*/\1/p' /tmp/.kubia-check-headers | tail -n1)
  rm -f /tmp/.kubia-check-headers
  printf '\n__STATUS__ %s\n' "${status:-000}"
fi
"""


def _http(spec: Obj, ctx: CheckContext) -> str:
    result = _run_in_pod(spec["from"], ctx, ["sh", "-c", _HTTP_SCRIPT, "check", spec["url"]])
    stdout = str(result.get("stdout") or "")
    body, _, status_line = stdout.rstrip("\n").rpartition("\n__STATUS__ ")
    status = int(status_line) if status_line.strip().isdigit() else 0
    wanted = spec.get("status", 200)
    if status == 0:
        raise _Failed(f"GET {spec['url']} got no answer")
    if status != wanted:
        raise _Failed(f"GET {spec['url']} answered {status}, expected {wanted}")
    if not _text_matches(body, spec):
        raise _Failed(f"the body of GET {spec['url']} {_text_wanted(spec)}")
    return f"GET {spec['url']} answered {status}"


_EVALUATORS: dict[str, Callable[[Obj, CheckContext], str]] = {
    "exists": _exists, "absent": _absent, "field": _field, "count": _count, "ready": _ready,
    "rollout": _rollout, "succeeded": _succeeded, "ran": _ran, "output": _output,
    "http": _http, "exec": _exec,
}
