"""-o custom-columns: the goldens, Go's %v cell text, and kubectl's errors for bad specs."""

from __future__ import annotations

import shlex
from typing import Any

import pytest
from golden import book_pods, load_golden

from kubia_tutor.shell.printers.custom_columns import (
    Column,
    CustomColumnsError,
    parse_columns_file,
    parse_spec,
    render,
    render_columns,
)


def spec_of(command: str) -> str:
    """The SPEC in a golden's `-o custom-columns=SPEC` argument."""
    args = shlex.split(command)
    return args[args.index("-o") + 1].removeprefix("custom-columns=")


def test_golden_one_pod_with_a_map_column() -> None:
    golden = load_golden("get-pod-custom-columns.txt")
    manual = [p for p in book_pods() if p["metadata"]["name"] == "kubia-manual"]
    assert render(spec_of(golden.command), manual) == golden.output


def test_golden_missing_values_print_none() -> None:
    golden = load_golden("get-pods-custom-columns-missing.txt")
    assert render(spec_of(golden.command), book_pods()) == golden.output


DEPLOY: dict[str, Any] = {
    "metadata": {"name": "kubia", "labels": {"app": "kubia", "tier": "web"}},
    "spec": {
        "replicas": 3,
        "template": {"spec": {"containers": [
            {"name": "web", "image": "luksa/kubia:v1", "ports": [{"containerPort": 8080}]},
            {"name": "sidecar", "image": "busybox", "args": ["sleep", "3600"]},
        ]}},
    },
    "status": {"ready": True, "ratio": 0.5, "gone": None},
}


def test_cells_use_go_value_text() -> None:
    spec = (
        "NAME:.metadata.name,REPLICAS:.spec.replicas,CONTAINERS:.spec.template.spec.containers[*].name,"
        "ARGS:.spec.template.spec.containers[1].args,PORTS:..containerPort,READY:.status.ready,"
        "RATIO:.status.ratio,GONE:.status.gone"
    )
    assert render(spec, [DEPLOY]) == (
        "NAME    REPLICAS   CONTAINERS    ARGS           PORTS   READY   RATIO   GONE\n"
        "kubia   3          web,sidecar   [sleep 3600]   8080    true    0.5     <nil>\n"
    )


def test_maps_and_lists_of_maps() -> None:
    spec = "LABELS:.metadata.labels,PORTS:.spec.template.spec.containers[0].ports"
    assert render(spec, [DEPLOY]) == (
        "LABELS                    PORTS\n"
        "map[app:kubia tier:web]   [map[containerPort:8080]]\n"
    )


def test_relaxed_paths_and_headers_as_given() -> None:
    spec = (
        "the name:metadata.name,Image:{.spec.template.spec.containers[0].image},"
        "X:{spec.replicas}"
    )
    assert render(spec, [DEPLOY]) == (
        "the name   Image            X\n"
        "kubia      luksa/kubia:v1   3\n"
    )


def test_no_headers_and_no_objects() -> None:
    assert render("NAME:.metadata.name", [DEPLOY], headers=False) == "kubia\n"
    assert render("NAME:.metadata.name", []) == "NAME\n"
    assert render("NAME:.metadata.name", [], headers=False) == ""


def test_empty_path_column_is_none() -> None:
    assert render("A:,B:.metadata.name", [DEPLOY]) == "A        B\n<none>   kubia\n"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "custom-columns format specified but no custom columns given"),
        ("NAME", "unexpected custom-columns spec: NAME, expected <header>:<json-path-expr>"),
        ("NAME:.metadata.name,IP",
         "unexpected custom-columns spec: IP, expected <header>:<json-path-expr>"),
        ("X:{.a}{.b}",
         "unexpected path string, expected a 'name1.name2' or '.name1.name2' or "
         "'{name1.name2}' or '{.name1.name2}'"),
        # kubectl splits the spec at every comma, so a union cannot be written.
        ("X:.a[0,1]", "unexpected custom-columns spec: 1], expected <header>:<json-path-expr>"),
    ],
)
def test_spec_errors(spec: str, message: str) -> None:
    with pytest.raises(CustomColumnsError) as err:
        render(spec, [DEPLOY])
    assert str(err.value) == message


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("X:.a[", "unterminated array"),
        ("X:.spec.template.spec.containers[5].name",
         "array index out of bounds: index 5, length 2"),
    ],
)
def test_path_errors_surface_with_jsonpath_wording(spec: str, message: str) -> None:
    with pytest.raises(CustomColumnsError) as err:
        render(spec, [DEPLOY])
    assert str(err.value) == message


def test_parse_spec() -> None:
    assert parse_spec("NAME:.metadata.name,RS:status.replicas") == [
        Column("NAME", "{.metadata.name}"),
        Column("RS", "{.status.replicas}"),
    ]


def test_columns_file() -> None:
    columns = parse_columns_file("NAME          IP\n.metadata.name   {.status.podIP}\n")
    assert columns == [Column("NAME", "{.metadata.name}"), Column("IP", "{.status.podIP}")]
    expected = "NAME           IP\nkubia-manual   172.17.0.4\nkubia-53thy    172.17.0.5\n"
    assert render_columns(columns, book_pods()[:2]) == expected
    assert render(columns, book_pods()[:2]) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "invalid template, missing header line. Expected format is one line of space "
             "separated headers, one line of space separated column specs."),
        ("NAME\n", "invalid template, missing spec line. Expected format is one line of space "
                   "separated headers, one line of space separated column specs."),
        ("NAME IP\n.metadata.name\n",
         "number of headers (2) and field specifications (1) don't match"),
    ],
)
def test_columns_file_errors(text: str, message: str) -> None:
    with pytest.raises(CustomColumnsError) as err:
        parse_columns_file(text)
    assert str(err.value) == message
