"""The default answerer: extractive and deterministic.

It states the best-scoring sentences of the retrieved passages, each with an exact citation,
prefers statements that several articles make, and refuses when the evidence is weak.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from assistant.attribution import attributed
from assistant.records import Citation
from index.records import Span
from index.retrieval import ScoredSentence

NOT_ANSWERED = "The articles do not say. The closest passages are listed below."
# Every front end shows this same text, so it names the way in of each.
NOTHING_INDEXED = (
    "No articles are indexed yet, so there is nothing to answer from. Add some first: "
    "upload them in the Articles tab of the web chat, or run `assistant index PATH...`."
)
_DUPLICATE = 0.9  # cosine above which two sentences say the same thing
_CORROBORATES = 0.75  # ... and above which a sentence in another article backs a statement
_MARGIN = 0.12  # how far below the best a further sentence may score


@dataclass(frozen=True)
class ArticleView:
    title: str
    published: str | None
    text: str


@dataclass(frozen=True)
class Composed:
    text: str
    answerable: bool
    citations: tuple[Citation, ...]
    nearest: tuple[Citation, ...]
    cited: tuple[ScoredSentence, ...]  # every sentence the answer cites (conflicts look here)


def confidence(s: ScoredSentence) -> float:
    """How sure we are that a sentence answers the question (0..1, roughly).

    A sentence that misses a name the question asks about, or the kind of answer it asks
    for (no number for "how many"), is unlikely to answer it.
    """
    base = 0.5 * s.dense + 0.3 * s.coverage + 0.2 * s.context_coverage
    return base * (0.5 + 0.5 * s.entity_coverage) * (1.0 if s.shape_found else 0.75)


def compose(
    scored: list[ScoredSentence],
    article: Callable[[str], ArticleView],
    min_confidence: float,
    max_sentences: int,
) -> Composed:
    if not scored or confidence(scored[0]) < min_confidence:
        nearest = tuple(
            cite(i, s.source, s.span, article(s.source)) for i, s in enumerate(scored[:3], 1)
        )
        return Composed(NOT_ANSWERED, False, (), nearest, ())

    best = scored[0]
    chosen = [best]
    for s in scored[1:]:
        if len(chosen) >= max_sentences or s.score < best.score - _MARGIN:
            break
        if confidence(s) < min_confidence:
            continue
        # A near-copy adds nothing; one in another article backs a statement instead.
        limit = min(
            _DUPLICATE, *(_CORROBORATES if c.source != s.source else _DUPLICATE for c in chosen)
        )
        if _max_sim(s, chosen) < limit:
            chosen.append(s)

    citations: dict[tuple[str, int], Citation] = {}
    cited: list[ScoredSentence] = []
    statements = []
    for s in chosen:
        backing = [s, *_corroborating(s, scored, min_confidence)]
        markers = []
        for b in backing:
            key = (b.source, b.span.start)
            if key not in citations:
                citations[key] = cite(len(citations) + 1, b.source, b.span, article(b.source))
                cited.append(b)
            markers.append(f"[{citations[key].id}]")
        view = article(s.source)
        paragraphs, offset = _paragraphs_before(view.text, s.span)
        stated = attributed(s.text, paragraphs, s.span.start - offset, view.title)
        statements.append(f"{stated} {''.join(sorted(markers))}")
    return Composed(" ".join(statements), True, tuple(citations.values()), (), tuple(cited))


def _paragraphs_before(text: str, span: Span, count: int = 2) -> tuple[list[str], int]:
    """The paragraph holding `span`, then up to `count` non-empty ones before it; and the
    offset of the first in `text`."""
    start = text.rfind("\n", 0, span.start) + 1
    end = text.find("\n", span.end)
    paragraphs = [text[start : end if end >= 0 else len(text)]]
    before = [p for p in text[:start].splitlines() if p.strip()]
    paragraphs.extend(reversed(before[-count:]))
    return paragraphs, start


def _corroborating(
    s: ScoredSentence, scored: list[ScoredSentence], min_confidence: float
) -> list[ScoredSentence]:
    """At most one sentence of another article that says the same thing."""
    return [
        o
        for o in scored
        if o.source != s.source
        and float(o.vector @ s.vector) >= _CORROBORATES
        and confidence(o) >= min_confidence * 0.9
    ][:1]


def _max_sim(s: ScoredSentence, chosen: list[ScoredSentence]) -> float:
    return max(float(np.dot(s.vector, c.vector)) for c in chosen)


def cite(n: int, source: str, span: Span, view: ArticleView) -> Citation:
    """Citation [n] of `span`, its quote cut from the article text itself."""
    return Citation(
        id=n,
        source=source,
        title=view.title,
        start=span.start,
        end=span.end,
        quote=view.text[span.start : span.end],
        published=view.published,
    )
