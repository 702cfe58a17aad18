"""StatefulSets and the autoscaler on real Podman.

A 2-replica StatefulSet of kubia-pet comes up in order (kubia-1 is created only once kubia-0
is Running and Ready) and each pod's hostname is its ordinal name. A CPU-limited busy loop
shows real metrics from the daemon's collector to the autoscaler, which scales its set up.

The cluster runs in process on a `PodmanRuntime` of its own (a temporary state dir, a cluster
id of this run's and a /24 of its own in 10.240.0.0/16), so it never collides with a tutor
cluster on this host; everything it creates carries its labels and is removed after.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from harness import Shell
from podman_cleanup import podman_cluster

pytestmark = pytest.mark.podman

RUN = uuid.uuid4().hex[:8]
CLUSTER = f"sts-{RUN}"
SUBNET = f"10.240.{int(RUN[:2], 16)}.0/24"

PETS = """\
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: kubia
spec:
  serviceName: kubia
  replicas: 2
  selector:
    matchLabels: {app: kubia}
  template:
    metadata:
      labels: {app: kubia}
    spec:
      containers:
      - name: kubia
        image: luksa/kubia-pet
        ports:
        - {name: http, containerPort: 8080}
        readinessProbe:
          httpGet: {path: /, port: 8080}
          periodSeconds: 1
        volumeMounts:
        - {name: data, mountPath: /var/data}
      volumes:
      - name: data
        emptyDir: {}
"""

# A busy loop held to a fifth of a core, against a request of a tenth: about 200% of its
# request, whatever the host, and never more than 0.2 core per pod on a shared machine.
BUSY = """\
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: busy
spec:
  serviceName: busy
  replicas: 1
  podManagementPolicy: Parallel
  selector:
    matchLabels: {app: busy}
  template:
    metadata:
      labels: {app: busy}
    spec:
      containers:
      - name: spin
        image: busybox
        command: ["sh", "-c", "while true; do :; done"]
        resources:
          requests: {cpu: 100m}
          limits: {cpu: 200m}
