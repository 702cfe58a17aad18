"""secret volumes: the Secret's keys (or `items`) as files on a tmpfs, so they never touch
the node's disk (Kubernetes wraps a Memory emptyDir the same way).

With the API at hand every Secret is read and kept current like a configMap volume
(`projection`, `refresh`), the ServiceAccount token Secret that admission adds included.
Without it (a volume manager on its own, in tests) only the token volume can be mounted, with
placeholder files: the tutor's API server checks no tokens anyway.
"""

from __future__ import annotations

import os

from kubia_tutor.runtime.volumes.base import Prepared, VolumeContext, register, setup_failed
from kubia_tutor.runtime.volumes.projection import Source
from kubia_tutor.runtime.volumes.refresh import refresher_for
from kubia_tutor.runtime.volumes.tmpfs import mount_tmpfs

SECRET = "kubernetes.io~secret"
SERVICE_ACCOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
PLACEHOLDER_TOKEN = ("kubia-tutor-placeholder-token: the tutor's API server does not"
                     " authenticate pods, so this token opens nothing\n")
PLACEHOLDER_CA = ("-----BEGIN CERTIFICATE-----\nkubia-tutor local CA (a placeholder)\n"
                  "-----END CERTIFICATE-----\n")


@register("secret")
def _secret(ctx: VolumeContext) -> Prepared:
    secret = str(ctx.source.get("secretName") or "")
    namespace = str((ctx.pod.get("metadata") or {}).get("namespace") or "default")
    if ctx.manager.lookup is None:
        return _placeholder_token(ctx, secret, namespace)
    path = ctx.pod_volume_dir(SECRET)
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True)
    if ctx.manager.memory_tmpfs and not os.path.ismount(path):
        mount_tmpfs(ctx.name, path, None)
    source = Source("secret", namespace, secret, ctx.source)
    refresher_for(ctx.manager).project(ctx.name, source, path)
    return Prepared(ctx.name, str(path), read_only=True)


def _placeholder_token(ctx: VolumeContext, secret: str, namespace: str) -> Prepared:
    account = str((ctx.pod.get("spec") or {}).get("serviceAccountName") or "default")
    if not secret.startswith(f"{account}-token-"):
        raise setup_failed(ctx.name, f'kubia-tutor cannot mount secret "{secret}" without the'
                                     " API server (only the ServiceAccount token is mounted)")
    path = ctx.pod_volume_dir(SECRET)
    files = {"token": PLACEHOLDER_TOKEN, "ca.crt": PLACEHOLDER_CA, "namespace": namespace}
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        target = path / name
        if not target.is_file():
            target.write_text(text)
            target.chmod(0o644)
    return Prepared(ctx.name, str(path), read_only=True)
