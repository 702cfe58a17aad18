"""The sandbox boundary: host namespaces, privileged containers, added capabilities and host
ports are refused at the API, in pods and in every workload's pod template, before anything
is stored; climbing hostPath paths and subPaths get the API server's 422."""

from __future__ import annotations

import pytest
from harness import Shell

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: x
spec:
{spec_extra}  containers:
  - name: main
    image: luksa/kubia
{container_extra}"""

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      hostNetwork: true
      containers:
      - name: main
        image: luksa/kubia
"""

FORBIDDEN = ('Error from server (Forbidden): error when creating "pod.yaml": pods "x" is '
             "forbidden: kubia-tutor sandbox: ")


def pod(spec_extra: str = "", container_extra: str = "") -> str:
    return POD.format(spec_extra=spec_extra, container_extra=container_extra)


def nothing_stored(shell: Shell) -> None:
    r = shell.run("kubectl get pods,deploy,rs,rc,ds,sts,jobs,cronjobs")
    assert r.out == "" and r.err == "No resources found in default namespace.\n"


@pytest.mark.parametrize(("manifest", "refusal"), [
    (pod(spec_extra="  hostNetwork: true\n"), "host namespaces are not allowed (hostNetwork=true)"),
    (pod(spec_extra="  hostPID: true\n  hostIPC: true\n"),
     "host namespaces are not allowed (hostPID=true, hostIPC=true)"),
    (pod(container_extra="    securityContext:\n      privileged: true\n"),
     'privileged containers are not allowed (container "main")'),
    (pod(container_extra="    securityContext:\n      capabilities:\n"
                         "        add: [NET_ADMIN, SYS_TIME]\n"),
     'adding capabilities is not allowed (container "main" adds NET_ADMIN, SYS_TIME)'),
    (pod(container_extra="    ports:\n    - containerPort: 8080\n      hostPort: 9090\n"),
     'host ports are not allowed (container "main" asks for hostPort 9090; use a NodePort'
     " Service or kubectl port-forward)"),
])
def test_pods_crossing_the_boundary_are_refused(shell: Shell, manifest: str,
                                                refusal: str) -> None:
    shell.write("pod.yaml", manifest)
    r = shell.run("kubectl create -f pod.yaml")
    assert (r.out, r.err, r.code) == ("", FORBIDDEN + refusal + "\n", 1)
    r = shell.run("kubectl apply -f pod.yaml")
    assert r.err.endswith(FORBIDDEN.split('"pod.yaml": ')[1] + refusal + "\n")
    assert (r.out, r.code) == ("", 1)
    nothing_stored(shell)


def test_every_refusal_is_named_at_once(shell: Shell) -> None:
    shell.write("pod.yaml", pod(spec_extra="  hostNetwork: true\n",
                                container_extra="    securityContext:\n      privileged: true\n"))
    r = shell.run("kubectl create -f pod.yaml")
    assert r.err == (FORBIDDEN + "host namespaces are not allowed (hostNetwork=true), "
                     'privileged containers are not allowed (container "main")\n')


def test_privileged_false_and_drop_only_are_fine(shell: Shell) -> None:
    shell.write("pod.yaml", pod(container_extra=(
        "    securityContext:\n      privileged: false\n      capabilities:\n"
        "        drop: [ALL]\n    ports:\n    - containerPort: 8080\n")))
    r = shell.run("kubectl apply -f pod.yaml")
    assert (r.out, r.err) == ("pod/x created\n", "")


@pytest.mark.parametrize(("kind", "manifest", "qualified"), [
    ("Deployment", DEPLOYMENT, "deployments.apps"),
    ("ReplicaSet", DEPLOYMENT.replace("kind: Deployment", "kind: ReplicaSet"),
     "replicasets.apps"),
    ("DaemonSet", DEPLOYMENT.replace("kind: Deployment", "kind: DaemonSet")
     .replace("  replicas: 1\n", ""), "daemonsets.apps"),
    ("StatefulSet", DEPLOYMENT.replace("kind: Deployment", "kind: StatefulSet")
     .replace("  replicas: 1\n", "  serviceName: web\n"), "statefulsets.apps"),
    ("ReplicationController", DEPLOYMENT.replace("apps/v1", "v1").replace(
        "kind: Deployment", "kind: ReplicationController").replace(
        "    matchLabels: {app: web}\n", "    app: web\n"), "replicationcontrollers"),
    ("Job", DEPLOYMENT.replace("apps/v1", "batch/v1").replace("kind: Deployment", "kind: Job")
     .replace("  replicas: 1\n  selector:\n    matchLabels: {app: web}\n", "")
     .replace("      hostNetwork: true\n", "      hostNetwork: true\n"
                                          "      restartPolicy: Never\n"), "jobs.batch"),
])
def test_workload_templates_are_refused(shell: Shell, kind: str, manifest: str,
                                        qualified: str) -> None:
    shell.write("w.yaml", manifest)
    r = shell.run("kubectl create -f w.yaml")
    name = "web"
    assert r.err == (f'Error from server (Forbidden): error when creating "w.yaml": '
                     f'{qualified} "{name}" is forbidden: kubia-tutor sandbox: host namespaces '
                     "are not allowed (hostNetwork=true)\n"), kind
    nothing_stored(shell)


