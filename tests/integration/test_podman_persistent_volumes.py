"""Persistent storage on real Podman: the book's mongodb flow with busybox (data written
through a claim of the default class outlives its pod and is read by the next one, and it
lives in the state dir's node rootfs), and a StatefulSet whose pods each get a claim of their
own from its volumeClaimTemplates. One cluster for both, to spare the shared CPUs."""

from __future__ import annotations

from pathlib import Path

import pytest
from podman_shell import get_json, reset, shell, wait_for

CLAIM = """\
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: mongodb-pvc
spec:
  resources:
    requests: {storage: 10Mi}
  accessModes: [ReadWriteOnce]
"""

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: {name}
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: busybox
    command: ["sh", "-c", "{script}"]
    volumeMounts:
    - {{name: mongodb-data, mountPath: /data/db}}
  volumes:
  - name: mongodb-data
    persistentVolumeClaim: {{claimName: mongodb-pvc}}
"""

STATEFULSET = """\
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  serviceName: web
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: main
        image: busybox
        command: ["sh", "-c", "hostname > /var/data/owner; exec sleep 3600"]
        volumeMounts:
        - {name: data, mountPath: /var/data}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      resources: {requests: {storage: 1Mi}}
      accessModes: [ReadWriteOnce]
"""


def phase(state: Path, pod: str) -> str:
    return str(get_json(state, f"pod {pod}").get("status", {}).get("phase") or "")


@pytest.mark.podman
def test_claims_keep_data_across_pods_and_stateful_set_pods_get_their_own(
        tmp_path: Path) -> None:
    state = tmp_path / "state"
    rootfs = state / "node" / "rootfs" / "tmp" / "hostpath-provisioner" / "default"
    (tmp_path / "claim.yaml").write_text(CLAIM)
    (tmp_path / "writer.yaml").write_text(POD.format(
        name="writer", script="echo foo > /data/db/mystore"))
    (tmp_path / "reader.yaml").write_text(POD.format(
        name="reader", script="cat /data/db/mystore"))
    (tmp_path / "sts.yaml").write_text(STATEFULSET)
    try:
        shell(state, f"kubectl create -f {tmp_path / 'claim.yaml'}",
              f"kubectl create -f {tmp_path / 'writer.yaml'}")
        assert wait_for(lambda: phase(state, "writer") == "Succeeded", timeout=120), \
            shell(state, "kubectl describe pod writer", "kubectl describe pvc mongodb-pvc")
        claim = get_json(state, "pvc mongodb-pvc")
        assert claim["spec"]["storageClassName"] == "standard"
        assert claim["status"]["phase"] == "Bound"
        assert claim["spec"]["volumeName"] == f"pvc-{claim['metadata']['uid']}"
        assert (rootfs / "mongodb-pvc" / "mystore").read_text() == "foo\n"

        shell(state, "kubectl delete pod writer",
              f"kubectl create -f {tmp_path / 'reader.yaml'}")
        assert wait_for(lambda: phase(state, "reader") == "Succeeded", timeout=120), \
            shell(state, "kubectl describe pod reader")
        assert shell(state, "kubectl logs reader") == "foo\n"

        shell(state, f"kubectl create -f {tmp_path / 'sts.yaml'}")

        def both_running() -> bool:
            return all(phase(state, f"web-{i}") == "Running" for i in (0, 1))

        assert wait_for(both_running, timeout=180), shell(state, "kubectl get pods,pvc")
        volumes = set()
        for ordinal in (0, 1):
            data = get_json(state, f"pvc data-web-{ordinal}")
            assert data["status"]["phase"] == "Bound"
            volumes.add(data["spec"]["volumeName"])
            owner = rootfs / f"data-web-{ordinal}" / "owner"
            assert wait_for(owner.exists, timeout=30)
            assert owner.read_text() == f"web-{ordinal}\n"
        assert len(volumes) == 2
        table = shell(state, "kubectl get pv").splitlines()
        assert table[0].split()[:6] == ["NAME", "CAPACITY", "ACCESS", "MODES", "RECLAIM",
                                        "POLICY"]
        assert sum(" Bound " in line and "standard" in line for line in table[1:]) == 3
    finally:
        reset(state)
