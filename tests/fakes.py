"""A deterministic stand-in for the embedding model, for the fast tier: logic tests that need
no model. Never for the test that shows a feature works (those load the real MiniLM)."""

from __future__ import annotations

import hashlib

import numpy as np

from index.terms import terms, words

DIMENSION = 384  # MiniLM's, so stored vectors have the shape the real ones have


class HashEmbedder:
    """Each word stem hashed into one of 384 dimensions, counted, normalised: texts that share
    words are close, in every process alike (no Python `hash`, which is salted)."""

    name = "fake-hash"
    dimension = DIMENSION
    fingerprint = "fake-hash-1"

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        for row, text in enumerate(texts):
            for token in terms(text) or words(text):
                digest = hashlib.blake2b(token.encode("utf-8"), digest_size=4).digest()
                out[row, int.from_bytes(digest, "big") % DIMENSION] += 1.0
            norm = float(np.linalg.norm(out[row]))
            if norm:
                out[row] /= norm
            else:
                out[row, 0] = 1.0  # no words at all: still a unit vector
        return out

    def embed_cached(self, texts: list[str]) -> np.ndarray:
        return self.embed(texts)
