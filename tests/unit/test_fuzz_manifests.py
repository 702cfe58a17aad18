"""Fuzzing manifests: the book's manifests with mutations (wrong types at any path, missing
and unknown fields, huge and negative numbers, odd unicode, duplicate keys, broken YAML,
invalid UTF-8, multi-document files where one document is bad), applied with
`kubectl apply -f` and `kubectl create -f`.

Whatever the file, the answer is exit 0 or a kubectl-style error with a non-zero status, never
a Python traceback or a hang, and nothing is written half-way: after the command, the store
holds what it held before except the objects kubectl reported as created or configured.

Short run by default; `KUBIA_FUZZ_EXAMPLES=100000` (any number) runs that many examples per
test with a random seed (see tests/unit/fuzz_settings.py).
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from fuzz_settings import assert_clean, bounded, broken_text, dump, fuzz_settings, mutated_doc
from harness import Result, Shell
from hypothesis import example, given
from hypothesis import strategies as st

from kubia_tutor.clock import FakeClock
from kubia_tutor.daemon.cluster import Cluster

# The cluster's controller threads (if any) and the API server use `random` for generated
# names; hypothesis would take that for randomness inside its strategies.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Do not use the `random` module inside strategies")

BOOK = {
    "kubia-manual.yaml": """\
apiVersion: v1
kind: Pod
metadata:
  name: kubia-manual
  labels:
    creation_method: manual
    env: prod
spec:
  containers:
  - image: luksa/kubia
    name: kubia
    ports:
    - containerPort: 8080
      protocol: TCP
""",
    "kubia-liveness-probe.yaml": """\
apiVersion: v1
kind: Pod
metadata:
  name: kubia-liveness
spec:
  containers:
  - image: luksa/kubia-unhealthy
    name: kubia
    livenessProbe:
      httpGet:
        path: /
        port: 8080
      initialDelaySeconds: 15
""",
    "kubia-rc.yaml": """\
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
""",
    "kubia-replicaset.yaml": """\
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: kubia
spec:
  replicas: 3
  selector:
    matchExpressions:
      - key: app
        operator: In
        values:
          - kubia
  template:
    metadata:
      labels:
        app: kubia
    spec:
      containers:
      - name: kubia
        image: luksa/kubia
""",
    "kubia-svc.yaml": """\
apiVersion: v1
kind: Service
metadata:
  name: kubia
spec:
  sessionAffinity: ClientIP
  ports:
  - name: http
    port: 80
    targetPort: 8080
  - name: https
    port: 443
    targetPort: 8443
  selector:
    app: kubia
""",
    "kubia-svc-nodeport.yaml": """\
apiVersion: v1
kind: Service
metadata:
  name: kubia-nodeport
spec:
  type: NodePort
  ports:
  - port: 80
    targetPort: 8080
    nodePort: 30123
  selector:
    app: kubia
""",
    "custom-namespace.yaml": """\
apiVersion: v1
kind: Namespace
metadata:
  name: custom-namespace
""",
    "fortune-config.yaml": """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: fortune-config
data:
  sleep-interval: "25"
  my-nginx-config.conf: |
    server {
      listen 80;
    }
""",
    "secret.yaml": """\
apiVersion: v1
kind: Secret
metadata:
  name: fortune-https
type: Opaque
stringData:
  foo: plain text
data:
  https.key: aGVsbG8=
""",
    "batch-job.yaml": """\
apiVersion: batch/v1
kind: Job
metadata:
  name: batch-job
spec:
  completions: 5
  parallelism: 2
  template:
    metadata:
      labels:
        app: batch-job
    spec:
      restartPolicy: OnFailure
      containers:
      - name: main
        image: luksa/batch-job
""",
    "cronjob.yaml": """\
apiVersion: batch/v1beta1
kind: CronJob
metadata:
  name: batch-job-every-fifteen-minutes
spec:
  schedule: "0,15,30,45 * * * *"
  startingDeadlineSeconds: 15
  jobTemplate:
    spec:
      template:
        metadata:
          labels:
            app: periodic-batch-job
        spec:
          restartPolicy: OnFailure
          containers:
          - name: main
            image: luksa/batch-job