def test_cron_job_templates_are_refused(shell: Shell) -> None:
    shell.write("cj.yaml", """\
apiVersion: batch/v1beta1
kind: CronJob
metadata:
  name: tick
spec:
  schedule: "*/15 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: main
            image: luksa/batch-job
            securityContext:
              privileged: true
""")
    r = shell.run("kubectl create -f cj.yaml")
    assert r.err.endswith('cronjobs.batch "tick" is forbidden: kubia-tutor sandbox: '
                          'privileged containers are not allowed (container "main")\n')
    nothing_stored(shell)


def test_an_update_cannot_cross_the_boundary(shell: Shell) -> None:
    shell.write("d.yaml", DEPLOYMENT.replace("      hostNetwork: true\n", ""))
    assert shell.run("kubectl apply -f d.yaml").out == "deployment.apps/web created\n"
    shell.write("d.yaml", DEPLOYMENT)
    r = shell.run("kubectl apply -f d.yaml")
    assert r.err.startswith("Error from server (Forbidden): error when applying")
    assert 'deployments.apps "web" is forbidden: kubia-tutor sandbox: host namespaces are ' \
           "not allowed (hostNetwork=true)" in r.err
    assert r.code == 1
    r = shell.run("kubectl get deploy web -o jsonpath={.spec.template.spec.hostNetwork}")
    assert r.out == ""  # the stored Deployment is unchanged
    r = shell.run("kubectl label deploy web tier=front")  # other changes still go through
    assert r.out == "deployment.apps/web labeled\n"


@pytest.mark.parametrize(("extra", "cause"), [
    ("  volumes:\n  - name: v\n    hostPath:\n      path: /var/../../etc\n",
     "spec.volumes[0].hostPath.path: Invalid value: \"/var/../../etc\": must not contain '..'"),
])
def test_climbing_host_paths_are_invalid(shell: Shell, extra: str, cause: str) -> None:
    shell.write("pod.yaml", pod(container_extra="    volumeMounts:\n    - name: v\n"
                                                "      mountPath: /v\n") + extra)
    r = shell.run("kubectl create -f pod.yaml")
    assert r.err == ('The Pod "x" is invalid: ' + cause + "\n")
    nothing_stored(shell)


@pytest.mark.parametrize(("sub", "detail"), [
    ("../up", "must not contain '..'"),
    ("/abs", "must be a relative path"),
])
def test_climbing_sub_paths_are_invalid(shell: Shell, sub: str, detail: str) -> None:
    shell.write("pod.yaml", pod(container_extra=(
        "    volumeMounts:\n    - name: v\n      mountPath: /v\n"
        f"      subPath: {sub}\n")) + "  volumes:\n  - name: v\n    emptyDir: {}\n")
    r = shell.run("kubectl create -f pod.yaml")
    assert r.err == (f'The Pod "x" is invalid: spec.containers[0].volumeMounts[0].subPath: '
                     f'Invalid value: "{sub}": {detail}\n')
    nothing_stored(shell)


def test_apply_words_a_refused_create_and_a_refused_patch_as_kubectl(shell: Shell) -> None:
    shell.write("d.yaml", DEPLOYMENT)
    r = shell.run("kubectl apply -f d.yaml")
    assert r.err.startswith('Error from server (Forbidden): error when creating "d.yaml": '
                            'deployments.apps "web" is forbidden: ')
    shell.write("d.yaml", DEPLOYMENT.replace("      hostNetwork: true\n", ""))
    shell.run("kubectl apply -f d.yaml")
    shell.write("d.yaml", DEPLOYMENT)
    lines = shell.run("kubectl apply -f d.yaml").err.splitlines()
    assert lines[0] == "Error from server (Forbidden): error when applying patch:"
    assert '"hostNetwork":true' in lines[1]
    assert lines[2:5] == [
        "to:",
        'Resource: "apps/v1, Resource=deployments", GroupVersionKind: "apps/v1, '
        'Kind=Deployment"',
        'Name: "web", Namespace: "default"']
    assert lines[5].startswith('for: "d.yaml": deployments.apps "web" is forbidden: ')
