"""Generators against real kubectl v1.20.2: the goldens, then cases checked on the real binary.

Every expected value below that is not a golden file was produced by running the Debian
kubectl 1.20.2 binary (`--dry-run=client -o json|yaml`, or its error text) on the same input.
"""

from __future__ import annotations

import base64
import json
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from golden import load_golden

from kubia_tutor.shell import generators as g
from kubia_tutor.shell.generators import GeneratorError
from kubia_tutor.shell.printers.serialize import to_json, to_yaml

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "generators"
TLS = FIXTURES / "tls"

# The objects the goldens' fake API server held (only the fields expose reads matter).
RC_KUBIA: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "ReplicationController",
    "metadata": {"name": "kubia", "namespace": "default", "labels": {"app": "kubia"}},
    "spec": {
        "replicas": 3,
        "selector": {"app": "kubia"},
        "template": {
            "metadata": {"labels": {"app": "kubia"}},
            "spec": {
                "containers": [
                    {
                        "name": "kubia",
                        "image": "luksa/kubia",
                        "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                    }
                ]
            },
        },
    },
}
DEPLOYMENT_KUBIA: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "kubia", "namespace": "default", "labels": {"app": "kubia"}},
    "spec": {
        "replicas": 3,
        "selector": {"matchLabels": {"app": "kubia"}},
        "template": {
            "metadata": {"labels": {"app": "kubia"}},
            "spec": {
                "containers": [
                    {
                        "name": "kubia",
                        "image": "luksa/kubia:v1",
                        "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                    }
                ]
            },
        },
    },
}

Builder = Callable[[], dict[str, Any]]

GOLDEN_OBJECTS: list[tuple[str, Builder]] = [
    (
        "create-configmap-literal-yaml",
        lambda: g.configmap("fortune-config", ["sleep-interval=25"]),
    ),
    (
        "create-configmap-from-dir-yaml",
        lambda: g.configmap("fortune-config", from_files=["configmap-files"], cwd=FIXTURES),
    ),
    (
        "create-secret-generic-yaml",
        lambda: g.secret_generic(
            "fortune-https", ["username=admin"], ["https.cert", "foo"], cwd=FIXTURES
        ),
    ),
    (
        "create-secret-docker-registry-yaml",
        lambda: g.secret_docker_registry(
            "mydockerhubsecret",
            username="myusername",
            password="mypassword",
            email="my.email@provider.com",
        ),
    ),
    ("create-deployment-yaml", lambda: g.deployment("kubia", ["luksa/kubia:v1"])),
    ("create-deployment-json", lambda: g.deployment("kubia", ["luksa/kubia:v1"])),
    (
        "create-deployment-replicas-port-yaml",
        lambda: g.deployment("kubia", ["luksa/kubia:v1"], replicas=3, port=8080),
    ),
    ("create-service-clusterip-yaml", lambda: g.service("clusterip", "kubia", ["80:8080"])),
    (
        "create-service-nodeport-yaml",
        lambda: g.service("nodeport", "kubia-nodeport", ["80:8080"], node_port=30123),
    ),
    (
        "create-service-loadbalancer-yaml",
        lambda: g.service("loadbalancer", "kubia-loadbalancer", ["80:8080"]),
    ),
    (
        "create-service-externalname-yaml",
        lambda: g.service(
            "externalname", "external-service", external_name="someapi.somecompany.com"
        ),
    ),
    ("create-job-yaml", lambda: g.job("batch-job", "luksa/batch-job")),
    (
        "create-cronjob-yaml",
        lambda: g.cronjob(
            "batch-job-every-fifteen-minutes", "luksa/batch-job", "0,15,30,45 * * * *"
        ),
    ),
    ("create-namespace-yaml", lambda: g.namespace("custom-namespace")),
    (
        "create-quota-yaml",
        lambda: g.quota(
            "cpu-and-mem",
            "requests.cpu=400m,requests.memory=200Mi,limits.cpu=600m,limits.memory=500Mi",
        ),
    ),
    ("create-serviceaccount-yaml", lambda: g.serviceaccount("foo")),
    (
        "create-ingress-yaml",
        lambda: g.ingress("kubia", ["kubia.example.com/*=kubia-nodeport:80"]),
    ),
    (
        "create-clusterrolebinding-yaml",
        lambda: g.clusterrolebinding("view-test", "view", serviceaccounts=["foo:default"]),
    ),
    ("run-yaml", lambda: g.run_pod("kubia", "luksa/kubia", port="8080", dry_run=True)),
    (
        "run-full-options-yaml",
        lambda: g.run_pod(
            "dnsutils",
            "tutum/dnsutils",
            restart="Never",
            labels="app=dns,tier=debug",
            env=["FOO=bar"],
            command=True,
            args=["sleep", "infinity"],
            dry_run=True,
        ),
    ),
    (
        "expose-rc-loadbalancer-yaml",
        lambda: g.expose(RC_KUBIA, "ReplicationController", name="kubia-http", type="LoadBalancer"),
    ),
    (
        "expose-deployment-nodeport-yaml",
        lambda: g.expose(
            DEPLOYMENT_KUBIA,
            name="kubia-nodeport2",
            type="NodePort",
            port="80",
            target_port="8080",
        ),
    ),
]


@pytest.mark.parametrize(("name", "build"), GOLDEN_OBJECTS, ids=[n for n, _ in GOLDEN_OBJECTS])
def test_golden_object(name: str, build: Builder) -> None:
    golden = load_golden(name)
    assert golden.exit_code == 0
    obj = build()
    if name.endswith("-json"):
        assert obj == json.loads(golden.stdout)
        # Objects kubectl builds print in Go struct field order, not sorted.
        assert to_json(obj, sort_keys=False) == golden.stdout
    else:
        assert obj == yaml.safe_load(golden.stdout)
        assert to_yaml(obj) == golden.stdout


