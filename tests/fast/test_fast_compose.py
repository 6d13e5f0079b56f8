"""The composition rule on hand-made scored sentences: which further sentences are stated."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.answer import compose as composer
from assistant.answer.compose import NOT_ANSWERED, compose
from assistant.answer.scoring import ScoredSentence, confidence
from index.records import Span
from index.views import ArticleView

TEXT = (
    "The ferry company reported record passenger numbers on Monday. "
    "It carried 312 passengers across the bay. "
    "The weather was calm."
)
VIEW = ArticleView(title="Ferry", published=None, text=TEXT)


def _sentence(
    text: str,
    score: float,
    dense: float,
    axis: int,
    article: str = TEXT,
    typed: bool | None = None,
    coverage: float | None = None,
) -> ScoredSentence:
    start = article.index(text)
    vector = np.zeros(8, dtype=np.float32)
    vector[axis] = 1.0  # orthogonal vectors: no sentence repeats another
    return ScoredSentence(
        source="ferry.txt" if article is TEXT else "suit.txt",
        span=Span(start, start + len(text)),
        text=text,
        chunk_rank=0,
        dense=dense,
        coverage=dense if coverage is None else coverage,
        context_coverage=dense if coverage is None else 0.7,
        entity_coverage=1.0,
        shape_found=True,
        typed=typed,
        score=score,
        vector=vector,
    )


LEAD = _sentence("The ferry company reported record passenger numbers on Monday.", 0.6, 0.6, 0)
FIGURE = _sentence("It carried 312 passengers across the bay.", 0.55, 0.4, 1)
FAR = _sentence("The weather was calm.", 0.3, 0.4, 2)


@pytest.mark.parametrize(
    ("slack", "stated"),
    [(1.0, False), (0.75, True), (0.0, True)],
)
def test_a_close_further_sentence_needs_only_a_share_of_the_confidence(monkeypatch, slack, stated):
    floor = 0.5
    assert confidence(FIGURE) < floor <= confidence(LEAD)  # the case the slack is for
    assert confidence(FIGURE) >= floor * 0.75
    monkeypatch.setattr(composer, "STATED_SLACK", slack)
    out = compose([LEAD, FIGURE, FAR], lambda _: VIEW, floor, 3)
    assert out.answerable
    assert ("312 passengers" in out.text) is stated
    assert "weather" not in out.text  # too far below the best, whatever the slack
    for c in out.citations:
        assert TEXT[c.start : c.end] == c.quote


def test_the_best_sentence_alone_decides_whether_to_answer():
    out = compose([FIGURE, FAR], lambda _: VIEW, 0.5, 3)
    assert not out.answerable and out.text == NOT_ANSWERED


NAMED_TEXT = (
    "A user of the music service is suing the firm over its players. "
    "Californian Thomas Slattery filed the suit in San Jose. "
    "Analysts expect a ruling next year."
)
NAMED_VIEW = ArticleView(title="Suit", published=None, text=NAMED_TEXT)


def _named(text: str, score: float, typed: bool, axis: int) -> ScoredSentence:
    lead = axis == 0
    return _sentence(
        text, score, 0.7 if lead else 0.1, axis, NAMED_TEXT, typed, 0.7 if lead else 0.0
    )


@pytest.mark.parametrize("neighbour", [True, False])
def test_the_sentence_beside_the_best_is_added_when_it_states_the_asked_type(
    monkeypatch, neighbour
):
    lead = _named("A user of the music service is suing the firm over its players.", 0.6, False, 0)
    named = _named("Californian Thomas Slattery filed the suit in San Jose.", 0.2, True, 1)
    far = _named("Analysts expect a ruling next year.", 0.25, True, 2)
    monkeypatch.setattr(composer, "TYPED_NEIGHBOUR", neighbour)
    monkeypatch.setattr(composer, "TYPED_MARGIN", -1.0)
    out = compose([lead, far, named], lambda _: NAMED_VIEW, 0.4, 3)
    assert ("Thomas Slattery" in out.text) is neighbour
    assert "Analysts" not in out.text  # typed, but not beside the best sentence
    for c in out.citations:
        assert NAMED_TEXT[c.start : c.end] == c.quote


@pytest.mark.parametrize(("depth", "answered"), [(1, False), (2, True)])
def test_a_confident_sentence_just_below_the_best_can_lead(monkeypatch, depth, answered):
    # the ranking put the lead first; only the figure sentence is confident enough to answer
    monkeypatch.setattr(composer, "ANSWER_DEPTH", depth)
    floor = (confidence(LEAD) + confidence(FIGURE)) / 2
    unsure_lead, sure_figure = (
        (LEAD, FIGURE)
        if confidence(FIGURE) > confidence(LEAD)
        else (
            FIGURE,
            LEAD,
        )
    )
    out = compose([unsure_lead, sure_figure, FAR], lambda _: VIEW, floor, 3)
    assert out.answerable is answered
    if answered:
        assert out.citations[0].quote == sure_figure.text  # the confident one leads
        for c in out.citations:
            assert TEXT[c.start : c.end] == c.quote
