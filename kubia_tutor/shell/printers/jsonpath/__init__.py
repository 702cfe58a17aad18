"""kubectl's JSONPath dialect (client-go `util/jsonpath` as shipped in v1.20), used by -o jsonpath.

The grammar, the evaluation rules and every error text follow client-go, quirks included:
`['a.b']` splits at the dot like `.a.b`, `[n]` on an empty list is an out-of-bounds error even
when missing keys are allowed, a range with no `{end}` runs to the end of the template and then
again at top level, and filters compare only values of the same Go kind (an int never equals a
float). Objects reach kubectl's jsonpath as unstructured JSON maps, so the data here is plain
dicts, lists and scalars; integers are Go int64 and floats float64.

Go iterates maps in random order for `*` and `..`; here they go in sorted key order.
"""

from __future__ import annotations

from kubia_tutor.shell.printers.jsonpath.errors import (
    JsonPathError,
    execute_error_message,
    parse_error_message,
)
from kubia_tutor.shell.printers.jsonpath.template import Template, find, parse, relaxed

__all__ = [
    "JsonPathError",
    "Template",
    "execute_error_message",
    "find",
    "parse",
    "parse_error_message",
    "relaxed",
]
