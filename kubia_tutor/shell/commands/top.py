"""`kubectl top pod|node`: resource usage from the metrics API, printed as kubectl v1.20 does.

kubectl first checks that the server offers metrics.k8s.io (`Metrics API not available`
otherwise: the fake runtime has no metrics), then reads PodMetrics or NodeMetrics. An empty pod
list is explained from the pods' ages, as kubectl's `verifyEmptyMetrics` does: pods younger
than two minutes mean `metrics not available yet`. Cells come from kubectl's metrics printer:
every cell is tab-terminated (so the last column is padded too), CPU is `<millicores>m`
rounded up, memory `<MiB>Mi` rounded down, node percentages truncated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any
from urllib.parse import urlencode

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import resolve
from kubia_tutor.api.quantity import Quantity, QuantityError
from kubia_tutor.api.selectors import parse_label_selector
from kubia_tutor.shell.command import ALL_NAMESPACES, SELECTOR, Command, Context
from kubia_tutor.shell.errors import CommandError
from kubia_tutor.shell.flags import Flag, Parsed
from kubia_tutor.shell.printers.duration import parse_time
from kubia_tutor.shell.printers.tabwriter import tabwrite

Obj = dict[str, Any]

METRICS = "/apis/metrics.k8s.io/v1beta1"
METRICS_CREATION_DELAY = 120.0  # seconds: kubectl's metricsCreationDelay
SORT_BY = Flag("sort-by", default="")
NO_HEADERS = Flag("no-headers", kind="bool", default=False)
POD_COLUMNS = ["NAME", "CPU(cores)", "MEMORY(bytes)"]
NODE_COLUMNS = ["NAME", "CPU(cores)", "CPU%", "MEMORY(bytes)", "MEMORY%"]
_MI = 1024 * 1024


@dataclass(frozen=True)
class Usage:
    """CPU (cores) and memory (bytes) as exact numbers, as Go's resource.Quantity holds them."""

    cpu: Fraction
    memory: Fraction

    @property
    def cpu_milli(self) -> int:
        return math.ceil(self.cpu * 1000)  # Quantity.MilliValue rounds up

    @property
    def memory_bytes(self) -> int:
        return math.ceil(self.memory)  # Quantity.Value rounds up

    def __add__(self, other: Usage) -> Usage:
        return Usage(self.cpu + other.cpu, self.memory + other.memory)


ZERO = Usage(Fraction(0), Fraction(0))


def usage_of(resources: Obj | None) -> Usage:
    """A usage from a `{"cpu": ..., "memory": ...}` resource list (missing values are 0)."""
    resources = resources or {}
    try:
        return Usage(Quantity.parse(resources.get("cpu") or 0).value,
                     Quantity.parse(resources.get("memory") or 0).value)
    except QuantityError as exc:
        raise CommandError(f"the metrics API answered an unreadable quantity: {exc}") from None


def cells(usage: Usage, available: Usage | None = None) -> list[str]:
    """The usage cells of a row: CPU and memory, each followed by its share of `available`
    when the row is a node's (kubectl's printAllResourceUsages)."""
    out = [f"{usage.cpu_milli}m"]
    if available is not None:
        out.append(_percent(usage.cpu_milli, math.ceil(available.cpu * 1000)))
    out.append(f"{usage.memory_bytes // _MI}Mi")
    if available is not None:
        out.append(_percent(usage.memory_bytes * 1000, math.ceil(available.memory * 1000)))
    return out


def _percent(used_milli: int, available_milli: int) -> str:
    if available_milli == 0:  # Go divides floats: +Inf or NaN, which int64() makes this
        return f"{-(2 ** 63)}%"
    return f"{int(used_milli / available_milli * 100)}%"


def render(rows: list[list[str]], extra: str = "") -> str:
    """kubectl's metrics table: every cell tab-terminated, through the `get` tabwriter
    (`extra`: raw lines that share its columns)."""
    text = "".join("".join(f"{c}\t" for c in row) + "\n" for row in rows)
    return tabwrite(text + extra, 6, 3)


