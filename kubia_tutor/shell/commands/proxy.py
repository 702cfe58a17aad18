"""`kubectl proxy [--port=8001] [--address=127.0.0.1]`: the API server on localhost.

The server is `proxy_server.ApiProxy`. It listens on 127.0.0.1 only (the tutor's sandbox
rule: `--address` takes localhost and 127.0.0.1, nothing else) and runs until Ctrl+C,
printing kubectl's one line.
"""

from __future__ import annotations

from kubia_tutor.shell.command import Command, Context
from kubia_tutor.shell.commands.port_forward import check_addresses
from kubia_tutor.shell.commands.proxy_server import LOOPBACK, ApiProxy
from kubia_tutor.shell.errors import CommandError, UsageError
from kubia_tutor.shell.flags import Flag, Parsed


def socket_path(ctx: Context) -> str:
    """The daemon's API socket: the proxy talks HTTP to it, as kubectl to the API server."""
    path = getattr(ctx.client, "socket_path", None)
    if isinstance(path, str) and path:
        return path
    raise CommandError("kubectl proxy needs the cluster daemon (`kubia-tutor up`)")


def run(ctx: Context, parsed: Parsed) -> int:
    """Serve the API on 127.0.0.1:<port> until Ctrl+C."""
    if parsed.args:
        raise CommandError(f'unknown command "{parsed.args[0]}" for "kubectl proxy"',
                           usage=True)
    check_addresses([str(parsed["address"])])
    port_text = str(parsed["port"])
    if not port_text.lstrip("-").isdigit() or not 0 <= int(port_text) <= 65535:
        raise UsageError(f'invalid argument "{port_text}" for "-p, --port" flag: '
                         f'strconv.ParseInt: parsing "{port_text}": invalid syntax')
    try:
        proxy = ApiProxy(socket_path(ctx), int(port_text))
    except OSError as exc:
        raise CommandError(f"listen tcp {LOOPBACK}:{port_text}: bind: "
                           f"{(exc.strerror or str(exc)).lower()}") from None
    ctx.out.write(f"Starting to serve on {LOOPBACK}:{proxy.port}\n")
    ctx.out.flush()
    try:
        proxy.serve_forever()
    except KeyboardInterrupt:
        pass  # kubectl ends quietly on Ctrl+C
    finally:
        proxy.close()
    return 0


COMMAND = Command(
    "proxy", "Run a proxy to the Kubernetes API server",
    [Flag("port", "p", default="8001"), Flag("address", default=LOOPBACK)],
    run, usage="kubectl proxy [--port=PORT] [--www=static-dir] [--www-prefix=prefix] "
               "[--api-prefix=prefix] [options]")
