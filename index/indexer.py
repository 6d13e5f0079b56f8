"""Indexing: files -> articles -> chunks -> sentence vectors -> store, skipping the unchanged.

Files and folders (`index_paths`) are indexed article by article. An upload (`index_upload`,
the web chat's files) is all or nothing: every file is parsed, checked against the budgets and
embedded before anything is written, and its articles are committed to the store at once; a
cancelled upload leaves none of them, and one killed mid-way is undone on the next start
(`recover_uploads`, from the marker file it keeps while it writes).
"""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

from index.chunker import chunk_article
from index.embedder import Embedder
from index.errors import Cancelled, InputError, LoadError
from index.file_states import FileStates
from index.loader import DEFAULT_BUDGET, Budget, SourceFile, read_file, scan
from index.parse_worker import ParseWorker, shared_worker
from index.records import Article, Chunk, IndexReport, Skipped
from index.store import Store
from index.units import ChunkUnits, UnitVectors, chunk_units

log = logging.getLogger(__name__)
_EMBED_BATCH = 256  # chunks embedded together, across articles, to keep the model busy
_UPLOAD_EMBED_SLICE = 64  # sentences embedded between two looks at the cancel flag
_READ_AHEAD = 64  # articles read and parsed ahead of the one being embedded
MARKER_SUFFIX = ".upload.json"


# progress(stage, done, total): stage is "reading", "embedding" or "writing"
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class UploadReport:
    """What an upload did: the usual report, the chunks of each source, and each file's
    sources (a JSONL file holds several)."""

    report: IndexReport
    chunks: dict[str, int]
    sources: dict[str, tuple[str, ...]]


