"""The chunk catalogue saved beside an embedded store: a fresh process maps it instead of reading
every chunk back, a change reads only the changed articles and adds a segment, BM25 scores are
bm25s's, and a damaged save is rebuilt."""

from __future__ import annotations

import bm25s
import numpy as np
from conftest import SAMPLE

from assistant import Assistant, Settings
from index.catalogue import ChunkCatalogue
from index.catalogue_files import FOLDER, MANIFEST
from index.terms import terms


def _bot(store, embedder) -> Assistant:
    return Assistant(Settings(store_path=store, store_refresh_seconds=0), embedder=embedder)


def test_saved_loaded_updated_and_rebuilt(tmp_path, embedder):
    store = tmp_path / "store"
    first = _bot(store, embedder)
    first.index([SAMPLE])
    question = "What did Musk's plan say about Crimea?"
    expected = first.ask(question).answer
    folder = store / "assistant-cache" / FOLDER
    assert (folder / MANIFEST).exists()
    assert [p.suffix for p in folder.glob("seg-*/ids.npy")] == [".npy"]

    fresh = _bot(store, embedder)
    reads = []
    fresh.store.all_chunks = lambda: reads.append("all") or []  # must not be needed
    fresh.store.chunks_of = lambda sources: reads.append(list(sources)) or []
    # nor every article record: the saved view matches the store's stamp
    fresh.store._articles.get = _counting(fresh.store._articles.get, reads)
    assert fresh.ask(question).answer == expected
    assert "all" not in reads and not any(isinstance(r, list) for r in reads)
    assert "every record" not in reads
    assert len(fresh.corpus.chunks) == len(first.corpus.chunks)
    assert isinstance(fresh.corpus.catalogue.state.segments[0].arrays["text_bytes"], np.memmap)

    note = tmp_path / "note.txt"
    note.write_text("The harbour reopened on Monday after the storm, officials said.", "utf-8")
    asked: list[list[str]] = []
    chunks_of = first.store.chunks_of
    first.store.chunks_of = lambda sources: asked.append(list(sources)) or chunks_of(sources)
    first.index([note])
    assert asked == [[str(note)]]  # only the new article is read back
    assert "harbour reopened" in first.ask("When did the harbour reopen?").answer
    assert len(first.corpus.catalogue.state.segments) == 2  # the new one beside the first

    (folder / MANIFEST).write_text("{not json", "utf-8")
    damaged = _bot(store, embedder)
    assert damaged.ask(question).answer == expected
    assert any(c.source == str(note) for c in damaged.corpus.chunks)
    assert "not json" not in (folder / MANIFEST).read_text("utf-8")  # rebuilt and saved again


def _counting(get, log):
    def counted(*args, **kwargs):
        if not kwargs.get("ids") and not kwargs.get("where"):
            log.append("every record")
        return get(*args, **kwargs)

    return counted


def test_bm25_scores_are_bm25s_scores_through_updates(sample_bot):
    """Scored at question time from term frequencies, the catalogue gives bm25s's scores
    (Lucene's formula), also after articles are added and removed in place."""
    sample_bot.corpus.refresh()
    chunks = list(sample_bot.corpus.chunks)
    half = len(chunks) // 2
    catalogue = ChunkCatalogue()
    by_source = {}
    for c in chunks:
        by_source.setdefault(c.source, []).append(c)

    def read(sources):
        return [c for s in sources for c in by_source[s]]

    a, b = sorted(by_source)
    catalogue.update("r1", {a: by_source[a][0].article_sha}, read)
    catalogue.update("r2", {a: by_source[a][0].article_sha, b: by_source[b][0].article_sha}, read)
    catalogue.update("r3", {b: by_source[b][0].article_sha}, read)  # a removed
    catalogue.update("r4", {a: by_source[a][0].article_sha, b: by_source[b][0].article_sha}, read)
    assert half and len(catalogue) == len(chunks)
    held = catalogue.chunks
    reference = bm25s.BM25()
    reference.index(
        bm25s.tokenization.Tokenized(
            ids=[[_vocab(t) for t in terms(c.text)] for c in held], vocab=dict(_VOCAB)
        ),
        show_progress=False,
    )
    for query in ("Putin Musk conversation", "Crimea referendum", "Starlink satellites"):
        want = reference.get_scores(
            [t for t in dict.fromkeys(terms(query)) if t in reference.vocab_dict]
        )
        got = {c.id: score for c, score in catalogue.search(query, len(held))}
        for chunk, score in zip(held, want, strict=True):
            assert abs(got.get(chunk.id, 0.0) - float(score)) < 1e-4


_VOCAB: dict[str, int] = {}


def _vocab(term: str) -> int:
    return _VOCAB.setdefault(term, len(_VOCAB))
