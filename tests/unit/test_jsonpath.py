"""kubectl's JSONPath: the jsonpath goldens, and client-go's rules for paths, ranges and filters."""

from __future__ import annotations

import json
import shlex
from typing import Any

import pytest
from golden import book_pods, load_golden

from kubia_tutor.shell.printers.jsonpath import (
    JsonPathError,
    execute_error_message,
    find,
    parse,
    parse_error_message,
    relaxed,
)
from kubia_tutor.shell.printers.serialize import as_list


def template_of(command: str) -> str:
    """The template in a golden's `-o jsonpath=...` argument."""
    args = shlex.split(command)
    return args[args.index("-o") + 1].removeprefix("jsonpath=")


def pod(name: str) -> dict[str, Any]:
    return next(p for p in book_pods() if p["metadata"]["name"] == name)


@pytest.mark.parametrize(
    "name", ["get-pods-jsonpath-names.txt", "get-pods-jsonpath-range.txt"]
)
def test_goldens_over_the_pod_list(name: str) -> None:
    golden = load_golden(name)
    assert parse(template_of(golden.command)).render(as_list(book_pods())) == golden.output


@pytest.mark.parametrize(
    "name", ["get-pod-jsonpath-map.txt", "get-pod-jsonpath-filter.txt"]
)
def test_goldens_over_one_pod(name: str) -> None:
    golden = load_golden(name)
    assert parse(template_of(golden.command)).render(pod("kubia-manual")) == golden.output


def test_golden_jsonpath_on_a_dry_run_object() -> None:
    golden = load_golden("create-deployment-jsonpath.txt")
    deployment = json.loads(load_golden("create-deployment-json.txt").stdout)
    assert parse(template_of(golden.command)).render(deployment) == golden.output


def test_the_map_golden_is_the_same_in_1_33() -> None:
    golden = load_golden("get-pod-jsonpath-map.txt", "v1.33.1")
    assert parse(template_of(golden.command)).render(pod("kubia-manual")) == golden.output


NODES: dict[str, Any] = {
    "kind": "List",
    "items": [
        {
            "kind": "Node",
            "metadata": {"name": "n1", "labels": {"kubernetes.io/hostname": "n1"}},
            "status": {
                "capacity": {"cpu": "4"},
                "ready": True,
                "addresses": [{"type": "InternalIP", "address": "10.0.0.1"}],
            },
        },
        {
            "kind": "Node",
            "metadata": {"name": "n2", "labels": {"kubernetes.io/hostname": "n2"}},
            "status": {
                "capacity": {"cpu": "8"},
                "ready": False,
                "addresses": [
                    {"type": "InternalIP", "address": "10.0.0.2"},
                    {"type": "Hostname", "address": "n2.local"},
                ],
            },
        },
    ],
    "users": [{"name": "me", "user": {}}, {"name": "admin", "user": {"password": "s3cret"}}],
}

LISTS: dict[str, Any] = {
    "bools": [True, False, True, False],
    "ints": [1, 2, 3, 4],
    "floats": [1.0, 2.2, 3.3, 4.0],
    "mixed": [True, "one", 1, 1.1, None],
    "maps": [{"name": "one", "value": 1}, {"name": "two", "value": 2.5}],
    "names": [f"c{i}" for i in range(6)],
    "empty": [],
    "nothing": None,
    "text": "hi",
}


