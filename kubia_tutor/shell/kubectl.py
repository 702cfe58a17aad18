"""`kubectl`: finds the command for an argument list, parses its flags, runs it, and prints
every failure in kubectl's format with its exit code. Never lets a traceback out."""

from __future__ import annotations

import os
import shlex

from kubia_tutor.api.errors import ApiError
from kubia_tutor.client.http import ConnectionRefused
from kubia_tutor.shell import flags as flagparse
from kubia_tutor.shell.command import GLOBAL_FLAGS, Command, Context
from kubia_tutor.shell.commands import registry
from kubia_tutor.shell.errors import CommandError, Silent, UsageError, format_api_error
from kubia_tutor.shell.flags import FlagError

_VALUE_GLOBALS = {f"--{f.name}" for f in GLOBAL_FLAGS if f.kind != "bool"} | {
    f"-{f.short}" for f in GLOBAL_FLAGS if f.short and f.kind != "bool"}


def split_command(argv: list[str]) -> tuple[list[Command], list[str]]:
    """The command chain named by argv (`create`, `configmap`) and the remaining arguments."""
    rest = list(argv)
    index = _first_word(rest)
    if index is None:
        return [], rest
    word = rest.pop(index)
    cmd = registry.find(word)
    if cmd is None:
        raise UsageError(f'unknown command "{word}" for "kubectl"')
    chain = [cmd]
    while cmd.subcommands:
        # cobra skips the values of the command's own flags too: `create -f namespace` is a
        # file called namespace, not `create namespace`
        index = _first_word(rest, _value_flags(cmd))
        if index is None:
            break
        sub = cmd.sub(rest[index])
        if sub is None:
            break
        rest.pop(index)
        chain.append(sub)
        cmd = sub
    return chain, rest


def _value_flags(cmd: Command) -> set[str]:
    """The spellings of a command's flags that take their value as the next argument."""
    found: set[str] = set()
    for flag in cmd.flags:
        if flag.kind != "bool" and flag.no_opt_default is None:
            found.add(f"--{flag.name}")
            if flag.short:
                found.add(f"-{flag.short}")
    return found


def _first_word(args: list[str], value_flags: set[str] | None = None) -> int | None:
    takes_value = _VALUE_GLOBALS | (value_flags or set())
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            return None
        if arg.startswith("-") and arg != "-":
            if arg in takes_value:
                i += 2
                continue
            i += 1
            continue
        return i
    return None


def run(ctx: Context, argv: list[str]) -> int:
    """Run one kubectl command line (without the leading `kubectl`); returns the exit code."""
    path = "kubectl"
    try:
        chain, rest = split_command(argv)
        if not chain:
            if "--help" in rest or "-h" in rest or not rest:
                ctx.out.write(registry.help_text())
                return 0
            raise UsageError(f"unknown flag: {rest[0]}")
        path = "kubectl " + " ".join(c.name for c in chain)
        cmd = chain[-1]
        ctx.argv = list(argv)
        parsed = flagparse.parse(rest, [*cmd.flags, *GLOBAL_FLAGS])
        if parsed["help"]:
            ctx.out.write(registry.command_help(path, cmd))
            return 0
        if cmd.run is None:
            if parsed.args:
                raise UsageError(f'unknown command "{parsed.args[0]}" for "{path}"')
            ctx.out.write(registry.command_help(path, cmd))
            return 0
        if parsed["namespace"]:
            ctx.namespace = parsed["namespace"]
            ctx.namespace_given = True
        else:
            ctx.namespace = ctx.config.namespace()
        return cmd.run(ctx, parsed)
    except FlagError as exc:
        ctx.err.write(f"Error: {exc}\nSee '{path} --help' for usage.\n")
        return 1
    except UsageError as exc:
        hint = "Run 'kubectl --help' for usage." if path == "kubectl" else \
            f"See '{path} --help' for usage."
        ctx.err.write(f"Error: {exc}\n{hint}\n" if exc.hint else f"Error: {exc}\n")
        return 1
    except CommandError as exc:
        ctx.err.write(f"error: {exc.message}\n")
        if exc.usage:
            ctx.err.write(f"See '{path} -h' for help and examples\n")
        return exc.code
    except ApiError as exc:
        ctx.err.write(format_api_error(exc.reason, exc.message) + "\n")
        return 1
    except Silent as exc:
        return exc.code
    except ConnectionRefused:
        ctx.err.write(f"The connection to the server {ctx.server or 'localhost'} was refused - "
                      "did you specify the right host or port?\n")
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        raise  # the reader went away (`| head`): the process ends quietly, as kubectl does
    except Exception as exc:  # a bug of ours: one line for the user, details in a file
        where = _log_traceback(ctx, argv)
        ctx.err.write(f"error: internal error in kubia-tutor: {type(exc).__name__}: {exc}"
                      f"{f' (details in {where})' if where else ''}\n")
        return 1


def _log_traceback(ctx: Context, argv: list[str]) -> str:
    """Append the current exception's traceback to `<state dir>/shell.log` (never to the
    terminal: a learner sees one line); returns the file's path, or '' without a state dir."""
    import traceback  # only on this path: the import is not free on start-up

    if not ctx.state_dir:
        return ""
    path = os.path.join(ctx.state_dir, "shell.log")
    try:
        with open(path, "a") as handle:
            handle.write(f"kubectl {shlex.join(argv)} failed at {ctx.now().isoformat()}\n")
            handle.write(traceback.format_exc())
    except OSError:
        return ""
    return path
