"""`kubectl explain` rendered exactly as kubectl 1.20 prints it (the OpenAPI-v2 template).

Layout, all lines ending in a newline:

    KIND:     Pod
    VERSION:  v1
    <blank>
    RESOURCE: spec <Object>        (a path to an object; FIELD: for a leaf) then a blank line
    DESCRIPTION:
         text, indented 5, wrapped so that indent + text stays within 80 columns
    <blank>
    FIELDS:
       name<TAB><type> -required-  (indented 3)
         description, indented 5, wrapped at 80 as above
       <blank after every field>

Details reproduced on purpose, because kubectl has them:
* DESCRIPTION joins the descriptions met on the way to the node (the field's own text, then each
  array/map/referenced type's), separated by blank lines; `<empty>` if there are none.
* DESCRIPTION text went through Go's Sprintf with no arguments, so a `%` in it prints as Go's
  missing-argument marker (`10%)` becomes `10%!)(MISSING)`); field descriptions did not.
* Wrapping collapses runs of spaces but keeps some line breaks: a blank line (not at the very
  start), a break after a word ending in `:`, a line starting like a list item (`1.`, `-`, `*`)
  and a line indented 4 spaces (kept verbatim). Line length counts bytes.
* `--recursive` lists field names and types only, 3 more spaces per level, with no descriptions,
  no `-required-` and no blank lines.
"""

from __future__ import annotations

import re

from kubia_tutor.api import schemas
from kubia_tutor.api.kinds import ResourceType
from kubia_tutor.api.schemas import Arbitrary, Array, Kind, Map, Primitive, Ref, Schema
from kubia_tutor.shell.errors import CommandError

WRAP = 80
FIELD_INDENT = 3
DESCRIPTION_INDENT = 5
FIELD_DESCRIPTION_INDENT = 2
RECURSIVE_INDENT = 3

# Go's regexp \d and \s are ASCII-only: [0-9] and [\t\n\f\r ].
_BULLET = re.compile(r"^([0-9]+\.?|-|\*)[\t\n\f\r ]")
# Go's strings.Fields / TrimSpace split on Unicode white space (unicode.IsSpace).
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008" \
            "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
_FIELDS = re.compile(f"[{re.escape(_GO_SPACE)}]+")


def explain(resource_type: ResourceType, field_path: list[str], recursive: bool = False,
            api_version: str | None = None) -> str:
    """The stdout of `kubectl explain <type>[.<field>...]` (trailing newlines included).

    Raises CommandError with kubectl's message (printed as `error: <message>`) for an unknown
    field, a malformed `--api-version`, or a type/version with no schema.
    """
    group, version = resource_type.group, resource_type.version
    if api_version is not None:
        group, version = _parse_group_version(api_version)
    kind = resource_type.kind
    root = schemas.resource_model(group, version, kind)
    if root is None:
        raise CommandError(f'couldn\'t find resource for "{group}/{version}, Kind={kind}"')
    try:
        node = schemas.lookup_field(root, field_path)
    except schemas.FieldNotFound as exc:
        raise CommandError(str(exc)) from None
    name = field_path[-1] if field_path else ""
    group_version = f"{group}/{version}" if group else version
    return _Printer(kind, group_version, recursive).model(name, node)


def _parse_group_version(text: str) -> tuple[str, str]:
    if text in ("", "/"):
        return "", ""
    if text.count("/") > 1:
        raise CommandError(f"unexpected GroupVersion string: {text}")
    group, _, version = text.rpartition("/")
    return group, version


