"""`kubectl describe secret`: sizes of the values, never the values (except SA tokens)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from kubia_tutor.shell.describe.context import DescribeContext
from kubia_tutor.shell.describe.writer import PrefixWriter, header

SA_TOKEN_TYPE = "kubernetes.io/service-account-token"


def describe_secret(obj: dict[str, Any], ctx: DescribeContext) -> str:
    """Type and `key:\\tN bytes` lines; kubectl shows no events for secrets."""
    del ctx  # secrets have no Events section
    w = PrefixWriter()
    header(w, obj)
    kind = obj.get("type", "")
    w.write(0, f"\nType:\t{kind}\n")
    w.write(0, "\nData\n====\n")
    for key, encoded in (obj.get("data") or {}).items():
        raw = _decode(encoded)
        if key == "token" and kind == SA_TOKEN_TYPE:
            w.line(0, f"{key}:", raw.decode("utf-8", errors="replace"))
        else:
            w.line(0, f"{key}:", f"{len(raw)} bytes")
    return w.render()


def _decode(value: object) -> bytes:
    try:
        return base64.b64decode(str(value or ""), validate=False)
    except (binascii.Error, ValueError):
        return str(value or "").encode()
