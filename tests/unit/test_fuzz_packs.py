"""Fuzzing lesson packs: docs/example-pack with mutations (broken YAML, wrong types, missing
keys, weird paths, huge files, binary content, symlinks that lead out, loop or dangle,
directories where files belong). `load_pack` and `validate_pack` either succeed or raise
PackError whose problems read `file[:line]: message`, never another exception and never a hang.

Short run by default; `KUBIA_FUZZ_EXAMPLES=100000` (any number) runs that many examples per
test with a random seed (see tests/unit/fuzz_settings.py).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from fuzz_settings import PYTHON_INTERNALS, bounded, broken_text, dump, fuzz_settings, mutated_doc
from hypothesis import example, given
from hypothesis import strategies as st

from kubia_tutor.lessons.loader import load_pack
from kubia_tutor.lessons.problems import PackError
from kubia_tutor.lessons.validate import validate_pack

EXAMPLE_PACK = Path(__file__).resolve().parents[2] / "docs" / "example-pack"
FILES = {p.name: p.read_bytes() for p in sorted(EXAMPLE_PACK.iterdir())}
FRONT = "---\n"

WEIRD_PATHS = st.sampled_from([
    "../labels.md", "/etc/passwd", "a\0b", "dir/", "", ".", "..", "labels.md/", "./labels.md",
    "sub/../labels.md", "x" * 300, "x/" * 3000, "~/.bashrc", "C:\\x.md", "labels.MD",
    "out.md", "loop.md", "dangling.md", "self.md", "subdir", "subdir/a.yaml", "pack.yaml",
    "labels.md\n", " labels.md", "\u202elabels.md", "日本.md", "%2e%2e/x", "file:///etc/passwd",
])


@st.composite
def _edit_yaml(draw: st.DrawFn, text: str) -> str:
    """A structural mutation of a YAML file, or of a Markdown lesson's front matter."""
    front, body = "", text
    if text.startswith(FRONT) and FRONT in text[len(FRONT):]:
        end = text.index(FRONT, len(FRONT))
        front, body = text[len(FRONT):end], text[end + len(FRONT):]
    source = front if front else body
    try:
        doc = yaml.safe_load(source)
    except yaml.YAMLError:
        return text
    if draw(st.booleans(), label="weird path"):
        # weird paths where the pack names files: its lesson list, a lesson's files
        if isinstance(doc, dict) and isinstance(doc.get("lessons"), list) and doc["lessons"]:
            i = draw(st.integers(0, len(doc["lessons"]) - 1), label="lesson")
            doc["lessons"][i] = draw(WEIRD_PATHS, label="path")
        elif isinstance(doc, dict):
            files = doc.get("files")
            files = files if isinstance(files, dict) else {}
            files[draw(WEIRD_PATHS, label="path")] = "x: 1\n"
            doc["files"] = files
    else:
        doc = draw(mutated_doc(doc))
    new = dump(doc, draw(st.sampled_from(["yaml", "yaml", "json"]), label="style"))
    return f"{FRONT}{new}{FRONT}{body}" if front else new


# Link loops once escaped load_pack (test_symlink_loop_is_a_pack_error below).
KNOWN_BUGS: list[str] = ["symlink-loop", "symlink-self"]


@st.composite
def pack_change(draw: st.DrawFn, files: dict[str, bytes]) -> tuple[str, str, bytes | None]:
    """One change to the pack: (what, file name, new content or None for non-content)."""
    name = draw(st.sampled_from([*sorted(files), "extra.yaml"]), label="file")
    text = files.get(name, b"").decode("utf-8", errors="replace")
    what = draw(st.sampled_from(["yaml", "yaml", "yaml", "text", "binary", "huge", "empty",
                                 "delete", "symlink-out", "symlink-dangling",
                                 "symlink-root", "directory", *KNOWN_BUGS,
                                 "bom", "crlf"]), label="change")
    if what == "yaml":
        return what, name, draw(_edit_yaml(text)).encode("utf-8", errors="surrogatepass")
    if what == "text":
        return what, name, draw(broken_text(text)).encode("utf-8", errors="surrogatepass")
    if what == "binary":
        return what, name, draw(st.binary(max_size=200), label="bytes")
    if what == "huge":  # over the 512 KiB limit of one file
        return what, name, text.encode() + b"# " + b"x" * (600 * 1024) + b"\n"
    if what == "empty":
        return what, name, b""
    if what == "bom":
        return what, name, b"\xef\xbb\xbf" + text.encode()
    if what == "crlf":
        return what, name, text.replace("\n", "\r\n").encode()
    return what, name, None


