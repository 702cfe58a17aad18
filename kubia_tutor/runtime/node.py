"""The one Node: its object built from what this host really has."""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any

Obj = dict[str, Any]

NODE_NAME = "minikube"
NODE_IP = "127.0.0.1"  # NodePorts and the like listen on loopback only
KUBELET_VERSION = "v1.20.2"
_ARCH = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm"}


def _read(path: str, default: str = "") -> str:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return default


def _memory_kib() -> int:
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1])
    return 2 * 1024 * 1024


def _os_image() -> str:
    for line in _read("/etc/os-release").splitlines():
        if line.startswith("PRETTY_NAME="):
            return line.split("=", 1)[1].strip('"')
    return "Linux"


def node_object(state_dir: str, runtime_version: str) -> Obj:
    """The Node object for this host: capacity and system info read from the host."""
    stat = os.statvfs(state_dir)
    storage_kib = stat.f_blocks * stat.f_frsize // 1024
    arch = _ARCH.get(platform.machine(), platform.machine())
    capacity = {
        "cpu": str(os.cpu_count() or 1),
        "ephemeral-storage": f"{storage_kib}Ki",
        "hugepages-1Gi": "0",
        "hugepages-2Mi": "0",
        "memory": f"{_memory_kib()}Ki",
        "pods": "110",
    }
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": NODE_NAME,
            "labels": {
                "beta.kubernetes.io/arch": arch,
                "beta.kubernetes.io/os": "linux",
                "kubernetes.io/arch": arch,
                "kubernetes.io/hostname": NODE_NAME,
                "kubernetes.io/os": "linux",
                "minikube.k8s.io/name": NODE_NAME,
                "node-role.kubernetes.io/control-plane": "",
                "node-role.kubernetes.io/master": "",
            },
            "annotations": {
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
        },
        "spec": {"podCIDR": "10.244.0.0/24", "podCIDRs": ["10.244.0.0/24"]},
        "status": {
            "capacity": capacity,
            "allocatable": dict(capacity),
            "addresses": [{"type": "InternalIP", "address": NODE_IP},
                          {"type": "Hostname", "address": NODE_NAME}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "architecture": arch,
                "bootID": _read("/proc/sys/kernel/random/boot_id"),
                "containerRuntimeVersion": runtime_version,
                "kernelVersion": platform.release(),
                "kubeProxyVersion": KUBELET_VERSION,
                "kubeletVersion": KUBELET_VERSION,
                "machineID": _read("/etc/machine-id"),
                "operatingSystem": "linux",
                "osImage": _os_image(),
                "systemUUID": _read("/sys/class/dmi/id/product_uuid") or _read(
                    "/etc/machine-id"),
            },
        },
    }


def conditions(now: str, since: str) -> list[Obj]:
    """The node's conditions as a healthy kubelet reports them."""
    def cond(kind: str, status: str, reason: str, message: str) -> Obj:
        return {"type": kind, "status": status, "lastHeartbeatTime": now,
                "lastTransitionTime": since, "reason": reason, "message": message}

    return [
        cond("MemoryPressure", "False", "KubeletHasSufficientMemory",
             "kubelet has sufficient memory available"),
        cond("DiskPressure", "False", "KubeletHasNoDiskPressure",
             "kubelet has no disk pressure"),
        cond("PIDPressure", "False", "KubeletHasSufficientPID",
             "kubelet has sufficient PID available"),
        cond("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
    ]
