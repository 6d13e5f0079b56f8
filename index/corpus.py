"""`Corpus`: the indexed articles as every answering stage reads them.

It owns the store, the embedder, the chunk catalogue (every current chunk, with keyword search)
and the article texts kept in memory, and it is the one way articles get in or out. Data
derived from the store is keyed by the store's revision; beside an embedded store it is saved
in `side_files`, so the next process loads it instead of building it.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from index import catalogue_files, file_states
from index.catalogue import ChunkCatalogue
from index.checks import at_least
from index.duplicates import Copies, CopyGroups
from index.embedder import Embedder
from index.errors import InputError, LoadError
from index.feeds import FeedState
from index.fetch import DEFAULT_LIMITS, FetchLimits
from index.indexer import Indexer, Progress, UploadReport
from index.loader import DEFAULT_BUDGET, Budget, check_text, parse_date, plain_article
from index.manifest import FORMAT, Manifest, check, check_chunking
from index.parse_worker import shared_worker
from index.records import ArticleInfo, Chunk, IndexReport
from index.revisions import forget_saved
from index.store import Store
from index.units import UnitVectors, chunk_units
from index.views import KEPT, ArticleView, ArticleViews
from index.web import read_urls

log = logging.getLogger(__name__)


class Corpus:
    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        chunk_chars: int = 600,
        chunk_overlap: int = 1,
        side_files: Path | None = None,
        kept_articles: int = KEPT,
        budget: Budget = DEFAULT_BUDGET,
        fetch_limits: FetchLimits = DEFAULT_LIMITS,
        max_feed_items: int = 100,
    ):
        """`side_files`: a folder for derived data saved beside the store (None: kept in
        memory only); `kept_articles`: article texts kept in memory; `budget`: what one file
        may cost to load; `fetch_limits`: what one URL may cost to fetch; `max_feed_items`:
        the items of one feed whose pages are followed."""
        at_least("chunk_chars", chunk_chars, 1)
        at_least("chunk_overlap", chunk_overlap, 0)
        self.store, self.embedder = store, embedder
        self.chunk_chars, self.chunk_overlap, self.side_files = (
            chunk_chars,
            chunk_overlap,
            side_files,
        )
        self.catalogue = ChunkCatalogue()
        self._manifest: Manifest | None = None  # what built the store, once checked
        self._loaded = False  # has the saved catalogue been looked for
        self._saving = threading.Lock()
        self.views = ArticleViews(store, kept_articles)
        self.budget = budget
        self.parser = shared_worker(budget)  # files are parsed in a child process, under budget
        states = side_files / file_states.FILE if side_files is not None else None
        self._indexer = Indexer(
            store, embedder, chunk_chars, chunk_overlap, budget, self.parser, states
        )
        self._lock = threading.Lock()  # one indexing run at a time
        self.fetch_limits, self.max_feed_items = fetch_limits, max_feed_items
        # what each feed's items looked like when indexed, so a feed read again fetches only
        # the pages of new or changed items
        self.feeds = FeedState(side_files / "feeds.json" if side_files is not None else None)
        # syndicated copies: one report, several sources (signatures saved beside the store)
        self.copies = Copies(store.articles, store.article_records, side_files, store.revision)

    # -- articles in and out -------------------------------------------------------------------

    def index(
        self,
        paths: Iterable[str | Path],
        progress: Callable[[str], None] | None = None,
        sync: bool = False,
        replace: bool = True,
    ) -> IndexReport:
        """Index files and folders (see `Assistant.index`); leftovers of an interrupted run
        are swept first."""
        with self._lock, self.store.writing():
            self._check(writing=True)
            self._load_saved()  # its article records spare reading the store's
            self.store.sweep()
            return self._indexer.index_paths(list(paths), progress, sync=sync, replace=replace)

    def index_urls(
        self,
        urls: Iterable[str],
        follow: bool = False,
        progress: Callable[[str], None] | None = None,
        replace: bool = True,
    ) -> IndexReport:
        """Index web pages and feeds (a feed's items; with `follow`, each item's page). All
        is fetched and parsed before anything is written: a URL that fails is in `skipped`,
        with why, and changes nothing."""
        batch = read_urls(
            urls,
            self.parser,
            self.fetch_limits,
            follow,
            self.feeds,
            self.store.article_sha,
            self.max_feed_items,
            progress,
        )
        with self._lock, self.store.writing():
            self._check(writing=True)
            self._load_saved()
            self.store.sweep()
            report = self._indexer.index_articles(batch.articles, replace)
        refused = {s.path for s in report.skipped}
        for feed, items in batch.seen.items():
            self.feeds.record(feed, {k: v for k, v in items.items() if k not in refused})
        return IndexReport(
            report.added,
            report.replaced,
            (*report.unchanged, *batch.unchanged),
            (),
            (*batch.skipped, *report.skipped),
            report.chunks_added,
        )

    def index_with(self, embedder: Embedder) -> None:
        """Embed what is indexed from now on with `embedder` (the same model, e.g. on fewer
        threads); questions keep `self.embedder`."""
        if embedder.fingerprint != self.embedder.fingerprint:
            raise ValueError("indexing must use the model questions are embedded with")
        with self._lock:
            self._indexer.embedder = embedder

    def rebuild(self) -> None:
        """Empty the store and what is saved beside it, and record the current model in it
        (`assistant index --rebuild`: the way out of a store built by another model)."""
        with self._lock:
            self.store.reset()
            if self.side_files is not None:
                shutil.rmtree(self.side_files / catalogue_files.FOLDER, ignore_errors=True)
                (self.side_files / file_states.FILE).unlink(missing_ok=True)
                forget_saved(self.side_files)
            self.catalogue = ChunkCatalogue()
            self._manifest = None
            self._check(writing=True)

    def _check(self, writing: bool) -> None:
        """Refuse a store built by another model or format (a one-line `StoreError` naming
        both); an empty store gets this model's record when first written to. Read once."""
        if self._manifest is not None and not writing:
            return
        e = self.embedder
        wanted = Manifest(
            FORMAT, e.name, e.dimension, e.fingerprint, self.chunk_chars, self.chunk_overlap
        )
        have = self._manifest or check(
            self.store.manifest(), wanted, self.store.where, self.store.stamp() is not None
        )
        if have is None:
            if not writing:
                return  # an empty store: nothing to disagree with yet
            self.store.set_manifest(wanted.to_meta())
            have = wanted
        if writing:
            check_chunking(have, wanted, self.store.where)
        self._manifest = have

    def add_document(
        self,
        text: str | bytes,
        source: str,
        title: str | None = None,
        published: str | None = None,
    ) -> IndexReport:
        if not isinstance(source, str) or not source.strip():
            raise InputError("a document needs a source name")
        if not isinstance(text, str | bytes):
            raise InputError(f"cannot index {source}: the document must be text or bytes")
        date = None
        if published:
            date = parse_date(published)
            if date is None:
                raise InputError(f"cannot index {source}: {published!r} is not a date")
        try:
            if isinstance(text, bytes):
                suffix = Path(source).suffix.lower() or ".txt"
                articles = self.parser.parse(text, source, suffix)
            else:
                articles = [plain_article(text, source, title)]
                check_text(articles[0])
        except LoadError as exc:
            raise InputError(f"cannot index {source}: {exc}") from exc
        if date:
            articles = [dataclasses.replace(a, published=date) for a in articles]
        with self._lock:
            self._check(writing=True)
            return self._indexer.index_articles(articles)

    def upload(
        self,
        files: Sequence[tuple[str, bytes]],
        max_chunks: int,
        cancel: threading.Event | None = None,
        progress: Progress | None = None,
        markers: Path | None = None,
        replace: bool = False,
    ) -> UploadReport:
        """Index uploaded files (name, bytes) all or nothing (see `Indexer.index_upload`)."""
        with self._lock:
            self._check(writing=True)
            return self._indexer.index_upload(files, max_chunks, cancel, progress, markers, replace)

    def recover_uploads(self, markers: Path) -> list[str]:
        """Undo uploads a killed process left half-written (see `Indexer.recover_uploads`)."""
        with self._lock:
            return self._indexer.recover_uploads(markers)

    def remove(self, source: str) -> bool:
        with self._lock:
            return self.store.remove_article(source)

    # -- reading -------------------------------------------------------------------------------

    def articles(self) -> list[ArticleInfo]:
        return self.store.articles()

    def article(self, source: str) -> ArticleView:
        """Title, date and exact text of an indexed article; `InputError` if none."""
        return self.views.get(source)

    def read(self, sources: Iterable[str]) -> dict[str, ArticleView]:
        """Views of these articles, read in bulk (removed ones absent)."""
        return self.views.read(sources)

    def revision(self) -> str:
        """Changes whenever the set of current articles changes (also by another process)."""
        return self.store.revision()

    def copy_groups(self) -> CopyGroups:
        """The articles that are copies of one report, as the store is now."""
        return self.copies.groups(self.store.revision())

    def refresh(self) -> None:
        """Bring the chunk catalogue up to the store's revision: the first time, the one saved
        in `side_files` is mapped (and, if the store is still at the revision it was saved at,
        its article records spare reading the store's); then only the articles that changed
        are read from the store. A changed catalogue is saved again."""
        self._check(writing=False)
        self._load_saved()
        revision = self.store.revision()
        stamp, records = self.store.snapshot()
        current = {source: meta["sha256"] for source, meta in records.items()}
        changed = self.catalogue.update(revision, current, self.store.chunks_of)
        if changed and self.side_files is not None:
            with self._saving:
                try:
                    catalogue_files.save(
                        self.side_files,
                        self.catalogue.state,
                        revision,
                        stamp,
                        list(records.values()),
                    )
                except OSError as exc:  # a read-only store still answers
                    log.warning("cannot save the chunk catalogue to %s: %s", self.side_files, exc)

    def _load_saved(self) -> None:
        """Map the catalogue saved beside the store, once; if the store is still at the stamp
        it was saved at, its article records become the store's view (no read of them all)."""
        if self._loaded or self.side_files is None:
            return
        self._loaded = True
        saved = None
        try:
            saved = catalogue_files.load(self.side_files)
        except (OSError, ValueError, KeyError, TypeError) as exc:  # numpy's and json's kinds
            log.warning("rebuilding the chunk catalogue: cannot load it: %s", exc)
        if saved is not None:
            self.store.adopt(saved.stamp, saved.articles)
            self.catalogue.adopt(saved.state, saved.revision)

    @property
    def chunks(self) -> list[Chunk]:
        """Every chunk of the catalogue (as of the last `refresh`)."""
        return self.catalogue.chunks

    def invalidate(self) -> None:
        """Forget what is known of the store's articles: the next read asks the store."""
        self.store.invalidate()

    def unit_vectors(self, chunks: Sequence[Chunk]) -> dict[str, UnitVectors]:
        """Sentence vectors of these chunks: stored at index time, or (for a store indexed
        before they were kept) embedded now."""
        found = self.store.unit_vectors([c.id for c in chunks])
        for chunk in chunks:
            stored = found.get(chunk.id)
            if stored is None or not stored.fits(len(chunk.sentences), self.embedder.dimension):
                units = chunk_units(chunk)
                found[chunk.id] = UnitVectors(
                    self.embedder.embed_cached(list(units.texts)), units.owners
                )
        return found

    def embed_query(self, text: str) -> np.ndarray:
        return self.embedder.embed_cached([text])[0]

    def quotes_exactly(self, quotes: Iterable[Quote]) -> bool:
        """Does each quote match the current text of its article exactly?"""
        try:
            return all(self.article(q.source).text[q.start : q.end] == q.quote for q in quotes)
        except InputError:
            return False  # an article was removed meanwhile


class Quote(Protocol):
    """A citation or a conflict side: `text[start:end] == quote` in the article `source`."""

    source: str
    start: int
    end: int
    quote: str
