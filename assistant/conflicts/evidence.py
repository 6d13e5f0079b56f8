"""Conflicts for one answer: between its evidence and the sentences near it, each side given a
citation."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from assistant.conflicts.claims import claim_of, sentence_claims
from assistant.conflicts.detector import ConflictDetector
from assistant.conflicts.kinds import rank
from assistant.records import Citation, Conflict, cite
from index.records import Chunk, Span
from index.units import UnitVectors
from index.views import ArticleView

if TYPE_CHECKING:
    from assistant.answer.scoring import ScoredSentence

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
    claims += sentence_claims(partners, partner_vectors, article, taken)
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
