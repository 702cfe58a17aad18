"""Label and field selectors as a v1.20 API server parses, prints and matches them.

Label selectors follow apimachinery's grammar (`a=b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`,
`!a`, `a>1`, `a<1`), including its tokenizer quirks, so a learner's typo gets the same
`unable to parse requirement: ...` text a real server answers with. Field selectors are the
simpler `k=v,k!=v` language; each type accepts only the fields its registry converts, and the
error names which. Errors are `ApiError` BadRequests carrying the server's bare message; kubectl's
`Unable to find ... that match label selector ...` prefix is the client's to add.

The name rules labels and selectors share (qualified names, label values, DNS subdomains) live
here too (`names.py`), because the selector parser is their first user; the `semantics`
package reuses them.
"""

from __future__ import annotations

from kubia_tutor.api.selectors.fields import FieldRequirement, FieldSelector, parse_field_selector
from kubia_tutor.api.selectors.label_parser import parse_label_selector, selector_from_spec
from kubia_tutor.api.selectors.labels import (
    EVERYTHING,
    NOTHING,
    LabelSelector,
    Operator,
    Requirement,
    selector_from_map,
)
from kubia_tutor.api.selectors.names import (
    dns1123_subdomain_errors,
    go_quote,
    label_value_errors,
    qualified_name_errors,
    regex_error,
)
from kubia_tutor.api.selectors.names import max_len_error as max_len_error

__all__ = [
    "EVERYTHING",
    "NOTHING",
    "FieldRequirement",
    "FieldSelector",
    "LabelSelector",
    "Operator",
    "Requirement",
    "dns1123_subdomain_errors",
    "go_quote",
    "label_value_errors",
    "parse_field_selector",
    "parse_label_selector",
    "qualified_name_errors",
    "regex_error",
    "selector_from_map",
    "selector_from_spec",
]
