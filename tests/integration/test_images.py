"""The offline image catalog against the real Podman: the whole catalog is built under a prefix
of this run's own (timed), then containers of it behave as the book describes.

Containers are named `kubia-tutor-test-...`, labelled `io.kubia-tutor.test=<run>`, run with
`--network none` (loopback only) unless a test publishes a port on 127.0.0.1, and are removed in
`finally`; the images are removed when the module ends. A containers.conf with runc and pinned
ulimits is written for the run (crun fails on this kind of host).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kubia_tutor.runtime.images import builder, catalog, ensure, list_images

pytestmark = pytest.mark.podman

RUN = uuid.uuid4().hex[:8]
PREFIX = f"localhost/kubia-tutor-test-{RUN}"
CONF = """\
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
exit_command_delay = 1
[network]
network_backend = "netavark"
"""


@pytest.fixture(scope="module")
def conf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("podman") / "containers.conf"
    path.write_text(CONF)
    return path


def podman(conf: Path, *args: str, check: bool = True,
           timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, CONTAINERS_CONF=str(conf))
    done = subprocess.run(["podman", *args], capture_output=True, text=True, env=env,
                          timeout=timeout, check=False)
    if check and done.returncode != 0:
        raise AssertionError(f"podman {' '.join(args)}: {done.stderr.strip()}")
    return done


@pytest.fixture(scope="module")
def built(conf: Path,
          record_testsuite_property: Callable[[str, object], None]) -> Iterator[float]:
    """The whole catalog built under this run's prefix; the seconds it took."""
    steps: list[tuple[int, int, str]] = []
    started = time.monotonic()
    try:
        names = builder.build(progress=lambda d, t, n: steps.append((d, t, n)), conf=conf,
                              prefix=PREFIX)
        seconds = time.monotonic() - started
        record_testsuite_property("catalog_build_seconds", round(seconds, 2))
        sizes = {image.names[0]: image.size for image in builder.Podman(conf).images()
                 if image.names and image.names[0].startswith(PREFIX)}
        print(f"\ncatalog: {len(names)} images built in {seconds:.1f} s; sizes: "
              + ", ".join(f"{n.removeprefix(PREFIX + '/')} {s / 1e6:.2f} MB"
                          for n, s in sizes.items()), file=sys.stderr)
        assert len(names) == len(catalog.CATALOG)
        assert steps[0] == (0, len(names), "") and steps[-1][0] == len(names)
        yield seconds
    finally:
        builder.remove(conf=conf, prefix=PREFIX)
        podman(conf, "image", "prune", "--force", "--filter",
               f"label={builder.MANAGED_LABEL}=true", check=False)


@pytest.fixture
def containers(conf: Path) -> Iterator[list[str]]:
    """Names of the containers a test started: removed (forcibly) after it."""
    names: list[str] = []
    try:
        yield names
    finally:
        podman(conf, "rm", "--force", "--time", "0", "--ignore", *names, check=False)
        left = podman(conf, "ps", "-a", "-q", "--filter", f"label=io.kubia-tutor.test={RUN}",
                      check=False).stdout.split()
        if left:
            podman(conf, "rm", "--force", "--time", "0", *left, check=False)


def start(conf: Path, containers: list[str], image: str, *args: str,
          options: tuple[str, ...] = ("--network", "none")) -> str:
    """Run an image of the catalog detached; the container's name."""
    name = f"kubia-tutor-test-{uuid.uuid4().hex[:10]}"
    containers.append(name)
    podman(conf, "run", "-d", "--name", name, "--label", f"io.kubia-tutor.test={RUN}",
           *options, catalog.get(image).local_name(PREFIX), *args)
    return name