def test_golden_secret_tls() -> None:
    # The golden's key was redacted, so that pair cannot be rebuilt: build the secret from a
    # throwaway pair and put its two values into the golden text in place of the originals.
    golden = load_golden("create-secret-tls-yaml")
    obj = g.secret_tls("kubia-tls", "tls/rsa.crt", "tls/rsa.key", cwd=FIXTURES)
    own = {
        "tls.crt": base64.b64encode((TLS / "rsa.crt").read_bytes()).decode(),
        "tls.key": base64.b64encode((TLS / "rsa.key").read_bytes()).decode(),
    }
    assert obj["data"] == own
    expected = re.sub(
        r"(?m)^  (tls\.crt|tls\.key): .*$", lambda m: f"  {m[1]}: {own[m[1]]}", golden.stdout
    )
    assert expected.count("  tls.") == 2
    assert obj == yaml.safe_load(expected)
    assert to_yaml(obj) == expected


def test_golden_certificate_with_another_key() -> None:
    # The golden's certificate (https.cert) does parse; the key is simply not its own.
    with pytest.raises(GeneratorError) as err:
        g.secret_tls("kubia-tls", "https.cert", "tls/rsa.key", cwd=FIXTURES)
    assert err.value.message == "failed to load key pair tls: private key does not match public key"


@pytest.mark.parametrize(
    ("name", "build"),
    [
        ("create-configmap-bad-literal-error", lambda: g.configmap("x", ["novalue"])),
        ("create-deployment-missing-image-error", lambda: g.deployment("kubia", [])),
        ("run-missing-image-error", lambda: g.run_pod("kubia", None)),
    ],
)
def test_golden_error(name: str, build: Builder) -> None:
    golden = load_golden(name)
    with pytest.raises(GeneratorError) as err:
        build()
    prefix = "Error: " if err.value.cobra else "error: "
    assert golden.exit_code == 1
    assert golden.stderr == prefix + err.value.message + "\n"
    assert not err.value.usage_hint


# ---------------------------------------------------------------------------------------------
# Error texts, each as the real binary printed it (usage_hint: it added a `See ...` line)

CFG_KEY_RULE = (
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' "
    "(e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is "
    "'[-._a-zA-Z0-9]+')"
)
ENV_NAME_RULE = (
    "a valid environment variable name must consist of alphabetic characters, digits, '_', "
    "'-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  "
    "or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')"
)
FORMAT_RULE = (
    "quantities must match the regular expression "
    "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)
POD_NO_LABELS: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "nolabels"},
    "spec": {"containers": [{"name": "a", "image": "a", "ports": [{"containerPort": 80}]}]},
}
POD_NO_PORTS: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "noports", "labels": {"app": "np"}},
    "spec": {"containers": [{"name": "a", "image": "a"}]},
}
DEPLOYMENT_EXPRESSIONS: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "expr", "labels": {"app": "expr"}},
    "spec": {
        "selector": {
            "matchLabels": {"app": "expr"},
            "matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["a", "b"]},
                {"key": "x", "operator": "Exists"},
            ],
        },
        "template": {"spec": {"containers": [{"name": "a", "image": "a"}]}},
    },
}

