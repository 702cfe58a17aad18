"""`kubectl rollout history|undo` for DaemonSets and StatefulSets, read from their
ControllerRevisions as kubectl's history viewers and rollbackers do."""

from __future__ import annotations

import pytest
from harness import Shell

DAEMONSET = """\
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
      containers:
      - name: main
        image: luksa/ssd-monitor
"""

STATEFULSET = """\
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: kubia
spec:
  serviceName: kubia
  replicas: 1
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
"""


@pytest.mark.parametrize(("manifest", "kind", "container"), [
    (DAEMONSET, "daemonset.apps/ssd-monitor", "main"),
    (STATEFULSET, "statefulset.apps/kubia", "kubia"),
])
def test_history_and_undo_from_controller_revisions(shell: Shell, manifest: str, kind: str,
                                                    container: str) -> None:
    shell.write("obj.yaml", manifest)
    shell.run("kubectl apply -f obj.yaml")
    assert shell.run(f"kubectl set image {kind} {container}=busybox").out == \
        f"{kind} image updated\n"
    out = shell.run(f"kubectl rollout history {kind}").out
    assert out == (f"{kind} \nREVISION  CHANGE-CAUSE\n1         <none>\n"
                   "2         <none>\n\n")
    shown = shell.run(f"kubectl rollout history {kind} --revision=1").out
    assert shown.startswith(f"{kind} with revision #1\n")
    assert "luksa/" in shown
    assert shell.run(f"kubectl rollout undo {kind}").out == f"{kind} rolled back\n"
    image = shell.run(f"kubectl get {kind} -o jsonpath={{.spec.template.spec.containers[0]"
                      ".image}}").out
    assert image.startswith("luksa/")
    # the old revision came back as the newest, as Kubernetes renumbers it
    out = shell.run(f"kubectl rollout history {kind}").out
    assert out == (f"{kind} \nREVISION  CHANGE-CAUSE\n2         <none>\n"
                   "3         <none>\n\n")
    r = shell.run(f"kubectl rollout undo {kind} --to-revision=9")
    assert r.err == "error: unable to find specified revision 9 in history\n"


def test_pause_is_only_for_deployments(shell: Shell) -> None:
    shell.write("ds.yaml", DAEMONSET)
    shell.run("kubectl apply -f ds.yaml")
    r = shell.run("kubectl rollout pause daemonset ssd-monitor")
    assert r.code == 1 and "pauser" in r.err
