"""Shared pieces of the fuzz tests (tests/unit/test_fuzz_*.py): hypothesis profiles, a time
bound per case, and what "a kubectl-shaped error, never Python internals" means.

Run length: a short run by default (a few dozen examples per test, derandomized so a CI run is
reproducible); `KUBIA_FUZZ_EXAMPLES=<n>` runs n examples per test with a random seed, e.g.

    KUBIA_FUZZ_EXAMPLES=100000 .venv/bin/pytest tests/unit/test_fuzz_kubectl.py

Hypothesis keeps the failing examples it finds in `.hypothesis/` and replays them first.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import yaml
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

ENV = "KUBIA_FUZZ_EXAMPLES"
LONG_EXAMPLES = int(os.environ.get(ENV, "0") or "0")

_CHECKS = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large,
           HealthCheck.function_scoped_fixture, HealthCheck.large_base_example]

settings.register_profile("kubia-fuzz", deadline=None, derandomize=True, max_examples=50,
                          suppress_health_check=_CHECKS, print_blob=True)
settings.register_profile("kubia-fuzz-long", deadline=None, derandomize=False,
                          max_examples=max(LONG_EXAMPLES, 1), suppress_health_check=_CHECKS,
                          print_blob=True)


def fuzz_settings(short: int) -> settings:
    """The settings of one fuzz test: `short` examples, or KUBIA_FUZZ_EXAMPLES when set."""
    if LONG_EXAMPLES > 0:
        return settings(settings.get_profile("kubia-fuzz-long"))
    return settings(settings.get_profile("kubia-fuzz"), max_examples=short)


T = TypeVar("T")

# One case that takes longer than this is a hang (a normal case takes milliseconds).
CASE_TIMEOUT = 20.0


class Hang(AssertionError):
    """A case did not finish within its time bound."""


def bounded(what: str, run: Callable[[], T], seconds: float = CASE_TIMEOUT) -> T:
    """`run()` in a daemon thread; fails the test (Hang) when it takes more than `seconds`.

    Its exceptions are raised again here, so the test sees them as its own."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = run()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=target, name=f"fuzz case: {what[:40]}", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise Hang(f"no answer after {seconds:.0f} s: {what!r}")
    if "error" in box:
        raise box["error"]
    result: T = box["value"]
    return result


# What Python leaks when an exception escapes: never shown to a learner.
PYTHON_INTERNALS = re.compile(
    r"Traceback \(most recent call last\)|internal error in kubia-tutor|"
    r"object has no attribute|NoneType|object is not (subscriptable|iterable|callable)|"
    r"\b(KeyError|TypeError|AttributeError|ValueError|IndexError|RecursionError|"
    r"UnicodeDecodeError|UnicodeEncodeError|ZeroDivisionError|OverflowError|"
    r"AssertionError|NameError|StopIteration|JSONDecodeError|OSError|"
    r"FileNotFoundError|IsADirectoryError|PermissionError)\b|"
    r"unsupported operand type|not supported between instances of|"
    r"must be str, not|can't concat|File \"[^\"]+\.py\", line \d+")

# The first words of the error lines kubectl prints.
KUBECTL_ERROR = re.compile(
    r"^(error: |Error: |Error from server|The \S+ \S+ is invalid|The connection to the server|"
    r"Unable to |unable to |No resources found|error when |error validating |"
    r"error parsing |error converting |warning: |command terminated with exit code \d+$)",
    re.MULTILINE)


def assert_clean(command: str, out: str, err: str, code: int) -> None:
    """Exit 0, or a kubectl-shaped error on stderr and a non-zero status; never Python's
    internals in either stream."""
    for name, text in (("stdout", out), ("stderr", err)):
        leak = PYTHON_INTERNALS.search(text)
        assert leak is None, (f"{command!r}: Python internals ({leak.group(0)!r}) on {name}:"
                              f"\n--- stdout\n{out}--- stderr\n{err}--- exit {code}")
    if code != 0:
        assert KUBECTL_ERROR.search(err), (
            f"{command!r}: exit {code} without a kubectl-style error on stderr:"
            f"\n--- stdout\n{out}--- stderr\n{err}")


# ---------------------------------------------------------------------------------------------
# Mutating parsed YAML documents and YAML text (manifests and lesson packs)

