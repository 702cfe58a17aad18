"""The seed's chapter on pods, typed into the script mode, against real kubectl's output."""

from __future__ import annotations

from harness import Shell

MANUAL = """\
apiVersion: v1
kind: Pod
metadata:
  name: kubia-manual
  labels:
    creation_method: manual
    env: prod
spec:
  containers:
  - image: luksa/kubia
    name: kubia
    ports:
    - containerPort: 8080
      protocol: TCP
"""


def test_create_get_label_delete(shell: Shell) -> None:
    shell.write("kubia-manual.yaml", MANUAL)
    r = shell.run("kubectl create -f kubia-manual.yaml")
    assert (r.out, r.err, r.code) == ("pod/kubia-manual created\n", "", 0)
    r = shell.run("kubectl create -f kubia-manual.yaml")
    assert r.err == ('Error from server (AlreadyExists): error when creating '
                     '"kubia-manual.yaml": pods "kubia-manual" already exists\n')
    assert r.code == 1
    r = shell.run("kubectl get po --show-labels")
    assert r.out == (
        "NAME           READY   STATUS    RESTARTS   AGE   LABELS\n"
        "kubia-manual   1/1     Running   0          0s    creation_method=manual,env=prod\n")
    r = shell.run("kubectl label po kubia-manual env=debug")
    assert r.err == "error: 'env' already has a value (prod), and --overwrite is false\n"
    r = shell.run("kubectl label po kubia-manual env=debug --overwrite")
    assert r.out == "pod/kubia-manual labeled\n"
    r = shell.run("kubectl get po -L creation_method,env")
    assert r.out.splitlines()[1].split() == ["kubia-manual", "1/1", "Running", "0", "0s",
                                             "manual", "debug"]
    r = shell.run("kubectl delete po kubia-manual")
    assert r.out == 'pod "kubia-manual" deleted\n'
    r = shell.run("kubectl get po")
    assert r.err == "No resources found in default namespace.\n"


def test_unknown_things_get_kubectl_errors(shell: Shell) -> None:
    assert shell.run("kubectl get foo").err == \
        'error: the server doesn\'t have a resource type "foo"\n'
    r = shell.run("kubectl get pods --foo")
    assert (r.err, r.code) == ("Error: unknown flag: --foo\nSee 'kubectl get --help' for "
                               "usage.\n", 1)
    r = shell.run("kubectl frobnicate")
    assert r.err == ('Error: unknown command "frobnicate" for "kubectl"\n'
                     "Run 'kubectl --help' for usage.\n")
    r = shell.run("kubectl get pod nope")
    assert r.err == 'Error from server (NotFound): pods "nope" not found\n'
    r = shell.run("kubectl create -f missing.yaml")
    assert r.err == 'error: the path "missing.yaml" does not exist\n'
