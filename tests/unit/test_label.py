"""`kubectl label` and `annotate` details of kubectl 1.20 beyond the goldens: the note about a
label that is not there, and how several errors are reported after the other objects."""

from __future__ import annotations

from harness import Shell

from kubia_tutor.api.kinds import resolve


def pods(shell: Shell, **labels: dict[str, str]) -> None:
    for name, pod_labels in labels.items():
        shell.cluster.api.create(resolve("pods"), "default", {
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name.replace("_", "-"), "labels": pod_labels},
            "spec": {"containers": [{"name": "kubia", "image": "luksa/kubia"}]}})


def test_removing_a_label_that_is_not_there(shell: Shell) -> None:
    pods(shell, kubia_manual={"env": "prod"}, kubia_bare={})
    r = shell.run("kubectl label po kubia-manual foo-")
    assert (r.out, r.err, r.code) == ('label "foo" not found.\npod/kubia-manual not labeled\n',
                                      "", 0)
    # kubectl 1.20 compares JSON, and a pod without labels gains `labels: {}` on the way.
    r = shell.run("kubectl label po kubia-bare foo-")
    assert (r.out, r.err, r.code) == ('label "foo" not found.\npod/kubia-bare labeled\n', "", 0)
    # The client-side dry run takes the other branch, which says nothing about it.
    r = shell.run("kubectl label po kubia-manual foo- --dry-run=client")
    assert (r.out, r.err, r.code) == ("pod/kubia-manual not labeled\n", "", 0)


def test_several_clashes_are_listed_without_the_error_prefix(shell: Shell) -> None:
    pods(shell, kubia_manual={"env": "prod", "app": "kubia"})
    r = shell.run("kubectl label po kubia-manual env=debug app=x")
    assert (r.out, r.err, r.code) == (
        "", "'app' already has a value (kubia), and --overwrite is false\n"
            "'env' already has a value (prod), and --overwrite is false\n", 1)


def test_other_objects_are_labeled_before_the_errors(shell: Shell) -> None:
    pods(shell, a={"env": "prod"}, b={}, c={"env": "dev"})
    r = shell.run("kubectl label po nope b env=x")
    assert (r.out, r.err, r.code) == (
        "pod/b labeled\n", 'Error from server (NotFound): pods "nope" not found\n', 1)
    r = shell.run("kubectl label po --all env=y")
    assert (r.out, r.err, r.code) == (
        "", "'env' already has a value (prod), and --overwrite is false\n"
            "'env' already has a value (x), and --overwrite is false\n"
            "'env' already has a value (dev), and --overwrite is false\n", 1)


def test_change_cause_can_always_be_annotated(shell: Shell) -> None:
    pods(shell, a={})
    for cause in ("first", "second"):
        r = shell.run(f"kubectl annotate po a kubernetes.io/change-cause={cause}")
        assert (r.out, r.err, r.code) == ("pod/a annotated\n", "", 0)
