"""The retrieval stage's interface and what it returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from index.records import Chunk


@dataclass(frozen=True)
class RetrievedChunk:
    chunk: Chunk
    score: float  # the retriever's score: higher is better
    rank: int


class Retriever(Protocol):
    def retrieve(
        self, question: str, k: int, vector: np.ndarray | None = None
    ) -> list[RetrievedChunk]:
        """The `k` best chunks for `question`, best first (`vector`: its embedding, when
        already computed)."""
        ...