@pytest.mark.parametrize(
    ("template", "data", "expected"),
    [
        # Text outside braces is copied; results of one expression are joined by a space.
        ("plain text", None, "plain text"),
        ("before-{.items[0].metadata.name}-after", NODES, "before-n1-after"),
        ("{.items[*].metadata.name}", NODES, "n1 n2"),
        ("{$.items[*].metadata.name}", NODES, "n1 n2"),
        ("{ .items[*].metadata.name }", NODES, "n1 n2"),
        ("{.items[*].status.addresses[*].address}", NODES, "10.0.0.1 10.0.0.2 n2.local"),
        # Maps and lists print as compact JSON with sorted keys; scalars the Go way.
        ("{.items[0].status.capacity}", NODES, '{"cpu":"4"}'),
        ("{.bools}", LISTS, "[true,false,true,false]"),
        ("{.floats}", LISTS, "[1,2.2,3.3,4]"),
        ("{.mixed}", LISTS, '[true,"one",1,1.1,null]'),
        ("{.mixed[*]}", LISTS, "true one 1 1.1 <nil>"),
        ("{.maps[1]}", LISTS, '{"name":"two","value":2.5}'),
        ("{.nothing}", LISTS, "<nil>"),
        ("{.empty}", LISTS, "[]"),
        # Indexes and slices.
        ("{.ints[0]}", LISTS, "1"),
        ("{.ints[-1]}", LISTS, "4"),
        ("{.ints[-2]}", LISTS, "3"),
        ("{.ints[1:3]}", LISTS, "2 3"),
        ("{.ints[:2]}", LISTS, "1 2"),
        ("{.ints[-2:]}", LISTS, "3 4"),
        ("{.ints[0:-1]}", LISTS, "1 2 3"),
        ("{.names[::2]}", LISTS, "c0 c2 c4"),
        ("{.names[1:6:2]}", LISTS, "c1 c3 c5"),
        ("{.names[0:6:5]}", LISTS, "c0 c5"),
        ("{.ints[2:2]}", LISTS, ""),
        ("{.ints[9:9]}", LISTS, ""),
        ("{.empty[*]}", LISTS, ""),
        ("{.nothing[0]}", LISTS, ""),
        # Unions, bracketed keys, escaped dots, wildcards and recursive descent.
        ("{.ints[0,2]}", LISTS, "1 3"),
        ("{.items[0]['metadata']['name']}", NODES, "n1"),
        ("{.items[*]['metadata.name', 'status.capacity']}", NODES,
         'n1 n2 {"cpu":"4"} {"cpu":"8"}'),
        ("{.items[0].metadata.labels.kubernetes\\.io/hostname}", NODES, "n1"),
        ("{.items[0].status.capacity.*}", NODES, "4"),
        ("{..address}", NODES, "10.0.0.1 10.0.0.2 n2.local"),
        ("{...address}", NODES, "10.0.0.1 10.0.0.2 n2.local"),
        ("{.text.*}", LISTS, "104 105"),
        # Filters: comparison, existence, nested paths, literals of each kind.
        ('{.users[?(@.name=="admin")].user.password}', NODES, "s3cret"),
        ("{.users[?(@.name=='admin')].name}", NODES, "admin"),
        ('{.users[?(@.name!="admin")].name}', NODES, "me"),
        ("{.users[?(@.user.password)].name}", NODES, "admin"),
        ("{.items[?(@..ready==true)].metadata.name}", NODES, "n1"),
        ("{.items[?(@.status.ready==false)].metadata.name}", NODES, "n2"),
        ('{.items[?(@.metadata.labels.kubernetes\\.io/hostname=="n2")].kind}', NODES, "Node"),
        ("{.ints[?(@<3)]}", LISTS, "1 2"),
        ("{.ints[?(@<=3)]}", LISTS, "1 2 3"),
        ("{.ints[?(@>3)]}", LISTS, "4"),
        ("{.ints[?(@>=3)]}", LISTS, "3 4"),
        ("{.floats[?(@>2.5)]}", LISTS, "3.3 4"),
        ('{.items[?(.metadata.name=="n1")].kind}', NODES, "Node"),
        # Ranges, nested ranges, string literals.
        ('{range .items[*]}{.metadata.name}{"\\t"}{.status.capacity.cpu}{"\\n"}{end}', NODES,
         "n1\t4\nn2\t8\n"),
        ("{range .items[*]}{.metadata.name}, {end}{.kind}", NODES, "n1, n2, List"),
        ("{range .items[*]}{range .status.addresses[*]}{.type}={.address};{end}|{end}", NODES,
         "InternalIP=10.0.0.1;|InternalIP=10.0.0.2;Hostname=n2.local;|"),
        ('{range .items[*]}[{.metadata.name}, {.status.capacity}] {end}', NODES,
         '[n1, {"cpu":"4"}] [n2, {"cpu":"8"}] '),
        ("{range .empty[*]}{.x}{end}done", LISTS, "done"),
        ("{range .items[*]}{@.metadata.name} {end}", NODES, "n1 n2 "),
        ('{"{"}{"}"}', None, "{}"),
        ("{'single'}", None, "single"),
        ('{"say \\"hi\\""}', None, 'say "hi"'),
        ("{'a' 'b'}", None, "b"),  # each literal replaces the value before it
        ('{"a\\u00e9b"}', None, "aéb"),
        # client-go quirks: a range without {end} runs its body per item and then once more
        # at top level; an existence filter keeps items whose path failed with an index error.
        ("{range .items[*]}{.metadata.name},", NODES, "n1,n2,,"),
        ("{.x[?(@.p[9])]}", {"x": [{"p": [1]}, {"p": []}, {"q": 1}]}, '{"p":[1]} {"p":[]}'),
        # Without braces a template is plain text, even one that looks like a path.
        (".metadata.name", NODES, ".metadata.name"),
    ],
)
def test_render(template: str, data: Any, expected: str) -> None:
    assert parse(template).render(data) == expected


