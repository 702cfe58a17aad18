"""`kubectl create namespace`, the first `create <generator>` subcommand, against real kubectl."""

from __future__ import annotations

import pytest
from golden import load_golden
from harness import Shell


@pytest.mark.parametrize("name", ["create-namespace", "create-namespace-yaml",
                                  "create-namespace-dryrun-text"])
def test_matches_real_kubectl(name: str, shell: Shell) -> None:
    golden = load_golden(name)
    r = shell.run(golden.command)
    assert (r.out, r.err, r.code) == (golden.stdout, golden.stderr, golden.exit_code)


def test_dry_run_creates_nothing_and_ns_is_an_alias(shell: Shell) -> None:
    shell.run("kubectl create namespace custom-namespace --dry-run=client")
    r = shell.run("kubectl get ns custom-namespace")
    assert r.err == 'Error from server (NotFound): namespaces "custom-namespace" not found\n'
    r = shell.run("kubectl create ns custom-namespace -o name")
    assert (r.out, r.err, r.code) == ("namespace/custom-namespace\n", "", 0)


@pytest.mark.parametrize(("args", "got"), [("", 0), (" a b", 2)])
def test_exactly_one_name(shell: Shell, args: str, got: int) -> None:
    r = shell.run(f"kubectl create namespace{args}")
    assert (r.out, r.err, r.code) == (
        "", f"error: exactly one NAME is required, got {got}\n"
            "See 'kubectl create namespace -h' for help and examples\n", 1)


def test_a_file_named_like_a_subcommand(shell: Shell) -> None:
    shell.write("namespace", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: from-file\n")
    r = shell.run("kubectl create -f namespace")
    assert (r.out, r.err, r.code) == ("namespace/from-file created\n", "", 0)
