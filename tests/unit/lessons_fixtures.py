"""Helpers for the lesson-engine tests: packs written into a temp dir, check contexts."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

from harness import SERVER

from kubia_tutor.daemon.cluster import Cluster
from kubia_tutor.lessons.checks import CheckContext, CommandRecord
from kubia_tutor.lessons.loader import load_pack
from kubia_tutor.lessons.problems import PackError
from kubia_tutor.lessons.validate import validate_pack
from kubia_tutor.shell.command import Context
from kubia_tutor.shell.kubeconfig import KubeConfig

PACK_YAML = 'id: demo\ntitle: Demo pack\nversion: "1.0"\nlessons: [{lessons}]\n'


def write_pack(root: Path, lessons: dict[str, str], files: dict[str, str] | None = None,
               pack_yaml: str | None = None) -> Path:
    """A pack in `root`: pack.yaml listing `lessons` (name -> text, dedented) in order, plus
    any other `files` (name -> text)."""
    root.mkdir(parents=True, exist_ok=True)
    text = pack_yaml if pack_yaml is not None else PACK_YAML.format(
        lessons=", ".join(lessons))
    (root / "pack.yaml").write_text(text)
    for name, body in {**lessons, **(files or {})}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(body))
    return root


def load_problems(root: Path) -> list[str]:
    """The loader's problems as `file:line: message` lines ([] when it loads)."""
    try:
        load_pack(root)
    except PackError as err:
        return [str(p) for p in err.problems]
    return []


def validate_problems(root: Path) -> list[str]:
    """Every problem `pack validate` finds, as `file:line: message` lines."""
    try:
        validate_pack(root)
    except PackError as err:
        return [str(p) for p in err.problems]
    return []


def check_context(cluster: Cluster, *, namespace: str = "default",
                  history: list[CommandRecord] | None = None,
                  in_pods: bool = True) -> CheckContext:
    shell = Context(client=cluster.api, out=io.StringIO(), err=io.StringIO(),
                    config=KubeConfig(None, SERVER), server=SERVER)
    return CheckContext(shell, namespace=namespace, history=list(history or []),
                        in_pods=in_pods)
