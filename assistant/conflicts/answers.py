"""Disagreements about the question asked: each source's own best answer, typed, compared.

"How many passengers did the ferry carry?" is answered by one sentence in each report; when
the figures (or dates) they give share no value, the reports disagree about exactly what was
asked, whatever their wording. The rules in `rules.py` compare sentences two by two and need
the same thing said in similar words; this compares answers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.answer.scoring import ScoredSentence, confidence
from assistant.answer.types import (
    VALUE_TYPES,
    AnswerType,
    Value,
    after_rank,
    expected_type,
    is_yes_no,
    values,
)
from assistant.conflicts.kinds import ConflictKind
from assistant.names import question_names, without_possessive
from assistant.records import Conflict, ConflictSide
from index.views import ArticleView

# Each source's own answer is its best-scored sentence that states a value of the asked kind,
# when it scores at most MARGIN below the best sentence of all, or the answer confidence is at
# least SURE that it answers: a report that
# words the same fact differently scores well below the best ("taken to three sets" against
# "stretched him for five sets"). Both fitted by cross-validation over story clusters
# (bench/crossval.py); MARGIN < 0: answers are not compared; SURE above 1: never sure.
MARGIN = 0.1
SURE = 0.6
# ... and, unless sure, it must cover this much of the question (itself and its neighbours,
# idf-weighted). Fitted the same way.
MIN_COVERAGE = 0.7
# For a yes/no question that states a value ("Was he born in 1887?"), a source's sentence that
# states a value of that kind counts as its answer when its passage (or headline) names this
# share of the question's names: such a question is often worded like one source, so the
# other scores low. All of them, chosen before measuring; on WikiContradict by ID parity, 0.5
# gains on odd IDs (44.1% against 41.2%) and ties on even ones (35.3%).
YES_NO_NAMES = 1.0
_NEAR_THE_END = 3  # words after the value at most: "...more than 2 metres (6 ft 7 in)?"


_KINDS = {
    AnswerType.NUMBER: ConflictKind.NUMERIC,
    AnswerType.MONEY: ConflictKind.NUMERIC,
    AnswerType.PERCENT: ConflictKind.NUMERIC,
    AnswerType.NAME: ConflictKind.FACTUAL,
}


@dataclass(frozen=True)
class _SourceAnswer:
    sentence: ScoredSentence
    values: list[Value]

    @property
    def keys(self) -> set[str]:
        """The values that can be compared ("the end of March" cannot be, against a date);
        a name by each of its words, so "Hogg" meets "Douglas Hogg"."""
        keys = {v.key for v in self.values if v.key is not None}
        if self.values and self.values[0].kind is AnswerType.NAME:
            return {without_possessive(w) for k in keys for w in k.split()}
        return keys


def answer_disagreements(
    question: str,
    scored: Sequence[ScoredSentence],
    article: Callable[[str], ArticleView],
    margin: float | None = None,
    min_coverage: float | None = None,
    sure: float | None = None,
) -> list[Conflict]:
    """Where another source's best answer gives other values than the best answer's source."""
    margin = MARGIN if margin is None else margin
    min_coverage = MIN_COVERAGE if min_coverage is None else min_coverage
    sure = SURE if sure is None else sure
    kind, asked = expected_type(question), question
    stated = _stated_kind(question) if kind is None and is_yes_no(question) else None
    named_question = stated is not None and bool(question_names(question))
    if stated is not None:
        # "Was he born in 1887?": each source's own year answers it, the asked one included
        kind, asked = stated, ""
    compared = kind in VALUE_TYPES or kind is AnswerType.NAME
    if margin < 0 or not compared or not scored:
        return []
    best: dict[str, _SourceAnswer] = {}
    for s in scored:  # best first
        if s.source in best:
            continue
        close = s.score >= scored[0].score - margin and s.context_coverage >= min_coverage
        # names the question's names, and shares a word of it beyond them
        named = named_question and s.entity_coverage >= YES_NO_NAMES and s.coverage > 0
        if not close and not named and confidence(s) < sure:
            continue
        found = values(s.text, asked, kind)
        if found:
            best[s.source] = _SourceAnswer(s, found)
    answers = list(best.values())
    if len(answers) < 2:
        return []
    first = answers[0]
    return [
        _conflict(first, other, kind, article)
        for other in answers[1:]
        if first.keys and other.keys and not _agree(first.keys, other.keys, kind)
    ]


def _stated_kind(question: str) -> AnswerType | None:
    """The kind of value a yes/no question asks about ("Did she die in 1860?": a date), if
    any: the last value, near the end ("As of 2023, has it released more than one album?"
    asks the count), and not part of a name or a phrase ("Windows 7", "No 10", "one of")."""
    kinds = (AnswerType.DATE, AnswerType.PERCENT, AnswerType.MONEY, AnswerType.NUMBER)
    found = [v for kind in kinds for v in values(question, "", kind)]
    if not found:
        return None
    last = max(found, key=lambda v: v.start)
    before, after = question[: last.start].split(), question[last.end :].split()
    if len(after) > _NEAR_THE_END or question[last.end :].lstrip().lower().startswith("of "):
        return None
    if (before and before[-1][:1].isupper()) or after_rank(question, last.start):
        return None
    return last.kind


def _agree(a: set[str], b: set[str], kind: AnswerType) -> bool:
    """Do two answers share a value? A date agrees with a more precise one inside it: "1993",
    "1993-04" and "1993-04-12" are one answer said more or less precisely."""
    if kind is AnswerType.DATE:
        return any(x.startswith(y) or y.startswith(x) for x in a for y in b)
    return bool(a & b)


def _conflict(
    a: _SourceAnswer, b: _SourceAnswer, kind: AnswerType, article: Callable[[str], ArticleView]
) -> Conflict:
    view_a, view_b = article(a.sentence.source), article(b.sentence.source)
    shown_a = ", ".join(v.text for v in a.values)
    shown_b = ", ".join(v.text for v in b.values)
    conflict_kind = _KINDS.get(kind, ConflictKind.DATE)  # dates and durations
    summary = f"The reports answer differently: {shown_a} in one, {shown_b} in the other."
    sides = [_side(a.sentence, view_a), _side(b.sentence, view_b)]
    if view_a.published and view_b.published and view_a.published != view_b.published:
        # the later report leads: it may be a correction or an update of the earlier one
        later_first = view_b.published > view_a.published
        new, old = (b, a) if later_first else (a, b)
        new_view, old_view = (view_b, view_a) if later_first else (view_a, view_b)
        summary = (
            f"{', '.join(v.text for v in old.values)} in a report of {old_view.published}; "
            f"{', '.join(v.text for v in new.values)} in a later one of {new_view.published}."
        )
        conflict_kind = ConflictKind.OUTDATED
        sides = sides[::-1] if later_first else sides
    return Conflict(conflict_kind, summary, (sides[0], sides[1]))


def _side(s: ScoredSentence, view: ArticleView) -> ConflictSide:
    quote = view.text[s.span.start : s.span.end]
    return ConflictSide(s.source, s.span.start, s.span.end, quote, view.title)
