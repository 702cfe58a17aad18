"""Fuzzing kubectl command lines: random tokens and mutated lines from the book, run through
the in-process shell. Whatever the line, the answer is exit 0 or a kubectl-style one-line
error with a non-zero status, never a Python traceback or Python's words, and never a hang.

Short run by default; `KUBIA_FUZZ_EXAMPLES=100000` (any number) runs that many examples per
test with a random seed (see tests/unit/fuzz_settings.py).

Lines that wait for the user by design (`get -w`, `logs -f`, `run -it`, `edit`, which opens
an editor) are left out: they block in real kubectl too.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fuzz_settings import assert_clean, bounded, fuzz_settings
from harness import Result, Shell, wait_quiet
from hypothesis import example, given
from hypothesis import strategies as st

from kubia_tutor.clock import FakeClock
from kubia_tutor.daemon.cluster import Cluster
from kubia_tutor.shell.session import needs_shell

# The cluster's controller threads use `random` (generated names) while hypothesis draws.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Do not use the `random` module inside strategies")

VERBS = [
    "get", "describe", "create", "apply", "delete", "label", "annotate", "scale", "expose",
    "run", "logs", "explain", "api-resources", "api-versions", "cluster-info", "version",
    "config", "set", "rollout", "patch", "exec", "top", "autoscale", "cordon", "uncordon",
    "drain", "wait", "replace", "port-forward", "attach", "proxy", "completion", "help",
    "frobnicate", "",
]
SUBWORDS = [
    "image", "history", "undo", "pause", "resume", "status", "restart", "view", "use-context",
    "set-context", "current-context", "get-contexts", "configmap", "secret", "generic",
    "namespace", "deployment", "service", "nodeport", "clusterip", "job", "cronjob",
    "serviceaccount", "quota", "docker-registry", "tls", "node", "pod",
]
RESOURCES = [
    "po", "pod", "pods", "rc", "replicationcontroller", "rs", "replicaset", "svc", "service",
    "deploy", "deployment", "deployments.apps", "ds", "daemonset", "job", "jobs", "cronjob",
    "cj", "cm", "configmap", "secret", "secrets", "ns", "namespace", "node", "nodes", "no",
    "pv", "pvc", "ep", "endpoints", "ing", "ingress", "sts", "statefulset", "hpa", "quota",
    "limits", "limitrange", "sa", "events", "ev", "all", "pods,svc", "po,rc,svc",
    "po/kubia-manual", "rc/kubia", "deploy/kubia", "svc/kubia", "pod/", "/kubia", "Frobnicator",
    "storageclass", "sc", "pods.v1.", "componentstatuses", "cs",
]
NAMES = [
    "kubia", "kubia-manual", "kubia-gpu", "kubia-liveness", "kubia-rc", "kubia-svc",
    "default", "kube-system", "minikube", "fortune-config", "custom-namespace", "batch-job",
    "x", "-", "--", "a" * 300, "Kubia_Manual", "kubia.", "kubia-", "0", "kubia manual",
    "kubia-manual.yaml", "kubia-rc.yaml", "nonexistent.yaml", ".", "..", "/", "/dev/null",
]
FLAGS = [
    "-o", "wide", "yaml", "json", "name", "-o=json", "-oyaml",
    "-o=jsonpath={.items[*].metadata.name}",
    "-o=jsonpath={.items[0", "-o", "jsonpath={.spec.containers[-1].image}",
    "-o=custom-columns=NAME:.metadata.name,IP:.status.podIP", "-o=custom-columns=",
    "-o=go-template",
    "--template={{.metadata.name}}", "--template={{", "-o=template",
    "--show-labels", "-l", "--selector", "-L", "--label-columns", "-n", "--namespace",
    "--all-namespaces", "-A", "--replicas=3", "--replicas=-1", "--replicas=abc", "--replicas",
    "--replicas=99999999999999999999", "--overwrite", "--dry-run", "--dry-run=client",
    "--dry-run=server", "--dry-run=bogus", "--image=luksa/kubia", "--image=", "--port=8080",
    "--port=-1", "--port=99999", "--generator=run-pod/v1", "--generator=nope",
    "--grace-period=0", "--grace-period=-5", "--force", "--timeout=1s", "--timeout=-1s",
    "--timeout=abc", "--record", "--type=NodePort", "--type=Nope", "--field-selector",
    "--field-selector=status.phase=Running", "--field-selector=spec.nodeName==",
    "--sort-by=.metadata.name", "--sort-by={.status", "--sort-by=", "-f", "--filename",
    "--recursive", "-R", "--all", "--cascade=false", "--cascade=orphan", "--cascade=maybe",
    "--from-literal=a=b", "--from-literal=", "--from-literal==", "--from-file=kubia-manual.yaml",
    "--from-file=nope", "--from-file=k=kubia-rc.yaml", "--to-revision=99", "--to-revision=-1",
    "--previous", "--tail=5", "--tail=-1", "--tail=x", "-c", "--container", "--since=1h",
    "--since=x", "--revision=2", "--min=2", "--max=5", "--cpu-percent=30", "--min=-3",
    "--max=0", "--target-port=8080", "--name=kubia-http", "--output", "-h", "--help",
    "--ignore-daemonsets", "--delete-local-data", "--for=condition=Ready", "--for=delete",
    "--for=", "--local", "--type=merge", "--type=json", "--type=strategic", "-p",
    "--patch", '{"spec":{"replicas":2}}', '{"spec":', '[{"op":"remove","path":"/x"}]',
    "--current-replicas=1", "--resource-version=1", "--no-headers", "--raw", "--watch=false",
    "--show-kind", "--export", "--validate=false", "--save-config", "--prune", "-k", "--v=9",
    "-v", "9", "--kubeconfig=/nonexistent", "--context=nope", "--cluster=nope", "--user=x",
    "--server=http://127.0.0.1:1", "--request-timeout=1s", "--chunk-size=0", "--schema-cache-dir",
    "--=", "---", "--o", "-oo", "-n=", "--namespace=", "--namespace=Bad_NS",
]
VALUES = [
    "creation_method=manual", "env=prod", "env=debug", "env-", "app=kubia", "app!=kubia",
    "app in (kubia,foo)", "!app", "app=", "=x", "a=b=c", "foo-bar=", "gpu=true",
    "mycompany.com/someannotation=foo bar", "mycompany.com/", "x/y/z=1", "3", "-1", "0",
    "1e9", "99999999999999999999", "3.5", "true", "null", "{}", "[]", "8080:8080", "8888:8080",
    ":", "luksa/kubia:v2", "kubia=luksa/kubia:v3", "nginx=", "--", "sh", "ls", "env",
    "KUBERNETES_SERVICE_HOST", "é", "\u202e", "\u0000", "日本", "\U0001f600", "\t", " ",
]
# junk tokens: anything but NUL (which a command line cannot hold)
JUNK = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"),
               max_size=30)
TOKEN = st.one_of(st.sampled_from(RESOURCES), st.sampled_from(NAMES), st.sampled_from(FLAGS),
                  st.sampled_from(VALUES), st.sampled_from(SUBWORDS), JUNK)

BOOK_LINES = [
    "kubectl get pods -o wide",
    "kubectl get po kubia-manual -o yaml",
    "kubectl get po kubia-manual -o json",
    "kubectl create -f kubia-manual.yaml",
    "kubectl create -f kubia-rc.yaml",
    "kubectl apply -f kubia-rc.yaml",
    "kubectl scale rc kubia --replicas=3",
    "kubectl scale rc kubia --replicas=10",
    "kubectl label po kubia-manual creation_method=manual --overwrite",
    "kubectl label po kubia-manual-v2 env=debug --overwrite",
    "kubectl get po --show-labels",
    "kubectl get po -L creation_method,env",
    "kubectl get po -l creation_method=manual",
    "kubectl get po -l '!env'",
    "kubectl get po -l 'env in (prod,devel)'",
    "kubectl annotate pod kubia-manual mycompany.com/someannotation=\"foo bar\"",
    "kubectl describe pod kubia-manual",
    "kubectl get ns",
    "kubectl create namespace custom-namespace",
    "kubectl create -f kubia-manual.yaml -n custom-namespace",
    "kubectl delete po kubia-gpu",
    "kubectl delete po -l creation_method=manual",
    "kubectl delete ns custom-namespace",
    "kubectl delete po --all",
    "kubectl delete all --all",
    "kubectl get rc",
    "kubectl describe rc kubia",
    "kubectl edit rc kubia",
    "kubectl delete rc kubia --cascade=false",
    "kubectl expose rc kubia --type=LoadBalancer --name kubia-http",
    "kubectl run kubia --image=luksa/kubia --port=8080 --generator=run/v1",
    "kubectl get svc",
    "kubectl get endpoints kubia",
    "kubectl exec kubia-manual -- curl -s http://10.111.249.153",
    "kubectl logs kubia-manual",
    "kubectl logs kubia-manual -c kubia --previous",
    "kubectl get po -o custom-columns=POD:metadata.name,NODE:spec.nodeName --sort-by spec.nodeName",
    "kubectl get po -o jsonpath='{.items[*].metadata.name}'",
    "kubectl explain pods",
    "kubectl explain pod.spec",
    "kubectl get jobs",
    "kubectl create configmap fortune-config --from-literal=sleep-interval=25",
    "kubectl create secret generic fortune-https --from-file=kubia-manual.yaml",
    "kubectl set image deployment kubia nodejs=luksa/kubia:v2",
    "kubectl rollout status deployment kubia",
    "kubectl rollout history deployment kubia",
    "kubectl rollout undo deployment kubia --to-revision=1",
    "kubectl rollout pause deployment kubia",
    "kubectl patch deployment kubia -p '{\"spec\": {\"minReadySeconds\": 10}}'",
    "kubectl autoscale deployment kubia --cpu-percent=30 --min=1 --max=5",
    "kubectl top pod",
    "kubectl cordon minikube",
    "kubectl uncordon minikube",
    "kubectl get events --sort-by=.metadata.creationTimestamp",
    "kubectl config set-context --current --namespace custom-namespace",
    "kubectl config use-context minikube",
    "kubectl wait --for=condition=Ready pod/kubia-manual --timeout=1s",
    "kubectl api-resources",
    "kubectl cluster-info",
]

MANUAL = """\
apiVersion: v1
kind: Pod
metadata:
  name: kubia-manual
