"""The checks `kubia-tutor doctor` prints: can this host run the tutor's pods with Podman?

`run_checks(state_dir)` looks at the host (programs, versions, cgroups, limits, the state dir's
service socket) without changing anything; `deep=True` also builds and runs a throwaway busybox
container (about 1.5 s) and, when the state dir has no service running, starts and stops a test
service, both in a temporary directory. Each result is a `Check`: what was found, and for a
failure the command that fixes it. `format_report` renders them, `passes` tells whether the
tutor can run.

`fix()` writes the drop-in `/etc/containers/containers.conf.d/kubia-tutor.conf` that makes
plain `podman` work on this host too. The tutor never needs it (its service has a config of
its own) and nothing else here writes outside a temporary directory: only call `fix()` when the
user asks (`doctor --fix`).
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kubia_tutor.runtime.podman.config import (
    NOFILE_MAX,
    HostFacts,
    detect_host,
    podman_env,
    render_toml,
    ulimits,
    write_containers_conf,
)
from kubia_tutor.runtime.podman.service import PodmanService, ServiceError, ping, socket_file

MIN_PODMAN = (4, 3)
DROPIN_PATH = "/etc/containers/containers.conf.d/kubia-tutor.conf"
BUSYBOX = "/bin/busybox"
PACKAGES = ("podman", "runc", "catatonit", "netavark", "aardvark-dns", "iptables",
            "busybox-static")
# Where Debian, Fedora and upstream builds put Podman's helper programs, then the sbin dirs a
# user's PATH may lack.
HELPER_DIRS = ("/usr/local/libexec/podman", "/usr/local/lib/podman", "/usr/libexec/podman",
               "/usr/lib/podman", "/usr/local/sbin", "/usr/sbin", "/sbin")
LABELS = {"io.kubia-tutor.managed": "true", "io.kubia-tutor.cluster": "doctor"}


@dataclass(frozen=True)
class Check:
    """One line of the report. `detail` says what was found (what is wrong, when not ok),
    `fix` the command that fixes a failure. A check that is not `required` only warns."""

    name: str
    ok: bool
    detail: str
    fix: str = ""
    required: bool = True


def install_command(*packages: str) -> str:
    """`apt-get install -y ...` (with sudo when we are not root)."""
    sudo = "sudo " if os.geteuid() != 0 else ""
    return f"{sudo}apt-get install -y {' '.join(packages)}"


def find_program(name: str) -> str | None:
    """A program on PATH, or in Podman's helper dirs and the sbin dirs."""
    return shutil.which(name) or shutil.which(name, path=os.pathsep.join(HELPER_DIRS))


