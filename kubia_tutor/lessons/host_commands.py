"""Which shell lines a pack may hand to `pack test` (its solutions) and to the TUI's paste keys.

A pack is data, so its solution lines may only use kubectl and a short list of programs that
read or print (curl, sleep, grep...); redirections may only write relative paths inside the
lesson directory. Anything else (rm, sudo, an absolute path, `..`) is a validation error, so
a pack cannot make `pack test` do something to the instructor's machine.
"""

from __future__ import annotations

import shlex

ALLOWED = frozenset({
    "kubectl", "kubia-tutor", "curl", "sleep", "echo", "printf", "cat", "grep", "egrep",
    "head", "tail", "wc", "sort", "uniq", "cut", "tr", "base64", "openssl", "true", "false",
    "test", "[", "cd", "ls", "dig", "nslookup", "watch", "date", "seq",
    "yes", "xargs", "while", "do", "done", "for", "in", "if", "then", "else", "fi", "jq",
    "tee", "mkdir", "touch", "time",
})
_OPERATORS = {"|", "||", "&&", ";", "&", "(", ")", "$(", "`", "\n"}
_REDIRECTS = {">", ">>", "<", "2>", "2>>", "&>", "1>", "1>>"}
# Their arguments are paths they write. awk and sed are not allowed at all: their scripts can
# run commands and write files (awk's system(), sed's e and w).
_WRITES_FILES = {"tee", "mkdir", "touch"}
_OUTPUT_FLAGS = {"-o", "--output", "-out", "-keyout"}  # curl's and openssl's output files
_CONTINUES = {"while", "do", "then", "else", "if", "time"}  # a command follows at once
_PREFIXES = {"xargs", "watch"}  # a command follows after their options


def unsafe_reason(line: str) -> str | None:
    """Why a pack may not run `line`, or None when it may."""
    try:
        lexer = shlex.shlex(line.replace("$(", " ( ").replace("`", " ( "), posix=True,
                            punctuation_chars=True)
        lexer.whitespace_split = True
        tokens = list(lexer)
    except ValueError as err:
        return f"cannot read the line: {err}"
    expect_command = True
    segment: list[str] = []  # the words of the current simple command
    command = ""
    previous = ""
    outer: list[tuple[str, list[str]]] = []  # the commands a $( ... ) sits in
    for token in tokens:
        if token in _OPERATORS or set(token) <= set("|&;()"):
            for char in token:
                if char == "(":
                    outer.append((command, segment))
                    expect_command, segment = True, []
                elif char == ")" and outer:
                    # back in the command the substitution was an argument of
                    command, segment = outer.pop()
                    expect_command = False
                else:
                    expect_command, segment = True, []
            previous = token
            continue
        segment.append(token)
        writes = previous in _REDIRECTS or (command in _WRITES_FILES and not expect_command) \
            or (command in ("curl", "openssl") and previous in _OUTPUT_FLAGS)
        if writes and _outside(token) and token != "/dev/null":
            return f"{token!r} is outside the lesson directory"
        if command == "kubectl" and "cp" in segment and token != "cp":
            within_pod = ":" in token  # kubectl cp pod:/path local, or local pod:/path
            if not within_pod and _outside(token):
                return f"{token!r} is outside the lesson directory"
        if token in _REDIRECTS:
            previous = token
            continue
        if expect_command and "=" in token and not token.startswith("="):
            previous = token
            continue  # VAR=value before a command
        if command in _PREFIXES and expect_command and (token.startswith("-") or
                                                        token.isdigit()):
            previous = token
            continue  # xargs -n1, watch -n 2: options before the command they run
        if expect_command:
            if token not in ALLOWED:
                return (f"packs may not run {token!r} (allowed: kubectl, curl and tools that "
                        "read or print)")
            command = token
            expect_command = token in _CONTINUES or token in _PREFIXES
        elif command == "kubia-tutor" and len(segment) == 2 and token != "service":
            return "packs may run `kubia-tutor service` only"
        previous = token
    return None


def _outside(token: str) -> bool:
    return token.startswith(("/", "~")) or ".." in token.split("/")
