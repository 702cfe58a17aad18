"""Pods and pod owners: `kubectl run`, `create deployment`, `create job`, `create cronjob`."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from typing import Any

from kubia_tutor.shell.generators._order import in_go_order
from kubia_tutor.shell.generators._support import (
    Obj,
    env_var_name_errors,
    go_atoi,
    go_quote,
    new_object,
    parse_labels,
    parse_pairs,
    rand_string,
)
from kubia_tutor.shell.generators.cluster import resource_list
from kubia_tutor.shell.generators.errors import GeneratorError, required_flag

__all__ = ["cronjob", "deployment", "job", "job_validate", "run_pod", "valid_image_reference"]


# ---------------------------------------------------------------------------------------------
# create deployment


def deployment(
    name: str,
    images: Sequence[str],
    replicas: int = 1,
    port: int = -1,
    command: Sequence[str] = (),
    *,
    rng: random.Random | None = None,
) -> Obj:
    """The Deployment `kubectl create deployment NAME --image=... [--replicas] [--port]` sends.

    Each container is named after its image's last path element without tag or digest. A name
    with `.` or `_` gets them replaced by `-` plus a random 5-character suffix; pass `rng` to
    make that suffix reproducible. `command` is what follows `--`.
    """
    if not images:
        raise required_flag("image")
    if len(images) > 1 and command:
        raise GeneratorError("cannot specify multiple --image options and command")
    labels = {"app": name}
    containers: list[Obj] = []
    for image in images:
        container_name = image.split("/")[-1].split(":")[0].split("@")[0]
        if "_" in container_name or "." in container_name:
            container_name = container_name.replace("_", "-").replace(".", "-")
            container_name = f"{container_name}-{rand_string(5, rng)}"
        containers.append({"name": container_name, "image": image, "resources": {}})
    if command:
        containers[0]["command"] = list(command)
    if port >= 0:
        containers[0]["ports"] = [{"containerPort": port}]
    deploy = new_object("apps/v1", "Deployment", name)
    deploy["metadata"]["labels"] = dict(labels)
    deploy["spec"] = {
        "replicas": replicas,
        "selector": {"matchLabels": dict(labels)},
        "template": {
            "metadata": {"creationTimestamp": None, "labels": dict(labels)},
            "spec": {"containers": containers},
        },
        "strategy": {},
    }
    deploy["status"] = {}
    return in_go_order(deploy)


# ---------------------------------------------------------------------------------------------
# create job / create cronjob


def job_validate(image: str, from_: str, command: Sequence[str] = ()) -> None:
    """The flag checks `kubectl create job` makes before it looks anything up."""
    if bool(image) == bool(from_):
        raise GeneratorError("either --image or --from must be specified")
    if command and from_:
        raise GeneratorError("cannot specify --from and command")


def job(
    name: str,
    image: str = "",
    command: Sequence[str] = (),
    from_cronjob: Obj | None = None,
) -> Obj:
    """The Job of `kubectl create job NAME --image=... [-- cmd]` or `--from=cronjob/NAME`.

    `from_cronjob` is the object the `--from` reference resolved to; anything but a CronJob is
    rejected with kubectl's conversion error.
    """
    job_validate(image, "cronjob" if from_cronjob is not None else "", command)
    obj = new_object("batch/v1", "Job", name)
    if from_cronjob is None:
        container: Obj = {"name": name, "image": image, "resources": {}}
        if command:
            container["command"] = list(command)
        obj["spec"] = {
            "template": {
                "metadata": {"creationTimestamp": None},
                "spec": {"containers": [container], "restartPolicy": "Never"},
            }
        }
        obj["status"] = {}
        return in_go_order(obj)

    kind = from_cronjob.get("kind", "")
    if kind != "CronJob":
        version = str(from_cronjob.get("apiVersion", "")).rsplit("/", 1)[-1]
        raise GeneratorError(
            f"from must be an existing cronjob: {version}.{kind} is not suitable for converting "
            '''to "batch/v1beta1" in scheme "k8s.io/kubectl/pkg/scheme/scheme.go:28"'''
        )
    source_meta = from_cronjob.get("metadata") or {}
    template = (from_cronjob.get("spec") or {}).get("jobTemplate") or {}
    template_meta = template.get("metadata") or {}
    annotations = {"cronjob.kubernetes.io/instantiate": "manual"}
    annotations.update(template_meta.get("annotations") or {})
    obj["metadata"]["annotations"] = annotations
    if template_meta.get("labels"):
        obj["metadata"]["labels"] = dict(template_meta["labels"])
    obj["metadata"]["ownerReferences"] = [
        {
            "apiVersion": "batch/v1beta1",
            "kind": "CronJob",
            "name": source_meta.get("name", ""),
            "uid": source_meta.get("uid", ""),
        }
    ]
    obj["spec"] = _with_pod_template_timestamps(template.get("spec") or {})
    obj["status"] = {}
    return in_go_order(obj)


def _with_pod_template_timestamps(job_spec: Obj) -> Obj:
    """A copy of a job spec whose pod template carries `creationTimestamp: null`, as typed Go
    objects always print it."""
    spec = dict(job_spec)
    template = dict(spec.get("template") or {})
    meta = dict(template.get("metadata") or {})
    meta.setdefault("creationTimestamp", None)
    template["metadata"] = meta
    if "spec" in template:
        pod_spec = dict(template["spec"])
        for field in ("initContainers", "containers"):
            if field in pod_spec:
                pod_spec[field] = [{"resources": {}} | dict(c) for c in pod_spec[field] or []]
        template["spec"] = pod_spec
    spec["template"] = template
    return spec


def cronjob(
    name: str,
    image: str,
    schedule: str,
    restart: str = "",
    command: Sequence[str] = (),
) -> Obj:
    """The batch/v1beta1 CronJob `kubectl create cronjob NAME --image --schedule` sends."""
    if not image:
        raise required_flag("image")
    if not schedule:
        raise required_flag("schedule")
    container: Obj = {"name": name, "image": image, "resources": {}}
    if command:
        container["command"] = list(command)
    obj = new_object("batch/v1beta1", "CronJob", name)
    obj["spec"] = {
        "schedule": schedule,
        "jobTemplate": {
            "metadata": {"name": name, "creationTimestamp": None},
            "spec": {
                "template": {
                    "metadata": {"creationTimestamp": None},
                    "spec": {
                        "containers": [container],
                        "restartPolicy": restart or "OnFailure",
                    },
                }
            },
        },
    }
    obj["status"] = {}
    return in_go_order(obj)


# ---------------------------------------------------------------------------------------------
# run


# docker/distribution's reference grammar. Its separator `[-]*` may be empty, which only
# re-splits runs of alphanumerics; `-+` accepts the same names without the nested repetition
# that makes a backtracking engine slow.
_ALNUM = r"[a-z0-9]+"
_NAME_COMPONENT = rf"{_ALNUM}(?:(?:[._]|__|-+){_ALNUM})*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*(?::[0-9]+)?"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}"
_REFERENCE = re.compile(
    rf"(?:{_DOMAIN}/)?{_NAME_COMPONENT}(?:/{_NAME_COMPONENT})*(?::{_TAG})?(?:@{_DIGEST})?",
    re.ASCII,
)

_RESTART_POLICIES = ("Always", "OnFailure", "Never")
_PULL_POLICIES = ("Always", "IfNotPresent", "Never")


def valid_image_reference(image: str) -> bool:
    """True when `image` is a well-formed image reference (what `kubectl run` demands)."""
    return _REFERENCE.fullmatch(image) is not None


def run_pod(
    name: str,
    image: str | None,
    *,
    port: str = "",
    hostport: int = -1,
    labels: str = "",
    env: Sequence[str] = (),
    restart: str = "",
    command: bool = False,
    args: Sequence[str] = (),
    image_pull_policy: str = "",
    requests: str = "",
    limits: str = "",
    serviceaccount: str = "",
    annotations: Sequence[str] = (),
    privileged: bool = False,
    stdin: bool = False,
    tty: bool = False,
    leave_stdin_open: bool = False,
    attach: bool | None = None,
    rm: bool = False,
    expose: bool = False,
    dry_run: bool = False,
) -> Obj:
    """The Pod `kubectl run NAME --image=... [flags] [-- args]` creates (v1.20: always a Pod).

    Flags keep kubectl's types: `port` and `labels` are strings, `command` is the `--command`
    switch that makes `args` the container's command instead of its args. `attach=None` means
    `--attach` was not given, so it follows `stdin`; `image=None` means `--image` was not
    given (a cobra error), while `""` is an explicit empty value. `rm`, `expose` and `dry_run`
    only take part in kubectl's flag checks, which run first and in kubectl's order.
    """
    if image is None:
        raise required_flag("image")
    if not name:
        raise GeneratorError("NAME is required for run", usage_hint=True)
    if not image:
        raise GeneratorError("--image is required")
    if not valid_image_reference(image):
        raise GeneratorError(f"Invalid image name {go_quote(image)}: invalid reference format")
    if tty and not stdin:
        raise GeneratorError(
            "-i/--stdin is required for containers with -t/--tty=true", usage_hint=True
        )
    if expose and not port:
        raise GeneratorError("--port must be set when exposing a service", usage_hint=True)
    attached = stdin if attach is None else attach
    if restart and restart not in _RESTART_POLICIES:
        raise GeneratorError(f"invalid restart policy: {restart}", usage_hint=True)
    restart_policy = restart or ("OnFailure" if attached else "Always")
    if rm and not attached:
        raise GeneratorError("--rm should only be used for attached containers", usage_hint=True)
    if attached and dry_run:
        raise GeneratorError(
            "--dry-run=[server|client] can't be used with attached containers options "
            "(--attach, --stdin, or --tty)",
            usage_hint=True,
        )
    if image_pull_policy and image_pull_policy not in _PULL_POLICIES:
        raise GeneratorError(f"invalid image pull policy: {image_pull_policy}", usage_hint=True)

    # From here on the order is that of the pod generator.
    env_vars = _parse_env(env)
    pod_annotations = parse_pairs(annotations, "annotations")
    pod_labels = parse_labels(labels) if labels else {"run": name}
    resources: Obj = {}
    limit_list = resource_list(limits)
    request_list = resource_list(requests)
    if limit_list is not None:
        resources["limits"] = limit_list
    if request_list is not None:
        resources["requests"] = request_list

    container: Obj = {"name": name, "image": image, "resources": resources}
    if stdin:
        container["stdin"] = True
        if not leave_stdin_open:
            container["stdinOnce"] = True
    if tty:
        container["tty"] = True
    if privileged:
        container["securityContext"] = {"privileged": True}
    if args:
        container["command" if command else "args"] = list(args)
    if env_vars:
        container["env"] = env_vars
    if image_pull_policy:
        container["imagePullPolicy"] = image_pull_policy
    port_number = go_atoi(port) if port else -1
    if hostport > 0 and port_number < 0:
        raise GeneratorError("--hostport requires --port to be specified")
    if port:
        container_port: Obj = {"containerPort": port_number}
        if hostport > 0:
            container_port["hostPort"] = hostport
        container["ports"] = [container_port]

    pod = new_object("v1", "Pod", name)
    pod["metadata"]["labels"] = pod_labels
    if pod_annotations:
        pod["metadata"]["annotations"] = pod_annotations
    spec: Obj = {
        "containers": [container],
        "dnsPolicy": "ClusterFirst",
        "restartPolicy": restart_policy,
    }
    if serviceaccount:
        spec["serviceAccountName"] = serviceaccount
    pod["spec"] = spec
    pod["status"] = {}
    return in_go_order(pod)


def _parse_env(items: Sequence[str]) -> list[dict[str, Any]]:
    env: list[dict[str, Any]] = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key or env_var_name_errors(key):
            raise GeneratorError(f"invalid env: {item}")
        var: dict[str, Any] = {"name": key}
        if value:
            var["value"] = value
        env.append(var)
    return env
