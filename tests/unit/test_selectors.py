"""Label and field selectors: the grammar, the server's exact error texts, matching, printing."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.selectors import (
    EVERYTHING,
    NOTHING,
    FieldRequirement,
    FieldSelector,
    LabelSelector,
    Operator,
    Requirement,
    parse_field_selector,
    parse_label_selector,
    selector_from_map,
    selector_from_spec,
)

NAME_RULE = ("must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
             "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', "
             "regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")
VALUE_RULE = ("a valid label must be an empty string or consist of alphanumeric characters, "
              "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. "
              "'MyValue',  or 'my_value',  or '12345', regex used for validation is "
              "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")


def bad_request(text: str, parse: Any = parse_label_selector) -> str:
    with pytest.raises(ApiError) as info:
        parse(text)
    assert info.value.code == 400
    assert info.value.reason == "BadRequest"
    return info.value.message


# Label selector grammar --------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "printed"), [
    ("", ""),
    ("   ", ""),
    ("app=kubia", "app=kubia"),
    ("app = kubia", "app=kubia"),
    ("app==kubia", "app==kubia"),
    ("creation_method!=manual", "creation_method!=manual"),
    ("env", "env"),
    ("!env", "!env"),
    ("env in (prod,devel)", "env in (devel,prod)"),
    ("env notin (prod)", "env notin (prod)"),
    ("app=pc,rel=beta", "app=pc,rel=beta"),
    ("rel=beta,app=pc", "app=pc,rel=beta"),
    ("x in (foo,,baz),y,z notin ()", "x in (,baz,foo),y,z notin ()"),
    ("a=", "a="),
    ("a>5", "a>5"),
    ("a<5", "a<5"),
    ("in in (in,notin)", "in in (in,notin)"),
    ("example.com/tier=front", "example.com/tier=front"),
    ("a=\x00b", "a=b"),
    ("a \x00b", "a"),
])
def test_parse_and_print(text: str, printed: str) -> None:
    assert str(parse_label_selector(text)) == printed


@pytest.mark.parametrize(("text", "message"), [
    ("a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"),
    ("a in", "unable to parse requirement: found '' expected: '('"),
    ("a in x", "unable to parse requirement: found 'x' expected: '('"),
    ("a in (x y)", "unable to parse requirement: found 'y', expected: ',' or ')'"),
    ("a in (x,", "unable to parse requirement: found '', expected: ',', or identifier"),
    ("a in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier"),
    ("!", "unable to parse requirement: found '', expected: identifier"),
    ("a===b", "unable to parse requirement: found '=', expected: identifier"),
    ("a,", "found '', expected: identifier after ','"),
    (",a", "found ',', expected: !, identifier, or 'end of string'"),
    ("=a", "found '=', expected: !, identifier, or 'end of string'"),
    ("!a=b", "found '=', expected: ',' or 'end of string'"),
    ("a=b c", "found 'c', expected: ',' or 'end of string'"),
    ("a>b", "unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer"),
    ("-a", f'unable to parse requirement: invalid label key "-a": name part {NAME_RULE}'),
    ("a=-x", f'unable to parse requirement: invalid label value: "-x": at key: "a": {VALUE_RULE}'),
    ("a/b/c", 'unable to parse requirement: invalid label key "a/b/c": a qualified name '
              f"{NAME_RULE} with an optional DNS subdomain prefix and '/' "
              "(e.g. 'example.com/MyName')"),
    ("/a", 'unable to parse requirement: invalid label key "/a": prefix part must be non-empty'),
    ("A_/x=1", 'unable to parse requirement: invalid label key "A_/x": prefix part a lowercase '
               "RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
               "'.', and must start and end with an alphanumeric character (e.g. "
               "'example.com', regex used for validation is "
               r"'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"),
    ("a=" + "x" * 64, f'unable to parse requirement: invalid label value: "{"x" * 64}": at key: '
                      '"a": must be no more than 63 characters'),
    ("k" * 64, f'unable to parse requirement: invalid label key "{"k" * 64}": name part must be '
               "no more than 63 characters"),
])
def test_parse_errors_are_the_servers(text: str, message: str) -> None:
    assert bad_request(text) == message


# Matching ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "labels", "expected"), [
    ("app=kubia", {"app": "kubia"}, True),
    ("app=kubia", {"app": "other"}, False),
    ("app=kubia", {}, False),
    ("env!=prod", {}, True),
    ("env!=prod", {"env": "prod"}, False),
    ("env in (prod,devel)", {"env": "devel"}, True),
    ("env in (prod,devel)", {}, False),
    ("env notin (prod)", {}, True),
    ("env notin (prod)", {"env": "prod"}, False),
    ("env", {"env": ""}, True),
    ("env", {}, False),
    ("!env", {}, True),
    ("!env", {"env": "x"}, False),
    ("a=", {"a": ""}, True),
    ("a>5", {"a": "6"}, True),
    ("a>5", {"a": "5"}, False),
    ("a>5", {"a": "x"}, False),
    ("a<5", {"a": "-3"}, True),
    ("a<5", {}, False),
    ("app=pc,rel=beta", {"app": "pc", "rel": "beta", "x": "y"}, True),
    ("app=pc,rel=beta", {"app": "pc"}, False),
])
def test_matches(text: str, labels: dict[str, str], expected: bool) -> None:
    assert parse_label_selector(text).matches(labels) is expected


def test_everything_and_nothing() -> None:
    assert EVERYTHING.empty and EVERYTHING.matches({}) and EVERYTHING.matches(None)
    assert not NOTHING.empty and not NOTHING.matches({}) and not NOTHING.matches({"a": "b"})
    assert str(EVERYTHING) == str(NOTHING) == ""
    assert LabelSelector.everything() is EVERYTHING and LabelSelector.nothing() is NOTHING
    assert parse_label_selector("").empty
    assert NOTHING.add(Requirement("a", Operator.EXISTS)) is NOTHING


def test_requires_exact_match() -> None:
    assert parse_label_selector("a=b,c in (d)").requires_exact_match("c") == "d"
    assert parse_label_selector("a!=b").requires_exact_match("a") is None
    assert parse_label_selector("a=b").requires_exact_match("z") is None


# Specs and maps ----------------------------------------------------------------------------------


def test_selector_from_spec() -> None:
    spec = {"matchLabels": {"app": "kubia"},
            "matchExpressions": [{"key": "env", "operator": "In", "values": ["prod", "devel"]},
                                 {"key": "gpu", "operator": "DoesNotExist"}]}
    sel = selector_from_spec(spec)
    assert str(sel) == "app=kubia,env in (devel,prod),!gpu"
    assert sel.matches({"app": "kubia", "env": "prod"})
    assert not sel.matches({"app": "kubia", "env": "prod", "gpu": "yes"})


def test_selector_from_spec_nil_and_empty() -> None:
    assert selector_from_spec(None) is NOTHING
    assert selector_from_spec({}) is EVERYTHING
    assert selector_from_spec({"matchLabels": {}, "matchExpressions": []}) is EVERYTHING


@pytest.mark.parametrize(("spec", "message"), [
    ({"matchExpressions": [{"key": "a", "operator": "Foo"}]},
     '"Foo" is not a valid pod selector operator'),
    ({"matchExpressions": [{"key": "a", "operator": "In", "values": []}]},
     "for 'in', 'notin' operators, values set can't be empty"),
    ({"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]},
     "values set must be empty for exists and does not exist"),
    ({"matchLabels": {"-a": "b"}}, f'invalid label key "-a": name part {NAME_RULE}'),
])
def test_selector_from_spec_errors(spec: dict[str, Any], message: str) -> None:
    assert bad_request("", lambda _text: selector_from_spec(spec)) == message


def test_selector_from_map() -> None:
    assert str(selector_from_map({"rel": "beta", "app": "kubia"})) == "app=kubia,rel=beta"
    assert selector_from_map(None) is EVERYTHING
    assert selector_from_map({}).empty
    assert selector_from_map({"app": "kubia"}).matches({"app": "kubia", "x": "y"})


# Field selectors ---------------------------------------------------------------------------------


def test_field_selector_parse_and_print() -> None:
    sel = parse_field_selector("status.phase!=Running,metadata.name==kubia")
    assert sel.terms == (FieldRequirement("metadata.name", "kubia"),
                         FieldRequirement("status.phase", "Running", negated=True))
    assert str(sel) == "metadata.name=kubia,status.phase!=Running"
    assert parse_field_selector("").empty
    assert str(parse_field_selector(r"a=b\,c\=d\\e")) == r"a=b\,c\=d\\e"
    assert parse_field_selector(r"a=b\,c").terms[0].value == "b,c"


@pytest.mark.parametrize(("text", "message"), [
    ("foo", "invalid selector: 'foo'; can't understand 'foo'"),
    ("a=b,foo", "invalid selector: 'a=b,foo'; can't understand 'foo'"),
    ("a=b=c", "invalid field selector: unescaped character in value: ="),
    (r"a=\x", r"invalid field selector: invalid escape sequence: \x"),
    ("a=b\\", "invalid field selector: invalid escape sequence: \\"),
])
def test_field_selector_errors(text: str, message: str) -> None:
    assert bad_request(text, parse_field_selector) == message


@pytest.mark.parametrize(("kind", "message"), [
    ("pods", "field label not supported: foo"),
    ("Pod", "field label not supported: foo"),
    ("events", "field label not supported: foo"),
    ("nodes", "field label not supported: foo"),
    ("secrets", "field label not supported: foo"),
    ("namespaces", "field label not supported: foo"),
    ("rc", "field label not supported: foo"),
    ("jobs", 'field label "foo" not supported for batchv1.Job'),
    ("services", '"foo" is not a known field selector: only "metadata.name", '
                 '"metadata.namespace"'),
    ("deployments", '"foo" is not a known field selector: only "metadata.name", '
                    '"metadata.namespace"'),
    ("replicasets", '"foo" is not a known field selector: only "metadata.name", '
                    '"metadata.namespace"'),
])
def test_unsupported_fields(kind: str, message: str) -> None:
    sel = parse_field_selector("foo=bar")
    assert bad_request("", lambda _text: sel.check_supported(kind)) == message


@pytest.mark.parametrize(("kind", "text"), [
    ("pods", "spec.nodeName=minikube,status.phase!=Running,metadata.namespace=default"),
    ("pods", "spec.restartPolicy=Always,spec.schedulerName=x,spec.serviceAccountName=default"),
    ("pods", "status.podIP=1.2.3.4,status.nominatedNodeName=n,spec.host=x,status.podIPs=y"),
    ("events", "involvedObject.kind=Pod,involvedObject.name=kubia,reason=Pulled,type=Normal"),
    ("events", "involvedObject.uid=u,involvedObject.fieldPath=f,source=kubelet"),
    ("nodes", "spec.unschedulable=true,metadata.name=minikube"),
    ("secrets", "type=Opaque"),
    ("namespaces", "status.phase=Active"),
    ("rc", "status.replicas=3"),
    ("jobs", "status.successful=1"),
    ("configmaps", "metadata.name=x,metadata.namespace=y"),
])
def test_supported_fields(kind: str, text: str) -> None:
    parse_field_selector(text).check_supported(kind)


def test_first_sorted_term_is_reported() -> None:
    sel = parse_field_selector("zz=1,aa=2")
    assert bad_request("", lambda _text: sel.check_supported("pods")) == \
        "field label not supported: aa"


def test_node_and_namespace_have_no_metadata_namespace_field() -> None:
    sel = parse_field_selector("metadata.namespace=x")
    assert bad_request("", lambda _text: sel.check_supported("nodes")) == \
        "field label not supported: metadata.namespace"


def test_spec_host_is_spec_node_name() -> None:
    sel = parse_field_selector("spec.host=minikube").check_supported("pods")
    assert str(sel) == "spec.nodeName=minikube"


POD = {"kind": "Pod", "metadata": {"name": "kubia", "namespace": "default"},
       "spec": {"nodeName": "minikube", "restartPolicy": "Always"},
       "status": {"phase": "Running", "podIP": "10.1.0.5", "podIPs": [{"ip": "10.1.0.5"}]}}


@pytest.mark.parametrize(("text", "obj", "expected"), [
    ("metadata.name=kubia", POD, True),
    ("metadata.name!=kubia", POD, False),
    ("status.phase=Running,spec.nodeName=minikube", POD, True),
    ("status.phase=Pending", POD, False),
    ("status.podIP=10.1.0.5", POD, True),
    ("status.podIPs=10.1.0.5", POD, False),
    ("spec.host=minikube", POD, True),
    ("spec.schedulerName=", POD, True),
    ("spec.schedulerName!=", POD, False),
    ("spec.unschedulable=false", {"kind": "Node", "spec": {}}, True),
    ("spec.unschedulable=true", {"kind": "Node", "spec": {"unschedulable": True}}, True),
    ("status.replicas=0", {"kind": "ReplicationController"}, True),
    ("status.successful=2", {"kind": "Job", "status": {"succeeded": 2}}, True),
    ("source=kubelet", {"kind": "Event", "source": {"component": "kubelet"}}, True),
    ("source=ctl", {"kind": "Event", "source": {}, "reportingController": "ctl"}, True),
    ("involvedObject.name=kubia", {"kind": "Event", "involvedObject": {"name": "kubia"}}, True),
    ("type=Opaque", {"kind": "Secret", "type": "Opaque"}, True),
])
def test_field_matching(text: str, obj: dict[str, Any], expected: bool) -> None:
    assert parse_field_selector(text).matches(obj) is expected


def test_empty_field_selector_matches_everything() -> None:
    assert FieldSelector().matches(POD) and FieldSelector().empty


# Properties --------------------------------------------------------------------------------------



def names(edge: str, middle: str) -> st.SearchStrategy[str]:
    """Words that start and end with a character from `edge`, with `middle` ones between."""
    tail = st.builds(lambda mid, last: mid + last, st.text(middle, max_size=6),
                     st.sampled_from(edge))
    return st.builds(lambda first, rest: first + rest, st.sampled_from(edge),
                     st.one_of(st.just(""), tail))


NAME = names("aZ09x", "aZ09x-_.")
DNS_LABEL = names("a09z", "a09z-")
PREFIX = st.lists(DNS_LABEL, min_size=1, max_size=3).map(".".join)
KEY = st.one_of(NAME, st.builds(lambda p, n: f"{p}/{n}", PREFIX, NAME))
VALUE = st.one_of(st.just(""), NAME)


@st.composite
def requirements(draw: st.DrawFn) -> Requirement:
    key = draw(KEY)
    op = draw(st.sampled_from(list(Operator)))
    if op in (Operator.EXISTS, Operator.DOES_NOT_EXIST):
        return Requirement(key, op)
    if op in (Operator.IN, Operator.NOT_IN):
        values = draw(st.sets(VALUE, min_size=1, max_size=4))
        return Requirement(key, op, tuple(sorted(values)))
    if op in (Operator.GREATER_THAN, Operator.LESS_THAN):
        return Requirement(key, op, (str(draw(st.integers(0, 10**9))),))
    return Requirement(key, op, (draw(VALUE),))


@given(st.lists(requirements(), max_size=5))
def test_printed_selectors_parse_back(reqs: list[Requirement]) -> None:
    sel = LabelSelector().add(*reqs)
    parsed = parse_label_selector(str(sel))
    assert parsed == sel
    assert str(parsed) == str(sel)


@given(st.lists(requirements(), max_size=4),
       st.dictionaries(KEY, VALUE | st.integers(0, 20).map(str), max_size=4))
def test_parsed_selectors_match_the_same(reqs: list[Requirement], labels: dict[str, str]) -> None:
    sel = LabelSelector().add(*reqs)
    assert parse_label_selector(str(sel)).matches(labels) == sel.matches(labels)


SELECTOR_CHARS = st.sampled_from(list("ab=!(),<>\t -_./in0\x00é\\"))


@settings(max_examples=300)
@given(st.one_of(st.text(), st.text(SELECTOR_CHARS, max_size=20)))
def test_label_parser_only_raises_api_errors(text: str) -> None:
    try:
        parse_label_selector(text)
    except ApiError as err:
        assert err.code == 400


@settings(max_examples=300)
@given(st.one_of(st.text(), st.text(SELECTOR_CHARS, max_size=20)))
def test_field_parser_only_raises_api_errors(text: str) -> None:
    try:
        parse_field_selector(text).check_supported("pods")
    except ApiError as err:
        assert err.code == 400


FIELD = st.builds(lambda a, b: a + b, st.sampled_from("abz"), st.text("abzAZ.", max_size=8))


@given(st.lists(st.builds(FieldRequirement, FIELD, st.text(max_size=8), st.booleans()),
                max_size=4))
def test_printed_field_selectors_parse_back(terms: list[FieldRequirement]) -> None:
    sel = FieldSelector(tuple(sorted(terms, key=str)))
    assert parse_field_selector(str(sel)) == sel
