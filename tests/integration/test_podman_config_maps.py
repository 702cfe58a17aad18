"""ConfigMaps and Secrets in a real Podman pod, the book's fortune-config flow: an env var
from a ConfigMap key, the ConfigMap mounted as files in the atomic writer's layout, a Secret
mounted on a tmpfs, and an edit of the ConfigMap reaching the mounted file while the pod runs.

(Named `..._config_maps` because tests/unit/test_podman_config.py holds the basename
`test_podman_config` already, and pytest's rootdir imports need unique basenames.)
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from podman_shell import get_json, reset, shell, wait_for

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: fortune-configmap-volume
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - image: luksa/fortune:env
    name: html-generator
    env:
    - name: INTERVAL
      valueFrom:
        configMapKeyRef:
          name: fortune-config
          key: sleep-interval
    volumeMounts:
    - {name: html, mountPath: /var/htdocs}
  - image: nginx:alpine
    name: web-server
    volumeMounts:
    - {name: html, mountPath: /usr/share/nginx/html, readOnly: true}
    - {name: config, mountPath: /etc/nginx/conf.d, readOnly: true}
    - {name: certs, mountPath: /etc/nginx/certs/, readOnly: true}
  volumes:
  - name: html
    emptyDir: {}
  - name: config
    configMap:
      name: fortune-config
  - name: certs
    secret:
      secretName: fortune-https
"""


@pytest.mark.podman
def test_fortune_config_env_volume_update_and_secret_tmpfs(tmp_path: Path) -> None:
    state = tmp_path / "state"
    (tmp_path / "my-nginx-config.conf").write_text("server { listen 80; gzip on; }\n")
    (tmp_path / "pod.yaml").write_text(POD)
    pod = "fortune-configmap-volume"

    def running() -> bool:
        return get_json(state, f"pod {pod}").get("status", {}).get("phase") == "Running"

    try:
        out = shell(state, "kubectl create configmap fortune-config --from-literal="
                    f"sleep-interval=25 --from-file={tmp_path / 'my-nginx-config.conf'}",
                    "kubectl create secret generic fortune-https --from-literal=foo=bar",
                    f"kubectl create -f {tmp_path / 'pod.yaml'}")
        assert f"pod/{pod} created" in out, out
        assert wait_for(running, timeout=180), shell(state, f"kubectl describe pod {pod}")

        assert shell(state, f"kubectl exec {pod} -c html-generator -- sh -c 'echo $INTERVAL'"
                     ) == "25\n"
        conf = "/etc/nginx/conf.d"
        assert shell(state, f"kubectl exec {pod} -c web-server -- cat {conf}/sleep-interval"
                     ) == "25"
        listing = shell(state, f"kubectl exec {pod} -c web-server -- ls -la {conf}")
        print(listing)
        assert "..data -> ..20" in listing, listing
        assert "sleep-interval -> ..data/sleep-interval" in listing, listing
        mounts = shell(state, f"kubectl exec {pod} -c web-server -- mount")
        [certs] = [m for m in mounts.splitlines() if " /etc/nginx/certs " in m]
        assert certs.startswith("tmpfs on /etc/nginx/certs type tmpfs (ro"), certs
        assert shell(state, f"kubectl exec {pod} -c web-server -- cat /etc/nginx/certs/foo"
                     ) == "bar"

        changed = time.monotonic()
        out = shell(state, "kubectl patch configmap fortune-config --type merge -p "
                    """'{"data":{"sleep-interval":"5"}}'""")
        assert "configmap/fortune-config patched" in out, out
        assert wait_for(lambda: shell(state, f"kubectl exec {pod} -c web-server -- cat"
                                             f" {conf}/sleep-interval") == "5", timeout=30)
        print(f"the mounted file changed {time.monotonic() - changed:.1f}s after the patch")
        # the running container's environment does not change, as in Kubernetes
        assert shell(state, f"kubectl exec {pod} -c html-generator -- sh -c 'echo $INTERVAL'"
                     ) == "25\n"
    finally:
        reset(state)
