"""`pack validate`: what a pack means, each problem with its file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from lessons_fixtures import validate_problems, write_pack

from kubia_tutor.lessons.model import Check
from kubia_tutor.lessons.problems import PackError
from kubia_tutor.lessons.validate import check_problems, setup_problem, validate_pack

B = "id: b\ntitle: B\nsteps:\n  - id: s\n    text: t\n"


def one_check(tmp_path: Path, check: str) -> list[str]:
    """The problems of a pack whose one step (line 4) has one check (line 7)."""
    lesson = f"id: a\ntitle: A\nsteps:\n  - id: s\n    text: t\n    checks:\n      - {check}\n"
    return validate_problems(write_pack(tmp_path, {"a.yaml": lesson}))


def test_a_good_pack_validates(tmp_path: Path) -> None:
    lesson = """\
    id: a
    title: A
    setup:
      - kubectl create deployment kubia --image=luksa/kubia
      - manifest: |
          apiVersion: v1
          kind: ConfigMap
          metadata: {name: cm}
    steps:
      - id: s
        text: t
        checks:
          - field: {kind: deploy, name: kubia, path: "{.spec.replicas}", atLeast: 2}
          - count: {kind: pods, selector: "app=kubia,tier in (web)", atLeast: 2}
          - ready: {kind: po, selector: app=kubia}
          - rollout: {kind: deployment.apps, name: kubia}
          - ran: {pattern: 'kubectl scale'}
          - output: {command: get, contains: kubia}
          - exec: {selector: app=kubia, command: [hostname]}
          - http: {url: "http://kubia/", from: {pod: kubia}}
        solution:
          - kubectl scale deployment kubia --replicas=2
          - kubectl get pods -o name | grep kubia > names.txt
    """
    pack = validate_pack(write_pack(tmp_path, {"a.yaml": lesson}))
    assert len(pack.lessons[0].steps[0].checks) == 8


def test_duplicate_lesson_and_step_ids(tmp_path: Path) -> None:
    twice = "id: b\ntitle: B\nsteps:\n  - id: s\n    text: t\n  - id: s\n    text: u\n"
    root = write_pack(tmp_path, {"b.yaml": twice, "c.yaml": B})
    assert validate_problems(root) == [
        "b.yaml:6: step id 's' is used twice",
        "c.yaml:1: lesson id 'b' is also used by b.yaml"]


def test_prerequisites_missing_or_later(tmp_path: Path) -> None:
    first = "id: a\ntitle: A\nprerequisites: [b, nope]\nsteps:\n  - id: s\n    text: t\n"
    second = "id: c\ntitle: C\nprerequisites: [a]\nsteps:\n  - id: s\n    text: t\n"
    root = write_pack(tmp_path, {"a.yaml": first, "b.yaml": B, "c.yaml": second})
    assert validate_problems(root) == [
        "a.yaml:1: prerequisite 'b' comes later in the pack",
        "a.yaml:1: prerequisite 'nope' is not a lesson of this pack"]


@pytest.mark.parametrize(("check", "message"), [
    ("exists: {kind: gizmo, name: x}",
     'exists: the server doesn\'t have a resource type "gizmo"'),
    ('absent: {kind: pod, selector: "app in (a"}',
     "selector 'app in (a': unable to parse requirement: found '', expected: ',' or ')'"),
    ('count: {kind: pod, fieldSelector: "status.phase~Running", equals: 1}',
     "fieldSelector: invalid selector: 'status.phase~Running'; can't understand "
     "'status.phase~Running'"),
    ('field: {kind: pod, name: x, path: "{.spec[", equals: 1}',
     "field: path '{.spec[': unexpected path string, expected a 'name1.name2' or "
     "'.name1.name2' or '{name1.name2}' or '{.name1.name2}'"),
    ("field: {kind: rc, name: x, path: spec.replicas}",
     "field: say what spec.replicas should be (equals, notEquals, matches, contains, "
     "greaterThan, lessThan, atLeast, atMost, present)"),
    ('ran: {pattern: "("}',
     "ran.pattern: not a regular expression: missing ), unterminated subpattern at "
     "position 0"),
    ('output: {command: "kubectl (", contains: x}',
     "output.command: not a regular expression: missing ), unterminated subpattern at "
     "position 8"),
    ('field: {kind: pod, name: x, path: metadata.name, matches: "[a"}',
     "field.matches: not a regular expression: unterminated character set at position 0"),
    ("ready: {kind: deployment, name: x}", "ready: works on pod, not deployment"),
    ("rollout: {kind: rc, name: x}",
     "rollout: works on deployment, daemonset, statefulset, not replicationcontroller"),
    ("succeeded: {kind: cronjob, name: x}", "succeeded: works on job, not cronjob"),
    ('http: {url: "http://kubia/", from: {container: c}}',
     "http.from: name the pod to run in (pod or selector)"),
    ('http: {url: "http://kubia/", from: {selector: "a in ("}}',
     "selector 'a in (': unable to parse requirement: found '', expected: ',', ')' or "
     "identifier"),
    ("exec: {command: [hostname]}", "exec: name the pod to run in (pod or selector)"),
    ("count: {kind: pod}", "count: say how many (equals, atLeast or atMost)"),
    ("output: {command: get}", "output: say what to look for (contains or matches)"),
])
def test_check_problems(tmp_path: Path, check: str, message: str) -> None:
    assert one_check(tmp_path, check) == [f"a.yaml:7: step s: {message}"]


def test_a_field_check_with_only_kind_and_path_is_refused_when_loading(tmp_path: Path) -> None:
    (problem,) = one_check(tmp_path, "field: {kind: pod, path: spec.replicas}")
    assert problem.startswith("a.yaml:7: steps.0.checks.0.field: ")
    assert problem.endswith("does not have enough properties")


@pytest.mark.parametrize(("item", "message"), [
    ("kubectl get pods | grep x",
     "'kubectl get pods | grep x' is not a plain kubectl line (no pipes, variables or host "
     "programs)"),
    ("kubectl get pods > out.txt", "'kubectl get pods > out.txt' is not a plain kubectl line "
                                   "(no pipes, variables or host programs)"),
    ("kubectl label pod x a=$HOME", "'kubectl label pod x a=$HOME' is not a plain kubectl "
                                    "line (no pipes, variables or host programs)"),
    ("kubectl frobnicate", "'kubectl frobnicate': unknown command \"frobnicate\" for "
                           "\"kubectl\""),
    ({"manifest": "kind: Pod"}, "a manifest needs apiVersion and kind"),
    ({"manifest": {"apiVersion": "v1"}}, "a manifest needs apiVersion and kind"),
    ({"manifest": "apiVersion: v1\nkind: Pod\n---\n- a list\n"},
     "a manifest needs apiVersion and kind"),
    ({"manifest": "a: [b"}, "manifest is not YAML: expected ',' or ']', but got "
                            "'<stream end>'"),
    ("kubectl run kubia --image=luksa/kubia", None),
    ({"manifest": "apiVersion: v1\nkind: Pod\n---\napiVersion: v1\nkind: Service\n"}, None),
])
def test_setup_problem(item: str | dict[str, object], message: str | None) -> None:
    assert setup_problem(item) == message


def test_setup_problems_point_at_their_item(tmp_path: Path) -> None:
    lesson = """\
    id: a
    title: A
    setup:
      - kubectl create namespace ok
      - kubectl get pods | grep x
      - manifest: "kind: Pod"
    steps:
      - id: s
        text: t
    """
    assert validate_problems(write_pack(tmp_path, {"a.yaml": lesson})) == [
        "a.yaml:5: setup: 'kubectl get pods | grep x' is not a plain kubectl line (no pipes, "
        "variables or host programs)",
        "a.yaml:6: setup: a manifest needs apiVersion and kind"]


def test_a_setup_line_must_start_with_kubectl(tmp_path: Path) -> None:
    lesson = "id: a\ntitle: A\nsetup:\n  - rm -rf /tmp/x\nsteps:\n  - id: s\n    text: t\n"
    assert validate_problems(write_pack(tmp_path, {"a.yaml": lesson})) == [
        "a.yaml:4: setup.0: 'rm -rf /tmp/x' does not match '^kubectl\\\\s'"]


def test_unsafe_solution_lines(tmp_path: Path) -> None:
    lesson = """\
    id: a
    title: A
    steps:
      - id: s
        text: t
        solution:
          - kubectl get pods
          - rm -rf /
          - kubectl get pods > /etc/passwd
          - awk '{print}' pod.yaml
    """
    assert validate_problems(write_pack(tmp_path, {"a.yaml": lesson})) == [
        "a.yaml:8: step s: solution line 'rm -rf /': packs may not run 'rm' (allowed: "
        "kubectl, curl and tools that read or print)",
        "a.yaml:9: step s: solution line 'kubectl get pods > /etc/passwd': '/etc/passwd' is "
        "outside the lesson directory",
        "a.yaml:10: step s: solution line \"awk '{print}' pod.yaml\": packs may not run 'awk' "
        "(allowed: kubectl, curl and tools that read or print)"]


def test_validate_pack_raises_with_every_problem(tmp_path: Path) -> None:
    lesson = "id: a\ntitle: A\nsteps:\n  - id: s\n    text: t\n    checks:\n" \
             "      - count: {kind: pod}\n      - ready: {kind: svc, name: x}\n"
    with pytest.raises(PackError) as caught:
        validate_pack(write_pack(tmp_path, {"a.yaml": lesson}))
    assert [(p.file, p.line) for p in caught.value.problems] == [("a.yaml", 7), ("a.yaml", 8)]
    assert str(caught.value) == ("a.yaml:7: step s: count: say how many (equals, atLeast or "
                                 "atMost)\na.yaml:8: step s: ready: works on pod, not service")


def test_check_problems_directly() -> None:
    assert list(check_problems(Check("exists", {"kind": "pods", "name": "x"}))) == []
    assert list(check_problems(Check("ready", {"kind": "ns", "name": "x"}))) == [
        "ready: works on pod, not namespace"]
