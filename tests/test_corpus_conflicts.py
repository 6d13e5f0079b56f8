"""Corpus-wide conflicts past the all-pairs limit: comparing each chunk with its nearest chunks
finds what comparing every pair finds on the sample corpus, with exact sides."""

from __future__ import annotations

from assistant import ConflictFinder


def _key(conflict):
    return (conflict.kind, *((s.source, s.start, s.end) for s in conflict.sides))


def test_nearest_chunks_find_the_all_pairs_conflicts(sample_bot):
    every_pair = sample_bot.conflicts()
    assert every_pair, "the sample corpus has conflicts"
    detector = sample_bot.conflict_finder.detector
    nearest_only = ConflictFinder(sample_bot.corpus, detector, all_pairs_limit=0)
    nearest = sample_bot.replace(conflicts=nearest_only).conflicts()
    found = {_key(c) for c in nearest}
    missed = [c for c in every_pair if _key(c) not in found]
    print(f"all pairs {len(every_pair)}, nearest chunks {len(nearest)}, missed {len(missed)}")
    assert len(missed) <= len(every_pair) // 10, missed  # 19 of 20 here, with 10 neighbours
    for side in (s for c in nearest for s in c.sides):
        assert sample_bot.article(side.source).text[side.start : side.end] == side.quote
