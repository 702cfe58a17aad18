"""The kubelet: runs the pods bound to this node through a runtime and reports their status.

Design note. Level-driven like the controllers: for each pod key it reads the pod, asks the
runtime to make reality match the spec, and writes back status only when it changed. A pod with
a deletionTimestamp is killed and then deleted for good with a zero grace period, which is how
a real kubelet confirms termination to the API server. The node object and its heartbeat
belong here too.
"""

from __future__ import annotations

from collections.abc import Iterable

from kubia_tutor.api import events
from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import ResourceType, resolve
from kubia_tutor.api.server import ApiServer
from kubia_tutor.controllers.base import Controller, Obj, split_key
from kubia_tutor.runtime.base import Runtime
from kubia_tutor.runtime.node import NODE_NAME, conditions, node_object

PODS = resolve("pods")
NODES = resolve("nodes")


class Kubelet(Controller):
    """Syncs this node's pods with the runtime."""

    name = "kubelet"
    watches = ("pods",)
    resync_seconds = 10.0

    def __init__(self, api: ApiServer, runtime: Runtime, state_dir: str) -> None:
        super().__init__(api)
        self.runtime = runtime
        self.state_dir = state_dir
        self._heartbeat_at = 0.0
        # Images this node has pulled. The runtime contract cannot yet say whether an image
        # is present, so the kubelet remembers its own pulls to honour IfNotPresent.
        self._pulled: set[str] = set()

    def register_node(self) -> None:
        """Create or refresh the Node object for this host."""
        node = node_object(self.state_dir, self.runtime.version())
        now = self.api.now()
        try:
            current = self.api.get(NODES, None, NODE_NAME)
        except ApiError:
            current = None
        if current is None:
            node["status"]["conditions"] = conditions(now, now)
            self.api.create(NODES, None, node)
            return
        node["metadata"] = current["metadata"]
        node["spec"] = {**node["spec"], **(current.get("spec") or {})}
        since = next((c.get("lastTransitionTime") for c in
                      (current.get("status") or {}).get("conditions") or []
                      if c.get("type") == "Ready"), now)
        node["status"]["conditions"] = conditions(now, since or now)
        self.api.update(NODES, None, NODE_NAME, node)
        self.api.update(NODES, None, NODE_NAME, {**node, "metadata": self.api.get(
            NODES, None, NODE_NAME)["metadata"]}, subresource="status")

    def keys_for(self, rt: ResourceType, obj: Obj) -> Iterable[str]:
        if (obj.get("spec") or {}).get("nodeName") == NODE_NAME:
            yield f"{obj['metadata']['namespace']}/{obj['metadata']['name']}"

    def all_keys(self) -> Iterable[str]:
        for pod in self.api.store.items("/registry/core/pods/"):
            if (pod.get("spec") or {}).get("nodeName") == NODE_NAME:
                yield f"{pod['metadata']['namespace']}/{pod['metadata']['name']}"

    def reconcile(self, key: str) -> float | None:
        ns, name = split_key(key)
        try:
            pod = self.api.get(PODS, ns, name)
        except ApiError:
            return None
        if pod["metadata"].get("deletionTimestamp"):
            self._terminate(pod)
            return None
        first_sync = not (pod.get("status") or {}).get("startTime")
        began = self.clock.now()
        status = self.runtime.sync_pod(pod)
        took = (self.clock.now() - began).total_seconds()
        if status != pod.get("status"):
            try:
                self.api.update(PODS, ns, name, {**pod, "status": status},
                                subresource="status")
            except ApiError as err:
                if err.code in (404, 409):
                    return 0.1
                raise
        if first_sync:
            self._started_events(pod, took)
        return None

    def _started_events(self, pod: Obj, pull_seconds: float) -> None:
        """The events of a container start, as the kubelet's image manager and runtime
        manager emit them; the pull time is how long the runtime took to start the pod."""
        for container in (pod.get("spec") or {}).get("containers") or []:
            path = f"spec.containers{{{container.get('name')}}}"
            image = str(container.get("image") or "")
            policy = container.get("imagePullPolicy") or "IfNotPresent"
            # Never counts as present: the runtimes here run every image they are given.
            if policy == "Always" or (policy == "IfNotPresent" and image not in self._pulled):
                events.record(self.api, pod, "Normal", "Pulling", f'Pulling image "{image}"',
                              component="kubelet", host=NODE_NAME, field_path=path)
                events.record(self.api, pod, "Normal", "Pulled",
                              f'Successfully pulled image "{image}" in '
                              f"{go_duration(pull_seconds)}",
                              component="kubelet", host=NODE_NAME, field_path=path)
                self._pulled.add(image)
            else:
                events.record(self.api, pod, "Normal", "Pulled",
                              f'Container image "{image}" already present on machine',
                              component="kubelet", host=NODE_NAME, field_path=path)
            events.record(self.api, pod, "Normal", "Created",
                          f"Created container {container.get('name')}",
                          component="kubelet", host=NODE_NAME, field_path=path)
            events.record(self.api, pod, "Normal", "Started",
                          f"Started container {container.get('name')}",
                          component="kubelet", host=NODE_NAME, field_path=path)

    def _terminate(self, pod: Obj) -> None:
        for container in (pod.get("spec") or {}).get("containers") or []:
            events.record(self.api, pod, "Normal", "Killing",
                          f"Stopping container {container.get('name')}",
                          component="kubelet", host=NODE_NAME,
                          field_path=f"spec.containers{{{container.get('name')}}}")
        self.runtime.kill_pod(pod)
        meta = pod["metadata"]
        try:
            self.api.delete(PODS, meta["namespace"], meta["name"], grace_period=0)
        except ApiError as err:
            if err.code != 404:
                raise

    def heartbeat(self) -> None:
        """Refresh the node's conditions (lastHeartbeatTime), as the kubelet does."""
        try:
            node = self.api.get(NODES, None, NODE_NAME)
        except ApiError:
            self.register_node()
            return
        status = dict(node.get("status") or {})
        now = self.api.now()
        status["conditions"] = [{**c, "lastHeartbeatTime": now}
                                for c in status.get("conditions") or []]
        self.api.update(NODES, None, NODE_NAME, {**node, "status": status},
                        subresource="status")


def go_duration(seconds: float) -> str:
    """Go's time.Duration.String(), which the kubelet's "Successfully pulled" event uses:
    `0s`, `850ns`, `35.2µs`, `512.3ms`, `6.412s`, `1m30.5s`, `1h0m0s`."""
    ns = round(seconds * 1e9)
    if ns == 0:
        return "0s"
    sign, ns = ("-", -ns) if ns < 0 else ("", ns)
    if ns < 1_000:
        return f"{sign}{ns}ns"
    if ns < 1_000_000:
        return f"{sign}{_decimal(ns, 1_000)}µs"
    if ns < 1_000_000_000:
        return f"{sign}{_decimal(ns, 1_000_000)}ms"
    hours, rest = divmod(ns, 3_600_000_000_000)
    minutes, rest = divmod(rest, 60_000_000_000)
    text = f"{hours}h" if hours else ""
    if hours or minutes:
        text += f"{minutes}m"
    return f"{sign}{text}{_decimal(rest, 1_000_000_000)}s"


def _decimal(value: int, unit: int) -> str:
    """`value / unit` with as many decimals as needed and no trailing zeros."""
    whole, frac = divmod(value, unit)
    digits = str(frac).rjust(len(str(unit)) - 1, "0").rstrip("0")
    return f"{whole}.{digits}" if digits else str(whole)
