"""BM25 keyword search over chunks, with bm25s.

bm25s scores with sparse matrices (fast enough for 100k chunks on a laptop CPU) and is actively
maintained; rank-bm25 scores every document in Python per query. The index lives in memory and
is rebuilt from the store whenever the store's revision changes, so every process sharing a
Chroma server sees the same corpus without a second copy to keep in step.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Callable

import bm25s
import numpy as np

from index.records import Chunk
from index.terms import terms


class KeywordIndex:
    def __init__(self) -> None:
        self._chunks: list[Chunk] = []
        self._bm25: bm25s.BM25 | None = None
        self._revision: str | None = None
        self._df: Counter[str] = Counter()
        self._lock = threading.Lock()

    def ensure(self, revision: str, load: Callable[[], list[Chunk]]) -> None:
        """Rebuild from `load()` unless already built for `revision`."""
        with self._lock:
            if revision == self._revision:
                return
            chunks = load()
            bm25 = None
            tokens = [terms(c.text) for c in chunks]
            if any(tokens):
                bm25 = bm25s.BM25()
                bm25.index(_as_corpus(tokens), show_progress=False)
            df: Counter[str] = Counter()
            for doc in tokens:
                df.update(set(doc))
            self._chunks, self._bm25, self._df, self._revision = chunks, bm25, df, revision

    def idf(self, term: str) -> float:
        """Inverse chunk frequency; a term the corpus never uses weighs most."""
        n = len(self._chunks)
        return math.log((n + 1) / (self._df.get(term, 0) + 0.5))

    @property
    def chunks(self) -> list[Chunk]:
        return self._chunks

    def search(self, query: str, k: int) -> list[tuple[Chunk, float]]:
        with self._lock:
            bm25, chunks = self._bm25, self._chunks
        if bm25 is None or not chunks:
            return []
        query_terms = [t for t in dict.fromkeys(terms(query)) if t in bm25.vocab_dict]
        if not query_terms:
            return []
        scores = bm25.get_scores(query_terms)
        k = min(k, len(chunks))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(chunks[i], float(scores[i])) for i in top if scores[i] > 0]


def _as_corpus(tokens: list[list[str]]) -> bm25s.tokenization.Tokenized:
    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(t, len(vocab)) for t in doc] for doc in tokens]
    return bm25s.tokenization.Tokenized(ids=ids, vocab=vocab)
