"""The Deployment controller: rolls a pod template out through ReplicaSets.

Design note. The shape is Kubernetes' `syncDeployment`: claim the ReplicaSets the selector
matches; a paused Deployment or a change of spec.replicas only resizes (proportionally, mid
rollout); otherwise the strategy runs one step: RollingUpdate scales the new ReplicaSet up
within maxSurge, or else old ones down within maxUnavailable; Recreate scales every old one to
zero, waits until their pods are gone, then scales the new one up. Each step writes, and the
resulting ReplicaSet and pod changes bring the key back for the next step, so the rollout is a
chain of small idempotent reconciles. The arithmetic is in `deployment_rollout`, revisions in
`deployment_revisions`, status and conditions in `deployment_status`.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable

from kubia_tutor.api import events
from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import ResourceType, resolve
from kubia_tutor.api.selectors import LabelSelector, selector_from_spec
from kubia_tutor.api.server import object_key
from kubia_tutor.controllers import deployment_status as dstatus
from kubia_tutor.controllers.base import Controller, Obj, key_of, split_key
from kubia_tutor.controllers.claims import claim
from kubia_tutor.controllers.deployment_revisions import (
    DESIRED_REPLICAS,
    HASH_LABEL,
    REVISION,
    ROLLBACK_TO,
    equal_ignore_hash,
    find_new,
    history_to_drop,
    new_rs_annotations,
    replicas_annotations,
    revision_of,
    template_hash,
)
from kubia_tutor.controllers.deployment_rollout import (
    available_scale_down,
    is_rolling,
    new_rs_replicas,
    old_scale_down_budget,
    proportional_sizes,
    replicas_of,
    total_spec,
    unhealthy_cleanup,
)
from kubia_tutor.controllers.pod_template import controller_ref, is_terminating, owner_reference

DEPLOYMENTS = resolve("deployments")
REPLICASETS = resolve("replicasets")
PODS = resolve("pods")
COMPONENT = "deployment-controller"


class DeploymentController(Controller):
    """Rolls Deployments out through their ReplicaSets."""

    name = "deployment-controller"
    watches = ("deployments", "replicasets", "pods")

    # Keys ------------------------------------------------------------------------------------

    def keys_for(self, rt: ResourceType, obj: Obj) -> Iterable[str]:
        ns = obj["metadata"].get("namespace")
        if rt is DEPLOYMENTS:
            yield key_of(obj)
        elif rt is REPLICASETS:
            ref = controller_ref(obj)
            if ref is not None:
                if ref.get("kind") == "Deployment":
                    yield f"{ns}/{ref.get('name')}"
            elif not is_terminating(obj):
                labels = obj["metadata"].get("labels") or {}
                for d in self.api.store.items(object_key(DEPLOYMENTS, ns)):
                    if _selector(d).matches(labels):
                        yield key_of(d)
        elif is_terminating(obj):  # Recreate waits for the old pods to be gone
            ref = controller_ref(obj)
            if ref is not None and ref.get("kind") == "ReplicaSet":
                rs = self.api.store.get(object_key(REPLICASETS, ns, str(ref.get("name"))))
                owner = controller_ref(rs) if rs else None
                if owner is not None and owner.get("kind") == "Deployment":
                    yield f"{ns}/{owner.get('name')}"

    # Reconcile -------------------------------------------------------------------------------

    def reconcile(self, key: str) -> float | None:
        ns, name = split_key(key)
        d = self.api.store.get(object_key(DEPLOYMENTS, ns, name))
        if d is None:
            return None
        selector = _selector(d)
        if selector.empty:
            events.record(self.api, d, "Warning", "SelectingAll", "This deployment is selecting "
                          "all pods. A non-empty selector is required.", component=COMPONENT)
            return None
        candidates = self.api.store.items(object_key(REPLICASETS, ns))
        rs_list = claim(self.api, REPLICASETS, d, selector, candidates)
        if d["metadata"].get("deletionTimestamp"):
            return self._sync(d, rs_list, scale=False)
        d = self._check_paused_conditions(d)
        if (d.get("spec") or {}).get("paused") or self._is_scaling_event(d, rs_list):
            return self._sync(d, rs_list)
        if is_rolling(d):
            return self._rolling(d, rs_list)
        return self._recreate(d, rs_list)

    # Strategies ------------------------------------------------------------------------------

    def _rolling(self, d: Obj, rs_list: list[Obj]) -> float | None:
        d, new, old = self._new_and_old(d, rs_list, create=True)
        assert new is not None
        desired = replicas_of(d)
        size = replicas_of(new)
        if size != desired:
            target = desired if size > desired else new_rs_replicas(d, [*old, new], new)
            if target != size:
                new = self._scale(d, new, target)
                return self._sync_rollout(d, [*old, new], new)
        active_old = [rs for rs in old if replicas_of(rs) > 0]
        if total_spec(active_old) > 0:
            budget = old_scale_down_budget(d, [*old, new], new)
            if budget > 0:
                sizes = unhealthy_cleanup(active_old, budget)
                old = [self._scale(d, rs, sizes[rs["metadata"]["name"]])
                       if rs["metadata"]["name"] in sizes else rs for rs in old]
                more = available_scale_down(d, [*old, new], old)
                old = [self._scale(d, rs, more[rs["metadata"]["name"]])
                       if rs["metadata"]["name"] in more else rs for rs in old]
                if sizes or more:
                    return self._sync_rollout(d, [*old, new], new)
        if dstatus.is_complete(d, d.get("status") or {}):
            self._cleanup(d, old)
        return self._sync_rollout(d, [*old, new], new)

    def _recreate(self, d: Obj, rs_list: list[Obj]) -> float | None:
        d, new, old = self._new_and_old(d, rs_list, create=False)
        every = old + ([new] if new else [])
        if any(replicas_of(rs) > 0 for rs in old):
            old = [self._scale(d, rs, 0) for rs in old]
            return self._sync_rollout(d, old + ([new] if new else []), new)
        if self._old_pods_running(d, new, old):
            return self._sync_rollout(d, every, new)
        if new is None:
            d, new, old = self._new_and_old(d, rs_list, create=True)
            assert new is not None
        new = self._scale(d, new, replicas_of(d))
        if dstatus.is_complete(d, d.get("status") or {}):
            self._cleanup(d, old)
        return self._sync_rollout(d, [*old, new], new)

    def _old_pods_running(self, d: Obj, new: Obj | None, old: list[Obj]) -> bool:
        if any(int((rs.get("status") or {}).get("replicas") or 0) for rs in old):
            return True
        old_uids = {rs["metadata"]["uid"] for rs in old}
        for pod in self.api.store.items(object_key(PODS, d["metadata"].get("namespace"))):
            ref = controller_ref(pod)
            if ref is not None and ref.get("uid") in old_uids and \
                    (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed"):
                return True
        return False

    def _sync(self, d: Obj, rs_list: list[Obj], scale: bool = True) -> float | None:
        """Resize only, for a paused Deployment or a changed spec.replicas (`sync`)."""
        d, new, old = self._new_and_old(d, rs_list, create=False)
        if scale:
            new, old = self._resize(d, new, old)
        spec = d.get("spec") or {}
        if scale and spec.get("paused") and \
                ROLLBACK_TO not in ((d["metadata"].get("annotations")) or {}):
            self._cleanup(d, old)
        every = old + ([new] if new else [])
        status = dstatus.calculate_status(d, every, new, self.clock.now())
        if status != (d.get("status") or {}):
            self._put_status(d, status)
        return None

    @staticmethod
    def _is_scaling_event(d: Obj, rs_list: list[Obj]) -> bool:
        """An active ReplicaSet was sized for another spec.replicas (`isScalingEvent`)."""
        for rs in rs_list:
            desired = ((rs["metadata"].get("annotations")) or {}).get(DESIRED_REPLICAS)
            if replicas_of(rs) > 0 and desired is not None and desired != str(replicas_of(d)):
                return True
        return False

    def _resize(self, d: Obj, new: Obj | None, old: list[Obj]) -> tuple[Obj | None, list[Obj]]:
        """`scale`: the one active ReplicaSet follows spec.replicas; a saturated new one lets
        the old go; otherwise every active one grows or shrinks in proportion."""
        every = old + ([new] if new else [])
        active = [rs for rs in every if replicas_of(rs) > 0]
        single = active[0] if len(active) == 1 else None
        if not active and every:
            single = new or max(old, key=lambda r: str(r["metadata"].get("creationTimestamp")))
        if single is not None or not every:
            if single is not None and replicas_of(single) != replicas_of(d):
                scaled = self._scale(d, single, replicas_of(d))
                return _swap(new, old, scaled)
            return new, old
        if new is not None and _saturated(d, new):
            return new, [self._scale(d, rs, 0) if replicas_of(rs) > 0 else rs for rs in old]
        if is_rolling(d):
            sizes = proportional_sizes(d, active)
            for rs in active:
                new, old = _swap(new, old, self._scale(d, rs, sizes[rs["metadata"]["name"]]))
        return new, old

    # ReplicaSets -----------------------------------------------------------------------------

    def _new_and_old(self, d: Obj, rs_list: list[Obj], create: bool
                     ) -> tuple[Obj, Obj | None, list[Obj]]:
        """The Deployment as written since, the new ReplicaSet (made when `create` and
        missing) and the old ones, with the revision annotations brought up to date
        (`getAllReplicaSetsAndSyncRevision`)."""
        existing = find_new(d, rs_list)
        old = [rs for rs in rs_list if existing is None or rs["metadata"]["uid"] !=
               existing["metadata"]["uid"]]
        revision = max((revision_of(rs) for rs in old), default=0) + 1
        if existing is not None:
            d, new = self._sync_existing(d, existing, revision)
            return d, new, old
        if not create:
            return d, None, old
        d, new = self._create_new(d, old, revision)
        return d, new, old

    def _sync_existing(self, d: Obj, rs: Obj, revision: int) -> tuple[Obj, Obj]:
        annotations = new_rs_annotations(d, rs, revision, exists=True)
        min_ready = int((d.get("spec") or {}).get("minReadySeconds") or 0)
        rs_spec = rs.get("spec") or {}
        if annotations != dict(rs["metadata"].get("annotations") or {}) or \
                int(rs_spec.get("minReadySeconds") or 0) != min_ready:
            new = copy.deepcopy(rs)
            new["metadata"]["annotations"] = annotations
            new["spec"]["minReadySeconds"] = min_ready
            return d, self._put_rs(new)
        d = self._set_revision(d, str(revision_of(rs)))
        if dstatus.has_progress_deadline(d) and \
                dstatus.condition(d.get("status") or {}, "Progressing") is None:
            status = copy.deepcopy(d.get("status") or {})
            dstatus.set_condition(status, dstatus.new_condition(
                "Progressing", "True", dstatus.FOUND_NEW_RS,
                f'Found new replica set "{rs["metadata"]["name"]}"', self.clock.now()))
            d = self._put_status(d, status)
        return d, rs

    def _create_new(self, d: Obj, old: list[Obj], revision: int) -> tuple[Obj, Obj]:
        spec = d.get("spec") or {}
        status = d.get("status") or {}
        template = copy.deepcopy(spec.get("template") or {})
        pod_hash = template_hash(template, int(status.get("collisionCount") or 0))
        template.setdefault("metadata", {})
        template["metadata"]["labels"] = {**(template["metadata"].get("labels") or {}),
                                          HASH_LABEL: pod_hash}
        selector = copy.deepcopy(spec.get("selector") or {})
        selector["matchLabels"] = {**(selector.get("matchLabels") or {}), HASH_LABEL: pod_hash}
        name = f"{d['metadata']['name']}-{pod_hash}"
        rs: Obj = {
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": name, "namespace": d["metadata"].get("namespace"),
                         "labels": dict(template["metadata"]["labels"]),
                         "ownerReferences": [owner_reference(d)]},
            "spec": {"replicas": 0, "minReadySeconds": int(spec.get("minReadySeconds") or 0),
                     "selector": selector, "template": template},
        }
        rs["spec"]["replicas"] = new_rs_replicas(d, [*old, rs], rs)
        rs["metadata"]["annotations"] = new_rs_annotations(d, rs, revision, exists=False)
        try:
            created = self.api.create(REPLICASETS, d["metadata"].get("namespace"), rs)
        except ApiError as err:
            if err.code != 409:
                raise
            return d, self._name_taken(d, name, err)
        if replicas_of(created) > 0:
            events.record(self.api, d, "Normal", "ScalingReplicaSet",
                          f"Scaled up replica set {name} to {replicas_of(created)}",
                          component=COMPONENT)
        d = self._set_revision(d, str(revision))
        if dstatus.has_progress_deadline(d):
            new_status = copy.deepcopy(d.get("status") or {})
            dstatus.set_condition(new_status, dstatus.new_condition(
                "Progressing", "True", dstatus.NEW_RS_CREATED,
                f'Created new replica set "{name}"', self.clock.now()))
            d = self._put_status(d, new_status)
        return d, created

    def _name_taken(self, d: Obj, name: str, err: ApiError) -> Obj:
        """A ReplicaSet of that name exists: ours with this template (a retry after a lost
        write), or a hash collision, which bumps collisionCount so the next try differs."""
        found = self.api.store.get(object_key(REPLICASETS, d["metadata"].get("namespace"),
                                              name))
        if found is not None and (controller_ref(found) or {}).get("uid") == \
                d["metadata"]["uid"] and equal_ignore_hash(
                    (found.get("spec") or {}).get("template"),
                    (d.get("spec") or {}).get("template")):
            return found
        status = copy.deepcopy(d.get("status") or {})
        status["collisionCount"] = int(status.get("collisionCount") or 0) + 1
        self._put_status(d, status)
        raise err

    def _scale(self, d: Obj, rs: Obj, size: int) -> Obj:
        """Resize a ReplicaSet, recording the Deployment's replica annotations on it and a
        ScalingReplicaSet event (`scaleReplicaSetAndRecordEvent`)."""
        annotations = dict(rs["metadata"].get("annotations") or {})
        wanted = {**annotations, **replicas_annotations(d)}
        before = replicas_of(rs)
        if before == size and wanted == annotations:
            return rs
        new = copy.deepcopy(rs)
        new["metadata"]["annotations"] = wanted
        new["spec"]["replicas"] = size
        result = self._put_rs(new)
        if before != size:
            direction = "up" if size > before else "down"
            events.record(self.api, d, "Normal", "ScalingReplicaSet",
                          f"Scaled {direction} replica set {rs['metadata']['name']} to {size}",
                          component=COMPONENT)
        return result

    def _cleanup(self, d: Obj, old: list[Obj]) -> None:
        """Drop the old ReplicaSets past revisionHistoryLimit."""
        for rs in history_to_drop(d, old):
            try:
                self.api.delete(REPLICASETS, rs["metadata"].get("namespace"),
                                rs["metadata"]["name"])
            except ApiError as err:
                if err.code != 404:
                    raise

    # Writes ----------------------------------------------------------------------------------

    def _sync_rollout(self, d: Obj, every: list[Obj], new: Obj | None) -> float | None:
        now = self.clock.now()
        status = dstatus.rollout_status(d, every, new, now)
        if status != (d.get("status") or {}):
            d = self._put_status(d, status)
        return dstatus.seconds_to_deadline(d, status, now)

    def _check_paused_conditions(self, d: Obj) -> Obj:
        """Progressing says DeploymentPaused while paused and DeploymentResumed after."""
        if not dstatus.has_progress_deadline(d):
            return d
        status = copy.deepcopy(d.get("status") or {})
        cond = dstatus.condition(status, "Progressing")
        if cond is not None and cond.get("reason") == dstatus.TIMED_OUT:
            return d
        paused_shown = cond is not None and cond.get("reason") == dstatus.PAUSED
        paused = bool((d.get("spec") or {}).get("paused"))
        if paused == paused_shown:
            return d
        reason, message = (dstatus.PAUSED, "Deployment is paused") if paused else \
            (dstatus.RESUMED, "Deployment is resumed")
        dstatus.set_condition(status, dstatus.new_condition("Progressing", "Unknown", reason,
                                                            message, self.clock.now()))
        return self._put_status(d, status)

    def _set_revision(self, d: Obj, revision: str) -> Obj:
        annotations = dict(d["metadata"].get("annotations") or {})
        if annotations.get(REVISION) == revision:
            return d
        new = copy.deepcopy(d)
        new["metadata"]["annotations"] = {**annotations, REVISION: revision}
        meta = d["metadata"]
        return self.api.update(DEPLOYMENTS, meta.get("namespace"), meta["name"], new)

    def _put_status(self, d: Obj, status: Obj) -> Obj:
        new = copy.deepcopy(d)
        new["status"] = status
        meta = d["metadata"]
        return self.api.update(DEPLOYMENTS, meta.get("namespace"), meta["name"], new,
                               subresource="status")

    def _put_rs(self, rs: Obj) -> Obj:
        meta = rs["metadata"]
        return self.api.update(REPLICASETS, meta.get("namespace"), meta["name"], rs)


def _selector(d: Obj) -> LabelSelector:
    try:
        return selector_from_spec((d.get("spec") or {}).get("selector"))
    except ApiError:
        return selector_from_spec(None)


def _saturated(d: Obj, rs: Obj) -> bool:
    """The new ReplicaSet runs every wanted replica (`IsSaturated`)."""
    desired = ((rs["metadata"].get("annotations")) or {}).get(DESIRED_REPLICAS)
    return (replicas_of(rs) == replicas_of(d) and desired == str(replicas_of(d))
            and int((rs.get("status") or {}).get("availableReplicas") or 0) == replicas_of(d))


def _swap(new: Obj | None, old: list[Obj], rs: Obj) -> tuple[Obj | None, list[Obj]]:
    """Put a rewritten ReplicaSet back in its place."""
    uid = rs["metadata"]["uid"]
    if new is not None and new["metadata"]["uid"] == uid:
        return rs, old
    return new, [rs if o["metadata"]["uid"] == uid else o for o in old]

