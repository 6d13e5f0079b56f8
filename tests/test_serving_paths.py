"""What a server over a large corpus relies on: dense hits by id with texts from memory, article
texts read in bulk and kept within a bound, per-article names saved beside the store, and a
`prepare()` after which questions read nothing more than their own chunks."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import SAMPLE

from assistant import Assistant, Settings
from assistant.article_views import ArticleViews
from index.chunker import split_sentences
from index.errors import InputError, StoreError


def _bot(store, embedder) -> Assistant:
    return Assistant(Settings(store_path=store, store_refresh_seconds=0), embedder=embedder)


class _Counting:
    """Counts the bulk reads of a store and passes them on."""

    def __init__(self, store):
        self.store, self.calls = store, 0

    def article_sha(self, source):
        return self.store.article_sha(source)

    def article_record(self, source):
        self.calls += 1
        return self.store.article_record(source)

    def article_records(self, sources):
        self.calls += 1
        return self.store.article_records(sources)


def test_article_views_bulk_bounded_and_checked(sample_bot):
    sources = [a.source for a in sample_bot.articles()]
    store = _Counting(sample_bot.store)
    views = ArticleViews(store, kept=1)
    read = views.read([*sources, "never-indexed.txt"])
    assert sorted(read) == sorted(sources) and store.calls == 1  # one bulk read, unknown absent
    for source in sources:
        assert read[source] == sample_bot.article(source)
    store.calls = 0
    for source in sources:
        views.get(source)
        before = store.calls
        assert views.get(source) == read[source] and store.calls == before  # kept
    assert store.calls >= len(sources) - 1  # only one is kept: the others were read again
    with pytest.raises(InputError, match="never-indexed"):
        views.get("never-indexed.txt")
    with pytest.raises(ValueError, match="0"):
        ArticleViews(sample_bot.store, kept=0)

    class Tampered(_Counting):
        def article_records(self, sources):
            for source, meta, text in self.store.article_records(sources):
                yield source, meta, text + " (altered)"

    with pytest.raises(StoreError, match="does not match its hash"):
        ArticleViews(Tampered(sample_bot.store)).read(sources)


def test_keyword_index_serves_chunks_and_sentences(sample_bot):
    sample_bot.retriever.refresh()
    for chunk in sample_bot.keyword.chunks[:20]:
        assert sample_bot.keyword.chunk(chunk.id) == chunk
    assert sample_bot.keyword.chunk("no-such-id") is None
    for info in sample_bot.articles():
        text = sample_bot.article(info.source).text
        spans = sample_bot.keyword.sentences(info.source, info.sha256)
        assert list(spans) == split_sentences(text, sample_bot.settings.chunk_chars)
        assert sample_bot.keyword.sentences(info.source, "0" * 64) == ()


def test_dense_ids_resolve_to_the_stores_current_chunks(tmp_path, embedder, sample_copy):
    bot = _bot(tmp_path / "store", embedder)
    bot.index([sample_copy])
    vector = embedder.embed(["Who proposed a peace plan for Ukraine?"])[0]
    expected = [h.chunk for h in bot.store.search(vector, bot.settings.candidates)]
    bot.retriever.refresh()
    assert bot.retriever._dense(vector) == expected

    # chunks the keyword index does not hold are read from the store
    bot.keyword.chunk = lambda cid: None
    assert bot.retriever._dense(vector) == expected

    # a replaced article's old chunks are never returned, even by a stale keyword index
    stale = _bot(tmp_path / "store", embedder)
    stale.retriever.refresh()
    first = sorted(sample_copy.iterdir())[0]
    old = {c.id for c in stale.keyword.chunks if c.source == str(first)}
    first.write_text(first.read_text("utf-8") + "\n\nA late correction was added.", "utf-8")
    bot.index([sample_copy])
    stale.store.invalidate()
    stale.retriever.refresh = lambda: None  # keep the old keyword index, which holds them
    nearest = stale.store.nearest  # and a search that still finds them (a write in flight)
    stale.store.nearest = lambda v, k: [(cid, 0.99) for cid in sorted(old)] + nearest(v, k)
    dense = stale.retriever._dense(vector)
    assert dense and not old & {c.id for c in dense}


def test_names_saved_by_index_and_loaded_by_a_fresh_process(tmp_path, embedder):
    store = tmp_path / "store"
    first = _bot(store, embedder)
    first.index([SAMPLE])
    saved = store / "assistant-cache" / "names-v1.json"
    assert saved.exists()
    pairs = first._spellings()
    assert pairs, "the sample spells a name two ways"

    fresh = _bot(store, embedder)
    reads = []
    fresh.store.article_records = lambda sources: reads.extend(sources) or iter(())
    assert fresh._spellings() == pairs and reads == []  # nothing read: the names were saved

    saved.write_text('{"format": 1, "names": [["x", 3', "utf-8")
    damaged = _bot(store, embedder)
    assert damaged._spellings() == pairs  # recomputed from the articles
    assert json.loads(saved.read_text("utf-8"))["format"] == 1  # and saved again


def test_spelling_quotes_are_whole_sentences(sample_bot):
    sample_bot.retriever.refresh()  # quotes come from the keyword index's sentences
    pairs = sample_bot._spellings()
    for conflict in sample_bot._spelling_conflicts(pairs, sample_bot._views):
        for side in conflict.sides:
            text = sample_bot.article(side.source).text
            assert text[side.start : side.end] == side.quote
            spans = split_sentences(text, sample_bot.settings.chunk_chars)
            assert any((s.start, s.end) == (side.start, side.end) for s in spans)


def test_after_prepare_a_question_rebuilds_nothing(tmp_path, embedder, monkeypatch):
    store = tmp_path / "store"
    _bot(store, embedder).index([SAMPLE])
    bot = _bot(store, embedder)
    bot.prepare()

    def refuse(*_):
        raise AssertionError("whole-corpus work after prepare()")

    bot.store.all_chunks = refuse
    for loaded in ("index.keyword._load", "assistant.core.load_names"):  # loaded already
        monkeypatch.setattr(loaded, refuse)
    monkeypatch.setattr("assistant.core.article_names", refuse)
    monkeypatch.setattr("assistant.core.spelling_pairs", refuse)
    answer = bot.ask("How long has Bremmer been writing his newsletter?")
    assert answer.answerable and answer.citations
    assert any(c.kind == "name_spelling" for c in answer.conflicts)
    assert np.isfinite(answer.timings_ms["total"])