""",
    "kubia-deployment-v1.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: kubia
spec:
  replicas: 3
  minReadySeconds: 10
  strategy:
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
    type: RollingUpdate
  selector:
    matchLabels:
      app: kubia
  template:
    metadata:
      name: kubia
      labels:
        app: kubia
    spec:
      containers:
      - image: luksa/kubia:v1
        name: nodejs
        resources:
          requests:
            cpu: 100m
            memory: 10Mi
          limits:
            cpu: "1"
            memory: 20Mi
""",
    "mongodb-pv-hostpath.yaml": """\
apiVersion: v1
kind: PersistentVolume
metadata:
  name: mongodb-pv
spec:
  capacity:
    storage: 1Gi
  accessModes:
    - ReadWriteOnce
    - ReadOnlyMany
  persistentVolumeReclaimPolicy: Retain
  hostPath:
    path: /tmp/mongodb
""",
    "mongodb-pvc.yaml": """\
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: mongodb-pvc
spec:
  resources:
    requests:
      storage: 1Gi
  accessModes:
  - ReadWriteOnce
  storageClassName: ""
""",
    "ssd-monitor-daemonset.yaml": """\
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: ssd-monitor
spec:
  selector:
    matchLabels:
      app: ssd-monitor
  template:
    metadata:
      labels:
        app: ssd-monitor
    spec:
      nodeSelector:
        disk: ssd
      containers:
      - name: main
        image: luksa/ssd-monitor
""",
    "kubia-statefulset.yaml": """\
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: kubia
spec:
  serviceName: kubia
  replicas: 2
  selector:
    matchLabels:
      app: kubia
  template:
    metadata:
      labels:
        app: kubia
    spec:
      containers:
      - name: kubia
        image: luksa/kubia-pet
        volumeMounts:
        - name: data
          mountPath: /var/data
  volumeClaimTemplates:
  - metadata:
      name: data
    spec:
      resources:
        requests:
          storage: 1Mi
      accessModes:
      - ReadWriteOnce
""",
    "limits.yaml": """\
apiVersion: v1
kind: LimitRange
metadata:
  name: example
spec:
  limits:
  - type: Pod
    min:
      cpu: 50m
      memory: 5Mi
    max:
      cpu: 1
      memory: 1Gi
""",
    "quota.yaml": """\
apiVersion: v1
kind: ResourceQuota
metadata:
  name: cpu-and-mem
spec:
  hard:
    requests.cpu: 400m
    limits.memory: 500Mi
""",
    "kubia-ingress.yaml": """\
apiVersion: extensions/v1beta1
kind: Ingress
metadata:
  name: kubia
spec:
  rules:
  - host: kubia.example.com
    http:
      paths:
      - path: /
        backend:
          serviceName: kubia-nodeport
          servicePort: 80
""",
    "kubia-autoscaler.yaml": """\
apiVersion: autoscaling/v2beta1
kind: HorizontalPodAutoscaler
metadata:
  name: kubia
spec:
  maxReplicas: 5
  minReplicas: 1
  metrics:
  - resource:
      name: cpu
      targetAverageUtilization: 30
    type: Resource
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: kubia
""",
}
DOCS = {name: yaml.safe_load(text) for name, text in BOOK.items()}

# ---------------------------------------------------------------------------------------------
# Generating bad manifests

@st.composite
def manifest_file(draw: st.DrawFn) -> tuple[bytes, list[str]]:
    """A file of one to four book documents, some of them mutated; with the names of the
    book manifests it came from."""
    names = draw(st.lists(st.sampled_from(sorted(BOOK)), min_size=1, max_size=4), label="docs")
    style = draw(st.sampled_from(["yaml", "json", "json-list"]), label="style")
    docs = [draw(mutated_doc(DOCS[n])) if draw(st.booleans(), label="mutate") else DOCS[n]
            for n in names]
    if style == "json-list":
        text = json.dumps({"apiVersion": "v1", "kind": "List", "items": docs}, indent=2)
    elif style == "json":
        text = "\n".join(dump(d, "json") for d in docs)
    else:
        text = "---\n".join(dump(d, "yaml") for d in docs)
    if draw(st.booleans(), label="break text"):
        text = draw(broken_text(text))
    data = text.encode("utf-8", errors="surrogatepass")
    if draw(st.integers(0, 9), label="bytes") == 0:  # invalid UTF-8 somewhere
        at = draw(st.integers(0, len(data)), label="byte-at")
        data = data[:at] + draw(st.sampled_from([b"\xff", b"\xc3", b"\x00", b"\xed\xa0\x80",
                                                 b"\x80\x80"]), label="byte") + data[at:]
    return data, names


# ---------------------------------------------------------------------------------------------
# Running them


Snapshot = dict[tuple[str, str, str], str]


def snapshot(cluster: Cluster) -> Snapshot:
    """Every stored object but events, by (kind, namespace, name): its JSON text."""
    _revision, raws = cluster.store.list_raw("")
    found = {}
    for raw in raws:
        obj = json.loads(raw)
        meta = obj.get("metadata", {})
        key = (str(obj.get("kind", "")).lower(), meta.get("namespace", ""), meta.get("name", ""))
        if key[0] != "event":
            found[key] = raw
    return found


