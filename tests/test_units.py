"""Sentence vectors stored at index time: exact round trip, used by `ask` instead of embedding
again, and a graceful fallback for chunks stored without them."""

from __future__ import annotations

import numpy as np
from conftest import SAMPLE
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from assistant import Assistant, Settings
from index.chunker import chunk_article
from index.records import Article
from index.units import UnitVectors, chunk_units, clauses


def _unit_rows(rows: int) -> st.SearchStrategy[np.ndarray]:
    values = st.floats(-1, 1, allow_nan=False, width=32)
    return arrays(np.float32, (rows, 384), elements=values).filter(
        lambda a: bool((np.abs(a).max(axis=1) > 1e-3).all())
    )


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 6).flatmap(lambda n: st.tuples(st.just(n), _unit_rows(n))))
def test_pack_round_trip_keeps_cosines(case):
    rows, raw = case
    vectors = raw / np.linalg.norm(raw, axis=1, keepdims=True)
    owners = tuple(range(rows))
    back = UnitVectors.unpack(UnitVectors(vectors, owners).pack(), owners)
    assert back.owners == owners
    np.testing.assert_allclose(np.linalg.norm(back.vectors, axis=1), 1.0, atol=1e-5)
    # Rounding moves each component by at most max|v| / 254, so the error's norm is at most
    # e = sqrt(384) * max|v| / 254 and the cosine at least sqrt(1 - e^2) (0.997 at worst).
    error = np.sqrt(vectors.shape[1]) * np.abs(vectors).max(axis=1) / 254
    cosines = (back.vectors * vectors).sum(axis=1)
    assert (cosines >= np.sqrt(1 - error**2) - 1e-6).all()


def test_pack_keeps_real_sentence_vectors_close(embedder):
    texts = [
        s.strip()
        for s in SAMPLE.joinpath(sorted(p.name for p in SAMPLE.iterdir())[0])
        .read_text("utf-8")
        .split(". ")
        if len(s.strip()) > 20
    ][:40]
    vectors = embedder.embed(texts)
    owners = tuple(range(len(texts)))
    back = UnitVectors.unpack(UnitVectors(vectors, owners).pack(), owners)
    assert (back.vectors * vectors).sum(axis=1).min() > 0.999


def test_similarity_takes_the_best_clause():
    eye = np.eye(4, dtype=np.float32)
    # two sentences (rows 0, 1), then two clauses of sentence 0 (rows 2, 3)
    units = UnitVectors(eye, (0, 1, 0, 0))
    assert len(units.sentences) == 2
    np.testing.assert_allclose(units.similarities(eye[3]), [1.0, 0.0])
    np.testing.assert_allclose(units.similarities(eye[1]), [0.0, 1.0])
    chunk = units.chunk_vector([3, 1])
    np.testing.assert_allclose(chunk, np.array([3, 1, 0, 0]) / np.sqrt(10), atol=1e-6)


def test_units_cover_every_sentence_and_long_clause():
    text = (
        "The council met in the town hall today. "
        "The minister, who spoke after a long meeting with regional governors on Tuesday, said "
        "that the budget would be cut by a fifth, that hospitals would be spared, and that "
        "schools would wait until the spring for their new money."
    )
    chunk = chunk_article(Article("a.txt", "A", text), 600, 1)[0]
    units = chunk_units(chunk)
    assert units.texts[: len(chunk.sentences)] == tuple(s.of(text) for s in chunk.sentences)
    assert len(clauses(units.texts[1])) >= 2
    assert units.owners[len(chunk.sentences) :] == (1,) * (len(units.texts) - 2)


class CountingEmbedder:
    """The real model, counting the texts it is asked to embed."""

    def __init__(self, inner):
        self.inner, self.name, self.dimension, self.texts = inner, inner.name, inner.dimension, 0
        self.fingerprint = inner.fingerprint

    def embed(self, texts):
        self.texts += len(texts)
        return self.inner.embed(texts)

    def embed_cached(self, texts):
        return self.embed(texts)


def test_ask_embeds_only_the_question(embedder):
    counting = CountingEmbedder(embedder)
    bot = Assistant(Settings(store_path=None), embedder=counting)
    bot.index([SAMPLE])
    bot.conflicts()  # corpus-wide: from the stored vectors too
    counting.texts = 0
    answer = bot.ask("What did Musk's plan say about Crimea?")
    assert answer.answerable and answer.citations
    # the question, plus at most the quotes of conflict sides narrower than a sentence
    assert counting.texts <= 1 + 2 * len(answer.conflicts)


def test_chunks_stored_without_vectors_still_answer(embedder):
    """A store written before sentence vectors were kept: they are embedded at question time,
    and the answers are the same."""
    with_units = Assistant(Settings(store_path=None), embedder=embedder)
    with_units.index([SAMPLE])
    bare = Assistant(Settings(store_path=None), embedder=embedder)
    put = bare.store.put_article
    bare.store.put_article = lambda article, chunks, vectors, units=None: put(
        article, chunks, vectors
    )
    bare.index([SAMPLE])
    some = bare.store.all_chunks()[:3]
    assert bare.store.unit_vectors([c.id for c in some]) == {}
    for question in ("Who is Ian Bremmer?", "What did Musk's plan say about Crimea?"):
        assert bare.ask(question).answer == with_units.ask(question).answer
