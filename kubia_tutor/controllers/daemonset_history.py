"""A DaemonSet's ControllerRevisions: one per pod template it has had, named
`<daemonset>-<hash>`, whose hash labels the pods as `controller-revision-hash`
(1.20's `constructHistory` and `cleanupHistory`; `kubectl rollout history/undo ds` read them).

The revision's data is the patch that puts its template back (`{"spec": {"template": {...,
"$patch": "replace"}}}`); the hash is FNV-1 (32 bit) over that JSON as Go marshals it,
printed with apimachinery's SafeEncodeString, as `history.HashControllerRevision` does.
"""

from __future__ import annotations

from typing import Any

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import resolve
from kubia_tutor.api.server import ApiServer
from kubia_tutor.controllers.pod_template import is_controlled_by
from kubia_tutor.controllers.revisions import new_revision, revision_hash, template_patch

Obj = dict[str, Any]
REVISIONS = resolve("controllerrevisions")
HASH_LABEL = "controller-revision-hash"


def revision_data(ds: Obj) -> Obj:
    """The patch a revision stores: the template, replacing whatever is there."""
    return template_patch(ds)


def owned_revisions(api: ApiServer, ds: Obj) -> list[Obj]:
    """The DaemonSet's revisions, oldest revision number first."""
    items = api.list(REVISIONS, ds["metadata"]["namespace"])["items"]
    mine = [r for r in items if is_controlled_by(r, ds)]
    return sorted(mine, key=lambda r: int(r.get("revision") or 0))


def current_revision(api: ApiServer, ds: Obj) -> tuple[str, list[Obj]]:
    """Make sure a revision for the current template exists and is the newest; return its
    hash and the older revisions."""
    revisions = owned_revisions(api, ds)
    data = revision_data(ds)
    collision = (ds.get("status") or {}).get("collisionCount")
    newest = max((int(r.get("revision") or 0) for r in revisions), default=0)
    same = [r for r in revisions if r.get("data") == data]
    if same:
        current = same[-1]
        if int(current.get("revision") or 0) < newest:  # a rollback: it becomes the newest
            current = {**current, "revision": newest + 1}
            api.update(REVISIONS, current["metadata"]["namespace"],
                       current["metadata"]["name"], current)
        old = [r for r in revisions if r["metadata"]["uid"] != current["metadata"]["uid"]]
        return _hash_of(current, data, collision), old
    hash_ = revision_hash(data, collision)
    try:
        api.create(REVISIONS, ds["metadata"]["namespace"],
                   new_revision(ds, newest + 1, hash_, HASH_LABEL))
    except ApiError as err:
        if err.code != 409:
            raise
    return hash_, revisions


def cleanup(api: ApiServer, ds: Obj, old: list[Obj], live_hashes: set[str]) -> None:
    """Delete the oldest revisions no pod runs beyond spec.revisionHistoryLimit."""
    limit = int((ds.get("spec") or {}).get("revisionHistoryLimit", 10))
    idle = [r for r in old
            if ((r["metadata"].get("labels") or {}).get(HASH_LABEL) not in live_hashes)]
    for revision in idle[:max(0, len(idle) - limit)]:
        try:
            api.delete(REVISIONS, revision["metadata"]["namespace"],
                       revision["metadata"]["name"])
        except ApiError:
            continue


def _hash_of(revision: Obj, data: Obj, collision: Any) -> str:
    labelled = (revision["metadata"].get("labels") or {}).get(HASH_LABEL)
    return str(labelled) if labelled else revision_hash(data, collision)
