"""secret volumes: for now only the ServiceAccount token that admission adds to every pod.

Without the API at hand the token is a placeholder (the tutor's API server checks no tokens);
`namespace` is the pod's. Other secrets fail the mount with a clear message until secret
volumes come (issue 5), which will replace this preparer with one that reads the Secret.
"""

from __future__ import annotations

from kubia_tutor.runtime.volumes.base import Prepared, VolumeContext, register, setup_failed

SECRET = "kubernetes.io~secret"
SERVICE_ACCOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
PLACEHOLDER_TOKEN = ("kubia-tutor-placeholder-token: the tutor's API server does not"
                     " authenticate pods, so this token opens nothing\n")
PLACEHOLDER_CA = ("-----BEGIN CERTIFICATE-----\nkubia-tutor local CA (a placeholder)\n"
                  "-----END CERTIFICATE-----\n")


@register("secret")
def _secret(ctx: VolumeContext) -> Prepared:
    secret = str(ctx.source.get("secretName") or "")
    account = str((ctx.pod.get("spec") or {}).get("serviceAccountName") or "default")
    if not secret.startswith(f"{account}-token-"):
        raise setup_failed(ctx.name, f'kubia-tutor cannot mount secret "{secret}" yet (only'
                                     " the ServiceAccount token is mounted)")
    path = ctx.pod_volume_dir(SECRET)
    namespace = str((ctx.pod.get("metadata") or {}).get("namespace") or "default")
    files = {"token": PLACEHOLDER_TOKEN, "ca.crt": PLACEHOLDER_CA, "namespace": namespace}
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        target = path / name
        if not target.is_file():
            target.write_text(text)
            target.chmod(0o644)
    return Prepared(ctx.name, str(path), read_only=True)