ERRORS: list[tuple[str, Builder, str, bool]] = [
    ("literal =v", lambda: g.configmap("x", ["=v"]),
     "invalid literal source =v, expected key=value", False),
    ("cm duplicate", lambda: g.configmap("x", ["a=1", "a=2"]),
     'cannot add key "a", another key by that name already exists in Data for ConfigMap "x"',
     False),
    ("cm bad key", lambda: g.configmap("x", ["a/b=1"]),
     f'"a/b" is not a valid key name for a ConfigMap: {CFG_KEY_RULE}', False),
    ("cm ..a", lambda: g.configmap("x", ["..a=1"]),
     "\"..a\" is not a valid key name for a ConfigMap: must not start with '..'", False),
    ("cm key too long", lambda: g.configmap("x", ["a" * 254 + "=1"]),
     f'"{"a" * 254}" is not a valid key name for a ConfigMap: must be no more than 253 characters',
     False),
    ("cm key dir", lambda: g.configmap("x", from_files=["k=configmap-files"], cwd=FIXTURES),
     "cannot give a key name for a directory path.", False),
    ("secret key dir",
     lambda: g.secret_generic("x", from_files=["k=configmap-files"], cwd=FIXTURES),
     "cannot give a key name for a directory path", False),
    ("file =a", lambda: g.configmap("x", from_files=["=a"]),
     "key name for file path a missing", False),
    ("file a=", lambda: g.configmap("x", from_files=["a="]),
     "file path for key name a missing", False),
    ("file a=b=c", lambda: g.configmap("x", from_files=["a=b=c"]),
     "key names or file paths cannot contain '='", False),
    ("file missing", lambda: g.configmap("x", from_files=["nope"], cwd=FIXTURES),
     "error reading nope: no such file or directory", False),
    ("files before literals", lambda: g.secret_generic("x", ["bad"], ["nope"], cwd=FIXTURES),
     "error reading nope: no such file or directory", False),
    ("env file with literal", lambda: g.configmap("x", ["a=b"], from_env_files=["foo"]),
     "from-env-file cannot be combined with from-file or from-literal", False),
    ("env file dir", lambda: g.configmap("x", from_env_files=["tls"], cwd=FIXTURES),
     "env config file cannot be a directory", False),
    ("secret env dir", lambda: g.secret_generic("x", from_env_files=["tls"], cwd=FIXTURES),
     "env secret file cannot be a directory", False),
    ("secret duplicate", lambda: g.secret_generic("s", ["a=1", "a=2"]),
     "cannot add key a, another key by that name already exists", False),
    ("secret bad key", lambda: g.secret_generic("s", ["a/b=1"]),
     f'"a/b" is not a valid key name for a Secret: {CFG_KEY_RULE}', False),
    ("tls no cert", lambda: g.secret_tls("t", "", ""), "flag cert is required", True),
    ("tls no key", lambda: g.secret_tls("t", "tls/rsa.crt", ""), "flag key is required", True),
    ("tls missing file", lambda: g.secret_tls("t", "nope", "tls/rsa.key", cwd=FIXTURES),
     "Cannot read file nope, open nope: no such file or directory", False),
    ("docker no user", lambda: g.secret_docker_registry("r"),
     "flag docker-username is required", True),
    ("docker no password", lambda: g.secret_docker_registry("r", username="u"),
     "flag docker-password is required", True),
    ("docker no server", lambda: g.secret_docker_registry("r", "", "u", "p"),
     "flag docker-server is required", True),
    ("deploy images+command", lambda: g.deployment("d", ["a", "b"], command=["echo"]),
     "cannot specify multiple --image options and command", False),
    ("svc no ports", lambda: g.service("clusterip", "s"),
     "at least one tcp port specifier must be provided", False),
    ("svc None nodeport", lambda: g.service("nodeport", "s", ["80"], cluster_ip="None"),
     "ClusterIP=None can only be used with ClusterIP service type", False),
    ("svc bad port", lambda: g.service("nodeport", "s", ["abc"]),
     'strconv.ParseUint: parsing "abc": invalid syntax', False),
    ("svc port range", lambda: g.service("nodeport", "s", ["99999"]),
     'strconv.ParseUint: parsing "99999": value out of range', False),
    ("svc target range", lambda: g.service("nodeport", "s", ["80:99999"]),
     "must be between 1 and 65535, inclusive", False),
    ("svc target name", lambda: g.service("nodeport", "s", ["80:-AAAAAAAA--AAAAAAAA-"]),
     "must be no more than 15 characters,must contain only alpha-numeric characters (a-z, 0-9), "
     "and hyphens (-),must contain at least one letter or number (a-z, 0-9),must not contain "
     "consecutive hyphens,must not begin or end with a hyphen", False),
    ("svc external name", lambda: g.service("externalname", "s", external_name="Bad_Name"),
     "invalid service external name Bad_Name", False),
    ("job neither", lambda: g.job("j"), "either --image or --from must be specified", False),
    ("job from pod", lambda: g.job("j", from_cronjob=POD_NO_PORTS),
     'from must be an existing cronjob: v1.Pod is not suitable for converting to "batch/v1beta1" '
     'in scheme "k8s.io/kubectl/pkg/scheme/scheme.go:28"', False),
    ("quota statement", lambda: g.quota("q", "pods"),
     "Invalid argument syntax pods, expected <resource>=<value>", False),
    ("quota value", lambda: g.quota("q", "pods=x"), FORMAT_RULE, False),
    ("quota scope", lambda: g.quota("q", "pods=1", "a,,b"), 'invalid resource quota scope ""',
     False),
    ("crb sa", lambda: g.clusterrolebinding("b", "view", serviceaccounts=["bad"]),
     "serviceaccount must be <namespace>:<name>", False),
    ("ingress empty", lambda: g.ingress("i"),
     "not enough information provided: every ingress has to either specify a default-backend "
     "(which catches all traffic) or a list of rules (which catch specific paths)", False),
    ("ingress rule", lambda: g.ingress("i", ["foo.com=svc:80"]),
     "rule foo.com=svc:80 is invalid and should be in format "
     "host/path=svcname:svcport[,tls[=secret]]", False),
    ("ingress backend", lambda: g.ingress("i", default_backend="svc"),
     "default-backend should be in format servicename:serviceport", False),
    ("run no name", lambda: g.run_pod("", "busybox"), "NAME is required for run", True),
    ("run image", lambda: g.run_pod("x", "Bad_Image"),
     'Invalid image name "Bad_Image": invalid reference format', False),
    ("run tty", lambda: g.run_pod("x", "busybox", tty=True),
     "-i/--stdin is required for containers with -t/--tty=true", True),
    ("run expose", lambda: g.run_pod("x", "busybox", expose=True),
     "--port must be set when exposing a service", True),
    ("run restart", lambda: g.run_pod("x", "busybox", restart="Foo"),
     "invalid restart policy: Foo", True),
    ("run rm", lambda: g.run_pod("x", "busybox", rm=True),
     "--rm should only be used for attached containers", True),
    ("run attach dry-run", lambda: g.run_pod("x", "busybox", stdin=True, dry_run=True),
     "--dry-run=[server|client] can't be used with attached containers options "
     "(--attach, --stdin, or --tty)", True),
    ("run pull policy", lambda: g.run_pod("x", "busybox", image_pull_policy="foo"),
     "invalid image pull policy: foo", True),
    ("run env", lambda: g.run_pod("x", "busybox", env=["1A=b"]), "invalid env: 1A=b", False),
    ("run env first", lambda: g.run_pod("x", "busybox", env=["A"], labels="bad", port="x"),
     "invalid env: A", False),
    ("run annotations", lambda: g.run_pod("x", "busybox", annotations=["a", "=x", "b=1"]),
     "invalid annotations format: a, =x", False),
    ("run labels", lambda: g.run_pod("x", "busybox", labels="a=b,c"),
     "unexpected label spec: c", False),
    ("run label key", lambda: g.run_pod("x", "busybox", labels="=x"),
     "unexpected empty label key", False),
    ("run port", lambda: g.run_pod("x", "busybox", port="ab"),
     'strconv.Atoi: parsing "ab": invalid syntax', False),
    ("run hostport", lambda: g.run_pod("x", "busybox", hostport=80),
     "--hostport requires --port to be specified", False),
    ("run requests", lambda: g.run_pod("x", "busybox", requests="cpu=abc"), FORMAT_RULE, False),
    ("expose kind", lambda: g.expose({"apiVersion": "apps/v1", "kind": "StatefulSet"}),
     "cannot expose a StatefulSet.apps", False),
    ("expose configmap", lambda: g.expose({"apiVersion": "v1", "kind": "ConfigMap"}),
     "cannot expose a ConfigMap", False),
    ("expose pod no labels", lambda: g.expose(POD_NO_LABELS),
     "couldn't retrieve selectors via --selector flag or introspection: the pod has no labels "
     "and cannot be exposed", True),
    ("expose no ports", lambda: g.expose(POD_NO_PORTS),
     "couldn't find port via --port flag or introspection", True),
    ("expose expressions", lambda: g.expose(DEPLOYMENT_EXPRESSIONS, port="80"),
     "couldn't retrieve selectors via --selector flag or introspection: couldn't convert "
     'expressions - "[{Key:tier Operator:In Values:[a b]} {Key:x Operator:Exists Values:[]}]" '
     "to map-based selector format", True),
    ("expose service without selector",
     lambda: g.expose({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
                       "spec": {"ports": [{"port": 80}]}}),
     "couldn't retrieve selectors via --selector flag or introspection: the service has no pod "
     "selector set", True),
    ("expose affinity", lambda: g.expose(RC_KUBIA, session_affinity="foo"),
     "unknown session affinity: foo", False),
    ("expose port", lambda: g.expose(RC_KUBIA, port="abc"),
     'strconv.Atoi: parsing "abc": invalid syntax', False),
    ("expose selector", lambda: g.expose(RC_KUBIA, selector="app"),
     "unexpected label spec: app", False),
    ("one name", lambda: {"name": g.name_from_args(["a", "b", "c"])},
     "exactly one NAME is required, got 3", True),
]  # fmt: skip


