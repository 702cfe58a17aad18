"""`-o yaml` and `-o json` output byte for byte as kubectl v1.20.2 writes it, plus Go value text.

kubectl's JSON is Go's `encoding/json` (`MarshalIndent` with four spaces). Its YAML goes through
`sigs.k8s.io/yaml`: the object is marshalled to JSON, the JSON is read back by `gopkg.in/yaml.v2`
(v2.2.8 in kubectl 1.20, which still wraps long lines at 80 columns) and written out by it. So
the YAML side here reproduces yaml.v2: its key order, its rules for when a string needs quotes,
and the libyaml emitter it is a port of. PyYAML's emitter is a port of the same libyaml code, so
it does the layout; the few places where the two ports differ are overridden in `_GoEmitter`.

The package also holds the Go text forms other printers need: `fmt`'s `%v` (`go_sprint`), compact
JSON (`to_compact_json`, what jsonpath prints for maps and lists) and float formatting.
"""

from __future__ import annotations

from typing import Any

from kubia_tutor.shell.printers.serialize.gofmt import (
    go_format_float,
    go_json_float,
    go_quote,
    go_sharp_v,
    go_sprint,
)
from kubia_tutor.shell.printers.serialize.json import to_compact_json, to_json
from kubia_tutor.shell.printers.serialize.yaml_emitter import to_yaml

__all__ = [
    "as_list",
    "go_format_float",
    "go_json_float",
    "go_quote",
    "go_sharp_v",
    "go_sprint",
    "to_compact_json",
    "to_json",
    "to_yaml",
]


def as_list(items: list[Any], resource_version: str = "") -> dict[str, Any]:
    """The `List` kubectl 1.20 wraps several objects in for -o json/yaml (1.21 dropped selfLink)."""
    return {
        "apiVersion": "v1",
        "items": list(items),
        "kind": "List",
        "metadata": {"resourceVersion": resource_version, "selfLink": ""},
    }
