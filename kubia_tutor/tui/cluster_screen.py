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


class LiveTable(DataTable[Text]):
    """A table of one or more resource types as `kubectl get` prints them, refreshed from the
    app's watches. Rows whose cells did not change are left alone, so a redraw of 50 pods
    costs what changed, not the whole table."""

    def __init__(self, types: tuple[str, ...], **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self.types = types
        self._header: list[str] = []
        self._rows: dict[str, list[str]] = {}

    def show(self, watch: object, show_system: bool) -> None:
        now = datetime.now(UTC)
        header: list[str] = []
        rows: dict[str, list[str]] = {}
        for plural in self.types:
            objects = [o for o in watch.objects(plural)  # type: ignore[attr-defined]
                       if show_system or o["metadata"].get("namespace") != "kube-system"]
            if not objects:
                continue
            prefix = PREFIX.get(plural) if len(self.types) > 1 else None
            found = table_rows(KIND[plural], objects, now,
                               namespace_column=plural != "nodes", with_kind_prefix=prefix)
            if len(found[0]) > len(header):
                header = found[0]
            for obj, row in zip(objects, found[1:], strict=True):
                meta = obj["metadata"]
                rows[f"{plural}/{meta.get('namespace') or ''}/{meta['name']}"] = row
        width = len(header)
        rows = {k: (r + [""] * (width - len(r)))[:width] for k, r in rows.items()}
        if header != self._header or list(rows) != list(self._rows):
            self._rebuild(header, rows)
        else:
            for key, row in rows.items():
                old = self._rows[key]
                for index, (before, after) in enumerate(zip(old, row, strict=True)):
                    if before != after:
                        self.update_cell(key, self._header[index], styled(after))
        self._header, self._rows = header, rows

    def _rebuild(self, header: list[str], rows: dict[str, list[str]]) -> None:
        cursor = self.cursor_row
        self.clear(columns=True)
        if not header:
            self.add_column("")
            self.add_row(Text("nothing here yet", style="dim"))
            return
        for column in header:
            self.add_column(column, key=column)
        for key, row in rows.items():
            self.add_row(*[styled(c) for c in row], key=key)
        if 0 <= cursor < self.row_count:
            self.move_cursor(row=cursor)


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
                    yield LiveTable(TABS[tab], id=f"table-{tab.lower()}")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Cluster"
        self.cluster_changed()

    def action_toggle_system(self) -> None:
        self.show_system = not self.show_system
        self._shown_revision = -1
        self.cluster_changed()

    def on_screen_resume(self) -> None:
        self.cluster_changed()

    def cluster_changed(self) -> None:
        if not self.query(LiveTable):
            return  # not composed yet
        watch = getattr(self.app, "cluster_watch", None)
        if watch is None or watch.revision == self._shown_revision or not self.is_current:
            return  # a covered view catches up when it is shown again
        self._shown_revision = watch.revision
        self.sub_title = "all namespaces" if self.show_system else \
            "your namespaces (a: all)"
        if not watch.alive:
            self.sub_title += " · the cluster daemon is not answering"
        for table in self.query(LiveTable):
            table.show(watch, self.show_system)

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value
        if not key:
            return
        plural, namespace, name = key.split("/", 2)
        from kubia_tutor.tui.object_screen import ObjectScreen

        self.app.push_screen(ObjectScreen(plural, namespace or None, name))