def _run(argv: Sequence[str], timeout: float = 30.0,
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run a command, capturing its output; failing to start it is a result, not an error."""
    try:
        return subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout,
                              env=env, stdin=subprocess.DEVNULL, check=False)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(list(argv), 124, "", f"timed out after {timeout:g} s")
    except OSError as exc:
        return subprocess.CompletedProcess(list(argv), 127, "", str(exc))


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def parse_version(text: str) -> tuple[int, int, int] | None:
    """The first `X.Y[.Z]` in text (`podman version 4.3.1` → (4, 3, 1))."""
    found = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
    if found is None:
        return None
    return int(found[1]), int(found[2]), int(found[3] or 0)


def elf_is_static(path: str | os.PathLike[str]) -> bool | None:
    """True when the file is an ELF executable with no program interpreter (statically linked,
    static-pie included), False when it has one, None when it is not an ELF file."""
    try:
        with open(path, "rb") as f:
            head = f.read(64)
            if len(head) < 52 or head[:4] != b"\x7fELF" or head[4] not in (1, 2):
                return None
            order = "<" if head[5] == 1 else ">"
            if head[4] == 2:  # ELFCLASS64
                phoff, = struct.unpack_from(order + "Q", head, 32)
                phentsize, phnum = struct.unpack_from(order + "HH", head, 54)
            else:
                phoff, = struct.unpack_from(order + "I", head, 28)
                phentsize, phnum = struct.unpack_from(order + "HH", head, 42)
            f.seek(phoff)
            table = f.read(phentsize * phnum)
    except (OSError, struct.error):
        return None
    for i in range(phnum):
        entry = table[i * phentsize:i * phentsize + 4]
        if len(entry) < 4:
            return None
        if struct.unpack(order + "I", entry)[0] == 3:  # PT_INTERP
            return False
    return True


def can_raise_nofile(limit: int = NOFILE_MAX) -> bool:
    """Whether a process started from here may raise its nofile limit to Podman's default
    (tried in a child process, which is then gone with whatever it changed)."""
    code = ("import resource as r\n"
            f"r.setrlimit(r.RLIMIT_NOFILE, ({limit}, {limit}))\n")
    return _run([sys.executable, "-c", code], timeout=20).returncode == 0


# ----- the checks --------------------------------------------------------------------------

def check_podman() -> tuple[Check, str | None]:
    """Podman installed, version ≥ 4.3. Returns the check and the program's path."""
    podman = find_program("podman")
    if podman is None:
        return Check("podman", False, "not installed", install_command(*PACKAGES)), None
    done = _run([podman, "--version"])
    version = parse_version(done.stdout) if done.returncode == 0 else None
    if version is None:
        why = _last_line(done.stderr) or _last_line(done.stdout) or f"status {done.returncode}"
        return Check("podman", False, f"{podman} --version fails: {why}",
                     install_command("podman")), None
    shown = ".".join(map(str, version))
    if version[:2] < MIN_PODMAN:
        need = ".".join(map(str, MIN_PODMAN))
        return Check("podman", False, f"podman {shown} is older than {need}",
                     install_command("podman") + f"  (podman {need} or newer)"), podman
    return Check("podman", True, f"podman {shown} ({podman})"), podman


def check_cgroups(host: HostFacts) -> Check:
    """The cgroup layout, and what it means for the runtime and the cgroup manager."""
    what = {
        "v2": "v2 (unified): crun, Podman's default, works",
        "hybrid": "hybrid (v1 controllers beside an empty v2 mount): crun refuses it, runc is"
                  " used",
        "v1": "v1: runc is used",
    }[host.cgroups]
    manager = ("systemd is PID 1: cgroup manager systemd" if host.systemd_pid1
               else "systemd is not PID 1: cgroup manager cgroupfs")
    return Check("cgroups", True, f"{what}; {manager}")


def check_runtime(host: HostFacts) -> Check:
    """An OCI runtime that works with these cgroups: runc on v1/hybrid, crun (or runc) on v2."""
    wanted = ("runc",) if host.runtime == "runc" else ("crun", "runc")
    for name in wanted:
        path = find_program(name)
        if path is not None:
            done = _run([path, "--version"])
            first = (done.stdout.strip().splitlines() or [""])[0]
            version = parse_version(first)
            shown = f"{name} {'.'.join(map(str, version))}" if version else name
            return Check("OCI runtime", True, f"{shown} ({path})")
    if host.runtime == "runc":
        return Check("OCI runtime", False,
                     f"runc is not installed: cgroups are {host.cgroups} and crun does not"
                     " work with them", install_command("runc"))
    return Check("OCI runtime", False, "neither crun nor runc is installed",
                 install_command("crun"))


def check_program(name: str, package: str, role: str) -> Check:
    """A helper program Podman needs."""
    path = find_program(name)
    if path is None:
        return Check(name, False, f"not installed ({role})", install_command(package))
    return Check(name, True, f"{path} ({role})")


def check_busybox(path: str = BUSYBOX) -> Check:
    """A statically linked busybox, which the tutor copies into its images."""
    static = elf_is_static(path) if os.path.exists(path) else None
    fix = install_command("busybox-static")
    if not os.path.exists(path):
        return Check("busybox-static", False, f"{path} is missing (images are built from it)",
                     fix)
    if static is None:
        return Check("busybox-static", False, f"{path} is not an ELF executable", fix)
    if not static:
        return Check("busybox-static", False,
                     f"{path} is dynamically linked: images need a static busybox", fix)
    return Check("busybox-static", True, f"{path} is statically linked")


def check_rlimits(host: HostFacts, can_raise: bool) -> Check:
    """Whether Podman's default limits can be set here, and the pin that makes them work."""
    pins = " and ".join(ulimits(host))
    hard = f"hard limits nofile {host.nofile_hard}, nproc {host.nproc_hard}"
    if can_raise:
        return Check("rlimits", True, f"{hard}; podman may raise nofile to {NOFILE_MAX} here."
                     f" The tutor pins {pins} anyway")
    return Check("rlimits", True,
                 f"{hard}; raising them is not permitted here, so Podman's default nofile"
                 f" {NOFILE_MAX} fails (setrlimit RLIMIT_NOFILE: Operation not permitted)."
                 f" The tutor pins {pins} in its own containers.conf (both: a --ulimit"
                 " replaces the whole list)")


def dropin_settings(host: HostFacts,
                    can_raise: bool) -> dict[str, dict[str, str | int | list[str]]]:
    """What plain `podman` needs on this host, by containers.conf table (empty: nothing)."""
    containers: dict[str, str | int | list[str]] = {}
    engine: dict[str, str | int | list[str]] = {}
    if not can_raise:
        containers["default_ulimits"] = ulimits(host)
    if host.runtime:
        engine["runtime"] = host.runtime
    if not host.systemd_pid1:
        engine["cgroup_manager"] = "cgroupfs"
        engine["events_logger"] = "file"
    return {name: keys for name, keys in (("containers", containers), ("engine", engine))
            if keys}


def dropin_text(host: HostFacts | None = None, *, can_raise: bool | None = None) -> str:
    """The text of `/etc/containers/containers.conf.d/kubia-tutor.conf` for this host."""
    host = host or detect_host()
    if can_raise is None:
        can_raise = can_raise_nofile()
    return render_toml(
        dropin_settings(host, can_raise),
        "Written by `kubia-tutor doctor --fix`: what plain `podman` needs on this host.\n"
        "kubia-tutor itself does not read it; delete this file to undo.")


def check_dropin(host: HostFacts, can_raise: bool, path: str = DROPIN_PATH) -> Check:
    """Whether plain `podman` is configured for this host (only a warning: the tutor runs
    its own service with its own config)."""
    needed = dropin_settings(host, can_raise)
    if not needed:
        return Check("plain podman", True, "needs no configuration on this host",
                     required=False)
    try:
        current = Path(path).read_text()
    except OSError:
        current = None
    if current == dropin_text(host, can_raise=can_raise):
        return Check("plain podman", True, f"configured by {path}", required=False)
    keys = ", ".join(key for table in needed.values() for key in table)
    state = "is out of date" if current is not None else "is not there"
    return Check("plain podman", False,
                 f"outside the tutor, podman needs {keys} here and {path} {state} (the tutor"
                 " does not need it)", "kubia-tutor doctor --fix", required=False)


def check_container(podman: str, host: HostFacts, busybox: str = BUSYBOX) -> Check:
    """Build a scratch image holding busybox and run it, with the tutor's config, in a temp
    dir; the image is removed again. No network: `--network none` for build and run."""
    started = time.monotonic()
    tag = f"localhost/kubia-tutor-doctor-{uuid.uuid4().hex[:12]}:latest"
    labels = [arg for key, value in LABELS.items() for arg in ("--label", f"{key}={value}")]
    with tempfile.TemporaryDirectory(prefix="kubia-tutor-doctor-") as tmp:
        env = podman_env(write_containers_conf(tmp, host))
        context = Path(tmp, "context")
        (context / "etc").mkdir(parents=True)
        shutil.copy(busybox, context / "busybox")
        (context / "etc" / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\n")
        (context / "etc" / "group").write_text("root:x:0:\n")
        (context / "Containerfile").write_text(
            "FROM scratch\nCOPY busybox /bin/busybox\nCOPY etc /etc\n"
            'RUN ["/bin/busybox", "--install", "-s", "/bin"]\n')
        try:
            built = _run([podman, "build", "-q", "--layers=false", "--no-cache", "--pull=never",
                          "--network", "none", *labels, "-t", tag, str(context)], env=env)
            if built.returncode != 0:
                return Check("container starts", False,
                             f"podman build fails: {_last_line(built.stderr)}")
            ran = _run([podman, "run", "--rm", "--network", "none", *labels, tag,
                        "sh", "-c", "echo ok"], env=env)
            if ran.returncode != 0 or ran.stdout.strip() != "ok":
                why = _last_line(ran.stderr) or f"status {ran.returncode}"
                return Check("container starts", False, f"podman run fails: {why}")
        finally:
            _run([podman, "rmi", "-f", tag], env=env)
    took = time.monotonic() - started
    runtime = host.runtime or "the default runtime"
    return Check("container starts", True,
                 f"built and ran a busybox container with {runtime} in {took:.1f} s")


def check_service(state_dir: str | os.PathLike[str], podman: str | None, host: HostFacts,
                  deep: bool) -> Check:
    """Whether the state dir's service socket answers; with `deep`, when it does not, whether
    a service starts at all (in a temp dir, stopped again)."""
    sock = socket_file(state_dir)
    if ping(sock):
        return Check("podman service", True, f"answers on {sock}")
    if not deep:
        return Check("podman service", False,
                     f"nothing answers on {sock} (`kubia-tutor up` starts it; `doctor --deep`"
                     " tries starting one)", required=False)
    if podman is None:
        return Check("podman service", False, "not tried: podman is not usable",
                     install_command("podman"))
    with tempfile.TemporaryDirectory(prefix="kubia-tutor-doctor-") as tmp:
        service = PodmanService(tmp, podman=podman, host=host)
        try:
            service.start(timeout=15)
            rss = service.rss_kib()
            started = service.startup_ms or 0.0
        except ServiceError as exc:
            return Check("podman service", False, f"a test service does not start: {exc}")
        finally:
            service.close()
    memory = f", {rss / 1024:.0f} MB RSS" if rss else ""
    return Check("podman service", True,
                 f"not running on {sock}; a test service answered {started:.0f} ms after"
                 f" start{memory}, and was stopped")


def run_checks(state_dir: str | os.PathLike[str], *, deep: bool = False,
               host: HostFacts | None = None, busybox: str = BUSYBOX,
               dropin: str = DROPIN_PATH) -> list[Check]:
    """Every check, in the order `doctor` prints them. Changes nothing outside temp dirs."""
    host = host or detect_host()
    podman_check, podman = check_podman()
    can_raise = can_raise_nofile()
    runtime = check_runtime(host)
    busybox_check = check_busybox(busybox)
    checks = [
        podman_check,
        check_cgroups(host),
        runtime,
        check_program("conmon", "conmon", "container monitor"),
        check_program("catatonit", "catatonit", "pod infra container init"),
        check_program("netavark", "netavark", "pod networks"),
        check_program("aardvark-dns", "aardvark-dns", "netavark's DNS"),
        check_program("iptables", "iptables", "netavark's firewall rules"),
        busybox_check,
        check_rlimits(host, can_raise),
        check_dropin(host, can_raise, dropin),
    ]
    if deep:
        if podman is None or not runtime.ok or not busybox_check.ok:
            checks.append(Check("container starts", False,
                                "not tried: fix podman, the OCI runtime and busybox first"))
        else:
            checks.append(check_container(podman, host, busybox))
    checks.append(check_service(state_dir, podman, host, deep))
    return checks


def passes(checks: Sequence[Check]) -> bool:
    """True when every required check is ok (warnings do not count)."""
    return all(check.ok or not check.required for check in checks)


def _mark(check: Check) -> str:
    if check.ok:
        return "✓"
    return "✗" if check.required else "!"


def format_report(checks: Sequence[Check], width: int = 100) -> str:
    """The report: one row per check (✓ ok, ✗ failed, ! warning) with its detail wrapped to
    `width` columns, the fix under each failure, then a verdict and, when packages are
    missing, one command that installs them all."""
    name_width = max((len(check.name) for check in checks), default=0)
    indent = " " * (name_width + 4)
    lines = []
    for check in checks:
        detail = textwrap.wrap(check.detail, max(30, width - len(indent)),
                               break_on_hyphens=False) or [""]
        lines.append(f"{_mark(check)} {check.name.ljust(name_width)}  {detail[0]}")
        lines += [indent + more for more in detail[1:]]
        if not check.ok and check.fix:
            lines.append(f"{indent}fix: {check.fix}")
    packages: list[str] = []
    for check in checks:
        if not check.ok and "apt-get install -y " in check.fix:
            wanted = check.fix.split("apt-get install -y ", 1)[1].split("  ")[0].split()
            packages += [name for name in wanted if name not in packages]
    failed = [check for check in checks if not check.ok and check.required]
    warned = [check for check in checks if not check.ok and not check.required]
    lines.append("")
    if not failed:
        verdict = "All required checks pass"
        lines.append(verdict + (f" ({len(warned)} warning{'s' * (len(warned) != 1)})."
                                if warned else "."))
    else:
        lines.append(f"{len(failed)} check{'s' * (len(failed) != 1)} failed.")
    if packages:
        lines.append(f"Install what is missing: {install_command(*packages)}")
    return "\n".join(lines) + "\n"


def fix(*, host: HostFacts | None = None, can_raise: bool | None = None,
        path: str = DROPIN_PATH) -> Path | None:
    """Write the drop-in that makes plain `podman` work here (`doctor --fix`, only when the
    user asks). Returns the file written, or None when this host needs none."""
    host = host or detect_host()
    if can_raise is None:
        can_raise = can_raise_nofile()
    if not dropin_settings(host, can_raise):
        return None
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(dropin_text(host, can_raise=can_raise))
    os.replace(tmp, target)
    return target
