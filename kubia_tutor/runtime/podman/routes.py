"""The safety routes that keep pod and service traffic on this machine.

netavark deletes the pod network's bridge when its last container stops; traffic to pod or
service addresses would then follow the default route off the machine (a pod's DNS query to
the cluster DNS address, for one). Low-priority `unreachable` routes for both ranges lose to
the bridge's own route while it exists and stop everything else at the host.
"""

from __future__ import annotations

import shutil
import subprocess

POD_CIDR = "10.244.0.0/16"
SERVICE_CIDR = "10.96.0.0/12"
METRIC = "1000"


class RouteError(Exception):
    """The routes could not be put in place; str() says why and what to do."""


def _ip() -> str:
    found = shutil.which("ip") or "/usr/sbin/ip"
    return found


def present(cidr: str) -> bool:
    """True when an unreachable route for `cidr` exists."""
    done = subprocess.run([_ip(), "route", "show", "type", "unreachable", cidr],
                          capture_output=True, text=True)
    return done.returncode == 0 and cidr.split("/")[0] in done.stdout


def ensure(cidrs: tuple[str, ...] = (POD_CIDR, SERVICE_CIDR)) -> None:
    """Add the unreachable routes that are missing; raises RouteError when that fails."""
    for cidr in cidrs:
        if present(cidr):
            continue
        done = subprocess.run([_ip(), "route", "add", "unreachable", cidr, "metric", METRIC],
                              capture_output=True, text=True)
        if done.returncode != 0 and not present(cidr):
            raise RouteError(
                f"cannot add the safety route for {cidr} ({done.stderr.strip()}); as root run: "
                f"ip route add unreachable {cidr} metric {METRIC}")
