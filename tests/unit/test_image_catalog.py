"""The offline image catalog without Podman: reference resolution, recipes, and the images'
shell programs (curl, the HTTP handlers, dig) run with the host's busybox on 127.0.0.1."""

from __future__ import annotations

import contextlib
import http.server
import os
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kubia_tutor.runtime.images import CATALOG, catalog, parse_reference, recipes, resolve
from kubia_tutor.runtime.images.builder import content_hashes
from kubia_tutor.runtime.images.recipes import apps, base
from kubia_tutor.runtime.images.recipes.curl import CURL

BUSYBOX = "/bin/busybox"
needs_busybox = pytest.mark.skipif(not os.access(BUSYBOX, os.X_OK),
                                   reason="needs busybox-static at /bin/busybox")


# --- references ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("reference", "name"), [
    ("luksa/kubia", "kubia:latest"),
    ("luksa/kubia:latest", "kubia:latest"),
    ("luksa/kubia:v1", "kubia:latest"),
    ("luksa/kubia:v2", "kubia:v2"),
    ("luksa/kubia:v3", "kubia:v3"),
    ("docker.io/luksa/kubia:latest", "kubia:latest"),
    ("index.docker.io/luksa/kubia-pet", "kubia-pet:latest"),
    ("taodaling/kubia", "kubia:latest"),
    ("taodaling/kubia:latest", "kubia:latest"),
    ("kubia", "kubia:latest"),
    ("kubia:v2", "kubia:v2"),
    ("luksa/kubia-unhealthy", "kubia-unhealthy:latest"),
    ("luksa/kubia-pet-peers", "kubia-pet-peers:latest"),
    ("luksa/fortune", "fortune:latest"),
    ("luksa/fortune:env", "fortune:env"),
    ("luksa/fortune:args", "fortune:args"),
    ("luksa/batch-job", "batch-job:latest"),
    ("luksa/ssd-monitor", "ssd-monitor:latest"),
    ("tutum/dnsutils", "dnsutils:latest"),
    ("busybox", "busybox:latest"),
    ("busybox:1.28", "busybox:latest"),
    ("docker.io/library/busybox:latest", "busybox:latest"),
    ("nginx", "nginx:latest"),
    ("nginx:alpine", "nginx:latest"),
    ("nginx:1.7.9", "nginx:latest"),
    ("nginx:1.9.1", "nginx:latest"),
    ("localhost/kubia-tutor/kubia:v2", "kubia:v2"),
])
def test_book_references_resolve(reference: str, name: str) -> None:
    found = resolve(reference)
    assert found is not None and found.name == name


@pytest.mark.parametrize("reference", [
    "nginx:1.91",                # the book's typo: the pull must fail
    "luksa/kubia:v9", "some/image", "some-image", "mongo", "unknown/thing:1.0",
    "Luksa/Kubia", "luksa/kubia@sha256:" + "0" * 64, "", "luksa/kubia:", "quay.io/luksa/kubia",
])
def test_unknown_references_do_not_resolve(reference: str) -> None:
    assert resolve(reference) is None


def test_reference_normalization() -> None:
    assert str(parse_reference("kubia")) == "docker.io/library/kubia:latest"
    assert str(parse_reference("luksa/kubia:v2")) == "docker.io/luksa/kubia:v2"
    assert str(parse_reference("localhost:5000/x/y")) == "localhost:5000/x/y:latest"
    assert str(parse_reference("registry-1.docker.io/nginx:1.7.9")) == (
        "docker.io/library/nginx:1.7.9")


def test_local_names_and_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    kubia = catalog.get("kubia:v2")
    assert kubia.local_name() == "localhost/kubia-tutor/kubia:v2"
    assert kubia.local_name("localhost/other") == "localhost/other/kubia:v2"
    monkeypatch.setenv(catalog.PREFIX_ENV, "localhost/from-env")
    assert kubia.local_name() == "localhost/from-env/kubia:v2"
    assert resolve("localhost/from-env/fortune:env") == catalog.get("fortune:env")


# --- recipes ------------------------------------------------------------------------------------

