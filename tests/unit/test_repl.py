"""The interactive shell, driven through prompt-toolkit's pipe input: Tab, history, commands."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from harness import SERVER
from prompt_toolkit.document import Document
from prompt_toolkit.input import PipeInput, create_pipe_input
from prompt_toolkit.output import DummyOutput

from kubia_tutor.api.kinds import resolve
from kubia_tutor.daemon.cluster import Cluster
from kubia_tutor.shell.kubeconfig import KubeConfig
from kubia_tutor.shell.repl import HISTORY_FILE, CommandLexer, Repl
from kubia_tutor.shell.session import Session

UP, CTRL_C, CTRL_D, CTRL_R, TAB = "\x1b[A", "\x03", "\x04", "\x12", "\t"


class Driven:
    """A REPL running in a thread, typed at through a pipe."""

    def __init__(self, cluster: Cluster, state_dir: Path, pipe: PipeInput) -> None:
        self.out, self.err = io.StringIO(), io.StringIO()
        session = Session(cluster.api, KubeConfig(None, SERVER), out=self.out, err=self.err,
                          server=SERVER, state_dir=str(state_dir), cwd=str(state_dir),
                          now=cluster.clock.now)
        self.pipe = pipe
        self.repl = Repl(session, input=pipe, output=DummyOutput())
        self.status: int | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        self.status = self.repl.run()

    def type(self, text: str) -> None:
        self.pipe.send_text(text)

    def until(self, check: Callable[[], bool], what: str) -> None:
        """Wait (bounded) for the REPL, which runs in its own thread, to get there."""
        deadline = time.monotonic() + 10
        while not check():
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            time.sleep(0.01)

    def tab(self) -> None:
        """Press Tab once the menu that typing opens is there (complete_while_typing runs in
        a thread; a key pressed before it lands would race it)."""
        buffer = self.repl.prompt.default_buffer

        def menu_for_this_text() -> bool:
            state = buffer.complete_state
            return bool(state and state.completions and
                        state.original_document.text == buffer.text)

        self.until(menu_for_this_text, "the completion menu")
        self.type(TAB)

    def buffer_is(self, text: str) -> None:
        self.until(lambda: self.repl.prompt.default_buffer.text == text, repr(text))

    def leave(self) -> int:
        self.type(CTRL_D)
        self.thread.join(10)
        assert not self.thread.is_alive()
        assert self.status is not None
        return self.status


@pytest.fixture
def driven(cluster: Cluster, tmp_path: Path) -> Iterator[Callable[[], Driven]]:
    started: list[Driven] = []
    with ExitStack() as pipes:

        def start() -> Driven:
            started.append(Driven(cluster, tmp_path, pipes.enter_context(create_pipe_input())))
            return started[-1]

        yield start
        for repl in started:
            if repl.thread.is_alive():
                repl.type(CTRL_D)
                repl.thread.join(10)


def test_tab_completes_and_the_command_runs(driven: Callable[[], Driven]) -> None:
    shell = driven()
    shell.type("kubectl ge")
    shell.tab()
    shell.buffer_is("kubectl get")
    shell.type(" namespa")
    shell.tab()  # namespace, then namespaces: Tab takes the first
    shell.buffer_is("kubectl get namespace")
    shell.type("s\r")
    shell.until(lambda: "kube-system" in shell.out.getvalue(), "the namespaces table")
    assert shell.out.getvalue().splitlines()[1].split() == ["NAME", "STATUS", "AGE"]
    assert shell.leave() == 0


def test_live_names_complete(cluster: Cluster, driven: Callable[[], Driven]) -> None:
    cluster.api.create(resolve("pods"), "default", {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "kubia-manual"},
        "spec": {"containers": [{"name": "kubia", "image": "luksa/kubia"}]}})
    shell = driven()
    shell.type("kubectl get po kub")
    shell.tab()
    shell.buffer_is("kubectl get po kubia-manual")
    shell.type(" -o name\r")
    shell.until(lambda: "pod/kubia-manual\n" in shell.out.getvalue(), "the pod's name")
    assert shell.leave() == 0


def test_history_persists_and_ctrl_r_searches_it(driven: Callable[[], Driven],
                                                 tmp_path: Path) -> None:
    first = driven()
    first.type("kubectl get ns default\r")
    first.until(lambda: "default" in first.out.getvalue().partition("\n")[2], "the table")
    first.type("kubectl get nodes\r")
    first.until(lambda: "minikube" in first.out.getvalue(), "the nodes")
    first.leave()
    assert "kubectl get nodes" in (tmp_path / HISTORY_FILE).read_text()

    second = driven()
    second.type(UP)
    second.buffer_is("kubectl get nodes")
    second.type(CTRL_C)  # drops the recalled line
    second.buffer_is("")
    second.type(CTRL_R)
    second.type("ns def")
    second.until(lambda: second.repl.prompt.search_buffer.text == "ns def", "the search")
    second.type("\r")  # ends the search, keeping the line found
    second.buffer_is("kubectl get ns default")
    second.type("\r")
    second.until(lambda: "Active" in second.out.getvalue(), "the namespace")
    assert second.leave() == 0


def test_ctrl_c_runs_nothing_and_exit_status_is_the_last_commands(
        driven: Callable[[], Driven]) -> None:
    shell = driven()
    shell.type("kubectl get pods nothing-here")
    shell.buffer_is("kubectl get pods nothing-here")
    shell.type(CTRL_C)
    shell.buffer_is("")
    shell.type("kubectl get pods nothing-here\r")
    shell.until(lambda: "NotFound" in shell.err.getvalue(), "the error")
    assert shell.err.getvalue().count("NotFound") == 1
    assert shell.leave() == 1


def test_the_lexer_styles_the_line() -> None:
    line = "kubectl get po -o 'yaml'"
    fragments = CommandLexer().lex_document(Document(line))(0)
    assert "".join(text for _, text in fragments) == line
    assert [style for style, text in fragments if text.strip()] == [
        "class:kubectl", "class:verb", "class:resource", "class:flag", "class:string"]


def test_the_prompt_shows_the_current_namespace(driven: Callable[[], Driven]) -> None:
    shell = driven()
    assert shell.repl.message()[0][1] == "default"
    shell.type("kubectl config set-context --current --namespace=kube-system\r")
    shell.until(lambda: "modified" in shell.out.getvalue(), "the context change")
    assert shell.repl.message()[0][1] == "kube-system"
    shell.leave()
