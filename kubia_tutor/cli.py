"""The `kubia-tutor` command: start the tutor, the shell, or manage the cluster daemon."""

from __future__ import annotations

import argparse
import os
import sys
import time

from kubia_tutor.daemon import paths

RUNTIMES = ("auto", "podman", "fake")


def _common(defaults: bool) -> argparse.ArgumentParser:
    """--state-dir and --runtime. The copy subcommands take has no defaults (SUPPRESS), so
    `kubia-tutor --state-dir X shell` keeps X instead of the subcommand resetting it."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--state-dir", default=None if defaults else argparse.SUPPRESS,
                        help="where the cluster keeps its state (default: "
                             "$XDG_STATE_HOME/kubia-tutor)")
    common.add_argument("--runtime", choices=RUNTIMES,
                        default="auto" if defaults else argparse.SUPPRESS,
                        help="container runtime: podman (real containers), fake (no "
                             "containers; for tests), or auto (podman when `kubia-tutor "
                             "doctor` passes, otherwise fake with a notice)")
    return common


def _parser() -> argparse.ArgumentParser:
    common = _common(defaults=False)
    parser = argparse.ArgumentParser(
        prog="kubia-tutor", parents=[_common(defaults=True)],
        description="Learn Kubernetes hands-on, chapter by chapter, on one machine.")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("up", parents=[common], help="start the cluster daemon in the background")
    sub.add_parser("status", parents=[common], help="show whether the cluster daemon runs")
    sub.add_parser("stop", parents=[common], help="stop the cluster daemon, keeping its state")
    sub.add_parser("reset", parents=[common],
                   help="stop the daemon and wipe its state and everything it created")
    doctor = sub.add_parser("doctor", parents=[common],
                            help="check what the Podman runtime needs on this machine")
    doctor.add_argument("--deep", action="store_true",
                        help="also start a test container and a test Podman service")
    doctor.add_argument("--fix", action="store_true",
                        help="write the drop-in that makes plain podman work on this host "
                             "(/etc/containers/containers.conf.d/kubia-tutor.conf)")
    shell = sub.add_parser("shell", parents=[common],
                           help="a kubectl shell on the cluster (script mode when stdin is "
                                "not a terminal)")
    shell.add_argument("--echo", action="store_true",
                       help="print each command line, after '$ ', before its output")
    sub.add_parser("kubectl", parents=[common], add_help=False,
                   help="run one kubectl command against the cluster")
    service = sub.add_parser("service", parents=[common],
                             help="print a service's URL on this machine, as `minikube "
                                  "service` does (`service list`: every service)")
    service.add_argument("name", help="the service's name, or `list`")
    service.add_argument("-n", "--namespace", default=None,
                         help="the service's namespace (default: default)")
    service.add_argument("--url", action="store_true", help="print only the URL(s)")
    _pack_parser(sub, common)
    sub.add_parser("images", parents=[common], add_help=False,
                   help="list or build the offline image catalog (images list|build)")
    _bench_parser(sub)
    return parser


def _bench_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    # The names are checked by bench_command.run: importing it here would slow every start.
    bench = sub.add_parser("bench", help="measure this machine: run the benchmarks in bench/ "
                                         "and print a Markdown report")
    bench.add_argument("--quick", action="store_true",
                       help="small sample counts: about 20 min on 2 CPUs (the full run: about "
                            "an hour)")
    bench.add_argument("--only", nargs="+", metavar="NAME",
                       help="run only these benchmarks (foundation, get, startup, runtime, "
                            "pods, controllers, network, lessons, tui)")
    bench.add_argument("--output", default=None, metavar="FILE",
                       help="also write the report to FILE")


def _pack_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser],
                 common: argparse.ArgumentParser) -> None:
    pack = sub.add_parser("pack", help="write, check and install lesson packs")
    verbs = pack.add_subparsers(dest="pack_command", required=True)
    new = verbs.add_parser("new", help="write a working pack to start from")
    new.add_argument("dir")
    validate = verbs.add_parser("validate", help="check a pack's files and what they mean")
    validate.add_argument("dir")
    test = verbs.add_parser("test", parents=[common],
                            help="prove every check fails before and passes after its "
                                 "solution, on a fresh sandbox per lesson")
    test.add_argument("dir")
    test.add_argument("--lesson", default=None, help="test only this lesson (its id)")
    verbs.add_parser("list", parents=[common], help="the built-in and installed packs")
    install = verbs.add_parser("install", parents=[common],
                               help="install a pack from a directory or an archive")
    install.add_argument("source")


def _pack(args: argparse.Namespace, state_dir: str) -> int:
    from kubia_tutor.lessons import commands

    verb = args.pack_command
    if verb == "new":
        return commands.new(args.dir)
    if verb == "validate":
        return commands.validate(args.dir)
    if verb == "test":
        return commands.test(args.dir, args.runtime, args.lesson)
    if verb == "list":
        return commands.list_packs(state_dir)
    return commands.install_pack(args.source, state_dir)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `kubia-tutor` console script."""
    try:
        return _main(argv)
    except BrokenPipeError:
        from kubia_tutor.shell.main import closed_pipe

        return closed_pipe()


