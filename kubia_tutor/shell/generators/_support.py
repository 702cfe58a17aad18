"""Go and apimachinery behaviour that kubectl's generators lean on, redone in Python."""

from __future__ import annotations

import errno
import random
import re
from collections.abc import Iterable, Sequence
from typing import Any

from kubia_tutor.shell.generators.errors import GeneratorError

Obj = dict[str, Any]

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)


# ---------------------------------------------------------------------------------------------
# Object skeletons


def new_object(api_version: str, kind: str, name: str) -> Obj:
    """A typed object as kubectl builds it client-side: `creationTimestamp: null` is always sent."""
    return {
        "apiVersion": api_version,
        "kind": kind,
        "metadata": {"name": name, "creationTimestamp": None},
    }


def name_from_args(args: Sequence[str]) -> str:
    """The single NAME positional argument of `kubectl create <generator>`."""
    if len(args) != 1:
        raise GeneratorError(f"exactly one NAME is required, got {len(args)}", usage_hint=True)
    return args[0]


# ---------------------------------------------------------------------------------------------
# Go formatting


def go_quote(text: str) -> str:
    """Go's `%q` for a string (strconv.Quote)."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch in _GO_SHORT_ESCAPES:
            out.append(_GO_SHORT_ESCAPES[ch])
        elif ch == " " or (ch.isprintable() and code != 0x7F):
            out.append(ch)
        elif code < 0x80:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


_GO_SHORT_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
}


def go_bytes(data: bytes) -> str:
    """Go's `%v` for a byte slice: `[65 61 255]`."""
    return "[" + " ".join(str(b) for b in data) + "]"


def go_strings(items: Iterable[str]) -> str:
    """Go's `%v` for a string slice: `[FOO BAR]`."""
    return "[" + " ".join(items) + "]"


def go_path_base(path: str) -> str:
    """Go's path.Base: the last element, trailing slashes ignored ('' gives '.')."""
    if path == "":
        return "."
    stripped = path.rstrip("/")
    if stripped == "":
        return "/"
    return stripped.rsplit("/", 1)[-1]


def go_clean_join(directory: str, name: str) -> str:
    """Go's path.Join for a directory and one entry, used only to word error messages."""
    joined = f"{directory}/{name}" if directory else name
    parts: list[str] = []
    for part in joined.split("/"):
        if part in ("", "."):
            continue
        if part == ".." and parts and parts[-1] != "..":
            parts.pop()
        elif part == ".." and joined.startswith("/"):
            continue
        else:
            parts.append(part)
    cleaned = "/".join(parts)
    if joined.startswith("/"):
        return "/" + cleaned
    return cleaned or "."


# Lower-case texts of Go's syscall.Errno, which differ from Python's strerror in case.
_ERRNO_TEXT = {
    errno.ENOENT: "no such file or directory",
    errno.EACCES: "permission denied",
    errno.EISDIR: "is a directory",
    errno.ENOTDIR: "not a directory",
    errno.ELOOP: "too many levels of symbolic links",
    errno.ENAMETOOLONG: "file name too long",
    errno.EPERM: "operation not permitted",
}


def errno_text(err: OSError) -> str:
    """The text Go prints for the errno behind `err`."""
    if err.errno in _ERRNO_TEXT:
        return _ERRNO_TEXT[err.errno]
    return (err.strerror or str(err)).lower()


def go_atoi(text: str) -> int:
    """Go's strconv.Atoi, with its error texts."""
    body = text[1:] if text[:1] in ("+", "-") else text
    if not body or not body.isascii() or not body.isdigit():
        raise GeneratorError(f'strconv.Atoi: parsing {go_quote(text)}: invalid syntax')
    value = int(text)
    if not INT64_MIN <= value <= INT64_MAX:
        raise GeneratorError(f'strconv.Atoi: parsing {go_quote(text)}: value out of range')
    return value


def try_atoi(text: str) -> int | None:
    """strconv.Atoi without the error: None when Go would fail."""
    try:
        return go_atoi(text)
    except GeneratorError:
        return None


def go_parse_port(text: str) -> int:
    """k8s.io/utils/net.ParsePort with zero allowed: strconv.ParseUint(text, 10, 16)."""
    if not text or not text.isascii() or not text.isdigit():
        raise GeneratorError(f'strconv.ParseUint: parsing {go_quote(text)}: invalid syntax')
    value = int(text)
    if value > 0xFFFF:
        raise GeneratorError(f'strconv.ParseUint: parsing {go_quote(text)}: value out of range')
    return value


# Go's unicode.IsSpace: Latin-1 spaces plus the White_Space property beyond it.
_GO_SPACES = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000"
    + "".join(chr(c) for c in range(0x2000, 0x200B))
)


def go_trim_left_space(text: str) -> str:
    """strings.TrimLeftFunc(text, unicode.IsSpace)."""
    i = 0
    while i < len(text) and text[i] in _GO_SPACES:
        i += 1
    return text[i:]


_RAND_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def rand_string(length: int, rng: random.Random | None = None) -> str:
    """apimachinery's rand.String: consonants and digits only, so no words can appear."""
    source = rng if rng is not None else random.SystemRandom()
    return "".join(source.choice(_RAND_ALPHABET) for _ in range(length))