@pytest.mark.parametrize(
    ("build", "message", "usage_hint"),
    [(b, m, u) for _, b, m, u in ERRORS],
    ids=[case for case, *_ in ERRORS],
)
def test_error(build: Builder, message: str, usage_hint: bool) -> None:
    with pytest.raises(GeneratorError) as err:
        build()
    assert err.value.message == message
    assert err.value.usage_hint == usage_hint
    assert not err.value.cobra


@pytest.mark.parametrize(
    ("build", "flag"),
    [
        (lambda: g.cronjob("c", "busybox", ""), "schedule"),
        (lambda: g.cronjob("c", "", "x"), "image"),
        (lambda: g.service("externalname", "s"), "external-name"),
        (lambda: g.clusterrolebinding("b", ""), "clusterrole"),
    ],
)
def test_required_flag(build: Builder, flag: str) -> None:
    with pytest.raises(GeneratorError) as err:
        build()
    assert err.value.cobra
    assert err.value.message == f'required flag(s) "{flag}" not set'


# ---------------------------------------------------------------------------------------------
# Quantities: what `--hard`/`--requests`/`--limits` values become in the object

QUANTITIES = [
    ("1000E", "1"),
    ("1000m", "1"),
    ("2000Ki", "2000Ki"),
    ("1024", "1024"),
    ("1.5", "1500m"),
    ("0.1m", "100u"),
    ("1e-12", "1e-9"),
    ("12345678901234567890", "12345678901234567890"),
    ("0.000001Ki", "1024u"),
    ("1023Ki", "1023Ki"),
    ("1E", "1E"),
    ("1e+3", "1e+3"),
    ("1.5e3", "1500"),
    ("100e-2", "1"),
    ("5u", "5u"),
    ("1000u", "1m"),
    ("+", "0"),
    ("-", "0"),
    ("9223372036854775807", "9223372036854775807"),
    ("1Ei", "1Ei"),
    ("16Ei", "9223372036854775807"),
    ("0.5e-9", "1e-9"),
    ("+1", "+1"),
    ("0001", "0001"),
    ("1e99", "1e99"),
    ("1000e99", "1e102"),
    ("12e-1", "1200e-3"),
    ("-1Ki", "-1Ki"),
    ("-1023Ki", "-1023Ki"),
    ("0.5Ki", "512"),
    ("1.5Gi", "1536Mi"),
    ("-1.5Gi", "-1536Mi"),
    ("1.", "1."),
    ("0.0000000001", "1n"),
    ("1536Ki", "1536Ki"),
    ("8Ki", "8Ki"),
    ("1.0Mi", "1Mi"),
    ("1000000000000000000000", "1"),
    ("1234567890123456789m", "1234567890123456789m"),
    ("0.1", "100m"),
    ("100Pi", "100Pi"),
    ("17Ei", "9223372036854775807"),
    ("0.5", "500m"),
    ("1024Mi", "1Gi"),
]