REPORTED = re.compile(r"^([a-z0-9.-]+)/(\S+) (created|configured)(?: \(dry run\))?$",
                      re.MULTILINE)


def reported(out: str) -> set[tuple[str, str]]:
    """(kind, name) of each object kubectl said it created or configured."""
    return {(kind.split(".")[0], name) for kind, name, _verb in REPORTED.findall(out)}


def assert_no_partial_write(line: str, before: Snapshot, after: Snapshot,
                            result: Result) -> None:
    """Only the objects kubectl reported changed; a failure reporting nothing changed
    nothing."""
    told = reported(result.out)
    # a new namespace comes with its default service account and token secret
    new_namespaces = {name for kind, name in told if kind == "namespace"}
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    for kind, namespace, name in changed:
        assert (kind, name) in told or namespace in new_namespaces, (
            f"{line!r} (exit {result.code}) changed {kind} {namespace}/{name} without saying "
            f"so:\n--- stdout\n{result.out}--- stderr\n{result.err}")


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="fuzz-manifests-") as name:
        yield Path(name)


def apply_case(workdir: Path, data: bytes, verb: str, preload: list[str]) -> None:
    """On a fresh cluster (no controllers: the store changes only through kubectl), create
    `preload` book manifests, then run `kubectl <verb> -f` on the file."""
    cluster = Cluster(None, "fake", clock=FakeClock(datetime(2026, 11, 28, 6, tzinfo=UTC)))
    try:
        shell = Shell(cluster, workdir)
        for name in preload:
            shell.write(name, BOOK[name])
            done = shell.run(f"kubectl create -f {name}", settle=False)
            assert done.code == 0, done.err
        (workdir / "fuzz.yaml").write_bytes(data)
        line = f"kubectl {verb} -f fuzz.yaml"
        before = snapshot(cluster)
        result = bounded(line, lambda: shell.run(line, settle=False))
        assert_clean(line, result.out, result.err, result.code)
        assert_no_partial_write(line, before, snapshot(cluster), result)
    finally:
        cluster.stop()


@fuzz_settings(60)
@given(case=manifest_file(), verb=st.sampled_from(["apply", "create"]), preload=st.booleans())
@example(case=(BOOK["kubia-manual.yaml"].encode(), ["kubia-manual.yaml"]), verb="create",
         preload=False)
@example(case=(b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n  name: y\nspec: {}\n", []),
         verb="apply", preload=False)
@example(case=(BOOK["custom-namespace.yaml"].encode() + b"---\n" + b"kind: [\n",
               ["custom-namespace.yaml"]), verb="create", preload=False)
def test_mutated_book_manifests(workdir: Path, case: tuple[bytes, list[str]], verb: str,
                                preload: bool) -> None:
    data, names = case
    apply_case(workdir, data, verb, sorted(set(names)) if preload else [])


@fuzz_settings(20)
@given(text=st.text(max_size=300), verb=st.sampled_from(["apply", "create"]))
def test_random_text(workdir: Path, text: str, verb: str) -> None:
    apply_case(workdir, text.encode("utf-8", errors="surrogatepass"), verb, [])


@pytest.mark.parametrize("verb", ["create", "apply"])
def test_null_metadata_is_a_clean_error(workdir: Path, verb: str) -> None:
    apply_case(workdir, b"apiVersion: v1\nkind: ConfigMap\nmetadata: null\n", verb, [])


@pytest.mark.parametrize("verb", ["create", "apply"])
def test_non_string_name_is_refused(workdir: Path, verb: str) -> None:
    cluster = Cluster(None, "fake", clock=FakeClock(datetime(2026, 11, 28, 6, tzinfo=UTC)))
    try:
        (workdir / "fuzz.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                                           "  name: true\n")
        before = snapshot(cluster)
        result = Shell(cluster, workdir).run(f"kubectl {verb} -f fuzz.yaml", settle=False)
        assert result.code == 1 and "cannot be handled as a ConfigMap" in result.err, result
        assert snapshot(cluster) == before
    finally:
        cluster.stop()


def test_partial_write_check_can_fail() -> None:
    """The checker notices an object that changed without kubectl saying so."""
    after = {("pod", "default", "x"): json.dumps({"kind": "Pod", "metadata": {"name": "x"}})}
    with pytest.raises(AssertionError):
        assert_no_partial_write("kubectl create -f x", {}, after, Result("", "error: boom\n", 1))
    assert_no_partial_write("kubectl create -f x", {}, after, Result("pod/x created\n", "", 0))
