"""`kubectl rollout status|history|undo|pause|resume|restart` (kubectl 1.20).

History and undo read a Deployment's ReplicaSets, one per revision, as kubectl does on the
client side: undo copies the chosen ReplicaSet's pod template (minus its pod-template-hash)
and annotations back into the Deployment, and the controller then makes that ReplicaSet the new
one under the next revision number. DaemonSets and StatefulSets keep their history as
ControllerRevisions; undo puts the chosen revision's template back the same way.
"""

from __future__ import annotations

from typing import Any

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import ResourceType, resolve
from kubia_tutor.controllers.deployment_revisions import (
    CHANGE_CAUSE,
    HASH_LABEL,
    SKIPPED_ANNOTATIONS,
    equal_ignore_hash,
    revision_of,
)
from kubia_tutor.controllers.pod_template import is_controlled_by
from kubia_tutor.controllers.revisions import template_of
from kubia_tutor.shell.command import FILENAME, OUTPUT, RECURSIVE, SELECTOR, Command, Context
from kubia_tutor.shell.commands.delete import _seconds
from kubia_tutor.shell.commands.named_objects import named_objects
from kubia_tutor.shell.commands.rollout_status import VIEWERS, follow
from kubia_tutor.shell.describe.pod_template import describe_pod_template
from kubia_tutor.shell.describe.writer import PrefixWriter
from kubia_tutor.shell.errors import CommandError, Silent
from kubia_tutor.shell.flags import Flag, Parsed
from kubia_tutor.shell.printers import names
from kubia_tutor.shell.printers.tabwriter import tabwrite

Obj = dict[str, Any]
REPLICASETS = resolve("replicasets")
REVISIONS = resolve("controllerrevisions")
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"


def _objects(ctx: Context, parsed: Parsed) -> list[tuple[ResourceType, Obj]]:
    return named_objects(ctx, parsed, parsed.args, missing="required resource not specified",
                         list_unnamed=True)


def _owned_replica_sets(ctx: Context, d: Obj) -> list[Obj]:
    listing = ctx.client.list(REPLICASETS, d["metadata"].get("namespace"))
    return [rs for rs in listing.get("items") or [] if is_controlled_by(rs, d)]


def _only_deployments(rt: ResourceType, verb: str) -> None:
    if rt.kind != "Deployment":
        raise CommandError(f'no {verb} has been implemented for "{rt.kind_group}"')


def _with_history(rt: ResourceType, verb: str) -> None:
    if rt.kind not in ("Deployment", "DaemonSet", "StatefulSet"):
        raise CommandError(f'no {verb} has been implemented for "{rt.kind_group}"')


def _owned_revisions(ctx: Context, obj: Obj) -> list[Obj]:
    """A DaemonSet's or StatefulSet's ControllerRevisions, by revision number."""
    listing = ctx.client.list(REVISIONS, obj["metadata"].get("namespace"))
    mine = [r for r in listing.get("items") or [] if is_controlled_by(r, obj)]
    return sorted(mine, key=lambda r: int(r.get("revision") or 0))


def _history(ctx: Context, obj: Obj) -> dict[int, Obj]:
    """Revision number → pod template (with its change-cause), as kubectl's history viewers
    read them: ReplicaSets for a Deployment, ControllerRevisions for the others."""
    templates: dict[int, Obj] = {}
    if obj.get("kind") == "Deployment":
        sources = [(revision_of(rs), (rs.get("spec") or {}).get("template") or {}, rs)
                   for rs in _owned_replica_sets(ctx, obj)]
    else:
        sources = [(int(r.get("revision") or 0), template_of(r), r)
                   for r in _owned_revisions(ctx, obj)]
    for number, template, source in sources:
        if number <= 0:
            continue
        template = dict(template)
        cause = ((source["metadata"].get("annotations")) or {}).get(CHANGE_CAUSE)
        if cause:
            meta = dict(template.get("metadata") or {})
            meta["annotations"] = {**(meta.get("annotations") or {}), CHANGE_CAUSE: cause}
            template["metadata"] = meta
        templates[number] = template
    return templates


# status ----------------------------------------------------------------------------------------

def status(ctx: Context, parsed: Parsed) -> int:
    """Wait for the rollout of one deployment, daemon set or stateful set."""
    objs = _objects(ctx, parsed)
    if len(objs) != 1:
        raise CommandError("rollout status is only supported on individual resources and "
                           "resource collections are not supported yet")
    rt, obj = objs[0]
    if rt.kind not in VIEWERS:
        group_kind = f"{rt.kind}.{rt.group}" if rt.group else rt.kind
        raise CommandError(f"no status viewer has been implemented for {group_kind}")
    revision = int(parsed["revision"])
    if revision < 0:
        raise CommandError(f"revision must be a positive integer: {revision}")
    return follow(ctx, rt, obj, revision, bool(parsed["watch"]), _seconds(parsed["timeout"]))


