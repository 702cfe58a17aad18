"""The seed's ReplicationController and ReplicaSet flow on real Podman: three kubia pods kept
at three, a pod relabelled out of the set replaced, scaling, an orphaning delete, and a
ReplicaSet adopting the orphans without starting new containers."""

from __future__ import annotations

from pathlib import Path

import pytest
from podman_shell import get_json, labelled, reset, shell, wait_for

KUBIA_RC = """\
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
       image: taodaling/kubia
       ports:
       - containerPort: 8080
"""

KUBIA_RS = """\
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
        image: taodaling/kubia
"""


def running(state: Path, selector: str = "app=kubia") -> list[str]:
    pods = get_json(state, f"pods -l {selector}").get("items") or []
    return sorted(p["metadata"]["name"] for p in pods
                  if (p.get("status") or {}).get("phase") == "Running"
                  and not p["metadata"].get("deletionTimestamp"))


@pytest.mark.podman
def test_replication_controller_then_replica_set(tmp_path: Path) -> None:
    state = tmp_path / "state"
    (tmp_path / "kubia-rc.yml").write_text(KUBIA_RC)
    (tmp_path / "kubia-rs.yml").write_text(KUBIA_RS)
    try:
        assert shell(state, f"kubectl create -f {tmp_path / 'kubia-rc.yml'}") == \
            "replicationcontroller/kubia created\n"
        first = wait_for(lambda: len(pods := running(state)) == 3 and pods, timeout=90)
        assert first, shell(state, "kubectl get pods")
        # a deleted pod is replaced
        assert shell(state, f"kubectl delete pod {first[0]}") == \
            f'pod "{first[0]}" deleted\n'
        second = wait_for(lambda: len(pods := running(state)) == 3 and first[0] not in pods
                          and pods, timeout=60)
        assert second, shell(state, "kubectl get pods")
        # a pod relabelled out of the selector is left alone and replaced
        assert shell(state, f"kubectl label pod {second[0]} app=foo --overwrite") == \
            f"pod/{second[0]} labeled\n"
        third = wait_for(lambda: len(pods := running(state)) == 3 and second[0] not in pods
                         and pods, timeout=60)
        assert third, shell(state, "kubectl get pods --show-labels")
        assert running(state, "app=foo") == [second[0]]
        out = shell(state, "kubectl get rc kubia").splitlines()[1].split()
        assert out[:4] == ["kubia", "3", "3", "3"]
        # orphan the pods, then let a ReplicaSet adopt them: no new container starts
        shell(state, "kubectl delete rc kubia --cascade=false")
        containers = sorted(n for n in labelled((state / "cluster-id").read_text().strip())
                            if not n.endswith("-infra"))
        assert shell(state, f"kubectl create -f {tmp_path / 'kubia-rs.yml'}") == \
            "replicaset.apps/kubia created\n"
        adopted = wait_for(lambda: all(
            ((p["metadata"].get("ownerReferences") or [{}])[0].get("kind") == "ReplicaSet")
            for p in get_json(state, "pods -l app=kubia").get("items") or []), timeout=30)
        assert adopted, shell(state, "kubectl get pods -o yaml")
        assert running(state) == third
        after = sorted(n for n in labelled((state / "cluster-id").read_text().strip())
                       if not n.endswith("-infra"))
        assert after == containers
    finally:
        reset(state)