class Indexer:
    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        chunk_chars: int,
        overlap: int,
        budget: Budget = DEFAULT_BUDGET,
        parser: ParseWorker | None = None,
        file_states: Path | None = None,
    ):
        """`parser`: where files are parsed (None: the process's worker for `budget`);
        `file_states`: where to keep what each indexed file was (see file_states.py)."""
        self.file_states = file_states
        self.store, self.embedder = store, embedder
        self.chunk_chars, self.overlap = chunk_chars, overlap
        self.budget = budget
        self.parser = parser if parser is not None else shared_worker(budget)

    def index_paths(
        self,
        paths: Iterable[str | Path],
        progress: Callable[[str], None] | None = None,
        sync: bool = False,
        replace: bool = True,
    ) -> IndexReport:
        """Index files and folders; with `sync`, also remove the articles of files that are
        gone from them, so the store matches the folders. Without `replace`, a file whose
        name is indexed with other content is refused (in `skipped`) and the article kept.

        Entries that are not regular files (FIFOs, devices, symlink loops, ...) are skipped and
        named in the report. A sync stops before changing anything if a folder cannot be read:
        its articles would otherwise look deleted."""
        paths = list(paths)
        found = scan(paths)
        if sync and found.unreadable:
            folders = "; ".join(f"{s.path} ({s.reason})" for s in found.unreadable)
            raise InputError(
                f"sync stopped, nothing was changed: cannot read {folders}. Its articles would "
                "look deleted; fix its permissions, or index without --sync"
            )
        report = self.index_files(found.files, progress, replace)
        report = IndexReport(
            report.added,
            report.replaced,
            report.unchanged,
            report.removed,
            (*found.skipped, *report.skipped),
            report.chunks_added,
        )
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
        self,
        files: list[SourceFile],
        progress: Callable[[str], None] | None = None,
        replace: bool = True,
    ) -> IndexReport:
        skipped: list[Skipped] = []
        states = FileStates(self.file_states)
        known: list[str] = []  # sources of files unchanged since they were last indexed

        def articles() -> Iterator[Article]:
            # Files are read and parsed (in the parse worker) on a thread, while the articles
            # before them are embedded and stored.
            for file in files:
                seen = states.seen(file.path)
                if seen and all(self.store.article_sha(s) == sha for s, sha in seen):
                    known.extend(s for s, _ in seen)  # neither read nor parsed again
                    if progress:
                        progress(file.source)
                    continue
                try:
                    raw = read_file(file, self.budget)
                    parsed = self.parser.parse(raw, file.source, file.path.suffix.lower())
                    states.record(file.path, [(a.source, a.sha256) for a in parsed])
                    yield from parsed
                except LoadError as exc:
                    log.warning("skipped %s: %s", file.source, exc)
                    skipped.append(Skipped(file.source, str(exc)))
                if progress:
                    progress(file.source)

        report = self.index_articles(_ahead(articles(), _READ_AHEAD), replace)
        states.save()
        return IndexReport(
            report.added,
            report.replaced,
            (*report.unchanged, *(s for s in dict.fromkeys(known) if s not in report.unchanged)),
            report.removed,
            (*skipped, *report.skipped),
            report.chunks_added,
        )

    def index_articles(self, articles: Iterable[Article], replace: bool = True) -> IndexReport:
        """Index articles; without `replace`, one whose source is indexed with other content
        is refused (in `skipped`) and the indexed one kept."""
        added, replaced, unchanged = [], [], []
        refused: list[Skipped] = []
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
                dense, stored = _chunk_vectors(chunks, units, vectors, row)
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
            if old is not None and not replace:
                refused.append(self._would_replace(article.source, article.source))
                continue
            (added if old is None else replaced).append(article.source)
            chunks = chunk_article(article, self.chunk_chars, self.overlap)
            pending.append((article, chunks))
            if sum(len(c) for _, c in pending) >= _EMBED_BATCH:
                flush()
        if pending:
            flush()
        return IndexReport(
            tuple(added), tuple(replaced), tuple(unchanged), (), tuple(refused), total
        )

    def _would_replace(self, name: str, source: str) -> Skipped:
        """The refusal of `name`, which would replace the indexed article `source`."""
        record = self.store.article_record(source)
        title = str(record[0].get("title") or "") if record is not None else ""
        titled = f" (“{title}”)" if title else ""
        return Skipped(
            name,
            f"refused: an article named {source}{titled} is already indexed with other "
            "content; it is not replaced unless that is asked for",
            would_replace=source,
        )

    # -- uploads: all or nothing -------------------------------------------------------------

    def index_upload(
        self,
        files: Sequence[tuple[str, bytes]],
        max_chunks: int,
        cancel: threading.Event | None = None,
        progress: Progress | None = None,
        markers: Path | None = None,
        replace: bool = False,
    ) -> UploadReport:
        """Index uploaded files (name, bytes) as one unit.

        A file whose name (or, for JSONL, one of whose records) is indexed with other content
        is refused, the indexed article kept, unless `replace` is set: an upload never
        replaces an article silently.

        Each file is parsed and checked against the budget; one over it, or unreadable, is
        refused (in `skipped`, the reason giving the budget), the rest go on. Files whose
        chunks would take the upload past `max_chunks` are refused the same way. Then the
        chunks are embedded and the articles committed at once (`Store.put_articles`). Setting
        `cancel` stops it with `Cancelled`, leaving none of its articles. `markers`: a folder
        where the upload's new sources are recorded while it writes, so a process killed then
        is undone by `recover_uploads` on the next start.
        """

        def check() -> None:
            if cancel is not None and cancel.is_set():
                raise Cancelled("the upload was cancelled; none of its articles were kept")

        def tell(stage: str, done: int, total: int) -> None:
            check()
            if progress is not None:
                progress(stage, done, total)

        skipped: list[Skipped] = []
        planned: list[tuple[Article, list[Chunk]]] = []
        unchanged: list[str] = []
        per_file: dict[str, tuple[str, ...]] = {}
        seen: set[str] = set()
        total_chunks = 0
        for n, (name, raw) in enumerate(files):
            tell("reading", n, len(files))
            try:
                articles = self.parser.parse(raw, name, Path(name).suffix.lower(), cancel)
            except LoadError as exc:
                skipped.append(Skipped(name, str(exc)))
                continue
            fresh, same, taken = [], [], []
            for article in articles:
                if article.source in seen:
                    continue  # a file given twice is indexed once
                seen.add(article.source)
                old = self.store.article_sha(article.source)
                if old == article.sha256:
                    same.append(article.source)
                else:
                    fresh.append(article)
                    if old is not None:
                        taken.append(article.source)
            if taken and not replace:
                skipped.append(self._would_replace(name, taken[0]))
                seen.difference_update([*(a.source for a in fresh), *same])
                continue
            # a cheap floor first: chunking a large file takes seconds the budget can spare
            floor = sum(_fewest_chunks(a.text, self.chunk_chars) for a in fresh)
            chunked: list[tuple[Article, list[Chunk]]] = []
            count = floor
            if total_chunks + floor <= max_chunks:
                chunked = [(a, chunk_article(a, self.chunk_chars, self.overlap)) for a in fresh]
                count = sum(len(chunks) for _, chunks in chunked)
            if total_chunks + count > max_chunks:
                skipped.append(_over_chunks(name, count, total_chunks, max_chunks, not chunked))
                seen.difference_update([*(a.source for a in fresh), *same])
                continue
            total_chunks += count
            planned.extend(chunked)
            unchanged.extend(same)
            per_file[name] = tuple(a.source for a in articles)
        tell("reading", len(files), len(files))

        units = {c.id: chunk_units(c) for _, chunks in planned for c in chunks}
        texts = list(dict.fromkeys(t for u in units.values() for t in u.texts))
        vectors = np.zeros((len(texts), self.embedder.dimension), dtype=np.float32)
        for lo in range(0, len(texts), _UPLOAD_EMBED_SLICE):
            tell("embedding", lo, len(texts))
            hi = min(lo + _UPLOAD_EMBED_SLICE, len(texts))
            vectors[lo:hi] = self.embedder.embed(texts[lo:hi])
        tell("embedding", len(texts), len(texts))
        row = {t: i for i, t in enumerate(texts)}
        items = []
        for article, chunks in planned:
            dense, stored = _chunk_vectors(chunks, units, vectors, row)
            items.append((article, chunks, dense, stored))

        added = [a.source for a, _ in planned if self.store.article_sha(a.source) is None]
        replaced = [a.source for a, _ in planned if a.source not in added]
        marker = _write_marker(markers, added) if markers is not None and items else None
        try:
            if items:
                tell("writing", 0, total_chunks)
                self.store.put_articles(
                    items, between=lambda done: tell("writing", done, total_chunks)
                )
        except BaseException:
            if marker is not None:
                marker.unlink(missing_ok=True)  # nothing was committed: nothing to undo
            raise
        if marker is not None:
            marker.unlink(missing_ok=True)
        report = IndexReport(
            tuple(added),
            tuple(replaced),
            tuple(unchanged),
            skipped=tuple(skipped),
            chunks_added=total_chunks,
        )
        return UploadReport(report, {a.source: len(c) for a, c in planned}, per_file)

    def recover_uploads(self, markers: Path) -> list[str]:
        """Undo uploads that a killed process left half-written: remove the new articles each
        marker in `markers` names (those of live processes are left alone), then sweep chunks
        no article owns. Returns the sources removed."""
        removed: list[str] = []
        if not markers.is_dir():
            return removed
        found = False
        for marker in sorted(markers.glob(f"*{MARKER_SUFFIX}")):
            try:
                data = json.loads(marker.read_text("utf-8"))
                pid, sources = int(data["pid"]), [str(s) for s in data["sources"]]
            except (OSError, ValueError, KeyError, TypeError) as exc:
                log.warning("removing an unreadable upload marker %s: %s", marker.name, exc)
                marker.unlink(missing_ok=True)
                continue
            if pid != os.getpid() and _alive(pid):
                continue  # another process is still uploading
            found = True
            removed.extend(self.store.remove_articles(sources))
            marker.unlink(missing_ok=True)
        if found:
            self.store.sweep()
        if removed:
            log.warning("removed %d articles of an interrupted upload", len(removed))
        return removed


