"""The session's two output streams keep kubectl's order when they share one pipe."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kubia_tutor.api.kinds import resolve
from kubia_tutor.daemon.cluster import Cluster
from kubia_tutor.shell.kubeconfig import KubeConfig
from kubia_tutor.shell.session import Session

SERVER = "unix:///state/api.sock"


def run_merged(cluster: Cluster, cwd: Path, line: str) -> str:
    """Run one line with stdout block-buffered and stderr line-buffered (as Python sets them
    up for a pipe) on one pipe, as `2>&1` does; return what came out of the pipe."""
    read_end, write_end = os.pipe()
    out = open(write_end, "w", closefd=False)  # noqa: SIM115 (closed below, fd shared)
    err = open(os.dup(write_end), "w", buffering=1)  # noqa: SIM115
    try:
        session = Session(cluster.api, KubeConfig(None, SERVER), out=out, err=err,
                          server=SERVER, cwd=str(cwd), now=cluster.clock.now)
        session.run_line(line)
    finally:
        out.close()
        err.close()
        os.close(write_end)
    with open(read_end) as merged:
        return merged.read()


def test_an_error_does_not_overtake_the_output_before_it(cluster: Cluster,
                                                        tmp_path: Path) -> None:
    cluster.api.create(resolve("pods"), "default", {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "kubia-manual"},
        "spec": {"containers": [{"name": "kubia", "image": "luksa/kubia"}]}})
    assert run_merged(cluster, tmp_path, "kubectl get pod kubia-manual nope -o name") == (
        "pod/kubia-manual\n"
        'Error from server (NotFound): pods "nope" not found\n')


def test_shell_lines_write_to_the_same_pipe(cluster: Cluster, tmp_path: Path) -> None:
    assert run_merged(cluster, tmp_path, "echo out; echo err >&2; echo out2") == \
        "out\nerr\nout2\n"


@pytest.mark.parametrize(("line", "shell"), [
    ('kubectl run x --requests="cpu=$(kubectl get node -o name)"', True),  # expanded in ""
    ("kubectl annotate po x a='$(b)'", False),  # literal in ''
    ('kubectl get po -l "app=kubia"', False),
    ('kubectl exec x -- sh -c "echo hi | wc"', False),  # the pipe is the pod's sh's
    ("kubectl get po | wc -l", True),
])
def test_which_lines_need_the_host_shell(line: str, shell: bool) -> None:
    from kubia_tutor.shell.session import needs_shell

    assert needs_shell(line) is shell
