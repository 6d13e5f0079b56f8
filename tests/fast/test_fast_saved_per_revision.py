"""A value saved beside the store under the revision it was worked out for."""

from __future__ import annotations

import json

from index.revisions import SavedPerRevision


def saved(path, now):
    return SavedPerRevision(path, 1, list, lambda value: [tuple(x) for x in value], now)


def test_a_fresh_instance_reads_the_value_of_its_revision(tmp_path):
    path = tmp_path / "pairs.json"
    computed = []

    def compute():
        computed.append(1)
        return [("a", "b")], True

    assert saved(path, lambda: "r1").get("r1", compute) == [("a", "b")]
    assert saved(path, lambda: "r1").get("r1", compute) == [("a", "b")]
    assert len(computed) == 1
    assert saved(path, lambda: "r2").get("r2", lambda: ([("c", "d")], True)) == [("c", "d")]
    assert json.loads(path.read_text())["revision"] == "r2"


def test_nothing_is_saved_when_the_store_moved_while_it_was_worked_out(tmp_path):
    path = tmp_path / "pairs.json"
    assert saved(path, lambda: "r2").get("r1", lambda: ([("a", "b")], True)) == [("a", "b")]
    assert not path.exists()


def test_nothing_is_saved_when_a_text_read_was_not_the_version_listed(tmp_path):
    path = tmp_path / "pairs.json"
    assert saved(path, lambda: "r1").get("r1", lambda: ([("a", "b")], False)) == [("a", "b")]
    assert not path.exists()


def test_a_damaged_or_foreign_file_is_worked_out_again(tmp_path, caplog):
    path = tmp_path / "pairs.json"
    path.write_text("{not json")
    assert saved(path, lambda: "r1").get("r1", lambda: ([("x", "y")], True)) == [("x", "y")]
    assert "cannot read" in caplog.text
    path.write_text(json.dumps({"format": 99, "revision": "r1", "value": [["old", "old"]]}))
    assert saved(path, lambda: "r1").get("r1", lambda: ([("new", "new")], True)) == [("new", "new")]


def test_without_a_path_it_is_kept_in_memory_only(tmp_path):
    memory = SavedPerRevision(None, 1, list, list, lambda: "r1")
    assert memory.get("r1", lambda: ([1], True)) == [1]
    assert memory.get("r1", lambda: ([2], True)) == [1]
    assert list(tmp_path.iterdir()) == []