"""


@pytest.fixture
def podman_shell(tmp_path: Path) -> Iterator[Shell]:
    state = tmp_path / "state"
    state.mkdir()
    with podman_cluster(state, CLUSTER, SUBNET, metrics_interval=1.0) as cluster:
        yield Shell(cluster, tmp_path)


def pods(shell: Shell) -> dict[str, dict[str, Any]]:
    out = shell.run("kubectl get pods -o json", settle=False).out
    return {p["metadata"]["name"]: p for p in json.loads(out)["items"]}


def ready_since(pod: dict[str, Any]) -> str | None:
    for cond in (pod.get("status") or {}).get("conditions") or []:
        if cond["type"] == "Ready" and cond["status"] == "True":
            return str(cond["lastTransitionTime"])
    return None


def stamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_pets_come_up_in_order_with_their_names_as_hostnames(podman_shell: Shell) -> None:
    shell = podman_shell
    path = shell.write("pets.yaml", PETS)
    assert shell.run(f"kubectl apply -f {path}", settle=False).out == \
        "statefulset.apps/kubia created\n"
    deadline = time.monotonic() + 240  # the first run builds the kubia-pet image
    seen: dict[str, dict[str, Any]] = {}
    while time.monotonic() < deadline:
        seen = pods(shell)
        if "kubia-1" in seen:
            # kubia-1 exists only because kubia-0 was ready when it was made
            assert ready_since(seen["kubia-0"]) is not None, seen["kubia-0"]["status"]
        if all(ready_since(seen.get(n) or {}) for n in ("kubia-0", "kubia-1")):
            break
        time.sleep(0.5)
    assert sorted(seen) == ["kubia-0", "kubia-1"], seen
    zero_ready = ready_since(seen["kubia-0"])
    assert zero_ready is not None and ready_since(seen["kubia-1"]) is not None
    assert stamp(zero_ready) <= stamp(seen["kubia-1"]["metadata"]["creationTimestamp"])

    for name in ("kubia-0", "kubia-1"):
        done = shell.run(f"kubectl exec {name} -- hostname", settle=False)
        assert (done.out, done.code) == (f"{name}\n", 0), done.err
    hit = shell.run("kubectl exec kubia-1 -- wget -qO- http://localhost:8080/", settle=False)
    assert hit.out == "You've hit kubia-1\nData stored on this pod: No data posted yet\n"
    table = shell.run("kubectl get sts kubia", settle=False).out.splitlines()
    assert table[1].split()[:2] == ["kubia", "2/2"]


def test_the_autoscaler_scales_a_busy_set_on_real_cpu_metrics(podman_shell: Shell) -> None:
    shell = podman_shell
    path = shell.write("busy.yaml", BUSY)
    assert shell.run(f"kubectl apply -f {path}", settle=False).code == 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not ready_since(pods(shell).get("busy-0") or {}):
        time.sleep(0.5)
    done = shell.run("kubectl autoscale statefulset busy --cpu-percent=50 --min=1 --max=2",
                     settle=False)
    assert done.out == "horizontalpodautoscaler.autoscaling/busy autoscaled\n", done.err
    started = time.monotonic()
    replicas = ""
    while time.monotonic() - started < 60:
        replicas = shell.run("kubectl get sts busy -o jsonpath={.spec.replicas}",
                             settle=False).out
        if replicas == "2":
            break
        time.sleep(1)
    described = shell.run("kubectl describe hpa busy", settle=False).out
    assert replicas == "2", described
    assert "New size: 2; reason: cpu resource utilization (percentage of request) above " \
           "target" in described
    row = shell.run("kubectl get hpa busy", settle=False).out.splitlines()[1].split()
    current, _, target = row[2].partition("/")
    assert target == "50%" and current.endswith("%") and int(current[:-1]) > 50, row


# Identity end to end: the seed's kubia-pet chapter -------------------------------------------

PERSISTENT_PETS = """\
apiVersion: v1
kind: Service
metadata:
  name: kubia
spec:
  clusterIP: None
  selector: {app: kubia}
  ports:
  - {name: http, port: 80}
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: kubia
spec:
  serviceName: kubia
  replicas: 2
  selector:
    matchLabels: {app: kubia}
  template:
    metadata:
      labels: {app: kubia}
    spec:
      containers:
      - name: kubia
        image: luksa/kubia-pet
        ports:
        - {name: http, containerPort: 8080}
        readinessProbe:
          httpGet: {path: /, port: 8080}
          periodSeconds: 1
        volumeMounts:
        - {name: data, mountPath: /var/data}
  volumeClaimTemplates:
  - metadata:
      name: data
    spec:
      resources:
        requests: {storage: 1Mi}
      accessModes: [ReadWriteOnce]
