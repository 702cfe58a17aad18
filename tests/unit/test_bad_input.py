"""Bad input gets kubectl's one-line errors, exit status 1, and stores nothing half-way."""

from __future__ import annotations

from golden import load_golden
from harness import Shell

GOOD = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}
data:
  a: "1"
"""


def test_api_resources_matches_real_kubectl(shell: Shell) -> None:
    golden = load_golden("api-resources.txt")
    r = shell.run("kubectl api-resources", settle=False)
    assert (r.out, r.err, r.code) == (golden.stdout, golden.stderr, 0)


def test_malformed_yaml_is_one_line_and_stores_nothing(shell: Shell) -> None:
    shell.write("bad.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n  labels: [a\n")
    r = shell.run("kubectl create -f bad.yaml")
    assert r.code == 1
    assert r.err.startswith("error: error parsing bad.yaml: error converting YAML to JSON: yaml: ")
    assert r.err.count("\n") == 1
    assert "Traceback" not in r.err
    assert shell.run("kubectl get pods").err == "No resources found in default namespace.\n"


def test_unknown_field_and_wrong_type_name_the_path(shell: Shell) -> None:
    shell.write("unknown.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n"
                                "  foo: 1\n  containers:\n  - name: a\n    image: busybox\n")
    r = shell.run("kubectl create -f unknown.yaml")
    assert r.err == (
        'error: error validating "unknown.yaml": error validating data: '
        'ValidationError(Pod.spec): unknown field "foo" in io.k8s.api.core.v1.PodSpec; if you '
        "choose to ignore these errors, turn validation off with --validate=false\n")
    shell.write("type.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n"
                             "  containers:\n  - name: a\n    image: busybox\n    ports:\n"
                             "    - containerPort: http\n")
    r = shell.run("kubectl create -f type.yaml")
    assert "ValidationError(Pod.spec.containers[0].ports[0].containerPort): invalid type for " \
           'io.k8s.api.core.v1.ContainerPort.containerPort: got "string", expected "integer"' \
           in r.err
    assert r.code == 1


def test_multi_document_file_creates_the_good_ones(shell: Shell) -> None:
    shell.write("multi.yaml", GOOD.format(name="one") + "---\n"
                + "apiVersion: v1\nkind: Frobnicator\nmetadata:\n  name: two\n---\n"
                + GOOD.format(name="three"))
    r = shell.run("kubectl create -f multi.yaml")
    assert r.out == "configmap/one created\nconfigmap/three created\n"
    assert r.err == ('error: unable to recognize "multi.yaml": no matches for kind '
                     '"Frobnicator" in version "v1"\n')
    assert r.code == 1


def test_invalid_object_is_refused_by_the_server(shell: Shell) -> None:
    shell.write("noimage.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n"
                                "  containers:\n  - name: a\n")
    r = shell.run("kubectl create -f noimage.yaml")
    assert r.err == 'The Pod "x" is invalid: spec.containers[0].image: Required value\n'
    assert r.code == 1


def test_directory_and_stdin(shell: Shell) -> None:
    shell.write("dir/a.yaml", GOOD.format(name="a"))
    shell.write("dir/b.json", '{"apiVersion": "v1", "kind": "ConfigMap", '
                              '"metadata": {"name": "b"}}')
    shell.write("dir/notes.txt", "not a manifest")
    r = shell.run("kubectl create -f dir")
    assert r.out == "configmap/a created\nconfigmap/b created\n"
    r = shell.run("kubectl apply -f -", stdin=GOOD.format(name="c"))
    assert r.out == "configmap/c created\n"
    r = shell.run("kubectl apply -f -", stdin=GOOD.format(name="c"))
    assert r.out == "configmap/c unchanged\n"
    r = shell.run("kubectl apply -f -", stdin=GOOD.format(name="c").replace('"1"', '"2"'))
    assert r.out == "configmap/c configured\n"


def test_old_api_versions_are_converted_with_a_warning(shell: Shell) -> None:
    shell.write("deploy.yaml", """\
apiVersion: apps/v1beta1
kind: Deployment
metadata:
  name: kubia
spec:
  replicas: 3
  template:
    metadata:
      name: kubia
      labels:
        app: kubia
    spec:
      containers:
      - image: luksa/kubia:v1
        name: nodejs
""")
    r = shell.run("kubectl create -f deploy.yaml")
    assert r.out == "deployment.apps/kubia created\n"
    assert r.err == ("Warning: apps/v1beta1 Deployment is deprecated in v1.9+, unavailable in "
                     "v1.16+; use apps/v1 Deployment\n")
    r = shell.run("kubectl get deploy kubia -o jsonpath={.spec.selector.matchLabels.app}")
    assert r.out == "kubia"


def test_missing_flag_value_and_bad_output_format(shell: Shell) -> None:
    r = shell.run("kubectl get pods -n")
    assert r.err == "Error: flag needs an argument: 'n' in -n\nSee 'kubectl get --help' for " \
                    "usage.\n"
    r = shell.run("kubectl get pods -o foo")
    assert r.err.startswith('error: unable to match a printer suitable for the output format '
                            '"foo"')