def exec_(conf: Path, name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return podman(conf, "exec", name, *args, check=False)


def logs(conf: Path, name: str) -> str:
    done = podman(conf, "logs", name)
    return done.stdout + done.stderr


def wait_for(condition: Callable[[], object], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def serving(conf: Path, name: str, port: int = 8080) -> bool:
    return exec_(conf, name, "curl", "-s", "-o", "/dev/null", f"127.0.0.1:{port}").returncode == 0


def has_file(conf: Path, name: str, path: str) -> Callable[[], bool]:
    return lambda: exec_(conf, name, "test", "-s", path).returncode == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_catalog_builds_quickly_and_is_current(built: float, conf: Path) -> None:
    assert built < 60
    assert all(ok for _, ok in list_images(conf=conf, prefix=PREFIX))
    assert builder.build(conf=conf, prefix=PREFIX) == []
    assert ensure("luksa/kubia:v2", conf, prefix=PREFIX) == f"{PREFIX}/kubia:v2"
    assert ensure("nginx:1.91", conf, prefix=PREFIX) is None
    inspect = podman(conf, "image", "inspect", "--format",
                     '{{index .Config.Labels "io.kubia-tutor.catalog"}} {{.Config.Entrypoint}}',
                     catalog.get("kubia:latest").local_name(PREFIX)).stdout
    assert inspect.startswith("kubia:latest [/usr/libexec/kubia-tutor/init /app/kubia]")


def test_kubia_answers_from_the_host_and_logs(built: float, conf: Path,
                                             containers: list[str]) -> None:
    port = free_port()
    name = start(conf, containers, "kubia:latest", options=(
        "--hostname", "kubia-manual", "--dns", "127.0.0.1", "-p", f"127.0.0.1:{port}:8080"))

    def answer() -> str | None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                return str(response.read().decode())
        except (urllib.error.URLError, ConnectionError):
            return None

    wait_for(lambda: answer() is not None)
    assert answer() == "You've hit kubia-manual\n"
    log = logs(conf, name).splitlines()
    assert log[0] == "Kubia server starting..."
    assert log[1].startswith("Received request from ") and len(log[1]) > 22
    assert exec_(conf, name, "id").stdout.startswith("uid=0(root) gid=0(root)")


@pytest.mark.parametrize(("image", "first_failure", "ok_text", "fail_text"), [
    ("kubia:v3", 5, "This is v3 running in pod kubia-v3\n",
     "Some internal error has occurred! This is pod kubia-v3\n"),
    ("kubia-unhealthy:latest", 6, "You've hit kubia-v3\n", "I'm not well. Please restart me!"),
])
def test_failing_versions_switch_to_500(built: float, conf: Path, containers: list[str],
                                        image: str, first_failure: int, ok_text: str,
                                        fail_text: str) -> None:
    name = start(conf, containers, image, options=("--network", "none",
                                                   "--hostname", "kubia-v3"))
    wait_for(lambda: exec_(conf, name, "test", "-e", "/proc/1").returncode == 0)
    codes, bodies = [], []
    for _ in range(first_failure + 1):
        done = exec_(conf, name, "sh", "-c",
                     "until curl -s -w '|%{http_code}' 127.0.0.1:8080; do sleep 0.05; done")
        body, _, code = done.stdout.rpartition("|")
        codes.append(code)
        bodies.append(body)
    assert codes == ["200"] * (first_failure - 1) + ["500", "500"]
    assert bodies[0] == ok_text and bodies[-1] == fail_text


def test_kubia_pet_stores_posted_data(built: float, conf: Path, containers: list[str]) -> None:
    name = start(conf, containers, "kubia-pet:latest",
                 options=("--network", "none", "--hostname", "kubia-0"))
    wait_for(lambda: serving(conf, name))
    get = exec_(conf, name, "curl", "-s", "localhost:8080").stdout
    assert get == "You've hit kubia-0\nData stored on this pod: No data posted yet\n"
    post = exec_(conf, name, "curl", "-s", "localhost:8080", "-d", "Hello, world! kubia-0",
                 "-X", "POST").stdout
    assert post == "Data stored on pod kubia-0\n"
    assert exec_(conf, name, "cat", "/var/data/kubia.txt").stdout == "Hello, world! kubia-0"
    get = exec_(conf, name, "curl", "-s", "localhost:8080").stdout
    assert get == "You've hit kubia-0\nData stored on this pod: Hello, world! kubia-0\n"
    headers = exec_(conf, name, "curl", "-s", "-i", "-X", "GET", "localhost:8080/any").stdout
    lines = headers.splitlines()    # (text mode reads \r\n as \n)
    assert lines[0] == "HTTP/1.1 200 OK" and "Content-Length: 66" in lines
    assert "New data has been received and stored." in logs(conf, name)


def test_fortune_writes_index_html(built: float, conf: Path, containers: list[str]) -> None:
    every_second = start(conf, containers, "fortune:env",
                         options=("--network", "none", "-e", "INTERVAL=1"))
    from_args = start(conf, containers, "fortune:args", "2")
    fixed = start(conf, containers, "fortune:latest")
    for name in (every_second, from_args, fixed):
        wait_for(has_file(conf, name, "/var/htdocs/index.html"))
    first = exec_(conf, every_second, "cat", "/var/htdocs/index.html").stdout
    assert first.strip()
    wait_for(lambda: logs(conf, every_second).count("Writing fortune") >= 3, timeout=6)
    log = logs(conf, every_second).splitlines()
    assert log[0] == "Configured to generate new fortune every 1 seconds"
    assert log[1].endswith(" Writing fortune to /var/htdocs/index.html")
    assert logs(conf, from_args).startswith("Configured to generate new fortune every 2 seconds")
    assert "Configured" not in logs(conf, fixed)


def test_batch_job_and_ssd_monitor_log(built: float, conf: Path, containers: list[str]) -> None:
    job = start(conf, containers, "batch-job:latest")
    quick = start(conf, containers, "batch-job:latest",
                  options=("--network", "none", "-e", "BATCH_JOB_SECONDS=1"))
    monitor = start(conf, containers, "ssd-monitor:latest")
    wait_for(lambda: "Batch job starting" in logs(conf, job))
    first = logs(conf, job).splitlines()[0]
    assert first.endswith(" Batch job starting") and first[:3].isalpha()
    wait_for(lambda: "Finished succesfully" in logs(conf, quick), timeout=10)
    wait_for(lambda: podman(conf, "inspect", "--format", "{{.State.Status}}",
                            quick).stdout.strip() == "exited")
    assert podman(conf, "inspect", "--format", "{{.State.ExitCode}}", quick).stdout.strip() == "0"
    wait_for(lambda: "SSD OK" in logs(conf, monitor))


def test_nginx_serves_its_html_dir(built: float, conf: Path, containers: list[str]) -> None:
    name = start(conf, containers, "nginx:latest")
    wait_for(lambda: serving(conf, name, 80))
    page = exec_(conf, name, "curl", "-s", "localhost/").stdout
    assert "<title>Welcome to nginx!</title>" in page
    exec_(conf, name, "sh", "-c", "echo fortune of the day > /usr/share/nginx/html/index.html")
    assert exec_(conf, name, "curl", "-s", "http://localhost:80/").stdout == (
        "fortune of the day\n")
    missing = exec_(conf, name, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                    "localhost/nothere")
    assert missing.stdout == "404"


def test_sigterm_stops_kubia_promptly(built: float, conf: Path, containers: list[str]) -> None:
    name = start(conf, containers, "kubia:latest")
    wait_for(lambda: serving(conf, name))
    started = time.monotonic()
    podman(conf, "stop", "--time", "10", name)
    assert time.monotonic() - started < 2
    assert podman(conf, "inspect", "--format", "{{.State.ExitCode}}",
                  name).stdout.strip() == "143"


DNS_SERVER = r"""
import socket, struct
SERVICE = "kubia.default.svc.cluster.local"
PEERS = {"kubia-0.kubia.default.svc.cluster.local": "127.0.0.1"}
def labels(name):
    return b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", 53))
print("ready", flush=True)
while True:
    query, peer = sock.recvfrom(512)
    offset, parts = 12, []
    while query[offset]:
        parts.append(query[offset + 1:offset + 1 + query[offset]].decode())
        offset += query[offset] + 1
    name, qtype = ".".join(parts).lower(), struct.unpack("!H", query[offset + 1:offset + 3])[0]
    records = []
    if qtype == 33 and name == SERVICE:
        for target in PEERS:
            rdata = struct.pack("!HHH", 0, 50, 8080) + labels(target)
            records.append(b"\xc0\x0c" + struct.pack("!HHIH", 33, 1, 5, len(rdata)) + rdata)
    elif qtype == 1 and name in PEERS:
        records.append(b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 5, 4)
                       + socket.inet_aton(PEERS[name]))
    flags = 0x8580 if name == SERVICE or name in PEERS else 0x8583
    sock.sendto(query[:2] + struct.pack("!HHHHH", flags, 1, len(records), 0, 0)
                + query[12:offset + 5] + b"".join(records), peer)
"""


def serve_dns(conf: Path, name: str) -> subprocess.Popen[str]:
    """Start the test DNS server inside the container's network namespace."""
    pid = podman(conf, "inspect", "--format", "{{.State.Pid}}", name).stdout.strip()
    server = subprocess.Popen(["nsenter", f"--net=/proc/{pid}/ns/net", sys.executable, "-c",
                               DNS_SERVER], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              text=True)
    assert server.stdout is not None and server.stdout.readline().strip() == "ready"
    return server


def test_dig_and_peer_discovery(built: float, conf: Path, containers: list[str],
                                tmp_path: Path) -> None:
    if os.geteuid() != 0 or shutil.which("nsenter") is None:
        pytest.skip("needs root and nsenter")
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("search default.svc.cluster.local svc.cluster.local cluster.local\n"
                      "nameserver 127.0.0.1\noptions ndots:5\n")
    mount = ("--network", "none", "-v", f"{resolv}:/etc/resolv.conf:ro")
    dnsutils = start(conf, containers, "dnsutils:latest", "sleep", "infinity", options=mount)
    peers = start(conf, containers, "kubia-pet-peers:latest",
                  options=(*mount, "--hostname", "kubia-0"))
    servers = [serve_dns(conf, dnsutils), serve_dns(conf, peers)]
    try:
        dig = exec_(conf, dnsutils, "dig", "SRV", "kubia.default.svc.cluster.local").stdout
        assert ";; ANSWER SECTION:\nkubia.default.svc.cluster.local. 30 IN\tSRV\t0 50 8080 " \
               "kubia-0.kubia.default.svc.cluster.local.\n" in dig
        assert "kubia-0.kubia.default.svc.cluster.local. 30 IN\tA\t127.0.0.1" in dig
        nslookup = exec_(conf, dnsutils, "nslookup",
                         "kubia-0.kubia.default.svc.cluster.local").stdout
        assert "Address: 127.0.0.1" in nslookup
        wait_for(lambda: serving(conf, peers))
        exec_(conf, peers, "curl", "-s", "-d", "Hello from kubia-0", "localhost:8080")
        page = exec_(conf, peers, "curl", "-s", "localhost:8080").stdout
        assert page == ("You've hit kubia-0\nData stored in the cluster:\n"
                        "- kubia-0.kubia.default.svc.cluster.local: Hello from kubia-0\n")
        # the book's `kubectl exec kubia-1 -- curl -s kubia-0.kubia:8080`: the search list
        # applies to names with dots (ndots:5), so the short name resolves
        by_short_name = exec_(conf, peers, "curl", "-s", "kubia-0.kubia:8080/data").stdout
        assert by_short_name == "Hello from kubia-0"
    finally:
        for server in servers:
            server.kill()
            server.wait()
            if server.stdout is not None:
                server.stdout.close()

