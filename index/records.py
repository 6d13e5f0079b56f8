"""Typed records passed between the corpus-side stages."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Article:
    """One article: `text` is kept exactly as decoded, so offsets into it stay exact."""

    source: str
    title: str
    text: str
    published: str | None = None  # ISO date (YYYY-MM-DD) when the article states one
    url: str | None = None
    author: str | None = None  # the byline, where a page or feed names one

    @property
    def sha256(self) -> str:
        return sha256_hex(self.text)


@dataclass(frozen=True)
class Span:
    """A half-open character range `[start, end)` of an article's text."""

    start: int
    end: int

    def of(self, text: str) -> str:
        return text[self.start : self.end]


@dataclass(frozen=True)
class Chunk:
    """A run of whole sentences of one article; offsets refer to the article text."""

    id: str
    source: str
    article_sha: str
    start: int
    end: int
    text: str
    sentences: tuple[Span, ...]

    @staticmethod
    def make_id(source: str, article_sha: str, start: int, end: int) -> str:
        # Content-derived: the same file indexed twice yields the same ids.
        return sha256_hex(f"{source}\x00{article_sha}\x00{start}\x00{end}")[:32]


@dataclass(frozen=True)
class ArticleInfo:
    """What the store keeps about an article besides its chunks."""

    source: str
    title: str
    published: str | None
    url: str | None
    sha256: str
    chunks: int
    author: str | None = None


@dataclass(frozen=True)
class Skipped:
    """A file the loader could not use, and why. `would_replace`: the indexed article of the
    same name and other content it was refused not to replace (front ends say how to ask)."""

    path: str
    reason: str
    would_replace: str | None = None


@dataclass(frozen=True)
class IndexReport:
    """What an indexing run did."""

    added: tuple[str, ...] = ()
    replaced: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    chunks_added: int = 0

    def to_dict(self) -> dict:
        return {
            "added": list(self.added),
            "replaced": list(self.replaced),
            "unchanged": list(self.unchanged),
            "removed": list(self.removed),
            "skipped": [
                {"path": s.path, "reason": s.reason}
                | ({"would_replace": s.would_replace} if s.would_replace else {})
                for s in self.skipped
            ],
            "chunks_added": self.chunks_added,
        }
