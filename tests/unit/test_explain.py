"""`kubectl explain` output in the 1.20 template, byte for byte."""

from __future__ import annotations

import pytest

from kubia_tutor.api.kinds import resolve
from kubia_tutor.shell.errors import CommandError
from kubia_tutor.shell.explain import explain, go_sprintf_without_args, wrap_string

CONVENTIONS = "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md"

EXPLAIN_PODS = "\n".join([
    "KIND:     Pod",
    "VERSION:  v1",
    "",
    "DESCRIPTION:",
    "     Pod is a collection of containers that can run on a host. This resource is",
    "     created by clients and scheduled onto hosts.",
    "",
    "FIELDS:",
    "   apiVersion\t<string>",
    "     APIVersion defines the versioned schema of this representation of an",
    "     object. Servers should convert recognized schemas to the latest internal",
    "     value, and may reject unrecognized values. More info:",
    f"     {CONVENTIONS}#resources",
    "",
    "   kind\t<string>",
    "     Kind is a string value representing the REST resource this object",
    "     represents. Servers may infer this from the endpoint the client submits",
    "     requests to. Cannot be updated. In CamelCase. More info:",
    f"     {CONVENTIONS}#types-kinds",
    "",
    "   metadata\t<Object>",
    "     Standard object's metadata. More info:",
    f"     {CONVENTIONS}#metadata",
    "",
    "   spec\t<Object>",
    "     Specification of the desired behavior of the pod. More info:",
    f"     {CONVENTIONS}#spec-and-status",
    "",
    "   status\t<Object>",
    "     Most recently observed status of the pod. This data may not be up to date.",
    "     Populated by the system. Read-only. More info:",
    f"     {CONVENTIONS}#spec-and-status",
    "",
    "",
])

PORTS_HEADER = [
    "KIND:     Pod",
    "VERSION:  v1",
    "",
    "RESOURCE: ports <[]Object>",
    "",
    "DESCRIPTION:",
    "     List of ports to expose from the container. Not specifying a port here DOES",
    "     NOT prevent that port from being exposed. Any port which is listening on",
    '     the default "0.0.0.0" address inside a container will be accessible from',
    "     the network. Modifying this array with strategic merge patch may corrupt",
    "     the data. For more information See",
    "     https://github.com/kubernetes/kubernetes/issues/108255. Cannot be updated.",
    "",
    "     ContainerPort represents a network port in a single container.",
    "",
    "FIELDS:",
]

EXPLAIN_PORTS = "\n".join([
    *PORTS_HEADER,
    "   containerPort\t<integer> -required-",
    "     Number of port to expose on the pod's IP address. This must be a valid port",
    "     number, 0 < x < 65536.",
    "",
    "   hostIP\t<string>",
    "     What host IP to bind the external port to.",
    "",
    "   hostPort\t<integer>",
    "     Number of port to expose on the host. If specified, this must be a valid",
    "     port number, 0 < x < 65536. If HostNetwork is specified, this must match",
    "     ContainerPort. Most containers do not need this.",
    "",
    "   name\t<string>",
    "     If specified, this must be an IANA_SVC_NAME and unique within the pod. Each",
    "     named port in a pod must have a unique name. Name for the port that can be",
    "     referred to by services.",
    "",
    "   protocol\t<string>",
    '     Protocol for port. Must be UDP, TCP, or SCTP. Defaults to "TCP".',
    "",
    "",
])

EXPLAIN_PORTS_RECURSIVE = "\n".join([
    *PORTS_HEADER,
    "   containerPort\t<integer>",
    "   hostIP\t<string>",
    "   hostPort\t<integer>",
    "   name\t<string>",
    "   protocol\t<string>",
    "",
])


def test_explain_pods() -> None:
    assert explain(resolve("pods"), []) == EXPLAIN_PODS


def test_explain_pods_spec_containers_ports() -> None:
    assert explain(resolve("pods"), ["spec", "containers", "ports"]) == EXPLAIN_PORTS


def test_explain_ports_recursive() -> None:
    assert explain(resolve("po"), ["spec", "containers", "ports"], recursive=True) == (
        EXPLAIN_PORTS_RECURSIVE
    )


def test_recursive_nests_three_spaces_per_level() -> None:
    out = explain(resolve("pods"), ["spec", "containers", "livenessProbe"], recursive=True)
    excerpt = "\n".join([
        "FIELDS:",
        "   exec\t<Object>",
        "      command\t<[]string>",
        "   failureThreshold\t<integer>",
        "   grpc\t<Object>",
        "      port\t<integer>",
        "      service\t<string>",
        "   httpGet\t<Object>",
        "      host\t<string>",
        "      httpHeaders\t<[]Object>",
        "         name\t<string>",
        "         value\t<string>",
        "      path\t<string>",
        "      port\t<string>",
        "      scheme\t<string>",
        "   initialDelaySeconds\t<integer>",
    ])
    assert excerpt in out
    assert out.endswith("   timeoutSeconds\t<integer>\n")


def test_recursive_whole_resource_excerpt() -> None:
    out = explain(resolve("pods"), [], recursive=True)
    assert out.startswith("\n".join([
        "KIND:     Pod",
        "VERSION:  v1",
        "",
        "DESCRIPTION:",
        "     Pod is a collection of containers that can run on a host. This resource is",
        "     created by clients and scheduled onto hosts.",
        "",
        "FIELDS:",
        "   apiVersion\t<string>",
        "   kind\t<string>",
        "   metadata\t<Object>",
        "      annotations\t<map[string]string>",
        "      creationTimestamp\t<string>",
    ]))
    assert "      managedFields\t<[]Object>\n         apiVersion\t<string>\n" in out
    assert "         fieldsV1\t<map[string]>\n" in out
    assert "-required-" not in out


