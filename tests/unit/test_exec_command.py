"""`kubectl exec` argument handling and messages (the command runs for real only on Podman)."""

from __future__ import annotations

from harness import Shell


def test_exec_on_the_fake_runtime_says_why_it_cannot(shell: Shell) -> None:
    shell.run("kubectl run kubia --image=luksa/kubia")
    r = shell.run("kubectl exec kubia -- hostname")
    assert r.code == 126
    assert r.err.endswith("command terminated with exit code 126\n")
    assert "--runtime podman" in r.err


def test_exec_errors(shell: Shell) -> None:
    shell.run("kubectl run kubia --image=luksa/kubia")
    assert shell.run("kubectl exec nope -- true").err == \
        'Error from server (NotFound): pods "nope" not found\n'
    assert shell.run("kubectl exec kubia").err == \
        "error: you must specify at least one command for the container\n"
    r = shell.run("kubectl exec kubia -c other -- true")
    assert r.err == "Error from server (BadRequest): container other is not valid for pod " \
                    "kubia\n"
    r = shell.run("kubectl exec kubia hostname")
    assert r.err.startswith("kubectl exec [POD] [COMMAND] is DEPRECATED")
