"""Conflict detection: pair claims about the same thing, apply the rules, quote both sides.

Used per question (among the evidence) and corpus-wide. An optional NLI cross-encoder can add
contradictions the rules miss; the rules stand on their own.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import numpy as np

from assistant.conflicts.claims import Claim
from assistant.conflicts.features import features
from assistant.conflicts.kinds import ConflictKind, rank
from assistant.conflicts.nli import NliScorer
from assistant.conflicts.rules import (
    RULES,
    SAME_TOPIC,
    Finding,
    disputed_claim,
    negation_flip,
    numbers_and_dates,
)
from assistant.records import Conflict, ConflictSide
from index.checks import between
from index.records import Span

_WITHIN_ARTICLE = (disputed_claim, negation_flip, numbers_and_dates)
_RELATED = 0.35  # cosine similarity of a pair worth the rules at all
_SHARED_WORDS = 3  # content words two claims share when they share no name
_SEEN = 200_000  # pair verdicts remembered


class ConflictDetector:
    def __init__(self, nli: NliScorer | None = None, nli_threshold: float = 0.9):
        between("nli_threshold", nli_threshold, 0, 1)
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
        # the pairs worth the rules: related in meaning, one side in focus, each pair once
        candidate = np.triu(sims >= _RELATED, k=1)
        if focus is not None:
            in_focus = np.zeros(len(claims), dtype=bool)
            in_focus[list(focus)] = True
            candidate &= in_focus[:, None] | in_focus[None, :]
        found: dict[tuple, tuple[Finding, Claim, Claim]] = {}
        unmatched: list[tuple[int, int]] = []
        for i, j in zip(*np.nonzero(candidate), strict=True):
            a, b, sim = claims[i], claims[j], float(sims[i, j])
            finding = self._pair_cached(a, b, sim)
            if finding is None:
                if self.nli and a.source != b.source and sim >= SAME_TOPIC:
                    unmatched.append((int(i), int(j)))
                continue
            key = (finding.kind, finding.summary)
            if key not in found or finding.strength > found[key][0].strength:
                found[key] = (finding, a, b)
        for i, j in self._nli_contradictions(claims, unmatched):
            finding = Finding(
                ConflictKind.FACTUAL,
                "An inference model judges these two statements contradictory.",
                claims[i].span,
                claims[j].span,
                float(sims[i, j]),
            )
            found[("nli", i, j)] = (finding, claims[i], claims[j])
        conflicts = [_conflict(f, a, b) for f, a, b in found.values()]
        return rank(one_per_pair(conflicts))

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
        if len(self._seen) > _SEEN:
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
        if not fa.names & fb.names and len(fa.stems & fb.stems) < _SHARED_WORDS:
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
        kind in (ConflictKind.FACTUAL, ConflictKind.NUMERIC, ConflictKind.DATE)
        and a.published
        and b.published
        and a.published != b.published
    ):
        if a.published < b.published:
            side_a, side_b = side_b, side_a
        newer, older = max(a.published, b.published), min(a.published, b.published)
        kind = ConflictKind.OUTDATED
        summary = (
            f"The newer report ({newer}) differs from the older one ({older}); the older may "
            f"be out of date. {summary}"
        )
    return Conflict(kind=kind, summary=summary, sides=(side_a, side_b))


def one_per_pair(conflicts: list[Conflict]) -> list[Conflict]:
    """Keep one conflict for any two overlapping sides (the most important kind)."""
    kept: list[Conflict] = []
    for c in rank(conflicts):
        if not any(same_sides(c, k) for k in kept):
            kept.append(c)
    return kept


def same_sides(x: Conflict, y: Conflict) -> bool:
    def hits(s: ConflictSide, t: ConflictSide) -> bool:
        return s.source == t.source and s.start < t.end and t.start < s.end

    return (hits(x.sides[0], y.sides[0]) and hits(x.sides[1], y.sides[1])) or (
        hits(x.sides[0], y.sides[1]) and hits(x.sides[1], y.sides[0])
    )


def grouped(conflicts: list[Conflict]) -> list[Conflict]:
    """One entry per disputed statement, for the corpus-wide list: conflicts of one kind that
    share a side become one entry with that side first and every report against it after it.
    The statement most disputed is grouped first; order otherwise follows `conflicts`."""
    left = list(conflicts)
    groups: list[tuple[int, Conflict]] = []
    while left:
        # "outdated" stays pairwise: each pair leads with its newer report
        shared = Counter(
            (c.kind, _key(s)) for c in left if c.kind != ConflictKind.OUTDATED for s in c.sides
        )
        if not shared:
            groups += [(conflicts.index(c), c) for c in left]
            break
        (kind, anchor), count = shared.most_common(1)[0]
        if count < 2:
            groups += [(conflicts.index(c), c) for c in left]
            break
        members = [c for c in left if c.kind == kind and anchor in map(_key, c.sides)]
        first = next(s for s in members[0].sides if _key(s) == anchor)
        others = {_key(s): s for c in members for s in c.sides if _key(s) != anchor}
        lead = members[0].summary.rstrip(".")
        summary = f"{lead}; {len(others)} statements in all disagree with the first."
        merged = Conflict(kind, summary, (first, *others.values()))
        groups.append((min(conflicts.index(c) for c in members), merged))
        left = [c for c in left if c not in members]
    return [c for _, c in sorted(groups, key=lambda g: g[0])]


def _key(side: ConflictSide) -> tuple[str, int, int]:
    return side.source, side.start, side.end
