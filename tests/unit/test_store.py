"""The store contract, run against SQLite in memory and on disk."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from kubia_tutor.api.store import Compacted, KeyExists, KeyNotFound, RevisionConflict, Store


@pytest.fixture(params=["memory", "file"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    path = ":memory:" if request.param == "memory" else str(tmp_path / "store.db")
    s = Store(path)
    yield s
    s.close()


def obj(name: str, **extra: object) -> dict:
    return {"metadata": {"name": name}, **extra}


def test_create_stamps_global_revision(store: Store) -> None:
    a = store.create("/a", obj("a"))
    b = store.create("/b", obj("b"))
    assert a["metadata"]["resourceVersion"] == "1"
    assert b["metadata"]["resourceVersion"] == "2"
    assert store.revision == 2


def test_create_twice_is_refused(store: Store) -> None:
    store.create("/a", obj("a"))
    with pytest.raises(KeyExists):
        store.create("/a", obj("a"))


def test_update_with_stale_revision_conflicts(store: Store) -> None:
    store.create("/a", obj("a"))
    store.update("/a", obj("a", spec=1), expected=1)
    with pytest.raises(RevisionConflict):
        store.update("/a", obj("a", spec=2), expected=1)
    assert store.get("/a")["spec"] == 1


def test_update_and_delete_of_missing_key(store: Store) -> None:
    with pytest.raises(KeyNotFound):
        store.update("/nope", obj("nope"))
    with pytest.raises(KeyNotFound):
        store.delete("/nope")


def test_delete_then_recreate(store: Store) -> None:
    store.create("/a", obj("a"))
    last = store.delete("/a")
    assert last["metadata"]["name"] == "a"
    assert store.get("/a") is None
    again = store.create("/a", obj("a"))
    assert again["metadata"]["resourceVersion"] == "3"


def test_items_are_ordered_by_key_and_filtered_by_prefix(store: Store) -> None:
    for key in ("/x/b", "/x/a", "/y/c"):
        store.create(key, obj(key))
    assert [o["metadata"]["name"] for o in store.items("/x/")] == ["/x/a", "/x/b"]


def test_reads_are_copies(store: Store) -> None:
    store.create("/a", obj("a"))
    got = store.get("/a")
    got["metadata"]["name"] = "changed"
    assert store.get("/a")["metadata"]["name"] == "a"


def test_changes_since_replays_in_order(store: Store) -> None:
    store.create("/a", obj("a"))
    store.update("/a", obj("a", spec=1))
    store.delete("/a")
    changes, upto = store.changes_since(0)
    assert [c.kind for c in changes] == ["ADDED", "MODIFIED", "DELETED"]
    assert upto == 3
    later, _ = store.changes_since(2)
    assert [c.kind for c in later] == ["DELETED"]


def test_wait_wakes_on_write(store: Store) -> None:
    seen: list[bool] = []
    thread = threading.Thread(target=lambda: seen.append(store.wait(0, 5.0)))
    thread.start()
    store.create("/a", obj("a"))
    thread.join(5)
    assert seen == [True]


def test_durable_across_reopen(tmp_path: Path) -> None:
    path = str(tmp_path / "db")
    first = Store(path)
    first.create("/a", obj("a"))
    first.update("/a", obj("a", spec="kept"))
    first.create("/b", obj("b"))
    first.delete("/b")
    first.close()
    second = Store(path)
    assert second.get("/a")["spec"] == "kept"
    assert second.get("/b") is None
    assert second.revision == 4
    changes, _ = second.changes_since(0)
    assert [c.kind for c in changes] == ["ADDED", "MODIFIED", "ADDED", "DELETED"]
    assert second.create("/c", obj("c"))["metadata"]["resourceVersion"] == "5"
    second.close()


def test_compaction_keeps_live_objects(monkeypatch: pytest.MonkeyPatch, store: Store) -> None:
    import kubia_tutor.api.store as module

    monkeypatch.setattr(module, "_KEEP_REVISIONS", 2)
    store.create("/a", obj("a"))
    for i in range(5):
        store.update("/a", obj("a", spec=i))
    assert store.compact() > 0
    assert store.get("/a")["spec"] == 4
    with pytest.raises(Compacted):
        store.changes_since(1)