def test_missing_keys_print_nothing_by_default() -> None:
    assert parse("a{.items[0].nope}b").render(NODES) == "ab"
    assert parse("{.items[*].nope.deeper}").render(NODES) == ""


@pytest.mark.parametrize(
    ("template", "data", "message"),
    [
        ("{.nope}", NODES, "nope is not found"),
        ("{.items[0].nope}", NODES, "nope is not found"),
        ("{.items[?(@.metadata.annotations.x==\"y\")].kind}", NODES, "annotations is not found"),
    ],
)
def test_missing_keys_are_errors_when_not_allowed(template: str, data: Any, message: str) -> None:
    with pytest.raises(JsonPathError) as err:
        parse(template).render(data, allow_missing=False)
    assert str(err.value) == message


def test_filters_skip_items_without_the_field_when_missing_keys_are_allowed() -> None:
    pods = as_list(book_pods())
    template = "{.items[?(@.metadata.labels.env==\"prod\")].metadata.name}"
    assert parse(template).render(pods) == "kubia-manual"


@pytest.mark.parametrize(
    ("template", "data", "message"),
    [
        ("{.ints[9]}", LISTS, "array index out of bounds: index 9, length 4"),
        ("{.ints[-5]}", LISTS, "array index out of bounds: index -1, length 4"),
        ("{.empty[0]}", LISTS, "array index out of bounds: index 0, length 0"),
        ("{.ints[3:1]}", LISTS, "starting index 3 is greater than ending index 1"),
        ("{.ints[-1:0]}", LISTS, "starting index 3 is greater than ending index 0"),
        ("{.ints[0:4:0]}", LISTS, "step must be > 0"),
        ("{.items[0].metadata[0]}", NODES, "map[string]interface {} is not array or slice"),
        ("{.text[0]}", LISTS, "string is not array or slice"),
        ("{.items[0].metadata[?(@.x)]}", NODES,
         "map[labels:map[kubernetes.io/hostname:n1] name:n1] is not array or slice and cannot "
         "be filtered"),
        ("{hello}", NODES, "unrecognized identifier hello"),
        ("{range .items[*]}{end}{end}", NODES, "not in range, nothing to end"),
        ("{.ints[?(@<>1)]}", LISTS, "unrecognized filter operator <>"),
        ("{.ints[?(@==1.0)]}", LISTS, "incompatible types for comparison"),
        ("{.ints[?(@=='1')]}", LISTS, "incompatible types for comparison"),
        ("{.bools[?(@<true)]}", LISTS, "invalid type for comparison"),
        ("{.maps[?(@==1)]}", LISTS, "invalid type for comparison"),
        ("{.items[?(@..address=='x')]}", NODES, "can only compare one element at a time"),
    ],
)
def test_execution_errors(template: str, data: Any, message: str) -> None:
    with pytest.raises(JsonPathError) as err:
        parse(template).render(data)
    assert str(err.value) == message


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{.a", "unclosed action"),
        ("{.a\n}", "unclosed action"),
        ("{.a[}", "unterminated array"),
        ("{.a[?(@.x==1}", "unterminated filter"),
        ("{.a[?(@.x==1)}", "unclosed array expect ]"),
        ('{"abc}', "unterminated quoted string"),
        ('{"\\q"}', 'unquote string "\\q" error invalid syntax'),
        ("{.a[x]}", "invalid array index x"),
        ("{.a[-]}", "array index - is not a number"),
        ("{~}", "unrecognized character in action: U+007E '~'"),
        ("{-}", "cannot parse number -"),
        ("{1.2.3}", "cannot parse number 1.2.3"),
        ("{....a}", "invalid multiple recursive descent"),
        # No regular expressions in kubectl 1.20's jsonpath.
        ("{.a[?(@.b=~'x')]}", "unrecognized character in action: U+007E '~'"),
    ],
)
def test_parse_errors(template: str, message: str) -> None:
    with pytest.raises(JsonPathError) as err:
        parse(template)
    assert str(err.value) == message