@pytest.mark.parametrize(("text", "expected"), QUANTITIES)
def test_quantity(text: str, expected: str) -> None:
    assert g.kubectl_quantity(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1ki", "unable to parse quantity's suffix"),
        ("1e", "unable to parse quantity's suffix"),
        ("b", FORMAT_RULE),
        ("..", FORMAT_RULE),
        ("1.2.3", FORMAT_RULE),
        ("1Q", FORMAT_RULE),
        ("1_000", FORMAT_RULE),
        ("", FORMAT_RULE),
    ],
)
def test_quantity_error(text: str, message: str) -> None:
    with pytest.raises(GeneratorError) as err:
        g.kubectl_quantity(text)
    assert err.value.message == message


def test_quantity_huge_exponents_finish() -> None:
    # Real kubectl spins on these; the values follow from the same rules.
    assert g.kubectl_quantity("1e2147483648") == "1e-9"
    assert g.kubectl_quantity("1e-2147483649") == "10e2147483646"


# ---------------------------------------------------------------------------------------------
# ConfigMaps and Secrets


def _write(directory: Path, name: str, content: bytes) -> None:
    (directory / name).write_bytes(content)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    files = tmp_path / "cmdir"
    files.mkdir()
    _write(files, "a.txt", b"v1")
    _write(files, "bin", b"\xff\xfe")
    (files / "sub").mkdir()
    (files / "link").symlink_to("a.txt")
    _write(tmp_path, "env1", b"\xef\xbb\xbfA=1\n# c\n  B= 2 \r\n\n\t\nC\nD=x=y\nE=\n")
    _write(tmp_path, "env2", b"1A=2\n")
    _write(tmp_path, "env3", b"A=\xff\n")
    _write(tmp_path, "env4", b"A=1\nA=2\n")
    return tmp_path


def test_configmap_directory_binary_and_hash(data_dir: Path) -> None:
    cm = g.configmap("x", from_files=["cmdir/"], append_hash=True, cwd=data_dir)
    # Symbolic links and subdirectories are skipped; non-UTF-8 content goes to binaryData.
    assert cm["data"] == {"a.txt": "v1"}
    assert cm["binaryData"] == {"bin": "//4="}
    assert cm["metadata"]["name"] == "x-tdf2k795k7"
    assert list(cm) == ["kind", "apiVersion", "metadata", "data", "binaryData"]


def test_configmap_binary_key_clash(data_dir: Path) -> None:
    with pytest.raises(GeneratorError) as err:
        g.configmap("x", ["bin=1"], ["cmdir"], cwd=data_dir)
    assert err.value.message == (
        'cannot add key "bin", another key by that name already exists in BinaryData for '
        'ConfigMap "x"'
    )


def test_configmap_hash_of_literals() -> None:
    cm = g.configmap("x", ["a=b,c=d"], append_hash=True)
    assert cm["data"] == {"a": "b,c=d"}
    assert cm["metadata"]["name"] == "x-8tk76h5fc2"


def test_env_file(data_dir: Path) -> None:
    cm = g.configmap(
        "c", from_env_files=["env1"], append_hash=True, cwd=data_dir, environ={"C": "fromenv"}
    )
    assert cm["data"] == {"A": "1", "B": " 2 ", "C": "fromenv", "D": "x=y", "E": ""}
    assert cm["metadata"]["name"] == "c-kbk5h98b8t"
    secret = g.secret_generic(
        "s",
        from_env_files=["env1"],
        type_="foo",
        append_hash=True,
        cwd=data_dir,
        environ={"C": "fromenv"},
    )
    assert secret["data"] == {
        "A": "MQ==",
        "B": "IDIg",
        "C": "ZnJvbWVudg==",
        "D": "eD15",
        "E": "",
    }
    assert secret["type"] == "foo"
    assert secret["metadata"]["name"] == "s-2ktk8d2d85"


def test_env_file_last_flag_wins(data_dir: Path) -> None:
    # --from-env-file is a plain string flag in 1.20: a second one replaces the first.
    with pytest.raises(GeneratorError) as err:
        g.configmap("c", from_env_files=["env1", "env4"], cwd=data_dir)
    assert err.value.message == (
        'cannot add key "A", another key by that name already exists in Data for ConfigMap "c"'
    )


@pytest.mark.parametrize(
    ("env_file", "message"),
    [
        ("env2", f'"1A" is not a valid key name: {ENV_NAME_RULE}'),
        ("env3", "env file env3 contains invalid utf8 bytes at line 1: [65 61 255]"),
        ("nope", "error reading nope: no such file or directory"),
    ],
)
def test_env_file_errors(data_dir: Path, env_file: str, message: str) -> None:
    for build in (g.configmap, g.secret_generic):
        with pytest.raises(GeneratorError) as err:
            build("c", from_env_files=[env_file], cwd=data_dir)
        assert err.value.message == message


def test_secret_generic_empty() -> None:
    assert g.secret_generic("s") == {
        "kind": "Secret",
        "apiVersion": "v1",
        "metadata": {"name": "s", "creationTimestamp": None},
    }


def test_docker_registry_escapes_like_go() -> None:
    secret = g.secret_docker_registry("r", "a<b>&c", "u", "p", "é", append_hash=True)
    config = base64.b64decode(secret["data"][".dockerconfigjson"]).decode()
    assert config == (
        '{"auths":{"a\\u003cb\\u003e\\u0026c":{"username":"u","password":"p","email":"é",'
        '"auth":"dTpw"}}}'
    )
    assert secret["metadata"]["name"] == "r-b2mtcctcmf"


def test_docker_registry_from_file() -> None:
    secret = g.secret_docker_registry("r", from_files=[".dockerconfigjson=foo"], cwd=FIXTURES)
    assert secret["data"] == {".dockerconfigjson": "YmFyCg=="}
    assert secret["type"] == "kubernetes.io/dockerconfigjson"


