"""The completion engine: what can come next on a kubectl line, against an in-memory cluster."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from kubia_tutor.api.kinds import resolve
from kubia_tutor.client.http import ConnectionRefused
from kubia_tutor.daemon.cluster import Cluster
from kubia_tutor.shell.completion import Candidate, Completer, Span, highlight, tokenize

PODS, SERVICES, NAMESPACES = resolve("pods"), resolve("services"), resolve("namespaces")
DEPLOYMENTS = resolve("deployments")


def pod(cluster: Cluster, name: str, namespace: str = "default") -> None:
    cluster.api.create(PODS, namespace, {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
        "spec": {"containers": [{"name": "main", "image": "luksa/kubia"}]}})


@pytest.fixture
def completer(cluster: Cluster) -> Completer:
    pod(cluster, "kubia-manual")
    pod(cluster, "kubia-gpu")
    pod(cluster, "other", "kube-system")
    cluster.api.create(NAMESPACES, None, {"apiVersion": "v1", "kind": "Namespace",
                                          "metadata": {"name": "custom"}})
    cluster.api.create(SERVICES, "default", {
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "kubia"},
        "spec": {"selector": {"app": "kubia"}, "ports": [{"port": 80, "targetPort": 8080}]}})
    return Completer(cluster.api, lambda: "default", timeout=5.0)


def texts(candidates: list[Candidate]) -> list[str]:
    return [c.text for c in candidates]


@pytest.mark.parametrize(("line", "expected"), [
    ("", ["kubectl"]),
    ("ku", ["kubectl"]),
    ("kubectl ge", ["get"]),
    ("kubectl desc", ["describe"]),
    ("kubectl po", ["port-forward"]),
    ("kubectl -n custom ge", ["get"]),
    ("kubectl create con", ["configmap"]),
    ("kubectl rollout st", ["status"]),
    ("kubectl config set-", ["set-context"]),
    ("kubectl top ", ["node", "pod"]),
    ("kubectl get svc", ["svc"]),
    ("kubectl get deploy", ["deploy", "deployment", "deployments"]),
    ("kubectl get rc", ["rc"]),
    ("kubectl get cj", ["cj"]),
    ("kubectl get po kubia-", ["kubia-gpu", "kubia-manual"]),
    ("kubectl describe pods ", ["kubia-gpu", "kubia-manual"]),
    ("kubectl describe pods kubia-gpu ", ["kubia-manual"]),
    ("kubectl get svc ", ["kubernetes", "kubia"]),
    ("kubectl get po -n kube-system ", ["other"]),
    ("kubectl get po --namespace=kube-system ", ["other"]),
    ("kubectl get po -n kube-system", ["kube-system"]),  # the cursor is in the value
    ("kubectl get po/kub", ["po/kubia-gpu", "po/kubia-manual"]),
    ("kubectl delete service/kubi", ["service/kubia"]),
    ("kubectl logs ", ["kubia-gpu", "kubia-manual"]),
    ("kubectl exec -it kubia-m", ["kubia-manual"]),
    ("kubectl port-forward kubia-g", ["kubia-gpu"]),
    ("kubectl logs kubia-gpu ", []),
    ("kubectl cordon ", ["minikube"]),
    ("kubectl get ns ", ["custom", "default", "kube-node-lease", "kube-public", "kube-system"]),
    ("kubectl get nodes mini", ["minikube"]),
    ("kubectl get po -o ", ["json", "yaml", "wide", "name", "jsonpath=", "jsonpath-file=",
                            "custom-columns=", "custom-columns-file=", "go-template=",
                            "go-template-file="]),
    ("kubectl get po -o y", ["yaml"]),
    ("kubectl get po --output=j", ["json", "jsonpath=", "jsonpath-file="]),
    ("kubectl get po -n cu", ["custom"]),
    ("kubectl get po --namespace c", ["custom"]),
    ("kubectl expose deploy kubia --type ", ["ClusterIP", "NodePort", "LoadBalancer",
                                             "ExternalName"]),
    ("kubectl run kubia --restart=N", ["Never"]),
    ("kubectl explain po", ["po", "pod", "poddisruptionbudget", "poddisruptionbudgets", "pods",
                            "podtemplate", "podtemplates"]),
    ("kubectl explain pods ", []),
    ("kubectl scale ", ["deployments", "replicasets", "replicationcontrollers",
                        "statefulsets"]),
    ("kubectl rollout status ", ["daemonsets", "deployments", "statefulsets"]),
    ("kubectl frobnicate ", []),
    ("kubectl exec kubia-gpu -- ", []),
    ("sleep 5", []),
    ("curl ", []),
    ("kubectl get po -o name | ", ["kubectl"]),
    ("kubectl get po | grep ", []),
    ("kubectl version ", []),
])
def test_candidates(completer: Completer, line: str, expected: list[str]) -> None:
    assert texts(completer.complete(line)) == expected


def test_every_type_form_is_offered_after_a_first_letter(completer: Completer) -> None:
    got = texts(completer.complete("kubectl get p"))
    assert {"pods", "po", "pod", "pv", "persistentvolumes", "pvc"} <= set(got)
    everything = texts(completer.complete("kubectl get "))
    assert "all" in everything and "services" in everything
    assert "po" not in everything  # plurals only until a letter narrows the list
    for name in ("svc", "rs", "ds", "sts", "cm", "ep", "ing", "hpa", "no", "ns"):
        assert name in texts(completer.complete(f"kubectl get {name}")), name


def test_the_replaced_word_starts_where_it_was_typed(completer: Completer) -> None:
    assert completer.complete("kubectl ge") == [
        Candidate("get", 8, meta="Display one or many resources")]
    [value] = completer.complete("kubectl get po -oya")
    assert (value.text, value.start) == ("yaml", 17)
    [value] = completer.complete("kubectl get po --output=ya")
    assert (value.text, value.start) == ("yaml", 24)
    [name] = completer.complete("kubectl get po/kubia-g")
    assert (name.text, name.start, name.display) == ("po/kubia-gpu", 12, "kubia-gpu")


def test_the_cursor_may_be_in_the_middle(completer: Completer) -> None:
    line = "kubectl ge po -n kube-system"
    assert texts(completer.complete(line, cursor=10)) == ["get"]
    # the -n after the cursor still picks the namespace of the names
    assert texts(completer.complete("kubectl get po  -n kube-system", cursor=15)) == ["other"]
    # ...but not one from the next command of a pipeline
    line = "kubectl get po  | kubectl get po -n kube-system"
    assert texts(completer.complete(line, cursor=15)) == ["kubia-gpu", "kubia-manual"]


def test_the_current_namespace_is_asked_each_time(cluster: Cluster) -> None:
    pod(cluster, "other", "kube-system")
    current = ["default"]
    completer = Completer(cluster.api, lambda: current[0], timeout=5.0)
    assert texts(completer.complete("kubectl logs ")) == []
    current[0] = "kube-system"
    assert texts(completer.complete("kubectl logs ")) == ["other"]


def test_flags_with_their_help(completer: Completer) -> None:
    got = {c.text: c.meta for c in completer.complete("kubectl get -")}
    assert got["-o"] == got["--output="]
    assert got["--output="].startswith("Output format")
    assert got["-w"] == "After listing, watch for changes"
    assert "--show-labels" in got and "-A" in got and "--all-namespaces" in got
    assert "-n" in got and "--namespace=" in got  # global flags too
    long_only = texts(completer.complete("kubectl get --sh"))
    assert long_only == ["--show-managed-fields", "--show-labels", "--show-kind"]
    assert texts(completer.complete("kubectl logs -f")) == ["-f"]
    assert "--replicas=" in texts(completer.complete("kubectl scale --re"))
    assert texts(completer.complete("kubectl create configmap x --from-l")) == \
        ["--from-literal="]
    assert "--help" in texts(completer.complete("kubectl --"))  # before a verb: globals


def test_file_names_for_filename(completer: Completer, tmp_path: Path) -> None:
    (tmp_path / "kubia-manual.yaml").write_text("")
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "rc.yaml").write_text("")
    files = Completer(None, lambda: "default", cwd=lambda: str(tmp_path))
    assert texts(files.complete("kubectl create -f ")) == ["kubia-manual.yaml", "manifests/"]
    assert texts(files.complete("kubectl apply -f man")) == ["manifests/"]
    assert texts(files.complete("kubectl apply --filename=manifests/r")) == \
        ["manifests/rc.yaml"]


def test_quoted_words_complete_on_their_value(completer: Completer) -> None:
    assert texts(completer.complete("kubectl get po 'kubia-g")) == ["kubia-gpu"]


def test_names_are_cached_for_the_ttl(cluster: Cluster) -> None:
    now = [100.0]
    completer = Completer(cluster.api, lambda: "default", timeout=5.0, clock=lambda: now[0])
    pod(cluster, "first")
    assert texts(completer.complete("kubectl logs ")) == ["first"]
    pod(cluster, "second")
    now[0] += 1.5
    assert texts(completer.complete("kubectl logs ")) == ["first"]  # still cached
    now[0] += 1.0
    assert texts(completer.complete("kubectl logs ")) == ["first", "second"]


def test_objects_being_deleted_are_left_out(cluster: Cluster) -> None:
    pod(cluster, "going")
    cluster.api.delete(PODS, "default", "going")  # the kubelet is not running: it stays
    completer = Completer(cluster.api, lambda: "default", timeout=5.0)
    assert texts(completer.complete("kubectl logs ")) == []


class DeadClient:
    """A daemon that is not there."""

    def list(self, *args: Any, **kwargs: Any) -> Any:
        raise ConnectionRefused("refused")


class SlowClient:
    """A daemon that answers only when the test lets it."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.release = threading.Event()

    def list(self, *args: Any, **kwargs: Any) -> Any:
        self.release.wait(10)
        return self.cluster.api.list(*args, **kwargs)


