"""The command line `--record` stores in `kubernetes.io/change-cause`, as kubectl writes it.

kubectl (`factory.Command`) re-parses the arguments with the command's flags and writes
`kubectl <words and arguments> --flag=value ...`: every flag in its long form with an explicit
value, in the order given, after the positional words. So `kubectl create -f d.yaml --record`
is recorded as `kubectl create --filename=d.yaml --record=true`, the line `rollout history`
shows in the book.
"""

from __future__ import annotations

from kubia_tutor.shell.command import GLOBAL_FLAGS
from kubia_tutor.shell.flags import Flag


def command_line(argv: list[str]) -> str:
    """kubectl's recorded form of argv (the arguments after `kubectl`)."""
    from kubia_tutor.shell.kubectl import split_command  # the command table sits above us

    try:
        chain, _rest = split_command(argv)
    except Exception:  # an unknown word: record what was typed
        chain = []
    flags = [*(chain[-1].flags if chain else []), *GLOBAL_FLAGS]
    words, pairs = _tokens(argv, flags)
    line = " ".join(["kubectl", *words])
    return line + "".join(f" --{name}={value}" for name, value in pairs)


def _tokens(argv: list[str], flags: list[Flag]) -> tuple[list[str], list[tuple[str, str]]]:
    by_name = {f.name: f for f in flags}
    by_short = {f.short: f for f in flags if f.short}
    words: list[str] = []
    pairs: list[tuple[str, str]] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        i += 1
        if arg == "--":
            words.extend(argv[i:])
            break
        if arg.startswith("--") and len(arg) > 2:
            name, eq, value = arg[2:].partition("=")
            flag = by_name.get(name)
        elif arg.startswith("-") and len(arg) > 1:
            flag = by_short.get(arg[1])
            name = flag.name if flag else arg[1:]
            value = arg[2:].removeprefix("=")
            eq = "=" if value else ""
        else:
            words.append(arg)
            continue
        if not eq:
            if flag is not None and (flag.kind == "bool" or flag.no_opt_default is not None):
                value = "true" if flag.kind == "bool" else str(flag.no_opt_default)
            elif i < len(argv):
                value = argv[i]
                i += 1
        pairs.append((name, value))
    return words, pairs