@pytest.mark.parametrize(
    ("cert", "key"),
    [
        ("rsa.crt", "rsa.key"),
        ("rsa.crt", "rsa-pkcs1.key"),
        ("ec.crt", "ec.key"),
        ("ec.crt", "ec-sec1.key"),
        ("ed25519.crt", "ed25519.key"),
    ],
)
def test_tls_pairs_that_match(cert: str, key: str) -> None:
    secret = g.secret_tls("t", cert, key, cwd=TLS)
    assert secret["type"] == "kubernetes.io/tls"
    assert set(secret["data"]) == {"tls.crt", "tls.key"}


def test_tls_hash() -> None:
    assert g.secret_tls("t", "rsa.crt", "rsa.key", True, cwd=TLS)["metadata"]["name"] == (
        "t-6g99d5df86"
    )


@pytest.mark.parametrize(
    ("cert", "key", "reason"),
    [
        ("rsa.crt", "rsa-other.key", "tls: private key does not match public key"),
        ("ec.crt", "ec-other.key", "tls: private key does not match public key"),
        ("ed25519.crt", "ed25519-other.key", "tls: private key does not match public key"),
        ("rsa.crt", "ec.key", "tls: private key type does not match public key type"),
        ("ed25519.crt", "rsa.key", "tls: private key type does not match public key type"),
        (
            "rsa.key",
            "rsa.key",
            "tls: failed to find certificate PEM data in certificate input, but did find a "
            "private key; PEM inputs may have been switched",
        ),
        (
            "rsa.crt",
            "rsa.crt",
            "tls: found a certificate rather than a key in the PEM for the private key",
        ),
        ("README.md", "rsa.key", "tls: failed to find any PEM data in certificate input"),
        ("rsa.crt", "README.md", "tls: failed to find any PEM data in key input"),
    ],
)
def test_tls_pairs_rejected(cert: str, key: str, reason: str) -> None:
    with pytest.raises(GeneratorError) as err:
        g.secret_tls("t", cert, key, cwd=TLS)
    assert err.value.message == f"failed to load key pair {reason}"


@pytest.mark.parametrize(
    ("cert", "key", "reason"),
    [
        (
            b"-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n-----BEGIN BAR-----\nAAAA\n"
            b"-----END BAR-----\n",
            None,
            'tls: failed to find "CERTIFICATE" PEM block in certificate input after skipping '
            "PEM blocks of the following types: [FOO BAR]",
        ),
        (
            None,
            b"-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n-----BEGIN BAR-----\nAAAA\n"
            b"-----END BAR-----\n",
            'tls: failed to find PEM block with type ending in "PRIVATE KEY" in key input '
            "after skipping PEM blocks of the following types: [FOO BAR]",
        ),
        (
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            None,
            "x509: malformed certificate",
        ),
        (
            None,
            b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
            "tls: failed to parse private key",
        ),
    ],
)
def test_tls_malformed(tmp_path: Path, cert: bytes | None, key: bytes | None, reason: str) -> None:
    (tmp_path / "c.pem").write_bytes(cert if cert is not None else (TLS / "rsa.crt").read_bytes())
    (tmp_path / "k.pem").write_bytes(key if key is not None else (TLS / "rsa.key").read_bytes())
    with pytest.raises(GeneratorError) as err:
        g.secret_tls("t", "c.pem", "k.pem", cwd=tmp_path)
    assert err.value.message == f"failed to load key pair {reason}"


def test_tls_bundle_in_one_file(tmp_path: Path) -> None:
    bundle = (TLS / "rsa.key").read_bytes() + (TLS / "rsa.crt").read_bytes()
    (tmp_path / "both.pem").write_bytes(bundle)
    assert g.secret_tls("t", "both.pem", "both.pem", cwd=tmp_path)["data"]["tls.crt"]


# ---------------------------------------------------------------------------------------------
# Workloads


def test_deployment_container_names() -> None:
    deploy = g.deployment(
        "d",
        ["a.b/c_d.e:1", "x@sha256:abc", "reg:5000/ns/img:tag"],
        replicas=0,
        port=80,
        rng=random.Random(1),
    )
    containers = deploy["spec"]["template"]["spec"]["containers"]
    assert re.fullmatch(r"c-d-e-[bcdfghjklmnpqrstvwxz2456789]{5}", containers[0]["name"])
    assert [c["name"] for c in containers[1:]] == ["x", "img"]
    assert containers[0]["ports"] == [{"containerPort": 80}]
    assert deploy["spec"]["replicas"] == 0
    again = g.deployment("d", ["a.b/c_d.e:1"], rng=random.Random(1))
    assert again["spec"]["template"]["spec"]["containers"][0]["name"] == containers[0]["name"]


def test_deployment_command() -> None:
    deploy = g.deployment("d", ["busybox"], command=["echo", "hi"])
    container = deploy["spec"]["template"]["spec"]["containers"][0]
    assert container == {
        "name": "busybox",
        "image": "busybox",
        "command": ["echo", "hi"],
        "resources": {},
    }


