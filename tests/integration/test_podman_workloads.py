"""A Deployment on real Podman, the book's chapter 9: roll kubia v1 to v2, answer from the new
pods, get stuck on an image that cannot be pulled, roll back, and read the renumbered
history."""

from __future__ import annotations

from pathlib import Path

import pytest
from podman_shell import get_json, reset, shell, wait_for

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: kubia
spec:
  replicas: 3
  progressDeadlineSeconds: 20
  selector:
    matchLabels:
      app: kubia
  strategy:
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
    type: RollingUpdate
  template:
    metadata:
      name: kubia
      labels:
        app: kubia
    spec:
      containers:
      - image: luksa/kubia:v1
        name: nodejs
"""


def running_pods(state: Path) -> dict[str, str]:
    """Running, ready pods of the deployment: name -> image."""
    found = {}
    for pod in get_json(state, "pods -l app=kubia").get("items", []):
        statuses = pod.get("status", {}).get("containerStatuses") or [{}]
        if pod["metadata"].get("deletionTimestamp") or not statuses[0].get("ready"):
            continue
        found[pod["metadata"]["name"]] = pod["spec"]["containers"][0]["image"]
    return found


@pytest.mark.podman
def test_rolling_update_stuck_rollout_and_undo(tmp_path: Path) -> None:
    state = tmp_path / "state"
    manifest = tmp_path / "kubia-deployment-v1.yaml"
    manifest.write_text(DEPLOYMENT)
    try:
        out = shell(state, f"kubectl create -f {manifest} --record",
                    "kubectl rollout status deployment kubia --timeout=180s", timeout=240)
        assert "deployment.apps/kubia created" in out
        assert 'deployment "kubia" successfully rolled out' in out, out
        out = shell(state, "kubectl set image deployment kubia nodejs=luksa/kubia:v2 --record",
                    "kubectl rollout status deployment kubia --timeout=180s", timeout=240)
        assert "deployment.apps/kubia image updated" in out
        assert out.rstrip().endswith('deployment "kubia" successfully rolled out'), out
        pods = wait_for(lambda: (p := running_pods(state)) and len(p) == 3
                        and set(p.values()) == {"luksa/kubia:v2"} and p, timeout=60)
        assert pods, shell(state, "kubectl get pods")
        pod = sorted(pods)[0]
        answer = shell(state, f"kubectl exec {pod} -- curl -s http://localhost:8080")
        assert answer == f"This is v2 running in pod {pod}\n"

        out = shell(state, "kubectl set image deployment kubia nodejs=luksa/kubia:v9999",
                    "kubectl rollout status deployment kubia --timeout=40s", timeout=120)
        assert ('error: deployment "kubia" exceeded its progress deadline' in out
                or "error: timed out waiting for the condition" in out), out
        pulling = wait_for(lambda: any(
            word in shell(state, "kubectl get pods") for word in ("ImagePullBackOff",
                                                                  "ErrImagePull")), timeout=60)
        assert pulling, shell(state, "kubectl get pods")
        assert set(running_pods(state).values()) == {"luksa/kubia:v2"}  # never less than 3

        out = shell(state, "kubectl rollout undo deployment kubia",
                    "kubectl rollout status deployment kubia --timeout=120s",
                    "kubectl rollout history deployment kubia", timeout=180)
        assert "deployment.apps/kubia rolled back" in out
        assert 'deployment "kubia" successfully rolled out' in out, out
        history = out[out.index("REVISION"):].splitlines()
        assert history[1].split()[0] == "1"
        assert history[2].split()[0] == "3"
        assert history[3] == "4         kubectl set image deployment kubia " \
                             "nodejs=luksa/kubia:v2 --record=true"
        assert wait_for(lambda: not any("v9999" in i for i in running_pods(state).values())
                        and len(running_pods(state)) == 3, timeout=60)
    finally:
        reset(state)