def test_every_catalog_image_has_a_recipe() -> None:
    assert sorted(recipes.RECIPES) == sorted(image.name for image in CATALOG)
    assert CATALOG[0].name == recipes.BASE and recipes.recipe(recipes.BASE).from_scratch
    for name, item in recipes.RECIPES.items():
        paths = [f.path for f in item.files]
        assert len(paths) == len(set(paths)), name
        for path in (item.entrypoint or ())[:2]:
            if path.startswith("/") and name != recipes.BASE:
                in_image = paths + [f.path for f in recipes.recipe(recipes.BASE).files]
                assert path in in_image, (name, path)


def test_base_has_accounts_curl_and_init() -> None:
    files = {f.path: f for f in recipes.recipe(recipes.BASE).files}
    assert files["/etc/passwd"].content.startswith("root:x:0:0:")
    assert "root:x:0:" in files["/etc/group"].content
    assert files["/usr/bin/curl"].mode == 0o755
    assert files[recipes.INIT].mode == 0o755


@needs_busybox
def test_content_hashes_cover_the_base() -> None:
    hashes = content_hashes(BUSYBOX)
    assert set(hashes) == set(recipes.RECIPES)
    assert len(set(hashes.values())) == len(hashes)
    assert content_hashes(BUSYBOX) == hashes


@needs_busybox
def test_write_rootfs_lays_out_busybox_and_files(tmp_path: Path) -> None:
    recipes.write_rootfs(recipes.recipe(recipes.BASE), tmp_path / "base", BUSYBOX)
    root = tmp_path / "base"
    assert (root / "bin/busybox").stat().st_size == Path(BUSYBOX).stat().st_size
    assert os.readlink(root / "bin/sh") == "/bin/busybox"
    assert (root / "tmp").stat().st_mode & 0o7777 == 0o1777
    assert os.access(root / "usr/bin/curl", os.X_OK)
    recipes.write_rootfs(recipes.recipe("kubia:latest"), tmp_path / "kubia", BUSYBOX)
    assert not (tmp_path / "kubia/bin/busybox").exists()
    assert "You've hit" in (tmp_path / "kubia/app/handler.sh").read_text()


# --- the images' programs, run with the host's busybox -----------------------------------------

@pytest.fixture(scope="module")
def bb_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A PATH of busybox applets only, plus the images' curl and dig, as inside an image."""
    if not os.access(BUSYBOX, os.X_OK):
        pytest.skip("needs busybox-static at /bin/busybox")
    bin_dir = tmp_path_factory.mktemp("bin")
    for applet in recipes.applets(BUSYBOX):
        link = bin_dir / Path(applet).name
        if not link.exists():
            link.symlink_to(BUSYBOX)
    for name, text in (("curl", CURL), ("dig", apps.DIG)):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    return str(bin_dir)


