"""Tab completion and highlighting for kubectl command lines, independent of any UI.

Design note: working out what can come next is a pure function of the words typed (as in
pgcli), walked the way `kubectl.split_command` walks them, so the prompt-toolkit REPL and the
Textual TUI share it and tests need no terminal. Only live object names touch the cluster:
they come from a small cache (2 s) fed by one background thread, so a slow or dead daemon
costs a keystroke at most `timeout` seconds and never an exception.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache

from kubia_tutor.api.kinds import RESOURCE_TYPES, ResourceType, UnknownResourceType, resolve
from kubia_tutor.client.base import ApiClient, Obj
from kubia_tutor.shell.command import GLOBAL_FLAGS, Command
from kubia_tutor.shell.commands import registry
from kubia_tutor.shell.completion_tables import (
    ARGUMENTS,
    FLAG_HELP,
    FLAG_VALUES,
    OUTPUT_VALUES,
    TYPE_VALUES,
    TYPES_OF,
)
from kubia_tutor.shell.flags import Flag
from kubia_tutor.shell.printers.cell_helpers import age_cell


@dataclass(frozen=True)
class Candidate:
    """One completion: `text` replaces the line from `start` up to the cursor."""

    text: str
    start: int
    display: str = ""
    meta: str = ""


@dataclass(frozen=True)
class Token:
    """A word of a command line: where it is, as typed (`raw`) and unquoted (`value`)."""

    start: int
    end: int
    raw: str
    value: str
    operator: bool = False  # `|`, `;`, `&&`...: what follows is another command


@dataclass(frozen=True)
class Span:
    """A highlighted stretch of a line; `style` is kubectl, verb, resource, flag, string,
    operator or '' (plain)."""

    start: int
    end: int
    style: str


_OPERATOR_CHARS = "|;&"


def tokenize(line: str) -> list[Token]:
    """Split a line as /bin/sh would into words and operators; an unclosed quote runs to
    the end of the line (the word being typed)."""
    tokens: list[Token] = []
    i, n = 0, len(line)
    while i < n:
        ch = line[i]
        if ch.isspace():
            i += 1
            continue
        start = i
        if ch in _OPERATOR_CHARS:
            while i < n and line[i] in _OPERATOR_CHARS and i - start < 2:
                i += 1
            tokens.append(Token(start, i, line[start:i], line[start:i], operator=True))
            continue
        value: list[str] = []
        quote = ""
        while i < n:
            ch = line[i]
            if quote:
                if ch == quote:
                    quote = ""
                else:
                    value.append(ch)
            elif ch in "'\"":
                quote = ch
            elif ch == "\\" and i + 1 < n:
                i += 1
                value.append(line[i])
            elif ch.isspace() or ch in _OPERATOR_CHARS:
                break
            else:
                value.append(ch)
            i += 1
        tokens.append(Token(start, i, line[start:i], "".join(value)))
    return tokens


def _command_tokens(tokens: list[Token]) -> list[Token]:
    """The tokens of the last command in a pipeline or list."""
    for index in range(len(tokens) - 1, -1, -1):
        if tokens[index].operator:
            return tokens[index + 1:]
    return tokens


@dataclass
class _Walk:
    """What the words after `kubectl` say: the command chain, its positional arguments,
    the flag still waiting for its value, and which words were flags, verbs or values."""

    chain: list[Command] = field(default_factory=list)
    positionals: list[str] = field(default_factory=list)
    pending: Flag | None = None
    after_dash: bool = False
    roles: list[str] = field(default_factory=list)  # per word: verb, flag, value, arg
    known: bool = True  # False after an unknown verb

    @property
    def cmd(self) -> Command | None:
        return self.chain[-1] if self.chain else None

    def flags(self) -> list[Flag]:
        return [*(self.cmd.flags if self.cmd else []), *GLOBAL_FLAGS]


def _find_flag(flags: Iterable[Flag], word: str) -> Flag | None:
    """The flag a `--name[=v]` or `-x[v]` word names."""
    for flag in flags:
        if word.startswith("--"):
            if word[2:].partition("=")[0] == flag.name:
                return flag
        elif flag.short and word[1:2] == flag.short:
            return flag
    return None


def _takes_value(flag: Flag) -> bool:
    return flag.kind != "bool" and flag.no_opt_default is None


def walk(words: list[str]) -> _Walk:
    """Walk the words after `kubectl` as cobra does (flags anywhere, values of value flags
    skipped, subcommands before the first argument); pure apart from importing a verb."""
    state = _Walk()
    for word in words:
        if state.pending is not None:
            state.pending = None
            state.roles.append("value")
        elif state.after_dash:
            state.roles.append("arg")
        elif word == "--":
            state.after_dash = True
            state.roles.append("flag")
        elif word.startswith("-") and word != "-":
            flag = _find_flag(state.flags(), word)
            attached = "=" in word if word.startswith("--") else len(word) > 2
            if flag is not None and _takes_value(flag) and not attached:
                state.pending = flag
            state.roles.append("flag")
        elif state.cmd is None and state.known:
            found = registry.find(word)
            state.known = found is not None
            state.chain += [found] if found is not None else []
            state.roles.append("verb" if found is not None else "arg")
        elif state.cmd is not None and state.cmd.subcommands and not state.positionals and \
                state.cmd.sub(word) is not None:
            sub = state.cmd.sub(word)
            assert sub is not None
            state.chain.append(sub)
            state.roles.append("verb")
        else:
            state.positionals.append(word)
            state.roles.append("arg")
    return state


def _namespace_flag(words: list[str]) -> str | None:
    """The value of -n/--namespace anywhere in the command, if given."""
    for index, word in enumerate(words):
        if word in ("-n", "--namespace") and index + 1 < len(words):
            return words[index + 1]
        if word.startswith("--namespace="):
            return word.partition("=")[2]
        if word.startswith("-n") and len(word) > 2 and not word.startswith("--"):
            return word[2:].lstrip("=")
    return None


def _flag_meta(flag: Flag) -> str:
    if flag.name in FLAG_HELP:
        return FLAG_HELP[flag.name]
    default = "" if flag.default in (None, "", [], False) else f" (default {flag.default})"
    return ("boolean" if flag.kind == "bool" else flag.kind.replace("str", "string")) + default


@cache
def _verb_help() -> dict[str, str]:
    """Verb -> one-line help, read from the help text: asking the registry for each verb
    would import every command module (a second) on the first Tab."""
    found: dict[str, str] = {}
    for line in registry.help_text().splitlines():
        if line.startswith("  ") and not line.startswith("   "):
            name, _, text = line.strip().partition(" ")
            found[name] = text.strip()
    return found


def _readable_types() -> list[ResourceType]:
    seen: dict[str, ResourceType] = {}
    for rt in RESOURCE_TYPES:
        if "get" in rt.verbs and rt.plural not in seen:
            seen[rt.plural] = rt
    return list(seen.values())


def _age(obj: Obj) -> str:
    try:
        return age_cell(obj, datetime.now(UTC))
    except (TypeError, ValueError):
        return ""


class _NameCache:
    """Object names by (type, namespace), kept `ttl` seconds, fetched by one daemon thread
    (one connection to the daemon, reused) so a lookup waits at most `timeout`."""

    def __init__(self, client: ApiClient | None, ttl: float, timeout: float,
                 clock: Callable[[], float]) -> None:
        self.client, self.ttl, self.timeout, self.clock = client, ttl, timeout, clock
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str | None], tuple[float, list[tuple[str, str]]]] = {}
        self._pending: dict[tuple[str, str | None], threading.Event] = {}
        self._queue: queue.Queue[tuple[ResourceType, str | None]] = queue.Queue()
        self._worker: threading.Thread | None = None

    def names(self, rt: ResourceType, namespace: str | None) -> list[tuple[str, str]]:
        """(name, meta) pairs, or the last ones known (maybe none) when the client is slow."""
        if self.client is None:
            return []
        ns = namespace if rt.namespaced else None
        key = (rt.qualified, ns)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and self.clock() - entry[0] < self.ttl:
                return entry[1]
            event = self._pending.get(key)
            if event is None:
                event = self._pending[key] = threading.Event()
                self._queue.put((rt, ns))
                if self._worker is None:
                    # a daemon thread: a request stuck on a dead socket must not hold exit
                    self._worker = threading.Thread(target=self._work, daemon=True,
                                                    name="kubia-completion")
                    self._worker.start()
        event.wait(self.timeout)
        with self._lock:
            entry = self._entries.get(key)
        return entry[1] if entry is not None else []

    def _work(self) -> None:
        while True:
            rt, ns = self._queue.get()
            names = self._fetch(rt, ns)
            with self._lock:
                self._entries[(rt.qualified, ns)] = (self.clock(), names)
                event = self._pending.pop((rt.qualified, ns), None)
            if event is not None:
                event.set()

    def _fetch(self, rt: ResourceType, ns: str | None) -> list[tuple[str, str]]:
        assert self.client is not None
        try:
            items = self.client.list(rt, ns).get("items") or []
        except Exception:  # a dead daemon, a timeout, a refusal: no names, never a traceback
            return []
        found: list[tuple[str, str]] = []
        for obj in items:
            meta = obj.get("metadata") or {}
            if meta.get("deletionTimestamp"):
                continue
            phase = (obj.get("status") or {}).get("phase") if rt.plural == "pods" else None
            age = _age(obj)
            found.append((str(meta.get("name", "")), ", ".join(p for p in (phase, age) if p)))
        return sorted(found)


class Completer:
    """What can come next at the cursor of a kubectl command line."""

    def __init__(self, client: ApiClient | None, namespace: Callable[[], str], *,
                 cwd: Callable[[], str] = os.getcwd, ttl: float = 2.0, timeout: float = 0.5,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.namespace = namespace
        self.cwd = cwd
        self._names = _NameCache(client, ttl, timeout, clock)

    def complete(self, line: str, cursor: int | None = None) -> list[Candidate]:
        """The candidates for the word at the cursor (end of line by default), best first."""
        cursor = len(line) if cursor is None else cursor
        tokens = _command_tokens(tokenize(line[:cursor]))
        if tokens and tokens[-1].end == cursor and not tokens[-1].operator:
            current, before = tokens[-1], tokens[:-1]
        else:
            current, before = Token(cursor, cursor, "", ""), tokens
        prefix, start = current.value, current.start
        if not before:
            # other first words run in /bin/sh: only `kubectl` is ours to complete
            return [Candidate("kubectl", start, meta="the Kubernetes CLI")] \
                if "kubectl".startswith(prefix) else []
        if before[0].value != "kubectl":
            return []
        words = [t.value for t in before[1:]]
        state = walk(words)
        if state.after_dash or not state.known:
            return []
        # -n may come after the cursor (`get po <Tab> -n kube-system`): read the whole command
        rest = [t for t in tokenize(line) if t.start >= before[0].start]
        end = next((i for i, t in enumerate(rest) if t.operator), len(rest))
        namespace = _namespace_flag([t.value for t in rest[1:end]]) or self.namespace()
        if state.pending is not None:
            return self._values(state, state.pending, prefix, start, namespace)
        flag = _find_flag(state.flags(), prefix) if prefix.startswith("-") else None
        at = _value_start(prefix, flag) if flag is not None else None
        if flag is not None and at is not None:
            return self._values(state, flag, prefix[at:], start + at, namespace)
        if prefix.startswith("-"):
            return _flags(state, prefix, start)
        return self._arguments(state, prefix, start, namespace)

    def _arguments(self, state: _Walk, prefix: str, start: int,
                   namespace: str) -> list[Candidate]:
        cmd = state.cmd
        if cmd is None:
            helps = _verb_help()
            return [Candidate(name, start, meta=helps.get(name, ""))
                    for name in sorted(registry.names()) if name.startswith(prefix)]
        if cmd.subcommands and not state.positionals:
            subs = [Candidate(sub.name, start, meta=sub.short) for sub in
                    sorted(cmd.subcommands.values(), key=lambda c: c.name)
                    if sub.name.startswith(prefix)]
            if subs or cmd.run is None:
                return subs
        verb = state.chain[0].name
        kind = ARGUMENTS.get(verb)
        if verb == "top" and len(state.chain) > 1:
            kind = "pods" if state.chain[1].name == "pod" else "nodes"
        if kind is None:
            return []
        if kind == "nodes":
            return self._objects(resolve("nodes"), prefix, start, namespace, state.positionals)
        if "/" in prefix:
            return self._slash(prefix, start, namespace)
        if kind == "pods":
            return [] if state.positionals else \
                self._objects(resolve("pods"), prefix, start, namespace, [])
        if not state.positionals:
            return _types(verb, prefix, start)
        first = state.positionals[0]
        if kind == "types-only" or "/" in first or "," in first:
            return []
        try:
            rt = resolve(first)
        except UnknownResourceType:
            return []
        return self._objects(rt, prefix, start, namespace, state.positionals[1:])

    def _objects(self, rt: ResourceType, prefix: str, start: int, namespace: str,
                 given: list[str]) -> list[Candidate]:
        return [Candidate(name, start, meta=meta) for name, meta in
                self._names.names(rt, namespace) if name.startswith(prefix) and name not in given]

    def _slash(self, prefix: str, start: int, namespace: str) -> list[Candidate]:
        """`type/name`: the names of that type, keeping the type as typed."""
        typed, _, name = prefix.partition("/")
        try:
            rt = resolve(typed)
        except UnknownResourceType:
            return []
        return [Candidate(f"{typed}/{c.text}", start, display=c.text, meta=c.meta)
                for c in self._objects(rt, name, start, namespace, [])]

    def _values(self, state: _Walk, flag: Flag, prefix: str, start: int,
                namespace: str) -> list[Candidate]:
        pairs: Iterable[tuple[str, str]]
        if flag.name == "output":
            pairs = OUTPUT_VALUES
        elif flag.name == "namespace":
            pairs = self._names.names(resolve("namespaces"), None)
        elif flag.name == "filename":
            pairs = _files(self.cwd(), prefix)
        elif flag.name == "type" and state.cmd is not None:
            pairs = [(v, "") for v in TYPE_VALUES.get(state.chain[0].name, ())]
        else:
            pairs = [(v, "") for v in FLAG_VALUES.get(flag.name, ())]
        return [Candidate(text, start, meta=meta) for text, meta in pairs
                if text.startswith(prefix)]


def _value_start(word: str, flag: Flag) -> int | None:
    """Where the value begins in `--name=v`, `-xv` or `-x=v` (None: no value yet)."""
    if word.startswith("--"):
        return word.index("=") + 1 if "=" in word else None
    if flag.kind == "bool" or len(word) <= 2:
        return None
    return 3 if word[2] == "=" else 2


def _flags(state: _Walk, prefix: str, start: int) -> list[Candidate]:
    """Long forms (`--output=` for flags that take a value), and short ones after one dash."""
    found: list[Candidate] = []
    seen: set[str] = set()
    for flag in state.flags():
        if flag.name in seen:
            continue
        seen.add(flag.name)
        meta = _flag_meta(flag)
        long = f"--{flag.name}" + ("=" if flag.kind != "bool" else "")
        if flag.short and not prefix.startswith("--") and f"-{flag.short}".startswith(prefix):
            found.append(Candidate(f"-{flag.short}", start, meta=meta))
        if long.startswith(prefix):
            found.append(Candidate(long, start, meta=meta))
    return found


def _types(verb: str, prefix: str, start: int) -> list[Candidate]:
    """Type names: plurals, and after a first letter the singular and short forms too."""
    allowed = TYPES_OF.get(verb)
    found: list[Candidate] = []
    if verb in ("get", "delete", "describe") and "all".startswith(prefix):
        found.append(Candidate("all", start, meta="all the workload types"))
    for rt in _readable_types():
        if allowed is not None and rt.plural not in allowed:
            continue
        forms = [rt.plural] if not prefix else [rt.plural, *rt.short_names, rt.singular]
        found += [Candidate(f, start, meta=rt.kind) for f in dict.fromkeys(forms)
                  if f.startswith(prefix)]
    found.sort(key=lambda c: (c.text != prefix, c.text))
    return found


def _files(cwd: str, prefix: str) -> list[tuple[str, str]]:
    """Paths for -f, relative to the shell's directory; directories end in `/`."""
    head, _, tail = prefix.rpartition("/")
    directory = os.path.join(cwd, os.path.expanduser(head or "."))
    if prefix.startswith("/"):
        directory = head or "/"
    try:
        entries = sorted(os.listdir(directory))
    except OSError:
        return []
    found = []
    for entry in entries:
        if not entry.startswith(tail) or (entry.startswith(".") and not tail):
            continue
        path = f"{head}/{entry}" if prefix.count("/") else entry
        is_dir = os.path.isdir(os.path.join(directory, entry))
        found.append((path + ("/" if is_dir else ""), "directory" if is_dir else ""))
    return found


