"""Name rules (apimachinery's util/validation) beyond the ones the `selectors` package shares.

DNS labels, DNS-1035 labels, config keys, environment variable names, port names and numbers,
and which rule each kind's `metadata.name` follows (`NAME_RULES`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from kubia_tutor.api.selectors import dns1123_subdomain_errors, max_len_error, regex_error
from kubia_tutor.api.semantics.fields import _byte_len

_DNS_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS_LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters "
                  "or '-', and must start and end with an alphanumeric character")
_DNS1035_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
_DNS1035_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
                "start with an alphabetic character, and end with an alphanumeric character")
_ENV_FMT = "[-._a-zA-Z][-._a-zA-Z0-9]*"
_ENV_MSG = ("a valid environment variable name must consist of alphabetic characters, digits, "
            "'_', '-', or '.', and must not start with a digit")
_CONFIG_KEY_FMT = "[-._a-zA-Z0-9]+"
_CONFIG_KEY_MSG = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"


def _dns_label_errors(value: str, fmt: str, msg: str, *examples: str) -> list[str]:
    """A 63-byte DNS label matching `fmt` (the two label rules differ only in the pattern)."""
    errs = [max_len_error(63)] if _byte_len(value) > 63 else []
    if not re.fullmatch(fmt, value):
        errs.append(regex_error(msg, fmt, *examples))
    return errs


def dns1123_label_errors(value: str) -> list[str]:
    """IsDNS1123Label."""
    return _dns_label_errors(value, _DNS_LABEL_FMT, _DNS_LABEL_MSG, "my-name", "123-abc")


def dns1035_label_errors(value: str) -> list[str]:
    """IsDNS1035Label (Service names)."""
    return _dns_label_errors(value, _DNS1035_FMT, _DNS1035_MSG, "my-name", "abc-123")


def _no_dot_dirs(value: str) -> list[str]:
    if value in (".", ".."):
        return [f"must not be '{value}'"]
    return ["must not start with '..'"] if value.startswith("..") else []


def config_key_errors(value: str) -> list[str]:
    """IsConfigMapKey (ConfigMap and Secret data keys)."""
    errs = [max_len_error(253)] if _byte_len(value) > 253 else []
    if not re.fullmatch(_CONFIG_KEY_FMT, value):
        errs.append(regex_error(_CONFIG_KEY_MSG, _CONFIG_KEY_FMT, "key.name", "KEY_NAME",
                                "key-name"))
    return errs + _no_dot_dirs(value)


def env_name_errors(value: str) -> list[str]:
    """IsEnvVarName."""
    errs = [] if re.fullmatch(_ENV_FMT, value) else [
        regex_error(_ENV_MSG, _ENV_FMT, "my.env-name", "MY_ENV.NAME", "MyEnvName1")]
    return errs + _no_dot_dirs(value)


def port_name_errors(value: str) -> list[str]:
    """IsValidPortName (IANA service names)."""
    errs = [max_len_error(15)] if len(value) > 15 else []
    if not re.fullmatch("[-a-z0-9]+", value):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not re.search("[a-z]", value):
        errs.append("must contain at least one letter (a-z)")
    if "--" in value:
        errs.append("must not contain consecutive hyphens")
    if value.startswith("-") or value.endswith("-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def _range_error(low: int, high: int) -> str:
    return f"must be between {low} and {high}, inclusive"


def port_number_errors(value: int) -> list[str]:
    """IsValidPortNum."""
    return [] if 1 <= value <= 65535 else [_range_error(1, 65535)]


def _path_segment_errors(value: str, prefix: bool) -> list[str]:
    if not prefix and value in (".", ".."):
        return [f"may not be '{value}'"]
    return [f"may not contain '{bad}'" for bad in ("/", "%") if bad in value]


def _mask_trailing_dash(name: str) -> str:
    # A generateName gets a suffix appended, so a final dash is fine; this is how the server
    # hides it from the check (it also drops the character before it).
    return name[:-2] + "a" if len(name) > 1 and name.endswith("-") else name


NameRule = Callable[[str, bool], list[str]]


def _masking_prefix(check: Callable[[str], list[str]]) -> NameRule:
    """A name rule from a plain check, masking a generateName's trailing dash."""

    def rule(name: str, prefix: bool) -> list[str]:
        return check(_mask_trailing_dash(name) if prefix else name)

    return rule


_subdomain = _masking_prefix(dns1123_subdomain_errors)
_label = _masking_prefix(dns1123_label_errors)
_dns1035 = _masking_prefix(dns1035_label_errors)


# The name rule per kind; everything else is a DNS subdomain.
NAME_RULES: dict[str, NameRule] = {
    "Namespace": _label,
    "Service": _dns1035,
    "Role": _path_segment_errors,
    "ClusterRole": _path_segment_errors,
    "RoleBinding": _path_segment_errors,
    "ClusterRoleBinding": _path_segment_errors,
}
