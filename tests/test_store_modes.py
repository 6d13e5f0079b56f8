"""Indexing and asking against the embedded store and a real `chroma run` server; sync; the
server stopping and coming back; a corrupt store folder."""

from __future__ import annotations

import shutil

import pytest
from chroma_server import ChromaServer
from conftest import SAMPLE, assert_exact

from assistant import Assistant, Settings, StoreError


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = ChromaServer(tmp_path_factory.mktemp("chroma")).start()
    yield srv
    srv.stop()


@pytest.fixture(params=["embedded", "server"])
def settings(request, tmp_path):
    if request.param == "embedded":
        return Settings(store_path=tmp_path / "store", collection=f"t{tmp_path.name[-8:]}")
    srv = request.getfixturevalue("server")
    name = "s" + "".join(ch for ch in tmp_path.name if ch.isalnum())[-20:]
    return Settings(chroma_host="127.0.0.1", chroma_port=srv.port, collection=name)


def test_index_ask_reindex_and_sync(settings, embedder, tmp_path):
    folder = tmp_path / "news"
    shutil.copytree(SAMPLE, folder)
    bot = Assistant(settings, embedder=embedder)
    first = bot.index([folder], sync=True)
    assert len(first.added) == 2
    again = bot.index([folder], sync=True)
    assert (again.added, again.replaced, again.removed) == ((), (), ())
    answer = bot.ask("Which news outlet obtained a copy of Bremmer's subscriber email?")
    assert answer.answerable and "Vice News" in answer.answer
    assert_exact(bot, answer)
    # a second process (here: a second assistant) sees the same corpus and keyword index
    other = Assistant(settings, embedder=embedder)
    assert [a.source for a in other.articles()] == [a.source for a in bot.articles()]
    assert other.ask("Who is the Kremlin spokesman quoted about Musk's proposal?").answerable
    # sync: a deleted file is removed, a changed one replaced, a new one added
    files = sorted(folder.iterdir())
    files[0].unlink()
    files[1].write_text("Changed\n\nThe Oresund bridge closed on Sunday for repairs.", "utf-8")
    (folder / "new.txt").write_text("New\n\nThe Danube ferry resumed on Monday.", "utf-8")
    report = bot.index([folder], sync=True)
    assert report.removed == (str(files[0]),)
    assert report.replaced == (str(files[1]),)
    assert report.added == (str(folder / "new.txt"),)
    assert sorted(a.source for a in bot.articles()) == sorted(
        [str(files[1]), str(folder / "new.txt")]
    )
    assert {c.source for c in bot.store.all_chunks()} == {str(files[1]), str(folder / "new.txt")}


def test_server_stops_and_comes_back(embedder, tmp_path):
    srv = ChromaServer(tmp_path / "chroma").start()
    try:
        settings = Settings(chroma_host="127.0.0.1", chroma_port=srv.port, store_refresh_seconds=0)
        bot = Assistant(settings, embedder=embedder)
        bot.index([SAMPLE])
        assert bot.ask("Who is Ian Bremmer?").answerable
        srv.stop()
        with pytest.raises(StoreError, match="unavailable"):
            bot.ask("What did Musk propose for Taiwan?")
        srv.start()
        answer = bot.ask("What did Musk propose for Taiwan?")  # no restart of the assistant
        assert answer.answerable and "Taiwan" in answer.answer
    finally:
        srv.stop()


def test_unreachable_server_is_a_clear_error(embedder):
    from chroma_server import free_port

    with pytest.raises(StoreError, match=r"Chroma server 127\.0\.0\.1"):
        Assistant(Settings(chroma_host="127.0.0.1", chroma_port=free_port()), embedder=embedder)


def test_corrupt_store_folder_says_what_to_do(embedder, tmp_path):
    store = tmp_path / "store"
    store.mkdir()
    (store / "chroma.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError) as caught:
        Assistant(Settings(store_path=store), embedder=embedder)
    assert "move it away" in str(caught.value) or "re-index" in str(caught.value)


def test_records_are_reread_only_when_another_writer_changed_them(tmp_path):
    """Readers check one revision record; all article records are re-read only after another
    process's write, so a large store costs nothing to keep fresh (and indexing is linear)."""
    import numpy as np

    from index.chroma_store import ChromaStore
    from index.chunker import chunk_article
    from index.records import Article

    def put(store: ChromaStore, n: int) -> None:
        article = Article(f"a{n}.txt", "T", f"Article number {n} says something new today.")
        chunks = chunk_article(article, 600, 1)
        store.put_article(article, chunks, np.ones((len(chunks), 4), dtype=np.float32))

    ours = ChromaStore(tmp_path / "store", refresh_seconds=0)
    other = ChromaStore(tmp_path / "store", refresh_seconds=0)
    full_reads = []
    get = ours._articles.get
    ours._articles.get = lambda **kw: (
        (full_reads.append(kw) if "ids" not in kw else None) or get(**kw)
    )
    for n in range(5):
        put(ours, n)
        assert ours.article_sha(f"a{n}.txt") is not None
    before = ours.revision()
    assert len(full_reads) <= 1  # the first read only
    other.remove_article("a0.txt")
    put(other, 9)
    assert ours.article_sha("a0.txt") is None and ours.article_sha("a9.txt") is not None
    assert ours.revision() != before and len(full_reads) == 2


def test_a_removal_interrupted_after_its_commit_stays_removed(tmp_path, embedder):
    """The tombstone and the stamp are written together: a crash before the chunks are deleted
    leaves the article removed for every reader, and the next index run sweeps the rest."""
    from index.errors import StoreError

    store = tmp_path / "store"
    bot = Assistant(Settings(store_path=store, store_refresh_seconds=0), embedder=embedder)
    bot.index([SAMPLE])
    victim = bot.articles()[0].source
    delete = bot.store._chunks.delete

    def crash(**kwargs):
        raise StoreError("power cut")

    bot.store._chunks.delete = crash
    with pytest.raises(StoreError):
        bot.store.remove_article(victim)
    bot.store._chunks.delete = delete
    reader = Assistant(Settings(store_path=store, store_refresh_seconds=0), embedder=embedder)
    assert victim not in [a.source for a in reader.articles()]
    assert all(c.source != victim for c in reader.store.all_chunks())
    assert reader.store.article_record(victim) is None
    reader.store.sweep()
    left = reader.store._articles.get(include=["metadatas"])["metadatas"]
    assert not [m for m in left if m.get("removed")]
