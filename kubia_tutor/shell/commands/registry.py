"""The table of kubectl commands and the help texts built from it."""

from __future__ import annotations

import importlib

from kubia_tutor.shell.command import Command

# name -> (module under kubia_tutor.shell.commands, attribute, one-line help). Modules are
# imported only when their command runs: a shell answers its first line faster that way.
_TABLE: dict[str, tuple[str, str, str]] = {
    "create": ("create", "COMMAND", "Create a resource from a file or from stdin."),
    "expose": ("expose", "COMMAND", "Take a replication controller, service, deployment or "
                                    "pod and expose it as a new Kubernetes Service"),
    "run": ("run", "COMMAND", "Run a particular image on the cluster"),
    "get": ("get", "COMMAND", "Display one or many resources"),
    "explain": ("explain", "COMMAND", "Documentation of resources"),
    "delete": ("delete", "COMMAND", "Delete resources by filenames, stdin, resources and "
                                    "names, or by resources and label selector"),
    "apply": ("apply", "COMMAND", "Apply a configuration to a resource by filename or stdin"),
    "patch": ("patch", "PATCH", "Update field(s) of a resource"),
    "replace": ("patch", "REPLACE", "Replace a resource by filename or stdin"),
    "scale": ("scale", "COMMAND", "Set a new size for a Deployment, ReplicaSet or Replication "
                                  "Controller"),
    "wait": ("wait", "COMMAND", "Experimental: Wait for a specific condition on one or many "
                                "resources."),
    "label": ("label", "LABEL", "Update the labels on a resource"),
    "annotate": ("label", "ANNOTATE", "Update the annotations on a resource"),
    "logs": ("logs", "COMMAND", "Print the logs for a container in a pod"),
    "exec": ("exec", "COMMAND", "Execute a command in a container"),
    "describe": ("describe", "COMMAND", "Show details of a specific resource or group of "
                                        "resources"),
    "cluster-info": ("info", "CLUSTER_INFO", "Display cluster info"),
    "api-resources": ("info", "API_RESOURCES", "Print the supported API resources on the "
                                               "server"),
    "api-versions": ("info", "API_VERSIONS", "Print the supported API versions on the server, "
                                             "in the form of \"group/version\""),
    "config": ("config", "COMMAND", "Modify kubeconfig files"),
    "version": ("info", "VERSION", "Print the client and server version information"),
    "top": ("top", "COMMAND", "Display Resource (CPU/Memory/Storage) usage."),
    "attach": ("attach", "COMMAND", "Attach to a running container"),
    "port-forward": ("port_forward", "COMMAND", "Forward one or more local ports to a pod"),
    "cp": ("cp", "COMMAND", "Copy files and directories to and from containers."),
    "autoscale": ("autoscale", "COMMAND", "Auto-scale a Deployment, ReplicaSet, StatefulSet, "
                                          "or ReplicationController"),
    "cordon": ("cordon", "CORDON", "Mark node as unschedulable"),
    "uncordon": ("cordon", "UNCORDON", "Mark node as schedulable"),
    "drain": ("cordon", "DRAIN", "Drain node in preparation for maintenance"),
    "edit": ("edit", "COMMAND", "Edit a resource on the server"),
    "rollout": ("rollout", "COMMAND", "Manage the rollout of a resource"),
    "set": ("set_image", "COMMAND", "Set specific features on objects"),
    "proxy": ("proxy", "COMMAND", "Run a proxy to the Kubernetes API server"),
}


def find(name: str) -> Command | None:
    """The top-level command called `name`, imported on first use."""
    entry = _TABLE.get(name)
    if entry is None:
        return None
    module = importlib.import_module(f"kubia_tutor.shell.commands.{entry[0]}")
    command: Command = getattr(module, entry[1])
    return command


def names() -> list[str]:
    """Every top-level command name."""
    return list(_TABLE)


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


def help_text() -> str:
    """`kubectl --help`: the commands this shell knows, grouped as kubectl groups them."""
    lines = ["kubectl controls the Kubernetes cluster manager.", ""]
    for title, members in _GROUPS:
        present = [m for m in members if m in _TABLE]
        if not present:
            continue
        lines.append(f"{title}:")
        for name in present:
            lines.append(f"  {name:<14}{_TABLE[name][2]}")
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
