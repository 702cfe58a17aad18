"""The table of kubectl commands and the help texts built from it."""

from __future__ import annotations

from kubia_tutor.shell.command import Command
from kubia_tutor.shell.commands import (
    apply,
    config,
    create,
    delete,
    describe,
    explain,
    get,
    info,
    label,
    patch,
    wait,
)

COMMANDS: list[Command] = [
    create.COMMAND, get.COMMAND, explain.COMMAND, delete.COMMAND, apply.COMMAND,
    patch.PATCH, patch.REPLACE, wait.COMMAND, label.LABEL, label.ANNOTATE,
    describe.COMMAND, info.CLUSTER_INFO, info.API_RESOURCES, info.API_VERSIONS,
    config.COMMAND, info.VERSION,
]

_GROUPS = [
    ("Basic Commands (Beginner)", ["create", "expose", "run", "set"]),
    ("Basic Commands (Intermediate)", ["explain", "get", "edit", "delete"]),
    ("Deploy Commands", ["rollout", "scale", "autoscale"]),
    ("Cluster Management Commands", ["cluster-info", "top", "cordon", "uncordon", "drain",
                                     "taint"]),
    ("Troubleshooting and Debugging Commands", ["describe", "logs", "attach", "exec",
                                                "port-forward", "proxy", "cp"]),
    ("Advanced Commands", ["apply", "patch", "replace", "wait"]),
    ("Settings Commands", ["label", "annotate"]),
    ("Other Commands", ["api-resources", "api-versions", "config", "version"]),
]


def find(name: str) -> Command | None:
    """The top-level command called `name`."""
    for cmd in COMMANDS:
        if cmd.name == name or name in cmd.aliases:
            return cmd
    return None


def help_text() -> str:
    """`kubectl --help`: the commands this shell knows, grouped as kubectl groups them."""
    lines = ["kubectl controls the Kubernetes cluster manager.", ""]
    known = {c.name: c for c in COMMANDS}
    for title, members in _GROUPS:
        present = [known[m] for m in members if m in known]
        if not present:
            continue
        lines.append(f"{title}:")
        for cmd in present:
            lines.append(f"  {cmd.name:<14}{cmd.short}")
        lines.append("")
    lines += ["Usage:", "  kubectl [flags] [options]", "",
              "Use \"kubectl <command> --help\" for more information about a given command."]
    return "\n".join(lines) + "\n"


def command_help(path: str, cmd: Command) -> str:
    """`kubectl <cmd> --help`: what it does, its subcommands and flags."""
    lines = [cmd.short + ".", ""]
    if cmd.subcommands:
        lines.append("Available Commands:")
        for sub in cmd.subcommands.values():
            lines.append(f"  {sub.name:<16}{sub.short}")
        lines.append("")
    if cmd.flags:
        lines.append("Options:")
        for flag in cmd.flags:
            short = f"-{flag.short}, " if flag.short else "    "
            default = "" if flag.default in (None, "", [], False) else f"={flag.default}"
            lines.append(f"  {short}--{flag.name}{default}")
        lines.append("")
    lines += ["Usage:", f"  {cmd.usage or path + ' [options]'}", "",
              "Use \"kubectl options\" for a list of global command-line options (applies to "
              "all commands)."]
    return "\n".join(lines) + "\n"