def test_kubectl_error_wording() -> None:
    # The execution error's layout, dump included, is what kubectl 1.20 prints to stderr.
    with pytest.raises(JsonPathError) as err:
        parse("{.a[}")
    assert parse_error_message("{.a[}", err.value) == (
        "error parsing jsonpath {.a[}, unterminated array"
    )
    data = {"kind": "Pod", "n": 1, "spec": {"x": [True, None]}}
    with pytest.raises(JsonPathError) as err:
        parse("{.missing}").render(data, allow_missing=False)
    assert execute_error_message("{.missing}", err.value, data) == (
        'error executing jsonpath "{.missing}": Error executing template: missing is not found. '
        "Printing more information for debugging the template:\n"
        "\ttemplate was:\n\t\t{.missing}\n"
        "\tobject given to jsonpath engine was:\n"
        '\t\tmap[string]interface {}{"kind":"Pod", "n":1, '
        '"spec":map[string]interface {}{"x":[]interface {}{true, interface {}(nil)}}}\n\n\n'
    )


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("metadata.name", "{.metadata.name}"),
        (".metadata.name", "{.metadata.name}"),
        ("{metadata.name}", "{.metadata.name}"),
        ("{.metadata.name}", "{.metadata.name}"),
        (".spec.containers[0].image", "{.spec.containers[0].image}"),
        ("", ""),
    ],
)
def test_relaxed(expr: str, expected: str) -> None:
    assert relaxed(expr) == expected


def test_relaxed_rejects_templates() -> None:
    with pytest.raises(JsonPathError) as err:
        relaxed("{.a}{.b}")
    assert str(err.value) == (
        "unexpected path string, expected a 'name1.name2' or '.name1.name2' or "
        "'{name1.name2}' or '{.name1.name2}'"
    )


def test_find() -> None:
    manual = pod("kubia-manual")
    assert find(manual, ".metadata.name") == ["kubia-manual"]
    assert find(manual, "status.podIP") == ["172.17.0.4"]
    assert find(manual, "{.metadata.labels}") == [{"creation_method": "manual", "env": "prod"}]
    assert find(manual, ".metadata.ownerReferences[0].name") == []
    assert find(as_list(book_pods()), ".items[*].status.podIP")[:2] == ["172.17.0.4", "172.17.0.5"]


def test_indexing_an_empty_list_fails_even_with_missing_keys_allowed() -> None:
    # The classic `kubectl get pod -l nothing -o jsonpath='{.items[0].metadata.name}'` failure.
    template = "{.items[0].metadata.name}"
    with pytest.raises(JsonPathError) as err:
        parse(template).render(as_list([]))
    assert execute_error_message(template, err.value, as_list([])) == (
        'error executing jsonpath "{.items[0].metadata.name}": Error executing template: '
        "array index out of bounds: index 0, length 0. Printing more information for debugging "
        "the template:\n\ttemplate was:\n\t\t{.items[0].metadata.name}\n"
        "\tobject given to jsonpath engine was:\n"
        '\t\tmap[string]interface {}{"apiVersion":"v1", "items":[]interface {}{}, "kind":"List", '
        '"metadata":map[string]interface {}{"resourceVersion":"", "selfLink":""}}\n\n\n'
    )


def test_jsonpath_as_json_prints_each_piece_as_an_indented_array() -> None:
    template = parse("{.items[*].metadata.name}{.items[0].status.capacity}{.nope}")
    assert template.render_as_json(NODES) == (
        '[\n    "n1",\n    "n2"\n]\n[\n    {\n        "cpu": "4"\n    }\n]\n[]\n'
    )
