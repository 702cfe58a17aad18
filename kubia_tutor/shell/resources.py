"""Resource arguments as kubectl reads them: `pods`, `po,svc`, `pod/kubia`, `all`."""

from __future__ import annotations

from dataclasses import dataclass, field

from kubia_tutor.api.kinds import ResourceType, UnknownResourceType, category, resolve
from kubia_tutor.shell.errors import CommandError


@dataclass
class Target:
    """One resource type and the names asked for (none means: list them)."""

    rt: ResourceType
    names: list[str] = field(default_factory=list)


def resource_type(name: str) -> ResourceType:
    """Resolve a type name or raise kubectl's unknown-type error."""
    try:
        return resolve(name)
    except UnknownResourceType:
        raise CommandError(f'the server doesn\'t have a resource type "{name}"') from None


def parse_targets(args: list[str]) -> list[Target]:
    """Turn positional arguments into targets, in the order given."""
    if not args:
        return []
    if "/" in args[0]:
        targets: list[Target] = []
        for arg in args:
            kind, sep, name = arg.partition("/")
            if not sep or not kind or not name:
                raise CommandError(
                    "there is no need to specify a resource type as a separate argument when "
                    "passing arguments in resource/name form (e.g. 'kubectl get "
                    "resource/<resource_name>' instead of 'kubectl get resource "
                    "resource/<resource_name>'")
            rt = resource_type(kind)
            if targets and targets[-1].rt is rt:
                targets[-1].names.append(name)
            else:
                targets.append(Target(rt, [name]))
        return targets
    names = args[1:]
    types: list[ResourceType] = []
    for word in args[0].split(","):
        if not word:
            continue
        expanded = category(word) if word == "all" else [resource_type(word)]
        for rt in expanded:
            if rt not in types:
                types.append(rt)
    for name in names:
        if "/" in name:
            raise CommandError(
                "there is no need to specify a resource type as a separate argument when "
                "passing arguments in resource/name form (e.g. 'kubectl get "
                "resource/<resource_name>' instead of 'kubectl get resource "
                "resource/<resource_name>'")
    return [Target(rt, list(names)) for rt in types]


def multiple_types(args: list[str]) -> bool:
    """True when the arguments name more than one type (kubectl then prefixes kind/)."""
    if not args:
        return False
    if "/" in args[0]:
        return len({a.partition("/")[0] for a in args}) > 1 or False
    return "," in args[0] or args[0] == "all"