def test_a_dead_daemon_gives_no_names_and_no_exception() -> None:
    completer = Completer(DeadClient(), lambda: "default")  # type: ignore[arg-type]
    assert texts(completer.complete("kubectl logs ")) == []
    assert texts(completer.complete("kubectl get po -n ")) == []
    assert texts(completer.complete("kubectl get pods")) == ["pods"]


def test_a_slow_daemon_costs_at_most_the_timeout(cluster: Cluster) -> None:
    pod(cluster, "kubia")
    client = SlowClient(cluster)
    completer = Completer(client, lambda: "default", timeout=0.05)  # type: ignore[arg-type]
    began = time.monotonic()
    assert texts(completer.complete("kubectl logs ")) == []
    assert time.monotonic() - began < 2.0
    client.release.set()
    deadline = time.monotonic() + 10
    while texts(completer.complete("kubectl logs ")) != ["kubia"]:  # the answer lands later
        assert time.monotonic() < deadline, "the slow answer never reached the cache"


def test_complete_is_thread_safe(completer: Completer) -> None:
    results: list[list[str]] = []

    def run() -> None:
        for _ in range(20):
            results.append(texts(completer.complete("kubectl get po kubia-")))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [["kubia-gpu", "kubia-manual"]] * 80


def test_without_a_client_there_are_no_names() -> None:
    completer = Completer(None, lambda: "default")
    assert texts(completer.complete("kubectl get po ")) == []
    assert texts(completer.complete("kubectl get")) == ["get"]