def _main(argv: list[str] | None) -> int:
    args_in = list(sys.argv[1:] if argv is None else argv)
    if "images" in args_in and "kubectl" not in args_in:
        index = args_in.index("images")
        head, rest = _take_common(args_in[:index] + args_in[index + 1:], index)
        known, _ = _parser().parse_known_args(head)
        return _images(_state_dir(known.state_dir), rest)
    if "kubectl" in args_in:
        index = args_in.index("kubectl")
        head, rest = _take_common(args_in[:index] + args_in[index + 1:], index)
        known, _ = _parser().parse_known_args(head)
        return _kubectl(_state_dir(known.state_dir), known.runtime, rest)
    args = _parser().parse_args(args_in)
    state_dir = _state_dir(args.state_dir)
    command = args.command
    if command == "up":
        return _up(state_dir, args.runtime)
    if command == "status":
        return _status(state_dir)
    if command == "stop":
        return _stop(state_dir)
    if command == "reset":
        return _reset(state_dir)
    if command == "doctor":
        return _doctor(state_dir, args.deep, args.fix)
    if command == "service":
        return _service(state_dir, args.name, args.namespace, args.url)
    if command == "pack":
        return _pack(args, state_dir)
    if command == "bench":
        from kubia_tutor import bench_command

        return bench_command.run(args.only, args.quick, args.output)
    if command == "shell" or not (sys.stdin.isatty() and sys.stdout.isatty()):
        return _shell(state_dir, args.runtime, getattr(args, "echo", False))
    return _tui(state_dir, args.runtime)


def _tui(state_dir: str, runtime: str) -> int:
    from kubia_tutor.tui.app import run_app

    return run_app(state_dir, runtime)


def _take_common(args: list[str], start: int) -> tuple[list[str], list[str]]:
    """Split out --state-dir/--runtime given after a pass-through subcommand, so
    `kubia-tutor images list --state-dir D` works like `kubia-tutor --state-dir D images list`."""
    head, rest = list(args[:start]), []
    items = args[start:]
    i = 0
    while i < len(items):
        arg = items[i]
        if arg in ("--state-dir", "--runtime") and i + 1 < len(items):
            head += [arg, items[i + 1]]
            i += 2
            continue
        if arg.startswith(("--state-dir=", "--runtime=")):
            head.append(arg)
        else:
            rest.append(arg)
        i += 1
    return head, rest


def _state_dir(given: str | None) -> str:
    return os.path.abspath(given or paths.default_state_dir())


def _up(state_dir: str, runtime: str) -> int:
    from kubia_tutor.client import lifecycle

    try:
        status, started = lifecycle.up(state_dir, runtime)
    except lifecycle.DaemonError as exc:
        print(f"kubia-tutor: {exc}", file=sys.stderr)
        return 1
    if started:
        print(f"kubia-tutor: cluster started (pid {status.pid}, runtime {status.runtime}, "
              f"state in {state_dir})")
    else:
        print(f"kubia-tutor: cluster is already running (pid {status.pid}, runtime "
              f"{status.runtime})")
    _notice(status)
    return 0


def _notice(status: object) -> None:
    """Say on screen when the cluster runs no real containers, and why."""
    runtime = getattr(status, "runtime", "")
    notice = getattr(status, "notice", "")
    if runtime != "fake":
        return
    print("kubia-tutor: " + (notice or "this cluster uses the fake runtime (no real "
                             "containers); start a cluster with --runtime podman for real "
                             "ones."), file=sys.stderr)


