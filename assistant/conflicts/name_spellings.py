"""Name spellings: the same name spelled two ways in two articles ("Bremmer" / "Bremer").

Names one letter apart are found through shared deletion keys (each name with one letter
removed), so the work grows with the number of distinct names, not with pairs of articles.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

from assistant.conflicts.kinds import ConflictKind
from assistant.names import LETTERS_ONLY, NOT_NAMES, SPELLING_VARIANT, without_possessive
from assistant.records import Conflict, ConflictSide
from index.chunker import sentence_at
from index.records import Span
from index.terms import fold, one_edit


@dataclass(frozen=True)
class ArticleText:
    """An article and its sentences, where a spelling is quoted from."""

    source: str
    title: str
    published: str | None
    text: str
    sentences: tuple[Span, ...]


def article_names(text: str) -> frozenset[str]:
    """The article's names, a one-letter typo folded into its frequent twin. A word counts as
    a name only if it is capitalised somewhere other than at the start of a sentence, line
    or quotation ("There", "Experts" open sentences; "Bremmer" is capitalised anywhere), and
    is no month, weekday or title."""
    found = [(m, without_possessive(m.group(0))) for m in LETTERS_ONLY.finditer(text)]
    names = {word for m, word in found if _is_name_here(text, m, word)}
    counts = Counter(word for _, word in found if word in names)
    order = {name: i for i, name in enumerate(counts)}  # ties go to the first seen, as before
    near = _variants(counts)
    # two words of one name ("David Davis") are two names, however close their spelling
    side_by_side = {
        frozenset((w, v))
        for (m, w), (n, v) in pairwise(found)
        if text[m.end() : n.start()] in (" ", "\u00a0")
    }
    for name, n in sorted(counts.items(), key=lambda kv: kv[1]):
        twin = max(
            (
                o
                for o in sorted(near[name], key=order.__getitem__)
                if counts.get(o, 0) > n and frozenset((name, o)) not in side_by_side
            ),
            key=lambda o: counts[o],
            default=None,
        )
        if twin:
            counts[twin] += counts.pop(name)
    return frozenset(counts)


_NEXT_CAPITALISED = re.compile(r"[ \u00a0][A-Z]")


def _is_name_here(text: str, m: re.Match[str], word: str) -> bool:
    """Is the capitalised word at `m` a name where it stands: `word` (its form as compared)
    no month, weekday or title, and not capitalised only for opening a sentence (unless a
    capitalised word follows it)?"""
    if word.lower() in NOT_NAMES:
        return False
    return not _opens_sentence(text, m.start()) or bool(_NEXT_CAPITALISED.match(text, m.end()))


def _opens_sentence(text: str, at: int) -> bool:
    """Is the word at `at` the first of a sentence, line or quotation?"""
    before = text[max(0, at - 8) : at].rstrip(" \t\u00a0\"'“‘([")
    return not before or before[-1] in ".!?:\n"


def spelling_pairs(names: dict[str, frozenset[str]]) -> list[tuple[str, str, str, str]]:
    """(source a, spelling x, source b, spelling y) for each pair of variant spellings, where
    a uses x but not y and b uses y but not x; the first such pair of articles in `names`
    order, a before b."""
    sources = list(names)
    holders: dict[str, list[int]] = defaultdict(list)
    for i, source in enumerate(sources):
        for name in names[source]:
            holders[name].append(i)
    variants = {(x, y) for x, near in _variants(holders).items() for y in near if x < y}
    found = []
    for x, y in variants:
        only_x = sorted(set(holders[x]) - set(holders[y]))
        only_y = sorted(set(holders[y]) - set(holders[x]))
        first = min(
            (
                p
                for p in (_first_pair(only_x, only_y, x, y), _first_pair(only_y, only_x, y, x))
                if p
            ),
            default=None,
        )
        if first:
            i, j, name_i, name_j = first
            found.append((i, j, name_i, name_j))
    found.sort()
    return [(sources[i], x, sources[j], y) for i, j, x, y in found]


def _first_pair(a: list[int], b: list[int], x: str, y: str) -> tuple[int, int, str, str] | None:
    """The smallest (i, j) with i in a, j in b and i < j (both sorted)."""
    for i in a:
        at = bisect_right(b, i)
        if at < len(b):
            return i, b[at], x, y
    return None


def spelling_conflict(
    a: ArticleText, x: str, b: ArticleText, y: str, max_chars: int = 1000
) -> Conflict:
    """Each side quotes the sentence of the spelling's first use: one of the article's
    `sentences` if it holds it, else the sentence found by splitting its line."""
    return Conflict(
        kind=ConflictKind.NAME_SPELLING,
        summary=f"The name is spelled “{x}” in one report, “{y}” in the other.",
        sides=(_name_side(a, x, max_chars), _name_side(b, y, max_chars)),
    )


def name_spellings(articles: list[ArticleText]) -> list[tuple[str, str, Conflict]]:
    """Every name spelled two ways across `articles`, each with its two spellings."""
    by_source = {a.source: a for a in articles}
    names = {a.source: article_names(a.text) for a in articles}
    return [
        (x, y, spelling_conflict(by_source[sa], x, by_source[sb], y))
        for sa, x, sb, y in spelling_pairs(names)
        if same_story(by_source[sa], x, by_source[sb], y)
    ]


def same_story(a: ArticleText, x: str, b: ArticleText, y: str) -> bool:
    """Do the sentences that use the two spellings share another name? One person spelled two
    ways stands beside the same names ("Damian Hockney" / "Damien Hockney", both with
    "Kilroy-Silk"); two people a letter apart ("Andrea Arnold", "Andre Agassi") rarely do."""
    return bool((_names_around(a, x) & _names_around(b, y)) - {x, y})


def _names_around(article: ArticleText, name: str) -> set[str]:
    out: set[str] = set()
    for m in re.finditer(rf"\b{re.escape(name)}\b", article.text):
        span = next((s for s in article.sentences if s.start <= m.start() < s.end), None)
        if span:
            lo, hi = span.start, span.end
        else:  # the line holding it
            lo = article.text.rfind("\n", 0, m.start()) + 1
            end = article.text.find("\n", m.end())
            hi = end if end >= 0 else len(article.text)
        text = article.text[lo:hi]
        out |= {
            without_possessive(w.group(0))
            for w in LETTERS_ONLY.finditer(text)
            if _is_name_here(text, w, w.group(0))
        }
    return out


def _variants(names: Iterable[str]) -> dict[str, set[str]]:
    """Each name's variant spellings among `names`, found through shared deletion keys (two
    names one edit apart share one), so the work grows with the number of names, not its
    square."""
    keys: dict[str, set[str]] = defaultdict(set)
    for name in names:
        folded = fold(name)
        if len(folded) >= SPELLING_VARIANT:
            keys[folded].add(name)
            for k in range(len(folded)):
                keys[folded[:k] + folded[k + 1 :]].add(name)
    near: dict[str, set[str]] = defaultdict(set)
    for group in keys.values():
        if len(group) > 1:
            for x in group:
                near[x].update(y for y in group if y != x and is_variant(x, y))
    return near


def is_variant(x: str, y: str) -> bool:
    """Are these two spellings of one name (one edit apart, same first letter)?"""
    fx, fy = fold(x), fold(y)
    if min(len(fx), len(fy)) < SPELLING_VARIANT or fx == fy or fx[0] != fy[0]:
        return False
    longer, shorter = (fx, fy) if len(fx) > len(fy) else (fy, fx)
    if longer.startswith(shorter) and longer[len(shorter) :] in ("n", "s"):
        return False  # Russia / Russian, Kherson / Khersons
    return one_edit(fx, fy)


def _name_side(article: ArticleText, name: str, max_chars: int) -> ConflictSide:
    at = re.search(rf"\b{re.escape(name)}\b", article.text)
    start = at.start() if at else 0
    span = next((s for s in article.sentences if s.start <= start < s.end), None)
    span = span or sentence_at(article.text, start, max_chars) or Span(start, start)
    if span.end <= span.start and at:
        span = Span(at.start(), at.end())
    return ConflictSide(
        source=article.source,
        title=article.title,
        start=span.start,
        end=span.end,
        quote=article.text[span.start : span.end],
    )
