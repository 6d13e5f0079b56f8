"""What is embedded of a chunk: each sentence, and clause windows of its long sentences.

They are embedded once, at index time, and stored with the chunk, so a question needs only its
own embedding. The chunk's vector for dense search is the normalised mean of its sentence
vectors (weighted by length), which spares a second pass of the model over the same text.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from index.records import Chunk, Span

_CLAUSE_BREAK = re.compile(r"[,;:—–]\s+|\s+[—–]\s+")
_LONG = 25  # words


def sentence_text(chunk: Chunk, span: Span) -> str:
    return chunk.text[span.start - chunk.start : span.end - chunk.start]


def clauses(sentence: str) -> list[str]:
    """Clause-sized windows of a long sentence (none for a short one): a long sentence's vector
    blurs its parts, so a question about one part is matched against that part too."""
    if len(sentence.split()) <= _LONG:
        return []
    parts = [p for p in _CLAUSE_BREAK.split(sentence) if p.strip()]
    merged: list[str] = []
    for part in parts:
        if merged and len(merged[-1].split()) < 6:
            merged[-1] = f"{merged[-1]}, {part}"
        else:
            merged.append(part)
    return merged if len(merged) > 1 else []


@dataclass(frozen=True)
class ChunkUnits:
    texts: tuple[str, ...]  # the chunk's sentences, then the clause windows
    owners: tuple[int, ...]  # for each text, the index of its sentence in the chunk


def chunk_units(chunk: Chunk) -> ChunkUnits:
    sentences = [sentence_text(chunk, s) for s in chunk.sentences]
    texts, owners = list(sentences), list(range(len(sentences)))
    for i, sentence in enumerate(sentences):
        for clause in clauses(sentence):
            texts.append(clause)
            owners.append(i)
    return ChunkUnits(tuple(texts), tuple(owners))


@dataclass(frozen=True, eq=False)  # identity: it holds a numpy array
class UnitVectors:
    """Unit vectors of a chunk's units, rows in `ChunkUnits` order."""

    vectors: np.ndarray
    owners: tuple[int, ...]

    @cached_property
    def sentences(self) -> np.ndarray:
        """One row per sentence of the chunk."""
        # sentences own themselves (row i, owner i); clause rows come after them
        count = next((i for i, o in enumerate(self.owners) if o != i), len(self.owners))
        return self.vectors[:count]

    def fits(self, sentences: int, dimension: int) -> bool:
        """Were these made for a chunk of `sentences` sentences, by a model of `dimension`?"""
        return (
            len(self.sentences) == sentences
            and self.vectors.shape[1] == dimension
            and all(0 <= o < sentences for o in self.owners)
        )

    def similarities(self, query: np.ndarray) -> np.ndarray:
        """Per sentence, its best cosine to `query` over the sentence and its clauses."""
        sims = self.vectors @ query
        best = sims[: len(self.sentences)].copy()
        np.maximum.at(best, np.asarray(self.owners, dtype=np.intp), sims)
        return best

    def chunk_vector(self, lengths: list[int]) -> np.ndarray:
        """The chunk's vector for dense search: its sentence vectors averaged, weighted by
        sentence length as the model's mean pooling over the chunk's tokens would weigh them.
        On the evaluation set this matches embedding the chunk text (see PERFORMANCE.md)."""
        mean = np.asarray(lengths, dtype=np.float32) @ self.sentences
        return mean / max(float(np.linalg.norm(mean)), 1e-12)

    def pack(self) -> str:
        """int8 with one scale per row (a quarter of float32; cosines move by about 1e-4)."""
        scales = np.maximum(np.abs(self.vectors).max(axis=1), 1e-12).astype(np.float32)
        quantised = np.round(self.vectors / scales[:, None] * 127).astype(np.int8)
        return base64.b64encode(scales.tobytes() + quantised.tobytes()).decode("ascii")

    @staticmethod
    def unpack(packed: str, owners: tuple[int, ...]) -> UnitVectors:
        raw = base64.b64decode(packed)
        rows = len(owners)
        dimension = len(raw) // rows - 4 if rows else 0
        if not rows or len(raw) != rows * (4 + dimension):
            raise ValueError(f"packed vectors hold {len(raw)} bytes, not {rows} rows")
        scales = np.frombuffer(raw[: 4 * rows], dtype=np.float32)
        quantised = np.frombuffer(raw[4 * rows :], dtype=np.int8).reshape(rows, dimension)
        vectors = quantised.astype(np.float32) * (scales[:, None] / 127)
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return UnitVectors(vectors, owners)