YAML_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=20)
ODD_TEXT = st.one_of(
    YAML_TEXT,
    st.text(max_size=12),  # lone surrogates too (written as JSON \\u escapes)
    st.sampled_from(["", " ", "\u202e", "\ufeff", "\u0000", "日本語", "\U0001f600", "a" * 5000,
                     "KUBIA", "kubia_manual", "-kubia", "kubia.", "1", "0x10", "1e3", "yes",
                     "~", "null", "<<", "*a", "&a", "!!binary", "%YAML", "---", "...", "{",
                     "1Gi", "-1Gi", "100Ei", "1.5.5", "m", "1000000000000000000000000Gi"]))
WRONG = st.one_of(
    st.none(), st.booleans(),
    st.integers(), st.sampled_from([-1, 0, 2**31, 2**63, 2**64, -(2**63) - 1, 10**30, 10**400]),
    st.floats(), ODD_TEXT,
    st.lists(st.one_of(st.integers(), YAML_TEXT, st.none()), max_size=3),
    st.dictionaries(YAML_TEXT, st.one_of(st.integers(), YAML_TEXT, st.none()), max_size=3),
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path into a parsed document (keys and list indexes), the root included."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, (*prefix, index))


def _parent(doc: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        doc = doc[step]
    return doc


@st.composite
def mutated_doc(draw: st.DrawFn, base: Any) -> Any:
    """A copy of a parsed manifest with one to three structural mutations."""
    doc = json.loads(json.dumps(base))
    for _ in range(draw(st.integers(1, 3), label="mutations")):
        all_paths = list(paths(doc))
        path = draw(st.sampled_from(all_paths), label="path")
        op = draw(st.sampled_from(["wrong", "delete", "unknown", "rename", "empty", "dup-item"]),
                  label="op")
        if not path:  # the root itself
            if op in ("wrong", "empty"):
                doc = draw(WRONG, label="root") if op == "wrong" else {}
            continue
        parent, last = _parent(doc, path), path[-1]
        if op == "wrong":
            parent[last] = draw(WRONG, label="value")
        elif op == "delete":
            del parent[last]
        elif op == "unknown" and isinstance(parent[last], dict):
            parent[last][draw(ODD_TEXT, label="key")] = draw(WRONG, label="value")
        elif op == "rename" and isinstance(parent, dict):
            parent[draw(ODD_TEXT, label="key")] = parent.pop(last)
        elif op == "empty":
            parent[last] = draw(st.sampled_from([{}, [], "", None, 0]), label="empty")
        elif op == "dup-item" and isinstance(parent, list):
            parent.insert(last, json.loads(json.dumps(parent[last])))
    return doc


def dump(doc: Any, style: str) -> str:
    """A document as YAML or JSON text (values YAML cannot hold go as JSON)."""
    if style == "json":
        return json.dumps(doc, indent=2)
    try:
        text: str = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    except (yaml.YAMLError, UnicodeError):
        return json.dumps(doc)
    return text


@st.composite
def broken_text(draw: st.DrawFn, text: str) -> str:
    """Text-level damage: duplicate keys, cut files, stray characters, tabs, BOMs."""
    lines = text.splitlines(keepends=True) or ["\n"]
    op = draw(st.sampled_from(["dup-line", "cut", "insert", "tab", "bom", "indent", "swap"]),
              label="text-op")
    i = draw(st.integers(0, len(lines) - 1), label="line")
    if op == "dup-line":  # a key given twice
        lines.insert(i, lines[i])
    elif op == "cut":
        return text[: draw(st.integers(0, len(text)), label="keep")]
    elif op == "insert":
        junk = draw(st.one_of(st.sampled_from([":", "- ", "[", "{", "}", "]", "&a ", "*a", "!!",
                                               "|", ">", "#", "'", '"', "%", "@", "`", "\t",
                                               "? ", "<<: *a\n", "\\"]), YAML_TEXT), label="junk")
        at = draw(st.integers(0, len(lines[i])), label="col")
        lines[i] = lines[i][:at] + junk + lines[i][at:]
    elif op == "tab":
        lines[i] = lines[i].replace("  ", "\t", 1)
    elif op == "bom":
        lines.insert(0, "\ufeff")
    elif op == "indent":
        lines[i] = " " + lines[i]
    else:
        j = draw(st.integers(0, len(lines) - 1), label="other")
        lines[i], lines[j] = lines[j], lines[i]
    return "".join(lines)
