"""`-o name` output: `kind[.group]/name`, e.g. `pod/kubia` or `deployment.apps/kubia`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["name_of"]


def name_of(kind_group: str, obj: Mapping[str, Any]) -> str:
    """One `-o name` line without its newline.

    kind_group is ResourceType.kind_group: the lower-cased kind, plus `.group` outside the core
    group (kubectl lower-cases the kind only; the group is printed as it is).
    """
    metadata = obj.get("metadata") or {}
    return f"{kind_group}/{metadata.get('name', '')}"
