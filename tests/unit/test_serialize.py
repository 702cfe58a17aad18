"""-o yaml / -o json: byte-identical to the kubectl goldens, plus yaml.v2's quoting edge cases."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from golden import golden_names, load_golden

from kubia_tutor.shell.printers.names import name_of
from kubia_tutor.shell.printers.serialize import (
    as_list,
    go_format_float,
    go_json_float,
    go_sprint,
    to_compact_json,
    to_json,
    to_yaml,
)

# The capture of `create secret tls` had its key replaced by a note that is not valid YAML.
_REDACTED = "<REDACTED: base64 of the PEM private key file (one long line)>"
_STAND_IN = "LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCg" * 30

YAML_GOLDENS = [("v1.20.2", n) for n in golden_names("v1.20.2", "-yaml.txt")] + [
    ("v1.33.1", n) for n in golden_names("v1.33.1", "-yaml.txt")
]


@pytest.mark.parametrize(
    ("version", "name"), YAML_GOLDENS, ids=[f"{v}/{n}" for v, n in YAML_GOLDENS]
)
def test_yaml_goldens_round_trip_byte_for_byte(version: str, name: str) -> None:
    golden = load_golden(name, version)
    assert golden.exit_code == 0
    expected = golden.stdout.replace(_REDACTED, _STAND_IN)
    assert to_yaml(yaml.safe_load(expected)) == expected


def test_there_are_yaml_goldens_to_check() -> None:
    assert len(golden_names("v1.20.2", "-yaml.txt")) >= 20


def test_json_golden_keeps_struct_field_order_when_asked() -> None:
    golden = load_golden("create-deployment-json.txt")
    obj = json.loads(golden.stdout)
    assert to_json(obj, sort_keys=False) == golden.stdout


def test_json_sorts_keys_by_default_like_unstructured_objects() -> None:
    obj = json.loads(load_golden("create-deployment-json.txt").stdout)
    text = to_json(obj)
    assert text.startswith('{\n    "apiVersion": "apps/v1",\n    "kind": "Deployment",\n')
    assert json.loads(text) == obj
    assert '"resources": {}' in text and '"strategy": {}' in text


@pytest.mark.parametrize(
    ("name", "kind_groups"),
    [
        ("get-pods-name.txt", ["pod"] * 10),
        ("get-po-svc-name.txt", ["pod", "service", "deployment.apps"]),
        ("create-deployment-name.txt", ["deployment.apps"]),
    ],
)
def test_name_printer_goldens(name: str, kind_groups: list[str]) -> None:
    golden = load_golden(name)
    names = [line.split("/", 1)[1] for line in golden.stdout_lines]
    objs = [{"metadata": {"name": n}} for n in names]
    lines = [name_of(kg, obj) for kg, obj in zip(kind_groups, objs, strict=True)]
    assert "".join(f"{line}\n" for line in lines) == golden.output


def test_list_wrapper_json_and_yaml() -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}}
    wrapped = as_list([pod])
    assert to_json(wrapped) == (
        "{\n"
        '    "apiVersion": "v1",\n'
        '    "items": [\n'
        "        {\n"
        '            "apiVersion": "v1",\n'
        '            "kind": "Pod",\n'
        '            "metadata": {\n'
        '                "name": "a"\n'
        "            }\n"
        "        }\n"
        "    ],\n"
        '    "kind": "List",\n'
        '    "metadata": {\n'
        '        "resourceVersion": "",\n'
        '        "selfLink": ""\n'
        "    }\n"
        "}\n"
    )
    assert to_yaml(wrapped) == (
        "apiVersion: v1\n"
        "items:\n"
        "- apiVersion: v1\n"
        "  kind: Pod\n"
        "  metadata:\n"
        "    name: a\n"
        "kind: List\n"
        "metadata:\n"
        '  resourceVersion: ""\n'
        '  selfLink: ""\n'
    )
    assert to_yaml(as_list([])).startswith("apiVersion: v1\nitems: []\nkind: List\n")


@pytest.mark.parametrize(
    ("value", "line"),
    [
        # yaml.v2 reads these back as bool/null/number/timestamp, so it double-quotes them.
        ("y", '"y"'), ("Y", '"Y"'), ("n", '"n"'), ("yes", '"yes"'), ("No", '"No"'),
        ("on", '"on"'), ("OFF", '"OFF"'), ("true", '"true"'), ("False", '"False"'),
        ("null", '"null"'), ("~", '"~"'), ("", '""'), (".inf", '".inf"'), ("-.Inf", '"-.Inf"'),
        ("80", '"80"'), ("-1", '"-1"'), ("+1", '"+1"'), ("08", '"08"'), ("0o17", '"0o17"'),
        ("0x1F", '"0x1F"'), ("0b101", '"0b101"'), ("1_000", '"1_000"'), ("1e3", '"1e3"'),
        (".5", '".5"'), ("1.", '"1."'), ("1:20", '"1:20"'),
        ("2021-01-01", '"2021-01-01"'), ("2021-01-01T10:00:00Z", '"2021-01-01T10:00:00Z"'),
        ("2021-1-2 3:04:05.5", '"2021-1-2 3:04:05.5"'),
        # ... and these stay plain strings to yaml.v2.
        ("2021-02-30", "2021-02-30"), ("1.2.3", "1.2.3"), ("0xZZ", "0xZZ"), ("<<", "<<"),
        ("1e400", "1e400"), (".1e400", ".1e400"), ("yess", "yess"), ("nil", "nil"),
        ("10.0.0.1", "10.0.0.1"), ("a,b", "a,b"), ("?x", "?x"), ("http://x", "http://x"),
        ("kubia:v1", "kubia:v1"), ("é", "é"),
        # Indicators and edge spaces need quotes; single ones where they suffice, as libyaml.
        ("-", "'-'"), ("*", "'*'"), ("a: b", "'a: b'"), (" lead", "' lead'"),
        ("trail ", "'trail '"), ("#x", "'#x'"), ("a #b", "'a #b'"), ("[x]", "'[x]'"),
        ("key:", "'key:'"), ("...", "'...'"), ("---x", "'---x'"), ("'q'", "'''q'''"),
        ('"q', "'\"q'"), ('q"\\', 'q"\\'),
        # Characters libyaml does not print raw force double quotes and escapes.
        ("tab\there", '"tab\\there"'), ("emoji😀", '"emoji\\U0001F600"'), ("\x85x", '"\\Nx"'),
        ("bell\a", '"bell\\a"'), ("del\x7f", '"del\\x7F"'),
    ],
)
def test_string_quoting_follows_yaml_v2(value: str, line: str) -> None:
    assert to_yaml({"k": value}) == f"k: {line}\n"


def test_keys_are_quoted_by_the_same_rules() -> None:
    assert to_yaml({"80": "http", "yes": 1, "a b": 2}) == '"80": http\na b: 2\n"yes": 1\n'


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("a\nb", "k: |-\n  a\n  b\n"),
        ("a\n", "k: |\n  a\n"),
        ("a\n\n", "k: |+\n  a\n\n"),
        (" a\nb", "k: |2-\n   a\n  b\n"),
        ("a\n\nb\n", "k: |\n  a\n\n  b\n"),
        # A space before a line break rules out a block scalar: double quotes with escapes.
        ("a \nb", 'k: "a \\nb"\n'),
        ("tab\tx\ny", 'k: "tab\\tx\\ny"\n'),
    ],
)
def test_multi_line_strings(value: str, text: str) -> None:
    assert to_yaml({"k": value}) == text


def test_multi_line_string_in_a_list_item() -> None:
    assert to_yaml({"args": ["x\ny\n"]}) == "args:\n- |\n  x\n  y\n"


def test_long_plain_strings_wrap_at_80_columns_as_yaml_v2_2_8_does() -> None:
    # The case from the sigs.k8s.io/yaml report about kubectl-era (v2.2.8) line wrapping.
    long = (
        "this is very long line with spaces and it must be longer than 80 so we will repeat "
        "that it must be longer that 80"
    )
    assert to_yaml({"t": long}) == (
        "t: this is very long line with spaces and it must be longer than 80 so we will repeat\n"
        "  that it must be longer that 80\n"
    )
    assert to_yaml({"t": "x" * 200}) == f"t: {'x' * 200}\n"  # no space, no break


def test_long_double_quoted_strings_fold_at_a_space() -> None:
    value = "tab\t" + " word" * 20
    out = to_yaml({"d": value})
    assert out == (
        'd: "tab\\t word word word word word word word word word word word word word word word\n'
        '  word word word word word"\n'
    )
    assert yaml.safe_load(out) == {"d": value}


def test_long_single_quoted_strings_wrap_and_still_read_back() -> None:
    value = "#" + " word" * 30
    out = to_yaml({"s": value})
    assert out.startswith("s: '#") and "\n  " in out
    assert yaml.safe_load(out) == {"s": value}


def test_key_order_is_yaml_v2_not_byte_order() -> None:
    obj = {"a10": 1, "a2": 2, "a_b": 3, "aB": 4, "A": 5, "b": 6, "a": 7}
    assert list(yaml.safe_load(to_yaml(obj))) == ["A", "a", "a_b", "a2", "a10", "aB", "b"]
    assert to_yaml(obj).splitlines()[0] == "A: 5"


def test_long_keys_become_complex_keys_past_128_bytes() -> None:
    assert to_yaml({"k" * 128: 1}) == f"{'k' * 128}: 1\n"
    assert to_yaml({"k" * 129: 1}) == f"? {'k' * 129}\n: 1\n"


def test_scalars_and_empty_collections() -> None:
    # The key "n" gets quotes: yaml.v2 would read a plain n back as false.
    obj: dict[str, Any] = {
        "n": None, "t": True, "f": False, "i": 8080, "neg": -3, "m": {}, "l": [],
        "nested": [[1, 2], {"a": []}],
    }
    assert to_yaml(obj) == (
        "f: false\n"
        "i: 8080\n"
        "l: []\n"
        "m: {}\n"
        '"n": null\n'
        "neg: -3\n"
        "nested:\n"
        "- - 1\n"
        "  - 2\n"
        "- a: []\n"
        "t: true\n"
    )
    assert to_yaml({}) == "{}\n"


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.5, "0.5"), (1.0, "1"), (-0.0, "0"), (2.5e-10, "2.5e-10"), (1e-7, "1e-07"),
     (123456789.5, "1.234567895e+08"), (1e20, "1e+20"), (1e18, "1000000000000000000")],
)
def test_floats_go_through_json_first(value: float, text: str) -> None:
    assert to_yaml({"v": value}) == f"v: {text}\n"


@pytest.mark.parametrize(
    ("value", "g", "j"),
    [(0.5, "0.5", "0.5"), (1.0, "1", "1"), (1e6, "1e+06", "1000000"),
     (123456.0, "123456", "123456"), (1234567.0, "1.234567e+06", "1234567"),
     (1e-4, "0.0001", "0.0001"), (1e-5, "1e-05", "0.00001"), (1e-7, "1e-07", "1e-7"),
     (1e21, "1e+21", "1e+21"), (-2.5, "-2.5", "-2.5"), (0.0, "0", "0")],
)
def test_go_float_formats(value: float, g: str, j: str) -> None:
    assert go_format_float(value) == g
    assert go_json_float(value) == j


def test_json_rejects_nan() -> None:
    with pytest.raises(ValueError, match="unsupported value: NaN"):
        to_json({"x": float("nan")})


def test_json_escapes_like_encoding_json() -> None:
    text = to_json({"s": "<a&b>\u2028\b\f\x01\x7f é\t\"\\"})
    escaped = "\\u003ca\\u0026b\\u003e\\u2028\\u0008\\u000c\\u0001\x7f é\\t\\\"\\\\"
    assert text == '{\n    "s": "' + escaped + '"\n}\n'


def test_json_numbers_and_empties() -> None:
    obj = {"f": [0.5, 1.0, 1e21, 1e-7, -0.0], "i": 3, "e": {}, "l": [], "n": None, "b": True}
    assert to_json(obj) == (
        "{\n"
        '    "b": true,\n'
        '    "e": {},\n'
        '    "f": [\n'
        "        0.5,\n"
        "        1,\n"
        "        1e+21,\n"
        "        1e-7,\n"
        "        -0\n"
        "    ],\n"
        '    "i": 3,\n'
        '    "l": [],\n'
        '    "n": null\n'
        "}\n"
    )


def test_compact_json_and_go_sprint() -> None:
    value: dict[str, Any] = {"b": [1, {"x": None}], "a": "s", "c": 2.5}
    assert to_compact_json(value) == '{"a":"s","b":[1,{"x":null}],"c":2.5}'
    assert go_sprint(value) == "map[a:s b:[1 map[x:<nil>]] c:2.5]"
    assert go_sprint([]) == "[]" and go_sprint({}) == "map[]"
