"""Reliability: the tutor keeps to its own things, on a real daemon on Podman.

- Foreign Podman containers and a foreign Podman network (made here with unique names, under
  the tutor's own containers.conf so its Podman service sees them; one carries the catalog
  image's `io.kubia-tutor.managed` label, one another cluster's id, one a name shaped like
  the tutor's) live through a workload and `kubia-tutor reset`: still there, same ids, still
  running. They are removed by id afterwards.
- hostPath volumes stay in the node's directory: `..` is refused by the API server with a clear
  error, a link in the node's root file system that leads out is refused when mounting, and
  an ordinary hostPath lands under `<state>/node/rootfs`.
- Lesson packs cannot reach out of their directory: `kubia-tutor pack validate` refuses file
  paths with `..`, absolute ones, a lesson outside the pack and a link out.
- Every listening TCP and UDP socket of the tutor's processes (the daemon and its children:
  its Podman service, the service proxy with a NodePort, the Ingress controller, the DNS
  server; a port-forward and a kubectl proxy) is on 127.0.0.1, checked with `ss`.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from reliability_helpers import (
    NS,
    PODS,
    SVC,
    Obj,
    Tutor,
    containers,
    deployment,
    descendants,
    events_of,
    pod,
    podman,
    ready,
    service,
    tutor,
    wait_for,
)

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import resolve
from kubia_tutor.runtime.podman import labels
from kubia_tutor.runtime.podman.config import conf_file

DEPLOY = resolve("deployments")
INGRESS = resolve("ingresses")
KUBIA_TUTOR = str(Path(sys.executable).with_name("kubia-tutor"))


# Foreign Podman objects ---------------------------------------------------------------------


def inspect_ids(kind: str, conf: Path, *names: str) -> dict[str, tuple[str, str]]:
    """name -> (id, state) of foreign objects, by name ({} for the ones that are gone)."""
    found = {}
    for name in names:
        if kind == "container":
            done = podman("container", "inspect", "--format", "{{.Id}} {{.State.Status}}",
                          name, conf=conf)
        else:
            done = podman("network", "inspect", "--format", "{{.ID}} -", name, conf=conf)
        if done.returncode == 0:
            ident, state = done.stdout.split()
            found[name] = (ident, state)
    return found


@pytest.fixture
def foreign(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A state dir whose daemon runs, plus foreign containers and a network under the same
    containers.conf; the foreign objects are removed by id at the end."""
    state = tmp_path / "state"
    kubia = Tutor(state)
    kubia.up()
    conf = tmp_path / "containers.conf"  # kept: reset removes the state dir
    shutil.copy(conf_file(state), conf)
    tag = uuid.uuid4().hex[:8]
    net = f"kubia-tutor-{tag}"  # shaped like a cluster's network name, labelled nothing
    made: dict[str, Any] = {"kubia": kubia, "conf": conf, "network": net, "containers": []}
    try:
        done = podman("network", "create", net, conf=conf)
        assert done.returncode == 0, done.stderr
        specs = [
            # no labels at all, on the foreign network
            (f"foreign-{tag}-plain", ["--network", net], "localhost/podman-pause:4.3.1-0",
             []),
            # the tutor's catalog image: it brings io.kubia-tutor.managed=true along
            (f"default_x_{tag}-main-0", [], "localhost/kubia-tutor/busybox:latest",
             ["sleep", "3600"]),
            # another cluster's labels
            (f"foreign-{tag}-other-cluster",
             ["--label", f"{labels.MANAGED}=true", "--label", f"{labels.CLUSTER}=x{tag}",
              "--label", f"{labels.POD_UID}={uuid.uuid4()}", "--label",
              f"{labels.CONTAINER}=main", "--label", f"{labels.ATTEMPT}=0"],
             "localhost/kubia-tutor/busybox:latest", ["sleep", "3600"]),
        ]
        for name, extra, image, command in specs:
            done = podman("run", "-d", "--name", name, *extra, image, *command, conf=conf)
            assert done.returncode == 0, done.stderr
            made["containers"].append(name)
        yield made
    finally:
        try:
            kubia.reset()
        finally:
            ids = inspect_ids("container", conf, *made["containers"])
            if ids:
                podman("rm", "-f", "-t", "0", *(i for i, _ in ids.values()), conf=conf)
            if inspect_ids("network", conf, net):
                podman("network", "rm", net, conf=conf)