def pod_usage(metrics: Obj) -> Usage:
    """The sum of a pod's containers (kubectl's getPodMetrics)."""
    total = ZERO
    for container in metrics.get("containers") or []:
        total += usage_of(container.get("usage"))
    return total


def _sort_key(sort_by: str, usage: Usage) -> tuple[int, ...]:
    # kubectl sorts by usage descending; by name otherwise (the callers' stable base order)
    if sort_by == "cpu":
        return (-usage.cpu_milli,)
    if sort_by == "memory":
        return (-usage.memory_bytes,)
    return ()


def pod_table(items: list[Obj], *, containers: bool, namespaces: bool, headers: bool,
              sort_by: str) -> str:
    """`kubectl top pod` output for PodMetrics items."""
    if not items:
        return ""
    rows: list[list[str]] = []
    if headers:
        rows.append((["NAMESPACE"] if namespaces else []) + (["POD"] if containers else [])
                    + POD_COLUMNS)
    by_name = sorted(items, key=lambda m: ((m["metadata"].get("namespace", "") if namespaces
                                            else ""), m["metadata"].get("name", "")))
    ordered = sorted(by_name, key=lambda m: _sort_key(sort_by, pod_usage(m)))
    for metrics in ordered:
        meta = metrics.get("metadata") or {}
        lead = [str(meta.get("namespace", ""))] if namespaces else []
        if not containers:
            rows.append([*lead, str(meta.get("name", "")), *cells(pod_usage(metrics))])
            continue
        entries = sorted(metrics.get("containers") or [], key=lambda c: str(c.get("name")))
        entries.sort(key=lambda c: _sort_key(sort_by, usage_of(c.get("usage"))))
        for entry in entries:
            rows.append([*lead, str(meta.get("name", "")), str(entry.get("name", "")),
                         *cells(usage_of(entry.get("usage")))])
    return render(rows)


def node_table(items: list[Obj], allocatable: dict[str, Obj], *, headers: bool,
               sort_by: str) -> str:
    """`kubectl top node` output for NodeMetrics items and the nodes' allocatable."""
    if not items:
        return ""
    left = dict(allocatable)
    ordered = sorted(sorted(items, key=lambda m: m["metadata"].get("name", "")),
                     key=lambda m: _sort_key(sort_by, usage_of(m.get("usage"))))
    rows: list[list[str]] = [list(NODE_COLUMNS)] if headers else []
    for metrics in ordered:
        name = str(metrics["metadata"].get("name", ""))
        available = left.pop(name, None)
        node_cells = cells(usage_of(metrics.get("usage")),
                           None if available is None else usage_of(available))
        rows.append([name, *node_cells])
    # nodes without metrics, as kubectl 1.20 prints them (its stray tabs included)
    unknown = "<unknown>\t\t\t<unknown>\t\t\t"
    return render(rows, "".join(f"{name}\t{unknown}{unknown}\n" for name in sorted(left)))


def _metrics_get(ctx: Context, path: str, selector: str = "") -> Obj:
    query = f"?{urlencode({'labelSelector': selector})}" if selector else ""
    result: Obj = ctx.client.raw_get(f"{METRICS}/{path}{query}")
    return result


def _require_metrics_api(ctx: Context) -> None:
    """kubectl looks for the metrics.k8s.io group before anything else."""
    try:
        ctx.client.raw_get(METRICS)
    except ApiError as err:
        if err.code == 404:
            raise CommandError("Metrics API not available") from None
        raise


def _check(parsed: Parsed, use: str) -> tuple[str, str]:
    """kubectl's Complete and Validate: at most one NAME, a known --sort-by, NAME or -l."""
    if len(parsed.args) > 1:
        raise CommandError(use, usage=True)
    sort_by = parsed["sort-by"] or ""
    if sort_by and sort_by not in ("cpu", "memory"):
        raise CommandError("--sort-by accepts only cpu or memory")
    name = parsed.args[0] if parsed.args else ""
    selector = parsed["selector"] or ""
    if name and selector:
        raise CommandError("only one of NAME or --selector can be provided")
    if selector:
        try:
            parse_label_selector(selector)
        except ApiError as err:
            raise CommandError(err.message) from None
    return name, selector