def test_job_from_cronjob() -> None:
    cron = {
        "apiVersion": "batch/v1beta1",
        "kind": "CronJob",
        "metadata": {"name": "cj", "uid": "uid-cj", "labels": {"owner": "me"}},
        "spec": {
            "schedule": "*/1 * * * *",
            "jobTemplate": {
                "metadata": {"labels": {"jl": "x"}, "annotations": {"ja": "y"}},
                "spec": {
                    "backoffLimit": 2,
                    "template": {
                        "metadata": {"labels": {"pl": "z"}},
                        "spec": {
                            "restartPolicy": "OnFailure",
                            "containers": [{"name": "c", "image": "busybox", "command": ["date"]}],
                        },
                    },
                },
            },
        },
    }
    obj = g.job("j", from_cronjob=cron)
    assert to_yaml(obj) == (
        "apiVersion: batch/v1\n"
        "kind: Job\n"
        "metadata:\n"
        "  annotations:\n"
        "    cronjob.kubernetes.io/instantiate: manual\n"
        '    ja: "y"\n'
        "  creationTimestamp: null\n"
        "  labels:\n"
        "    jl: x\n"
        "  name: j\n"
        "  ownerReferences:\n"
        "  - apiVersion: batch/v1beta1\n"
        "    kind: CronJob\n"
        "    name: cj\n"
        "    uid: uid-cj\n"
        "spec:\n"
        "  backoffLimit: 2\n"
        "  template:\n"
        "    metadata:\n"
        "      creationTimestamp: null\n"
        "      labels:\n"
        "        pl: z\n"
        "    spec:\n"
        "      containers:\n"
        "      - command:\n"
        "        - date\n"
        "        image: busybox\n"
        "        name: c\n"
        "        resources: {}\n"
        "      restartPolicy: OnFailure\n"
        "status: {}\n"
    )
    with pytest.raises(GeneratorError, match="cannot specify --from and command"):
        g.job_validate("", "cronjob/cj", ["echo"])


def test_cronjob_restart_and_command() -> None:
    obj = g.cronjob("c", "busybox", "* * * * *", "Never", ["date", "-u"])
    pod = obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    assert pod["containers"][0]["command"] == ["date", "-u"]


def test_run_every_flag() -> None:
    pod = g.run_pod(
        "x",
        "busybox",
        port="80",
        hostport=8080,
        labels="a=b",
        env=["A=1", "B="],
        restart="OnFailure",
        image_pull_policy="Never",
        requests="cpu=100m,memory=1Gi",
        limits="cpu=1",
        serviceaccount="sa",
        annotations=["k=v", "k2=v=2"],
        privileged=True,
        command=True,
        args=["a", "b"],
        dry_run=True,
    )
    assert to_yaml(pod) == (
        "apiVersion: v1\n"
        "kind: Pod\n"
        "metadata:\n"
        "  annotations:\n"
        "    k: v\n"
        "    k2: v=2\n"
        "  creationTimestamp: null\n"
        "  labels:\n"
        "    a: b\n"
        "  name: x\n"
        "spec:\n"
        "  containers:\n"
        "  - command:\n"
        "    - a\n"
        "    - b\n"
        "    env:\n"
        "    - name: A\n"
        '      value: "1"\n'
        "    - name: B\n"
        "    image: busybox\n"
        "    imagePullPolicy: Never\n"
        "    name: x\n"
        "    ports:\n"
        "    - containerPort: 80\n"
        "      hostPort: 8080\n"
        "    resources:\n"
        "      limits:\n"
        '        cpu: "1"\n'
        "      requests:\n"
        "        cpu: 100m\n"
        "        memory: 1Gi\n"
        "    securityContext:\n"
        "      privileged: true\n"
        "  dnsPolicy: ClusterFirst\n"
        "  restartPolicy: OnFailure\n"
        "  serviceAccountName: sa\n"
        "status: {}\n"
    )


def test_run_stdin_without_attach() -> None:
    pod = g.run_pod("x", "busybox", stdin=True, attach=False, dry_run=True)
    container = pod["spec"]["containers"][0]
    assert container["stdin"] is True
    assert container["stdinOnce"] is True
    # With --attach=false the default restart policy stays Always.
    assert pod["spec"]["restartPolicy"] == "Always"


@pytest.mark.parametrize(
    ("image", "valid"),
    [
        ("busybox", True),
        ("a/b/c:d", True),
        ("localhost:5000/a:b", True),
        ("x@sha256:" + "a" * 32, True),
        ("a__b", True),
        ("a--b", True),
        ("a:" + "t" * 128, True),
        ("Bad_Image", False),
        ("x@sha256:abc", False),
        ("a___b", False),
        ("a-", False),
        ("-a", False),
        ("a:" + "t" * 129, False),
        ("a/B", False),
        ("a" * 5000 + "!", False),
    ],
)
def test_image_reference(image: str, valid: bool) -> None:
    assert g.valid_image_reference(image) is valid


# ---------------------------------------------------------------------------------------------
# Services


def test_service_port_specs() -> None:
    svc = g.service("clusterip", "s", ["80", "5678:http"], cluster_ip="10.0.0.1")
    assert svc["spec"]["ports"] == [
        {"name": "80", "protocol": "TCP", "port": 80, "targetPort": 80},
        {"name": "5678-http", "protocol": "TCP", "port": 5678, "targetPort": "http"},
    ]
    assert svc["spec"]["clusterIP"] == "10.0.0.1"
    headless = g.service("clusterip", "s", cluster_ip="None")
    assert "ports" not in headless["spec"]
    several = g.service("nodeport", "s", ["80,90"], node_port=5)
    assert [p["nodePort"] for p in several["spec"]["ports"]] == [5, 5]


