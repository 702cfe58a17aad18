"""What the mutating verbs share: dry-run modes, namespace checks, result lines, and the
objects named by -f, -l and --all."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import ResourceType
from kubia_tutor.shell.command import Context
from kubia_tutor.shell.errors import CommandError, Silent, format_api_error
from kubia_tutor.shell.flags import Parsed
from kubia_tutor.shell.output import Format, parse_format, print_objects
from kubia_tutor.shell.printers import names

if TYPE_CHECKING:
    from kubia_tutor.shell import manifests

Obj = dict[str, Any]
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
CHANGE_CAUSE = "kubernetes.io/change-cause"


def dry_run_mode(ctx: Context, parsed: Parsed) -> str:
    """`none`, `client` or `server` from --dry-run, with kubectl's checks and warning."""
    value = str(parsed.get("dry-run") or "none")
    if value == "unchanged":
        ctx.err.write("W0000 --dry-run is deprecated and can be replaced with "
                      "--dry-run=client.\n")
        return "client"
    if value in ("true",):
        return "client"
    if value in ("false",):
        return "none"
    if value not in ("none", "client", "server"):
        raise CommandError(f'Invalid dry-run value ({value}). Must be "none", "server", or '
                           '"client".')
    return value


def suffix(mode: str) -> str:
    """The note kubectl appends to a result line in a dry run."""
    return {"client": " (dry run)", "server": " (server dry run)"}.get(mode, "")


def object_namespace(ctx: Context, rt: ResourceType, obj: Obj, stamp: bool = True) -> str | None:
    """The namespace an object from a file goes to, checking it against -n; with `stamp`
    the object's metadata.namespace is set to it."""
    if not rt.namespaced:
        return None
    meta = obj.get("metadata")
    if not isinstance(meta, dict):  # `metadata: null` (a non-object fails validation first)
        meta = obj["metadata"] = {}
    declared = meta.get("namespace")
    if declared and ctx.namespace_given and declared != ctx.namespace:
        raise CommandError(
            f'the namespace from the provided object "{declared}" does not match the namespace '
            f'"{ctx.namespace}". You must pass \'--namespace={declared}\' to perform this '
            "operation.")
    ns = str(declared or ctx.namespace)
    if stamp:
        meta["namespace"] = ns
    return ns


def report(ctx: Context, fmt: Format | None, rt: ResourceType, obj: Obj, verb: str,
           mode: str = "none") -> None:
    """Print a result: `kind/name verb` or the object in the -o format."""
    if fmt is None or fmt.kind == "" or (fmt.kind == "name" and not verb):
        ctx.out.write(f"{names.name_of(rt.kind_group, obj)} {verb}{suffix(mode)}\n")
    elif fmt.kind == "name":
        ctx.out.write(names.name_of(rt.kind_group, obj) + "\n")
    else:
        print_objects(ctx, fmt, [(rt, obj)], as_list=False)
    ctx.out.flush()


def output_format(ctx: Context, parsed: Parsed) -> Format | None:
    """The -o format of a mutating command, or None for the plain result line."""
    value = parsed.get("output") or ""
    if not value:
        return None
    allowed = ("go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,"
               "name,template,templatefile,yaml")
    fmt = parse_format(ctx, value, allowed)
    if fmt.kind in ("wide", "custom-columns"):
        raise CommandError(f'unable to match a printer suitable for the output format "{value}"'
                           f", allowed formats are: {allowed}")
    return fmt


def record_cause(obj: Obj, parsed: Parsed, argv: list[str] | None) -> None:
    """--record: store the command line in the change-cause annotation."""
    if parsed.get("record") and argv is not None:
        annotations = obj.setdefault("metadata", {}).setdefault("annotations", {}) or {}
        obj["metadata"]["annotations"] = annotations
        from kubia_tutor.shell.commands.change_cause import command_line

        annotations[CHANGE_CAUSE] = command_line(argv)


class FailedAction(ApiError):
    """An API error with the words for what was being done (`creating`, `applying patch:
    ...`), for the `error when <gerund> "<file>": ` prefix kubectl prints."""

    def __init__(self, err: ApiError, gerund: str) -> None:
        super().__init__(err.code, err.reason, err.message, err.details)
        self.gerund = gerund


