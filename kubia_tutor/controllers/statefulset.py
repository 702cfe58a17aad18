"""The StatefulSet controller: pods with stable ordinal names and their own claims, created,
scaled and updated in order.

Design note. One reconcile is Kubernetes 1.20's `updateStatefulSet`: the set's pods are split
into the ordinals it wants (`0..replicas-1`) and the condemned ones above; missing ordinals are
created (claims first, then the pod), condemned ones deleted highest first, and pods of an old
template deleted highest first down to the partition so they come back at the new one. With
`podManagementPolicy: OrderedReady` each pass does at most one thing and stops at the first pod
that is not Running and Ready (or still terminating), so `kubia-1` starts only once `kubia-0`
is ready and a scale-down never runs while a pod is unhealthy; `Parallel` does everything at
once for scaling (updates stay one at a time, as in Kubernetes). Pod changes enqueue the set,
so the next step follows the pod's readiness without polling. Status is counted afresh from the
pods after acting, which keeps the pass level-driven.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

from kubia_tutor.api import events
from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import ResourceType, resolve
from kubia_tutor.api.selectors import LabelSelector, selector_from_spec
from kubia_tutor.controllers import claims
from kubia_tutor.controllers import statefulset_revisions as revisions
from kubia_tutor.controllers.base import Controller, Obj, key_of, split_key
from kubia_tutor.controllers.pod_template import (
    controller_ref,
    is_controlled_by,
    is_ready,
    is_terminating,
)
from kubia_tutor.controllers.revisions import template_of
from kubia_tutor.controllers.statefulset_pods import (
    POD_NAME_LABEL,
    claims_for,
    identity_matches,
    is_member,
    new_stateful_pod,
    ordinal_of,
    pod_revision,
)
from kubia_tutor.controllers.statefulset_status import compute_status

STATEFULSETS = resolve("statefulsets")
PODS = resolve("pods")
CLAIMS = resolve("persistentvolumeclaims")
REVISIONS = resolve("controllerrevisions")
COMPONENT = "statefulset-controller"


def running_and_ready(pod: Obj) -> bool:
    return (pod.get("status") or {}).get("phase") == "Running" and is_ready(pod)


def healthy(pod: Obj | None) -> bool:
    return pod is not None and running_and_ready(pod) and not is_terminating(pod)


class _Stop(Exception):
    """Ends a pass early: OrderedReady waits for the pod it stopped at."""


class StatefulSetController(Controller):
    """Keeps each StatefulSet's ordinal pods and their claims."""

    name = COMPONENT
    watches = ("statefulsets", "pods", "controllerrevisions")

    def keys_for(self, rt: ResourceType, obj: Obj) -> Iterable[str]:
        if rt is STATEFULSETS:
            yield key_of(obj)
            return
        ref = controller_ref(obj)
        ns = obj["metadata"].get("namespace")
        if ref is not None:
            if ref.get("kind") == "StatefulSet":
                yield f"{ns}/{ref.get('name')}"
            return
        if rt is PODS:  # an orphan: a set whose selector picks it may adopt it
            for sts in self.api.store.items(f"/registry/apps/statefulsets/{ns}/"):
                if _selector(sts).matches(obj["metadata"].get("labels")):
                    yield key_of(sts)

    def reconcile(self, key: str) -> float | None:
        ns, name = split_key(key)
        try:
            sts = self.api.get(STATEFULSETS, ns, name)
        except ApiError as err:
            if err.code == 404:
                return None
            raise
        try:
            pods = self._claim_pods(sts)
            current, update, collisions = self._revisions(sts)
            with contextlib.suppress(_Stop):  # OrderedReady waits for a pod's next change
                self._sync(sts, pods, current, update)
            pods = self._claim_pods(sts)
            self._truncate_history(sts, pods, current, update)
            self._write_status(sts, compute_status(sts, pods, current, update, collisions))
        except ApiError as err:
            if err.code in (404, 409):  # raced with another writer: the next pass sees it
                return 0.5
            raise
        return None

    # Pods the set owns ---------------------------------------------------------------------

    def _claim_pods(self, sts: Obj) -> list[Obj]:
        """The set's pods by ordinal: members (named `<set>-<n>`) it controls and still
        selects, and orphans it adopts (`ClaimPods` with the `isMemberOf` filter)."""
        members = [p for p in self.api.list(PODS, sts["metadata"].get("namespace"))["items"]
                   if is_member(sts, p)]
        return sorted(claims.claim(self.api, PODS, sts, _selector(sts), members), key=ordinal_of)

    # Revisions -----------------------------------------------------------------------------

    def _revisions(self, sts: Obj) -> tuple[Obj, Obj, int]:
        """(current revision, update revision, collision count), storing the update revision
        when the template is new (`getStatefulSetRevisions`)."""
        ns = sts["metadata"].get("namespace")
        history = revisions.owned_revisions(sts, self.api.list(REVISIONS, ns)["items"])
        collisions = int((sts.get("status") or {}).get("collisionCount") or 0)
        wanted = revisions.new_revision(sts, revisions.next_number(history), collisions)
        equal = [r for r in history if revisions.same_data(r, wanted)]
        if equal and history and equal[-1]["metadata"]["name"] == \
                history[-1]["metadata"]["name"]:
            update = history[-1]
        elif equal:  # back to an older template: it becomes the newest revision again
            update = self.api.patch(REVISIONS, ns, equal[-1]["metadata"]["name"],
                                    {"revision": wanted["revision"]}, "merge")
        else:
            update, collisions = self._create_revision(sts, wanted, collisions, len(history))
        status_current = (sts.get("status") or {}).get("currentRevision")
        current = next((r for r in history if r["metadata"]["name"] == status_current), update)
        return current, update, collisions

    def _create_revision(self, sts: Obj, wanted: Obj, collisions: int,
                         number: int) -> tuple[Obj, int]:
        ns = sts["metadata"].get("namespace")
        for _ in range(10):
            try:
                return self.api.create(REVISIONS, ns, wanted), collisions
            except ApiError as err:
                if err.code != 409 or err.reason != "AlreadyExists":
                    raise
            found = self.api.get(REVISIONS, ns, wanted["metadata"]["name"])
            if is_controlled_by(found, sts) and revisions.same_data(found, wanted):
                return found, collisions
            collisions += 1  # a hash collision: the count goes into the next name
            wanted = revisions.new_revision(sts, number + 1, collisions)
        raise ApiError(409, "Conflict", "too many ControllerRevision name collisions")

    def _truncate_history(self, sts: Obj, pods: list[Obj], current: Obj, update: Obj) -> None:
        ns = sts["metadata"].get("namespace")
        history = revisions.owned_revisions(sts, self.api.list(REVISIONS, ns)["items"])
        live = {current["metadata"]["name"], update["metadata"]["name"],
                *(pod_revision(p) for p in pods)}
        limit = int((sts.get("spec") or {}).get("revisionHistoryLimit", 10))
        for old in revisions.history_to_delete(history, live, limit):
            try:
                self.api.delete(REVISIONS, ns, old["metadata"]["name"])
            except ApiError as err:
                if err.code != 404:
                    raise

    # The pass --------------------------------------------------------------------------------

    def _sync(self, sts: Obj, pods: list[Obj], current: Obj, update: Obj) -> None:
        """Create, delete and replace pods; raises _Stop where OrderedReady must wait."""
        spec = sts.get("spec") or {}
        count = int(spec.get("replicas", 1))
        replicas: list[Obj | None] = [None] * count
        condemned: list[Obj] = []
        for found in pods:
            ordinal = ordinal_of(found)
            if 0 <= ordinal < count:
                replicas[ordinal] = found
            elif ordinal >= count:
                condemned.append(found)
        if sts["metadata"].get("deletionTimestamp"):
            return
        # the lowest ordinal that is not healthy (a missing pod counts): only it may be
        # removed by a scale-down while it is unhealthy
        unhealthy = [i for i, p in enumerate(replicas) if not healthy(p)] + \
            [ordinal_of(p) for p in condemned if not healthy(p)]
        first_unhealthy = min(unhealthy, default=-1)
        monotonic = spec.get("podManagementPolicy") != "Parallel"

        for ordinal in range(count):
            pod: Obj | None = replicas[ordinal]
            if pod is not None and (pod.get("status") or {}).get("phase") == "Failed":
                meta = sts["metadata"]
                events.record(self.api, sts, "Warning", "RecreatingFailedPod",
                              f"StatefulSet {meta.get('namespace')}/{meta['name']} is "
                              f"recreating failed Pod {pod['metadata']['name']}",
                              component=COMPONENT)
                self._delete_pod(sts, pod)
                pod = None
            if pod is None:
                replicas[ordinal] = self._create_pod(sts, ordinal, current, update)
                if monotonic:
                    raise _Stop
                continue
            if monotonic and (is_terminating(pod) or not running_and_ready(pod)):
                raise _Stop
            self._fix_identity(sts, pod)

        for doomed in sorted(condemned, key=ordinal_of, reverse=True):
            if is_terminating(doomed):
                if monotonic:
                    raise _Stop
                continue
            if monotonic and not running_and_ready(doomed) and \
                    ordinal_of(doomed) != first_unhealthy:
                raise _Stop
            self._delete_pod(sts, doomed)
            if monotonic:
                raise _Stop

        strategy = spec.get("updateStrategy") or {}
        if strategy.get("type") == "OnDelete":
            return
        low = int((strategy.get("rollingUpdate") or {}).get("partition") or 0)
        for ordinal in range(count - 1, low - 1, -1):
            replica = replicas[ordinal]
            if replica is None:
                return
            if pod_revision(replica) != update["metadata"]["name"] and \
                    not is_terminating(replica):
                self._delete_pod(sts, replica)
                raise _Stop
            if not healthy(replica):
                raise _Stop

    def _create_pod(self, sts: Obj, ordinal: int, current: Obj, update: Obj) -> Obj | None:
        """Create the pod for an ordinal (its claims first); None when it cannot be, yet."""
        revision = _revision_for(sts, ordinal, current, update)
        pod = new_stateful_pod(sts, template_of(revision), ordinal,
                               revision["metadata"]["name"])
        name = pod["metadata"]["name"]
        ns = sts["metadata"].get("namespace")
        try:
            self._ensure_claims(sts, ordinal, name)
        except ApiError as err:
            self._event(sts, "Warning", "FailedCreate",
                        f"create Pod {name} in StatefulSet {sts['metadata']['name']} failed "
                        f"error: {err.message}")
            return None
        try:
            created = self.api.create(PODS, ns, pod)
        except ApiError as err:
            if err.reason == "AlreadyExists":  # the old one is still going away
                return None
            self._event(sts, "Warning", "FailedCreate",
                        f"create Pod {name} in StatefulSet {sts['metadata']['name']} failed "
                        f"error: {err.message}")
            return None
        self._event(sts, "Normal", "SuccessfulCreate",
                    f"create Pod {name} in StatefulSet {sts['metadata']['name']} successful")
        return created

    def _ensure_claims(self, sts: Obj, ordinal: int, pod_name: str) -> None:
        """Create the ordinal's missing claims; existing ones (kept from before) are reused.
        Raises the first error after recording it."""
        set_name = sts["metadata"]["name"]
        for claim in claims_for(sts, ordinal):
            ns, claim_name = claim["metadata"]["namespace"], claim["metadata"]["name"]
            try:
                self.api.get(CLAIMS, ns, claim_name)
                continue
            except ApiError as err:
                if err.code != 404:
                    raise
            try:
                self.api.create(CLAIMS, ns, claim)
            except ApiError as err:
                self._event(sts, "Warning", "FailedCreate",
                            f"create Claim {claim_name} for Pod {pod_name} in StatefulSet "
                            f"{set_name} failed error: {err.message}")
                raise ApiError(err.code, err.reason,
                               f"Failed to create PVC {claim_name}: {err.message}") from err
            self._event(sts, "Normal", "SuccessfulCreate",
                        f"create Claim {claim_name} Pod {pod_name} in StatefulSet {set_name} "
                        "success")

    def _fix_identity(self, sts: Obj, pod: Obj) -> None:
        """Give a pod back its pod-name label and any claim that went missing
        (`UpdateStatefulPod`); a pod that matches is left alone."""
        name = pod["metadata"]["name"]
        self._ensure_claims(sts, ordinal_of(pod), name)
        if identity_matches(sts, pod):
            return
        patch = {"metadata": {"labels": {POD_NAME_LABEL: name},
                              "resourceVersion": pod["metadata"]["resourceVersion"]}}
        self.api.patch(PODS, pod["metadata"]["namespace"], name, patch, "merge")
        self._event(sts, "Normal", "SuccessfulUpdate",
                    f"update Pod {name} in StatefulSet {sts['metadata']['name']} successful")

    def _delete_pod(self, sts: Obj, pod: Obj) -> None:
        name = pod["metadata"]["name"]
        try:
            self.api.delete(PODS, pod["metadata"]["namespace"], name)
        except ApiError as err:
            if err.code == 404:
                return
            self._event(sts, "Warning", "FailedDelete",
                        f"delete Pod {name} in StatefulSet {sts['metadata']['name']} failed "
                        f"error: {err.message}")
            raise
        self._event(sts, "Normal", "SuccessfulDelete",
                    f"delete Pod {name} in StatefulSet {sts['metadata']['name']} successful")

    # Status --------------------------------------------------------------------------------

    def _write_status(self, sts: Obj, status: Obj) -> None:
        if status == sts.get("status"):
            return
        self.api.update(STATEFULSETS, sts["metadata"].get("namespace"), sts["metadata"]["name"],
                        {**sts, "status": status}, subresource="status")

    def _event(self, sts: Obj, kind: str, reason: str, message: str) -> None:
        events.record(self.api, sts, kind, reason, message, component=COMPONENT)


def _selector(sts: Obj) -> LabelSelector:
    try:
        return selector_from_spec((sts.get("spec") or {}).get("selector"))
    except ApiError:  # an invalid selector selects nothing
        return selector_from_spec(None)


def _revision_for(sts: Obj, ordinal: int, current: Obj, update: Obj) -> Obj:
    """Which revision a new pod gets (`newVersionedStatefulSetPod`): below the partition the
    current one, so a partitioned update does not reach pods recreated there."""
    strategy = (sts.get("spec") or {}).get("updateStrategy") or {}
    rolling = strategy.get("rollingUpdate")
    current_replicas = int((sts.get("status") or {}).get("currentReplicas") or 0)
    # Kubernetes 1.20 groups this condition as written, `a && b || c`; kept as it is.
    if (strategy.get("type") == "RollingUpdate" and rolling is None
            and ordinal < current_replicas) or \
            (rolling is not None and ordinal < int(rolling.get("partition") or 0)):
        return current
    return update
