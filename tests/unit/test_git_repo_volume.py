"""gitRepo volumes: cloned once into the pod's volume by the host's git (from local repositories
made in tmp_path only), `directory` and `revision` as the kubelet's plugin treats them, failures
as FailedMount, command-running transports refused, and the API server's checks."""

from __future__ import annotations

import os
import pwd
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import resolve
from kubia_tutor.daemon.cluster import Cluster
from kubia_tutor.runtime.fake import FakeRuntime
from kubia_tutor.runtime.volumes import VolumeError, VolumeManager

Obj = dict[str, Any]
PODS = resolve("pods")


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com",
                           "-c", "init.defaultBranch=master", *args], cwd=cwd, check=True,
                          capture_output=True, text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with two commits of index.html: "v1", then "v2"."""
    where = tmp_path / "website"
    where.mkdir()
    git(where, "init", "-q")
    (where / "index.html").write_text("v1\n")
    git(where, "add", "index.html")
    git(where, "commit", "-q", "-m", "one")
    (where / "index.html").write_text("v2\n")
    git(where, "commit", "-q", "-am", "two")
    return where


@pytest.fixture
def vm(tmp_path: Path) -> VolumeManager:
    return VolumeManager(str(tmp_path / "state"), memory_tmpfs=False)


def pod(source: Obj, uid: str = "") -> Obj:
    return {"metadata": {"name": "p", "namespace": "default", "uid": uid or str(uuid.uuid4())},
            "spec": {"volumes": [{"name": "html", "gitRepo": source}],
                     "containers": [{"name": "web", "image": "nginx"}]}}


def test_clones_into_the_volume_root_with_directory_dot_once_only(
        vm: VolumeManager, repo: Path, tmp_path: Path) -> None:
    p = pod({"repository": str(repo), "directory": "."}, uid="u-1")
    html = vm.setup(p)["html"].host_path
    assert html == str(tmp_path / "state/node/pods/u-1/volumes/kubernetes.io~git-repo/html")
    assert Path(html, "index.html").read_text() == "v2\n"
    (repo / "index.html").write_text("v3\n")
    git(repo, "commit", "-q", "-am", "three")
    vm.setup(p)  # a container restart: the volume is not updated, as in Kubernetes
    assert Path(html, "index.html").read_text() == "v2\n"
    vm.cleanup("u-1")
    assert not Path(html).exists()


def test_without_directory_the_clone_is_a_directory_named_after_the_repository(
        vm: VolumeManager, repo: Path) -> None:
    html = Path(vm.setup(pod({"repository": f"file://{repo}"}))["html"].host_path)
    assert [p.name for p in html.iterdir()] == ["website"]
    assert (html / "website/index.html").read_text() == "v2\n"


@pytest.mark.parametrize("directory", ["", ".", "site"])
def test_revision_is_checked_out_in_the_clone(vm: VolumeManager, repo: Path,
                                              directory: str) -> None:
    first = git(repo, "rev-list", "--max-parents=0", "HEAD")
    source = {"repository": str(repo), "revision": first, "directory": directory}
    html = Path(vm.setup(pod(source))["html"].host_path)
    clone = {"": html / "website", ".": html, "site": html / "site"}[directory]
    assert (clone / "index.html").read_text() == "v1\n"


def test_a_failed_clone_is_a_failed_mount_and_a_later_attempt_starts_afresh(
        vm: VolumeManager, repo: Path, tmp_path: Path) -> None:
    missing = tmp_path / "not-yet"
    p = pod({"repository": str(missing), "directory": "."})
    with pytest.raises(VolumeError) as info:
        vm.setup(p)
    assert info.value.reason == "FailedMount" and info.value.volume == "html"
    assert str(info.value).startswith(
        f"MountVolume.SetUp failed for volume \"html\" : failed to exec 'git clone --"
        f" {missing} .': ")
    assert str(info.value).endswith(": exit status 128")
    assert "does not exist" in str(info.value)
    repo.rename(missing)
    html = Path(vm.setup(p)["html"].host_path)
    assert (html / "index.html").read_text() == "v2\n"


def test_a_bad_revision_fails_the_mount(vm: VolumeManager, repo: Path) -> None:
    with pytest.raises(VolumeError, match="failed to exec 'git checkout no-such-rev'"):
        vm.setup(pod({"repository": str(repo), "revision": "no-such-rev", "directory": "."}))


def test_transports_that_run_commands_are_refused(vm: VolumeManager, tmp_path: Path) -> None:
    victim = tmp_path / "pwned"
    with pytest.raises(VolumeError, match="transport 'ext' not allowed"):
        vm.setup(pod({"repository": f"ext::touch {victim}", "directory": "."}))
    assert not victim.exists()


@pytest.mark.parametrize(("source", "message"), [
    ({"repository": "--upload-pack=touch /tmp/x"},
     '"--upload-pack=touch /tmp/x" is an invalid value for repository'),
    ({"repository": "/r", "revision": "-b"}, '"-b" is an invalid value for revision'),
    ({"repository": "/r", "revision": "main", "directory": "a/b"},
     '"a/b" is not a valid directory, it must not contain a directory separator'),
])
def test_values_git_would_take_for_options_are_refused(
        vm: VolumeManager, source: Obj, message: str) -> None:
    with pytest.raises(VolumeError) as info:
        vm.setup(pod(source))
    assert str(info.value) == f'MountVolume.SetUp failed for volume "html" : {message}'


@pytest.mark.parametrize(("directory", "detail"), [
    ("/abs", 'Invalid value: "/abs": must be a relative path'),
    ("../up", "Invalid value: \"../up\": must not contain '..'"),
])
def test_the_api_server_refuses_a_directory_outside_the_volume(
        cluster: Cluster, directory: str, detail: str) -> None:
    with pytest.raises(ApiError) as info:
        cluster.api.create(PODS, "default", {
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "git"},
            "spec": {"containers": [{"name": "web", "image": "nginx"}],
                     "volumes": [{"name": "html", "gitRepo": {"repository": "/r",
                                                              "directory": directory}}]}})
    assert f"spec.volumes[0].gitRepo.directory: {detail}" in str(info.value)


def test_the_kubelet_reports_a_clone_failure_as_failed_mount(
        cluster: Cluster, repo: Path, tmp_path: Path) -> None:
    runtime = cluster.runtime
    assert isinstance(runtime, FakeRuntime)
    runtime.volumes = VolumeManager(str(tmp_path / "state"), memory_tmpfs=False)
    cluster.api.create(PODS, "default", {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "gitrepo-volume-pod"},
        "spec": {"containers": [{"name": "web-server", "image": "nginx:alpine",
                                 "volumeMounts": [{"name": "html",
                                                   "mountPath": "/usr/share/nginx/html"}]}],
                 "volumes": [{"name": "html", "gitRepo": {"repository": str(repo) + ".gone",
                                                          "directory": "."}}]}})
    cluster.settle()
    events = [(e["reason"], e["message"]) for e in cluster.api.list(
        resolve("events"), "default")["items"]
        if e["involvedObject"]["name"] == "gitrepo-volume-pod"]
    assert any(reason == "FailedMount" and "failed to exec 'git clone --" in message
               for reason, message in events), events
    status = cluster.api.get(PODS, "default", "gitrepo-volume-pod")["status"]
    assert status["containerStatuses"][0]["state"] == {
        "waiting": {"reason": "ContainerCreating"}}


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the repository away")
@pytest.mark.parametrize("scheme", ["", "file://"])
def test_a_local_repository_of_another_user_is_cloned_though_the_kubelet_is_root(
        vm: VolumeManager, repo: Path, scheme: str) -> None:
    """git refuses a repository of another owner ("dubious ownership"); the kubelet marks
    the one it was asked to clone as safe, as a learner's own repository usually is."""
    nobody = pwd.getpwnam("nobody")
    for path in [repo, *repo.rglob("*")]:
        os.lchown(path, nobody.pw_uid, nobody.pw_gid)
    html = Path(vm.setup(pod({"repository": f"{scheme}{repo}", "directory": "."}))[
        "html"].host_path)
    assert (html / "index.html").read_text() == "v2\n"