def test_explain_leaf_field() -> None:
    assert explain(resolve("pods"), ["spec", "containers", "name"]) == "\n".join([
        "KIND:     Pod",
        "VERSION:  v1",
        "",
        "FIELD:    name <string>",
        "",
        "DESCRIPTION:",
        "     Name of the container specified as a DNS_LABEL. Each container in a pod",
        "     must have a unique name (DNS_LABEL). Cannot be updated.",
        "",
    ])


def test_map_field_type_and_int_or_string_prints_as_string() -> None:
    labels = explain(resolve("pods"), ["metadata", "labels"])
    assert "FIELD:    labels <map[string]string>\n" in labels
    target_port = explain(resolve("svc"), ["spec", "ports", "targetPort"])
    assert "FIELD:    targetPort <string>\n" in target_port
    assert target_port.endswith("\n".join([
        "",
        "     IntOrString is a type that can hold an int32 or a string. When used in JSON",
        "     or YAML marshalling and unmarshalling, it produces or consumes the inner",
        "     type. This allows you to have, for example, a JSON field that can accept a",
        "     name or number.",
        "",
    ]))


def test_group_version_header_and_required_marker() -> None:
    out = explain(resolve("deployments"), ["spec"])
    assert out.startswith("KIND:     Deployment\nVERSION:  apps/v1\n\nRESOURCE: spec <Object>\n\n")
    assert "   selector\t<Object> -required-\n" in out
    assert "   template\t<Object> -required-\n" in out
    assert "   replicas\t<integer>\n" in out


def test_percent_signs_in_description_go_through_go_sprintf() -> None:
    leaf = explain(resolve("deploy"), ["spec", "strategy", "rollingUpdate", "maxSurge"])
    assert "pods (ex: 10%!)(MISSING). This can not be 0 if MaxUnavailable is 0.\n" in leaf
    assert "     25%! (MISSING)Example: when this is set to 30%!,(MISSING) the new\n" in leaf
    # Field lists print descriptions through "%s", so they keep their percent signs.
    fields = explain(resolve("deploy"), ["spec", "strategy", "rollingUpdate"])
    assert "(ex: 10%)" in fields
    assert "MISSING" not in fields


def test_api_version_selects_another_served_version() -> None:
    out = explain(resolve("hpa"), ["spec"], api_version="autoscaling/v1")
    assert out.startswith("KIND:     HorizontalPodAutoscaler\nVERSION:  autoscaling/v1\n")
    assert "   targetCPUUtilizationPercentage\t<integer>\n" in out


@pytest.mark.parametrize(("name", "path", "api_version", "message"), [
    ("pods", ["foo"], None, 'field "foo" does not exist'),
    ("pods", ["spec", "containers", "foo"], None, 'field "foo" does not exist'),
    ("deploy", [], "apps/v1beta1", 'couldn\'t find resource for "apps/v1beta1, Kind=Deployment"'),
    ("pods", [], "v2", 'couldn\'t find resource for "/v2, Kind=Pod"'),
    ("pods", [], "a/b/c", "unexpected GroupVersion string: a/b/c"),
])
def test_errors(name: str, path: list[str], api_version: str | None, message: str) -> None:
    with pytest.raises(CommandError) as info:
        explain(resolve(name), path, api_version=api_version)
    assert str(info.value) == message


def test_path_past_a_primitive_explains_the_primitive() -> None:
    out = explain(resolve("pods"), ["metadata", "labels", "app"])
    assert out.endswith("FIELD:    app <string>\n\nDESCRIPTION:\n     <empty>\n")


# --- the formatter rules ---------------------------------------------------------------------


def test_wrap_fills_to_the_width_and_puts_long_words_alone() -> None:
    assert wrap_string("aaa bbb ccc", 7) == ["aaa bbb", "ccc"]
    assert wrap_string("aaa bbb ccc", 6) == ["aaa", "bbb", "ccc"]
    assert wrap_string("a https://example.com/a/long/url b", 10) == [
        "a", "https://example.com/a/long/url", "b",
    ]
    assert wrap_string("", 10) == []


def test_wrap_counts_bytes() -> None:
    assert wrap_string("éé é", 4) == ["éé", "é"]


def test_wrap_keeps_paragraphs_but_not_a_leading_blank() -> None:
    assert wrap_string("one two\n\nthree", 80) == ["one two", "three"]
    assert wrap_string("one two three four\n\nfive", 8) == ["one two", "three", "four", "",
                                                              "five"]
    assert wrap_string("one\ntwo  three", 80) == ["one two three"]


def test_wrap_breaks_after_colon_and_before_list_items_and_keeps_code() -> None:
    text = "Examples:\nfirst line\n- item one\n* item two\n2. third\n    code  block\nend"
    assert wrap_string(text, 80) == [
        "Examples:", "first line", "- item one", "* item two", "2. third", "    code  block",
        "end",
    ]


@pytest.mark.parametrize(("text", "expected"), [
    ("no percent", "no percent"),
    ("(ex: 10%).", "(ex: 10%!)(MISSING)."),
    ("at most 30% of them", "at most 30%!o(MISSING)f them"),
    ("to 25%. Example", "to 25%! (MISSING)Example"),
    ('"100%".', '"100%!"(MISSING).'),
    ("100%", "100%!(NOVERB)"),
    ("50%% off", "50% off"),
    ("%5.2f", "%!f(MISSING)"),
    ("%*d", "%!(BADWIDTH)%!d(MISSING)"),
])
def test_go_sprintf_without_args(text: str, expected: str) -> None:
    assert go_sprintf_without_args(text) == expected
