"""The cluster view: pods, workloads, services, endpoints and events, live from watches, with
kubectl's columns and status colours; Enter on a row shows the object's YAML, description and
(for pods) logs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, TabbedContent, TabPane

from kubia_tutor.shell.printers.tables import table_rows
from kubia_tutor.tui.highlight import BAD, GOOD, WAITING

TABS: dict[str, tuple[str, ...]] = {
    "Pods": ("pods",),
    "Workloads": ("deployments", "replicasets", "replicationcontrollers", "statefulsets",
                  "daemonsets", "jobs", "cronjobs"),
    "Services": ("services", "ingresses"),
    "Endpoints": ("endpoints",),
    "Storage": ("persistentvolumeclaims",),
    "Events": ("events",),
    "Nodes": ("nodes",),
}
KIND = {"pods": "Pod", "deployments": "Deployment", "replicasets": "ReplicaSet",
        "replicationcontrollers": "ReplicationController", "statefulsets": "StatefulSet",
        "daemonsets": "DaemonSet", "jobs": "Job", "cronjobs": "CronJob", "services": "Service",
        "ingresses": "Ingress", "endpoints": "Endpoints", "events": "Event",
        "persistentvolumeclaims": "PersistentVolumeClaim", "nodes": "Node"}
PREFIX = {"deployments": "deployment.apps", "replicasets": "replicaset.apps",
          "replicationcontrollers": "replicationcontroller", "statefulsets": "statefulset.apps",
          "daemonsets": "daemonset.apps", "jobs": "job.batch", "cronjobs": "cronjob.batch",
          "services": "service", "ingresses": "ingress.networking.k8s.io"}


def styled(cell: str) -> Text:
    base = cell.split("(")[0].split(":")[0]
    if base in GOOD:
        return Text(cell, style="green")
    if base in WAITING:
        return Text(cell, style="yellow")
    if base in BAD or base == "Warning":
        return Text(cell, style="bold red")
    return Text(cell)


class ClusterScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("a", "toggle_system", "All namespaces"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.show_system = False
        self._shown_revision = -1

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(id="cluster-tabs"):
            for tab in TABS:
                with TabPane(tab, id=f"tab-{tab.lower()}"):
                    yield DataTable(id=f"table-{tab.lower()}", cursor_type="row",
                                    zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Cluster"
        self.cluster_changed()

    def action_toggle_system(self) -> None:
        self.show_system = not self.show_system
        self._shown_revision = -1
        self.cluster_changed()

    def cluster_changed(self) -> None:
        watch = getattr(self.app, "cluster_watch", None)
        if watch is None or watch.revision == self._shown_revision:
            return
        self._shown_revision = watch.revision
        self.sub_title = "all namespaces" if self.show_system else \
            "your namespaces (a: all)"
        if not watch.alive:
            self.sub_title += " · the cluster daemon is not answering"
        now = datetime.now(UTC)
        for tab, types in TABS.items():
            table = self.query_one(f"#table-{tab.lower()}", DataTable)
            self._fill(table, types, watch, now)

    def _fill(self, table: DataTable[Text], types: tuple[str, ...], watch: object,
              now: datetime) -> None:
        header: list[str] | None = None
        rows: list[tuple[str, list[str]]] = []
        for plural in types:
            objects = [o for o in watch.objects(plural)  # type: ignore[attr-defined]
                       if self.show_system or o["metadata"].get("namespace") != "kube-system"]
            if not objects:
                continue
            prefix = PREFIX.get(plural) if len(types) > 1 else None
            found = table_rows(KIND[plural], objects, now, namespace_column=plural != "nodes",
                               with_kind_prefix=prefix)
            if header is None or len(found[0]) > len(header):
                header = found[0]
            for obj, row in zip(objects, found[1:], strict=True):
                meta = obj["metadata"]
                rows.append((f"{plural}/{meta.get('namespace') or ''}/{meta['name']}", row))
        cursor = table.cursor_row
        table.clear(columns=True)
        if header is None:
            table.add_column("")
            table.add_row(Text("nothing here yet", style="dim"))
            return
        for column in header:
            table.add_column(column)
        for key, row in rows:
            cells = [styled(c) for c in row] + [Text("")] * (len(header) - len(row))
            table.add_row(*cells[:len(header)], key=key)
        if 0 <= cursor < table.row_count:
            table.move_cursor(row=cursor)

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value
        if not key:
            return
        plural, namespace, name = key.split("/", 2)
        from kubia_tutor.tui.object_screen import ObjectScreen

        self.app.push_screen(ObjectScreen(plural, namespace or None, name))