def test_tokenize_keeps_quotes_and_operators_apart() -> None:
    tokens = tokenize("kubectl get po -l 'app=kubia x'|wc")
    assert [(t.value, t.operator) for t in tokens] == [
        ("kubectl", False), ("get", False), ("po", False), ("-l", False),
        ("app=kubia x", False), ("|", True), ("wc", False)]
    assert tokenize("kubectl exec 'unterminated")[-1].value == "unterminated"


def test_highlight() -> None:
    line = 'kubectl get po/kubia -o yaml --selector="app=x" | grep -v y'

    def styled(spans: list[Span]) -> list[tuple[str, str]]:
        return [(line[s.start:s.end], s.style) for s in spans if s.style]

    assert styled(highlight(line)) == [
        ("kubectl", "kubectl"), ("get", "verb"), ("po", "resource"), ("-o", "flag"),
        ('--selector="app=x"', "flag"), ("|", "operator")]
    line = "kubectl create configmap cm --from-literal 'a=b c' && kubectl get cm,svc x"
    assert styled(highlight(line)) == [
        ("kubectl", "kubectl"), ("create", "verb"), ("configmap", "verb"),
        ("--from-literal", "flag"), ("'a=b c'", "string"), ("&&", "operator"),
        ("kubectl", "kubectl"), ("get", "verb"), ("cm,svc", "resource")]
