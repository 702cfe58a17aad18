"""Reader for the outputs captured from real kubectl in /work/shared/reference/kubectl-golden/."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
GOLDEN_ROOT = SHARED / "reference" / "kubectl-golden"
DEFAULT_VERSION = "v1.20.2"

_META = re.compile(r"\| exit: (\d+) \| stdout: (\d+) lines?, stderr: (\d+) lines?")


@dataclass(frozen=True)
class Golden:
    """One captured kubectl run.

    `output` is stdout followed by stderr, exactly as captured. The capture records only how
    many newline-terminated lines each stream had, so a final line without a newline (jsonpath
    output) is counted with stderr when stderr has lines and with stdout otherwise.
    """

    command: str
    exit_code: int
    output: str
    stdout_lines: list[str]
    stderr_lines: list[str]
    stdout: str
    stderr: str
    note: str | None
    path: Path


def golden_names(version: str = DEFAULT_VERSION, suffix: str = ".txt") -> list[str]:
    """File names of the goldens for one kubectl version, sorted; e.g. suffix="-yaml.txt"."""
    return sorted(p.name for p in (GOLDEN_ROOT / version).glob(f"*{suffix}"))


def load_golden(name: str, version: str = DEFAULT_VERSION) -> Golden:
    """Read `<version>/<name>` (name with or without `.txt`)."""
    path = GOLDEN_ROOT / version / (name if name.endswith(".txt") else f"{name}.txt")
    text = path.read_text(encoding="utf-8")
    command_line, meta_line, rest = text.split("\n", 2)
    if not command_line.startswith("# ") or not meta_line.startswith("# "):
        raise ValueError(f"{path}: not a golden file (no '# ' header lines)")
    note = None
    # One capture carries a third comment line saying what was redacted in it.
    if rest.startswith("# NOTE:"):
        note_line, rest = rest.split("\n", 1)
        note = note_line[2:]
    match = _META.search(meta_line)
    if match is None:
        raise ValueError(f"{path}: metadata line without exit code and line counts")
    exit_code, n_out, n_err = (int(g) for g in match.groups())
    # Only "\n" ends a line here; str.splitlines would also split at \r, \f and friends.
    pieces = re.findall(r"[^\n]*\n|[^\n]+$", rest)
    out_pieces, err_pieces = pieces[:n_out], pieces[n_out:]
    if n_err == 0 and err_pieces:
        out_pieces, err_pieces = pieces, []
    stdout, stderr = "".join(out_pieces), "".join(err_pieces)
    return Golden(
        command=command_line[2:],
        exit_code=exit_code,
        output=rest,
        stdout_lines=_lines(stdout),
        stderr_lines=_lines(stderr),
        stdout=stdout,
        stderr=stderr,
        note=note,
        path=path,
    )


def _lines(text: str) -> list[str]:
    lines = text.split("\n")
    return lines[:-1] if lines[-1] == "" else lines


def book_pods() -> list[dict[str, Any]]:
    """The fake server's pods, as far as the `get pods` goldens show them.

    Names, pod IPs, node, owners and kubia-manual's labels come from the jsonpath, name and
    custom-columns captures; everything else a real pod has is left out.
    """
    owners = {
        "kubia-53thy": ("ReplicationController", "kubia"),
        "kubia-k0xz6": ("ReplicationController", "kubia"),
        "kubia-q3vkg": ("ReplicationController", "kubia"),
        "kubia-5d8b9f6c4-abcde": ("ReplicaSet", "kubia-5d8b9f6c4"),
        "kubia-5d8b9f6c4-fghij": ("ReplicaSet", "kubia-5d8b9f6c4"),
        "kubia-5d8b9f6c4-klmno": ("ReplicaSet", "kubia-5d8b9f6c4"),
        "kubia-0": ("StatefulSet", "kubia"),
        "kubia-1": ("StatefulSet", "kubia"),
    }
    ips = {
        "kubia-manual": "172.17.0.4", "kubia-53thy": "172.17.0.5", "kubia-k0xz6": "172.17.0.6",
        "kubia-q3vkg": "172.17.0.7", "kubia-liveness": "172.17.0.8",
        "kubia-5d8b9f6c4-abcde": "172.17.0.9", "kubia-5d8b9f6c4-fghij": "172.17.0.10",
        "kubia-5d8b9f6c4-klmno": "172.17.0.11", "kubia-0": "172.17.0.20",
        "kubia-1": "172.17.0.21",
    }
    pods: list[dict[str, Any]] = []
    for name, ip in ips.items():
        metadata: dict[str, Any] = {"name": name, "namespace": "default"}
        if name == "kubia-manual":
            metadata["labels"] = {"creation_method": "manual", "env": "prod"}
        if name in owners:
            kind, owner = owners[name]
            api_version = "v1" if kind == "ReplicationController" else "apps/v1"
            metadata["ownerReferences"] = [{
                "apiVersion": api_version, "blockOwnerDeletion": True, "controller": True,
                "kind": kind, "name": owner, "uid": f"uid-{owner}",
            }]
        pods.append({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": metadata,
            "spec": {"containers": [{"image": "luksa/kubia", "name": "kubia"}],
                     "nodeName": "minikube"},
            "status": {
                "conditions": [
                    {"status": "True", "type": "Initialized"},
                    {"status": "True", "type": "Ready"},
                    {"status": "True", "type": "ContainersReady"},
                    {"status": "True", "type": "PodScheduled"},
                ],
                "phase": "Running",
                "podIP": ip,
            },
        })
    return pods
