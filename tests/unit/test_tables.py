"""`kubectl get` tables: per-kind cells (kubectl 1.20 rules) and the row decorations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kubia_tutor.shell.printers.tables import COLUMNS, DEFAULT_COLUMNS, columns_for, table_rows
from kubia_tutor.shell.printers.tabwriter import table

NOW = datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC)


def ago(seconds: float) -> str:
    """An RFC 3339 stamp `seconds` before NOW."""
    return (NOW - timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def meta(name: str, age: float = 300, **extra: Any) -> dict[str, Any]:
    return {"name": name, "namespace": "default", "creationTimestamp": ago(age), **extra}


def render(kind: str, objs: list[dict[str, Any]], **opts: Any) -> str:
    return table(table_rows(kind, objs, NOW, **opts))


def lines(*rows: str) -> str:
    return "".join(row + "\n" for row in rows)


def cells(kind: str, obj: dict[str, Any], **opts: Any) -> list[str]:
    return table_rows(kind, [obj], NOW, headers=False, **opts)[0]


# --- pods ----------------------------------------------------------------------------------------


def running(ready: bool = True, restarts: int = 0) -> dict[str, Any]:
    return {"ready": ready, "restartCount": restarts,
            "state": {"running": {"startedAt": ago(60)}}}


def waiting(reason: str, restarts: int = 0) -> dict[str, Any]:
    return {"ready": False, "restartCount": restarts, "state": {"waiting": {"reason": reason}}}


def terminated(reason: str = "", exit_code: int = 0, signal: int = 0,
               restarts: int = 0) -> dict[str, Any]:
    state: dict[str, Any] = {"exitCode": exit_code}
    if reason:
        state["reason"] = reason
    if signal:
        state["signal"] = signal
    return {"ready": False, "restartCount": restarts, "state": {"terminated": state}}


def pod(
    name: str = "kubia",
    *,
    phase: str = "Running",
    statuses: Sequence[dict[str, Any]] = (),
    containers: int | None = None,
    init_statuses: Sequence[dict[str, Any]] | None = None,
    init_containers: int | None = None,
    conditions: Sequence[dict[str, Any]] = (),
    reason: str = "",
    deleted: bool = False,
    age: float = 300,
    spec: dict[str, Any] | None = None,
    status: dict[str, Any] | None = None,
    labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    m = meta(name, age)
    if deleted:
        m["deletionTimestamp"] = ago(5)
    if labels is not None:
        m["labels"] = labels
    n = containers if containers is not None else max(1, len(statuses))
    s: dict[str, Any] = {"containers": [{"name": f"c{i}", "image": "luksa/kubia"}
                                        for i in range(n)]}
    if init_statuses is not None or init_containers is not None:
        count = init_containers if init_containers is not None else len(init_statuses or ())
        s["initContainers"] = [{"name": f"init{i}", "image": "busybox"} for i in range(count)]
    st: dict[str, Any] = {"phase": phase}
    if statuses:
        st["containerStatuses"] = [{"name": f"c{i}", **cs} for i, cs in enumerate(statuses)]
    if init_statuses is not None:
        st["initContainerStatuses"] = [{"name": f"init{i}", **cs}
                                       for i, cs in enumerate(init_statuses)]
    if conditions:
        st["conditions"] = list(conditions)
    if reason:
        st["reason"] = reason
    s.update(spec or {})
    st.update(status or {})
    return {"apiVersion": "v1", "kind": "Pod", "metadata": m, "spec": s, "status": st}


READY_TRUE = {"type": "Ready", "status": "True"}
READY_FALSE = {"type": "Ready", "status": "False"}


def test_pod_without_status_matches_kubectl_get_test() -> None:
    # The kubectl get unit test's pod with nothing but a name.
    assert render("Pod", [{"metadata": {"name": "foo"}}]) == lines(
        "NAME   READY   STATUS   RESTARTS   AGE",
        "foo    0/0              0          <unknown>",
    )


def test_pod_table_alignment() -> None:
    pods = [
        pod("kubia-manual", statuses=[running()], age=3600 * 3 + 60 * 23),
        pod("kubia-liveness", statuses=[waiting("CrashLoopBackOff", restarts=4)], age=600),
        pod("kubia-0", phase="Pending", age=7),
    ]
    assert render("Pod", pods) == lines(
        "NAME             READY   STATUS             RESTARTS   AGE",
        "kubia-manual     1/1     Running            0          3h23m",
        "kubia-liveness   0/1     CrashLoopBackOff   4          10m",
        "kubia-0          0/1     Pending            0          7s",
    )


@pytest.mark.parametrize(
    ("obj", "ready", "status", "restarts"),
    [
        pytest.param(pod(phase="Pending"), "0/1", "Pending", "0", id="pending-unscheduled"),
        pytest.param(pod(phase="Pending", statuses=[waiting("ContainerCreating")]),
                     "0/1", "ContainerCreating", "0", id="container-creating"),
        pytest.param(pod(statuses=[running()]), "1/1", "Running", "0", id="running"),
        pytest.param(pod(statuses=[running(ready=False)]), "0/1", "Running", "0",
                     id="running-not-ready"),
        pytest.param(pod(statuses=[running(restarts=3)]), "1/1", "Running", "3",
                     id="running-after-restarts"),
        pytest.param(pod(statuses=[waiting("CrashLoopBackOff", restarts=4)]),
                     "0/1", "CrashLoopBackOff", "4", id="crashloop"),
        pytest.param(pod(phase="Pending", statuses=[waiting("ErrImagePull")]),
                     "0/1", "ErrImagePull", "0", id="err-image-pull"),
        pytest.param(pod(phase="Pending", statuses=[waiting("ImagePullBackOff")]),
                     "0/1", "ImagePullBackOff", "0", id="image-pull-backoff"),
        pytest.param(pod(phase="Succeeded", statuses=[terminated("Completed")]),
                     "0/1", "Completed", "0", id="completed"),
        pytest.param(pod(phase="Failed", statuses=[terminated("Error", exit_code=1)]),
                     "0/1", "Error", "0", id="error"),
        pytest.param(pod(statuses=[terminated("OOMKilled", exit_code=137, restarts=2)]),
                     "0/1", "OOMKilled", "2", id="oomkilled"),
        pytest.param(pod(phase="Failed", statuses=[terminated(exit_code=2)]),
                     "0/1", "ExitCode:2", "0", id="exit-code-without-reason"),
        pytest.param(pod(phase="Failed", statuses=[terminated(exit_code=137, signal=9)]),
                     "0/1", "Signal:9", "0", id="signal-without-reason"),
        pytest.param(pod(statuses=[running(), running(ready=False)]), "1/2", "Running", "0",
                     id="one-of-two-ready"),
        pytest.param(pod(statuses=[waiting("ErrImagePull"), running()]),
                     "1/2", "ErrImagePull", "0", id="first-container-dominates"),
        pytest.param(pod(statuses=[running(restarts=1), waiting("CrashLoopBackOff", 5)]),
                     "1/2", "CrashLoopBackOff", "6", id="restarts-summed"),
        pytest.param(pod(statuses=[terminated("Completed"), running()],
                         conditions=[READY_FALSE]),
                     "1/2", "NotReady", "0", id="completed-sidecar-not-ready"),
        pytest.param(pod(statuses=[terminated("Completed"), running()],
                         conditions=[READY_TRUE]),
                     "1/2", "Running", "0", id="completed-sidecar-ready"),
        pytest.param(pod(phase="Pending", init_statuses=[running(ready=False)],
                         statuses=[waiting("PodInitializing")]),
                     "0/1", "Init:0/1", "0", id="init-running"),
        pytest.param(pod(phase="Pending", init_statuses=[waiting("PodInitializing")]),
                     "0/1", "Init:0/1", "0", id="init-pod-initializing"),
        pytest.param(pod(phase="Pending", init_statuses=[terminated("Completed"),
                                                         running(ready=False)]),
                     "0/1", "Init:1/2", "0", id="init-second-of-two"),
        pytest.param(pod(phase="Pending", init_containers=3,
                         init_statuses=[terminated("Completed")]),
                     "0/1", "Pending", "0", id="init-statuses-not-yet-reported"),
        pytest.param(pod(phase="Pending",
                         init_statuses=[waiting("CrashLoopBackOff", restarts=3)],
                         statuses=[waiting("PodInitializing")]),
                     "0/1", "Init:CrashLoopBackOff", "3", id="init-crashloop"),
        pytest.param(pod(phase="Pending", init_statuses=[terminated("Error", exit_code=1)]),
                     "0/1", "Init:Error", "0", id="init-error"),
        pytest.param(pod(phase="Pending", init_statuses=[terminated(exit_code=3)]),
                     "0/1", "Init:ExitCode:3", "0", id="init-exit-code"),
        pytest.param(pod(phase="Pending", init_statuses=[terminated(exit_code=1, signal=15)]),
                     "0/1", "Init:Signal:15", "0", id="init-signal"),
        pytest.param(pod(init_statuses=[terminated("Completed", restarts=2)],
                         statuses=[running(restarts=1)]),
                     "1/1", "Running", "1", id="init-done-counts-app-restarts-only"),
        pytest.param(pod(statuses=[running()], deleted=True), "1/1", "Terminating", "0",
                     id="terminating"),
        pytest.param(pod(phase="Succeeded", statuses=[terminated("Completed")], deleted=True),
                     "0/1", "Terminating", "0", id="terminating-even-when-finished"),
        pytest.param(pod(statuses=[running()], deleted=True, reason="NodeLost"),
                     "1/1", "Unknown", "0", id="node-lost"),
        pytest.param(pod(phase="Failed", reason="Evicted"), "0/1", "Evicted", "0",
                     id="evicted"),
        pytest.param(pod(phase="Running", containers=2, statuses=[running()]),
                     "1/2", "Running", "0", id="status-missing-for-a-container"),
    ],
)
def test_pod_ready_status_restarts(obj: dict[str, Any], ready: str, status: str,
                                   restarts: str) -> None:
    assert cells("Pod", obj) == [obj["metadata"]["name"], ready, status, restarts, "5m"]


def test_pod_wide() -> None:
    scheduled = pod("kubia-a", statuses=[running()],
                    spec={"nodeName": "minikube"},
                    status={"podIP": "172.17.0.4", "podIPs": [{"ip": "172.17.0.4"}]})
    gated = pod("kubia-b", phase="Pending",
                spec={"readinessGates": [{"conditionType": "www.example.com/feature-1"},
                                         {"conditionType": "www.example.com/feature-2"}]},
                conditions=[{"type": "www.example.com/feature-1", "status": "True"},
                            {"type": "www.example.com/feature-2", "status": "False"}],
                status={"nominatedNodeName": "node-2"})
    assert render("Pod", [scheduled, gated], wide=True) == lines(
        "NAME      READY   STATUS    RESTARTS   AGE   IP           NODE       NOMINATED NODE"
        "   READINESS GATES",
        "kubia-a   1/1     Running   0          5m    172.17.0.4   minikube   <none>"
        "           <none>",
        "kubia-b   0/1     Pending   0          5m    <none>       <none>     node-2"
        "           1/2",
    )


def test_pod_ip_falls_back_to_pod_ip_field() -> None:
    obj = pod(statuses=[running()], status={"podIP": "10.1.0.9"})
    assert cells("Pod", obj, wide=True)[5] == "10.1.0.9"


# --- decorations ---------------------------------------------------------------------------------


def test_namespace_column_kind_prefix_and_no_headers() -> None:
    a = pod("kubia-a", statuses=[running()])
    b = pod("kubia-b", statuses=[running()])
    b["metadata"]["namespace"] = "custom"
    assert render("Pod", [a, b], namespace_column=True, with_kind_prefix="pod") == lines(
        "NAMESPACE   NAME          READY   STATUS    RESTARTS   AGE",
        "default     pod/kubia-a   1/1     Running   0          5m",
        "custom      pod/kubia-b   1/1     Running   0          5m",
    )
    assert render("Pod", [a], headers=False) == lines("kubia-a   1/1   Running   0     5m")


def test_show_labels_and_label_columns() -> None:
    labelled = pod("kubia-manual-v2", statuses=[running()],
                   labels={"env": "prod", "creation_method": "manual"})
    bare = pod("kubia-zxzij", statuses=[running()], labels={})
    rows = render("Pod", [labelled, bare], show_labels=True,
                  label_columns=["creation_method", "example.com/env"])
    assert rows == lines(
        "NAME              READY   STATUS    RESTARTS   AGE   CREATION_METHOD   ENV   LABELS",
        "kubia-manual-v2   1/1     Running   0          5m    manual                  "
        "creation_method=manual,env=prod",
        "kubia-zxzij       1/1     Running   0          5m                            <none>",
    )


def test_label_column_header_uses_last_path_segment() -> None:
    obj = pod(statuses=[running()], labels={"app.kubernetes.io/name": "kubia"})
    rows = table_rows("Pod", [obj], NOW, label_columns=["app.kubernetes.io/name"])
    assert rows[0][-1] == "NAME"
    assert rows[1][-1] == "kubia"


def test_kind_prefix_with_group() -> None:
    dep = {"metadata": meta("kubia"), "spec": {"replicas": 3},
           "status": {"readyReplicas": 3, "updatedReplicas": 3, "availableReplicas": 3}}
    assert render("Deployment", [dep], with_kind_prefix="deployment.apps") == lines(
        "NAME                    READY   UP-TO-DATE   AVAILABLE   AGE",
        "deployment.apps/kubia   3/3     3            3           5m",
    )


def test_columns_for_resolves_names_and_falls_back_to_default() -> None:
    assert columns_for("pods") is COLUMNS["Pod"]
    assert columns_for("deploy") is COLUMNS["Deployment"]
    assert columns_for("LimitRange") is DEFAULT_COLUMNS
    assert columns_for("roles") is DEFAULT_COLUMNS
    assert columns_for("NoSuchThing") is DEFAULT_COLUMNS


def test_default_table_for_kinds_without_printer() -> None:
    limits = {"metadata": {"name": "mem-limit-range", "namespace": "default",
                           "creationTimestamp": "2017-10-05T09:34:12Z"}}
    odd = {"metadata": {"name": "x", "creationTimestamp": "2017-10-05T11:34:12+02:00"}}
    unset = {"metadata": {"name": "y"}}
    assert render("LimitRange", [limits, odd, unset]) == lines(
        "NAME              CREATED AT",
        "mem-limit-range   2017-10-05T09:34:12Z",
        "x                 2017-10-05T09:34:12Z",
        "y                 0001-01-01T00:00:00Z",
    )
    assert render("LimitRange", [limits], with_kind_prefix="limitrange") == lines(
        "NAME                         CREATED AT",
        "limitrange/mem-limit-range   2017-10-05T09:34:12Z",
    )


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(0, "0s"), (59, "59s"), (119, "119s"), (137, "2m17s"), (300, "5m"), (599, "9m59s"),
     (600, "10m"), (179 * 60, "179m"), (3 * 3600, "3h"), (3 * 3600 + 23 * 60, "3h23m"),
     (47 * 3600, "47h"), (49 * 3600, "2d1h"), (14 * 86400, "14d"),
     (3 * 365 * 86400 + 120 * 86400, "3y120d"), (10 * 365 * 86400, "10y"), (-0.5, "0s"),
     (-5, "<invalid>")],
)
def test_age_cell(seconds: float, expected: str) -> None:
    cm = {"metadata": {"name": "c", "creationTimestamp":
                       (NOW - timedelta(seconds=seconds)).isoformat()}}
    assert cells("ConfigMap", cm)[-1] == expected


# --- controllers ---------------------------------------------------------------------------------


def template(*images: str, node_selector: dict[str, str] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": img.split("/")[-1].split(":")[0],
                                            "image": img} for img in images]}
    if node_selector:
        spec["nodeSelector"] = node_selector
    return {"metadata": {"labels": {"app": "kubia"}}, "spec": spec}


def test_replication_controller_and_wide_map_selector() -> None:
    rc = {"metadata": meta("kubia"),
          "spec": {"replicas": 3, "selector": {"app": "kubia", "tier": "web"},
                   "template": template("luksa/kubia")},
          "status": {"replicas": 3, "readyReplicas": 2}}
    fresh = {"metadata": meta("kubia-v2", 2), "spec": {"selector": {}}}
    assert render("ReplicationController", [rc, fresh], wide=True) == lines(
        "NAME       DESIRED   CURRENT   READY   AGE   CONTAINERS   IMAGES        SELECTOR",
        "kubia      3         3         2       5m    kubia        luksa/kubia   "
        "app=kubia,tier=web",
        "kubia-v2   1         0         0       2s                               <none>",
    )


def test_replica_set_wide_set_based_selector() -> None:
    rs = {"metadata": meta("kubia"),
          "spec": {"replicas": 3,
                   "selector": {"matchLabels": {"tier": "web"}, "matchExpressions": [
                       {"key": "app", "operator": "In", "values": ["kubia", "bar", "kubia"]},
                       {"key": "env", "operator": "NotIn", "values": ["prod"]},
                       {"key": "track", "operator": "Exists"},
                       {"key": "canary", "operator": "DoesNotExist"}]},
                   "template": template("luksa/kubia", "busybox:1.32")},
          "status": {"replicas": 3, "readyReplicas": 3}}
    assert render("ReplicaSet", [rs], wide=True) == lines(
        "NAME    DESIRED   CURRENT   READY   AGE   CONTAINERS      IMAGES                     "
        "SELECTOR",
        "kubia   3         3         3       5m    kubia,busybox   luksa/kubia,busybox:1.32   "
        "app in (bar,kubia),!canary,env notin (prod),tier=web,track",
    )


def test_deployment_table_and_wide() -> None:
    dep = {"metadata": meta("kubia", 3600),
           "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "kubia"}},
                    "template": template("luksa/kubia:v1")},
           "status": {"readyReplicas": 2, "updatedReplicas": 1, "availableReplicas": 2}}
    new = {"metadata": meta("new", 1), "spec": {"replicas": 0}}
    assert render("Deployment", [dep, new], wide=True) == lines(
        "NAME    READY   UP-TO-DATE   AVAILABLE   AGE   CONTAINERS   IMAGES           SELECTOR",
        "kubia   2/3     1            2           60m   kubia        luksa/kubia:v1   app=kubia",
        "new     0/0     0            0           1s                                  ",
    )


def test_daemonset_with_node_selector() -> None:
    ds = {"metadata": meta("ssd-monitor"),
          "spec": {"selector": {"matchLabels": {"app": "ssd-monitor"}},
                   "template": template("luksa/ssd-monitor", node_selector={"disk": "ssd"})},
          "status": {"desiredNumberScheduled": 1, "currentNumberScheduled": 1,
                     "numberReady": 1, "updatedNumberScheduled": 1, "numberAvailable": 1}}
    empty = {"metadata": meta("none"), "spec": {"template": {"spec": {}}}}
    assert render("DaemonSet", [ds, empty]) == lines(
        "NAME          DESIRED   CURRENT   READY   UP-TO-DATE   AVAILABLE   NODE SELECTOR   AGE",
        "ssd-monitor   1         1         1       1            1           disk=ssd        5m",
        "none          0         0         0       0            0           <none>          5m",
    )
    assert cells("DaemonSet", ds, wide=True)[-3:] == [
        "ssd-monitor", "luksa/ssd-monitor", "app=ssd-monitor"]


def test_statefulset() -> None:
    sts = {"metadata": meta("kubia"), "spec": {"replicas": 2, "template": template("luksa/kubia")},
           "status": {"readyReplicas": 1}}
    assert render("StatefulSet", [sts], wide=True) == lines(
        "NAME    READY   AGE   CONTAINERS   IMAGES",
        "kubia   1/2     5m    kubia        luksa/kubia",
    )


def job(name: str, *, completions: int | None = 1, parallelism: int | None = 1,
        succeeded: int = 0, start: float | None = None,
        finish: float | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"template": template("luksa/batch-job"),
                            "selector": {"matchLabels": {"controller-uid": "abc"}}}
    if completions is not None:
        spec["completions"] = completions
    if parallelism is not None:
        spec["parallelism"] = parallelism
    status: dict[str, Any] = {}
    if succeeded:
        status["succeeded"] = succeeded
    if start is not None:
        status["startTime"] = ago(start)
    if finish is not None:
        status["completionTime"] = ago(finish)
    return {"metadata": meta(name, 600), "spec": spec, "status": status}


def test_job_completions_and_duration() -> None:
    jobs = [
        job("batch-job", succeeded=1, start=590, finish=470),
        job("running", start=137),
        job("multi", completions=5, parallelism=2, succeeded=2, start=200),
        job("queue", completions=None, parallelism=3, start=30),
        job("queue-one", completions=None, parallelism=None),
        job("not-started"),
    ]
    assert render("Job", jobs) == lines(
        "NAME          COMPLETIONS   DURATION   AGE",
        "batch-job     1/1           2m         10m",
        "running       0/1           2m17s      10m",
        "multi         2/5           3m20s      10m",
        "queue         0/1 of 3      30s        10m",
        "queue-one     0/1                      10m",
        "not-started   0/1                      10m",
    )
    assert cells("Job", jobs[0], wide=True)[4:] == [
        "batch-job", "luksa/batch-job", "controller-uid=abc"]


def test_cronjob() -> None:
    cj = {"metadata": meta("batch-job-every-fifteen-minutes", 3600),
          "spec": {"schedule": "0,15,30,45 * * * *", "suspend": False,
                   "jobTemplate": {"spec": {"template": template("luksa/batch-job")}}},
          "status": {"active": [{"name": "j1"}], "lastScheduleTime": ago(125)}}
    idle = {"metadata": meta("idle"), "spec": {"schedule": "@daily", "suspend": True}}
    unset = {"metadata": meta("unset"), "spec": {"schedule": "* * * * *"}}
    assert render("CronJob", [cj, idle, unset]) == lines(
        "NAME                              SCHEDULE             SUSPEND   ACTIVE   LAST SCHEDULE"
        "   AGE",
        "batch-job-every-fifteen-minutes   0,15,30,45 * * * *   False     1        2m5s"
        "            60m",
        "idle                              @daily               True      0        <none>"
        "          5m",
        "unset                             * * * * *            <unset>   0        <none>"
        "          5m",
    )
    assert cells("CronJob", cj, wide=True)[6:] == ["batch-job", "luksa/batch-job", "<none>"]


def hpa(metrics: list[Any] | None, current: list[Any] | None = None,
        min_replicas: int | None = 1) -> dict[str, Any]:
    spec: dict[str, Any] = {"scaleTargetRef": {"kind": "Deployment", "name": "kubia"},
                            "maxReplicas": 5}
    if min_replicas is not None:
        spec["minReplicas"] = min_replicas
    if metrics is not None:
        spec["metrics"] = metrics
    status: dict[str, Any] = {"currentReplicas": 3}
    if current is not None:
        status["currentMetrics"] = current
    return {"metadata": meta("kubia"), "spec": spec, "status": status}


def cpu_util(target: int | None) -> dict[str, Any]:
    tgt: dict[str, Any] = {"type": "Utilization"}
    if target is not None:
        tgt["averageUtilization"] = target
    return {"type": "Resource", "resource": {"name": "cpu", "target": tgt}}


def cpu_now(value: int) -> dict[str, Any]:
    return {"type": "Resource",
            "resource": {"name": "cpu", "current": {"averageUtilization": value}}}


@pytest.mark.parametrize(
    ("obj", "targets"),
    [
        (hpa([cpu_util(30)]), "<unknown>/30%"),
        (hpa([cpu_util(30)], [cpu_now(0)]), "0%/30%"),
        (hpa([cpu_util(None)], [cpu_now(12)]), "12%/<auto>"),
        (hpa(None), "<none>"),
        (hpa([cpu_util(30), cpu_util(40), cpu_util(50), cpu_util(60)],
             [cpu_now(1), cpu_now(2), cpu_now(3)]), "1%/30%, 2%/40% + 2 more..."),
        (hpa([{"type": "Resource", "resource": {"name": "memory", "target": {
            "type": "AverageValue", "averageValue": "1024Mi"}}}],
             [{"type": "Resource", "resource": {"name": "memory", "current": {
                 "averageValue": "512Mi"}}}]), "512Mi/1Gi"),
        (hpa([{"type": "Pods", "pods": {"metric": {"name": "qps"}, "target": {
            "type": "AverageValue", "averageValue": "1k"}}}]), "<unknown>/1k"),
        (hpa([{"type": "Object", "object": {"target": {"type": "Value", "value": "10"}}}],
             [{"type": "Object", "object": {"current": {"value": "7"}}}]), "7/10"),
        (hpa([{"type": "External", "external": {"target": {
            "type": "AverageValue", "averageValue": "30"}}}]), "<unknown>/30 (avg)"),
        (hpa([{"type": "Mystery"}]), "<unknown type>"),
    ],
)
def test_hpa_targets(obj: dict[str, Any], targets: str) -> None:
    assert cells("HorizontalPodAutoscaler", obj) == [
        "kubia", "Deployment/kubia", targets, "1", "5", "3", "5m"]


def test_hpa_table_and_v1_shape() -> None:
    v1 = {"metadata": meta("kubia"),
          "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "kubia"},
                   "maxReplicas": 5, "targetCPUUtilizationPercentage": 30},
          "status": {"currentReplicas": 1, "currentCPUUtilizationPercentage": 0}}
    assert render("HorizontalPodAutoscaler", [v1, hpa([cpu_util(30)], min_replicas=None)]) == (
        lines(
            "NAME    REFERENCE          TARGETS         MINPODS   MAXPODS   REPLICAS   AGE",
            "kubia   Deployment/kubia   0%/30%          <unset>   5         1          5m",
            "kubia   Deployment/kubia   <unknown>/30%   <unset>   5         3          5m",
        )
    )


def test_pdb_and_controller_revision() -> None:
    pdb = {"metadata": meta("kubia-pdb"), "spec": {"minAvailable": 2},
           "status": {"disruptionsAllowed": 1}}
    pct = {"metadata": meta("pct"), "spec": {"maxUnavailable": "25%"}, "status": {}}
    assert render("PodDisruptionBudget", [pdb, pct]) == lines(
        "NAME        MIN AVAILABLE   MAX UNAVAILABLE   ALLOWED DISRUPTIONS   AGE",
        "kubia-pdb   2               N/A               1                     5m",
        "pct         N/A             25%               0                     5m",
    )
    rev = {"metadata": meta("web-6b9f7d8c5", ownerReferences=[
        {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "web", "controller": True}]),
        "revision": 2}
    orphan = {"metadata": meta("orphan"), "revision": 1}
    assert render("ControllerRevision", [rev, orphan]) == lines(
        "NAME            CONTROLLER             REVISION   AGE",
        "web-6b9f7d8c5   statefulset.apps/web   2          5m",
        "orphan          <none>                 1          5m",
    )


# --- networking ----------------------------------------------------------------------------------


def svc(name: str, kind: str | None, **spec: Any) -> dict[str, Any]:
    s = dict(spec)
    if kind is not None:
        s["type"] = kind
    status = s.pop("status", {})
    return {"metadata": meta(name), "spec": s, "status": status}


def test_services() -> None:
    services = [
        svc("kubia", "ClusterIP", clusterIP="10.111.249.153", clusterIPs=["10.111.249.153"],
            ports=[{"port": 80, "protocol": "TCP", "targetPort": 8080}],
            selector={"app": "kubia"}),
        svc("kubia-nodeport", "NodePort", clusterIP="10.111.254.223",
            ports=[{"port": 80, "nodePort": 30123, "protocol": "TCP"},
                   {"port": 443, "nodePort": 32003, "protocol": "TCP"}]),
        svc("kubia-loadbalancer", "LoadBalancer", clusterIP="10.111.241.153",
            ports=[{"port": 80, "nodePort": 32143, "protocol": "TCP"}]),
        svc("kubia-headless", "ClusterIP", clusterIP="None", clusterIPs=["None"],
            ports=[{"port": 80, "protocol": "TCP"}]),
        svc("external-service", "ExternalName", externalName="api.somecompany.com",
            ports=[{"port": 80, "protocol": "TCP"}]),
        svc("no-ports", None, clusterIP="10.0.0.9", externalIPs=["1.2.3.4", "5.6.7.8"]),
    ]
    assert render("Service", services) == lines(
        "NAME                 TYPE           CLUSTER-IP       EXTERNAL-IP           PORT(S)"
        "                      AGE",
        "kubia                ClusterIP      10.111.249.153   <none>                80/TCP"
        "                       5m",
        "kubia-nodeport       NodePort       10.111.254.223   <none>                "
        "80:30123/TCP,443:32003/TCP   5m",
        "kubia-loadbalancer   LoadBalancer   10.111.241.153   <pending>             "
        "80:32143/TCP                 5m",
        "kubia-headless       ClusterIP      None             <none>                80/TCP"
        "                       5m",
        "external-service     ExternalName   <none>           api.somecompany.com   80/TCP"
        "                       5m",
        "no-ports             ClusterIP      10.0.0.9         1.2.3.4,5.6.7.8       <none>"
        "                       5m",
    )
    assert cells("Service", services[0], wide=True)[-1] == "app=kubia"
    assert cells("Service", services[1], wide=True)[-1] == "<none>"


def test_load_balancer_addresses() -> None:
    lb = svc("lb", "LoadBalancer", clusterIP="10.0.0.1",
             ports=[{"port": 80, "nodePort": 30000}],
             status={"loadBalancer": {"ingress": [{"ip": "130.211.53.173"}]}})
    assert cells("Service", lb)[3:5] == ["130.211.53.173", "80:30000/TCP"]
    many = svc("lb", "LoadBalancer", status={"loadBalancer": {"ingress": [
        {"ip": "10.0.0.2"}, {"hostname": "a.example.com"}, {"ip": "10.0.0.2"}]}})
    assert cells("Service", many)[3] == "10.0.0.2,a.ex..."
    assert cells("Service", many, wide=True)[3] == "10.0.0.2,a.example.com"
    both = svc("lb", "LoadBalancer", externalIPs=["1.1.1.1"],
               status={"loadBalancer": {"ingress": [{"ip": "2.2.2.2"}]}})
    assert cells("Service", both)[3] == "2.2.2.2,1.1.1.1"


def endpoints(name: str, *subsets: dict[str, Any]) -> dict[str, Any]:
    obj: dict[str, Any] = {"metadata": meta(name)}
    if subsets:
        obj["subsets"] = list(subsets)
    return obj


def addrs(*ips: str) -> list[dict[str, str]]:
    return [{"ip": ip} for ip in ips]


def test_endpoints() -> None:
    eps = [
        endpoints("kubia", {"addresses": addrs("10.1.0.5", "10.1.0.6", "10.1.0.7"),
                            "ports": [{"port": 8080}]}),
        endpoints("four", {"addresses": addrs("10.1.0.5", "10.1.0.6", "10.1.0.7", "10.1.0.8"),
                           "ports": [{"port": 8080}]}),
        endpoints("two-ports", {"addresses": addrs("10.1.0.5", "10.1.0.6"),
                                "ports": [{"name": "http", "port": 8080},
                                          {"name": "https", "port": 8443}]}),
        endpoints("headless", {"addresses": addrs("10.1.0.5")},
                  {"addresses": addrs("fd00::1"), "ports": [{"port": 80}]}),
        endpoints("not-ready", {"notReadyAddresses": addrs("10.1.0.9"),
                                "ports": [{"port": 8080}]}),
        endpoints("none"),
    ]
    assert render("Endpoints", eps) == lines(
        "NAME        ENDPOINTS                                               AGE",
        "kubia       10.1.0.5:8080,10.1.0.6:8080,10.1.0.7:8080               5m",
        "four        10.1.0.5:8080,10.1.0.6:8080,10.1.0.7:8080 + 1 more...   5m",
        "two-ports   10.1.0.5:8080,10.1.0.6:8080,10.1.0.5:8443 + 1 more...   5m",
        "headless    10.1.0.5,[fd00::1]:80                                   5m",
        "not-ready                                                           5m",
        "none        <none>                                                  5m",
    )


def test_ingress() -> None:
    ing = {"metadata": meta("kubia"),
           "spec": {"rules": [{"host": "kubia.example.com"}]},
           "status": {"loadBalancer": {"ingress": [{"ip": "192.168.99.100"}]}}}
    tls = {"metadata": meta("tls"),
           "spec": {"ingressClassName": "nginx", "tls": [{"hosts": ["a.example.com"]}],
                    "rules": [{"host": "a.com"}, {"host": "b.com"}, {}, {"host": "c.com"},
                              {"host": "d.com"}]}}
    catch_all = {"metadata": meta("all"), "spec": {"defaultBackend": {}, "rules": [{}]}}
    assert render("Ingress", [ing, tls, catch_all]) == lines(
        "NAME    CLASS    HOSTS                           ADDRESS          PORTS     AGE",
        "kubia   <none>   kubia.example.com               192.168.99.100   80        5m",
        "tls     nginx    a.com,b.com,c.com + 2 more...                    80, 443   5m",
        "all     <none>   *                                                80        5m",
    )


def test_network_policy_and_ingress_class() -> None:
    np_all = {"metadata": meta("default-deny"), "spec": {"podSelector": {}}}
    np_db = {"metadata": meta("postgres-netpolicy"),
             "spec": {"podSelector": {"matchLabels": {"app": "database"}}}}
    assert render("NetworkPolicy", [np_all, np_db]) == lines(
        "NAME                 POD-SELECTOR   AGE",
        "default-deny         <none>         5m",
        "postgres-netpolicy   app=database   5m",
    )
    ic = {"metadata": meta("nginx"),
          "spec": {"controller": "k8s.io/ingress-nginx",
                   "parameters": {"apiGroup": "k8s.example.com", "kind": "IngressParameters",
                                  "name": "external-lb"}}}
    assert cells("IngressClass", ic) == [
        "nginx", "k8s.io/ingress-nginx", "IngressParameters.k8s.example.com/external-lb", "5m"]


# --- config, storage, cluster --------------------------------------------------------------------


def test_configmap_secret_serviceaccount() -> None:
    cm = {"metadata": meta("fortune-config"), "data": {"a": "1", "b": "2"},
          "binaryData": {"c": "AA=="}}
    assert render("ConfigMap", [cm, {"metadata": meta("empty")}]) == lines(
        "NAME             DATA   AGE",
        "fortune-config   3      5m",
        "empty            0      5m",
    )
    secret = {"metadata": meta("fortune-https"), "type": "Opaque",
              "data": {"foo": "YmFy", "https.cert": "", "https.key": ""}}
    token = {"metadata": meta("default-token-cfee9"),
             "type": "kubernetes.io/service-account-token", "data": {"ca.crt": "", "token": "",
                                                                     "namespace": ""}}
    assert render("Secret", [secret, token]) == lines(
        "NAME                  TYPE                                  DATA   AGE",
        "fortune-https         Opaque                                3      5m",
        "default-token-cfee9   kubernetes.io/service-account-token   3      5m",
    )
    sa = {"metadata": meta("default"), "secrets": [{"name": "default-token-cfee9"}]}
    assert cells("ServiceAccount", sa) == ["default", "1", "5m"]


def test_namespaces() -> None:
    active = {"metadata": {"name": "default", "creationTimestamp": ago(86400 * 3)},
              "status": {"phase": "Active"}}
    gone = {"metadata": {"name": "custom", "creationTimestamp": ago(60),
                         "deletionTimestamp": ago(1)},
            "status": {"phase": "Terminating"}}
    assert render("Namespace", [active, gone], with_kind_prefix="namespace") == lines(
        "NAME                STATUS        AGE",
        "namespace/default   Active        3d",
        "namespace/custom    Terminating   60s",
    )


def node(name: str, ready: str | None, *, labels: dict[str, str] | None = None,
         unschedulable: bool = False, info: dict[str, str] | None = None,
         addresses: list[dict[str, str]] | None = None) -> dict[str, Any]:
    status: dict[str, Any] = {"nodeInfo": {"kubeletVersion": "v1.20.2", **(info or {})}}
    if ready is not None:
        status["conditions"] = [{"type": "MemoryPressure", "status": "False"},
                                {"type": "Ready", "status": ready}]
    if addresses is not None:
        status["addresses"] = addresses
    spec: dict[str, Any] = {"unschedulable": True} if unschedulable else {}
    return {"metadata": {"name": name, "creationTimestamp": ago(86400 * 9),
                         "labels": labels or {}},
            "spec": spec, "status": status}


def test_nodes() -> None:
    nodes = [
        node("minikube", "True", labels={"node-role.kubernetes.io/control-plane": "",
                                         "node-role.kubernetes.io/master": ""}),
        node("worker-1", "False", labels={"kubernetes.io/role": "worker"}),
        node("worker-2", "Unknown", unschedulable=True),
        node("worker-3", None, labels={"node-role.kubernetes.io/": "x",
                                       "kubernetes.io/role": ""}),
        node("worker-4", "True", unschedulable=True,
             labels={"node-role.kubernetes.io/worker": "", "kubernetes.io/role": "worker"}),
    ]
    assert render("Node", nodes) == lines(
        "NAME       STATUS                        ROLES                  AGE   VERSION",
        "minikube   Ready                         control-plane,master   9d    v1.20.2",
        "worker-1   NotReady                      worker                 9d    v1.20.2",
        "worker-2   NotReady,SchedulingDisabled   <none>                 9d    v1.20.2",
        "worker-3   Unknown                       <none>                 9d    v1.20.2",
        "worker-4   Ready,SchedulingDisabled      worker                 9d    v1.20.2",
    )


def test_node_wide() -> None:
    full = node("minikube", "True",
                info={"osImage": "Buildroot 2020.02.8", "kernelVersion": "4.19.157",
                      "containerRuntimeVersion": "docker://20.10.0"},
                addresses=[{"type": "Hostname", "address": "minikube"},
                           {"type": "InternalIP", "address": "192.168.49.2"},
                           {"type": "InternalIP", "address": "192.168.49.3"}])
    bare = node("bare", "True")
    assert render("Node", [full, bare], wide=True) == lines(
        "NAME       STATUS   ROLES    AGE   VERSION   INTERNAL-IP    EXTERNAL-IP   OS-IMAGE"
        "              KERNEL-VERSION   CONTAINER-RUNTIME",
        "minikube   Ready    <none>   9d    v1.20.2   192.168.49.2   <none>        Buildroot "
        "2020.02.8   4.19.157         docker://20.10.0",
        "bare       Ready    <none>   9d    v1.20.2   <none>         <none>        <unknown>"
        "             <unknown>        <unknown>",
    )


def event(name: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "metadata": meta(name, 600),
        "involvedObject": {"kind": "Pod", "name": "kubia-abc", "namespace": "default"},
        "type": "Normal", "reason": "Scheduled",
        "message": "Successfully assigned default/kubia-abc to minikube\n",
        "source": {"component": "default-scheduler"},
    }
    base.update(fields)
    return base


def test_events_default_and_wide() -> None:
    evs = [
        event("kubia-abc.1", firstTimestamp=ago(600), lastTimestamp=ago(137), count=3,
              involvedObject={"kind": "Pod", "name": "kubia-abc",
                              "fieldPath": "spec.containers{kubia}"},
              type="Warning", reason="BackOff", message="Back-off restarting failed container",
              source={"component": "kubelet", "host": "minikube"}),
        event("kubia-abc.2", firstTimestamp=ago(50)),
        event("kubia.3", eventTime=ago(20), involvedObject={"kind": "Deployment"},
              reason="ScalingReplicaSet", message=" Scaled up ", source={}),
        event("kubia.4", eventTime=ago(100), series={"count": 7, "lastObservedTime": ago(9)}),
    ]
    assert render("Event", evs) == lines(
        "LAST SEEN   TYPE      REASON              OBJECT          MESSAGE",
        "2m17s       Warning   BackOff             pod/kubia-abc   Back-off restarting failed"
        " container",
        "50s         Normal    Scheduled           pod/kubia-abc   Successfully assigned "
        "default/kubia-abc to minikube",
        "20s         Normal    ScalingReplicaSet   deployment      Scaled up",
        "9s          Normal    Scheduled           pod/kubia-abc   Successfully assigned "
        "default/kubia-abc to minikube",
    )
    assert table_rows("Event", evs, NOW, wide=True, with_kind_prefix="event") == [
        ["LAST SEEN", "TYPE", "REASON", "OBJECT", "SUBOBJECT", "SOURCE", "MESSAGE",
         "FIRST SEEN", "COUNT", "NAME"],
        ["2m17s", "Warning", "BackOff", "pod/kubia-abc", "spec.containers{kubia}",
         "kubelet, minikube", "Back-off restarting failed container", "10m", "3",
         "event/kubia-abc.1"],
        ["50s", "Normal", "Scheduled", "pod/kubia-abc", "", "default-scheduler",
         "Successfully assigned default/kubia-abc to minikube", "50s", "1",
         "event/kubia-abc.2"],
        ["20s", "Normal", "ScalingReplicaSet", "deployment", "", "", "Scaled up", "20s", "1",
         "event/kubia.3"],
        ["9s", "Normal", "Scheduled", "pod/kubia-abc", "", "default-scheduler",
         "Successfully assigned default/kubia-abc to minikube", "100s", "7", "event/kubia.4"],
    ]
    # Without -o wide there is no NAME column, so a kind prefix changes nothing.
    assert cells("Event", evs[1], with_kind_prefix="event")[3] == "pod/kubia-abc"
    assert cells("Event", event("bare"))[0] == "<unknown>"


def test_persistent_volumes() -> None:
    pv = {"metadata": {"name": "mongodb-pv", "creationTimestamp": ago(300)},
          "spec": {"capacity": {"storage": "1024Mi"},
                   "accessModes": ["ReadOnlyMany", "ReadWriteOnce", "ReadOnlyMany"],
                   "persistentVolumeReclaimPolicy": "Retain",
                   "claimRef": {"namespace": "default", "name": "mongodb-pvc"},
                   "storageClassName": "", "volumeMode": "Filesystem"},
          "status": {"phase": "Bound"}}
    free = {"metadata": {"name": "pv-b", "creationTimestamp": ago(300),
                         "annotations": {"volume.beta.kubernetes.io/storage-class": "slow"}},
            "spec": {"capacity": {"storage": "100Mi"}, "accessModes": ["ReadWriteMany"],
                     "persistentVolumeReclaimPolicy": "Delete", "storageClassName": "fast"},
            "status": {"phase": "Available"}}
    dying = {"metadata": {"name": "pv-c", "creationTimestamp": ago(300),
                          "deletionTimestamp": ago(1)},
             "spec": {"persistentVolumeReclaimPolicy": "Recycle"},
             "status": {"phase": "Released", "reason": "Oops"}}
    assert render("PersistentVolume", [pv, free, dying], wide=True) == lines(
        "NAME         CAPACITY   ACCESS MODES   RECLAIM POLICY   STATUS        CLAIM"
        "                 STORAGECLASS   REASON   AGE   VOLUMEMODE",
        "mongodb-pv   1Gi        RWO,ROX        Retain           Bound         "
        "default/mongodb-pvc                           5m    Filesystem",
        "pv-b         100Mi      RWX            Delete           Available     "
        "                      slow                    5m    <unset>",
        "pv-c         0                         Recycle          Terminating   "
        "                                     Oops     5m    <unset>",
    )


def test_persistent_volume_claims() -> None:
    bound = {"metadata": meta("mongodb-pvc"),
             "spec": {"resources": {"requests": {"storage": "1Gi"}},
                      "accessModes": ["ReadWriteOnce"], "storageClassName": "standard",
                      "volumeName": "pvc-2f1e"},
             "status": {"phase": "Bound", "accessModes": ["ReadWriteOnce"],
                        "capacity": {"storage": "1Gi"}}}
    pending = {"metadata": meta("pending"),
               "spec": {"resources": {"requests": {"storage": "1Gi"}},
                        "accessModes": ["ReadWriteOnce"]},
               "status": {"phase": "Pending"}}
    assert render("PersistentVolumeClaim", [bound, pending]) == lines(
        "NAME          STATUS    VOLUME     CAPACITY   ACCESS MODES   STORAGECLASS   AGE",
        "mongodb-pvc   Bound     pvc-2f1e   1Gi        RWO            standard       5m",
        "pending       Pending                                                       5m",
    )
    assert cells("PersistentVolumeClaim", pending, wide=True)[-1] == "<unset>"


def test_storage_classes() -> None:
    std = {"metadata": {"name": "standard", "creationTimestamp": ago(300), "annotations": {
        "storageclass.kubernetes.io/is-default-class": "true"}},
        "provisioner": "k8s.io/minikube-hostpath", "reclaimPolicy": "Delete",
        "volumeBindingMode": "Immediate"}
    fast = {"metadata": {"name": "fast", "creationTimestamp": ago(300)},
            "provisioner": "k8s.io/minikube-hostpath", "reclaimPolicy": "Retain",
            "volumeBindingMode": "WaitForFirstConsumer", "allowVolumeExpansion": True}
    bare = {"metadata": {"name": "bare", "creationTimestamp": ago(300), "annotations": {
        "storageclass.beta.kubernetes.io/is-default-class": "true"}}, "provisioner": "x"}
    assert render("StorageClass", [std, fast, bare],
                  with_kind_prefix="storageclass.storage.k8s.io") == lines(
        "NAME                                             PROVISIONER                "
        "RECLAIMPOLICY   VOLUMEBINDINGMODE      ALLOWVOLUMEEXPANSION   AGE",
        "storageclass.storage.k8s.io/standard (default)   k8s.io/minikube-hostpath   "
        "Delete          Immediate              false                  5m",
        "storageclass.storage.k8s.io/fast                 k8s.io/minikube-hostpath   "
        "Retain          WaitForFirstConsumer   true                   5m",
        "storageclass.storage.k8s.io/bare (default)       x                          "
        "Delete          Immediate              false                  5m",
    )


def test_resource_quota() -> None:
    quota = {"metadata": meta("cpu-and-mem"),
             "status": {"hard": {"requests.cpu": "400m", "requests.memory": "200Mi",
                                 "limits.cpu": "600m", "limits.memory": "500Mi",
                                 "pods": "10"},
                        "used": {"requests.cpu": "0", "limits.memory": "1024Mi"}}}
    empty = {"metadata": meta("empty")}
    assert render("ResourceQuota", [quota, empty]) == lines(
        "NAME          AGE   REQUEST                                                      LIMIT",
        "cpu-and-mem   5m    pods: 0/10, requests.cpu: 0/400m, requests.memory: 0/200Mi   "
        "limits.cpu: 0/600m, limits.memory: 1Gi/500Mi",
        # An empty last cell still leaves the padding of the column before it.
        "empty         5m    " + " " * 61,
    )


def test_role_bindings_and_lease() -> None:
    rb = {"metadata": meta("test"), "roleRef": {"kind": "Role", "name": "service-reader"},
          "subjects": [{"kind": "ServiceAccount", "name": "default", "namespace": "foo"},
                       {"kind": "User", "name": "alice"}, {"kind": "User", "name": "bob"},
                       {"kind": "Group", "name": "devs"},
                       {"kind": "ServiceAccount", "name": "default", "namespace": "bar"}]}
    assert render("RoleBinding", [rb], wide=True) == lines(
        "NAME   ROLE                  AGE   USERS        GROUPS   SERVICEACCOUNTS",
        "test   Role/service-reader   5m    alice, bob   devs     foo/default, bar/default",
    )
    crb = {"metadata": {"name": "view-test", "creationTimestamp": ago(300)},
           "roleRef": {"kind": "ClusterRole", "name": "view"}}
    assert cells("ClusterRoleBinding", crb) == ["view-test", "ClusterRole/view", "5m"]
    lease = {"metadata": meta("minikube"), "spec": {"holderIdentity": "minikube"}}
    assert render("Lease", [lease, {"metadata": meta("free"), "spec": {}}]) == lines(
        "NAME       HOLDER     AGE",
        "minikube   minikube   5m",
        "free                  5m",
    )


def test_priority_class_pod_template_component_status() -> None:
    pc = {"metadata": {"name": "high", "creationTimestamp": ago(300)}, "value": 1000000,
          "globalDefault": False}
    assert cells("PriorityClass", pc) == ["high", "1000000", "false", "5m"]
    tmpl = {"metadata": meta("t"),
            "template": {"metadata": {"labels": {"app": "kubia"}},
                         "spec": {"containers": [{"name": "kubia", "image": "luksa/kubia"}]}}}
    assert render("PodTemplate", [tmpl]) == lines(
        "NAME   CONTAINERS   IMAGES        POD LABELS",
        "t      kubia        luksa/kubia   app=kubia",
    )
    healthy = {"metadata": {"name": "etcd-0"},
               "conditions": [{"type": "Healthy", "status": "True",
                               "message": '{"health":"true"}'}]}
    broken = {"metadata": {"name": "scheduler"},
              "conditions": [{"type": "Healthy", "status": "False",
                              "error": "connection refused"}]}
    assert render("ComponentStatus", [healthy, broken, {"metadata": {"name": "x"}}]) == lines(
        "NAME        STATUS      MESSAGE             ERROR",
        'etcd-0      Healthy     {"health":"true"}   ',
        "scheduler   Unhealthy                       connection refused",
        "x           Unknown                         ",
    )


def test_every_kind_has_a_name_column_and_unique_headers() -> None:
    for kind, columns in COLUMNS.items():
        headers = [c.header for c in columns]
        assert len(headers) == len(set(headers)), kind
        assert sum(c.is_name for c in columns) == 1, kind
        assert all(c.priority in (0, 1) for c in columns), kind
