"""configMap volumes: the ConfigMap's keys (or `items`) as files, on the node's disk.

Kubernetes wraps an emptyDir (default medium) and fills it through the atomic writer; the
files and their updates come from `projection` and `refresh`. Like every API-data volume
since 1.10, it is mounted read-only.
"""

from __future__ import annotations

from kubia_tutor.runtime.volumes.base import Prepared, VolumeContext, register, setup_failed
from kubia_tutor.runtime.volumes.projection import Source
from kubia_tutor.runtime.volumes.refresh import refresher_for

CONFIG_MAP = "kubernetes.io~configmap"


@register("configMap")
def _config_map(ctx: VolumeContext) -> Prepared:
    if ctx.manager.lookup is None:
        raise setup_failed(ctx.name, "kubia-tutor cannot mount configMap volumes without the"
                                     " API server")
    namespace = str((ctx.pod.get("metadata") or {}).get("namespace") or "default")
    source = Source("configmap", namespace, str(ctx.source.get("name") or ""), ctx.source)
    path = ctx.pod_volume_dir(CONFIG_MAP)
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True)
        path.chmod(0o777)  # the emptyDir it wraps is world-writable, as `ls -la` shows
    refresher_for(ctx.manager).project(ctx.name, source, path)
    return Prepared(ctx.name, str(path), read_only=True)
