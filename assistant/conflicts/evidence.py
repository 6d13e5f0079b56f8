"""Conflicts for one answer (among its evidence) and for the whole corpus, with citations."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from assistant.claims import Claim
from assistant.conflicts import ArticleText, ConflictDetector, rank
from assistant.extractive import ArticleView, cite
from assistant.records import Citation, Conflict
from index.records import Chunk, Span
from index.retrieval import ScoredSentence
from index.units import UnitVectors, sentence_text


def claim_of(source: str, span: Span, text: str, vector: np.ndarray, view: ArticleView) -> Claim:
    start = view.text.rfind("\n", 0, span.start) + 1
    end = view.text.find("\n", span.end)
    return Claim(
        source=source,
        span=span,
        text=text,
        vector=vector,
        title=view.title,
        published=view.published,
        paragraph=view.text[start : end if end >= 0 else len(view.text)],
        paragraph_start=start,
    )


RELEVANT = 0.3  # cosine between each side of a conflict and the question, to be shown with it


def answer_conflicts(
    query: np.ndarray,
    detector: ConflictDetector,
    evidence: list[ScoredSentence],
    partners: list[Chunk],
    partner_vectors: dict[str, UnitVectors],
    embed: Callable[[list[str]], np.ndarray],
    article: Callable[[str], ArticleView],
    spelled: list[Conflict],
    limit: int,
) -> list[Conflict]:
    """Conflicts between the answer's evidence and the sentences of `partners` (the chunks
    nearest to that evidence), plus `spelled`: the name spellings the answer or question uses.
    `partner_vectors` are the partners' sentence vectors, by chunk id."""
    claims = [claim_of(s.source, s.span, s.text, s.vector, article(s.source)) for s in evidence]
    taken = {(c.source, c.span.start) for c in claims}
    for chunk in partners:
        vectors = partner_vectors[chunk.id].sentences
        for span, vector in zip(chunk.sentences, vectors, strict=True):
            if (chunk.source, span.start) not in taken:
                taken.add((chunk.source, span.start))
                text = sentence_text(chunk, span)
                claims.append(claim_of(chunk.source, span, text, vector, article(chunk.source)))
    found = detector.detect(claims, range(len(evidence)))
    # A cited sentence may carry a disputed claim in passing ("X, who heads Y, claimed Z"):
    # show a disagreement only when both of its sides bear on the question.
    if found:
        known = {(c.source, c.span.start, c.span.end): c.vector for c in claims}
        sides = [s for c in found for s in c.sides]
        fresh = [s.quote for s in sides if (s.source, s.start, s.end) not in known]
        made = dict(zip(fresh, embed(fresh), strict=True)) if fresh else {}
        sims = [
            float(known.get((s.source, s.start, s.end), made.get(s.quote)) @ query) for s in sides
        ]
        found = [c for i, c in enumerate(found) if min(sims[2 * i : 2 * i + 2]) >= RELEVANT]
    return rank(found + spelled)[:limit]


def cite_conflicts(
    conflicts: list[Conflict], citations: list[Citation], article: Callable[[str], ArticleView]
) -> tuple[list[Conflict], list[Citation], list[str]]:
    """Give each side a citation (reusing one that covers it) and write the answer lines."""
    citations = list(citations)
    cited, lines = [], []
    for conflict in conflicts:
        sides = []
        for side in conflict.sides:
            match = next(
                (
                    c
                    for c in citations
                    if c.source == side.source and c.start <= side.start and side.end <= c.end
                ),
                None,
            )
            if match is None:
                span = Span(side.start, side.end)
                match = cite(len(citations) + 1, side.source, span, article(side.source))
                citations.append(match)
            sides.append(dataclasses.replace(side, citation=match.id))
        cited.append(dataclasses.replace(conflict, sides=(sides[0], sides[1])))
        lines.append(
            f"Sources disagree: {conflict.summary} [{sides[0].citation}] vs [{sides[1].citation}]"
        )
    return cited, citations, lines


def corpus_claims(
    chunks: list[Chunk],
    vectors: dict[str, UnitVectors],
    article: Callable[[str], ArticleView],
) -> tuple[list[Claim], list[ArticleText]]:
    """Every sentence of `chunks` as a claim; `vectors` are their sentence vectors by chunk id."""
    sentences: dict[tuple[str, int], tuple[str, Span, str, np.ndarray]] = {}
    for chunk in chunks:
        for span, vector in zip(chunk.sentences, vectors[chunk.id].sentences, strict=True):
            text = sentence_text(chunk, span)
            sentences.setdefault((chunk.source, span.start), (chunk.source, span, text, vector))
    items = sorted(sentences.values(), key=lambda t: (t[0], t[1].start))
    claims = [claim_of(src, span, text, vec, article(src)) for src, span, text, vec in items]
    texts = []
    for source in sorted({src for src, _, _, _ in items}):
        view = article(source)
        spans = tuple(c.span for c in claims if c.source == source)
        texts.append(ArticleText(source, view.title, view.published, view.text, spans))
    return claims, texts
