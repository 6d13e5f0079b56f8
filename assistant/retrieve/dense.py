"""Dense retrieval alone: the nearest chunks by meaning, what evaluation compares the hybrid
retriever with."""

from __future__ import annotations

import numpy as np

from assistant.retrieve.retriever import RetrievedChunk
from index.corpus import Corpus


class DenseRetriever:
    def __init__(self, corpus: Corpus):
        self.corpus = corpus

    def retrieve(
        self, question: str, k: int, vector: np.ndarray | None = None
    ) -> list[RetrievedChunk]:
        self.corpus.refresh()  # the catalogue answering reads (term weights) follows the store
        if vector is None:
            vector = self.corpus.embed_query(question)
        hits = self.corpus.store.search(vector, k)
        return [RetrievedChunk(h.chunk, h.similarity, i) for i, h in enumerate(hits)]
