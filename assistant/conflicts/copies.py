"""Copies of one report (`index.duplicates`) on the answering side.

- One report, one voice: among the scored sentences, a sentence that copies (word for word, or
  nearly) a better one in another copy of the same report is dropped before the answer is
  composed, so the copy is never cited as a second source that agrees (`one_report`).
- A copy edited in a figure, a date, a name or a place is a disagreement: each cited sentence
  is matched with its counterpart in every other copy, and where they differ in one of those,
  both sentences are cited as the two sides (`copy_conflicts`). A difference in wording only
  ("said" / "says") is no alarm; neither is a copy word for word.
- Where the cited sentence runs word for word in other copies, the answer says so: the
  agreeing sources are copies of one report (`copy_lines`).
- The rules' own findings between two copies of one report (an identical copy's sentences,
  paired across the two articles) are dropped, and a disagreement found with each copy of a
  report is kept once (`prune`).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from assistant.conflicts.kinds import ConflictKind
from assistant.records import Conflict, ConflictSide
from index.duplicates import CopyGroups
from index.records import Span
from index.views import ArticleView

ALIGNED = 0.8  # word-level similarity of two sentences that are one sentence of the report, edited
_SPELLING = 0.75  # character similarity of two names that are one name spelled two ways
_TOKEN = re.compile(r"\d+(?:[.,:]\d+)*|\w+(?:['’]\w+)*|[^\w\s]")
_NUMBER_WORDS = frozenset(
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
    "hundred thousand million billion trillion dozen dozens half quarter".split()
)
_TIME_UNITS = frozenset(
    "second seconds minute minutes hour hours day days week weeks month months year years "
    "decade decades century centuries".split()
)
_DATE_WORDS = frozenset(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday "
    "saturday sunday yesterday today tomorrow tonight".split()
)
_NEGATIONS = frozenset({"not", "no", "never", "n't", "nor", "none", "nobody", "nothing"})


class Sentence(Protocol):
    source: str
    span: Span
    text: str


@dataclass(frozen=True)
class Counterpart:
    """The sentence of another copy that stands for `span` of the cited one."""

    source: str
    span: Span
    quote: str
    identical: bool


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _fold(text: str) -> str:
    return " ".join(text.split())


def aligned(a: str, b: str) -> bool:
    """Are two sentences one sentence of a report, perhaps edited (a figure, a name)?"""
    if _fold(a) == _fold(b):
        return True
    ta, tb = _tokens(a), _tokens(b)
    if not ta or not tb or min(len(ta), len(tb)) < 0.7 * max(len(ta), len(tb)):
        return False
    return difflib.SequenceMatcher(None, ta, tb, autojunk=False).ratio() >= ALIGNED


def one_report(scored: Sequence[Sentence], groups: CopyGroups) -> list:
    """`scored` (best first) without the sentences that copy a better-scored one of another
    copy of the same report."""
    if not groups.groups:
        return list(scored)
    kept: list = []
    for s in scored:
        if any(groups.same_report(k.source, s.source) and aligned(k.text, s.text) for k in kept):
            continue
        kept.append(s)
    return kept


def counterpart(sentence: str, source: str, text: str, spans: Iterable[Span]) -> Counterpart | None:
    """The sentence among `spans` of `text` (article `source`) that `sentence` was copied as:
    the same words, else the closest aligned one."""
    folded = _fold(sentence)
    best: tuple[float, Span] | None = None
    words = set(_tokens(sentence))
    for span in spans:
        quote = text[span.start : span.end]
        if _fold(quote) == folded:
            return Counterpart(source, span, quote, True)
        other = _tokens(quote)
        if len(words & set(other)) < 0.5 * len(words):
            continue  # cheap: most sentences share few words with it
        ratio = difflib.SequenceMatcher(None, _tokens(sentence), other, autojunk=False).ratio()
        if ratio >= ALIGNED and (best is None or ratio > best[0]):
            best = (ratio, span)
    if best is None:
        return None
    span = best[1]
    return Counterpart(source, span, text[span.start : span.end], False)


def difference(a: str, b: str) -> tuple[ConflictKind, str] | None:
    """How two aligned sentences differ, when it matters: a figure, a date, a name or a place,
    or a negation; None when they differ in wording only."""
    ta, tb = _tokens(a), _tokens(b)
    changes = [
        (i1, i2, j1, j2)
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(
            None, ta, tb, autojunk=False
        ).get_opcodes()
        if op != "equal"
    ]
    if not changes:
        return None
    for i1, i2, j1, j2 in changes:
        old, new = ta[i1:i2], tb[j1:j2]
        words = [w.lower() for w in old + new]
        after = ta[i2].lower() if i2 < len(ta) else ""
        if any(_is_figure(w) for w in words):
            shown_a, shown_b = _phrase(ta, i1, i2), _phrase(tb, j1, j2)
            dated = any(_is_year(w) or w in _DATE_WORDS for w in words) or (
                after in _TIME_UNITS and (ta[i2 + 1 : i2 + 2] == ["ago"])
            )
            kind = ConflictKind.DATE if dated else ConflictKind.NUMERIC
            return kind, _summary(shown_a, shown_b)
        if any(w in _DATE_WORDS for w in words):
            return ConflictKind.DATE, _summary(" ".join(old), " ".join(new))
        if set(words) & _NEGATIONS:
            return ConflictKind.FACTUAL, (
                "Copies of one report differ: one says "
                f"“{_fold(' '.join(old or new))}” where the other does not."
            )
        names_a = [w for w in old if w[:1].isupper()]
        names_b = [w for w in new if w[:1].isupper()]
        if names_a and names_b:
            x, y = " ".join(old), " ".join(new)
            similar = difflib.SequenceMatcher(None, x.lower(), y.lower()).ratio() >= _SPELLING
            if similar and len(old) == len(new):
                return ConflictKind.NAME_SPELLING, (
                    f"Copies of one report spell a name two ways: “{x}” and “{y}”."
                )
            return ConflictKind.FACTUAL, _summary(x, y)
    return None


def _is_year(word: str) -> bool:
    return word.isdigit() and len(word) == 4 and 1000 <= int(word) <= 2199


def _is_figure(word: str) -> bool:
    return any(ch.isdigit() for ch in word) or word in _NUMBER_WORDS


def _phrase(tokens: list[str], lo: int, hi: int) -> str:
    """The changed words, with the word after them when that says what they count."""
    end = hi + 1 if hi < len(tokens) and tokens[hi][:1].isalpha() else hi
    return " ".join(tokens[lo:end])


def _summary(a: str, b: str) -> str:
    return f"Copies of one report differ: “{a}” in one, “{b}” in the other."


def copy_conflicts(
    cited: Iterable[Sentence],
    groups: CopyGroups,
    read: Callable[[Iterable[str]], dict[str, ArticleView]],
    sentences: Callable[[str, str], tuple[Span, ...]],
) -> tuple[list[Conflict], dict[tuple[str, int], list[Counterpart]]]:
    """Disagreements between each cited sentence and its counterpart in the other copies of
    its report, and the counterparts that copy it word for word (by the cited sentence's
    source and start). `sentences(source, text)` gives the spans of an article's sentences."""
    cited = [s for s in cited if len(groups.group_of(s.source)) > 1]
    if not cited:
        return [], {}
    views = read({m for s in cited for m in groups.group_of(s.source)})
    found: list[Conflict] = []
    copies: dict[tuple[str, int], list[Counterpart]] = {}
    for s in cited:
        own = views.get(s.source)
        if own is None:
            continue
        for member in groups.group_of(s.source):
            view = views.get(member)
            if member == s.source or view is None:
                continue
            match = counterpart(s.text, member, view.text, sentences(member, view.text))
            if match is None:
                continue
            if match.identical:
                copies.setdefault((s.source, s.span.start), []).append(match)
                continue
            what = difference(s.text, match.quote)
            if what is None:
                continue
            kind, summary = what
            quote = own.text[s.span.start : s.span.end]
            found.append(
                Conflict(
                    kind,
                    summary,
                    (
                        ConflictSide(s.source, s.span.start, s.span.end, quote, own.title),
                        ConflictSide(
                            member, match.span.start, match.span.end, match.quote, view.title
                        ),
                    ),
                )
            )
    return found, copies


