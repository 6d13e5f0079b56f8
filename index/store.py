"""The vector store: one Protocol, so retrieval does not depend on a particular database."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from index.records import Article, ArticleInfo, Chunk
from index.units import UnitVectors


@dataclass(frozen=True)
class DenseHit:
    chunk: Chunk
    similarity: float  # cosine similarity, higher is closer


class Store(Protocol):
    where: str  # what it is, for messages: "store PATH", "Chroma server HOST:PORT", "memory"

    def article_sha(self, source: str) -> str | None: ...

    def put_article(
        self,
        article: Article,
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        units: Sequence[UnitVectors] | None = None,
    ) -> None:
        """Add or replace an article; readers see the old or the new version, never a mix.
        `units` are the chunks' sentence vectors, kept so questions need not embed them."""
        ...

    def put_articles(
        self,
        items: Sequence[tuple[Article, Sequence[Chunk], np.ndarray, Sequence[UnitVectors]]],
        between: Callable[[int], None] | None = None,
    ) -> None:
        """Add or replace several articles with one commit: readers see all or none of them.
        `between(chunks_written)` runs after each batch of chunks; if it raises, nothing is
        committed and the chunks written are deleted."""
        ...

    def unit_vectors(self, ids: Sequence[str]) -> dict[str, UnitVectors]:
        """The stored sentence vectors of these chunks (chunks stored without them are absent)."""
        ...

    def remove_article(self, source: str) -> bool: ...

    def remove_articles(self, sources: Sequence[str]) -> list[str]:
        """Remove several articles with one commit; the sources that were indexed."""
        ...

    def sweep(self, full: bool = False) -> int:
        """Finish what writing runs that died left behind (chunks no current article owns);
        how many chunks went. Never touches the work of a live writer. `full`: check every
        chunk, not only the dead runs' (slow)."""
        ...

    def writing(self) -> AbstractContextManager[Any]:
        """A writing run (nested calls share it): what it writes is safe from sweeps and other
        writers until it ends."""
        ...

    def manifest(self) -> dict | None:
        """The record of what built the store (see manifest.py); None if it has none."""
        ...

    def set_manifest(self, meta: dict) -> None: ...

    def stamp(self) -> str | None:
        """The revision stamp (one record; None: nothing was ever committed)."""
        ...

    def reset(self) -> None:
        """Delete every chunk and record."""
        ...

    def snapshot(self) -> tuple[str | None, dict[str, dict]]:
        """(revision stamp, source -> article record) of one consistent view."""
        ...

    def adopt(self, stamp: str | None, records: list[dict]) -> bool:
        """Use saved article records as the view if the store is still at `stamp`."""
        ...

    def chunks_of(self, sources: Sequence[str]) -> list[Chunk]:
        """The current chunks of these articles."""
        ...

    def articles(self) -> list[ArticleInfo]: ...

    def article_record(self, source: str) -> tuple[dict, str] | None: ...

    def article_records(self, sources: Sequence[str]) -> Iterator[tuple[str, dict, str]]:
        """(source, metadata, text) of the indexed ones among `sources`, read in bulk."""
        ...

    def invalidate(self) -> None: ...

    def all_chunks(self) -> list[Chunk]: ...

    def search(self, vector: np.ndarray, k: int) -> list[DenseHit]: ...

    def nearest(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """(chunk id, similarity) of the nearest chunks, of any version of their article."""
        ...

    def chunks(self, ids: Sequence[str]) -> dict[str, Chunk]:
        """The chunks among `ids` that belong to current versions of their articles."""
        ...

    def search_many(self, vectors: list[np.ndarray], k: int) -> list[list[DenseHit]]: ...

    def revision(self) -> str:
        """Changes whenever the set of current articles changes (also by another process)."""
        ...
