"""Build the objects `kubectl create <generator>`, `run` and `expose` send, as kubectl v1.20.2.

Every function returns a plain dict holding exactly the fields real kubectl puts in the object
(`creationTimestamp: None` in metadata, `strategy: {}`, `resources: {}`, `status: {}`, ...).
Key order carries no meaning: the printers sort keys. Bad input raises `GeneratorError`, whose
message is kubectl's text without the leading `error: `.
"""

from __future__ import annotations

from kubia_tutor.shell.generators._support import name_from_args
from kubia_tutor.shell.generators.cluster import (
    clusterrolebinding,
    ingress,
    namespace,
    quota,
    resource_list,
    serviceaccount,
)
from kubia_tutor.shell.generators.data import (
    DEFAULT_DOCKER_SERVER,
    configmap,
    configmap_hash,
    secret_docker_registry,
    secret_generic,
    secret_hash,
    secret_tls,
)
from kubia_tutor.shell.generators.errors import GeneratorError
from kubia_tutor.shell.generators.quantity import kubectl_quantity
from kubia_tutor.shell.generators.services import EXPOSABLE_KINDS, expose, run_service, service
from kubia_tutor.shell.generators.workloads import (
    cronjob,
    deployment,
    job,
    job_validate,
    run_pod,
    valid_image_reference,
)

__all__ = [
    "DEFAULT_DOCKER_SERVER",
    "EXPOSABLE_KINDS",
    "GeneratorError",
    "clusterrolebinding",
    "configmap",
    "configmap_hash",
    "cronjob",
    "deployment",
    "expose",
    "ingress",
    "job",
    "job_validate",
    "kubectl_quantity",
    "name_from_args",
    "namespace",
    "quota",
    "resource_list",
    "run_pod",
    "run_service",
    "secret_docker_registry",
    "secret_generic",
    "secret_hash",
    "secret_tls",
    "service",
    "serviceaccount",
    "valid_image_reference",
]
