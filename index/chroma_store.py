"""The Chroma implementation of `Store`.

chromadb is used directly rather than through `langchain-chroma`: replacing an article safely
needs explicit ids, metadata filters on delete and two collections (chunks and the articles
themselves), which the LangChain wrapper hides. Embedded (persistent or in-memory) and server
mode (`chroma run`) share every line below but the client constructor.

Consistency: an article's chunks carry the sha256 of the article text. Writing a new version
first adds its chunks, then swaps the article record to the new sha (the commit point), then
deletes the old chunks. Readers only use chunks whose sha matches the article record, so a
crash at any step leaves either the old or the new version visible, and leftovers are swept by
`sweep()` on the next indexing run.

Several processes, one embedded store (a chat serving while `assistant index` runs elsewhere):
an embedded client reads a collection's vector (HNSW) index from disk once and then only sees
the writes of its own process. So when the revision stamp shows that another process wrote,
the client's native side is rebuilt and reads the store from disk again (`_catch_up`).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import chromadb
import httpx
import numpy as np
from chromadb.api.rust import RustBindingsAPI
from chromadb.config import Settings as ChromaSettings
from chromadb.errors import ChromaError

from index.errors import StoreError
from index.records import Article, ArticleInfo, Chunk, Span, sha256_hex
from index.store import DenseHit
from index.units import UnitVectors

# What a Chroma call raises when the store is missing, broken or unreachable.
STORE_FAILURES = (ChromaError, httpx.HTTPError, sqlite3.Error, OSError, ValueError, KeyError)
_PAGE = 2000
_TEXT_PAGE = 200  # articles whose full texts are read at once (long ones run to 100 kB)
_REMOVED = "removed"  # a tombstone's flag, while a removal is being carried out
_FULL_RELOAD = 60.0  # seconds between full re-reads of the article records
_STAMP_ID = "revision"  # the articles collection's record of the last change (not an article)
_UNITS, _OWNERS = "units", "owners"  # chunk metadata keys of the stored sentence vectors
_UNITS_CACHED = 4096  # chunks whose decoded sentence vectors are kept (about 40 MB)


class ChromaStore:
    def __init__(
        self,
        path: Path | None,
        collection: str = "news",
        host: str | None = None,
        port: int = 8000,
        ssl: bool = False,
        token: str | None = None,
        refresh_seconds: float = 2.0,
    ):
        settings = ChromaSettings(anonymized_telemetry=False)
        where = f"Chroma server {host}:{port}" if host else f"store {path}" if path else "memory"
        self.where = where
        try:
            if host:
                headers = {"x-chroma-token": token} if token else None
                client = chromadb.HttpClient(
                    host=host, port=port, ssl=ssl, headers=headers, settings=settings
                )
            elif path is None:
                client = chromadb.EphemeralClient(settings=settings)
                # In-memory clients share one process-wide system: keep instances apart.
                collection = f"{collection}-{uuid.uuid4().hex[:12]}"
            else:
                client = chromadb.PersistentClient(path=str(path), settings=settings)
            # What `_catch_up` rebuilds: set for an embedded persistent store only (in memory
            # there is no other process; a server holds the one index every client queries).
            self._native = _native(client) if path is not None and not host else None
            self._chunks = client.get_or_create_collection(
                f"{collection}-chunks",
                configuration={"hnsw": {"space": "cosine"}},
                embedding_function=None,
            )
            self._articles = client.get_or_create_collection(
                f"{collection}-articles", embedding_function=None
            )
            self._batch = max(1, min(client.get_max_batch_size(), 5000))
        except STORE_FAILURES as exc:
            if host:
                advice = f"is it running? (chroma run --path DIR --host {host} --port {port})"
            else:
                advice = (
                    "the folder may be damaged or from an incompatible Chroma version: "
                    "move it away and re-index (assistant index PATH...)"
                )
            raise StoreError(f"cannot open the {where}: {exc}; {advice}") from exc
        # reentrant: a call made while the article view is refreshed may have to catch up
        self._lock = threading.RLock()
        self._refresh = refresh_seconds
        self._current: dict[str, dict] = {}
        self._loaded_at = self._full_at = -1.0
        self._stamp: str | None = None  # the last revision stamp read or written
        self._revision: str | None = None  # digest of `_current`, computed when asked
        self._units: OrderedDict[str, UnitVectors] = OrderedDict()
        # The stamp the client's data is known to include: read when it was opened, then ours
        # or the one read when it caught up. None: opened on a store nothing was committed to.
        self._seen: str | None = self._read_stamp()

    # -- articles ---------------------------------------------------------------------------

    def _state(self) -> dict[str, dict]:
        """source -> article metadata. Every `refresh_seconds` the revision stamp is read (one
        record); all article records are re-read only when another writer changed it, and once
        a minute in case a write raced with ours."""
        with self._lock:
            now = time.monotonic()
            if now - self._loaded_at > self._refresh:
                stamp = self._read_stamp()
                if stamp != self._seen:
                    self._catch_up(stamp)
                if stamp is None or stamp != self._stamp or now - self._full_at > _FULL_RELOAD:
                    got = self._call(lambda: self._articles.get(include=["metadatas"]))
                    metas = [dict(m) for m in got["metadatas"] or [] if _is_article(m)]
                    self._current = {m["source"]: m for m in metas}
                    self._stamp, self._revision, self._full_at = stamp, None, now
                self._loaded_at = now
            return self._current

    def _read_stamp(self) -> str | None:
        got = self._call(lambda: self._articles.get(ids=[_STAMP_ID], include=["metadatas"]))
        return str(got["metadatas"][0]["revision"]) if got["ids"] else None

    def _catch_up(self, stamp: str | None) -> None:
        """Another process wrote since this client last read or wrote (`stamp` is not the one
        it has seen): make the client read the store from disk again.

        Chroma keeps one system per folder and process, shared by every client of that folder
        in the process, and its Rust bindings hold the HNSW indexes read so far. A new
        `PersistentClient` would get that same cached system. `close()` first would drop it
        only if no other client of the folder in this process holds it, and would stop it under
        our other threads' calls. Instead the bindings are rebuilt in place (`start()` creates
        them from the settings and assigns them in one step): calls in flight finish on the old
        ones, later calls of every client of this folder use the new ones, and collection
        handles stay valid (same database, same ids). About 20 ms; the HNSW files are read on
        the next query. (A write by another store of the same folder in this process counts as
        foreign too: a needless rebuild then, not a wrong one.)"""
        with self._lock:
            if self._native is not None:
                try:
                    self._native.start()
                except STORE_FAILURES as exc:
                    raise StoreError(f"cannot reopen the {self.where}: {exc}") from exc
            self._seen = stamp

    def _committed(self, source: str, meta: dict | None, stamp: str, before: str | None) -> None:
        """Our own write is known without re-reading the store, unless another writer changed
        it since we last read (then everything is re-read). The view is replaced, never changed
        in place: other threads may be iterating over it."""
        self._committed_all({source: meta}, stamp, before)

    def _committed_all(self, metas: dict[str, dict | None], stamp: str, before: str | None) -> None:
        """`_committed` for several articles written under one stamp (None: removed)."""
        with self._lock:
            if before == self._seen:
                self._seen = stamp  # written through this client: nothing to catch up on
            if self._loaded_at < 0 or before is None or before != self._stamp:
                self._loaded_at, self._stamp = -1.0, None
                return
            current = dict(self._current)
            for source, meta in metas.items():
                if meta is None:
                    current.pop(source, None)
                else:
                    current[source] = meta
            self._current, self._stamp, self._revision = current, stamp, None

    def invalidate(self) -> None:
        """Forget the cached article records (re-read them on next use)."""
        with self._lock:
            self._loaded_at, self._stamp = -1.0, None

    def revision(self) -> str:
        """A digest of the current (source, sha256) pairs: derived data keyed by it (the keyword
        index) always matches what this view holds."""
        self._state()
        with self._lock:
            if self._revision is None:
                pairs = sorted(f"{s}\x00{m['sha256']}" for s, m in self._current.items())
                self._revision = sha256_hex("\n".join(pairs))
            return self._revision

    def article_sha(self, source: str) -> str | None:
        meta = self._state().get(source)
        return meta["sha256"] if meta else None

    def articles(self) -> list[ArticleInfo]:
        return [
            ArticleInfo(
                source=m["source"],
                title=m.get("title", ""),
                published=m.get("published") or None,
                url=m.get("url") or None,
                sha256=m["sha256"],
                chunks=int(m.get("chunks", 0)),
                author=m.get("author") or None,
            )
            for m in sorted(self._state().values(), key=lambda m: m["source"])
        ]

    def article_record(self, source: str) -> tuple[dict, str] | None:
        """The article's metadata and exact text, read together."""
        got = self._call(
            lambda: self._articles.get(
                ids=[_article_id(source)], include=["documents", "metadatas"]
            )
        )
        if not got["ids"] or not _is_article(got["metadatas"][0]):
            return None
        return dict(got["metadatas"][0]), got["documents"][0]

    def article_records(self, sources: Sequence[str]) -> Iterator[tuple[str, dict, str]]:
        """(source, metadata, exact text) of each indexed article among `sources`, read in
        pages: one call per few hundred articles instead of one each."""
        for lo in range(0, len(sources), _TEXT_PAGE):
            ids = [_article_id(s) for s in sources[lo : lo + _TEXT_PAGE]]
            got = self._call(
                lambda ids=ids: self._articles.get(ids=ids, include=["documents", "metadatas"])
            )
            for meta, text in zip(got["metadatas"] or [], got["documents"] or [], strict=True):
                if _is_article(meta):
                    yield meta["source"], dict(meta), text

    def put_article(
        self,
        article: Article,
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        units: Sequence[UnitVectors] | None = None,
    ) -> None:
        sha = article.sha256
        metas = [_chunk_meta(c) for c in chunks]
        for meta, unit in zip(metas, units or [None] * len(metas), strict=True):
            if unit is None:
                continue
            # in the chunk's own record, so they are written and deleted with it
            meta[_UNITS] = unit.pack()
            meta[_OWNERS] = json.dumps(unit.owners)
        for lo in range(0, len(chunks), self._batch):
            part = chunks[lo : lo + self._batch]
            self._call(
                lambda part=part, lo=lo: self._chunks.upsert(
                    ids=[c.id for c in part],
                    embeddings=vectors[lo : lo + len(part)],
                    documents=[c.text for c in part],
                    metadatas=metas[lo : lo + len(part)],
                )
            )
        meta = _article_meta(article, len(chunks))
        stamp = uuid.uuid4().hex
        before = self._read_stamp()
        # the commit point: the record and a new revision stamp, in one write
        self._call(
            lambda: self._articles.upsert(
                ids=[_article_id(article.source), _STAMP_ID],
                embeddings=[[1.0], [1.0]],
                documents=[article.text, ""],
                metadatas=[meta, {"revision": stamp}],
            )
        )
        self._committed(article.source, meta, stamp, before)
        self._call(
            lambda: self._chunks.delete(
                where={"$and": [{"source": article.source}, {"sha": {"$ne": sha}}]}
            )
        )

    def put_articles(
        self,
        items: Sequence[tuple[Article, Sequence[Chunk], np.ndarray, Sequence[UnitVectors]]],
        between: Callable[[int], None] | None = None,
    ) -> None:
        """Add or replace several articles with one commit, so readers see all of them or none
        (and the revision changes once, not once an article).

        Every chunk is written first; no reader uses them yet, as no article record names their
        content hash. Then every record is written together with one new revision stamp (the
        commit point), then the chunks of replaced versions are deleted. `between(n)` is called
        after each batch of chunks with the number written so far; if it raises (a cancelled
        upload), the chunks written are deleted and nothing is committed.
        """
        ids, texts, metas, rows = [], [], [], []
        for _article, chunks, vectors, units in items:
            for chunk, vector, unit in zip(chunks, vectors, units, strict=True):
                meta = _chunk_meta(chunk)
                meta[_UNITS] = unit.pack()
                meta[_OWNERS] = json.dumps(unit.owners)
                ids.append(chunk.id)
                texts.append(chunk.text)
                metas.append(meta)
                rows.append(vector)
        step = min(self._batch, 500)  # small enough to stop soon after a cancel
        written = 0
        try:
            for lo in range(0, len(ids), step):
                hi = min(lo + step, len(ids))
                self._call(
                    lambda lo=lo, hi=hi: self._chunks.upsert(
                        ids=ids[lo:hi],
                        embeddings=np.stack(rows[lo:hi]),
                        documents=texts[lo:hi],
                        metadatas=metas[lo:hi],
                    )
                )
                written = hi
                if between is not None:
                    between(written)
        except BaseException:
            for lo in range(0, written, self._batch):
                try:
                    self._chunks.delete(ids=ids[lo : min(written, lo + self._batch)])
                except STORE_FAILURES:  # what is left is swept by the next indexing run
                    break
            raise
        records = {
            article.source: (article.text, _article_meta(article, len(chunks)))
            for article, chunks, _, _ in items
        }
        replaced = [s for s in records if self.article_sha(s) is not None]
        stamp = uuid.uuid4().hex
        before = self._read_stamp()
        self._write_stamped(
            [(source, text, meta) for source, (text, meta) in records.items()], stamp
        )
        self._committed_all({s: meta for s, (_, meta) in records.items()}, stamp, before)
        for source in replaced:
            sha = records[source][1]["sha256"]
            self._call(
                lambda source=source, sha=sha: self._chunks.delete(
                    where={"$and": [{"source": source}, {"sha": {"$ne": sha}}]}
                )
            )

    def _write_stamped(self, rows: list[tuple[str, str, dict]], stamp: str) -> None:
        """Write article records (source, text, metadata) in batches, each carrying the new
        revision stamp, so readers see the change with the first batch."""
        size = max(1, self._batch - 1)  # one place for the stamp
        for lo in range(0, len(rows), size):
            part = rows[lo : lo + size]
            self._call(
                lambda part=part: self._articles.upsert(
                    ids=[*(_article_id(source) for source, _, _ in part), _STAMP_ID],
                    embeddings=[[1.0]] * (len(part) + 1),
                    documents=[*(text for _, text, _ in part), ""],
                    metadatas=[*(meta for _, _, meta in part), {"revision": stamp}],
                )
            )

    def remove_article(self, source: str) -> bool:
        existed = self.article_sha(source) is not None
        stamp, before = uuid.uuid4().hex, self._read_stamp()
        # the commit point: a tombstone and a new stamp in one write, so a crash after it
        # leaves the article removed for every reader
        tombstone = {"source": source, "sha256": "", _REMOVED: True}
        self._call(
            lambda: self._articles.upsert(
                ids=[_article_id(source), _STAMP_ID],
                embeddings=[[1.0], [1.0]],
                documents=["", ""],
                metadatas=[tombstone, {"revision": stamp}],
            )
        )
        self._committed(source, None, stamp, before)
        self._call(lambda: self._chunks.delete(where={"source": source}))
        self._call(lambda: self._articles.delete(ids=[_article_id(source)]))
        return existed

    def remove_articles(self, sources: Sequence[str]) -> list[str]:
        """Remove several articles with one commit (tombstones and one new stamp, as
        `remove_article` does for one); the sources that were indexed."""
        current = self._state()
        present = [s for s in dict.fromkeys(sources) if s in current]
        if not present:
            return []
        stamp, before = uuid.uuid4().hex, self._read_stamp()
        self._write_stamped(
            [(s, "", {"source": s, "sha256": "", _REMOVED: True}) for s in present], stamp
        )
        self._committed_all(dict.fromkeys(present), stamp, before)
        for lo in range(0, len(present), _PAGE):
            part = present[lo : lo + _PAGE]
            self._call(lambda part=part: self._chunks.delete(where={"source": {"$in": part}}))
            self._call(lambda part=part: self._articles.delete(ids=[_article_id(s) for s in part]))
        return present

    def sweep(self) -> int:
        """Delete chunks no current article owns (left by an interrupted run)."""
        self.invalidate()
        current = self._state()
        stale = [cid for cid, meta in self._iter_chunk_metas() if not _of_current(current, meta)]
        for lo in range(0, len(stale), self._batch):
            self._call(lambda lo=lo: self._chunks.delete(ids=stale[lo : lo + self._batch]))
        self._call(lambda: self._articles.delete(where={_REMOVED: True}))  # crashed removals
        return len(stale)

    # -- chunks -----------------------------------------------------------------------------

    def _iter_chunk_metas(self):
        offset = 0
        while True:
            got = self._call(
                lambda offset=offset: self._chunks.get(
                    include=["metadatas"], limit=_PAGE, offset=offset
                )
            )
            if not got["ids"]:
                return
            yield from zip(got["ids"], got["metadatas"], strict=True)
            offset += len(got["ids"])

    def all_chunks(self) -> list[Chunk]:
        current = self._state()
        out: list[Chunk] = []
        offset = 0
        while True:
            got = self._call(
                lambda offset=offset: self._chunks.get(
                    include=["metadatas", "documents"], limit=_PAGE, offset=offset
                )
            )
            if not got["ids"]:
                break
            for cid, doc, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
                if _of_current(current, meta):
                    out.append(_chunk_from(cid, doc, meta))
            offset += len(got["ids"])
        return out

    def unit_vectors(self, ids: Sequence[str]) -> dict[str, UnitVectors]:
        with self._lock:
            found = {i: self._units[i] for i in ids if i in self._units}
        missing = [i for i in dict.fromkeys(ids) if i not in found]
        for lo in range(0, len(missing), self._batch):
            part = missing[lo : lo + self._batch]
            got = self._call(lambda part=part: self._chunks.get(ids=part, include=["metadatas"]))
            for cid, meta in zip(got["ids"], got["metadatas"], strict=True):
                units = self._remember_units(cid, meta)
                if units is not None:
                    found[cid] = units
        return found

    def _remember_units(self, cid: str, meta) -> UnitVectors | None:
        """Decode a chunk's stored sentence vectors into the cache. Chunk ids derive from the
        content, so a cached entry can never belong to a different text."""
        if _UNITS not in meta:
            return None  # indexed by an older version: retrieval embeds its sentences instead
        try:
            units = UnitVectors.unpack(meta[_UNITS], tuple(json.loads(meta[_OWNERS])))
        except (ValueError, KeyError, TypeError):
            return None  # damaged: the same fallback
        with self._lock:
            self._units[cid] = units
            self._units.move_to_end(cid)
            while len(self._units) > _UNITS_CACHED:
                self._units.popitem(last=False)
        return units

    def nearest(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the `k` nearest chunks, of any version: ids and
        distances only, since reading the records of dozens of chunks costs ten times the
        search itself (the caller holds most of them in memory)."""
        if not self._state():
            return []
        got = self._call(
            lambda: self._chunks.query(
                query_embeddings=[vector], n_results=k, include=["distances"]
            )
        )
        return [
            (cid, 1.0 - float(d)) for cid, d in zip(got["ids"][0], got["distances"][0], strict=True)
        ]

    def chunks(self, ids: Sequence[str]) -> dict[str, Chunk]:
        """The chunks among `ids` that belong to current versions of their articles."""
        current = self._state()
        out: dict[str, Chunk] = {}
        for lo in range(0, len(ids), self._batch):
            part = list(ids[lo : lo + self._batch])
            got = self._call(
                lambda part=part: self._chunks.get(ids=part, include=["documents", "metadatas"])
            )
            for cid, doc, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
                if _of_current(current, meta):
                    out[cid] = _chunk_from(cid, doc, meta)
                    if cid not in self._units:
                        self._remember_units(cid, meta)
        return out

    def search(self, vector: np.ndarray, k: int) -> list[DenseHit]:
        return self.search_many([vector], k)[0]

    def search_many(self, vectors: list[np.ndarray], k: int) -> list[list[DenseHit]]:
        """`search` for several vectors in one round trip."""
        current = self._state()
        if not current or not len(vectors):
            return [[] for _ in vectors]
        got = self._call(
            lambda: self._chunks.query(
                query_embeddings=list(vectors),
                n_results=k + 8,  # a few spare for chunks of a version being replaced
                include=["documents", "metadatas", "distances"],
            )
        )
        out = []
        for ids, docs, metas, dists in zip(
            got["ids"], got["documents"], got["metadatas"], got["distances"], strict=True
        ):
            hits = []
            for cid, doc, meta, dist in zip(ids, docs, metas, dists, strict=True):
                if _of_current(current, meta) and len(hits) < k:
                    hits.append(DenseHit(_chunk_from(cid, doc, meta), 1.0 - float(dist)))
                    if cid not in self._units:  # decoded already
                        self._remember_units(cid, meta)
            out.append(hits)
        return out

    def _call(self, fn):
        try:
            return fn()
        except STORE_FAILURES as exc:
            if not self._caught_up_after(exc):
                raise StoreError(f"the {self.where} is unavailable: {exc}") from exc
        try:
            return fn()  # once more, on the store as it is on disk now
        except STORE_FAILURES as exc:
            raise StoreError(f"the {self.where} is unavailable: {exc}") from exc

    def _caught_up_after(self, exc: Exception) -> bool:
        """Did a failed call meet an HNSW index that another process wrote or created since
        this client read it (the client opened an empty store: "Error creating hnsw segment
        reader: Nothing found on disk")? Then the client has caught up and the call can be
        made again. (`_state()` catches up at each stamp read; this covers a call made before
        the next one, and costs nothing until such an error.)"""
        if self._native is None or "hnsw" not in str(exc).lower():
            return False
        with self._lock:
            try:  # read directly: a failure here is not retried
                got = self._articles.get(ids=[_STAMP_ID], include=["metadatas"])
            except STORE_FAILURES:
                return False
            stamp = str(got["metadatas"][0]["revision"]) if got["ids"] else None
            if self._seen is not None and stamp == self._seen:
                return False  # the client already reads what the store holds: a real fault
            self._catch_up(stamp)
            return True


def _native(client: chromadb.ClientAPI) -> RustBindingsAPI | None:
    """The Rust side of an embedded client, which holds its open files and vector indexes (None
    for another implementation: then there is nothing this module knows how to rebuild)."""
    server = getattr(client, "_server", None)
    return server if isinstance(server, RustBindingsAPI) else None


def _of_current(current: dict[str, dict], meta: dict) -> bool:
    """Does this chunk record belong to the current version of its article? (`current` is the
    article view, used as is: copying a dict of every article costs more than a query.)"""
    article = current.get(meta["source"])
    return article is not None and article["sha256"] == meta["sha"]


def _is_article(meta: dict) -> bool:
    """Not the revision stamp, not the tombstone of a removal."""
    return "source" in meta and not meta.get(_REMOVED)


def _article_meta(article: Article, chunks: int) -> dict:
    """The article record's metadata: what the article list shows, and the commit's sha."""
    return {
        "source": article.source,
        "title": article.title,
        "published": article.published or "",
        "url": article.url or "",
        "author": article.author or "",
        "sha256": article.sha256,
        "chunks": chunks,
    }


def _article_id(source: str) -> str:
    return sha256_hex(source)[:32]


def _chunk_meta(chunk: Chunk) -> dict:
    return {
        "source": chunk.source,
        "sha": chunk.article_sha,
        "start": chunk.start,
        "end": chunk.end,
        "sentences": json.dumps([[s.start, s.end] for s in chunk.sentences]),
    }


def _chunk_from(cid: str, text: str, meta: dict) -> Chunk:
    return Chunk(
        id=cid,
        source=meta["source"],
        article_sha=meta["sha"],
        start=int(meta["start"]),
        end=int(meta["end"]),
        text=text,
        sentences=tuple(Span(a, b) for a, b in json.loads(meta["sentences"])),
    )
