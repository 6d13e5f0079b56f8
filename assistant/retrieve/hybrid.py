"""Hybrid retrieval: dense (Chroma) and BM25 candidates fused by reciprocal rank."""

from __future__ import annotations

import numpy as np

from assistant.retrieve.retriever import RetrievedChunk
from index.checks import at_least
from index.corpus import Corpus
from index.records import Chunk

_RRF_K = 60  # the constant from Cormack et al. (2009); robust across collections
_SPARE = 8  # dense hits asked beyond `candidates`, for chunks of a version being replaced


class HybridRetriever:
    def __init__(self, corpus: Corpus, candidates: int = 20):
        """`candidates`: dense and keyword hits each, fused into one ranking."""
        at_least("candidates", candidates, 1)
        self.corpus, self.candidates = corpus, candidates

    def retrieve(
        self, question: str, k: int, vector: np.ndarray | None = None
    ) -> list[RetrievedChunk]:
        self.corpus.refresh()
        if vector is None:
            vector = self.corpus.embed_query(question)
        fused: dict[str, float] = {}
        chunks: dict[str, Chunk] = {}
        for rank, chunk in enumerate(self.dense_chunks(vector)):
            fused[chunk.id] = fused.get(chunk.id, 0.0) + 1.0 / (_RRF_K + rank + 1)
            chunks[chunk.id] = chunk
        keyword = self.corpus.catalogue.search(question, self.candidates)
        for rank, (chunk, _) in enumerate(keyword):
            fused[chunk.id] = fused.get(chunk.id, 0.0) + 1.0 / (_RRF_K + rank + 1)
            chunks[chunk.id] = chunk
        # ties (common in reciprocal ranks) go to article and place, not to the id: ids derive
        # from the path, so one folder read as ../x or /abs/x would be answered differently
        # (sources keep their order under one root; two roots may still sort either way)
        order = sorted(fused, key=lambda cid: (-fused[cid], chunks[cid].source, chunks[cid].start))
        order = order[:k]
        return [RetrievedChunk(chunks[cid], fused[cid], i) for i, cid in enumerate(order)]

    def dense_chunks(self, vector: np.ndarray) -> list[Chunk]:
        """The nearest chunks of current articles, nearest first. Their texts come from the
        catalogue (which holds every chunk), so the store is searched for ids alone; a chunk
        the catalogue does not hold (it was refreshed before a change) is read."""
        store, catalogue = self.corpus.store, self.corpus.catalogue
        hits = store.nearest(vector, self.candidates + _SPARE)
        known = {cid: catalogue.chunk(cid) for cid, _ in hits}
        read = store.chunks([cid for cid, chunk in known.items() if chunk is None])
        found = [known[cid] or read.get(cid) for cid, _ in hits]
        current = [c for c in found if c and store.article_sha(c.source) == c.article_sha]
        return current[: self.candidates]
