"""Command-aware feedback: what the learner's last command did, next to what the step asks.

kubectl reports every object it changes on a line of its own (`pod/kubia created`,
`deployment.apps/kubia configured`, `replicationcontroller "kubia" deleted`), so the engine
reads those lines and compares the objects with the ones the step's checks look for: "you
created a Pod; this step asks for a ReplicationController".
"""

from __future__ import annotations

import re

from kubia_tutor.api.kinds import ResourceType, UnknownResourceType, resolve
from kubia_tutor.lessons.checks import CommandRecord
from kubia_tutor.lessons.model import Step

_CHANGED = re.compile(r"^(?P<type>[a-z0-9.-]+)/(?P<name>\S+) (?P<verb>created|configured|"
                      r"deleted|replaced|scaled|labeled|annotated|edited|patched|exposed)"
                      r"(?: \(dry run\))?$")
_DELETED = re.compile(r'^(?P<type>[a-z0-9.-]+) "(?P<name>[^"]+)" deleted$')
_WANTING = ("exists", "field", "count", "ready", "rollout", "succeeded")


def _article(kind: str) -> str:
    return "an" if kind[0] in "AEIOU" else "a"


def changes(output: str) -> list[tuple[ResourceType, str, str]]:
    """(type, name, verb) of every object a command's output says it changed."""
    found = []
    for line in output.splitlines():
        match = _CHANGED.match(line.strip()) or _DELETED.match(line.strip())
        if not match:
            continue
        try:
            rt = resolve(match.group("type"))
        except UnknownResourceType:
            continue
        verb = match.groupdict().get("verb") or "deleted"
        found.append((rt, match.group("name"), verb))
    return found


def _wanted(step: Step) -> dict[str, set[str]]:
    """Kinds the step's checks want to exist, each with the names they look for ('' = any)."""
    wanted: dict[str, set[str]] = {}
    for check in step.checks:
        if check.kind not in _WANTING or "kind" not in check.spec:
            continue
        try:
            kind = resolve(str(check.spec["kind"])).kind
        except UnknownResourceType:
            continue
        wanted.setdefault(kind, set()).add(str(check.spec.get("name") or ""))
    return wanted


def feedback(step: Step, record: CommandRecord) -> list[str]:
    """Remarks on one command, for the step the learner is on (none when all is as asked)."""
    wanted = _wanted(step)
    remarks: list[str] = []
    if not wanted:
        return remarks
    asked = " or ".join(f"{_article(k)} {k}" for k in sorted(wanted))
    for rt, name, verb in changes(record.output):
        if verb == "deleted":
            if rt.kind in wanted and (name in wanted[rt.kind] or "" in wanted[rt.kind]):
                remarks.append(f"You deleted {rt.singular} {name}, which this step needs.")
            continue
        if verb != "created":
            continue
        if rt.kind not in wanted:
            remarks.append(f"You created {_article(rt.kind)} {rt.kind}; this step asks for "
                           f"{asked}.")
        elif "" not in wanted[rt.kind] and name not in wanted[rt.kind]:
            names = ", ".join(sorted(wanted[rt.kind]))
            remarks.append(f"You created {rt.singular} {name}; this step looks for "
                           f"{rt.singular} {names}.")
    return remarks
