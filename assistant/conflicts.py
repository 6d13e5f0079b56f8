"""Conflict detection: pair claims about the same thing, apply the rules, cite both sides.

Used per question (among the evidence) and corpus-wide. An optional NLI cross-encoder can add
contradictions the rules miss; the rules stand on their own.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from assistant.claims import Claim, features
from assistant.conflict_rules import (
    RULES,
    SAME_TOPIC,
    Finding,
    disputed_claim,
    negation_flip,
    numbers_and_dates,
)
from assistant.nli import NliScorer
from assistant.records import Conflict, ConflictSide
from index.records import Span
from index.terms import fold, one_edit

KIND_ORDER = (
    "disputed_claim",
    "factual",
    "numeric",
    "date",
    "outdated",
    "quote_wording",
    "name_spelling",
)
_WITHIN_ARTICLE = (disputed_claim, negation_flip, numbers_and_dates)
_NAME = re.compile(r"\b[A-Z][a-z]+(?:[’']s)?\b")


@dataclass(frozen=True)
class ArticleText:
    source: str
    title: str
    published: str | None
    text: str
    sentences: tuple[Span, ...]


class ConflictDetector:
    def __init__(self, nli: NliScorer | None = None, nli_threshold: float = 0.9):
        self.nli = nli
        self.nli_threshold = nli_threshold
        # Questions about one corpus meet the same sentence pairs again and again.
        self._seen: dict[tuple, Finding | None] = {}

    def detect(self, claims: list[Claim], focus: Iterable[int] | None = None) -> list[Conflict]:
        """Conflicts between pairs of `claims` (with one side in `focus`, when given)."""
        if len(claims) < 2:
            return []
        vectors = np.stack([c.vector for c in claims])
        sims = vectors @ vectors.T
        focus_set = set(range(len(claims)) if focus is None else focus)
        found: dict[tuple, tuple[Finding, Claim, Claim]] = {}
        unmatched: list[tuple[int, int]] = []
        for i in range(len(claims)):
            for j in range(i + 1, len(claims)):
                if (i not in focus_set and j not in focus_set) or sims[i, j] < 0.35:
                    continue
                a, b = claims[i], claims[j]
                finding = self._pair_cached(a, b, float(sims[i, j]))
                if finding is None:
                    if self.nli and a.source != b.source and sims[i, j] >= SAME_TOPIC:
                        unmatched.append((i, j))
                    continue
                key = (finding.kind, finding.summary)
                if key not in found or finding.strength > found[key][0].strength:
                    found[key] = (finding, a, b)
        for i, j in self._nli_contradictions(claims, unmatched):
            finding = Finding(
                "factual",
                "An inference model judges these two statements contradictory.",
                claims[i].span,
                claims[j].span,
                float(sims[i, j]),
            )
            found[("nli", i, j)] = (finding, claims[i], claims[j])
        conflicts = [_conflict(f, a, b) for f, a, b in found.values()]
        return rank(_one_per_pair(conflicts))

    def _pair_cached(self, a: Claim, b: Claim, sim: float) -> Finding | None:
        key = (
            a.source,
            a.span,
            a.text,
            a.paragraph,
            b.source,
            b.span,
            b.text,
            b.paragraph,
            round(sim, 4),
        )
        if key in self._seen:
            return self._seen.get(key)
        finding = self._pair(a, b, sim)
        if len(self._seen) > 200_000:
            self._seen.clear()
        self._seen[key] = finding
        return finding

    def _pair(self, a: Claim, b: Claim, sim: float) -> Finding | None:
        if a.source == b.source:
            if _overlap(a.span, b.span):
                return None
            fa, fb = features(a.text), features(b.text)
            if fa.speaker == fb.speaker:
                return None  # one voice within one report: not two sides
            rules = _WITHIN_ARTICLE
        else:
            fa, fb = features(a.text), features(b.text)
            rules = RULES
        if not fa.names & fb.names and len(fa.stems & fb.stems) < 3:
            return None  # every rule needs a shared name or several shared words
        for rule in rules:
            finding = rule(a, b, sim)
            if finding:
                return finding
        return None

    def _nli_contradictions(
        self, claims: list[Claim], pairs: list[tuple[int, int]]
    ) -> list[tuple[int, int]]:
        if not self.nli or not pairs:
            return []
        scores = self.nli.contradiction([(claims[i].text, claims[j].text) for i, j in pairs])
        return [p for p, s in zip(pairs, scores, strict=True) if s >= self.nli_threshold]


def _overlap(x: Span, y: Span) -> bool:
    return x.start < y.end and y.start < x.end


def _side(claim: Claim, span: Span) -> ConflictSide:
    lo = span.start - claim.paragraph_start
    return ConflictSide(
        source=claim.source,
        title=claim.title,
        start=span.start,
        end=span.end,
        quote=claim.paragraph[lo : lo + span.end - span.start],
    )


def _conflict(finding: Finding, a: Claim, b: Claim) -> Conflict:
    side_a, side_b = _side(a, finding.a), _side(b, finding.b)
    kind, summary = finding.kind, finding.summary
    if (
        kind in ("factual", "numeric", "date")
        and a.published
        and b.published
        and a.published != b.published
    ):
        if a.published < b.published:
            side_a, side_b = side_b, side_a
        newer, older = max(a.published, b.published), min(a.published, b.published)
        kind = "outdated"
        summary = (
            f"The newer report ({newer}) differs from the older one ({older}); the older may "
            f"be out of date. {summary}"
        )
    return Conflict(kind=kind, summary=summary, sides=(side_a, side_b))


def _one_per_pair(conflicts: list[Conflict]) -> list[Conflict]:
    """Keep one conflict for any two overlapping sides (the most important kind)."""
    kept: list[Conflict] = []
    for c in rank(conflicts):
        if not any(_same_sides(c, k) for k in kept):
            kept.append(c)
    return kept


def _same_sides(x: Conflict, y: Conflict) -> bool:
    def hits(s: ConflictSide, t: ConflictSide) -> bool:
        return s.source == t.source and s.start < t.end and t.start < s.end

    return (hits(x.sides[0], y.sides[0]) and hits(x.sides[1], y.sides[1])) or (
        hits(x.sides[0], y.sides[1]) and hits(x.sides[1], y.sides[0])
    )


def rank(conflicts: list[Conflict]) -> list[Conflict]:
    return sorted(conflicts, key=lambda c: KIND_ORDER.index(c.kind))


def name_spellings(articles: list[ArticleText]) -> list[tuple[str, str, Conflict]]:
    """The same name spelled two ways in two articles (one letter apart, each consistent);
    each with the two spellings."""
    spellings = {a.source: _canonical_names(a.text) for a in articles}
    conflicts = []
    seen: set[frozenset[str]] = set()
    for i, a in enumerate(articles):
        for b in articles[i + 1 :]:
            names_a, names_b = spellings[a.source], spellings[b.source]
            for x in sorted(names_a.keys() - names_b.keys()):
                for y in sorted(names_b.keys() - names_a.keys()):
                    pair = frozenset((x, y))
                    if pair in seen or not _variant(x, y):
                        continue
                    seen.add(pair)
                    conflicts.append(
                        (
                            x,
                            y,
                            Conflict(
                                kind="name_spelling",
                                summary=(
                                    f"The name is spelled “{x}” in one report, “{y}” in the other."
                                ),
                                sides=(_name_side(a, x), _name_side(b, y)),
                            ),
                        )
                    )
    return conflicts


def _canonical_names(text: str) -> Counter[str]:
    """Capitalised names and their counts, a one-letter typo folded into its frequent twin."""
    counts = Counter(re.sub(r"[’']s$", "", m.group(0)) for m in _NAME.finditer(text))
    for name, n in sorted(counts.items(), key=lambda kv: kv[1]):
        twin = max(
            (o for o in counts if o != name and counts[o] > n and _variant(o, name)),
            key=lambda o: counts[o],
            default=None,
        )
        if twin:
            counts[twin] += counts.pop(name)
    return counts


def _variant(x: str, y: str) -> bool:
    fx, fy = fold(x), fold(y)
    if min(len(fx), len(fy)) < 5 or fx == fy or fx[0] != fy[0]:
        return False
    longer, shorter = (fx, fy) if len(fx) > len(fy) else (fy, fx)
    if longer.startswith(shorter) and longer[len(shorter) :] in ("n", "s"):
        return False  # Russia / Russian, Kherson / Khersons
    return one_edit(fx, fy)


def _name_side(article: ArticleText, name: str) -> ConflictSide:
    at = re.search(rf"\b{re.escape(name)}\b", article.text)
    start = at.start() if at else 0
    span = next((s for s in article.sentences if s.start <= start < s.end), Span(start, start))
    if span.end <= span.start and at:
        span = Span(at.start(), at.end())
    return ConflictSide(
        source=article.source,
        title=article.title,
        start=span.start,
        end=span.end,
        quote=article.text[span.start : span.end],
    )
