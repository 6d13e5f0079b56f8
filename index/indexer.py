"""Indexing: files -> articles -> chunks -> sentence vectors -> store, skipping the unchanged."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np

from index.chunker import chunk_article
from index.embedder import Embedder
from index.errors import LoadError
from index.loader import SourceFile, find_files, load_file
from index.records import Article, Chunk, IndexReport, Skipped
from index.store import Store
from index.units import UnitVectors, chunk_units

log = logging.getLogger(__name__)
_EMBED_BATCH = 256  # chunks embedded together, across articles, to keep the model busy


class Indexer:
    def __init__(self, store: Store, embedder: Embedder, chunk_chars: int, overlap: int):
        self.store, self.embedder = store, embedder
        self.chunk_chars, self.overlap = chunk_chars, overlap

    def index_paths(
        self,
        paths: Iterable[str | Path],
        progress: Callable[[str], None] | None = None,
        sync: bool = False,
    ) -> IndexReport:
        """Index files and folders; with `sync`, also remove the articles of files that are
        gone from them, so the store matches the folders."""
        paths = list(paths)
        files = find_files(paths)
        report = self.index_files(files, progress)
        if not sync:
            return report
        seen = {*report.added, *report.replaced, *report.unchanged}
        unreadable = [s.path for s in report.skipped]  # kept as they were, entries and all
        removed = []
        for info in self.store.articles():
            if info.source in seen or _within(info.source, unreadable):
                continue
            if _within(info.source, paths):
                self.store.remove_article(info.source)
                removed.append(info.source)
        return IndexReport(
            report.added,
            report.replaced,
            report.unchanged,
            tuple(removed),
            report.skipped,
            report.chunks_added,
        )

    def index_files(
        self, files: list[SourceFile], progress: Callable[[str], None] | None = None
    ) -> IndexReport:
        skipped: list[Skipped] = []

        def articles() -> Iterator[Article]:
            # Files are read one at a time while earlier ones are embedded and stored.
            for file in files:
                try:
                    yield from load_file(file)
                except LoadError as exc:
                    log.warning("skipped %s: %s", file.source, exc)
                    skipped.append(Skipped(file.source, str(exc)))
                if progress:
                    progress(file.source)

        report = self.index_articles(articles())
        return IndexReport(
            report.added,
            report.replaced,
            report.unchanged,
            report.removed,
            tuple(skipped),
            report.chunks_added,
        )

    def index_articles(self, articles: Iterable[Article]) -> IndexReport:
        added, replaced, unchanged = [], [], []
        pending: list[tuple[Article, list[Chunk]]] = []
        total = 0

        def flush() -> None:
            nonlocal total
            units = {c.id: chunk_units(c) for _, chunks in pending for c in chunks}
            # a sentence shared by neighbouring chunks is embedded once
            texts = list(dict.fromkeys(t for u in units.values() for t in u.texts))
            row = {t: i for i, t in enumerate(texts)}
            vectors = self.embedder.embed(texts)
            for article, chunks in pending:
                stored = [
                    UnitVectors(vectors[[row[t] for t in units[c.id].texts]], units[c.id].owners)
                    for c in chunks
                ]
                dense = (
                    np.stack(
                        [
                            u.chunk_vector([s.end - s.start for s in c.sentences])
                            for c, u in zip(chunks, stored, strict=True)
                        ]
                    )
                    if stored
                    else vectors[:0]
                )
                self.store.put_article(article, chunks, dense, stored)
                total += len(chunks)
            pending.clear()

        done: set[str] = set()
        for article in articles:
            if article.source in done:
                continue  # a file given twice is indexed once
            done.add(article.source)
            old = self.store.article_sha(article.source)
            if old == article.sha256:
                unchanged.append(article.source)
                continue
            (added if old is None else replaced).append(article.source)
            chunks = chunk_article(article, self.chunk_chars, self.overlap)
            pending.append((article, chunks))
            if sum(len(c) for _, c in pending) >= _EMBED_BATCH:
                flush()
        if pending:
            flush()
        return IndexReport(tuple(added), tuple(replaced), tuple(unchanged), chunks_added=total)


def _within(source: str, paths: list[str | Path]) -> bool:
    """Was `source` indexed from one of `paths` (a file, an entry of a JSONL file, or a file
    below a folder)?"""
    file = Path(source.split("#", 1)[0])  # "feed.jsonl#3" came from feed.jsonl
    for given in paths:
        root = Path(str(given))
        if file == root or file.is_relative_to(root):
            return True
    return False
