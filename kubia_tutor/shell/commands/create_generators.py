"""The `kubectl create <generator>` subcommands: namespace, configmap, secret, deployment,
service, job, cronjob, quota, serviceaccount, ingress, clusterrolebinding."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kubia_tutor.api import conversion
from kubia_tutor.api.kinds import resolve
from kubia_tutor.shell import generators
from kubia_tutor.shell.command import DRY_RUN, FIELD_MANAGER, PRINT_FLAGS, Command, Context
from kubia_tutor.shell.commands.common import dry_run_mode, output_format, report
from kubia_tutor.shell.errors import CommandError, UsageError
from kubia_tutor.shell.flags import Flag, Parsed

Obj = dict[str, Any]
Builder = Callable[[Context, Parsed], Obj]

SAVE_CONFIG = Flag("save-config", kind="bool", default=False)
COMMON = [*PRINT_FLAGS, DRY_RUN, FIELD_MANAGER, SAVE_CONFIG]
APPEND_HASH = Flag("append-hash", kind="bool", default=False)
FROM_LITERAL = Flag("from-literal", kind="list", split_commas=False)
FROM_FILE = Flag("from-file", kind="list", split_commas=False)
FROM_ENV_FILE = Flag("from-env-file", kind="list", split_commas=False)


def positional(parsed: Parsed) -> list[str]:
    """The arguments before `--` (what follows `--` is a command for the container)."""
    return parsed.args[:parsed.dash_index] if parsed.dash_index >= 0 else parsed.args


def run_built(ctx: Context, parsed: Parsed, kind: str, build: Builder) -> int:
    """Build the object, then create it (or print it, for a client dry run)."""
    from kubia_tutor.shell.commands.create import create_object

    mode = dry_run_mode(ctx, parsed)
    fmt = output_format(ctx, parsed)
    try:
        obj = build(ctx, parsed)
    except generators.GeneratorError as err:
        if err.cobra:
            raise UsageError(err.message, hint=False) from None
        raise CommandError(err.message, usage=err.usage_hint) from None
    rt = resolve(kind)
    if mode == "client" and fmt is not None and fmt.kind == "json":
        from kubia_tutor.shell.printers import serialize

        # objects kubectl builds print in Go field order, not sorted
        ctx.out.write(serialize.to_json(obj, sort_keys=False))
        return 0
    if mode != "client":
        # kubectl 1.20 still builds CronJobs as batch/v1beta1; the server stores batch/v1.
        obj, _warning = conversion.convert(obj)
    created = create_object(ctx, rt, obj, mode, save_config=bool(parsed["save-config"]))
    report(ctx, fmt, rt, created, "created", mode)
    return 0


def generator(name: str, short: str, kind: str, build: Builder, flags: list[Flag],
              aliases: tuple[str, ...] = ()) -> Command:
    """A `kubectl create <name>` subcommand."""
    return Command(name, short, [*COMMON, *flags],
                   lambda ctx, parsed: run_built(ctx, parsed, kind, build), aliases=aliases,
                   usage=f"kubectl create {name} NAME [options]")


def _name(parsed: Parsed) -> str:
    return generators.name_from_args(positional(parsed))


def _namespace(ctx: Context, p: Parsed) -> Obj:
    return generators.namespace(_name(p))


def _configmap(ctx: Context, p: Parsed) -> Obj:
    return generators.configmap(_name(p), p["from-literal"], p["from-file"], p["from-env-file"],
                                bool(p["append-hash"]), cwd=ctx.cwd)


def _secret_generic(ctx: Context, p: Parsed) -> Obj:
    return generators.secret_generic(_name(p), p["from-literal"], p["from-file"],
                                     p["from-env-file"], p["type"] or "",
                                     bool(p["append-hash"]), cwd=ctx.cwd)


def _secret_tls(ctx: Context, p: Parsed) -> Obj:
    return generators.secret_tls(_name(p), p["cert"] or "", p["key"] or "",
                                 bool(p["append-hash"]), cwd=ctx.cwd)


def _secret_docker(ctx: Context, p: Parsed) -> Obj:
    return generators.secret_docker_registry(
        _name(p), p["docker-server"], p["docker-username"] or "", p["docker-password"] or "",
        p["docker-email"] or "", from_files=p["from-file"], append_hash=bool(p["append-hash"]),
        cwd=ctx.cwd)


def _deployment(ctx: Context, p: Parsed) -> Obj:
    if not p["image"]:
        raise generators.GeneratorError('required flag(s) "image" not set', cobra=True)
    return generators.deployment(_name(p), p["image"], p["replicas"], p["port"],
                                 p.after_dash)


def _service(kind: str) -> Builder:
    def build(ctx: Context, p: Parsed) -> Obj:
        return generators.service(kind, _name(p), p.get("tcp") or [],
                                  p.get("node-port") or 0, p.get("clusterip") or "",
                                  p.get("external-name") or "")
    return build


def _job(ctx: Context, p: Parsed) -> Obj:
    generators.job_validate(p["image"] or "", p["from"] or "", p.after_dash)
    cronjob = None
    if p["from"]:
        kind, _, source = str(p["from"]).partition("/")
        if kind not in ("cronjob", "cronjobs", "cj", "cronjob.batch") or not source:
            raise CommandError(f"from must be an existing cronjob: {p['from']}")
        cronjob = ctx.client.get(resolve("cronjobs"), ctx.namespace, source)
    return generators.job(_name(p), p["image"] or "", p.after_dash, from_cronjob=cronjob)


def _cronjob(ctx: Context, p: Parsed) -> Obj:
    if not p["image"]:
        raise generators.GeneratorError('required flag(s) "image", "schedule" not set'
                                        if not p["schedule"] else
                                        'required flag(s) "image" not set', cobra=True)
    if not p["schedule"]:
        raise generators.GeneratorError('required flag(s) "schedule" not set', cobra=True)
    return generators.cronjob(_name(p), p["image"], p["schedule"], p["restart"] or "",
                              p.after_dash)


def _quota(ctx: Context, p: Parsed) -> Obj:
    return generators.quota(_name(p), p["hard"] or "", p["scopes"] or "")


def _serviceaccount(ctx: Context, p: Parsed) -> Obj:
    return generators.serviceaccount(_name(p))


def _ingress(ctx: Context, p: Parsed) -> Obj:
    return generators.ingress(_name(p), p["rule"], p["class"] or "",
                              p["default-backend"] or "", p["annotation"])


def _clusterrolebinding(ctx: Context, p: Parsed) -> Obj:
    return generators.clusterrolebinding(_name(p), p["clusterrole"] or "", p["user"],
                                         p["group"], p["serviceaccount"])


SERVICE_FLAGS = [Flag("tcp", kind="list"), Flag("clusterip", default="")]

SECRET = Command("secret", "Create a secret using specified subcommand", [], None, {
    "generic": generator("generic", "Create a secret from a local file, directory or literal "
                         "value", "secrets", _secret_generic,
                         [FROM_LITERAL, FROM_FILE, FROM_ENV_FILE, APPEND_HASH,
                          Flag("type", default="")]),
    "tls": generator("tls", "Create a TLS secret", "secrets", _secret_tls,
                     [Flag("cert", default=""), Flag("key", default=""), APPEND_HASH]),
    "docker-registry": generator(
        "docker-registry", "Create a secret for use with a Docker registry", "secrets",
        _secret_docker,
        [Flag("docker-server", default=generators.DEFAULT_DOCKER_SERVER),
         Flag("docker-username", default=""), Flag("docker-password", default=""),
         Flag("docker-email", default=""), FROM_FILE, APPEND_HASH]),
})

SERVICE = Command("service", "Create a service using specified subcommand.", [], None, {
    "clusterip": generator("clusterip", "Create a ClusterIP service.", "services",
                           _service("clusterip"), SERVICE_FLAGS),
    "nodeport": generator("nodeport", "Create a NodePort service.", "services",
                          _service("nodeport"),
                          [*SERVICE_FLAGS, Flag("node-port", kind="int", default=0)]),
    "loadbalancer": generator("loadbalancer", "Create a LoadBalancer service.", "services",
                              _service("loadbalancer"), SERVICE_FLAGS),
    "externalname": generator("externalname", "Create an ExternalName service.", "services",
                              _service("externalname"),
                              [*SERVICE_FLAGS, Flag("external-name", default="")]),
}, aliases=("svc",))

GENERATORS: dict[str, Command] = {
    "namespace": generator("namespace", "Create a namespace with the specified name",
                           "namespaces", _namespace, [], aliases=("ns",)),
    "configmap": generator("configmap", "Create a configmap from a local file, directory or "
                           "literal value", "configmaps", _configmap,
                           [FROM_LITERAL, FROM_FILE, FROM_ENV_FILE, APPEND_HASH],
                           aliases=("cm",)),
    "secret": SECRET,
    "service": SERVICE,
    "deployment": generator("deployment", "Create a deployment with the specified name.",
                            "deployments", _deployment,
                            [Flag("image", kind="list"), Flag("replicas", "r", "int", 1),
                             Flag("port", kind="int", default=-1)], aliases=("deploy",)),
    "job": generator("job", "Create a job with the specified name.", "jobs", _job,
                     [Flag("image", default=""), Flag("from", default="")]),
    "cronjob": generator("cronjob", "Create a cronjob with the specified name.", "cronjobs",
                         _cronjob, [Flag("image", default=""), Flag("schedule", default=""),
                                    Flag("restart", default="")], aliases=("cj",)),
    "quota": generator("quota", "Create a quota with the specified name.", "resourcequotas",
                       _quota, [Flag("hard", default=""), Flag("scopes", default="")],
                       aliases=("resourcequota",)),
    "serviceaccount": generator("serviceaccount", "Create a service account with the "
                                "specified name", "serviceaccounts", _serviceaccount, [],
                                aliases=("sa",)),
    "ingress": generator("ingress", "Create an ingress with the specified name.",
                         "ingresses", _ingress,
                         [Flag("rule", kind="list", split_commas=False),
                          Flag("class", default=""), Flag("default-backend", default=""),
                          Flag("annotation", kind="list", split_commas=False)],
                         aliases=("ing",)),
    "clusterrolebinding": generator(
        "clusterrolebinding", "Create a ClusterRoleBinding for a particular ClusterRole",
        "clusterrolebindings", _clusterrolebinding,
        [Flag("clusterrole", default=""), Flag("user", kind="list", split_commas=False),
         Flag("group", kind="list", split_commas=False),
         Flag("serviceaccount", kind="list", split_commas=False)]),
}