def run(bb_path: str, *args: str, stdin: bytes | None = None,
        timeout: float = 20) -> subprocess.CompletedProcess[bytes]:
    """Run a command with only the busybox PATH."""
    env = {"PATH": bb_path, "HOME": "/tmp", "TZ": "UTC"}
    return subprocess.run(list(args), input=stdin, capture_output=True, env=env,
                          timeout=timeout, check=False)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _reply(self) -> None:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._answer()    # (the client may have given up: --max-time)

    def _answer(self) -> None:
        body_in = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.startswith("/slow"):
            time.sleep(3)
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", "/target")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path.startswith("/chunked"):
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"first ", b"second\nthird", b"!"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
            return
        lines = [f"{self.command} {self.path}"]
        lines += [f"{k.lower()}: {v}" for k, v in self.headers.items()]
        body = ("\n".join(lines) + "\nbody=").encode() + body_in
        self.send_response(500 if self.path.startswith("/fail") else 200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Test", "yes")
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _reply


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """An HTTP server on 127.0.0.1 that echoes what it got; its base URL (no scheme)."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def curl(bb_path: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    return run(bb_path, "curl", *args)


def test_curl_silent_prints_the_body_exactly(bb_path: str, server: str) -> None:
    done = curl(bb_path, "-s", f"{server}/path?q=1")
    assert done.returncode == 0 and done.stderr == b""
    text = done.stdout.decode()
    assert text.startswith("GET /path?q=1\n") and text.endswith("body=")
    assert f"host: {server}" in text and "user-agent: curl/" in text


def test_curl_include_shows_status_line_and_headers(bb_path: str, server: str) -> None:
    out = curl(bb_path, "-s", "-i", f"http://{server}/").stdout.decode()
    head, _, body = out.partition("\r\n\r\n")
    assert head.startswith("HTTP/1.1 200 OK\r\n") and "\r\nX-Test: yes" in head
    assert body.startswith("GET /\n")
    combined = curl(bb_path, "-si", f"http://{server}/").stdout.decode()
    assert combined.startswith("HTTP/1.1 200 OK\r\n")


def test_curl_post_data_and_method(bb_path: str, server: str) -> None:
    out = curl(bb_path, "-s", f"{server}/", "-d", "Hello, world! kubia-0", "-X",
               "POST").stdout.decode()
    assert out.startswith("POST /\n") and out.endswith("body=Hello, world! kubia-0")
    assert "content-length: 21" in out
    assert "content-type: application/x-www-form-urlencoded" in out
    implied = curl(bb_path, "-s", "--data", "a=1", f"{server}/").stdout.decode()
    assert implied.startswith("POST /\n")
    put = curl(bb_path, "-sXPUT", "-H", "X-Extra: 1", "-H", "User-Agent:",
               f"{server}/p").stdout.decode()
    assert put.startswith("PUT /p") and "x-extra: 1" in put and "user-agent" not in put
    as_get = curl(bb_path, "-s", "-G", "-d", "a=1", "-d", "b=2", f"{server}/q").stdout.decode()
    assert as_get.startswith("GET /q?a=1&b=2")


def test_curl_output_file_chunked_and_redirects(bb_path: str, server: str,
                                                tmp_path: Path) -> None:
    assert curl(bb_path, "-s", f"{server}/chunked").stdout == b"first second\nthird!"
    target = tmp_path / "out.txt"
    done = curl(bb_path, "-s", "-o", str(target), f"{server}/chunked")
    assert done.stdout == b"" and target.read_bytes() == b"first second\nthird!"
    assert curl(bb_path, "-s", f"{server}/redirect").stdout == b""
    followed = curl(bb_path, "-s", "-L", f"{server}/redirect").stdout.decode()
    assert followed.startswith("GET /target")


def test_curl_status_codes_and_failures(bb_path: str, server: str) -> None:
    failing = curl(bb_path, "-s", "-w", "%{http_code}", f"{server}/fail")
    assert failing.returncode == 0 and failing.stdout.decode().endswith("body=500")
    assert curl(bb_path, "-sf", f"{server}/fail").returncode == 22
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    refused = curl(bb_path, f"127.0.0.1:{closed}")
    assert refused.returncode == 7
    assert refused.stderr.decode().startswith(f"curl: (7) Failed to connect to 127.0.0.1 port "
                                              f"{closed}")
    assert curl(bb_path, "-s", f"127.0.0.1:{closed}").stderr == b""
    assert curl(bb_path, "--bogus", server).returncode == 2


def test_curl_max_time(bb_path: str, server: str) -> None:
    started = time.monotonic()
    done = curl(bb_path, "-sS", "--max-time", "1", f"{server}/slow")
    assert done.returncode == 28 and time.monotonic() - started < 2.5
    assert done.stderr.decode().startswith("curl: (28) Operation timed out")
    assert curl(bb_path, "-s", "-m", "0.5", f"{server}/slow").returncode == 28


def test_curl_progress_meter_unless_silent(bb_path: str, server: str) -> None:
    done = curl(bb_path, f"{server}/")
    assert done.returncode == 0 and "% Total" in done.stderr.decode()


def test_http_conn_answers_with_the_kubia_handler(bb_path: str, tmp_path: Path) -> None:
    (tmp_path / "http-conn").write_text(base.HTTP_CONN)
    (tmp_path / "handler.sh").write_text(apps.KUBIA_HANDLER)
    request = b"GET /any/path HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\n\r\n"
    done = run(bb_path, "sh", str(tmp_path / "http-conn"), str(tmp_path / "handler.sh"),
               stdin=request)
    head, _, body = done.stdout.decode().partition("\r\n\r\n")
    hostname = socket.gethostname()
    assert head.startswith("HTTP/1.1 200 OK\r\n")
    assert f"Content-Length: {len(body)}" in head
    assert body == f"You've hit {hostname}\n"
    assert done.stderr.decode() == "Received request from \n"    # stdin is no socket here
    (tmp_path / "v2.sh").write_text(apps.versioned_handler("v2"))
    post = b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
    done = run(bb_path, "sh", str(tmp_path / "http-conn"), str(tmp_path / "v2.sh"), stdin=post)
    assert done.stdout.decode().endswith(f"\r\n\r\nThis is v2 running in pod {hostname}\n")


# --- dig, against a tiny DNS server on 127.0.0.1 ------------------------------------------------

SERVICE = "kubia.default.svc.cluster.local"
PEERS = {f"kubia-{i}.kubia.default.svc.cluster.local": f"10.244.0.{i + 5}" for i in range(2)}


def _labels(name: str) -> bytes:
    return b"".join(bytes([len(p)]) + p.encode() for p in name.rstrip(".").split(".")) + b"\0"


def dns_answer(query: bytes) -> bytes:
    """The answer to a DNS query: SRV for SERVICE, A for PEERS, NXDOMAIN for anything else."""
    offset, labels = 12, []
    while query[offset]:
        labels.append(query[offset + 1:offset + 1 + query[offset]].decode())
        offset += query[offset] + 1
    name = ".".join(labels).lower()
    qtype = struct.unpack("!H", query[offset + 1:offset + 3])[0]
    question = query[12:offset + 5]
    records = []
    if qtype == 33 and name == SERVICE:
        for target in PEERS:
            rdata = struct.pack("!HHH", 0, 50, 8080) + _labels(target)
            records.append(b"\xc0\x0c" + struct.pack("!HHIH", 33, 1, 5, len(rdata)) + rdata)
    elif qtype == 1 and name in PEERS:
        rdata = socket.inet_aton(PEERS[name])
        records.append(b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 5, 4) + rdata)
    flags = 0x8580 if name == SERVICE or name in PEERS else 0x8583
    return (query[:2] + struct.pack("!HHHHH", flags, 1, len(records), 0, 0) + question
            + b"".join(records))


@pytest.fixture
def dns_server() -> Iterator[int]:
    """A UDP DNS server on 127.0.0.1; its port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                data, peer = sock.recvfrom(512)
            except TimeoutError:
                continue
            sock.sendto(dns_answer(data), peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield sock.getsockname()[1]
    stop.set()
    thread.join()
    sock.close()


def test_dig_srv_like_the_book(bb_path: str, dns_server: int) -> None:
    done = run(bb_path, "dig", "@127.0.0.1", "-p", str(dns_server), "SRV", SERVICE)
    out = done.stdout.decode()
    assert done.returncode == 0, done.stderr
    assert ";; ->>HEADER<<- opcode: QUERY, status: NOERROR" in out
    assert "ANSWER: 2, AUTHORITY: 0, ADDITIONAL: 2" in out
    assert f";; QUESTION SECTION:\n;{SERVICE}.\t\tIN\tSRV" in out
    for i, (peer, address) in enumerate(PEERS.items()):
        assert f"{SERVICE}. 30 IN\tSRV\t0 50 8080 {peer}.\n" in out
        assert f"kubia-{i}.kubia.default.svc.cluster.local. 30 IN\tA\t{address}\n" in out
    assert f";; SERVER: 127.0.0.1#{dns_server}(127.0.0.1)" in out
    short = run(bb_path, "dig", "+short", "@127.0.0.1", "-p", str(dns_server), "SRV", SERVICE)
    assert short.stdout.decode() == "".join(f"0 50 8080 {peer}.\n" for peer in PEERS)


def test_dig_a_and_nxdomain(bb_path: str, dns_server: int) -> None:
    peer, address = next(iter(PEERS.items()))
    answer = run(bb_path, "dig", "@127.0.0.1", "-p", str(dns_server), peer, "+noall",
                 "+answer").stdout.decode()
    assert answer == f"{peer}. 30 IN\tA\t{address}\n"
    missing = run(bb_path, "dig", "@127.0.0.1", "-p", str(dns_server), "nothere.default")
    assert "status: NXDOMAIN" in missing.stdout.decode()