@pytest.mark.podman
def test_reset_leaves_foreign_containers_and_networks_alone(foreign: dict[str, Any]) -> None:
    kubia: Tutor = foreign["kubia"]
    conf: Path = foreign["conf"]
    before = inspect_ids("container", conf, *foreign["containers"])
    network = inspect_ids("network", conf, foreign["network"])
    assert {state for _, state in before.values()} == {"running"}, before
    assert network

    with kubia.client() as client:
        client.create(DEPLOY, NS, deployment("iso", 2))
        client.create(SVC, NS, service("iso", "iso", node_port=True))
        assert wait_for(lambda: sum(ready(p) for p in client.list(
            PODS, NS, label_selector="app=iso")["items"]) == 2, 120)
    cluster = kubia.cluster_id
    assert containers(cluster)  # the workload really ran on Podman
    ours = labels.network_name(cluster)
    assert podman("network", "exists", ours, conf=conf).returncode == 0

    kubia.reset()

    assert not containers(cluster)
    assert podman("network", "exists", ours, conf=conf).returncode != 0
    assert inspect_ids("container", conf, *foreign["containers"]) == before
    assert inspect_ids("network", conf, foreign["network"]) == network


# hostPath and lesson packs ------------------------------------------------------------------


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tutor]:
    with tutor(tmp_path_factory.mktemp("iso") / "state") as kubia:
        yield kubia


def host_path_pod(name: str, path: str, command: str, kind: str = "DirectoryOrCreate") -> Obj:
    return pod(name, {
        "restartPolicy": "Never", "terminationGracePeriodSeconds": 1,
        "containers": [{"name": "main", "image": "busybox", "command": ["sh", "-c", command],
                        "volumeMounts": [{"name": "data", "mountPath": "/data"}]}],
        "volumes": [{"name": "data", "hostPath": {"path": path, "type": kind}}]})


@pytest.mark.podman
@pytest.mark.parametrize("path", ["/../../etc", "/var/data/../../../root", "/data/.."])
def test_a_host_path_with_dot_dot_is_refused_by_the_api(shared: Tutor, path: str) -> None:
    with shared.client() as client, pytest.raises(ApiError) as err:
        client.create(PODS, NS, host_path_pod("dotdot", path, "true"))
    assert err.value.code == 422
    assert "must not contain '..'" in str(err.value), str(err.value)
    assert "hostPath" in str(err.value), str(err.value)


@pytest.mark.podman
def test_a_host_path_stays_in_the_node_dir(shared: Tutor, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:8]
    rootfs = shared.state / "node" / "rootfs"
    outside = tmp_path / "outside"  # a directory of the test's own, outside the node dir
    outside.mkdir()
    with shared.client() as client:
        # an ordinary hostPath is a directory of the node's root file system
        client.create(PODS, NS, host_path_pod("inside", f"/var/rel-{tag}",
                                              "echo hi > /data/marker"))
        done = wait_for(lambda: (client.get(PODS, NS, "inside").get("status") or {}).get(
            "phase") == "Succeeded", 90)
        assert done, client.get(PODS, NS, "inside").get("status")
        assert (rootfs / f"var/rel-{tag}/marker").read_text() == "hi\n"
        assert not Path(f"/var/rel-{tag}").exists()
        # a link in the node's root file system that leads out is not followed
        (rootfs / f"escape-{tag}").symlink_to(outside)
        client.create(PODS, NS, host_path_pod("escape", f"/escape-{tag}",
                                              "echo hi > /data/marker", kind="Directory"))
        failed = wait_for(lambda: [e for e in events_of(client, "escape")
                                   if e.get("reason") == "FailedMount"], 60)
        assert failed, events_of(client, "escape")
        pod_ = client.get(PODS, NS, "escape")
        assert (pod_.get("status") or {}).get("phase") == "Pending", pod_.get("status")
        assert list(outside.iterdir()) == []
        for name in ("inside", "escape"):
            client.delete(PODS, NS, name, grace_period=0)


