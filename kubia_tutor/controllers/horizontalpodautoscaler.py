"""The horizontal pod autoscaler: scales a Deployment, ReplicaSet, ReplicationController or
StatefulSet to keep its pods' average resource use near a target.

Design note. Kubernetes 1.20's HPA controller works each HPA once per sync period (15 s): its
queue's rate limiter holds every key for the period, so its own status writes and edits
never make it run sooner. `reconcile` keeps the same timetable per key with the daemon's
clock (a lesson's fast clock, FakeClock in tests). A pass reads the target's scale (spec
replicas, status replicas and selector), asks the resource metrics API for the pods' usage,
computes the replica count (`replica_calculator`), stabilizes scale-downs over 5 minutes,
clamps to min/max and the scale-up limit, writes spec.replicas when it changes, and records
conditions and events in Kubernetes' words. Recommendations live in memory per HPA, as in
kube-controller-manager.
"""

from __future__ import annotations

from collections.abc import Iterable

from kubia_tutor.api import events
from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import RESOURCE_TYPES, ResourceType, by_kind, resolve
from kubia_tutor.api.quantity import Quantity, QuantityError
from kubia_tutor.api.selectors import selector_from_map, selector_from_spec
from kubia_tutor.api.server import ApiServer
from kubia_tutor.controllers import replica_calculator as calc
from kubia_tutor.controllers.base import Controller, Obj, key_of, split_key
from kubia_tutor.controllers.hpa_status import HpaStatus, resource_status
from kubia_tutor.controllers.resource_metrics import MetricsError, pod_metrics

HPAS = resolve("horizontalpodautoscalers")
PODS = resolve("pods")
COMPONENT = "horizontal-pod-autoscaler"
SYNC_PERIOD = 15.0  # --horizontal-pod-autoscaler-sync-period


class _Scale:
    """What the scale subresource tells: the target's spec replicas and its pods' selector."""

    def __init__(self, rt: ResourceType, obj: Obj) -> None:
        spec = obj.get("spec") or {}
        self.rt, self.obj = rt, obj
        self.replicas = int(spec.get("replicas", 1))
        selector = spec.get("selector")
        if rt.kind == "ReplicationController":
            self.selector = str(selector_from_map(selector)) if selector else ""
        else:
            try:
                self.selector = str(selector_from_spec(selector)) if selector else ""
            except ApiError:
                self.selector = ""


