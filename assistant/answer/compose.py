"""The extractive answer, composed: deterministic, every statement cited exactly.

It states the best-scoring sentences of the retrieved passages, each with an exact citation,
prefers statements that several articles make, and refuses when the evidence is weak.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from assistant.answer.attribution import attributed
from assistant.answer.scoring import ScoredSentence, confidence
from assistant.answer.types import VALUE_TYPES
from assistant.quantities import agree
from assistant.records import Answer, Citation, cite
from index.records import Span
from index.views import ArticleView

NOT_ANSWERED = "The articles do not say. The closest passages are listed below."
# Every front end shows this same text, so it names the way in of each.
NOTHING_INDEXED = (
    "No articles are indexed yet, so there is nothing to answer from. Add some first: "
    "upload them in the Articles tab of the web chat, or run `assistant index PATH...`."
)
_DUPLICATE = 0.9  # cosine above which two sentences say the same thing
_CORROBORATES = 0.75  # ... and above which a sentence in another article backs a statement
# How far below the best a further sentence may score and still be stated, and the share of
# the minimum confidence it needs: the best sentence alone decides whether to answer, and a
# further one close behind it often holds the figure or name while naming less of the question.
# Both fitted by cross-validation over story clusters (bench/crossval.py).
STATED_MARGIN = 0.12
STATED_SLACK = 0.75
_BACKING_SLACK = 0.9  # share of the minimum confidence a corroborating sentence needs
NEAREST = 3  # passages shown when the articles do not say
# When no stated sentence holds a value of the type asked for ("how many": a figure), the best
# one that does is added if it scores at most this far below the best. Fitted by
# cross-validation over story clusters (bench/crossval.py); negative: switched off.
TYPED_MARGIN = 0.3
# ... and the sentence just before or after the best one is added when it states the type,
# whatever its score: "A user is suing Apple." then "Californian Thomas Slattery filed the
# suit." Fitted the same way.
TYPED_NEIGHBOUR = True
# Whether a question that asks for a figure, a date or a span of time is answered only when
# the answer states one: "UKIP won 31% of the vote" is no answer to "how many votes"; the
# articles do not say. (Not "who": a fitting answer often names no one new, "A 15-year-old boy
# was arrested".) Fitted the same way.
TYPED_REQUIRED = True
# The answer leads with the best-ranked of the first ANSWER_DEPTH sentences that the confidence
# says answer the question; none: "the articles do not say". The ranking and the confidence
# weigh the signals differently (the learned scorer ranks; the confidence adds whether the
# question's names and the asked-for kind are there), so a sentence just below the best is
# often the one that answers. Fitted by cross-validation over story clusters.
ANSWER_DEPTH = 2


@dataclass(frozen=True)
class Composed:
    text: str
    answerable: bool
    citations: tuple[Citation, ...]
    nearest: tuple[Citation, ...]
    cited: tuple[ScoredSentence, ...]  # every sentence the answer cites (conflicts look here)


def compose(
    scored: list[ScoredSentence],
    article: Callable[[str], ArticleView],
    min_confidence: float,
    max_sentences: int,
) -> Composed:
    lead = next(
        (i for i, s in enumerate(scored[:ANSWER_DEPTH]) if confidence(s) >= min_confidence), None
    )
    if lead is None:
        return _not_answered(scored, article)

    best = scored[lead]
    chosen = [best]
    for s in scored[lead + 1 :]:
        if len(chosen) >= max_sentences or s.score < best.score - STATED_MARGIN:
            break
        if confidence(s) < min_confidence * STATED_SLACK:
            continue
        # A near-copy adds nothing; one in another article backs a statement instead.
        limit = min(
            _DUPLICATE, *(_CORROBORATES if c.source != s.source else _DUPLICATE for c in chosen)
        )
        if _max_sim(s, chosen) < limit:
            chosen.append(s)
    if len(chosen) < max_sentences:
        chosen += _typed_completion(chosen, scored, min_confidence, article(best.source).text)
    if TYPED_REQUIRED and best.asked in VALUE_TYPES and not any(s.typed for s in chosen):
        return _not_answered(scored, article)

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


def _not_answered(scored: list[ScoredSentence], article: Callable[[str], ArticleView]) -> Composed:
    """ "The articles do not say", with the nearest passages."""
    nearest = tuple(
        cite(i, s.source, s.span, article(s.source)) for i, s in enumerate(scored[:NEAREST], 1)
    )
    return Composed(NOT_ANSWERED, False, (), nearest, ())


def _typed_completion(
    chosen: list[ScoredSentence],
    scored: list[ScoredSentence],
    min_confidence: float,
    text: str,
) -> list[ScoredSentence]:
    """The best sentence stating the asked-for type, when none of `chosen` does: the topical
    lead sentence often names the event and the next one gives the figure or the name.
    `text` is the best sentence's article."""
    # typed is None when the question asks for no particular type: nothing to complete
    if chosen[0].typed is None or any(c.typed for c in chosen):
        return []
    best = chosen[0]
    beside = _neighbours(best, scored, text) if TYPED_NEIGHBOUR else []
    close = (
        [
            s
            for s in scored
            if s.score >= best.score - TYPED_MARGIN
            and confidence(s) >= min_confidence * _BACKING_SLACK
        ]
        if TYPED_MARGIN >= 0
        else []
    )
    # a neighbour needs no confidence of its own: its sentence carries the question's words
    return [
        s
        for s in [*beside, *close]
        if s.typed and _max_sim(s, chosen) < _CORROBORATES  # not stated, nor backing what is
    ][:1]


def _neighbours(s: ScoredSentence, scored: list[ScoredSentence], text: str) -> list[ScoredSentence]:
    """The scored sentences just after and just before `s` in its article `text`."""
    return [
        o
        for o in scored
        if o.source == s.source
        and (
            (o.span.start >= s.span.end and not text[s.span.end : o.span.start].strip())
            or (o.span.end <= s.span.start and not text[o.span.end : s.span.start].strip())
        )
    ]


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
    """At most one sentence of another article that says the same thing, with the same
    figures and dates (one with other figures is the other side of a disagreement)."""
    return [
        o
        for o in scored
        if o.source != s.source
        and float(o.vector @ s.vector) >= _CORROBORATES
        and confidence(o) >= min_confidence * _BACKING_SLACK
        and agree(o.text, s.text)
    ][:1]


def _max_sim(s: ScoredSentence, chosen: list[ScoredSentence]) -> float:
    return max(float(np.dot(s.vector, c.vector)) for c in chosen)


def nothing_indexed(question: str, elapsed_ms: float) -> Answer:
    """The answer when no article is indexed: "the articles do not say" would mislead."""
    timings = {"retrieve": elapsed_ms, "answer": 0.0, "conflicts": 0.0, "total": elapsed_ms}
    return Answer(question, NOTHING_INDEXED, False, timings_ms=timings)
