"""`kubectl logs`: the container rules and messages of kubectl 1.20 (logs themselves are empty
on the fake runtime; the Podman runtime's tests read real ones)."""

from __future__ import annotations

from harness import Shell

FORTUNE = """\
apiVersion: v1
kind: Pod
metadata:
  name: fortune
spec:
  containers:
  - image: luksa/fortune
    name: html-generator
  - image: nginx:alpine
    name: web-server
"""


def test_multi_container_pod_needs_c(shell: Shell) -> None:
    shell.write("fortune.yaml", FORTUNE)
    shell.run("kubectl create -f fortune.yaml")
    r = shell.run("kubectl logs fortune")
    assert (r.err, r.code) == ("error: a container name must be specified for pod fortune, "
                               "choose one of: [html-generator web-server]\n", 1)
    r = shell.run("kubectl logs fortune -c web-server")
    assert (r.out, r.err, r.code) == ("", "", 0)
    r = shell.run("kubectl logs fortune -c nope")
    assert r.err == "Error from server (BadRequest): container nope is not valid for pod " \
                    "fortune\n"
    r = shell.run("kubectl logs fortune -c web-server --previous")
    assert r.err == ('Error from server (BadRequest): previous terminated container '
                     '"web-server" in pod "fortune" not found\n')
    r = shell.run("kubectl logs nope")
    assert r.err == 'Error from server (NotFound): pods "nope" not found\n'