def test_expose_several_ports_and_protocols() -> None:
    multi = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "multi"},
        "spec": {
            "selector": {"matchLabels": {"app": "multi", "tier": "web"}},
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "a",
                            "ports": [
                                {"containerPort": 8080, "protocol": "TCP"},
                                {"containerPort": 53, "protocol": "UDP"},
                            ],
                        },
                        {"name": "b", "ports": [{"containerPort": 9090}]},
                    ]
                }
            },
        },
    }
    svc = g.expose(multi)
    assert svc["spec"]["ports"] == [
        {"name": "port-1", "protocol": "TCP", "port": 8080, "targetPort": 8080},
        {"name": "port-2", "protocol": "UDP", "port": 53, "targetPort": 53},
        {"name": "port-3", "protocol": "TCP", "port": 9090, "targetPort": 9090},
    ]
    assert "labels" not in svc["metadata"]
    assert [p["protocol"] for p in g.expose(multi, protocol="SCTP")["spec"]["ports"]] == [
        "SCTP"
    ] * 3
    assert g.expose(multi, port="80")["spec"]["ports"] == [
        {"protocol": "TCP", "port": 80, "targetPort": 80}
    ]


def test_expose_every_flag() -> None:
    svc = g.expose(
        RC_KUBIA,
        port="80",
        target_port="http",
        protocol="UDP",
        session_affinity="ClientIP",
        external_ip="1.2.3.4",
        load_balancer_ip="5.6.7.8",
        type="LoadBalancer",
        cluster_ip="10.0.0.5",
        labels="a=b,c=d",
        selector="x=y",
    )
    assert to_json(svc, sort_keys=False) == json.dumps(
        {
            "kind": "Service",
            "apiVersion": "v1",
            "metadata": {
                "name": "kubia",
                "creationTimestamp": None,
                "labels": {"a": "b", "c": "d"},
            },
            "spec": {
                "ports": [{"protocol": "UDP", "port": 80, "targetPort": "http"}],
                "selector": {"x": "y"},
                "clusterIP": "10.0.0.5",
                "type": "LoadBalancer",
                "externalIPs": ["1.2.3.4"],
                "sessionAffinity": "ClientIP",
                "loadBalancerIP": "5.6.7.8",
            },
            "status": {"loadBalancer": {}},
        },
        indent=4,
    ) + "\n"
    # The load balancer IP needs the LoadBalancer type.
    assert "loadBalancerIP" not in g.expose(RC_KUBIA, load_balancer_ip="5.6.7.8")["spec"]


def test_expose_headless_without_ports_and_long_names() -> None:
    svc = g.expose(POD_NO_PORTS, cluster_ip="None")
    assert svc["spec"] == {"selector": {"app": "np"}, "clusterIP": "None"}
    long_pod = dict(POD_NO_PORTS, metadata={"name": "a" * 70, "labels": {"app": "long"}})
    assert g.expose(long_pod, cluster_ip="None")["metadata"]["name"] == "a" * 63


def test_run_service() -> None:
    assert g.run_service("x", "80") == {
        "kind": "Service",
        "apiVersion": "v1",
        "metadata": {"name": "x", "creationTimestamp": None},
        "spec": {
            "ports": [{"protocol": "TCP", "port": 80, "targetPort": 80}],
            "selector": {"run": "x"},
        },
        "status": {"loadBalancer": {}},
    }
    labelled = g.run_service("x", "80", "a=b")
    assert labelled["metadata"]["labels"] == {"a": "b"}
    assert labelled["spec"]["selector"] == {"a": "b"}


# ---------------------------------------------------------------------------------------------
# Ingress and RBAC


def test_ingress_rules_tls_and_backend() -> None:
    rules = [
        "foo.com/=svc1:80",
        "foo.com/a/*=svc2:http,tls=sec",
        "/x=svc3:8080,tls",
        "bar.com/*=svc4:80,tls=sec",
        "baz.com/b=s:1,tls",
    ]
    obj = g.ingress("i", rules, "nginx", "svc:http", ["a=b", "c="])
    assert obj["metadata"]["annotations"] == {"a": "b", "c": ""}
    spec = obj["spec"]
    assert spec["ingressClassName"] == "nginx"
    assert spec["defaultBackend"] == {"service": {"name": "svc", "port": {"name": "http"}}}
    assert spec["tls"] == [
        {"hosts": ["foo.com", "bar.com"], "secretName": "sec"},
        {"hosts": ["baz.com"]},
    ]
    assert [r.get("host") for r in spec["rules"]] == ["foo.com", None, "bar.com", "baz.com"]
    assert spec["rules"][0]["http"]["paths"] == [
        {
            "path": "/",
            "pathType": "Exact",
            "backend": {"service": {"name": "svc1", "port": {"number": 80}}},
        },
        {
            "path": "/a/",
            "pathType": "Prefix",
            "backend": {"service": {"name": "svc2", "port": {"name": "http"}}},
        },
    ]


def test_clusterrolebinding_keeps_order_and_duplicates() -> None:
    obj = g.clusterrolebinding("b", "view", ["z", "a", "a"], ["g2", "g1"], ["ns:b", "ns:a"])
    assert [(s["kind"], s["name"]) for s in obj["subjects"]] == [
        ("User", "z"),
        ("User", "a"),
        ("User", "a"),
        ("Group", "g2"),
        ("Group", "g1"),
        ("ServiceAccount", "b"),
        ("ServiceAccount", "a"),
    ]
    assert "subjects" not in g.clusterrolebinding("b", "view")


def test_quota_scopes() -> None:
    obj = g.quota("q", "pods=10,cpu=1.5", "BestEffort,NotTerminating")
    assert obj["spec"] == {
        "hard": {"cpu": "1500m", "pods": "10"},
        "scopes": ["BestEffort", "NotTerminating"],
    }
    assert g.quota("q")["spec"] == {}


def test_name_from_args() -> None:
    assert g.name_from_args(["kubia"]) == "kubia"
    with pytest.raises(GeneratorError, match="exactly one NAME is required, got 0"):
        g.name_from_args([])