def group_edits(
    groups: CopyGroups,
    read: Callable[[Iterable[str]], dict[str, ArticleView]],
    sentences: Callable[[str, str], tuple[Span, ...]],
) -> list[Conflict]:
    """Every edited sentence of every copy against its group's lead (corpus-wide)."""
    found: list[Conflict] = []
    for members in groups.groups:
        views = read(members)
        lead = views.get(members[0])
        if lead is None:
            continue
        lead_sentences = [
            _Sentence(members[0], span, lead.text[span.start : span.end])
            for span in sentences(members[0], lead.text)
        ]
        for member in members[1:]:
            if member not in views:
                continue
            edits, _ = copy_conflicts(
                lead_sentences, CopyGroups(((members[0], member),)), read, sentences
            )
            found.extend(edits)
    return found


@dataclass(frozen=True)
class _Sentence:
    source: str
    span: Span
    text: str


def prune(conflicts: list[Conflict], groups: CopyGroups, edits: list[Conflict]) -> list[Conflict]:
    """`conflicts` as one report per group of copies: a side in another copy of the first
    side's report is dropped (the rules paired a report with itself; the edits found between
    copies, `edits`, are kept whole), and a side quoting words another side already quotes
    from the same report is one side. A conflict left with one side is none, and one found
    against several copies of a report is kept once (the first)."""
    if not groups.groups:
        return conflicts
    kept: list[Conflict] = []
    seen: set[tuple] = set()
    for conflict in conflicts:
        if conflict in edits:
            kept.append(conflict)
            continue
        anchor = conflict.sides[0].source
        sides: list[ConflictSide] = []
        keys: set[tuple[str, str]] = set()
        for side in conflict.sides:
            key = (groups.group_of(side.source)[0], _fold(side.quote))
            if groups.same_report(anchor, side.source) or key in keys:
                continue
            keys.add(key)
            sides.append(side)
        if len(sides) < 2:
            continue
        identity = (conflict.kind, frozenset(keys))
        if identity in seen:
            continue
        seen.add(identity)
        kept.append(
            conflict if len(sides) == len(conflict.sides) else replace(conflict, sides=tuple(sides))
        )
    return kept


def copy_lines(citations: Sequence, copies: dict[tuple[str, int], list[Counterpart]]) -> list[str]:
    """The answer's note for each cited passage that other copies of its report carry word for
    word: they are one report, not several that agree."""
    lines = []
    for c in citations:
        found = [
            m
            for (source, start), ms in copies.items()
            if source == c.source and c.start <= start < c.end
            for m in ms
        ]
        names = list(dict.fromkeys(m.source for m in found))
        if not names:
            continue
        also = ", ".join(names)
        lines.append(
            f"One report: [{c.id}] also runs word for word in {also}, a copy of the same "
            f"report; counted as one source, not {len(names) + 1} that agree."
        )
    return lines
