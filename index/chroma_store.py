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
import logging
import os
import socket
import sqlite3
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
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

log = logging.getLogger(__name__)

# What a Chroma call raises when the store is missing, broken or unreachable.
STORE_FAILURES = (ChromaError, httpx.HTTPError, sqlite3.Error, OSError, ValueError, KeyError)
_PAGE = 2000
_TEXT_PAGE = 200  # articles whose full texts are read at once (long ones run to 100 kB)
_REMOVED = "removed"  # a tombstone's flag, while a removal is being carried out
_FULL_RELOAD = 60.0  # seconds between full re-reads of the article records
_STAMP_ID = "revision"  # the articles collection's record of the last change (not an article)
_UNITS, _OWNERS = "units", "owners"  # chunk metadata keys of the stored sentence vectors
_UNITS_CACHED = 4096  # chunks whose decoded sentence vectors are kept (about 40 MB)
_MANIFEST_ID = "manifest"  # the articles collection's record of what built the store
_LEASE = "lease"  # chunk and article metadata: the writing run that wrote it
_LEASE_TTL = 600.0  # seconds a writing run's lease lasts unless renewed


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
            self._client, self._name = client, collection
            self._open_collections()
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
        self._lease: _Lease | None = None  # the writing run in progress, if any
        # The stamp the client's data is known to include: read when it was opened, then ours
        # or the one read when it caught up. None: opened on a store nothing was committed to.
        self._seen: str | None = self._read_stamp()

    def _open_collections(self) -> None:
        self._chunks = self._client.get_or_create_collection(
            f"{self._name}-chunks",
            configuration={"hnsw": {"space": "cosine"}},
            embedding_function=None,
        )
        self._articles = self._client.get_or_create_collection(
            f"{self._name}-articles", embedding_function=None
        )

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

    def _committed_all(self, metas: dict[str, dict | None], stamp: str, before: str | None) -> None:
        """Our own write (articles written under one stamp; None: removed) is known without
        re-reading the store, unless another writer changed it since we last read (then
        everything is re-read). The view is replaced, never changed in place: other threads
        may be iterating over it."""
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
        with self.writing() as lease:
            lease.written[article.source] = article.sha256  # before any chunk: see `_finish`
            metas = [_chunk_meta(c, lease.id) for c in chunks]
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
                self._renew(lease)
            self._commit(
                lease,
                [(article.source, article.text, _article_meta(article, len(chunks), lease.id))],
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
        with self.writing() as lease:
            self._put_articles(lease, items, between)

    def _put_articles(
        self,
        lease: _Lease,
        items: Sequence[tuple[Article, Sequence[Chunk], np.ndarray, Sequence[UnitVectors]]],
        between: Callable[[int], None] | None,
    ) -> None:
        ids, texts, metas, rows = [], [], [], []
        lease.written.update({article.source: article.sha256 for article, _, _, _ in items})
        for _article, chunks, vectors, units in items:
            for chunk, vector, unit in zip(chunks, vectors, units, strict=True):
                meta = _chunk_meta(chunk, lease.id)
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
                self._renew(lease)
                if between is not None:
                    between(written)
        except BaseException:
            for lo in range(0, written, self._batch):
                try:
                    self._chunks.delete(ids=ids[lo : min(written, lo + self._batch)])
                except STORE_FAILURES:  # what is left is swept by the next indexing run
                    break
            raise
        self._commit(
            lease,
            [
                (article.source, article.text, _article_meta(article, len(chunks), lease.id))
                for article, chunks, _, _ in items
            ],
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

    # -- writing runs: leases ------------------------------------------------------------------

    @contextmanager
    def writing(self) -> Iterator[_Lease]:
        """A writing run: its chunks and records carry its lease id, and its lease record says
        it is alive, so a sweep or another writer never deletes what it has written but not
        yet committed. At the end, chunks it wrote that lost to another writer's commit are
        deleted, then the lease record. Nested calls share the run's lease."""
        with self._lock:
            lease = self._lease
            if lease is None:
                lease = self._lease = _Lease(uuid.uuid4().hex)
                self._write_lease(lease)
            lease.depth += 1
        try:
            yield lease
        finally:
            with self._lock:
                lease.depth -= 1
                last = lease.depth == 0
                if last:
                    self._lease = None
            if last:
                self._finish(lease)

    def _write_lease(self, lease: _Lease) -> None:
        lease.renewed = time.time()
        meta = {
            "kind": "lease",
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "expires": lease.renewed + _LEASE_TTL,
        }
        self._call(
            lambda: self._articles.upsert(
                ids=[f"lease-{lease.id}"], embeddings=[[1.0]], documents=[""], metadatas=[meta]
            )
        )

    def _renew(self, lease: _Lease) -> None:
        if time.time() - lease.renewed > _LEASE_TTL / 3:
            self._write_lease(lease)

    def _commit(self, lease: _Lease, rows: list[tuple[str, str, dict]]) -> None:
        """Write article records (source, text, metadata; a tombstone has no sha) with one new
        revision stamp: the commit point. Then delete the chunks of other versions of those
        articles, except what running writers wrote (see `_clean`)."""
        stamp = uuid.uuid4().hex
        before = self._read_stamp()
        self._write_stamped(rows, stamp)
        self._committed_all(
            {s: (None if m.get(_REMOVED) else m) for s, _, m in rows}, stamp, before
        )
        for source, _, meta in rows:
            lease.written[source] = meta.get("sha256", "")
        self._clean({source: meta.get("sha256", "") for source, _, meta in rows}, lease.id)
        self._renew(lease)

    def _clean(self, keep: dict[str, str], mine: str | None) -> int:
        """Delete the chunks of these sources that are not of version `keep[source]` ("":
        none is kept), unless a running writer other than `mine` wrote them: that one deletes
        its own at its end if they lost (`_finish`). The chunks are read before the lease
        records, and a writer registers its lease before it writes a chunk, so the writer of
        any chunk seen here and not listed as running has ended and commits nothing more."""
        found: list[tuple[str, dict]] = []
        for source, sha in keep.items():
            where = {"source": source}
            if sha:
                where = {"$and": [where, {"sha": {"$ne": sha}}]}
            found += self._iter_chunk_metas(where=where)
        if not found:
            return 0
        running = self._running() - {mine}
        return self._delete_ids([cid for cid, meta in found if meta.get(_LEASE) not in running])

    def _running(self) -> set[str]:
        """The ids of the writing runs whose lease is alive."""
        got = self._call(lambda: self._articles.get(where={"kind": "lease"}, include=["metadatas"]))
        return {
            rid.removeprefix("lease-")
            for rid, meta in zip(got["ids"], got["metadatas"], strict=True)
            if _alive_lease(meta)
        }

    def _records(self, sources: Sequence[str]) -> dict[str, dict]:
        """The article records (or tombstones) of these sources, read by id."""
        found: dict[str, dict] = {}
        for lo in range(0, len(sources), _PAGE):
            ids = [_article_id(s) for s in sources[lo : lo + _PAGE]]
            got = self._call(lambda ids=ids: self._articles.get(ids=ids, include=["metadatas"]))
            for meta in got["metadatas"] or []:
                if "source" in meta:
                    found[meta["source"]] = dict(meta)
        return found

    def _finish(self, lease: _Lease) -> None:
        """The end of a writing run: its chunks of versions that are not current (another
        writer committed the same article after it, or it failed before committing) go."""
        try:
            records = self._records(list(lease.written))
            for source, sha in lease.written.items():
                if sha and records.get(source, {}).get("sha256") != sha:
                    where = {"$and": [{"source": source}, {"sha": sha}, {_LEASE: lease.id}]}
                    self._call(lambda where=where: self._chunks.delete(where=where))
            tombstones = [
                _article_id(s)
                for s, m in records.items()
                if m.get(_REMOVED) and m.get(_LEASE) == lease.id
            ]
            if tombstones:
                self._call(lambda: self._articles.delete(ids=tombstones))
            self._call(lambda: self._articles.delete(ids=[f"lease-{lease.id}"]))
        except StoreError:  # the store went away: the lease expires and a sweep finishes it
            log.warning("could not finish writing run %s; the next sweep will", lease.id)

    def remove_article(self, source: str) -> bool:
        return bool(self.remove_articles([source]))

    def remove_articles(self, sources: Sequence[str]) -> list[str]:
        """Remove several articles with one commit (tombstones and one new stamp: a crash
        after it leaves them removed for every reader); the sources that were indexed."""
        current = self._state()
        present = [s for s in dict.fromkeys(sources) if s in current]
        if not present:
            return []
        with self.writing() as lease:
            tombstones = [
                (s, "", {"source": s, "sha256": "", _REMOVED: True, _LEASE: lease.id})
                for s in present
            ]
            self._commit(lease, tombstones)
            lease.written.update(dict.fromkeys(present, ""))
        return present

    def sweep(self, full: bool = False) -> int:
        """Finish what writing runs that died left behind (their lease expired, or their
        process is gone): their chunks of versions that are not current, the other versions
        of the articles they wrote, their removals. Reads the lease records and tombstones,
        not every chunk, so a run with nothing to do costs two small reads. What running
        writers wrote is never touched. With `full`, every chunk is checked against the
        current articles too (slow: a repair)."""
        deleted = 0
        got = self._call(lambda: self._articles.get(where={"kind": "lease"}, include=["metadatas"]))
        mine = self._lease.id if self._lease else None
        dead = [
            (rid, rid.removeprefix("lease-"))
            for rid, meta in zip(got["ids"], got["metadatas"], strict=True)
            if rid.removeprefix("lease-") != mine and not _alive_lease(meta)
        ]
        tombs = self._call(
            lambda: self._articles.get(where={_REMOVED: True}, include=["metadatas"])
        )
        if not dead and not full and not tombs["ids"]:
            return 0
        self.invalidate()
        current = self._state()
        for rid, lease_id in dead:
            metas = list(self._iter_chunk_metas(where={_LEASE: lease_id}))
            deleted += self._delete_ids(
                [cid for cid, meta in metas if not _of_current(current, meta)]
            )
            sources = {meta["source"] for _, meta in metas}
            keep = {s: current.get(s, {}).get("sha256", "") for s in sources}
            deleted += self._clean(keep, mine)
            self._call(lambda rid=rid: self._articles.delete(ids=[rid]))
        running = self._running()
        for tid, meta in zip(tombs["ids"], tombs["metadatas"], strict=True):
            if meta.get(_LEASE) in running or meta["source"] in current:
                continue  # a removal still being carried out, or re-added since
            deleted += self._clean({meta["source"]: ""}, mine)
            self._call(lambda tid=tid: self._articles.delete(ids=[tid]))
        if full:
            metas = list(self._iter_chunk_metas())  # read before the leases: see `_clean`
            running = self._running() - {mine}
            deleted += self._delete_ids(
                [
                    cid
                    for cid, meta in metas
                    if not _of_current(current, meta) and meta.get(_LEASE) not in running
                ]
            )
        return deleted

    def _delete_ids(self, ids: list[str]) -> int:
        for lo in range(0, len(ids), self._batch):
            self._call(lambda lo=lo: self._chunks.delete(ids=ids[lo : lo + self._batch]))
        return len(ids)

    # -- what built the store ------------------------------------------------------------------

    def manifest(self) -> dict | None:
        """The record of what built the store (None: nothing recorded)."""
        got = self._call(lambda: self._articles.get(ids=[_MANIFEST_ID], include=["metadatas"]))
        return dict(got["metadatas"][0]) if got["ids"] else None

    def set_manifest(self, meta: dict) -> None:
        self._call(
            lambda: self._articles.upsert(
                ids=[_MANIFEST_ID], embeddings=[[1.0]], documents=[""], metadatas=[meta]
            )
        )

    def stamp(self) -> str | None:
        """The revision stamp: one record, changed by every commit."""
        return self._read_stamp()

    def reset(self) -> None:
        """Delete every chunk and record (`assistant index --rebuild`)."""
        with self._lock:
            for collection in (self._chunks, self._articles):
                name = collection.name
                self._call(lambda name=name: self._client.delete_collection(name))
            self._open_collections()
            self._current, self._units = {}, OrderedDict()
            self._loaded_at, self._stamp, self._revision, self._seen = -1.0, None, None, None

    def snapshot(self) -> tuple[str | None, dict[str, dict]]:
        """(revision stamp, source -> article record) of one consistent view."""
        with self._lock:
            current = self._state()
            return self._stamp, current

    def adopt(self, stamp: str | None, records: list[dict]) -> bool:
        """Take `records` as the article view if the store is still at `stamp` (a saved view:
        spares reading every article record); whether it was taken."""
        with self._lock:
            if stamp is None or self._read_stamp() != stamp:
                return False
            if self._seen != stamp:
                self._catch_up(stamp)
            now = time.monotonic()
            self._current = {m["source"]: m for m in records if _is_article(m)}
            self._stamp, self._revision = stamp, None
            self._loaded_at = self._full_at = now
            return True

    def chunks_of(self, sources: Sequence[str]) -> list[Chunk]:
        """The current chunks of these articles, read by source (not every chunk)."""
        current = self._state()
        out: list[Chunk] = []
        for lo in range(0, len(sources), 100):
            part = list(sources[lo : lo + 100])
            where = {"source": {"$in": part}} if len(part) > 1 else {"source": part[0]}
            got = self._call(
                lambda where=where: self._chunks.get(
                    where=where, include=["documents", "metadatas"]
                )
            )
            for cid, doc, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
                if _of_current(current, meta):
                    out.append(_chunk_from(cid, doc, meta))
        return out

    # -- chunks -----------------------------------------------------------------------------

    def _iter_chunk_metas(self, where: dict | None = None):
        offset = 0
        while True:
            got = self._call(
                lambda offset=offset: self._chunks.get(
                    where=where, include=["metadatas"], limit=_PAGE, offset=offset
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


@dataclass
class _Lease:
    """A writing run: its id, when its record was last renewed, and source -> content hash
    of each article it has written chunks of or committed (empty: a removal)."""

    id: str
    depth: int = 0
    renewed: float = 0.0
    written: dict[str, str] = field(default_factory=dict)


def _alive_lease(meta: dict) -> bool:
    """Is the writing run of this lease record still running? Expired, or its process gone
    from this machine: not."""
    if float(meta.get("expires", 0)) < time.time():
        return False
    if meta.get("host") == socket.gethostname():
        try:
            os.kill(int(meta.get("pid", 0)), 0)
        except ProcessLookupError:
            return False
        except (PermissionError, ValueError, OverflowError):
            return True
    return True


def _of_current(current: dict[str, dict], meta: dict) -> bool:
    """Does this chunk record belong to the current version of its article? (`current` is the
    article view, used as is: copying a dict of every article costs more than a query.)"""
    article = current.get(meta["source"])
    return article is not None and article["sha256"] == meta["sha"]


def _is_article(meta: dict) -> bool:
    """Not the revision stamp, not the tombstone of a removal."""
    return "source" in meta and not meta.get(_REMOVED)


def _article_meta(article: Article, chunks: int, lease: str) -> dict:
    """The article record's metadata: what the article list shows, the commit's sha and the
    lease of the writing run whose chunks it points to."""
    return {
        _LEASE: lease,
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


def _chunk_meta(chunk: Chunk, lease: str) -> dict:
    return {
        _LEASE: lease,
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