# ---------------------------------------------------------------------------------------------
# apimachinery validation messages


def regex_error(message: str, pattern: str, *examples: str) -> str:
    """validation.RegexError, including its odd double space before each `or`."""
    if not examples:
        return f"{message} (regex used for validation is '{pattern}')"
    text = message + " (e.g. "
    for i, example in enumerate(examples):
        if i > 0:
            text += " or "
        text += f"'{example}', "
    return text + f"regex used for validation is '{pattern}')"


def _chdir_prefix_errors(value: str) -> list[str]:
    if value == ".":
        return ["must not be '.'"]
    if value == "..":
        return ["must not be '..'"]
    if value.startswith(".."):
        return ["must not start with '..'"]
    return []


_CONFIG_KEY = re.compile(r"[-._a-zA-Z0-9]+")
_ENV_VAR_NAME = re.compile(r"[-._a-zA-Z][-._a-zA-Z0-9]*")
_DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


def config_map_key_errors(key: str) -> list[str]:
    """validation.IsConfigMapKey (also used for Secret keys)."""
    errs = []
    if len(key) > 253:
        errs.append("must be no more than 253 characters")
    if not _CONFIG_KEY.fullmatch(key):
        errs.append(
            regex_error(
                "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
                "[-._a-zA-Z0-9]+",
                "key.name",
                "KEY_NAME",
                "key-name",
            )
        )
    return errs + _chdir_prefix_errors(key)


def env_var_name_errors(name: str) -> list[str]:
    """validation.IsEnvVarName."""
    errs = []
    if not _ENV_VAR_NAME.fullmatch(name):
        errs.append(
            regex_error(
                "a valid environment variable name must consist of alphabetic characters, "
                "digits, '_', '-', or '.', and must not start with a digit",
                "[-._a-zA-Z][-._a-zA-Z0-9]*",
                "my.env-name",
                "MY_ENV.NAME",
                "MyEnvName1",
            )
        )
    return errs + _chdir_prefix_errors(name)


def is_dns1123_subdomain(value: str) -> bool:
    """validation.IsDNS1123Subdomain returned no errors."""
    return len(value) <= 253 and _DNS1123_SUBDOMAIN.fullmatch(value) is not None


_PORT_NAME_CHARSET = re.compile(r"[-a-z0-9]+")
_PORT_NAME_ONE_LETTER = re.compile(r"[a-z0-9]")


def port_name_errors(name: str) -> list[str]:
    """validation.IsValidPortName."""
    errs = []
    if len(name) > 15:
        errs.append("must be no more than 15 characters")
    if not _PORT_NAME_CHARSET.fullmatch(name):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not _PORT_NAME_ONE_LETTER.search(name):
        errs.append("must contain at least one letter or number (a-z, 0-9)")
    if "--" in name:
        errs.append("must not contain consecutive hyphens")
    if name and (name[0] == "-" or name[-1] == "-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def port_num_errors(port: int) -> list[str]:
    """validation.IsValidPortNum."""
    if 1 <= port <= 65535:
        return []
    return ["must be between 1 and 65535, inclusive"]


# ---------------------------------------------------------------------------------------------
# kubectl's little parsers


def parse_labels(spec: str) -> dict[str, str]:
    """generate.ParseLabels: `a=b,c=d`; used for --labels and --selector."""
    if spec == "":
        raise GeneratorError("no label spec passed")
    labels: dict[str, str] = {}
    for item in spec.split(","):
        parts = item.split("=")
        if len(parts) != 2:
            raise GeneratorError(f"unexpected label spec: {item}")
        if parts[0] == "":
            raise GeneratorError("unexpected empty label key")
        labels[parts[0]] = parts[1]
    return labels


def parse_pairs(pairs: Sequence[str], pair_type: str) -> dict[str, str]:
    """cmdutil.ParsePairs without removals (`k=v` items, e.g. --annotations)."""
    result: dict[str, str] = {}
    invalid: list[str] = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if sep and key:
            result[key] = value
        else:
            invalid.append(pair)
    if invalid:
        raise GeneratorError(f"invalid {pair_type} format: {', '.join(invalid)}")
    return result


def parse_literal_source(source: str) -> tuple[str, str]:
    """util.ParseLiteralSource: `key=value`, split at the first `=`."""
    key, sep, value = source.partition("=")
    if not sep or key == "":
        raise GeneratorError(f"invalid literal source {source}, expected key=value")
    return key, value


def parse_file_source(source: str) -> tuple[str, str]:
    """util.ParseFileSource: `path` (key is its base name) or `key=path`."""
    count = source.count("=")
    if count == 0:
        return go_path_base(source), source
    if count == 1 and source.startswith("="):
        raise GeneratorError(f"key name for file path {source[1:]} missing")
    if count == 1 and source.endswith("="):
        raise GeneratorError(f"file path for key name {source[:-1]} missing")
    if count > 1:
        raise GeneratorError("key names or file paths cannot contain '='")
    key, path = source.split("=")
    return key, path