def build_pack(root: Path, changes: list[tuple[str, str, bytes | None]]) -> Path:
    """The example pack in `root/pack`, with the changes made; `root/outside` is a file
    outside the pack."""
    pack = root / "pack"
    shutil.copytree(EXAMPLE_PACK, pack)
    (root / "outside").write_text("id: outside\ntitle: O\nsteps: []\n")
    for what, name, content in changes:
        target = pack / name
        if target.is_symlink() or target.is_file():
            target.unlink()
        elif target.is_dir():
            shutil.rmtree(target)
        if content is not None:
            target.write_bytes(content)
        elif what == "symlink-out":
            target.symlink_to(root / "outside")
        elif what == "symlink-loop":
            (pack / "loop.md").unlink(missing_ok=True)
            (pack / "loop.md").symlink_to(target)
            target.symlink_to(pack / "loop.md")
        elif what == "symlink-self":
            target.symlink_to(target)
        elif what == "symlink-dangling":
            target.symlink_to(pack / "nowhere" / "at-all.md")
        elif what == "symlink-root":  # a link to a directory that holds it
            target.symlink_to(pack)
        elif what == "directory":
            target.mkdir()
            (target / "a.yaml").write_text("id: a\n")
        # "delete": nothing more
    return pack


def check_pack(pack: Path) -> None:
    """load_pack and validate_pack: a Pack, or PackError with well-formed problems."""
    for run in (load_pack, validate_pack):
        try:
            bounded(f"{run.__name__}({pack})", lambda run=run: run(pack))  # type: ignore[misc]
        except PackError as err:
            assert err.problems, f"{run.__name__}: PackError without problems"
            for problem in err.problems:
                text = str(problem)
                assert problem.file, text
                assert problem.message.strip(), text
                assert problem.line is None or problem.line >= 1, text
                assert text.startswith(f"{problem.file}:"), text
                leak = PYTHON_INTERNALS.search(problem.message)
                assert leak is None, f"{run.__name__}: Python internals in {text!r}"


@fuzz_settings(60)
@given(changes=st.lists(pack_change(FILES), min_size=1, max_size=4))
@example(changes=[("symlink-root", "extra.yaml", None)])
@example(changes=[("yaml", "pack.yaml",
                   b"id: p\ntitle: P\nversion: '1'\nlessons: ['" + b"x/" * 3000 + b"']\n")])
def test_mutated_example_pack(changes: list[tuple[str, str, bytes | None]]) -> None:
    with tempfile.TemporaryDirectory(prefix="fuzz-pack-") as root:
        check_pack(build_pack(Path(root), changes))


@fuzz_settings(30)
@given(files=st.dictionaries(st.sampled_from(["pack.yaml", "a.md", "b.yaml", "labels.md",
                                               "replicas.yaml"]),
                             st.one_of(st.binary(max_size=300),
                                       st.text(max_size=300).map(
                                           lambda t: t.encode("utf-8", "surrogatepass"))),
                             min_size=1))
def test_random_files(files: dict[str, bytes]) -> None:
    """Packs made of arbitrary bytes under the expected names."""
    with tempfile.TemporaryDirectory(prefix="fuzz-pack-") as root:
        pack = Path(root) / "pack"
        pack.mkdir()
        for name, data in files.items():
            (pack / name).write_bytes(data)
        check_pack(pack)


def test_the_example_pack_is_valid() -> None:
    """The base every mutation starts from is itself a valid pack."""
    with tempfile.TemporaryDirectory(prefix="fuzz-pack-") as root:
        pack = build_pack(Path(root), [])
        assert [lesson.id for lesson in validate_pack(pack).lessons] == ["labels", "replicas"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_as_a_lesson_does_not_hang(tmp_path: Path) -> None:
    pack = build_pack(tmp_path, [("delete", "labels.md", None)])
    os.mkfifo(pack / "labels.md")
    check_pack(pack)


@pytest.mark.parametrize("change", ["symlink-loop", "symlink-self"])
def test_symlink_loop_is_a_pack_error(tmp_path: Path, change: str) -> None:
    check_pack(build_pack(tmp_path, [(change, "labels.md", None)]))