spec:
  containers:
  - image: luksa/kubia
    name: kubia
    ports:
    - containerPort: 8080
      protocol: TCP
"""
RC = """\
apiVersion: v1
kind: ReplicationController
metadata:
  name: kubia
spec:
  replicas: 3
  selector:
    app: kubia
  template:
    metadata:
      labels:
        app: kubia
    spec:
      containers:
      - name: kubia
        image: luksa/kubia
        ports:
        - containerPort: 8080
"""

# Flags and verbs that wait for the user (or an editor) by design.
_WAITING = {"-w", "--watch", "--watch-only", "-f", "--follow", "-i", "-t", "-it", "-ti",
            "--stdin", "--tty", "--attach", "--attach=true", "-w=true", "--watch=true",
            "--stdin=true", "--tty=true", "--follow=true", "-f=true"}


def waits_by_design(words: list[str]) -> bool:
    """True for the lines real kubectl would also leave waiting: watches, follows, attached
    runs, and the editor."""
    verbs = [w for w in words if not w.startswith("-")]
    if "edit" in verbs:
        return True
    if any(w in ("-w", "--watch", "--watch-only") or w.startswith(("--watch=", "--watch-only="))
           for w in words):
        return True
    if {"logs", "run", "exec", "attach"} & set(verbs):
        return any(w in _WAITING or (w.startswith("-") and not w.startswith("--")
                                     and len(w) > 2 and set(w[1:]) & set("fitw"))
                   for w in words)
    return False


def command_line(words: list[str]) -> str:
    return "kubectl " + " ".join(shlex.quote(w) for w in words)


@pytest.fixture(scope="module")
def fuzz_shell(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shell]:
    """One started cluster for the whole module: state left by one case is the next one's
    playground, as in a learner's session."""
    cluster = Cluster(None, "fake", clock=FakeClock(datetime(2026, 11, 28, 6, 0, 0, tzinfo=UTC)))
    cluster.start()
    wait_quiet(cluster)
    shell = Shell(cluster, tmp_path_factory.mktemp("fuzz-kubectl"))
    shell.write("kubia-manual.yaml", MANUAL)
    shell.write("kubia-rc.yaml", RC)
    shell.write("dir/kubia-manual.yaml", MANUAL)
    yield shell
    cluster.stop()


