"""The service-account token volume the ServiceAccount admission plugin mounts into a pod."""

from __future__ import annotations

import random

from kubia_tutor.api.defaulting.fields import Obj, _containers, _existing
from kubia_tutor.api.defaulting.pods import _DEFAULT_FILE_MODE

SERVICE_ACCOUNT_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
_NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789"


def service_account_token_volume(pod: Obj, secret_name: str) -> str | None:
    """Mount a service-account token Secret into every container, as the ServiceAccount
    admission plugin does; returns the volume's name, or None when nothing was mounted.

    A container that already mounts something at the token path keeps its own mount, and an
    existing volume of that Secret is reused. The new volume is named after the Secret unless
    that name is taken. Whether the ServiceAccount itself disables automounting is the
    caller's to check; the pod's own `automountServiceAccountToken: false` is honoured here.
    """
    spec = pod.get("spec")
    if not isinstance(spec, dict) or spec.get("automountServiceAccountToken") is False:
        return None
    volumes = spec.get("volumes")
    if volumes is None:
        volumes = []
    if not isinstance(volumes, list):
        return None
    names = {v.get("name") for v in volumes if isinstance(v, dict)}
    existing = next(
        (v for v in volumes if isinstance(v, dict)
         and (_existing(v, "secret") or {}).get("secretName") == secret_name), None)
    if existing is not None:
        volume_name = str(existing.get("name"))
    else:
        volume_name = secret_name
        while volume_name in names:
            suffix = "".join(random.choice(_NAME_CHARS) for _ in range(5))
            volume_name = f"{secret_name}-{suffix}"
    mounted = False
    for container in _containers(spec):
        mounts = container.get("volumeMounts")
        if mounts is None:
            mounts = container["volumeMounts"] = []
        if not isinstance(mounts, list):
            continue
        if any(isinstance(m, dict) and m.get("mountPath") == SERVICE_ACCOUNT_MOUNT_PATH
               for m in mounts):
            continue
        mounts.append({"mountPath": SERVICE_ACCOUNT_MOUNT_PATH, "name": volume_name,
                       "readOnly": True})
        mounted = True
    if not mounted:
        return None
    if existing is None:
        volumes.append({"name": volume_name,
                        "secret": {"defaultMode": _DEFAULT_FILE_MODE, "secretName": secret_name}})
        spec["volumes"] = volumes
    return volume_name
