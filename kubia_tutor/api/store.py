"""The cluster's store: one SQLite table of revisions, in the manner of k3s' kine.

Design note. Every write appends a row; the row id is the cluster's global revision and becomes
the object's resourceVersion. A unique index on (key, prev_revision) makes optimistic
concurrency structural: two writers that read the same revision cannot both append after it.
The latest row per key is mirrored in memory (with its JSON text) so gets and lists never touch
disk; watches replay rows after a revision, from a bounded in-memory window or from the table.
SQLite runs in WAL mode with synchronous=NORMAL: a committed write survives the daemon being
killed at any moment (only a power loss could drop the newest transactions).
"""

from __future__ import annotations

import collections
import json
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

Obj = dict[str, Any]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS log (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    created INTEGER NOT NULL,
    deleted INTEGER NOT NULL,
    create_revision INTEGER NOT NULL,
    prev_revision INTEGER NOT NULL,
    value TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS log_key_prev ON log (key, prev_revision);
CREATE INDEX IF NOT EXISTS log_key_id ON log (key, id);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""

# How many recent changes watches can replay from memory before falling back to the table.
_WINDOW = 20000
# Superseded rows older than this many revisions are compacted away.
_KEEP_REVISIONS = 50000


class KeyExists(Exception):
    """Create of a key that holds a live object."""


class KeyNotFound(Exception):
    """Update or delete of a key with no live object."""


class RevisionConflict(Exception):
    """The caller's expected revision is not the key's current one."""


class StoreClosed(Exception):
    """A write came after close() (a worker finishing while the daemon stops)."""


class Compacted(Exception):
    """A watch asked for revisions that compaction already removed."""


@dataclass(frozen=True)
class Change:
    """One row of the log: the object after the change (before it, for a delete)."""

    revision: int
    key: str
    kind: str  # ADDED, MODIFIED, DELETED
    raw: str

    def object(self) -> Obj:
        """A fresh copy of the object this change carries."""
        result: Obj = json.loads(self.raw)
        return result


@dataclass
class _Entry:
    revision: int
    create_revision: int
    raw: str


class Store:
    """A durable, revisioned key-value store of JSON objects with watch."""

    def __init__(self, path: str = ":memory:") -> None:
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._live: dict[str, _Entry] = {}
        self._recent: collections.deque[Change] = collections.deque(maxlen=_WINDOW)
        self._revision = 0
        self._compacted = 0
        self._closed = False
        self._load()

    def _load(self) -> None:
        row = self._db.execute("SELECT COALESCE(MAX(id), 0) FROM log").fetchone()
        self._revision = int(row[0])
        meta = self._db.execute("SELECT value FROM meta WHERE name='compacted'").fetchone()
        self._compacted = int(meta[0]) if meta else 0
        query = (
            "SELECT l.key, l.id, l.create_revision, l.deleted, l.value FROM log l "
            "JOIN (SELECT key, MAX(id) AS id FROM log GROUP BY key) m ON l.id = m.id"
        )
        for key, rev, create_rev, deleted, raw in self._db.execute(query):
            if not deleted:
                self._live[key] = _Entry(rev, create_rev, raw)

    @property
    def revision(self) -> int:
        """The newest revision written."""
        return self._revision

    def next_revision(self) -> int:
        """The revision the next write will get; callers hold `lock` to rely on it."""
        return self._revision + 1

    @property
    def lock(self) -> threading.RLock:
        """The writers' lock: hold it to read-modify-write atomically."""
        return self._lock

    # Reads -----------------------------------------------------------------------------------

    def get_raw(self, key: str) -> tuple[int, str] | None:
        """The live object's (revision, JSON text), or None."""
        with self._lock:
            entry = self._live.get(key)
            return (entry.revision, entry.raw) if entry else None

    def get(self, key: str) -> Obj | None:
        """A copy of the live object at key, or None."""
        found = self.get_raw(key)
        if found is None:
            return None
        result: Obj = json.loads(found[1])
        return result

    def list_raw(self, prefix: str) -> tuple[int, list[str]]:
        """The store revision and the JSON texts of live objects under prefix, by key."""
        with self._lock:
            keys = sorted(k for k in self._live if k.startswith(prefix))
            return self._revision, [self._live[k].raw for k in keys]

    def items(self, prefix: str) -> list[Obj]:
        """Copies of the live objects under prefix, ordered by key."""
        _rev, raws = self.list_raw(prefix)
        return [json.loads(raw) for raw in raws]

    # Writes ----------------------------------------------------------------------------------

    def create(self, key: str, obj: Obj) -> Obj:
        """Store a new object; stamps metadata.resourceVersion. Raises KeyExists."""
        with self._lock:
            if key in self._live:
                raise KeyExists(key)
            self._check_open()
            prev = self._db.execute(
                "SELECT MAX(id) FROM log WHERE key = ?", (key,)).fetchone()[0] or 0
            rev = self._revision + 1
            return self._append(key, obj, rev, created=True, deleted=False,
                                create_rev=rev, prev=prev)

    def update(self, key: str, obj: Obj, expected: int | None = None) -> Obj:
        """Replace the live object; `expected` is the revision the caller read, if any."""
        with self._lock:
            entry = self._live.get(key)
            if entry is None:
                raise KeyNotFound(key)
            if expected is not None and expected != entry.revision:
                raise RevisionConflict(key)
            rev = self._revision + 1
            return self._append(key, obj, rev, created=False, deleted=False,
                                create_rev=entry.create_revision, prev=entry.revision)

    def delete(self, key: str, expected: int | None = None) -> Obj:
        """Remove the live object; returns its last state."""
        with self._lock:
            entry = self._live.get(key)
            if entry is None:
                raise KeyNotFound(key)
            if expected is not None and expected != entry.revision:
                raise RevisionConflict(key)
            obj: Obj = json.loads(entry.raw)
            rev = self._revision + 1
            return self._append(key, obj, rev, created=False, deleted=True,
                                create_rev=entry.create_revision, prev=entry.revision)

    def _append(self, key: str, obj: Obj, rev: int, *, created: bool, deleted: bool,
                create_rev: int, prev: int) -> Obj:
        self._check_open()
        obj.setdefault("metadata", {})["resourceVersion"] = str(rev)
        raw = json.dumps(obj, separators=(",", ":"))
        try:
            self._db.execute(
                "INSERT INTO log (id, key, created, deleted, create_revision, prev_revision, "
                "value) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (rev, key, int(created), int(deleted), create_rev, prev, raw),
            )
        except sqlite3.IntegrityError as exc:  # someone appended after `prev` first
            raise RevisionConflict(key) from exc
        self._revision = rev
        if deleted:
            self._live.pop(key, None)
            kind = "DELETED"
        else:
            self._live[key] = _Entry(rev, create_rev, raw)
            kind = "ADDED" if created else "MODIFIED"
        self._recent.append(Change(rev, key, kind, raw))
        self._changed.notify_all()
        return obj

    def _check_open(self) -> None:
        if self._closed:
            raise StoreClosed("the store is closed: the cluster is shutting down")

    # Watch -----------------------------------------------------------------------------------

    def changes_since(self, revision: int, prefix: str = "") -> tuple[list[Change], int]:
        """Changes after `revision` under prefix, oldest first, and the revision they cover
        up to (the store's revision when read). Raises Compacted."""
        with self._lock:
            upto = self._revision
            if revision < self._compacted:
                raise Compacted(f"too old resource version: {revision} ({self._compacted})")
            if revision >= upto:
                return [], upto
            if self._recent and self._recent[0].revision <= revision + 1:
                found = [c for c in self._recent
                         if c.revision > revision and c.key.startswith(prefix)]
                return found, upto
            rows = self._db.execute(
                "SELECT id, key, created, deleted, value FROM log WHERE id > ? AND key >= ? "
                "ORDER BY id", (revision, prefix)).fetchall()
        changes = []
        for rev, key, created, deleted, raw in rows:
            if not key.startswith(prefix):
                continue
            kind = "DELETED" if deleted else ("ADDED" if created else "MODIFIED")
            changes.append(Change(rev, key, kind, raw))
        return changes, upto

    def wait(self, revision: int, timeout: float) -> bool:
        """Block until the store moves past `revision` or timeout; True if it moved."""
        with self._changed:
            if self._revision > revision or self._closed:
                return self._revision > revision
            self._changed.wait(timeout)
            return self._revision > revision

    def follow(self, revision: int, prefix: str = "", poll: float = 1.0,
               stop: threading.Event | None = None) -> Iterator[Change]:
        """Yield changes under prefix after `revision` as they happen, until `stop` is set
        or the store closes."""
        while not (stop and stop.is_set()) and not self._closed:
            changes, upto = self.changes_since(revision, prefix)
            yield from changes
            revision = upto
            self.wait(revision, poll)

    def wake(self) -> None:
        """Wake every waiter now (on shutdown, so loops can see their stop flag)."""
        with self._changed:
            self._changed.notify_all()

    @property
    def closed(self) -> bool:
        """True once close() ran."""
        return self._closed

    def compact(self) -> int:
        """Drop superseded rows older than the retention window; returns rows removed."""
        with self._lock:
            horizon = self._revision - _KEEP_REVISIONS
            if horizon <= self._compacted:
                return 0
            cur = self._db.execute(
                "DELETE FROM log WHERE id <= ? AND id NOT IN "
                "(SELECT MAX(id) FROM log GROUP BY key)", (horizon,))
            self._db.execute(
                "DELETE FROM log WHERE id <= ? AND deleted = 1", (horizon,))
            self._db.execute(
                "INSERT OR REPLACE INTO meta (name, value) VALUES ('compacted', ?)", (horizon,))
            self._compacted = horizon
            return cur.rowcount

    def close(self) -> None:
        """Close the database; pending watchers wake and end."""
        with self._changed:  # under the writers' lock: no write is half done when it closes
            self._closed = True
            self._changed.notify_all()
            self._db.close()