def run_line(shell: Shell, line: str) -> Result:
    """Run one line under the time bound and check what it printed."""
    assert not needs_shell(line), f"the fuzzer made a /bin/sh line: {line!r}"
    result = bounded(line, lambda: shell.run(line, settle=False))
    assert_clean(line, result.out, result.err, result.code)
    return result


@fuzz_settings(80)
@given(verb=st.sampled_from(VERBS), words=st.lists(TOKEN, max_size=8))
@example(verb="get", words=["pods", "-o", "wide"])
@example(verb="scale", words=["rc", "kubia", "--replicas=abc"])
@example(verb="label", words=["po", "kubia-manual", "=x"])
@example(verb="get", words=["po", "-o=jsonpath={.items[0"])
@example(verb="create", words=["-f", "/dev/null"])
@example(verb="create", words=["-f", "."])
def test_random_tokens(fuzz_shell: Shell, verb: str, words: list[str]) -> None:
    argv = [verb, *words] if verb else words
    if waits_by_design(argv):
        return
    run_line(fuzz_shell, command_line(argv))


def _mutate(words: list[str], data: st.DataObject) -> list[str]:
    """One random change to a book line's words."""
    op = data.draw(st.sampled_from(["drop", "dup", "swap", "replace", "insert", "cut", "split",
                                    "join", "case", "empty"]), label="op")
    if not words:
        return [data.draw(TOKEN, label="token")]
    i = data.draw(st.integers(0, len(words) - 1), label="at")
    j = data.draw(st.integers(0, len(words) - 1), label="other")
    out = list(words)
    if op == "drop":
        del out[i]
    elif op == "dup":
        out.insert(i, out[i])
    elif op == "swap":
        out[i], out[j] = out[j], out[i]
    elif op == "replace":
        out[i] = data.draw(TOKEN, label="token")
    elif op == "insert":
        out.insert(i, data.draw(TOKEN, label="token"))
    elif op == "cut":
        out[i] = out[i][: data.draw(st.integers(0, max(len(out[i]) - 1, 0)), label="keep")]
    elif op == "split":  # --replicas=3 -> --replicas 3, and back
        head, sep, tail = out[i].partition("=")
        out[i:i + 1] = [head, tail] if sep else [head]
    elif op == "join":
        if i + 1 < len(out):
            out[i:i + 2] = [out[i] + "=" + out[i + 1]]
    elif op == "case":
        out[i] = out[i].swapcase()
    else:
        out[i] = ""
    return out


