"""`kubectl describe serviceaccount`, listing its pull secrets, mountable secrets and tokens."""

from __future__ import annotations

from typing import Any

from kubia_tutor.shell.describe.context import DescribeContext
from kubia_tutor.shell.describe.events import append_events
from kubia_tutor.shell.describe.secret import SA_TOKEN_TYPE
from kubia_tutor.shell.describe.writer import (
    PrefixWriter,
    annotations_of,
    header,
    name_of,
    namespace_of,
    object_meta,
)

# kubectl pads these headers itself and prints them in sorted order.
_PULL = "Image pull secrets:"
_MOUNT = "Mountable secrets: "
_TOKENS = "Tokens:            "
_EMPTY = " " * 19


def describe_serviceaccount(obj: dict[str, Any], ctx: DescribeContext) -> str:
    """Secrets referenced by the account, marking the ones that do not exist."""
    w = PrefixWriter()
    header(w, obj)
    secrets = ctx.list_objects("Secret", namespace_of(obj))
    existing = {name_of(s) for s in secrets}
    uid = object_meta(obj).get("uid", "")
    tokens = [name_of(s) for s in secrets
              if s.get("type") == SA_TOKEN_TYPE
              and annotations_of(s).get("kubernetes.io/service-account.name") == name_of(obj)
              and annotations_of(s).get("kubernetes.io/service-account.uid") == uid]
    groups = {
        _PULL: [str(r.get("name", "")) for r in obj.get("imagePullSecrets") or []],
        _MOUNT: [str(r.get("name", "")) for r in obj.get("secrets") or []],
        _TOKENS: tokens,
    }
    for title in sorted(groups):
        names = groups[title]
        if not names:
            w.line(0, title, "<none>")
            continue
        prefix = title
        for name in names:
            w.line(0, prefix, name if name in existing else f"{name} (not found)")
            prefix = _EMPTY
    append_events(w, obj, ctx)
    return w.render()
