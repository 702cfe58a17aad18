"""The shell's kubeconfig: contexts and the current namespace, kept in the state dir as a
real kubeconfig file so `kubectl config` reads and writes what kubectl users expect.

The file is written as JSON, which kubectl reads as well as YAML (YAML is a superset), because
reading it is on every shell's start-up path and PyYAML's import alone costs about 30 ms; a
file someone edited into YAML is still read.
"""

from __future__ import annotations

import copy
import json
import os
from typing import Any

CLUSTER = "minikube"

Obj = dict[str, Any]


def default_config(server: str) -> Obj:
    """A kubeconfig with one cluster, user and context, like minikube writes."""
    return {
        "apiVersion": "v1",
        "clusters": [{"cluster": {"server": server}, "name": CLUSTER}],
        "contexts": [{"context": {"cluster": CLUSTER, "namespace": "default",
                                  "user": CLUSTER}, "name": CLUSTER}],
        "current-context": CLUSTER,
        "kind": "Config",
        "preferences": {},
        "users": [{"name": CLUSTER, "user": {}}],
    }


class KubeConfig:
    """Loads, queries and saves the kubeconfig file (in memory when path is None)."""

    def __init__(self, path: str | None, server: str) -> None:
        self.path = path
        self.data = default_config(server)
        if path and os.path.exists(path):
            with open(path) as handle:
                text = handle.read()
            try:
                loaded = json.loads(text)
            except json.JSONDecodeError:
                import yaml

                loaded = yaml.safe_load(text)
            if isinstance(loaded, dict):
                self.data = loaded

    def save(self) -> None:
        """Write the file back (atomically)."""
        if not self.path:
            return
        tmp = f"{self.path}.tmp"
        with open(tmp, "w") as handle:
            json.dump(self.data, handle, indent=2)
            handle.write("\n")
        os.replace(tmp, self.path)

    @property
    def current_context(self) -> str:
        """The current context's name ('' if unset)."""
        return str(self.data.get("current-context") or "")

    def context(self, name: str | None = None) -> Obj | None:
        """A context's body by name (the current one by default)."""
        name = name or self.current_context
        for entry in self.data.get("contexts") or []:
            if entry.get("name") == name:
                ctx: Obj = entry.setdefault("context", {})
                return ctx
        return None

    def namespace(self) -> str:
        """The current context's namespace, `default` when unset."""
        ctx = self.context()
        return str((ctx or {}).get("namespace") or "default")

    def contexts(self) -> list[Obj]:
        """All contexts."""
        return list(self.data.get("contexts") or [])

    def view(self) -> Obj:
        """What `config view` prints (a copy)."""
        return copy.deepcopy(self.data)