def _status(state_dir: str) -> int:
    from kubia_tutor.client import lifecycle

    status = lifecycle.probe(state_dir)
    if status is None:
        print(f"kubia-tutor: cluster is stopped (state dir {state_dir})")
        return 3
    uptime = int(time.time() - status.started)
    print(f"kubia-tutor: cluster is running (pid {status.pid}, runtime {status.runtime}, "
          f"up {uptime}s, revision {status.revision}, state dir {state_dir})")
    _notice(status)
    return 0


def _stop(state_dir: str) -> int:
    from kubia_tutor.client import lifecycle

    pid = lifecycle.stop(state_dir)
    if pid is None:
        print("kubia-tutor: cluster is not running")
    else:
        print(f"kubia-tutor: cluster stopped (pid {pid}); its state is kept")
    return 0


def _reset(state_dir: str) -> int:
    from kubia_tutor.client import lifecycle

    if not lifecycle.reset(state_dir):
        print(f"kubia-tutor: {state_dir} is not a kubia-tutor state dir; refusing to wipe it",
              file=sys.stderr)
        return 1
    print(f"kubia-tutor: cluster stopped and its state wiped ({state_dir})")
    return 0


def _images(state_dir: str, rest: list[str]) -> int:
    """`kubia-tutor images list|build`, with the tutor's own containers.conf."""
    from kubia_tutor.runtime.images.command import main as images_main
    from kubia_tutor.runtime.podman import config

    if not paths.usable(state_dir):
        print(f"kubia-tutor: {state_dir} is not a kubia-tutor state dir", file=sys.stderr)
        return 1
    os.makedirs(state_dir, exist_ok=True)
    paths.mark(state_dir)
    conf = config.write_containers_conf(state_dir)
    return images_main(["--containers-conf", str(conf), *rest])


def _doctor(state_dir: str, deep: bool, fix: bool) -> int:
    from kubia_tutor.runtime.podman import doctor

    if fix:
        written = doctor.fix()
        print(f"kubia-tutor: wrote {written}" if written else
              "kubia-tutor: this host needs no drop-in")
    checks = doctor.run_checks(state_dir, deep=deep)
    print(doctor.format_report(checks), end="")
    print("How fast is this machine? `kubia-tutor bench --quick` measures it (about 20 min).")
    return 0 if doctor.passes(checks) else 1


def _kubectl(state_dir: str, runtime: str, argv: list[str]) -> int:
    from kubia_tutor.client import lifecycle
    from kubia_tutor.shell.main import open_session

    try:
        session = open_session(state_dir, runtime)
    except lifecycle.DaemonError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return session.kubectl(argv)


def _shell(state_dir: str, runtime: str, echo: bool) -> int:
    from kubia_tutor.client import lifecycle
    from kubia_tutor.shell.main import open_session
    from kubia_tutor.shell.script import run_script

    try:
        session = open_session(state_dir, runtime)
    except lifecycle.DaemonError as exc:
        print(f"kubia-tutor: {exc}", file=sys.stderr)
        return 1
    if not sys.stdin.isatty():
        return run_script(session, sys.stdin, echo=echo)
    from kubia_tutor.shell.repl import run_repl

    status = lifecycle.probe(state_dir)
    if status is not None:
        _notice(status)  # a learner must know when no real container runs

    return run_repl(session)


def _service(state_dir: str, name: str, namespace: str | None, url_only: bool) -> int:
    """`minikube service`: needs a running cluster, which it does not start (as minikube's
    does not start one either)."""
    from kubia_tutor.client.http import HttpClient
    from kubia_tutor.client.lifecycle import probe
    from kubia_tutor.shell import minikube

    if probe(state_dir) is None:
        print("kubia-tutor: the cluster is not running; start it with `kubia-tutor up`",
              file=sys.stderr)
        return 1
    with HttpClient(paths.socket_file(state_dir)) as client:
        if name == "list":
            return minikube.service_list(client, namespace, sys.stdout)
        return minikube.service(client, name, namespace or "default", url_only, sys.stdout,
                                sys.stderr)
