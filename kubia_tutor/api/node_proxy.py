"""The API server's subresources served by the node or an add-on rather than the store:
`pods/<name>/log`, `pods/<name>/exec`, the streaming ones (exec -it, attach, log -f,
portforward) and the metrics API.

Design note. The real API server proxies these to the kubelet (and metrics.k8s.io to
metrics-server); here whoever runs the kubelet sets the hooks: `log_source`, `exec_source`,
`stream_source` ((pod, subresource, options) -> a runner that relays the session over a
socket) and `metrics_source` (a callable answering a GET under /apis/metrics.k8s.io). A hook
left None answers as a node without that container would.
"""

from __future__ import annotations

import builtins
import socket
import threading
from typing import Any

from kubia_tutor.api.errors import ApiError, bad_request
from kubia_tutor.api.kinds import ResourceType, resolve
from kubia_tutor.api.version import SERVER_VERSION

Obj = dict[str, Any]


class NodeProxy:
    """The node-proxied reads and sessions of `ApiServer`."""

    log_source: Any
    exec_source: Any
    stream_source: Any
    metrics_source: Any

    def _read(self, rt: ResourceType, namespace: str | None, name: str) -> Obj:
        raise NotImplementedError  # ApiServer's

    def pod_logs(self, namespace: str | None, name: str, *, container: str = "",
                 previous: bool = False, tail: int | None = None,
                 timestamps: bool = False) -> str:
        """A pod container's log, from the node it runs on."""
        pod = self._read(resolve("pods"), namespace, name)
        if not container:
            names = [c.get("name") for c in (pod.get("spec") or {}).get("containers") or []]
            if len(names) != 1:
                raise bad_request(f"a container name must be specified for pod {name}, "
                                  f"choose one of: [{' '.join(map(str, names))}]")
            container = str(names[0])
        if self.log_source is None or not (pod.get("spec") or {}).get("nodeName"):
            raise bad_request(f'container "{container}" in pod "{name}" is waiting to start: '
                              "ContainerCreating")
        text: str = self.log_source(pod, container, previous=previous, tail=tail,
                                    timestamps=timestamps)
        return text

    def pod_exec(self, namespace: str | None, name: str, command: builtins.list[str], *,
                 container: str = "") -> Obj:
        """Run a command in a pod's container; returns exitCode, stdout and stderr (text)."""
        pod = self._read(resolve("pods"), namespace, name)
        if not command:
            raise bad_request("you must specify at least one command for the container")
        if not container:
            names = [c.get("name") for c in (pod.get("spec") or {}).get("containers") or []]
            container = str(names[0]) if names else ""
        if self.exec_source is None or not (pod.get("spec") or {}).get("nodeName"):
            raise bad_request(f'unable to upgrade connection: container not found '
                              f'("{container}")')
        result = self.exec_source(pod, container, [str(a) for a in command])
        return {"exitCode": result.exit_code,
                "stdout": result.stdout.decode(errors="replace"),
                "stderr": result.stderr.decode(errors="replace")}

    def open_stream(self, namespace: str | None, name: str, subresource: str,
                    options: dict[str, Any]) -> Any:
        """Check and start a streaming session on a pod (kubia-stream/1, see
        `daemon/stream_protocol.py`); returns the runner that relays it over a socket."""
        pod = self._read(resolve("pods"), namespace, name)
        if self.stream_source is None or not (pod.get("spec") or {}).get("nodeName"):
            container = str(options.get("container") or "")
            if subresource == "log":
                raise bad_request(f'container "{container}" in pod "{name}" is waiting to '
                                  "start: ContainerCreating")
            raise bad_request(f'unable to upgrade connection: container not found '
                              f'("{container}")')
        return self.stream_source(pod, subresource, options)

    def stream(self, namespace: str | None, name: str, subresource: str,
               options: dict[str, Any]) -> socket.socket:
        """The in-process client's streaming session: the same frames the daemon sends over
        an upgraded connection, over a socketpair relayed by a thread of its own."""
        runner = self.open_stream(namespace, name, subresource, options)
        ours, theirs = socket.socketpair()

        def relay() -> None:
            try:
                runner(theirs)
            finally:
                theirs.close()

        threading.Thread(target=relay, name=f"stream-{subresource}", daemon=True).start()
        return ours

    def raw_get(self, path: str) -> Any:
        """Non-resource reads: `/version`, and the metrics API when there is one."""
        if path == "/version":
            return dict(SERVER_VERSION)
        if path.startswith("/apis/metrics.k8s.io") and self.metrics_source is not None:
            return self.metrics_source(path)
        raise ApiError(404, "NotFound", "the server could not find the requested resource")
