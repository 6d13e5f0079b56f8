"""Which sentence counts as a source's own answer when answers are compared (hand-made scores,
no model): close to the best and covering the question, or answered with confidence."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.answer.scoring import ScoredSentence, confidence
from assistant.answer.types import AnswerType
from assistant.conflicts.answers import _stated_kind, answer_disagreements
from index.records import Span
from index.views import ArticleView

QUESTION = "How many sets did Ljubicic take Federer to in the final?"
TEXTS = {
    "a.txt": "Federer won the final, but not until Ljubicic had stretched him for five sets.",
    "b.txt": "Federer was taken to three sets by Ljubicic in the final.",
}


def _scored(
    source: str,
    text: str,
    score: float,
    dense: float,
    coverage: float,
    names: float = 1.0,
    typed: bool | None = True,
    answerable: float = 0.5,
) -> ScoredSentence:
    """A hand-scored sentence that is its whole article; `answerable` is the scorer's
    calibrated probability (the confidence, with `CONF_MIX` 0 as the fixture sets it)."""
    return ScoredSentence(
        source=source,
        span=Span(0, len(text)),
        text=text,
        chunk_rank=0,
        dense=dense,
        coverage=coverage,
        context_coverage=coverage,
        entity_coverage=names,
        shape_found=True,
        typed=typed,
        score=score,
        vector=np.ones(4, dtype=np.float32) / 2,
        answerable=answerable,
    )


@pytest.fixture(autouse=True)
def _learned_confidence(monkeypatch):
    from assistant.answer import scoring

    monkeypatch.setattr(scoring, "CONF_MIX", 0.0)


def _sentence(
    source: str, score: float, dense: float, context: float, answerable: float = 0.5
) -> ScoredSentence:
    return _scored(source, TEXTS[source], score, dense, context, answerable=answerable)


def _article(source: str) -> ArticleView:
    return ArticleView(title="Final", published=None, text=TEXTS[source])


BEST = _sentence("a.txt", 0.9, 0.8, 0.9, answerable=0.8)
# the other report words it differently: far below the best, yet sure to answer the question
FAR_BUT_SURE = _sentence("b.txt", 0.6, 0.55, 0.6, answerable=0.57)


@pytest.mark.parametrize(("sure", "flagged"), [(2.0, False), (0.6, False), (0.55, True)])
def test_a_sure_answer_counts_however_far_below_the_best(sure, flagged):
    assert 0.55 <= confidence(FAR_BUT_SURE) < 0.6  # the case each threshold is for
    found = answer_disagreements(QUESTION, [BEST, FAR_BUT_SURE], _article, 0.2, 0.7, sure)
    assert bool(found) is flagged
    for conflict in found:
        assert {s.quote for s in conflict.sides} == set(TEXTS.values())
        for side in conflict.sides:
            assert TEXTS[side.source][side.start : side.end] == side.quote


def test_a_close_answer_still_counts_without_confidence():
    close = _sentence("b.txt", 0.8, 0.1, 0.8, answerable=0.3)
    assert confidence(close) < 0.5
    assert answer_disagreements(QUESTION, [BEST, close], _article, 0.2, 0.7, 2.0)
    # too far below the best and not sure: no answer of its own
    assert not answer_disagreements(QUESTION, [BEST, close], _article, 0.05, 0.7, 0.5)


YES_NO = "Was Ansel Merk born in 1887?"
BORN = {
    "a.txt": "Ansel Merk was born in 1887 in Tolvik.",
    "b.txt": "Ansel Merk (1889-1950) was a Tolvik poet.",
}


def _born(source: str, score: float, names: float, text: str | None = None) -> ScoredSentence:
    return _scored(source, text or BORN[source], score, score, 0.1, names, typed=None)


def _born_article(source: str) -> ArticleView:
    return ArticleView(title="Merk", published=None, text=BORN[source])


def test_a_yes_no_question_stating_a_value_is_answered_by_each_source_s_own_value():
    echo, other = _born("a.txt", 0.95, 1.0), _born("b.txt", 0.3, 1.0)
    found = answer_disagreements(YES_NO, [echo, other], _born_article, 0.2, 0.7, 2.0)
    assert len(found) == 1
    assert "1887" in found[0].summary and "1889" in found[0].summary  # the asked year counts
    for side in found[0].sides:
        assert BORN[side.source][side.start : side.end] == side.quote
    # a passage that misses the question's names answers about someone else
    stranger = _born("b.txt", 0.3, 0.0)
    assert not answer_disagreements(YES_NO, [echo, stranger], _born_article, 0.2, 0.7, 2.0)
    # the same year in both: no disagreement
    same = {"b.txt": "Ansel Merk (1887-1950) was a Tolvik poet."}
    agree = _born("b.txt", 0.3, 1.0, same["b.txt"])
    assert not answer_disagreements(
        YES_NO, [echo, agree], lambda s: ArticleView("Merk", None, same.get(s, BORN[s])), 0.2, 0.7
    )


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Was Merk born in 1887?", AnswerType.DATE),
        ("Did inflation pass 3%?", AnswerType.PERCENT),
        ("Has the band released more than one live album?", AnswerType.NUMBER),
        ("Is the range more than 2 metres (6 ft 7 in)?", AnswerType.NUMBER),
        # a value inside a name or a phrase, or far from the end, is not what is asked
        ("Is Roman Abramovich one of the richest men in Russia?", None),
        ("Was No 10 involved?", None),
        ("Did Windows 7 sell well?", None),
        ("Did the 2004 law ban fox hunting?", None),
    ],
)
def test_the_value_a_yes_no_question_asks_about(question, kind):
    assert _stated_kind(question) is kind


def test_a_yes_no_question_without_names_needs_the_usual_gates():
    question = "Did inflation pass 3%?"
    texts = {"a.txt": "Inflation passed 3% in May.", "b.txt": "Shares fell 5% on the news."}
    a = _born("a.txt", 0.95, 1.0, texts["a.txt"])
    b = _born("b.txt", 0.05, 1.0, texts["b.txt"])  # no names asked: the share is always 1
    view = lambda s: ArticleView("Prices", None, texts[s])  # noqa: E731
    assert not answer_disagreements(question, [a, b], view, 0.2, 0.7, 2.0)
