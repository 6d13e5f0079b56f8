"""How well each sentence answers the question: the ranking score, and the confidence that
decides between answering and "the articles do not say". Both are here, so every weight of
answer ranking is in one place.

The learned answer scorer (`scorer.py`, a cross-encoder trained on SQuAD) is the main signal of
both. A handful of weights combine it with the signals that still earn their place on
cross-validation (bench/crossval.py fits them over story clusters).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from assistant.answer.scorer import AnswerScorer
from assistant.answer.scorer_input import candidate_text
from assistant.answer.shapes import shape_found
from assistant.answer.types import FIGURE_TYPES, AnswerType, expected_type, is_yes_no, values
from assistant.names import SPELLING_VARIANT, question_names
from assistant.retrieve.retriever import RetrievedChunk
from index.chunker import sentence_at
from index.records import Chunk, Span
from index.terms import one_edit, terms
from index.units import UnitVectors, sentence_text

# The ranking score: meaning, the question's words in the sentence and around it, chunk rank.
_DENSE, _COVERAGE, _CONTEXT, _RANK_STEP = 0.55, 0.35, 0.1, 0.01
_ECHO = 1.0  # taken off a sentence that only echoes the question: it cannot answer it
_NEW_WORDS = 2  # words beyond the question's a sentence needs not to be an echo
# Confidence: the same signals, weighed for "does it answer at all" rather than "which first".
_C_DENSE, _C_COVERAGE, _C_CONTEXT = 0.5, 0.3, 0.2
_NO_SHAPE = 0.75  # factor when the sentence lacks the kind of answer asked for
# Added to a sentence that states a value of the type the question asks for (a figure for
# "how many", a name for "who") and, halved, taken off one that states none. Fitted by
# cross-validation over story clusters (bench/crossval.py); 0 switches it off.
TYPE_WEIGHT = 0.0
# For a figure question ("how many", "how much", "what share"), whether a sentence must state a
# figure of that kind (a count for "how many", not a share or a distance; not the question's
# own figure, nor a date) to escape the no-shape factor, rather than any number at all. Fitted
# the same way; False: any number will do.
TYPED_SHAPE = True
# The ranking: the learned probability, plus these shares of the sentence's meaning (cosine to
# the question) and of the hand-weighted score used before the learned scorer. Fitted by
# cross-validation over story clusters (bench/crossval.py).
DENSE_WEIGHT = 0.6
HAND_WEIGHT = 0.5
# The confidence: this share of the hand-weighted confidence, the rest the learned scorer's
# calibrated probability. Fitted the same way.
CONF_MIX = 0.5


@dataclass(frozen=True, eq=False)  # identity: it holds a numpy vector
class ScoredSentence:
    source: str
    span: Span
    text: str
    chunk_rank: int
    dense: float  # cosine similarity to the question
    coverage: float  # idf-weighted share of the question's terms found in the sentence
    context_coverage: float  # the same, over the sentence and its neighbours
    entity_coverage: float  # share of the question's names found in its passage or headline
    shape_found: bool  # holds the kind of answer asked for (a time for "when", ...)
    typed: bool | None  # states a value of the type asked for; None: no type is asked for
    score: float
    vector: np.ndarray
    asked: AnswerType | None = None  # the type the question asks for, if any
    hand: float = 0.0  # the hand-weighted ranking score of before the learned scorer
    logit: float = 0.0  # the learned scorer's: above 0, more likely to answer than not
    answerable: float = 0.5  # ... calibrated: P(it answers), fitted on SQuAD 2.0


def ranking(s: ScoredSentence) -> float:
    """The score sentences are ranked by: the learned scorer first."""
    typed = 0.0 if s.typed is None else (TYPE_WEIGHT if s.typed else -TYPE_WEIGHT / 2)
    learned = 1.0 / (1.0 + math.exp(-s.logit))
    return learned + DENSE_WEIGHT * s.dense + HAND_WEIGHT * s.hand + typed


def reranked(scored: list[ScoredSentence]) -> list[ScoredSentence]:
    """`scored` with the score of the current weights, best first."""
    out = [replace(s, score=ranking(s)) for s in scored]
    out.sort(key=lambda s: (-s.score, s.source, s.span.start))
    return out


def confidence(s: ScoredSentence) -> float:
    """How sure we are that a sentence answers the question (0..1, roughly)."""
    return (1.0 - CONF_MIX) * s.answerable + CONF_MIX * hand_confidence(s)


def hand_confidence(s: ScoredSentence) -> float:
    """The hand-weighted confidence: a sentence that misses a name the question asks about,
    or the kind of answer it asks for (no number for "how many"), is unlikely to answer it."""
    base = _C_DENSE * s.dense + _C_COVERAGE * s.coverage + _C_CONTEXT * s.context_coverage
    return base * (0.5 + 0.5 * s.entity_coverage) * (1.0 if s.shape_found else _NO_SHAPE)


def score_sentences(
    question: str,
    vector: np.ndarray,
    retrieved: list[RetrievedChunk],
    units: dict[str, UnitVectors],
    idf: Callable[[str], float],
    scorer: AnswerScorer,
    title: Callable[[str], str] = lambda source: "",
    text_of: Callable[[str], str] | None = None,
) -> list[ScoredSentence]:
    """Every distinct sentence of the retrieved chunks, best first. `units` holds the chunks'
    sentence vectors by chunk id; `idf` weighs the question's terms; `title` gives an
    article's headline by source, `text_of` its text (for the sentence before a chunk's
    first)."""
    seen: dict[tuple[str, int], tuple[Chunk, int, int]] = {}
    for item in retrieved:
        for i, span in enumerate(item.chunk.sentences):
            seen.setdefault((item.chunk.source, span.start), (item.chunk, i, item.rank))
    if not seen:
        return []
    entries = list(seen.values())
    texts = [sentence_text(chunk, chunk.sentences[i]) for chunk, i, _ in entries]
    chunk_sims = {c.id: units[c.id].similarities(vector) for c, _, _ in entries}
    vectors = [units[chunk.id].sentences[i] for chunk, i, _ in entries]
    sims = [chunk_sims[chunk.id][i] for chunk, i, _ in entries]
    question_terms = set(terms(question))
    names = question_names(question)
    kind = expected_type(question)
    yes_no = is_yes_no(question)
    weights = {t: idf(t) for t in question_terms}
    total = sum(weights.values()) or 1.0
    inputs = [
        candidate_text(text, title(chunk.source), _previous(chunk, i, text_of))
        for (chunk, i, _), text in zip(entries, texts, strict=True)
    ]
    logits = scorer.score(question, inputs)
    out = []
    chunk_terms: dict[str, set[str]] = {}
    for (chunk, i, rank), text, vec, sim, logit in zip(
        entries, texts, vectors, sims, logits, strict=True
    ):
        own = set(terms(text))
        lo, hi = max(0, i - 1), min(len(chunk.sentences), i + 2)
        near = set(terms(" ".join(sentence_text(chunk, s) for s in chunk.sentences[lo:hi])))
        coverage = sum(w for t, w in weights.items() if t in own) / total
        context = sum(w for t, w in weights.items() if t in near) / total
        # The question's names are looked for in the whole passage and its headline: the
        # sentence that holds the answer often leaves the story's names ("the Baftas") to the
        # sentences around it, and a later passage to the headline ("ID cards bill passed").
        if chunk.id not in chunk_terms:
            chunk_terms[chunk.id] = set(terms(chunk.text)) | set(terms(title(chunk.source)))
        entities = _found_share(names, chunk_terms[chunk.id])
        hand = _DENSE * float(sim) + _COVERAGE * coverage + _CONTEXT * context - _RANK_STEP * rank
        typed = bool(values(text, question, kind)) if kind is not None else None
        if typed is not None and TYPE_WEIGHT:
            hand += TYPE_WEIGHT if typed else -TYPE_WEIGHT / 2
        # No echo when it adds the value asked for ("Grabinoulor appeared in 1919") or when the
        # question asks whether what it echoes is so: "Was he born in 1213?" - "He was born...".
        if len(own - question_terms) < _NEW_WORDS and not typed and not yes_no:
            hand -= _ECHO
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
                shape_found=typed
                if TYPED_SHAPE and kind in FIGURE_TYPES
                else shape_found(question, text),
                typed=typed,
                score=0.0,  # set by `reranked`, from the weights of the moment
                vector=vec,
                asked=kind,
                hand=hand,
                logit=float(logit),
                answerable=scorer.answerable(float(logit)),
            )
        )
    return reranked(out)


def _previous(chunk: Chunk, i: int, text_of: Callable[[str], str] | None) -> str:
    """The sentence before the chunk's `i`th, from the article when it opens the chunk."""
    if i > 0:
        return sentence_text(chunk, chunk.sentences[i - 1])
    if text_of is None or chunk.start == 0:
        return ""
    text = text_of(chunk.source)
    before = text[: chunk.sentences[0].start].rstrip()
    span = sentence_at(text, len(before) - 1) if before else None
    return text[span.start : span.end] if span else ""


def _found_share(names: set[str], near: set[str]) -> float:
    """Share of `names` present in `near`, allowing one-letter spelling variants."""
    if not names:
        return 1.0
    found = sum(
        1
        for name in names
        if name in near
        or (
            len(name) >= SPELLING_VARIANT
            and any(one_edit(name, t) for t in near if abs(len(t) - len(name)) <= 1)
        )
    )
    return found / len(names)