def highlight(line: str) -> list[Span]:
    """Spans for colouring a line: `kubectl` and its verb, resource types, flags, strings."""
    spans: list[Span] = []
    command: list[Token] = []
    tokens = tokenize(line)
    for token in tokens:
        if token.operator:
            spans.append(Span(token.start, token.end, "operator"))
            command = []
            continue
        command.append(token)
        if len(command) == 1:
            spans.append(Span(token.start, token.end, "kubectl" if token.value == "kubectl"
                              else ""))
            continue
        if command[0].value != "kubectl":
            spans.append(Span(token.start, token.end, _quoted(token)))
            continue
        words = [t.value for t in command[1:]]
        state = walk(words)
        role = state.roles[-1] if state.roles else "arg"
        if role == "verb":
            style = "verb"
        elif role == "flag":
            style = "flag"
        elif role == "arg" and ARGUMENTS.get(words[0], "").startswith("types") and \
                state.positionals and len(state.positionals) == 1 and \
                state.positionals[0] == token.value and _is_type(token.value.partition("/")[0]):
            end = token.start + len(token.raw.partition("/")[0])
            spans.append(Span(token.start, end, "resource"))
            if end < token.end:
                spans.append(Span(end, token.end, ""))
            continue
        else:
            style = _quoted(token)
        spans.append(Span(token.start, token.end, style))
    return spans


def _quoted(token: Token) -> str:
    return "string" if token.raw[:1] in "'\"" else ""


def _is_type(word: str) -> bool:
    try:
        resolve(word)
    except UnknownResourceType:
        return all(part and _is_type(part) for part in word.split(",")) if "," in word \
            else word == "all"
    return True