@fuzz_settings(80)
@given(line=st.sampled_from(BOOK_LINES), data=st.data())
def test_mutated_book_lines(fuzz_shell: Shell, line: str, data: st.DataObject) -> None:
    words = shlex.split(line)[1:]
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        words = _mutate(words, data)
    if waits_by_design(words):
        return
    run_line(fuzz_shell, command_line(words))


@fuzz_settings(15)
@given(lines=st.lists(st.sampled_from(BOOK_LINES), min_size=2, max_size=8))
def test_book_lines_in_any_order(fuzz_shell: Shell, lines: list[str]) -> None:
    """The book's own lines, in any order and repeated: each answers cleanly."""
    for line in lines:
        if not waits_by_design(shlex.split(line)):
            run_line(fuzz_shell, line)


def test_a_hang_is_caught(fuzz_shell: Shell) -> None:
    """The time bound works: a watch, which waits by design, is reported as a hang."""
    from fuzz_settings import Hang

    with pytest.raises(Hang):
        bounded("kubectl get pods -w",
                lambda: fuzz_shell.run("kubectl get pods -w", settle=False), seconds=0.5)


def test_internals_are_caught() -> None:
    """The checker fails on what a leaked exception looks like."""
    with pytest.raises(AssertionError):
        assert_clean("x", "", "error: internal error in kubia-tutor: KeyError: 'spec'\n", 1)
    with pytest.raises(AssertionError):
        assert_clean("x", "", "something went wrong\n", 1)
    assert_clean("x", "", 'Error from server (NotFound): pods "x" not found\n', 1)

