"""What each catalog image contains: its files (scripts as text), entrypoint, command and ports.

`RECIPES` maps a catalog name (`kubia:v2`) to its `Recipe`. The base recipe (`busybox:latest`)
starts from scratch with the host's busybox and a link per applet; every other recipe adds its
files on top of it. `write_rootfs` lays a recipe's files out in a directory (a build context, or
a test's scratch dir), and `Recipe.fingerprint` describes everything that goes into the image so
that the builder can tell whether a built image is current.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from kubia_tutor.runtime.images.recipes import apps, base
from kubia_tutor.runtime.images.recipes.curl import CURL

BASE = "busybox:latest"
INIT = f"{base.LIBEXEC}/init"
DEFAULT_BUSYBOX = "/bin/busybox"


@dataclass(frozen=True)
class File:
    """A file of an image: absolute path, text and permission bits."""

    path: str
    content: str
    mode: int = 0o644


def script(path: str, content: str) -> File:
    """An executable file."""
    return File(path, content, 0o755)


@dataclass(frozen=True)
class Recipe:
    """How to build one catalog image (on top of the base, unless `from_scratch`)."""

    summary: str
    files: tuple[File, ...] = ()
    directories: tuple[tuple[str, int], ...] = ()
    entrypoint: tuple[str, ...] | None = None    # None: the parent's
    cmd: tuple[str, ...] | None = None           # None: the parent's
    env: tuple[tuple[str, str], ...] = ()
    expose: tuple[int, ...] = ()
    from_scratch: bool = False                   # the base: busybox and its applet links

    def fingerprint(self) -> str:
        """A stable text of everything the image is made of (the busybox binary aside)."""
        return json.dumps({
            "files": [[f.path, f.mode, f.content] for f in self.files],
            "directories": [list(d) for d in self.directories],
            "entrypoint": self.entrypoint, "cmd": self.cmd, "env": [list(e) for e in self.env],
            "expose": list(self.expose), "from_scratch": self.from_scratch,
        }, sort_keys=True)


def _server(summary: str, handler: str, server: str = apps.KUBIA_SERVER,
            port: int = 8080) -> Recipe:
    return Recipe(summary=summary,
                  files=(script("/app/kubia", server), File("/app/handler.sh", handler)),
                  entrypoint=(INIT, "/app/kubia"), cmd=(), expose=(port,))


def _fortune(summary: str, source: str, cmd: tuple[str, ...] = ()) -> Recipe:
    return Recipe(summary=summary,
                  files=(script("/bin/fortuneloop.sh", apps.fortune_loop(source)),
                         script("/usr/games/fortune", apps.FORTUNE),
                         File("/usr/share/games/fortunes/kubia-tutor", apps.FORTUNES)),
                  directories=(("/var/htdocs", 0o755),),
                  entrypoint=(INIT, "/bin/fortuneloop.sh"), cmd=cmd)


RECIPES: dict[str, Recipe] = {
    BASE: Recipe(
        summary="busybox with sh, nc, wget, nslookup, httpd... and a curl",
        files=(File("/etc/passwd", base.PASSWD), File("/etc/group", base.GROUP),
               File("/etc/nsswitch.conf", base.NSSWITCH),
               script("/usr/bin/curl", CURL),
               script(INIT, base.INIT),
               script(f"{base.LIBEXEC}/http-serve", base.HTTP_SERVE),
               script(f"{base.LIBEXEC}/http-conn", base.HTTP_CONN),
               File(f"{base.LIBEXEC}/peer.awk", base.PEER_AWK)),
        directories=(("/tmp", 0o1777), ("/var/tmp", 0o1777), ("/root", 0o700),
                     ("/home", 0o755), ("/var/spool/mail", 0o755), ("/var/www", 0o755),
                     ("/usr/local/bin", 0o755)),
        cmd=("sh",), from_scratch=True),
    "kubia:latest": _server("HTTP on 8080 answering \"You've hit <hostname>\"",
                            apps.KUBIA_HANDLER),
    "kubia:v2": _server("kubia v2: \"This is v2 running in pod <hostname>\"",
                        apps.versioned_handler("v2")),
    "kubia:v3": _server("kubia v3: like v2 (as v3), HTTP 500 from the 5th request on",
                        apps.KUBIA_V3_HANDLER),
    "kubia:v4": _server("kubia v4: \"This is v4 running in pod <hostname>\"",
                        apps.versioned_handler("v4")),
    "kubia-unhealthy:latest": _server("kubia that answers 500 from the 6th request on",
                                      apps.KUBIA_UNHEALTHY_HANDLER),
    "kubia-pet:latest": _server("stores POSTed data in /var/data and shows it on GET",
                                apps.PET_HANDLER, apps.PET_SERVER),
    "kubia-pet-peers:latest": _server("kubia-pet that lists every peer's data (DNS SRV)",
                                      apps.PEERS_HANDLER, apps.PET_SERVER),
    "fortune:latest": _fortune("a new fortune in /var/htdocs/index.html every 10 s", "fixed"),
    "fortune:env": _fortune("fortune with the interval from $INTERVAL", "env"),
    "fortune:args": _fortune("fortune with the interval from its first argument", "args",
                             ("10",)),
    "batch-job:latest": Recipe(
        summary="prints a start line, sleeps 120 s, prints \"Finished succesfully\"",
        files=(script("/bin/batch-job", apps.BATCH_JOB),),
        entrypoint=(INIT, "/bin/batch-job"), cmd=()),
    "ssd-monitor:latest": Recipe(
        summary="prints \"SSD OK\" every 5 s",
        files=(script("/bin/ssd-monitor", apps.SSD_MONITOR),),
        entrypoint=(INIT, "/bin/ssd-monitor"), cmd=()),
    "dnsutils:latest": Recipe(
        summary="nslookup and a dig for A and SRV queries",
        files=(script("/usr/bin/dig", apps.DIG),)),
    "coredns:1.7.0": Recipe(
        summary="kube-system's coredns: /health and /ready reflecting the node's cluster DNS",
        files=(script("/coredns", apps.COREDNS), File("/app/handler.sh", apps.COREDNS_HANDLER)),
        entrypoint=(INIT, "/coredns"), cmd=(), expose=(8080, 8181)),
    "nginx:latest": Recipe(
        summary="nginx stand-in: HTTP on 80 serving /usr/share/nginx/html",
        files=(script("/usr/sbin/nginx", apps.NGINX),
               File("/usr/share/nginx/html/index.html", apps.NGINX_INDEX),
               File("/etc/nginx/conf.d/default.conf", apps.NGINX_DEFAULT_CONF)),
        entrypoint=(INIT,), cmd=("nginx", "-g", "daemon off;"), expose=(80,)),
}


def recipe(name: str) -> Recipe:
    """The recipe of a catalog image; KeyError when there is none."""
    return RECIPES[name]


def applets(busybox: str | os.PathLike[str] = DEFAULT_BUSYBOX) -> list[str]:
    """The applets of a busybox binary, with their install paths (`usr/bin/wget`)."""
    out = subprocess.run([os.fspath(busybox), "--list-full"], capture_output=True, text=True,
                         check=True).stdout
    return sorted(line.strip().lstrip("/") for line in out.splitlines()
                  if line.strip() and line.strip() != "bin/busybox")


def busybox_digest(busybox: str | os.PathLike[str] = DEFAULT_BUSYBOX) -> str:
    """The sha256 of a busybox binary."""
    digest = hashlib.sha256()
    with open(busybox, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_rootfs(item: Recipe, dest: str | os.PathLike[str],
                 busybox: str | os.PathLike[str] = DEFAULT_BUSYBOX) -> None:
    """Lay out the files a recipe adds (for the base: busybox and its links too) under dest."""
    root = Path(dest)
    root.mkdir(parents=True, exist_ok=True)
    for path, mode in item.directories:
        directory = root / path.lstrip("/")
        directory.mkdir(parents=True, exist_ok=True)
        directory.chmod(mode)
    if item.from_scratch:
        (root / "bin").mkdir(exist_ok=True)
        shutil.copyfile(busybox, root / "bin" / "busybox")
        (root / "bin" / "busybox").chmod(0o755)
        for applet in applets(busybox):
            link = root / applet
            link.parent.mkdir(parents=True, exist_ok=True)
            if not link.exists() and not link.is_symlink():
                link.symlink_to("/bin/busybox")
    for item_file in item.files:
        target = root / item_file.path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(item_file.content)
        target.chmod(item_file.mode)
