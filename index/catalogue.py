"""The chunk catalogue: every chunk of the current articles, with BM25 keyword search over them,
term document frequencies, and lookups by id and by article.

Retrieval, sentence scoring, conflict detection and evaluation all read it. It is a list of
immutable segments (`segment.py`: numpy arrays, memory-mapped when saved) and, per segment, which
rows are still current. When the store changes, only the articles that changed are touched:
their old rows are marked gone and their new chunks, read from the store, become a new segment;
small segments are merged as they accumulate (each merge at most doubles a segment, so a chunk
is merged O(log n) times). BM25 is scored at question time from the stored term frequencies,
with the formula bm25s uses by default (Lucene's: idf = ln(1 + (N - df + 0.5) / (df + 0.5)),
k1 = 1.5, b = 0.75), so the scores are those of the earlier bm25s index, while adding articles
costs time in proportion to the new chunks, not to the corpus.

Beside an embedded store the catalogue is saved (`catalogue_files.py`) with the store revision
stamp it matches, so a fresh process maps it instead of reading every chunk back from Chroma.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from index.records import Chunk, Span
from index.segment import Segment
from index.terms import terms

K1, B = 1.5, 0.75


@dataclass(frozen=True, eq=False)
class State:
    """One consistent catalogue: replaced whole on each update, so readers need no lock."""

    segments: tuple[Segment, ...]
    live: tuple[np.ndarray, ...]  # per segment: which rows are current
    held: Mapping[str, tuple[str, int, int]]  # source -> (sha256, segment, article row)
    count: int  # live chunks
    length: int  # their terms, in all (BM25's average document length)


_EMPTY = State((), (), {}, 0, 0)


class ChunkCatalogue:
    def __init__(self) -> None:
        self._state = _EMPTY
        self._revision: str | None = None
        self._df: dict[str, int] = {}
        self._chunks: list[Chunk] | None = None
        self._by_id: dict[str, Chunk] = {}
        self._lock = threading.Lock()  # one update at a time

    @property
    def revision(self) -> str | None:
        """The store revision the catalogue matches (None: not built yet)."""
        return self._revision

    @property
    def articles(self) -> dict[str, str]:
        """source -> sha256 of the articles it holds."""
        return {s: h[0] for s, h in self._state.held.items()}

    @property
    def state(self) -> State:
        return self._state

    def adopt(self, state: State, revision: str) -> None:
        """Take a loaded catalogue as the current one."""
        with self._lock:
            self._set(state, revision)

    def update(
        self,
        revision: str,
        current: Mapping[str, str],
        read: Callable[[list[str]], list[Chunk]],
    ) -> bool:
        """Bring the catalogue to `current` (source -> sha256 of each current article): the
        rows of changed or removed articles are marked gone, and the chunks of new or changed
        ones are read with `read(sources)` into a new segment. Whether anything changed."""
        with self._lock:
            if revision == self._revision:
                return False
            state = self._state
            gone = [s for s, h in state.held.items() if current.get(s) != h[0]]
            changed = set(gone)
            new = [s for s in current if s not in state.held or s in changed]
            if not gone and not new:
                self._revision = revision
                return False
            live = [m.copy() for m in state.live]
            held = dict(state.held)
            for source in gone:
                _, seg, art = held.pop(source)
                first, count = (int(x) for x in _article_rows(state.segments[seg], art))
                live[seg][first : first + count] = False
            chunks = [c for c in read(new) if current.get(c.source) == c.article_sha]
            order = {s: i for i, s in enumerate(new)}
            chunks.sort(key=lambda c: (order[c.source], c.start, c.end))
            segments = list(state.segments)
            if chunks:
                segments.append(Segment.build(chunks))
                live.append(np.ones(len(chunks), dtype=bool))
            if chunks:
                last = len(segments) - 1
                for art, (source, sha, _, _) in enumerate(segments[last].articles()):
                    held[source] = (sha, last, art)
            self._set(_merged(state_of(segments, live, held)), revision)
            return True

    def _set(self, state: State, revision: str) -> None:
        self._state, self._revision = state, revision
        self._df, self._chunks, self._by_id = {}, None, {}

    # -- reading -------------------------------------------------------------------------------

    def idf(self, term: str) -> float:
        """Inverse chunk frequency; a term the corpus never uses weighs most."""
        state = self._state
        df = self._df.get(term)
        if df is None:
            df = sum(int(live[p[0]].sum()) for _, live, p in _postings(state, term))
            self._df[term] = df
        return math.log((state.count + 1) / (df + 0.5))

    @property
    def chunks(self) -> list[Chunk]:
        """Every current chunk, in catalogue order (built when first asked)."""
        state, found = self._state, self._chunks
        if found is None:
            found = [
                seg.chunk(int(row))
                for seg, live in zip(state.segments, state.live, strict=True)
                for row in np.flatnonzero(live)
            ]
            if state is self._state:
                self._chunks = found
        return found

    def __len__(self) -> int:
        return self._state.count

    def chunk(self, cid: str) -> Chunk | None:
        """The indexed chunk with this id, if any."""
        found = self._by_id.get(cid)
        if found is not None:
            return found
        state = self._state
        for seg, live in zip(reversed(state.segments), reversed(state.live), strict=True):
            row = seg.row_of(cid)
            if row is not None and live[row]:
                found = seg.chunk(row)
                if state is self._state and len(self._by_id) < 50_000:
                    self._by_id[cid] = found
                return found
        return None

    def sentences(self, source: str, article_sha: str) -> tuple[Span, ...]:
        """The sentences of this version of an article, in order, as its chunks hold them
        (none if the index holds another version)."""
        state = self._state
        held = state.held.get(source)
        if held is None or held[0] != article_sha:
            return ()
        seg = state.segments[held[1]]
        first, count = _article_rows(seg, held[2])
        spans = {s for row in range(first, first + count) for s in seg.chunk(row).sentences}
        return tuple(sorted(spans, key=lambda s: s.start))

    def search(self, query: str, k: int) -> list[tuple[Chunk, float]]:
        state = self._state
        if not state.count or k < 1:
            return []
        average = state.length / state.count
        scores = [np.zeros(len(seg), dtype=np.float32) for seg in state.segments]
        for term in dict.fromkeys(terms(query)):
            found = list(_postings(state, term))
            df = sum(int(live[rows].sum()) for _, live, (rows, _) in found)
            if not df:
                continue
            idf = math.log(1 + (state.count - df + 0.5) / (df + 0.5))
            for i, _, (rows, tf) in found:
                lengths = state.segments[i].arrays["lengths"][rows]
                norm = K1 * ((1 - B) + B * lengths / average)
                scores[i][rows] += (idf * tf / (norm + tf)).astype(np.float32)
        flat = np.concatenate([s * live for s, live in zip(scores, state.live, strict=True)])
        k = min(k, len(flat))
        top = np.argpartition(-flat, k - 1)[:k]
        top = top[np.lexsort((top, -flat[top]))]  # ties in catalogue order
        starts = np.cumsum([0, *(len(seg) for seg in state.segments)])
        out = []
        for at in top:
            if flat[at] <= 0:
                continue
            i = int(np.searchsorted(starts, at, side="right") - 1)
            out.append((state.segments[i].chunk(int(at - starts[i])), float(flat[at])))
        return out


def _postings(state: State, term: str):
    """(segment index, live mask, (rows, tf)) of each segment that uses `term`."""
    for i, (seg, live) in enumerate(zip(state.segments, state.live, strict=True)):
        found = seg.postings(term)
        if found is not None:
            yield i, live, (np.asarray(found[0]), np.asarray(found[1]))


def _article_rows(seg: Segment, article: int) -> tuple[int, int]:
    return int(seg.arrays["first"][article]), int(seg.arrays["count"][article])


def state_of(
    segments: Sequence[Segment],
    live: Sequence[np.ndarray],
    held: Mapping[str, tuple[str, int, int]] | None = None,
) -> State:
    """The state of these segments, with `held` (None: every live article found in them)."""
    if held is None:
        held = {
            source: (sha, i, art)
            for i, seg in enumerate(segments)
            for art, (source, sha, first, count) in enumerate(seg.articles())
            if count and live[i][first]
        }
    count = sum(int(m.sum()) for m in live)
    length = sum(
        int(np.asarray(seg.arrays["lengths"])[m].sum())
        for seg, m in zip(segments, live, strict=True)
    )
    return State(tuple(segments), tuple(live), dict(held), count, length)


def _merged(state: State) -> State:
    """Merge the newest segments while the newest holds at least half as many live chunks as
    the one before it (and drop segments with nothing live): few segments, and each chunk is
    rewritten a logarithmic number of times."""
    pairs = [(seg, m) for seg, m in zip(state.segments, state.live, strict=True) if m.any()]
    changed = len(pairs) != len(state.segments)
    while len(pairs) >= 2 and 2 * pairs[-1][1].sum() >= pairs[-2][1].sum():
        (a, ma), (b, mb) = pairs.pop(), pairs.pop()
        chunks = [b.chunk(int(r)) for r in np.flatnonzero(mb)]
        chunks += [a.chunk(int(r)) for r in np.flatnonzero(ma)]
        pairs.append((Segment.build(chunks), np.ones(len(chunks), dtype=bool)))
        changed = True
    if not changed:
        return state
    return state_of([seg for seg, _ in pairs], [m for _, m in pairs])