# history ---------------------------------------------------------------------------------------

def history(ctx: Context, parsed: Parsed) -> int:
    """The revisions of each deployment, or one revision's pod template."""
    revision = int(parsed["revision"])
    for rt, obj in _objects(ctx, parsed):
        _with_history(rt, "history viewer")
        templates = _history(ctx, obj)
        name = names.name_of(rt.kind_group, obj)
        if revision > 0:
            if revision not in templates:
                raise CommandError("unable to find the specified revision")
            ctx.out.write(f"{name} with revision #{revision}\n")
            ctx.out.write(_template_text(templates[revision]) + "\n")
            continue
        ctx.out.write(f"{name} \n")
        if not templates:
            ctx.out.write("No rollout history found.\n")
            continue
        rows = "REVISION\tCHANGE-CAUSE\n" + "".join(
            f"{n}\t{((templates[n].get('metadata') or {}).get('annotations') or {}).get(CHANGE_CAUSE) or '<none>'}\n"  # noqa: E501
            for n in sorted(templates))
        ctx.out.write(tabwrite(rows, 0, 2) + "\n")
    return 0


class _RawWriter(PrefixWriter):
    """kubectl prints a revision's template without aligning it: the tabs stay tabs."""

    def raw(self) -> str:
        return "".join(self._chunks)


def _template_text(template: Obj) -> str:
    w = _RawWriter()
    describe_pod_template(w, template)
    return w.raw()


# undo ------------------------------------------------------------------------------------------

def undo(ctx: Context, parsed: Parsed) -> int:
    """Put an earlier revision's pod template back (the previous one by default)."""
    to_revision = int(parsed["to-revision"])
    for rt, d in _objects(ctx, parsed):
        _with_history(rt, "rollbacker")
        name = names.name_of(rt.kind_group, d)
        if rt.kind != "Deployment":
            _undo_from_revisions(ctx, rt, d, to_revision, name)
            continue
        if (d.get("spec") or {}).get("paused"):
            raise CommandError(f"you cannot rollback a paused deployment; resume it first with "
                               f"'kubectl rollout resume deployment/{d['metadata']['name']}' and "
                               "try again")
        target = _revision_to_restore(ctx, d, to_revision)
        template = (target.get("spec") or {}).get("template") or {}
        if equal_ignore_hash(template, (d.get("spec") or {}).get("template")):
            ctx.out.write(f"{name} skipped rollback (current template already matches "
                          f"revision {to_revision})\n")
            continue
        restored = _restore_template(template)
        annotations = {k: v for k, v in ((d["metadata"].get("annotations")) or {}).items()
                       if k in SKIPPED_ANNOTATIONS}
        annotations.update({k: v for k, v in ((target["metadata"].get("annotations")) or {})
                            .items() if k not in SKIPPED_ANNOTATIONS})
        patch = [{"op": "replace", "path": "/spec/template", "value": restored},
                 {"op": "replace", "path": "/metadata/annotations", "value": annotations}]
        try:
            ctx.client.patch(rt, d["metadata"].get("namespace"), d["metadata"]["name"], patch,
                             "json")
        except ApiError as err:
            raise CommandError(f"failed restoring revision {to_revision}: {err.message}") \
                from None
        ctx.out.write(f"{name} rolled back\n")
    return 0


def _undo_from_revisions(ctx: Context, rt: ResourceType, obj: Obj, to_revision: int,
                         name: str) -> None:
    """A DaemonSet's or StatefulSet's rollback: the chosen ControllerRevision's data, a patch
    that replaces the pod template, applied to the object."""
    if to_revision < 0:
        raise CommandError(f"unable to find specified revision {to_revision} in history")
    ranked = _owned_revisions(ctx, obj)
    if to_revision > 0:
        found = [r for r in ranked if int(r.get("revision") or 0) == to_revision]
        if not found:
            raise CommandError(f"unable to find specified revision {to_revision} in history")
        target = found[0]
    elif len(ranked) < 2:
        raise CommandError("no last revision to roll back to")
    else:
        target = ranked[-2]
    template = template_of(target)
    if template == (obj.get("spec") or {}).get("template"):
        ctx.out.write(f"{name} skipped rollback (current template already matches "
                      f"revision {to_revision})\n")
        return
    patch = [{"op": "replace", "path": "/spec/template", "value": template}]
    try:
        ctx.client.patch(rt, obj["metadata"].get("namespace"), obj["metadata"]["name"], patch,
                         "json")
    except ApiError as err:
        raise CommandError(f"failed restoring revision {to_revision}: {err.message}") from None
    ctx.out.write(f"{name} rolled back\n")