class _Printer:
    """Accumulates output lines with kubectl's Formatter rules."""

    def __init__(self, kind: str, group_version: str, recursive: bool) -> None:
        self.kind = kind
        self.group_version = group_version
        self.recursive = recursive
        self.out: list[str] = []

    def write(self, indent: int, text: str) -> None:
        # An empty line is never indented.
        self.out.append("\n" if text == "" else " " * indent + text + "\n")

    def write_wrapped(self, indent: int, text: str, via_sprintf: bool) -> None:
        if via_sprintf:
            text = go_sprintf_without_args(text)
        for line in wrap_string(text, WRAP - indent):
            self.write(indent, line)

    def model(self, name: str, node: Schema) -> str:
        descriptions: list[str] = []
        type_ = ""
        while True:
            if isinstance(node, Ref):
                descriptions.append(node.description)
                node = node.resolve()
            elif isinstance(node, Array | Map):
                descriptions.append(node.description)
                type_ = type_ or schemas.type_name(node)
                node = node.items if isinstance(node, Array) else node.values
            else:
                break
        self.write(0, f"KIND:     {self.kind}")
        self.write(0, f"VERSION:  {self.group_version}\n")
        if isinstance(node, Kind):
            if name:
                self.write(0, f"RESOURCE: {name} <{type_ or 'Object'}>\n")
            self.description(descriptions, node)
            self.write(0, "\nFIELDS:")
            if self.recursive:
                self.fields_tree(node, FIELD_INDENT, set())
            else:
                self.fields(node)
        elif isinstance(node, Primitive):
            self.write(0, f"FIELD:    {name} <{type_ or node.type}>\n")
            self.description(descriptions, node)
        else:
            self.description(descriptions, node)
        return "".join(self.out)

    def description(self, collected: list[str], node: Schema) -> None:
        self.write(0, "DESCRIPTION:")
        empty = True
        for i, text in enumerate([*collected, node.description]):
            if not text:
                continue
            empty = False
            # The separator depends on the position, not on whether anything was printed
            # before: kubectl's own quirk when the first description is empty.
            if i != 0:
                self.write(0, "")
            self.write_wrapped(DESCRIPTION_INDENT, text, via_sprintf=True)
        if empty:
            self.write_wrapped(DESCRIPTION_INDENT, "<empty>", via_sprintf=True)

    def fields(self, kind: Kind) -> None:
        for key in sorted(kind.fields):
            field = kind.fields[key]
            required = " -required-" if key in kind.required else ""
            self.write(FIELD_INDENT, f"{key}\t<{schemas.type_name(field)}>{required}")
            self.write_wrapped(FIELD_INDENT + FIELD_DESCRIPTION_INDENT, field.description,
                               via_sprintf=False)
            self.write(0, "")

    def fields_tree(self, node: Schema, indent: int, visiting: set[str]) -> None:
        if isinstance(node, Ref):
            # A type already open above would recurse forever; kubectl skips it.
            if node.target in visiting:
                return
            visiting.add(node.target)
            self.fields_tree(node.resolve(), indent, visiting)
            visiting.discard(node.target)
        elif isinstance(node, Array):
            self.fields_tree(node.items, indent, visiting)
        elif isinstance(node, Map):
            self.fields_tree(node.values, indent, visiting)
        elif isinstance(node, Kind):
            for key in sorted(node.fields):
                field = node.fields[key]
                self.write(indent, f"{key}\t<{schemas.type_name(field)}>")
                self.fields_tree(field, indent + RECURSIVE_INDENT, visiting)
        else:
            assert isinstance(node, Primitive | Arbitrary)


def go_sprintf_without_args(text: str) -> str:
    """What Go's fmt.Sprintf(text) gives with no arguments: `%%` becomes `%`, any other verb
    `%!<verb>(MISSING)`, a `*` width or precision `%!(BADWIDTH)` / `%!(BADPREC)`, and a
    trailing `%` `%!(NOVERB)`. (Explicit argument indexes like `%[1]d` are not modelled.)"""
    if "%" not in text:
        return text
    out: list[str] = []
    i, end = 0, len(text)
    while i < end:
        start = i
        while i < end and text[i] != "%":
            i += 1
        out.append(text[start:i])
        if i >= end:
            break
        i += 1
        while i < end and text[i] in "#0+- ":
            i += 1
        if i < end and text[i] == "*":
            out.append("%!(BADWIDTH)")
            i += 1
        else:
            while i < end and "0" <= text[i] <= "9":
                i += 1
        if i + 1 < end and text[i] == ".":
            i += 1
            if i < end and text[i] == "*":
                out.append("%!(BADPREC)")
                i += 1
            else:
                while i < end and "0" <= text[i] <= "9":
                    i += 1
        if i >= end:
            out.append("%!(NOVERB)")
            break
        verb = text[i]
        i += 1
        out.append("%" if verb == "%" else f"%!{verb}(MISSING)")
    return "".join(out)


def _byte_len(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8"))


def _go_fields(text: str) -> list[str]:
    return [word for word in _FIELDS.split(text) if word]


def _starts_new_line(last_word: str, line: str) -> bool:
    if last_word.endswith(":") or line.startswith("    "):
        return True
    line = line.strip(_GO_SPACE)
    return not line or bool(_BULLET.match(line))


def wrap_string(text: str, width: int) -> list[str]:
    """kubectl 1.20's description wrapping into lines of at most `width` bytes (a single longer
    word gets a line of its own), keeping the line breaks listed in the module docstring."""
    wrapped: list[str] = []
    words: list[str] = []
    length = 0
    last_word = ""

    def flush() -> None:
        nonlocal words, length, last_word
        if words:
            last_word = ""
            wrapped.append(" ".join(words))
            words, length = [], 0

    for line in text.split("\n"):
        if line.startswith("    "):
            flush()
            wrapped.append(line)
            continue
        # Blank lines separate sections, except before anything has been emitted.
        if wrapped and not line.strip(_GO_SPACE):
            flush()
            wrapped.append("")
            continue
        if _starts_new_line(last_word, line):
            flush()
        for word in _go_fields(line):
            last_word = word
            size = _byte_len(word)
            if words and length + 1 + size > width:
                flush()
            length = size if not words else length + 1 + size
            words.append(word)
    flush()
    return wrapped