T = TypeVar("T")


def _ahead(items: Iterator[T], depth: int) -> Iterator[T]:
    """`items`, produced on a thread up to `depth` ahead of the consumer: reading and parsing
    overlap with embedding (the parse worker and the model each keep a core busy). An
    exception in the producer is raised to the consumer; a consumer that stops early stops
    the producer."""
    box: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    end = object()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                box.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
        except BaseException as exc:  # handed to the consumer, which raises it
            put(_Failed(exc))
            return
        put(end)

    thread = threading.Thread(target=produce, name="index-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item = box.get()
            if item is end:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        stop.set()
        thread.join(timeout=30)


@dataclass(frozen=True)
class _Failed:
    error: BaseException


def _chunk_vectors(
    chunks: Sequence[Chunk],
    units: dict[str, ChunkUnits],
    vectors: np.ndarray,
    row: dict[str, int],
) -> tuple[np.ndarray, list[UnitVectors]]:
    """Each chunk's stored sentence vectors, taken from `vectors` (one row per distinct
    sentence text, `row` says which), and the chunk vector derived from them."""
    stored = [
        UnitVectors(vectors[[row[t] for t in units[c.id].texts]], units[c.id].owners)
        for c in chunks
    ]
    if not stored:
        return vectors[:0], stored
    lengths = ([s.end - s.start for s in c.sentences] for c in chunks)
    return np.stack([u.chunk_vector(n) for u, n in zip(stored, lengths, strict=True)]), stored


def _fewest_chunks(text: str, chunk_chars: int) -> int:
    """A floor on the chunks `text` makes: a chunk spans at most `chunk_chars` characters (the
    chunker cuts longer sentences), and the chunks cover every character that is not white
    space."""
    visible = sum(len(word) for word in text.split())
    return -(-visible // chunk_chars)


def _over_chunks(name: str, count: int, before: int, budget: int, floor: bool) -> Skipped:
    least = "at least " if floor else ""
    found = (
        f"its {least}{count:,} chunks would take this upload to {least}{before + count:,}"
        if before
        else f"it makes {least}{count:,} chunks"
    )
    return Skipped(
        name,
        f"refused: {found}; the budget is {budget:,} chunks per upload "
        "(ASSISTANT_INGEST_MAX_CHUNKS)",
    )


def _write_marker(folder: Path, sources: list[str]) -> Path:
    """Record the sources an upload is about to add (written whole, then renamed)."""
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / f"{os.getpid()}-{uuid.uuid4().hex[:12]}{MARKER_SUFFIX}"
    tmp = marker.with_name(f".{marker.name}.tmp")
    payload = {"pid": os.getpid(), "started": time.time(), "sources": sources}
    tmp.write_text(json.dumps(payload, ensure_ascii=False), "utf-8")
    os.replace(tmp, marker)
    return marker


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _within(source: str, paths: list[str | Path]) -> bool:
    """Was `source` indexed from one of `paths` (a file, an entry of a JSONL file, or a file
    below a folder)?"""
    file = Path(source.split("#", 1)[0])  # "feed.jsonl#3" came from feed.jsonl
    for given in paths:
        root = Path(str(given))
        if file == root or file.is_relative_to(root):
            return True
    return False
