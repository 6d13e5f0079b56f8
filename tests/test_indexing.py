"""Indexing into real Chroma: idempotence, replacement, mixed folders, persistence."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import CNN

from assistant import Assistant, InputError, Settings
from index.records import Article


def _chunk_ids(bot):
    return sorted(c.id for c in bot.store.all_chunks())


def test_reindexing_the_same_files_adds_nothing(memory_bot, sample_copy):
    first = memory_bot.index([sample_copy])
    assert len(first.added) == 2 and first.chunks_added > 0
    ids = _chunk_ids(memory_bot)
    second = memory_bot.index([sample_copy])
    assert second.added == () and second.replaced == () and len(second.unchanged) == 2
    assert second.chunks_added == 0
    assert _chunk_ids(memory_bot) == ids


def test_changed_file_replaces_its_chunks(memory_bot, sample_copy):
    memory_bot.index([sample_copy])
    path = sample_copy / CNN
    before = {c.id for c in memory_bot.store.all_chunks() if c.source == str(path)}
    path.write_text(
        "Musk changes course\n\nElon Musk said on Friday that he will build a bridge to Mars.",
        encoding="utf-8",
    )
    report = memory_bot.index([sample_copy])
    assert report.replaced == (str(path),)
    after = [c for c in memory_bot.store.all_chunks() if c.source == str(path)]
    assert after and not ({c.id for c in after} & before)
    assert all("Bremer" not in c.text for c in after)
    answer = memory_bot.ask("What will Musk build to Mars?")
    assert answer.answerable and any(c.source == str(path) for c in answer.citations)


def test_mixed_folder_indexes_the_good_files(memory_bot, tmp_path):
    (tmp_path / "good.txt").write_text("Good news\n\nThe harbour reopened on Monday.", "utf-8")
    (tmp_path / "good.md").write_text("# Markdown news\n\nThe bridge closed.", "utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "latin.txt").write_bytes("d\u00e9j\u00e0 vu".encode("latin-1"))
    (tmp_path / "broken.json").write_text("{", "utf-8")
    report = memory_bot.index([tmp_path])
    assert sorted(a.rsplit("/", 1)[-1] for a in report.added) == ["good.md", "good.txt"]
    reasons = {s.path.rsplit("/", 1)[-1]: s.reason for s in report.skipped}
    assert set(reasons) == {"empty.txt", "bin.txt", "latin.txt", "broken.json"}
    assert "binary" in reasons["bin.txt"] and "UTF-8" in reasons["latin.txt"]
    assert {a.title for a in memory_bot.articles()} == {"Good news", "Markdown news"}


def test_add_document_and_remove(memory_bot):
    memory_bot.add_document("Port news\n\nThe port of Gdansk handled 5 million tonnes.", "port")
    answer = memory_bot.ask("How much did the port of Gdansk handle?")
    assert answer.answerable and answer.citations[0].source == "port"
    assert answer.citations[0].quote == "The port of Gdansk handled 5 million tonnes."
    assert memory_bot.remove("port") is True
    assert memory_bot.articles() == [] and memory_bot.store.all_chunks() == []
    with pytest.raises(InputError):
        memory_bot.add_document("   ", "blank")


def test_persistent_store_survives_reopening(tmp_path, embedder, sample_copy):
    settings = Settings(store_path=tmp_path / "store")
    Assistant(settings, embedder=embedder).index([sample_copy])
    reopened = Assistant(settings, embedder=embedder)
    assert len(reopened.articles()) == 2
    answer = reopened.ask("Which news outlet obtained a copy of Bremmer's subscriber email?")
    assert answer.answerable and "Vice News" in answer.answer


def test_half_written_new_version_stays_invisible(memory_bot, embedder):
    """Chunks written before the article record is swapped (a crash) are never served."""
    old = Article("a.txt", "A", "The mayor opened the new library on Monday morning.")
    memory_bot.add_document(old.text, old.source)
    new = Article("a.txt", "A", "The mayor closed the old swimming pool on Friday evening.")
    from index.chunker import chunk_article

    chunks = chunk_article(new)
    vectors = embedder.embed([c.text for c in chunks])
    # simulate a crash after the chunk write: a writing run's lease record, gone stale, and
    # its chunks, but no commit
    memory_bot.store._articles.upsert(
        ids=["lease-crashed"],
        embeddings=[[1.0]],
        documents=[""],
        metadatas=[{"kind": "lease", "host": "elsewhere", "pid": 1, "expires": 0.0}],
    )
    memory_bot.store._chunks.upsert(
        ids=[c.id for c in chunks],
        embeddings=vectors,
        documents=[c.text for c in chunks],
        metadatas=[
            {
                "lease": "crashed",
                "source": c.source,
                "sha": c.article_sha,
                "start": c.start,
                "end": c.end,
                "sentences": f"[[{c.start}, {c.end}]]",
            }
            for c in chunks
        ],
    )
    served = [c.text for c in memory_bot.store.all_chunks()]
    assert served == [old.text]
    hits = memory_bot.store.search(np.asarray(vectors[0]), 5)
    assert [h.chunk.text for h in hits] == [old.text]
    assert memory_bot.store.sweep() == 1  # the orphan is swept on the next run
    assert memory_bot.store.sweep() == 0  # and the stale lease with it
