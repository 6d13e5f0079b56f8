"""Hybrid retrieval: dense (Chroma) and BM25 candidates fused by reciprocal rank, then every
sentence of the best chunks scored against the question."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.embedder import Embedder
from index.keyword import KeywordIndex
from index.records import Chunk, Span
from index.store import Store
from index.terms import one_edit, terms
from index.units import UnitVectors, chunk_units, sentence_text

_RRF_K = 60  # the constant from Cormack et al. (2009); robust across collections


@dataclass(frozen=True)
class RetrievedChunk:
    chunk: Chunk
    score: float  # fused reciprocal-rank score
    rank: int


@dataclass(frozen=True, eq=False)  # identity: it holds a numpy vector
class ScoredSentence:
    source: str
    span: Span
    text: str
    chunk_rank: int
    dense: float  # cosine similarity to the question
    coverage: float  # idf-weighted share of the question's terms found in the sentence
    context_coverage: float  # the same, over the sentence and its neighbours
    entity_coverage: float  # share of the question's names found near the sentence
    shape_found: bool  # holds the kind of answer asked for (a time for "when", ...)
    score: float
    vector: np.ndarray


class HybridRetriever:
    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        keyword: KeywordIndex,
        candidates: int = 20,
        cache: Path | None = None,
    ):
        self.store, self.embedder, self.keyword = store, embedder, keyword
        self.candidates, self.cache = candidates, cache

    def refresh(self) -> None:
        self.keyword.ensure(self.store.revision(), self.store.all_chunks, self.cache)

    def retrieve(
        self, question: str, k: int, vector: np.ndarray | None = None
    ) -> list[RetrievedChunk]:
        self.refresh()
        if vector is None:
            vector = self.embedder.embed_cached([question])[0]
        fused: dict[str, float] = {}
        chunks: dict[str, Chunk] = {}
        for rank, chunk in enumerate(self._dense(vector)):
            fused[chunk.id] = fused.get(chunk.id, 0.0) + 1.0 / (_RRF_K + rank + 1)
            chunks[chunk.id] = chunk
        for rank, (chunk, _) in enumerate(self.keyword.search(question, self.candidates)):
            fused[chunk.id] = fused.get(chunk.id, 0.0) + 1.0 / (_RRF_K + rank + 1)
            chunks[chunk.id] = chunk
        order = sorted(fused, key=lambda cid: (-fused[cid], cid))[:k]
        return [RetrievedChunk(chunks[cid], fused[cid], i) for i, cid in enumerate(order)]

    def _dense(self, vector: np.ndarray) -> list[Chunk]:
        """The nearest chunks of current articles, nearest first. Their texts come from the
        keyword index (which holds every chunk), so the store is searched for ids alone;
        a chunk the index does not hold (it was refreshed before a change) is read."""
        # a few spare for chunks of a version being replaced
        hits = self.store.nearest(vector, self.candidates + 8)
        known = {cid: self.keyword.chunk(cid) for cid, _ in hits}
        read = self.store.chunks([cid for cid, chunk in known.items() if chunk is None])
        found = [known[cid] or read.get(cid) for cid, _ in hits]
        current = [c for c in found if c and self.store.article_sha(c.source) == c.article_sha]
        return current[: self.candidates]

    def unit_vectors(self, chunks: list[Chunk]) -> dict[str, UnitVectors]:
        """Sentence vectors of these chunks: stored at index time, or (for a store indexed
        before they were kept) embedded now."""
        found = self.store.unit_vectors([c.id for c in chunks])
        for chunk in chunks:
            stored = found.get(chunk.id)
            if stored is None or not stored.fits(len(chunk.sentences), self.embedder.dimension):
                units = chunk_units(chunk)
                found[chunk.id] = UnitVectors(
                    self.embedder.embed_cached(list(units.texts)), units.owners
                )
        return found

    def score_sentences(
        self, question: str, vector: np.ndarray, retrieved: list[RetrievedChunk]
    ) -> list[ScoredSentence]:
        """Every distinct sentence of the retrieved chunks, best first."""
        seen: dict[tuple[str, int], tuple[Chunk, int, int]] = {}
        for item in retrieved:
            for i, span in enumerate(item.chunk.sentences):
                seen.setdefault((item.chunk.source, span.start), (item.chunk, i, item.rank))
        if not seen:
            return []
        entries = list(seen.values())
        texts = [sentence_text(chunk, chunk.sentences[i]) for chunk, i, _ in entries]
        units = self.unit_vectors([item.chunk for item in retrieved])
        chunk_sims = {cid: u.similarities(vector) for cid, u in units.items()}
        vectors = [units[chunk.id].sentences[i] for chunk, i, _ in entries]
        sims = [chunk_sims[chunk.id][i] for chunk, i, _ in entries]
        question_terms = set(terms(question))
        names = question_names(question)
        weights = {t: self.keyword.idf(t) for t in question_terms}
        total = sum(weights.values()) or 1.0
        out = []
        for (chunk, i, rank), text, vec, sim in zip(entries, texts, vectors, sims, strict=True):
            own = set(terms(text))
            lo, hi = max(0, i - 1), min(len(chunk.sentences), i + 2)
            near = set(terms(" ".join(sentence_text(chunk, s) for s in chunk.sentences[lo:hi])))
            coverage = sum(w for t, w in weights.items() if t in own) / total
            context = sum(w for t, w in weights.items() if t in near) / total
            entities = _found_share(names, near)
            score = 0.55 * float(sim) + 0.35 * coverage + 0.1 * context - 0.01 * rank
            score += _shape_bonus(question, text)
            if "?" in text:
                score -= 0.3  # a headline question states nothing
            if len(own - question_terms) < 2:
                score -= 1.0  # it only echoes the question, so it cannot answer it
            out.append(
                ScoredSentence(
                    source=chunk.source,
                    span=chunk.sentences[i],
                    text=text,
                    chunk_rank=rank,
                    dense=float(sim),
                    coverage=coverage,
                    context_coverage=context,
                    entity_coverage=entities,
                    shape_found=shape_found(question, text),
                    score=score,
                    vector=vec,
                )
            )
        out.sort(key=lambda s: (-s.score, s.source, s.span.start))
        return out


_QUESTION_WORDS = frozenset(
    "what when where which who whom whose why how did does do is are was were can could "
    "should would will has have had according".split()
)


def question_names(question: str) -> set[str]:
    """Stems of the capitalised words of a question (its people, places, organisations)."""
    tokens = re.findall(r"\b[A-Z][\w’'-]+", question)
    return {t for tok in tokens if tok.lower() not in _QUESTION_WORDS for t in terms(tok)}


def _found_share(names: set[str], near: set[str]) -> float:
    """Share of `names` present in `near`, allowing one-letter spelling variants."""
    if not names:
        return 1.0
    found = sum(
        1
        for name in names
        if name in near
        or (len(name) >= 5 and any(one_edit(name, t) for t in near if abs(len(t) - len(name)) <= 1))
    )
    return found / len(names)


_WHEN = re.compile(r"^\s*(when|what (date|day|year|month|time))\b", re.I)
_HOW_MANY = re.compile(r"^\s*how (many|much|long|old)\b", re.I)
_WHO = re.compile(r"^\s*(who|whom|whose)\b", re.I)
_WHO_IS = re.compile(r"^\s*who (is|was|are|were)\b", re.I)
_WHERE = re.compile(r"^\s*where\b", re.I)
_PLACE = re.compile(r"\b(in|at|near|from) (the )?[A-Z][a-z]+")
_DEFINES = re.compile(
    r"\b(who is|who was|is an?|is the|was an?|was the)\b|, (the |an? )?(president|founder|"
    r"ceo|chief|head|director|leader|spokes(man|woman|person)|minister|ambassador|official|"
    r"member|chair(man|woman)?)\b",
    re.I,
)
_TIME = re.compile(
    r"\b(\d{4}|\d+ (days?|weeks?|months?|years?)|yesterday|today|last (week|month|year)|"
    r"(mon|tues|wednes|thurs|fri|satur|sun)day|january|february|march|april|may|june|july|"
    r"august|september|october|november|december|ago)\b",
    re.I,
)
_NUMBER = re.compile(
    r"\b\d[\d,.]*\b|\b(one|two|three|four|five|six|seven|eight|nine|ten|dozens?|hundreds?|thousands?|millions?)\b",
    re.I,
)
_NAME = re.compile(r"\b[A-Z][a-z]+ [A-Z][a-z]+\b")


def shape_found(question: str, sentence: str) -> bool:
    """Does the sentence hold the kind of answer the question asks for (when a time, how
    many a number)? True when the question asks for no particular kind."""
    if _WHEN.search(question):
        return bool(_TIME.search(sentence))
    if _HOW_MANY.search(question):
        return bool(_NUMBER.search(sentence))
    return True


def _shape_bonus(question: str, sentence: str) -> float:
    """A small push towards sentences of the shape the question asks for."""
    bonus = -0.3 if len(sentence.split()) < 6 else 0.0  # fragments, headlines, bylines
    return bonus + _question_type_bonus(question, sentence)


def _question_type_bonus(question: str, sentence: str) -> float:
    if _WHERE.search(question):
        return 0.06 if _PLACE.search(sentence) else -0.03
    if _WHO_IS.search(question):
        return 0.06 if _DEFINES.search(sentence) else 0.0
    if _WHEN.search(question) or _HOW_MANY.search(question):
        return 0.06 if shape_found(question, sentence) else -0.03
    if _WHO.search(question):
        return 0.03 if _NAME.search(sentence) else 0.0
    return 0.0