def _restore_template(template: Obj) -> Obj:
    restored = dict(template)
    meta = dict(restored.get("metadata") or {})
    labels = {k: v for k, v in (meta.get("labels") or {}).items() if k != HASH_LABEL}
    meta["labels"] = labels
    restored["metadata"] = meta
    return restored


def _revision_to_restore(ctx: Context, d: Obj, to_revision: int) -> Obj:
    """The ReplicaSet of `to_revision`, or of the revision before the latest when 0."""
    if to_revision < 0:
        raise CommandError(f"unable to find specified revision {to_revision} in history")
    ranked = sorted(((revision_of(rs), rs) for rs in _owned_replica_sets(ctx, d)
                     if revision_of(rs) > 0), key=lambda pair: pair[0])
    if to_revision > 0:
        for number, rs in ranked:
            if number == to_revision:
                return rs
        raise CommandError(f"unable to find specified revision {to_revision} in history")
    if len(ranked) < 2:
        raise CommandError(f'no rollout history found for deployment "{d["metadata"]["name"]}"')
    return ranked[-2][1]


# pause / resume / restart ----------------------------------------------------------------------

def _set_paused(ctx: Context, parsed: Parsed, paused: bool) -> int:
    verb = "paused" if paused else "resumed"
    failures = 0
    for rt, obj in _objects(ctx, parsed):
        _only_deployments(rt, "pauser" if paused else "resumer")
        if bool((obj.get("spec") or {}).get("paused")) == paused:
            state = "already paused" if paused else "not paused"
            ctx.err.write(f'error: {rt.qualified} "{obj["metadata"]["name"]}" is {state}\n')
            failures += 1
            continue
        ctx.client.patch(rt, obj["metadata"].get("namespace"), obj["metadata"]["name"],
                         {"spec": {"paused": paused or None}}, "merge")
        ctx.out.write(f"{names.name_of(rt.kind_group, obj)} {verb}\n")
    if failures:
        raise Silent(1)
    return 0


def pause(ctx: Context, parsed: Parsed) -> int:
    """Stop a deployment from rolling out template changes."""
    return _set_paused(ctx, parsed, True)


def resume(ctx: Context, parsed: Parsed) -> int:
    """Let a paused deployment roll out again."""
    return _set_paused(ctx, parsed, False)


def restart(ctx: Context, parsed: Parsed) -> int:
    """Roll every pod again by stamping the template with the time."""
    for rt, obj in _objects(ctx, parsed):
        if rt.kind not in ("Deployment", "DaemonSet", "StatefulSet"):
            raise CommandError(f'restarting is not supported for "{rt.kind_group}"')
        if (obj.get("spec") or {}).get("paused"):
            raise CommandError(f'{rt.qualified} "{obj["metadata"]["name"]}" can\'t restart '
                               "paused deployment (run rollout resume first)")
        stamp = ctx.now().strftime("%Y-%m-%dT%H:%M:%SZ")
        patch = {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: stamp}}}}}
        ctx.client.patch(rt, obj["metadata"].get("namespace"), obj["metadata"]["name"], patch,
                         "strategic")
        ctx.out.write(f"{names.name_of(rt.kind_group, obj)} restarted\n")
    return 0


_COMMON = [FILENAME, RECURSIVE, OUTPUT, Flag("kustomize", "k", default="")]

COMMAND = Command("rollout", "Manage the rollout of a resource", [], None, {
    "status": Command("status", "Show the status of the rollout",
                      [*_COMMON, Flag("revision", kind="int", default=0),
                       Flag("watch", "w", "bool", True), Flag("timeout", default="0s")], status),
    "history": Command("history", "View rollout history",
                       [*_COMMON, Flag("revision", kind="int", default=0)], history),
    "undo": Command("undo", "Undo a previous rollout",
                    [*_COMMON, Flag("to-revision", kind="int", default=0)], undo),
    "pause": Command("pause", "Mark the provided resource as paused",
                     [*_COMMON, SELECTOR], pause),
    "resume": Command("resume", "Resume a paused resource", [*_COMMON, SELECTOR], resume),
    "restart": Command("restart", "Restart a resource", [*_COMMON, SELECTOR], restart),
})
