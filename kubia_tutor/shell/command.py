"""What a kubectl command is: flags, a run function, subcommands; and the context it runs in."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TextIO

from kubia_tutor.client.base import ApiClient
from kubia_tutor.shell.flags import Flag, Parsed
from kubia_tutor.shell.kubeconfig import KubeConfig


@dataclass
class Context:
    """Everything a command may use: the API, the streams, the kubeconfig, the clock."""

    client: ApiClient
    out: TextIO
    err: TextIO
    config: KubeConfig
    stdin: TextIO | None = None
    cwd: str = field(default_factory=os.getcwd)
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    namespace: str = "default"
    namespace_given: bool = False
    server: str = ""
    state_dir: str | None = None
    interactive: bool = False
    argv: list[str] = field(default_factory=list)  # the command line being run (--record)

    def path(self, name: str) -> str:
        """A path as the user typed it, resolved against the shell's working directory."""
        return name if os.path.isabs(name) else os.path.join(self.cwd, name)


Runner = Callable[[Context, Parsed], int]


@dataclass
class Command:
    """A kubectl verb (or a subcommand such as `create configmap`)."""

    name: str
    short: str
    flags: list[Flag]
    run: Runner | None = None
    subcommands: dict[str, Command] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    usage: str = ""

    def sub(self, name: str) -> Command | None:
        """The subcommand called `name` (or by an alias)."""
        for cmd in self.subcommands.values():
            if cmd.name == name or name in cmd.aliases:
                return cmd
        return None


GLOBAL_FLAGS = [
    Flag("namespace", "n"),
    Flag("context"),
    Flag("cluster"),
    Flag("user"),
    Flag("kubeconfig"),
    Flag("request-timeout", default="0"),
    Flag("server", "s"),
    Flag("v", "v", default="0"),
    Flag("help", "h", "bool", False),
    Flag("match-server-version", kind="bool", default=False),
    Flag("insecure-skip-tls-verify", kind="bool", default=False),
]

OUTPUT = Flag("output", "o", default="")
SELECTOR = Flag("selector", "l", default="")
FIELD_SELECTOR = Flag("field-selector", default="")
ALL_NAMESPACES = Flag("all-namespaces", "A", "bool", False)
FILENAME = Flag("filename", "f", "list")
RECURSIVE = Flag("recursive", "R", "bool", False)
DRY_RUN = Flag("dry-run", default="none", no_opt_default="unchanged")
ALL = Flag("all", kind="bool", default=False)
OVERWRITE = Flag("overwrite", kind="bool", default=False)
VALIDATE = Flag("validate", kind="bool", default=True)
SHOW_MANAGED = Flag("show-managed-fields", kind="bool", default=False)
TEMPLATE = Flag("template", default="")
ALLOW_MISSING = Flag("allow-missing-template-keys", kind="bool", default=True)
RECORD = Flag("record", kind="bool", default=False)
FIELD_MANAGER = Flag("field-manager", default="kubectl")

PRINT_FLAGS = [OUTPUT, TEMPLATE, ALLOW_MISSING, SHOW_MANAGED]
