"""The cluster daemon as a learner meets it: `kubia-tutor up|status|stop|reset|shell` run as real
subprocesses on the fake runtime, and the Kubernetes-shaped REST API on `<state>/api.sock`."""

from __future__ import annotations

import contextlib
import gc
import http.client
import json
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from daemon_harness import Kubia, alive, daemon_pids, pid_of, wait_gone

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import resolve
from kubia_tutor.client import lifecycle

CM = resolve("configmaps")
DEPLOY = resolve("deployments")
NS = "default"

Obj = dict[str, Any]


def configmap(name: str, labels: dict[str, str] | None = None, **data: str) -> Obj:
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "labels": labels or {}}, "data": data}


def deployment(name: str, *containers: str) -> Obj:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {"replicas": 1, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels},
                              "spec": {"containers": [{"name": c, "image": f"{c}:1"}
                                                      for c in containers]}}},
    }


def raw_request(socket_path: str, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, Any]:
    """One request with http.client over the unix socket, the body sent byte for byte."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(10)
    sock.connect(socket_path)
    conn = http.client.HTTPConnection("localhost", timeout=10)
    conn.sock = sock
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        kind = resp.getheader("Content-Type", "")
        return resp.status, json.loads(data) if kind.startswith("application/json") else data
    finally:
        conn.close()


# Lifecycle: up, status, stop, reset -------------------------------------------------------------


def test_up_status_stop_keep_the_state(kubia: Kubia, state_dir: Path) -> None:
    stopped = kubia.run("status")
    assert stopped.returncode == 3
    assert "cluster is stopped" in stopped.stdout

    first = kubia.run("up")
    assert first.returncode == 0, first.stderr
    assert "cluster started (pid" in first.stdout
    pid = pid_of(first.stdout)
    assert alive(pid)

    again = kubia.run("up")
    assert again.returncode == 0, again.stderr
    assert "already running" in again.stdout
    assert pid_of(again.stdout) == pid

    status = kubia.run("status")
    assert status.returncode == 0
    assert "cluster is running" in status.stdout
    assert pid_of(status.stdout) == pid

    with kubia.client() as client:
        created = client.create(CM, NS, configmap("kept", {"tier": "db"}, a="1"))
        client.create(DEPLOY, NS, deployment("web", "app"))

    stop = kubia.run("stop")
    assert stop.returncode == 0, stop.stderr
    assert f"cluster stopped (pid {pid})" in stop.stdout
    wait_gone(pid)
    assert kubia.run("status").returncode == 3
    assert not os.path.exists(kubia.socket)
    assert (state_dir / "store.db").exists()
    assert "not running" in kubia.run("stop").stdout

    restarted = kubia.up()
    assert restarted != pid
    with kubia.client() as client:
        kept = client.get(CM, NS, "kept")
        assert kept["data"] == {"a": "1"}
        assert kept["metadata"]["uid"] == created["metadata"]["uid"]
        assert kept["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]
        assert client.get(DEPLOY, NS, "web")["spec"]["template"]["spec"]["containers"][0][
            "image"] == "app:1"
        # Revisions go on from where they were, never back.
        later = client.create(CM, NS, configmap("later"))
        assert int(later["metadata"]["resourceVersion"]) > int(
            created["metadata"]["resourceVersion"])


def test_reset_stops_the_daemon_and_wipes_the_state(kubia: Kubia, state_dir: Path) -> None:
    pid = kubia.up()
    with kubia.client() as client:
        client.create(CM, NS, configmap("gone"))
    reset = kubia.run("reset")
    assert reset.returncode == 0, reset.stderr
    assert "state wiped" in reset.stdout
    wait_gone(pid)
    assert not state_dir.exists()
    assert kubia.run("status").returncode == 3

    kubia.up()
    with kubia.client() as client, pytest.raises(ApiError) as err:
        client.get(CM, NS, "gone")
    assert err.value.code == 404


def test_reset_refuses_a_directory_that_is_not_a_state_dir(tmp_path: Path) -> None:
    mine = tmp_path / "notes"
    mine.mkdir()
    precious = mine / "precious.txt"
    precious.write_text("do not delete\n")
    before = sorted(os.listdir(mine)), precious.stat().st_mtime_ns

    result = Kubia(mine).run("reset")

    assert result.returncode == 1
    assert "not a kubia-tutor state dir" in result.stderr
    assert (sorted(os.listdir(mine)), precious.stat().st_mtime_ns) == before
    assert precious.read_text() == "do not delete\n"


def test_up_refuses_a_directory_that_is_not_a_state_dir(tmp_path: Path) -> None:
    # `up` used to mark any directory as a state dir, after which `reset` would wipe it.
    mine = tmp_path / "notes"
    mine.mkdir()
    (mine / "precious.txt").write_text("do not delete\n")
    kubia = Kubia(mine)
    try:
        result = kubia.run("up")
        assert result.returncode == 1
        assert "not a kubia-tutor state dir" in result.stderr
        assert kubia.run("reset").returncode == 1
        assert os.listdir(mine) == ["precious.txt"]
    finally:
        kubia.cleanup()


def test_concurrent_ups_end_with_one_daemon(kubia: Kubia, state_dir: Path) -> None:
    procs = [subprocess.Popen(kubia.argv("up"), stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    outputs = []
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        outputs.append(out)

    pids = {pid_of(out) for out in outputs}
    assert len(pids) == 1, outputs
    assert sum("cluster started" in out for out in outputs) == 1, outputs
    (pid,) = pids
    assert daemon_pids(state_dir) == [pid]
    assert (state_dir / "daemon.pid").read_text() == str(pid)
    assert pid_of(kubia.run("status").stdout) == pid


def test_shell_script_mode_starts_the_daemon(kubia: Kubia, state_dir: Path) -> None:
    script = ("kubectl get ns default\n"
              "kubectl create -f - <<EOF\n"
              "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-shell\ndata:\n  k: v\n"
              "EOF\n"
              "kubectl get cm from-shell\n")
    result = kubia.run("shell", stdin=script)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:2] == ["NAME", "STATUS"]
    assert lines[1].split()[:2] == ["default", "Active"]
    assert lines[2] == "configmap/from-shell created"
    assert lines[3].split() == ["NAME", "DATA", "AGE"]
    assert lines[4].split()[:2] == ["from-shell", "1"]

    status = kubia.run("status")
    assert status.returncode == 0
    assert daemon_pids(state_dir) == [pid_of(status.stdout)]
    with kubia.client() as client:
        assert client.get(CM, NS, "from-shell")["data"] == {"k": "v"}


def test_kill_9_then_up_starts_afresh_with_every_acknowledged_object(
        kubia: Kubia, state_dir: Path) -> None:
    pid = kubia.up()
    acknowledged: dict[str, str] = {}
    enough = threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        # Create until the daemon dies under us; every create that returned is acknowledged.
        client = kubia.client(timeout=10)
        try:
            for i in range(100000):
                name = f"acked-{i}"
                try:
                    obj = client.create(CM, NS, configmap(name, n=str(i)))
                except Exception:
                    return
                acknowledged[name] = obj["metadata"]["resourceVersion"]
                if i == 150:
                    enough.set()
        except BaseException as exc:  # a bug in the test itself, reported below
            errors.append(exc)
        finally:
            enough.set()
            client.close()

    thread = threading.Thread(target=writer)
    thread.start()
    assert enough.wait(30)
    os.kill(pid, signal.SIGKILL)
    wait_gone(pid)
    thread.join(30)
    assert not thread.is_alive()
    assert not errors
    assert len(acknowledged) > 150

    # What a crash leaves: a socket nobody answers on and the dead daemon's pid file.
    assert os.path.exists(kubia.socket)
    assert (state_dir / "daemon.pid").read_text() == str(pid)
    assert kubia.run("status").returncode == 3

    started = kubia.run("up")
    assert started.returncode == 0, started.stderr
    assert "cluster started" in started.stdout
    fresh = pid_of(started.stdout)
    assert fresh != pid
    assert daemon_pids(state_dir) == [fresh]
    assert (state_dir / "daemon.pid").read_text() == str(fresh)

    with kubia.client() as client:
        items = client.list(CM, NS)["items"]
        stored = {o["metadata"]["name"]: o["metadata"]["resourceVersion"] for o in items
                  if o["metadata"]["name"].startswith("acked-")}
        # Every acknowledged create is there, unchanged; at most the one in flight is extra.
        assert {k: stored.get(k) for k in acknowledged} == acknowledged
        assert len(stored) - len(acknowledged) in (0, 1)
        assert client.create(CM, NS, configmap("after-crash"))["metadata"]["name"]


# The REST API ----------------------------------------------------------------------------------


def test_crud_with_selectors_conflicts_and_delete(running: Kubia) -> None:
    with running.client() as client:
        a = client.create(CM, NS, configmap("crud-a", {"suite": "crud", "tier": "web"}, x="1"))
        client.create(CM, NS, configmap("crud-b", {"suite": "crud", "tier": "db"}, x="2"))
        assert a["metadata"]["uid"]
        assert client.get(CM, NS, "crud-a")["data"] == {"x": "1"}

        with pytest.raises(ApiError) as err:
            client.create(CM, NS, configmap("crud-a"))
        assert (err.value.code, err.value.reason) == (409, "AlreadyExists")

        listed = client.list(CM, NS, label_selector="suite=crud,tier!=db")
        assert listed["kind"] == "ConfigMapList"
        assert [o["metadata"]["name"] for o in listed["items"]] == ["crud-a"]
        both = client.list(CM, NS, label_selector="suite=crud")
        assert [o["metadata"]["name"] for o in both["items"]] == ["crud-a", "crud-b"]
        assert int(both["metadata"]["resourceVersion"]) >= int(a["metadata"]["resourceVersion"])

        current = dict(a, data={"x": "10"})
        updated = client.update(CM, NS, "crud-a", current)
        assert updated["data"] == {"x": "10"}
        stale = dict(a, data={"x": "stale"})  # still carries the first resourceVersion
        with pytest.raises(ApiError) as err:
            client.update(CM, NS, "crud-a", stale)
        assert (err.value.code, err.value.reason) == (409, "Conflict")
        assert client.get(CM, NS, "crud-a")["data"] == {"x": "10"}

        client.delete(CM, NS, "crud-a")
        with pytest.raises(ApiError) as err:
            client.get(CM, NS, "crud-a")
        assert (err.value.code, err.value.reason) == (404, "NotFound")
        assert err.value.message == 'configmaps "crud-a" not found'
        with pytest.raises(ApiError) as err:
            client.delete(CM, NS, "crud-a")
        assert err.value.code == 404


def test_patch_merge_json_and_strategic(running: Kubia) -> None:
    with running.client() as client:
        client.create(DEPLOY, NS, deployment("patched", "app", "sidecar"))

        merged = client.patch(DEPLOY, NS, "patched",
                              {"metadata": {"labels": {"patched": "merge"}}}, "merge")
        assert merged["metadata"]["labels"] == {"app": "patched", "patched": "merge"}

        strategic = client.patch(DEPLOY, NS, "patched", {"spec": {"template": {"spec": {
            "containers": [{"name": "app", "image": "app:2"}]}}}}, "strategic")
        containers = strategic["spec"]["template"]["spec"]["containers"]
        # Strategic merge merges the container list by name: the sidecar stays.
        assert [(c["name"], c["image"]) for c in containers] == [("app", "app:2"),
                                                                 ("sidecar", "sidecar:1")]

        jsonp = client.patch(DEPLOY, NS, "patched", [
            {"op": "replace", "path": "/spec/replicas", "value": 3},
            {"op": "remove", "path": "/metadata/labels/patched"}], "json")
        assert jsonp["spec"]["replicas"] == 3
        assert "patched" not in jsonp["metadata"]["labels"]

        # A merge patch replaces lists whole.
        replaced = client.patch(DEPLOY, NS, "patched", {"spec": {"template": {"spec": {
            "containers": [{"name": "only", "image": "only:1"}]}}}}, "merge")
        assert [c["name"] for c in replaced["spec"]["template"]["spec"]["containers"]] == [
            "only"]

        with pytest.raises(ApiError) as err:
            client.patch(DEPLOY, NS, "patched", {"metadata": {"resourceVersion": "1"}}, "merge")
        assert err.value.code == 409
        with pytest.raises(ApiError) as err:
            client.patch(DEPLOY, NS, "missing", {"spec": {}}, "merge")
        assert err.value.code == 404
        client.delete(DEPLOY, NS, "patched")


def test_watch_sees_changes_made_by_another_client(running: Kubia) -> None:
    with running.client() as watcher, running.client() as writer:
        since = watcher.list(CM, NS)["metadata"]["resourceVersion"]
        # The watch is open (headers received) before anything changes.
        events = watcher.watch(CM, NS, resource_version=since, label_selector="suite=watch",
                               timeout=10)
        seen: list[tuple[str, str, str]] = []

        def read() -> None:
            for event in events:
                obj = event["object"]
                seen.append((event["type"], obj["metadata"]["name"],
                             obj.get("data", {}).get("v", "")))
                if event["type"] == "DELETED":
                    return

        reader = threading.Thread(target=read)
        reader.start()
        writer.create(CM, NS, configmap("unwatched", v="0"))
        writer.create(CM, NS, configmap("watched", {"suite": "watch"}, v="1"))
        writer.patch(CM, NS, "watched", {"data": {"v": "2"}}, "merge")
        writer.delete(CM, NS, "watched")
        reader.join(10)
        assert not reader.is_alive()
        events.close()
        assert seen == [("ADDED", "watched", "1"), ("MODIFIED", "watched", "2"),
                        ("DELETED", "watched", "2")]

        # Without a resourceVersion a watch starts with what exists, as ADDED events.
        writer.create(CM, NS, configmap("existing", {"suite": "watch-list"}))
        listed = watcher.watch(CM, NS, label_selector="suite=watch-list", timeout=1)
        assert [(e["type"], e["object"]["metadata"]["name"]) for e in listed] == [
            ("ADDED", "existing")]


def test_watch_with_a_bad_resource_version_is_a_400(running: Kubia) -> None:
    with running.client() as client, pytest.raises(ApiError) as err:
        client.watch(CM, NS, resource_version="not-a-number", timeout=5)
    assert err.value.code == 400


def test_discovery_and_version_documents(running: Kubia) -> None:
    with running.client() as client:
        api = client.raw_get("/api")
        assert api["kind"] == "APIVersions"
        assert api["versions"] == ["v1"]

        apis = client.raw_get("/apis")
        assert apis["kind"] == "APIGroupList"
        apps = next(g for g in apis["groups"] if g["name"] == "apps")
        assert apps["preferredVersion"] == {"groupVersion": "apps/v1", "version": "v1"}

        core = client.raw_get("/api/v1")
        assert (core["kind"], core["groupVersion"]) == ("APIResourceList", "v1")
        pods = next(r for r in core["resources"] if r["name"] == "pods")
        assert pods["kind"] == "Pod"
        assert pods["namespaced"] is True
        assert {"create", "get", "list", "watch", "delete"} <= set(pods["verbs"])
        assert "po" in pods["shortNames"]
        assert any(r["name"] == "pods/status" for r in core["resources"])
        nodes = next(r for r in core["resources"] if r["name"] == "nodes")
        assert nodes["namespaced"] is False

        group = client.raw_get("/apis/apps/v1")
        assert (group["kind"], group["groupVersion"]) == ("APIResourceList", "apps/v1")
        deployments = next(r for r in group["resources"] if r["name"] == "deployments")
        assert (deployments["kind"], deployments["namespaced"]) == ("Deployment", True)

        version = client.raw_get("/version")
        assert version["gitVersion"].startswith("v1.")
        assert {"major", "minor", "platform", "goVersion"} <= set(version)


@pytest.mark.parametrize("path", ["/nope", "/apis/nope.example.com/v1", "/api/v1/frobs",
                                  "/api/v1/namespaces/default/frobs/x", "/api/v2"])
def test_unknown_paths_are_a_404_status(running: Kubia, path: str) -> None:
    code, body = raw_request(running.socket, "GET", path)
    assert code == 404
    assert body["kind"] == "Status"
    assert (body["code"], body["reason"], body["status"]) == (404, "NotFound", "Failure")


@pytest.mark.parametrize("body", [b'{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {',
                                  b"\xff\xfe not json", b"[1, 2]"])
def test_a_malformed_body_is_a_400_status(running: Kubia, body: bytes) -> None:
    code, status = raw_request(running.socket, "POST", "/api/v1/namespaces/default/configmaps",
                               body, {"Content-Type": "application/json"})
    assert code == 400
    assert status["kind"] == "Status"
    assert (status["code"], status["reason"]) == (400, "BadRequest")


@pytest.mark.parametrize("length", ["lots", "-5"])
def test_a_bad_content_length_is_a_400_status(running: Kubia, length: str) -> None:
    code, status = raw_request(running.socket, "POST", "/api/v1/namespaces/default/configmaps",
                               None, {"Content-Length": length})
    assert code == 400
    assert status["kind"] == "Status"


def test_the_daemon_survives_garbage_on_its_socket(running: Kubia) -> None:
    with running.client() as client:
        pid = client.raw_get("/kubia/status")["pid"]

    garbage = [b"\x00\xff\x13garbage\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
               b"POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nContent-Length: 99\r\n"
               b"\r\n{", b"", b"A" * 70000 + b"\r\n\r\n"]
    for data in garbage:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(5)
            sock.connect(running.socket)
            with contextlib.suppress(OSError):
                sock.sendall(data)
                sock.shutdown(socket.SHUT_WR)
                while sock.recv(65536):
                    pass

    with running.client() as client:
        assert client.raw_get("/kubia/status")["pid"] == pid
        assert client.raw_get("/healthz") == "ok"
        client.create(CM, NS, configmap("after-garbage"))
        assert client.get(CM, NS, "after-garbage")["metadata"]["name"] == "after-garbage"
    assert alive(pid)


def test_a_client_reconnects_after_the_daemon_restarts(kubia: Kubia) -> None:
    kubia.up()
    with kubia.client() as client:
        client.create(CM, NS, configmap("before"))
        assert kubia.run("stop").returncode == 0
        kubia.up()
        # The client's kept-alive connection went with the old daemon; the next call reconnects.
        assert client.get(CM, NS, "before")["metadata"]["name"] == "before"


def test_an_in_process_up_reaps_the_daemon_it_started(state_dir: Path) -> None:
    # The shell and the TUI start the daemon from their own process: no ResourceWarning
    # ("subprocess ... is still running") and no zombie once it stops.
    client = lifecycle.connect(str(state_dir), "fake")
    with client:
        pid = client.raw_get("/kubia/status")["pid"]
    gc.collect()
    assert lifecycle.stop(str(state_dir)) == pid
    deadline = time.monotonic() + 10
    while os.path.exists(f"/proc/{pid}"):  # gone, not a zombie of ours
        assert time.monotonic() < deadline, Path(f"/proc/{pid}/stat").read_text()
        time.sleep(0.02)