def pack(tmp_path: Path, name: str) -> Path:
    root = tmp_path / name
    done = subprocess.run([KUBIA_TUTOR, "pack", "new", str(root)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return root


def validate(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([KUBIA_TUTOR, "pack", "validate", str(root)], capture_output=True,
                          text=True, timeout=60)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, text
    path.write_text(text.replace(old, new))


@pytest.mark.parametrize("how", ["from-dot-dot", "from-absolute", "target-dot-dot",
                                 "lesson-outside", "link-out"])
def test_a_pack_reaching_out_of_its_directory_is_refused(tmp_path: Path, how: str) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: secret}\n")
    root = pack(tmp_path, "pack")
    assert validate(root).returncode == 0
    lesson = root / "first-pod.md"
    source = "{from: manifests/kubia-manual.yaml}"
    if how == "from-dot-dot":
        edit(lesson, source, "{from: ../secret.yaml}")
    elif how == "from-absolute":
        edit(lesson, source, f"{{from: {secret}}}")
    elif how == "target-dot-dot":
        edit(lesson, "  kubia-manual.yaml: {from", "  ../../escape.yaml: {from")
    elif how == "lesson-outside":
        shutil.copy(lesson, tmp_path / "outside.md")
        edit(root / "pack.yaml", "  - first-pod.md", "  - ../outside.md")
    else:
        (root / "manifests/kubia-manual.yaml").unlink()
        (root / "manifests/kubia-manual.yaml").symlink_to(secret)
    done = validate(root)
    assert done.returncode == 1, done.stdout + done.stderr
    assert re.search(r"leads out of|absolute|must be relative", done.stderr), done.stderr


# Listening sockets --------------------------------------------------------------------------


def shell_proc(state: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "kubia_tutor.shell.main", "--state-dir",
                             str(state), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def listeners(pids: set[int]) -> list[tuple[str, str, frozenset[int]]]:
    """(protocol, local address, pids) of every listening TCP and bound UDP socket of
    `pids`, from `ss -ltnup` and `ss -lunp`."""
    found = set()
    for flags in ("-ltnupH", "-lunpH"):
        done = subprocess.run(["ss", flags], capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        for line in done.stdout.splitlines():
            fields = line.split()
            if fields[0] not in ("tcp", "udp"):  # one protocol: ss leaves out the Netid
                fields.insert(0, "udp")
            owners = frozenset(int(p) for p in re.findall(r"pid=(\d+)", line)) & pids
            if owners:
                found.add((fields[0], fields[4], owners))
    return sorted(found)


@pytest.mark.podman
def test_every_listening_socket_is_on_loopback(shared: Tutor) -> None:
    state = shared.state
    with shared.client() as client:
        client.create(DEPLOY, NS, {
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}}, "spec": {
                         "containers": [{"name": "web", "image": "luksa/kubia",
                                         "ports": [{"containerPort": 8080}]}]}}}})
        svc = client.create(SVC, NS, service("web", "web", node_port=True))
        node_port = svc["spec"]["ports"][0]["nodePort"]
        client.create(INGRESS, NS, {
            "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": "web"},
            "spec": {"rules": [{"host": "web.example.com", "http": {"paths": [{
                "path": "/", "pathType": "Prefix",
                "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}})
        web = wait_for(lambda: [p for p in client.list(PODS, NS, label_selector="app=web")[
            "items"] if ready(p)], 120)
        assert web
    forward = shell_proc(state, "port-forward", web[0]["metadata"]["name"], ":8080")
    proxy = shell_proc(state, "proxy", "--port=0")
    try:
        assert forward.stdout is not None and proxy.stdout is not None
        line = forward.stdout.readline()
        match = re.fullmatch(r"Forwarding from 127\.0\.0\.1:(\d+) -> 8080\n", line)
        assert match, line + (forward.stderr.read() if forward.poll() is not None
                              and forward.stderr else "")
        forward_port = int(match.group(1))
        line = proxy.stdout.readline()
        match = re.fullmatch(r"Starting to serve on 127\.0\.0\.1:(\d+)\n", line)
        assert match, line
        proxy_port = int(match.group(1))
        log = (state / "daemon.log").read_text()
        ingress_ports = {int(p) for p in re.findall(r"ingress: https? on 127\.0\.0\.1:(\d+)",
                                                    log)}
        assert ingress_ports, log

        pids = descendants(shared.pid(), forward.pid, proxy.pid)
        found = listeners(pids)
        tcp = {int(a.rsplit(":", 1)[1]) for p, a, _ in found if p == "tcp"}
        udp = [a for p, a, _ in found if p == "udp"]
        # what must be there: the NodePort, the Ingress, the port-forward, the proxy, DNS
        assert {node_port, forward_port, proxy_port} | ingress_ports <= tcp, found
        assert udp, found
        outside = [(p, a) for p, a, _ in found if not a.startswith("127.0.0.1:")]
        assert outside == [], found
    finally:
        for proc in (forward, proxy):
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
            try:
                proc.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