"""

FQDN = "kubia.default.svc.cluster.local"


def wait_ready(shell: Shell, names: tuple[str, ...], image: str = "",
               not_uid: str = "", timeout: float = 240) -> dict[str, dict[str, Any]]:
    """Wait until every pod named is Ready (running `image`, and not the pod of `not_uid`)."""
    deadline = time.monotonic() + timeout
    seen: dict[str, dict[str, Any]] = {}
    while time.monotonic() < deadline:
        seen = pods(shell)
        if all(ready_since(seen.get(n) or {})
               and (not image or seen[n]["spec"]["containers"][0]["image"] == image)
               and seen[n]["metadata"]["uid"] != not_uid for n in names):
            return seen
        time.sleep(0.5)
    raise AssertionError({n: (seen.get(n) or {}).get("status") for n in names})


def http(shell: Shell, via: str, url: str, data: str = "") -> str:
    """An HTTP request from inside pod `via` (with the image's curl), through cluster DNS."""
    post = ["-X", "POST", "-d", f"'{data}'"] if data else []
    done = shell.run(f"kubectl exec {via} -- curl -sS --max-time 20 {' '.join(post)} {url}",
                     settle=False)
    assert done.code == 0, done.err
    return done.out


def test_pets_keep_name_dns_name_and_data_and_find_peers_through_srv(
        podman_shell: Shell) -> None:
    shell = podman_shell
    path = shell.write("persistent-pets.yaml", PERSISTENT_PETS)
    assert shell.run(f"kubectl apply -f {path}", settle=False).code == 0
    seen = wait_ready(shell, ("kubia-0", "kubia-1"))
    claims = shell.run("kubectl get pvc -o name", settle=False).out.split()
    assert claims == ["persistentvolumeclaim/data-kubia-0", "persistentvolumeclaim/data-kubia-1"]

    # kube-system's coredns pod is Ready only while its probe resolves kubernetes.default
    # through the cluster DNS at 10.96.0.10, which the SRV lookups below use as well
    deadline = time.monotonic() + 120
    system: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        out = shell.run("kubectl get pods -n kube-system -o json", settle=False).out
        system = json.loads(out)["items"]
        if system and ready_since(system[0]):
            break
        time.sleep(1)
    assert [p["metadata"]["name"].rsplit("-", 2)[0] for p in system] == ["coredns"]
    assert ready_since(system[0]), system[0]["status"]

    url0 = f"http://kubia-0.{FQDN}:8080/"
    assert http(shell, "kubia-1", url0, "Hey there! This greeting was submitted to kubia-0.") \
        == "Data stored on pod kubia-0\n"
    old_uid = seen["kubia-0"]["metadata"]["uid"]
    assert shell.run("kubectl delete pod kubia-0", settle=False).out == 'pod "kubia-0" deleted\n'
    seen = wait_ready(shell, ("kubia-0",), not_uid=old_uid)
    done = shell.run("kubectl exec kubia-0 -- hostname", settle=False)
    assert done.out == "kubia-0\n", done.err
    # the new pod got the same name, DNS name and claim, so the same data
    assert http(shell, "kubia-1", url0) == ("You've hit kubia-0\nData stored on this pod: Hey"
                                            " there! This greeting was submitted to kubia-0.\n")
    assert seen["kubia-0"]["spec"]["volumes"][0]["persistentVolumeClaim"] == {
        "claimName": "data-kubia-0"}

    # the seed's SRV lookup: a record per pod of the headless service
    done = shell.run("kubectl run srvlookup --image=tutum/dnsutils --restart=Never"
                     " --command -- sleep 600", settle=False)
    assert done.code == 0, done.err
    wait_ready(shell, ("srvlookup",), timeout=120)
    done = shell.run(f"kubectl exec srvlookup -- dig SRV {FQDN} +short", settle=False)
    assert done.code == 0, done.err
    assert sorted(line.split()[-1] for line in done.out.splitlines()) == [
        f"kubia-0.{FQDN}.", f"kubia-1.{FQDN}."], done.out

    # kubia-pet-peers, rolled out as the seed does: each pod lists every peer's data
    done = shell.run("kubectl patch statefulset kubia --type=json -p '[{\"op\": \"replace\","
                     " \"path\": \"/spec/template/spec/containers/0/image\","
                     " \"value\": \"luksa/kubia-pet-peers\"}]'", settle=False)
    assert done.out == "statefulset.apps/kubia patched\n", done.err
    wait_ready(shell, ("kubia-0", "kubia-1"), image="luksa/kubia-pet-peers")
    assert http(shell, "kubia-0", f"http://kubia-1.{FQDN}:8080/", "The sun is shining") \
        == "Data stored on pod kubia-1\n"
    answer = http(shell, "kubia-1", url0)
    lines = answer.splitlines()
    assert lines[:2] == ["You've hit kubia-0", "Data stored in the cluster:"], answer
    assert sorted(lines[2:]) == [
        f"- kubia-0.{FQDN}: Hey there! This greeting was submitted to kubia-0.",
        f"- kubia-1.{FQDN}: The sun is shining"], answer