def _age_check(ctx: Context, pod: Obj) -> None:
    """kubectl's checkPodAge: a pod older than two minutes should have had metrics."""
    created = parse_time((pod.get("metadata") or {}).get("creationTimestamp"))
    if created is None:
        return
    now: datetime = ctx.now()
    age = (now - created).total_seconds()
    if age > METRICS_CREATION_DELAY:
        from kubia_tutor.runtime.pod_sync import go_duration  # only on this error path

        meta = pod["metadata"]
        raise CommandError(f"Metrics not available for pod {meta.get('namespace')}/"
                           f"{meta.get('name')}, age: {go_duration(age)}")


def top_pod(ctx: Context, parsed: Parsed) -> int:
    """`kubectl top pod [NAME | -l label]`."""
    name, selector = _check(parsed, "pod [NAME | -l label]")
    all_namespaces = bool(parsed["all-namespaces"])
    _require_metrics_api(ctx)
    if name:
        scope = "" if all_namespaces else f"namespaces/{ctx.namespace}/"
        items = [_metrics_get(ctx, f"{scope}pods/{name}")]
    else:
        path = "pods" if all_namespaces else f"namespaces/{ctx.namespace}/pods"
        items = list(_metrics_get(ctx, path, selector).get("items") or [])
    if not items:
        # kubectl asks why in the context's namespace, even with -A
        pods = ctx.client.list(resolve("pods"), ctx.namespace, label_selector=selector)
        found = pods.get("items") or []
        for pod in found:
            _age_check(ctx, pod)
        if found:
            raise CommandError("metrics not available yet")
        ctx.err.write("No resources found\n" if all_namespaces else
                      f"No resources found in {ctx.namespace} namespace.\n")
    ctx.out.write(pod_table(items, containers=bool(parsed["containers"]),
                            namespaces=all_namespaces, headers=not parsed["no-headers"],
                            sort_by=parsed["sort-by"] or ""))
    return 0


def top_node(ctx: Context, parsed: Parsed) -> int:
    """`kubectl top node [NAME | -l label]`."""
    name, selector = _check(parsed, "node [NAME | -l label]")
    _require_metrics_api(ctx)
    nodes_rt = resolve("nodes")
    if name:
        items = [_metrics_get(ctx, f"nodes/{name}")]
    else:
        items = list(_metrics_get(ctx, "nodes", selector).get("items") or [])
    if not items:
        raise CommandError("metrics not available yet")
    if name:
        nodes = [ctx.client.get(nodes_rt, None, name)]
    else:
        nodes = list(ctx.client.list(nodes_rt, None, label_selector=selector).get("items")
                     or [])
    allocatable = {str(n["metadata"]["name"]): (n.get("status") or {}).get("allocatable") or {}
                   for n in nodes}
    ctx.out.write(node_table(items, allocatable, headers=not parsed["no-headers"],
                             sort_by=parsed["sort-by"] or ""))
    return 0


POD = Command("pod", "Display Resource (CPU/Memory/Storage) usage of pods",
              [SELECTOR, SORT_BY, Flag("containers", kind="bool", default=False),
               ALL_NAMESPACES, NO_HEADERS],
              top_pod, aliases=("pods", "po"), usage="kubectl top pod [NAME | -l label]")
NODE = Command("node", "Display Resource (CPU/Memory/Storage) usage of nodes",
               [SELECTOR, SORT_BY, NO_HEADERS],
               top_node, aliases=("nodes", "no"), usage="kubectl top node [NAME | -l label]")
COMMAND = Command("top", "Display Resource (CPU/Memory/Storage) usage", [], None,
                  {"pod": POD, "node": NODE}, usage="kubectl top [flags] [options]")
