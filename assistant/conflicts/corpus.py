"""Every disagreement in the corpus: all sentence pairs for a news-sized corpus, nearest chunks
beyond that.

Comparing all pairs is quadratic: a 100,000-chunk corpus holds about 450,000 sentences, so
100 billion pairs. Past `ALL_PAIRS_LIMIT` sentences each chunk is compared only with its
nearest chunks (dense search on the stored chunk vectors): two reports that disagree speak of
the same thing, and that is what nearness measures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from assistant.conflicts.claims import Claim, sentence_claims
from assistant.conflicts.detector import ConflictDetector, grouped, one_per_pair
from assistant.conflicts.kinds import ConflictKind, rank
from assistant.conflicts.name_spellings import ArticleText, name_spellings
from assistant.conflicts.spellings import Spellings
from assistant.quantities import same_slot
from assistant.records import Conflict
from index.corpus import Corpus
from index.records import Chunk
from index.store import Store
from index.units import UnitVectors
from index.views import ArticleView, ArticleViews

ALL_PAIRS_LIMIT = 5_000  # sentences: their similarity matrix takes 100 MB
NEIGHBOURS = 10  # nearest chunks each chunk is compared with
_BATCH = 256  # chunks whose neighbours are looked up in one store call


def corpus_conflicts(
    corpus: Corpus,
    detector: ConflictDetector,
    spellings: Spellings,
    all_pairs_limit: int = ALL_PAIRS_LIMIT,
) -> list[Conflict]:
    """Every disagreement among the catalogue's chunks, most important kinds first."""
    chunks = corpus.chunks
    # every article is quoted from, many times over: read them all once, in bulk
    views = ArticleViews(corpus.store, kept=len({c.source for c in chunks}) + 1)
    views.read(c.source for c in chunks)
    if sum(len(c.sentences) for c in chunks) > all_pairs_limit:
        found = nearest_chunk_conflicts(
            chunks, corpus.unit_vectors, corpus.store, detector, views.get
        )
        found += spellings.conflicts(spellings.pairs(), views.read)
    else:
        claims, texts = all_claims(chunks, corpus.unit_vectors(chunks), views.get)
        found = detector.detect(claims) + [c for _, _, c in name_spellings(texts)]
    # Listed with no question to make both sides relevant, differing figures must also be of
    # the same thing. A trade: on bbc_dev it raised the list's precision, on WikiContradict
    # it cost corpus-wide recall; per answer (where the question does that work) it cost
    # recall and bought nothing, so it is applied here only.
    found = [c for c in found if c.kind not in _FIGURES or _same_slot(c)]
    return grouped(rank(found))


# kinds that may compare figures ("outdated" is a numeric, date or factual one between dated
# reports; for the latter two `same_slot` finds no shared figures and keeps them)
_FIGURES = (ConflictKind.NUMERIC, ConflictKind.OUTDATED)


def _same_slot(conflict: Conflict) -> bool:
    first = conflict.sides[0].quote
    return all(same_slot(first, other.quote) for other in conflict.sides[1:])


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
            taken: set[tuple[str, int]] = set()
            own = sentence_claims([chunk], units, article, taken)
            others = sentence_claims(group[:NEIGHBOURS], near_units, article, taken)
            yield own + others, range(len(own))


def all_claims(
    chunks: list[Chunk],
    vectors: dict[str, UnitVectors],
    article: Callable[[str], ArticleView],
) -> tuple[list[Claim], list[ArticleText]]:
    """Every sentence of `chunks` as a claim, in article order, and the articles with those
    sentences; `vectors` are the chunks' sentence vectors by chunk id."""
    found = sentence_claims(chunks, vectors, article, set())
    claims = sorted(found, key=lambda c: (c.source, c.span.start))
    texts = []
    for source in sorted({c.source for c in claims}):
        view = article(source)
        spans = tuple(c.span for c in claims if c.source == source)
        texts.append(ArticleText(source, view.title, view.published, view.text, spans))
    return claims, texts
