"""Every disagreement in the corpus: all sentence pairs for a news-sized corpus, nearest chunks
beyond that.

Comparing all pairs is quadratic: a 100,000-chunk corpus holds about 450,000 sentences, so
100 billion pairs. Past `ALL_PAIRS_LIMIT` sentences each chunk is compared only with its
nearest chunks (dense search on the stored chunk vectors): two reports that disagree speak of
the same thing, and that is what nearness measures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from assistant.claims import Claim
from assistant.conflicts import ConflictDetector, one_per_pair
from assistant.evidence_conflicts import claim_of
from assistant.extractive import ArticleView
from assistant.records import Conflict
from index.records import Chunk
from index.store import Store
from index.units import UnitVectors, sentence_text

ALL_PAIRS_LIMIT = 5_000  # sentences: their similarity matrix takes 100 MB
NEIGHBOURS = 10  # nearest chunks each chunk is compared with
_BATCH = 256  # chunks whose neighbours are looked up in one store call


def nearest_chunk_conflicts(
    chunks: list[Chunk],
    vectors: Callable[[list[Chunk]], dict[str, UnitVectors]],
    store: Store,
    detector: ConflictDetector,
    article: Callable[[str], ArticleView],
) -> list[Conflict]:
    """Conflicts between each chunk's sentences and those of its nearest chunks."""
    found: dict[tuple, Conflict] = {}
    for claims, focus in _blocks(chunks, vectors, store, article):
        for conflict in detector.detect(claims, focus):
            key = (conflict.kind, *((s.source, s.start, s.end) for s in conflict.sides))
            found.setdefault(key, conflict)
    return one_per_pair(list(found.values()))


def _blocks(
    chunks: list[Chunk],
    vectors: Callable[[list[Chunk]], dict[str, UnitVectors]],
    store: Store,
    article: Callable[[str], ArticleView],
) -> Iterator[tuple[list[Claim], range]]:
    for lo in range(0, len(chunks), _BATCH):
        part = chunks[lo : lo + _BATCH]
        units = vectors(part)
        queries = [units[c.id].chunk_vector([s.end - s.start for s in c.sentences]) for c in part]
        hits = store.search_many(queries, NEIGHBOURS + 1)
        near = [
            [h.chunk for h in found if h.chunk.id != c.id]
            for c, found in zip(part, hits, strict=True)
        ]
        near_units = vectors([n for group in near for n in group])
        for chunk, group in zip(part, near, strict=True):
            own = _claims([chunk], units, article, set())
            taken = {(c.source, c.span.start) for c in own}
            others = _claims(group[:NEIGHBOURS], near_units, article, taken)
            yield own + others, range(len(own))


def _claims(
    chunks: list[Chunk],
    units: dict[str, UnitVectors],
    article: Callable[[str], ArticleView],
    taken: set[tuple[str, int]],
) -> list[Claim]:
    out = []
    for chunk in chunks:
        for span, vector in zip(chunk.sentences, units[chunk.id].sentences, strict=True):
            if (chunk.source, span.start) not in taken:
                taken.add((chunk.source, span.start))
                text = sentence_text(chunk, span)
                out.append(claim_of(chunk.source, span, text, vector, article(chunk.source)))
    return out
