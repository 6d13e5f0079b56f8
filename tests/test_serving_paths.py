"""What a server over a large corpus relies on: dense hits by id with texts from memory, article
texts read in bulk and kept within a bound, per-article names saved beside the store, and a
`prepare()` after which questions read nothing more than their own chunks."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import SAMPLE

from assistant import Assistant, ConfigError, Settings
from assistant.conflicts import spellings
from index.chunker import split_sentences
from index.errors import InputError, StoreError
from index.revisions import saved_path
from index.views import ArticleViews


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
    with pytest.raises(ConfigError, match="kept must be at least 1, got 0"):
        ArticleViews(sample_bot.store, kept=0)

    class Tampered(_Counting):
        def article_records(self, sources):
            for source, meta, text in self.store.article_records(sources):
                yield source, meta, text + " (altered)"

    with pytest.raises(StoreError, match="does not match its hash"):
        ArticleViews(Tampered(sample_bot.store)).read(sources)


def test_chunk_catalogue_serves_chunks_and_sentences(sample_bot):
    corpus = sample_bot.corpus
    corpus.refresh()
    for chunk in corpus.chunks[:20]:
        assert corpus.catalogue.chunk(chunk.id) == chunk
    assert corpus.catalogue.chunk("no-such-id") is None
    for info in sample_bot.articles():
        text = sample_bot.article(info.source).text
        spans = corpus.catalogue.sentences(info.source, info.sha256)
        assert list(spans) == split_sentences(text, corpus.chunk_chars)
        assert corpus.catalogue.sentences(info.source, "0" * 64) == ()


def test_dense_ids_resolve_to_the_stores_current_chunks(tmp_path, embedder, sample_copy):
    bot = _bot(tmp_path / "store", embedder)
    bot.index([sample_copy])
    vector = embedder.embed(["Who proposed a peace plan for Ukraine?"])[0]
    expected = [h.chunk for h in bot.store.search(vector, bot.settings.candidates)]
    bot.corpus.refresh()
    assert bot.retriever.dense_chunks(vector) == expected

    # chunks the catalogue does not hold are read from the store
    bot.corpus.catalogue.chunk = lambda cid: None
    assert bot.retriever.dense_chunks(vector) == expected

    # a replaced article's old chunks are never returned, even by a stale catalogue
    stale = _bot(tmp_path / "store", embedder)
    stale.corpus.refresh()
    first = sorted(sample_copy.iterdir())[0]
    old = {c.id for c in stale.corpus.chunks if c.source == str(first)}
    first.write_text(first.read_text("utf-8") + "\n\nA late correction was added.", "utf-8")
    bot.index([sample_copy])
    stale.store.invalidate()
    stale.corpus.refresh = lambda: None  # keep the old catalogue, which holds them
    nearest = stale.store.nearest  # and a search that still finds them (a write in flight)
    stale.store.nearest = lambda v, k: [(cid, 0.99) for cid in sorted(old)] + nearest(v, k)
    dense = stale.retriever.dense_chunks(vector)
    assert dense and not old & {c.id for c in dense}


def test_names_saved_by_index_and_loaded_by_a_fresh_process(tmp_path, embedder):
    store = tmp_path / "store"
    first = _bot(store, embedder)
    first.index([SAMPLE])
    saved = store / "assistant-cache" / spellings.FILE
    assert saved.exists()
    pairs = first.conflict_finder.spellings.pairs()
    assert pairs, "the sample spells a name two ways"

    fresh = _bot(store, embedder)
    reads = []
    fresh.store.article_records = lambda sources: reads.extend(sources) or iter(())
    # nothing read: the names were saved
    assert fresh.conflict_finder.spellings.pairs() == pairs and reads == []

    # the pairs of this revision are saved too: a fresh process does not work them out
    def refuse(*_):
        raise AssertionError("spelling pairs worked out again at the revision they were saved")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("assistant.conflicts.spellings.spelling_pairs", refuse)
        assert _bot(store, embedder).conflict_finder.spellings.pairs() == pairs

    saved.write_text('{"format": 1, "names": [["x", 3', "utf-8")
    saved_path(store / "assistant-cache", spellings.PAIRS).unlink()
    damaged = _bot(store, embedder)
    assert damaged.conflict_finder.spellings.pairs() == pairs  # recomputed from the articles
    assert json.loads(saved.read_text("utf-8"))["format"] == spellings.FORMAT  # and saved again


def test_spelling_quotes_are_whole_sentences(sample_bot):
    sample_bot.corpus.refresh()  # quotes come from the catalogue's sentences
    spellings = sample_bot.conflict_finder.spellings
    for conflict in spellings.conflicts(spellings.pairs(), sample_bot.corpus.read):
        for side in conflict.sides:
            text = sample_bot.article(side.source).text
            assert text[side.start : side.end] == side.quote
            spans = split_sentences(text, sample_bot.corpus.chunk_chars)
            assert any((s.start, s.end) == (side.start, side.end) for s in spans)


def test_after_prepare_a_question_rebuilds_nothing(tmp_path, embedder, monkeypatch):
    store = tmp_path / "store"
    _bot(store, embedder).index([SAMPLE])
    bot = _bot(store, embedder)
    bot.prepare()

    def refuse(*_):
        raise AssertionError("whole-corpus work after prepare()")

    bot.store.all_chunks = bot.store.chunks_of = refuse
    spellings = "assistant.conflicts.spellings"
    for loaded in ("index.catalogue_files.load", f"{spellings}.load_names"):  # loaded already
        monkeypatch.setattr(loaded, refuse)
    monkeypatch.setattr(f"{spellings}.article_names", refuse)
    monkeypatch.setattr(f"{spellings}.spelling_pairs", refuse)
    answer = bot.ask("How long has Bremmer been writing his newsletter?")
    assert answer.answerable and answer.citations
    assert any(c.kind == "name_spelling" for c in answer.conflicts)
    assert np.isfinite(answer.timings_ms["total"])
