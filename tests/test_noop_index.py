"""`assistant index` with nothing to do reads a few records: no file is read or parsed again,
no chunk and no article record is read in bulk (the sweep reads only lease records and
tombstones). A file that changed is read again."""

from __future__ import annotations

import os

import pytest

from assistant import Assistant, Settings


def _bulk_reads(collection, log: list) -> None:
    get = collection.get

    def counted(*args, **kwargs):
        if not kwargs.get("ids") and kwargs.get("where") is None:
            log.append(collection.name)
        return get(*args, **kwargs)

    collection.get = counted


def test_a_noop_index_reads_neither_files_nor_every_record(
    tmp_path, embedder, sample_copy, monkeypatch
):
    store = tmp_path / "store"
    Assistant(Settings(store_path=store), embedder=embedder).index([sample_copy])

    bot = Assistant(Settings(store_path=store), embedder=embedder)
    reads: list[str] = []
    _bulk_reads(bot.store._chunks, reads)
    _bulk_reads(bot.store._articles, reads)

    def no_reading(*_):
        raise AssertionError("an unchanged file was read again")

    with monkeypatch.context() as m:
        m.setattr("index.indexer.read_file", no_reading)
        report = bot.index([sample_copy])
    assert len(report.unchanged) == 2 and not (report.added or report.replaced)
    assert reads == []

    # a changed file (new size and time) is read, and replaced
    changed = sorted(sample_copy.iterdir())[0]
    changed.write_text(changed.read_text("utf-8") + "\nA late correction was added.\n", "utf-8")
    os.utime(changed, ns=(changed.stat().st_atime_ns, changed.stat().st_mtime_ns + 10**9))
    report = bot.index([sample_copy])
    assert report.replaced == (str(changed),) and len(report.unchanged) == 1


@pytest.mark.parametrize("where", ["store", "file"])
def test_the_file_record_is_only_a_hint(tmp_path, embedder, sample_copy, where):
    """If the store no longer holds what the record says (another process replaced or removed
    the article), the file is read and indexed again."""
    store = tmp_path / "store"
    bot = Assistant(Settings(store_path=store), embedder=embedder)
    bot.index([sample_copy])
    first = sorted(sample_copy.iterdir())[0]
    if where == "store":
        bot.remove(str(first))
    else:
        (store / "assistant-cache" / "files-v1.json").write_text("{broken", "utf-8")
    report = Assistant(Settings(store_path=store), embedder=embedder).index([sample_copy])
    if where == "store":
        assert report.added == (str(first),)
    else:
        assert len(report.unchanged) == 2