class HorizontalPodAutoscalerController(Controller):
    """Scales the targets of HorizontalPodAutoscalers."""

    name = COMPONENT
    watches = ("horizontalpodautoscalers",)
    resync_seconds = SYNC_PERIOD

    def __init__(self, api: ApiServer, sync_period: float = SYNC_PERIOD) -> None:
        super().__init__(api)
        self.sync_period = sync_period
        self.recommendations = calc.Recommendations()
        self._due: dict[str, float] = {}  # key -> monotonic time of its next pass

    def keys_for(self, rt: ResourceType, obj: Obj) -> Iterable[str]:
        yield key_of(obj)

    def reconcile(self, key: str) -> float | None:
        ns, name = split_key(key)
        try:
            hpa = self.api.get(HPAS, ns, name)
        except ApiError as err:
            if err.code != 404:
                raise
            self._due.pop(key, None)
            self.recommendations.forget(key)
            return None
        now = self.clock.monotonic()
        due = self._due.get(key)
        if due is None:  # a new HPA is first worked one period after it is seen
            self._due[key] = now + self.sync_period
            return self.sync_period
        if now < due:
            return None  # its timer is already set
        self._due[key] = now + self.sync_period
        self._sync(key, hpa)
        return self.sync_period

    # One pass ----------------------------------------------------------------------------

    def _sync(self, key: str, hpa: Obj) -> None:
        spec = hpa.get("spec") or {}
        status = HpaStatus(hpa, self.api.now())
        try:
            scale = self._scale(hpa)
        except (ApiError, _NoScale) as err:
            text = err.message if isinstance(err, ApiError) else str(err)
            self._event(hpa, "Warning", "FailedGetScale", text)
            status.condition("AbleToScale", "False", "FailedGetScale",
                             f"the HPA controller was unable to get the target's current "
                             f"scale: {text}")
            stored = hpa.get("status") or {}
            self._write(hpa, status.render(int(stored.get("currentReplicas") or 0),
                                           status.desired, False))
            return
        status.condition("AbleToScale", "True", "SucceededGetScale",
                         "the HPA controller was able to get the target's current scale")
        current = scale.replicas
        minimum = int(spec.get("minReplicas") or 1)
        maximum = int(spec.get("maxReplicas") or 0)
        now = self.clock.monotonic()
        self.recommendations.record_initial(key, current, now)
        reason = ""
        desired = 0
        if current == 0 and minimum != 0:
            status.condition("ScalingActive", "False", "ScalingDisabled",
                             "scaling is disabled since the replica count of the target is "
                             "zero")
            rescale = False
        elif current > maximum:
            reason, desired = "Current number of replicas above Spec.MaxReplicas", maximum
            rescale = True
        elif current < minimum:
            reason, desired = "Current number of replicas below Spec.MinReplicas", minimum
            rescale = True
        else:
            try:
                proposed, metric = self._replicas_for_metrics(hpa, scale, status)
            except MetricsError as err:
                self._event(hpa, "Warning", "FailedComputeMetricsReplicas", str(err))
                self._write(hpa, status.render(current, status.desired, False))
                return
            if proposed > desired:
                desired = proposed
            if desired > current:
                reason = f"{metric} above target"
            elif desired < current:
                reason = "All metrics below target"
            desired = self._normalize(key, status, current, desired, minimum, maximum, now)
            rescale = desired != current
        if rescale:
            try:
                self.api.patch(scale.rt, scale.obj["metadata"].get("namespace"),
                               scale.obj["metadata"]["name"], {"spec": {"replicas": desired}},
                               "merge")
            except ApiError as err:
                self._event(hpa, "Warning", "FailedRescale",
                            f"New size: {desired}; reason: {reason}; error: {err.message}")
                status.condition("AbleToScale", "False", "FailedUpdateScale",
                                 f"the HPA controller was unable to update the target scale: "
                                 f"{err.message}")
                self._write(hpa, status.render(current, status.desired, False))
                return
            status.condition("AbleToScale", "True", "SucceededRescale",
                             f"the HPA controller was able to update the target scale to "
                             f"{desired}")
            self._event(hpa, "Normal", "SuccessfulRescale",
                        f"New size: {desired}; reason: {reason}")
        else:
            desired = current
        self._write(hpa, status.render(current, desired, rescale))

    def _normalize(self, key: str, status: HpaStatus, current: int, desired: int,
                   minimum: int, maximum: int, now: float) -> int:
        """Stabilize, then clamp (`normalizeDesiredReplicas`), setting the conditions that
        say which rule had the last word."""
        stabilized = self.recommendations.stabilize(key, desired, now)
        if stabilized != desired:
            status.condition("AbleToScale", "True", "ScaleDownStabilized",
                             "recent recommendations were higher than current one, applying "
                             "the highest recent recommendation")
        else:
            status.condition("AbleToScale", "True", "ReadyForNewScale",
                             "recommended size matches current size")
        allowed, reason, message = calc.limit_replicas(current, stabilized, minimum, maximum)
        status.condition("ScalingLimited", "False" if allowed == stabilized else "True",
                         reason, message)
        return allowed

    # Metrics -------------------------------------------------------------------------------

    def _replicas_for_metrics(self, hpa: Obj, scale: _Scale, status: HpaStatus
                              ) -> tuple[int, str]:
        """The largest count any metric asks for and that metric's name
        (`computeReplicasForMetrics`); raises MetricsError when none can be computed."""
        if not scale.selector:
            self._event(hpa, "Warning", "SelectorRequired", "selector is required")
            status.condition("ScalingActive", "False", "InvalidSelector",
                             "the HPA target's scale is missing a selector")
            raise MetricsError("selector is required")
        specs = (hpa.get("spec") or {}).get("metrics") or []
        statuses: list[Obj] = [{"type": ""} for _ in specs]
        replicas, metric = 0, ""
        invalid: list[tuple[str, str, str]] = []  # (reason, condition message, error)
        for i, spec in enumerate(specs):
            try:
                proposal, name, statuses[i] = self._one_metric(hpa, spec, scale)
            except _MetricFailed as failed:
                invalid.append((failed.reason, str(failed), failed.error))
                continue
            if replicas == 0 or proposal > replicas:
                replicas, metric = proposal, name
        if specs and len(invalid) >= len(specs):
            reason, message, error = invalid[0]
            status.condition("ScalingActive", "False", reason, message)
            raise MetricsError(f"invalid metrics ({len(invalid)} invalid out of {len(specs)}), "
                               f"first error is: {error}")
        status.current_metrics = statuses or None
        status.condition("ScalingActive", "True", "ValidMetricFound",
                         f"the HPA was able to successfully calculate a replica count from "
                         f"{metric}")
        return replicas, metric

    def _one_metric(self, hpa: Obj, spec: Obj, scale: _Scale) -> tuple[int, str, Obj]:
        kind = str(spec.get("type") or "")
        if kind != "Resource":  # custom and external metrics: no adapter serves them here
            if kind not in _SOURCE_KEYS:
                raise self._failed(hpa, "InvalidMetricSourceType",
                                   f'unknown metric source type "{kind}"',
                                   "invalid metric source")
            source = spec.get(_SOURCE_KEYS[kind]) or {}
            metric_name = (source.get("metric") or {}).get("name") or source.get("name") or ""
            raise self._failed(hpa, f"FailedGet{kind}Metric",
                               f"unable to get metric {metric_name}: unable to fetch metrics "
                               "from custom metrics API: no custom metrics API "
                               "(custom.metrics.k8s.io) registered",
                               f"failed to get {kind.lower()} metric value")
        resource = spec.get("resource") or {}
        name = str(resource.get("name") or "")
        target = resource.get("target") or {}
        ns = hpa["metadata"].get("namespace") or "default"
        pods = self.api.list(PODS, ns, label_selector=scale.selector)["items"]
        wall = self.clock.now()
        try:
            metrics = pod_metrics(self.api, ns, scale.selector, name)
        except MetricsError as err:
            raise self._failed(hpa, "FailedGetResourceMetric",
                               f"unable to get metrics for resource {name}: {err}",
                               f"failed to get {name} utilization") from None
        try:
            if target.get("averageValue") is not None:
                goal = _milli(target["averageValue"])
                proposal = calc.value_replicas(scale.replicas, goal, metrics, pods, name, wall)
                return (proposal.replicas, f"{name} resource",
                        resource_status(name, proposal.raw_average, None))
            if target.get("averageUtilization") is None:
                raise MetricsError("invalid resource metric source: neither a utilization "
                                   "target nor a value target was set")
            proposal = calc.resource_replicas(scale.replicas, int(target["averageUtilization"]),
                                              metrics, pods, name, wall)
        except MetricsError as err:
            raise self._failed(hpa, "FailedGetResourceMetric", str(err),
                               f"failed to get {name} utilization") from None
        return (proposal.replicas, f"{name} resource utilization (percentage of request)",
                resource_status(name, proposal.raw_average, proposal.utilization))

    def _failed(self, hpa: Obj, reason: str, error: str, context: str) -> _MetricFailed:
        """`getUnableComputeReplicaCountCondition`: the event now, the condition for later."""
        self._event(hpa, "Warning", reason, error)
        return _MetricFailed(reason, f"the HPA was unable to compute the replica count: {error}",
                             f"{context}: {error}")

    # Reading and writing -------------------------------------------------------------------

    def _scale(self, hpa: Obj) -> _Scale:
        ref = (hpa.get("spec") or {}).get("scaleTargetRef") or {}
        rt = _target_type(str(ref.get("apiVersion") or ""), str(ref.get("kind") or ""))
        ns = hpa["metadata"].get("namespace")
        return _Scale(rt, self.api.get(rt, ns, str(ref.get("name") or "")))

    def _write(self, hpa: Obj, status: Obj) -> None:
        if status == hpa.get("status"):
            return
        try:
            self.api.update(HPAS, hpa["metadata"].get("namespace"), hpa["metadata"]["name"],
                            {**hpa, "status": status}, subresource="status")
        except ApiError as err:
            if err.code not in (404, 409):  # gone, or edited meanwhile: the next pass writes
                raise

    def _event(self, hpa: Obj, kind: str, reason: str, message: str) -> None:
        events.record(self.api, hpa, kind, reason, message, component=COMPONENT)


class _NoScale(Exception):
    """The scale target's kind has no scale subresource here."""


class _MetricFailed(Exception):
    def __init__(self, reason: str, message: str, error: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.error = error


_SOURCE_KEYS = {"Pods": "pods", "Object": "object", "External": "external",
                "ContainerResource": "containerResource"}


def _target_type(api_version: str, kind: str) -> ResourceType:
    """The scalable type a scaleTargetRef names; old group versions (the book's
    extensions/v1beta1 Deployment) resolve by kind."""
    found = by_kind(api_version, kind)
    if found is not None and "scale" in found.subresources:
        return found
    for rt in RESOURCE_TYPES:
        if rt.kind == kind and "scale" in rt.subresources:
            return rt
    group = api_version.rpartition("/")[0]
    raise _NoScale(f"unable to determine resource for scale target reference: no matches "
                      f'for kind "{kind}" in group "{group}"')


def _milli(value: object) -> int:
    try:
        return Quantity.parse(value).milli_value()  # type: ignore[arg-type]
    except (QuantityError, TypeError):
        return 0
