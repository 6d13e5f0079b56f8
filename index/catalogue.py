"""The chunk catalogue: every chunk of the current articles, in memory, with BM25 keyword
search over them (bm25s), term document frequencies, and lookups by id and by article.

Retrieval, sentence scoring, conflict detection and evaluation all read it. bm25s scores with
sparse matrices (fast enough for 100k chunks on a laptop CPU) and is actively maintained;
rank-bm25 scores every document in Python per query. The catalogue is rebuilt from the store
whenever the store's revision changes, so every process sharing a Chroma server sees the same
corpus without a second copy to keep in step. Beside an embedded store it is also saved, keyed
by that revision, so a fresh process loads it instead of reading every chunk back from Chroma
and re-indexing (the cold start of a large corpus).
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import bm25s
import numpy as np

from index.records import Chunk, Span
from index.terms import terms

log = logging.getLogger(__name__)


class ChunkCatalogue:
    def __init__(self) -> None:
        self._chunks: list[Chunk] = []
        self._bm25: bm25s.BM25 | None = None
        self._revision: str | None = None
        self._df: Counter[str] = Counter()
        # chunk positions by source and by id, built when first asked
        self._by_source: tuple[dict[str, list[int]], dict[str, int]] | None = None
        self._lock = threading.Lock()

    def ensure(
        self, revision: str, load: Callable[[], list[Chunk]], cache: Path | None = None
    ) -> None:
        """Rebuild from `load()` unless already built for `revision` (or saved in `cache`)."""
        with self._lock:
            if revision == self._revision:
                return
            saved = cache / f"keyword-v{_FORMAT}-{revision[:32]}" if cache else None
            if saved and (saved / _DONE).exists():
                try:
                    self._chunks, self._bm25, self._df = _load(saved)
                    self._revision, self._by_source = revision, None
                    return
                except Exception as exc:  # json, numpy and bm25s each fail their own way
                    log.warning("rebuilding the keyword index: cannot load %s: %s", saved, exc)
                    shutil.rmtree(saved, ignore_errors=True)
            chunks = load()
            bm25 = None
            tokens = [terms(c.text) for c in chunks]
            if any(tokens):
                bm25 = bm25s.BM25()
                bm25.index(_as_corpus(tokens), show_progress=False)
            df: Counter[str] = Counter()
            for doc in tokens:
                df.update(set(doc))
            self._chunks, self._bm25, self._df, self._revision = chunks, bm25, df, revision
            self._by_source = None
            if saved:
                try:
                    _save(saved, chunks, bm25, df)
                except OSError as exc:  # a read-only store still answers
                    log.warning("cannot save the keyword index to %s: %s", saved, exc)

    def idf(self, term: str) -> float:
        """Inverse chunk frequency; a term the corpus never uses weighs most."""
        n = len(self._chunks)
        return math.log((n + 1) / (self._df.get(term, 0) + 0.5))

    @property
    def chunks(self) -> list[Chunk]:
        return self._chunks

    def chunk(self, cid: str) -> Chunk | None:
        """The indexed chunk with this id, if any."""
        with self._lock:
            at = self._positions()[1].get(cid)
            return None if at is None else self._chunks[at]

    def sentences(self, source: str, article_sha: str) -> tuple[Span, ...]:
        """The sentences of this version of an article, in order, as its chunks hold them
        (none if the index holds another version)."""
        with self._lock:
            chunks = [self._chunks[i] for i in self._positions()[0].get(source, [])]
        spans = {s for c in chunks if c.article_sha == article_sha for s in c.sentences}
        return tuple(sorted(spans, key=lambda s: s.start))

    def _positions(self) -> tuple[dict[str, list[int]], dict[str, int]]:
        """Chunk positions by source and by id, built on first use (call with the lock)."""
        if self._by_source is None:
            by_source: dict[str, list[int]] = {}
            for i, chunk in enumerate(self._chunks):
                by_source.setdefault(chunk.source, []).append(i)
            self._by_source = (by_source, {c.id: i for i, c in enumerate(self._chunks)})
        return self._by_source

    def search(self, query: str, k: int) -> list[tuple[Chunk, float]]:
        with self._lock:
            bm25, chunks = self._bm25, self._chunks
        if bm25 is None or not chunks:
            return []
        query_terms = [t for t in dict.fromkeys(terms(query)) if t in bm25.vocab_dict]
        if not query_terms:
            return []
        scores = bm25.get_scores(query_terms)
        k = min(k, len(chunks))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.lexsort((top, -scores[top]))]  # ties in catalogue order
        return [(chunks[i], float(scores[i])) for i in top if scores[i] > 0]


_DONE = "complete"  # written last: a folder without it is an interrupted save
_FORMAT = 1  # part of the folder name: bump when `terms` or the saved layout changes
# (the folder keeps its first name, "keyword-", so stores saved before the rename still load)


def _save(folder: Path, chunks: list[Chunk], bm25: bm25s.BM25 | None, df: Counter[str]) -> None:
    tmp = folder.with_name(f".{folder.name}.{uuid.uuid4().hex}")
    tmp.mkdir(parents=True)
    try:
        rows = [
            [
                c.id,
                c.source,
                c.article_sha,
                c.start,
                c.end,
                c.text,
                [[s.start, s.end] for s in c.sentences],
            ]
            for c in chunks
        ]
        (tmp / "chunks.json").write_text(json.dumps(rows, ensure_ascii=False), "utf-8")
        (tmp / "df.json").write_text(json.dumps(df, ensure_ascii=False), "utf-8")
        if bm25 is not None:
            bm25.save(str(tmp / "bm25"))
        (tmp / _DONE).touch()
        os.replace(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for old in folder.parent.glob("keyword-*"):  # earlier revisions
        if old != folder:
            shutil.rmtree(old, ignore_errors=True)
    for partial in folder.parent.glob(".keyword-*"):  # saves a crash interrupted
        if time.time() - partial.stat().st_mtime > 3600:  # not one in progress
            shutil.rmtree(partial, ignore_errors=True)


def _load(folder: Path) -> tuple[list[Chunk], bm25s.BM25 | None, Counter[str]]:
    rows = json.loads((folder / "chunks.json").read_text("utf-8"))
    chunks = [
        Chunk(cid, src, sha, a, b, text, tuple(Span(x, y) for x, y in spans))
        for cid, src, sha, a, b, text, spans in rows
    ]
    df = Counter(json.loads((folder / "df.json").read_text("utf-8")))
    bm25 = bm25s.BM25.load(str(folder / "bm25")) if (folder / "bm25").exists() else None
    return chunks, bm25, df


def _as_corpus(tokens: list[list[str]]) -> bm25s.tokenization.Tokenized:
    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(t, len(vocab)) for t in doc] for doc in tokens]
    return bm25s.tokenization.Tokenized(ids=ids, vocab=vocab)