def api_error_line(err: ApiError, verb: str = "", source: str = "") -> str:
    """An API error as kubectl prints it, with `error when <verb> "<file>": ` for files."""
    where = f'error when {verb} "{source}": ' if verb and source else ""
    return format_api_error(err.reason, err.message, where)


def warn(ctx: Context, text: str) -> None:
    """A server warning, printed as kubectl prints them."""
    ctx.err.write(f"Warning: {text}\n")


def annotate_last_applied(obj: Obj) -> None:
    """Record the object as given in the last-applied annotation, as apply and
    --save-config do (without the annotation itself)."""
    clean = json.loads(json.dumps(obj))
    annotations = (clean.get("metadata") or {}).get("annotations") or {}
    annotations.pop(LAST_APPLIED, None)
    if not annotations and "annotations" in (clean.get("metadata") or {}):
        del clean["metadata"]["annotations"]
    text = json.dumps(clean, separators=(",", ":"), sort_keys=True) + "\n"
    meta = obj.setdefault("metadata", {})
    meta.setdefault("annotations", {})
    if meta["annotations"] is None:
        meta["annotations"] = {}
    meta["annotations"][LAST_APPLIED] = text


Act = Callable[["manifests.Manifest", ResourceType, str], tuple[Obj, str]]


def each_manifest(ctx: Context, parsed: Parsed, gerund: str, act: Act) -> int:
    """Run `act(manifest, type, dry-run mode)` on every object in the -f manifests and print
    the (result, verb) it returns, as create and apply do: a document that cannot be read or
    acted on is reported (`error when <gerund> "<file>": ...`) and the others still go.
    Returns 0, or raises Silent(1) when any failed."""
    from kubia_tutor.shell import manifests  # yaml and validation: only when -f is used

    if parsed.args:
        raise CommandError(f"Unexpected args: {parsed.args}", usage=True)
    if not parsed["filename"]:
        raise CommandError("must specify one of -f and -k", usage=True)
    mode = dry_run_mode(ctx, parsed)
    fmt = output_format(ctx, parsed)
    failures = 0
    for manifest in manifests.load(ctx, parsed["filename"], parsed["recursive"],
                                   parsed["validate"]):
        if manifest.error or manifest.rt is None:
            ctx.err.write(f"error: {manifest.error}\n")
            failures += 1
            continue
        if manifest.warning:
            warn(ctx, manifest.warning)
        record_cause(manifest.obj, parsed, ctx.argv)
        try:
            result, verb = act(manifest, manifest.rt, mode)
        except ApiError as err:
            done = err.gerund if isinstance(err, FailedAction) else gerund
            ctx.err.write(api_error_line(err, done, manifest.source) + "\n")
            failures += 1
            continue
        except CommandError as err:
            ctx.err.write(f"error: {err.message}\n")
            failures += 1
            continue
        report(ctx, fmt, manifest.rt, result, verb, mode)
    if failures:
        raise Silent(1)
    return 0


def manifest_refs(ctx: Context, parsed: Parsed) -> list[tuple[ResourceType, str | None, Obj]]:
    """The objects the -f manifests name, for verbs that act on live objects (delete, label,
    patch, get): each one's type, namespace (its own, else -n's) and metadata. The files are
    not validated, and the first document that cannot be read raises its error."""
    from kubia_tutor.shell import manifests  # yaml and validation: only when -f is used

    refs: list[tuple[ResourceType, str | None, Obj]] = []
    for manifest in manifests.load(ctx, parsed["filename"], parsed["recursive"], False):
        if manifest.error or manifest.rt is None:
            raise CommandError(manifest.error)
        meta = manifest.obj.get("metadata") or {}
        ns = (meta.get("namespace") or ctx.namespace) if manifest.rt.namespaced else None
        refs.append((manifest.rt, ns, meta))
    return refs


def list_selected(ctx: Context, parsed: Parsed, rt: ResourceType, ns: str | None) -> list[Obj]:
    """The objects of one type that -l and --field-selector pick (all of them with --all),
    in namespace `ns`, or in every namespace with -A."""
    listing = ctx.client.list(rt, None if parsed.get("all-namespaces") else ns,
                              label_selector=parsed.get("selector") or "",
                              field_selector=parsed.get("field-selector") or "")
    return list(listing.get("items") or [])
