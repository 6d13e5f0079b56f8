"""One immutable block of the chunk catalogue: its chunks (ids, offsets, texts, sentence spans)
and the term frequencies BM25 scores them from, as flat numpy arrays.

Saved with `np.save`, one array a file, and opened with `np.load(mmap_mode="r")`: a fresh
process maps the files instead of parsing them, and only the pages a question touches are read
(the JSON this replaces took 6 s to load at 130,000 chunks and held every text in memory). numpy
is used rather than a database or search library: the arrays are what BM25 and the lookups need,
and bm25s's own format cannot be updated (its score matrix bakes in the corpus size and average
length, so one new chunk changes every stored score). The catalogue (`catalogue.py`) adds new
chunks as new segments and merges small ones; a segment is never changed once written.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.records import Chunk, Span
from index.terms import terms

DONE = "complete"  # written last: a folder without it is an interrupted save
_ARRAYS = (
    "ids",  # S32, one per chunk, in catalogue order
    "id_order",  # rows sorted by id, for lookups by id
    "article_of",  # per chunk: its row in the article table
    "starts",
    "ends",
    "text_bytes",  # every text, UTF-8, one after the other
    "text_at",  # chunk i's text is text_bytes[text_at[i]:text_at[i + 1]]
    "spans",  # (sentence, 2) starts and ends
    "span_at",  # chunk i's sentences are spans[span_at[i]:span_at[i + 1]]
    "lengths",  # terms per chunk (BM25's document length)
    "term_bytes",  # the vocabulary, sorted, UTF-8
    "term_at",
    "post_at",  # term j's postings are post_rows/post_tf[post_at[j]:post_at[j + 1]]
    "post_rows",
    "post_tf",
    "source_bytes",  # the article table: source names,
    "source_at",
    "shas",  # S64 content hashes,
    "first",  # first chunk row,
    "count",  # and number of chunks of each article
)


@dataclass(frozen=True, eq=False)  # identity: it holds numpy arrays
class Segment:
    name: str
    arrays: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.arrays["ids"])

    # -- building, saving, loading -----------------------------------------------------------

    @staticmethod
    def build(chunks: Sequence[Chunk]) -> Segment:
        """A segment of these chunks (each article's chunks together, in order)."""
        articles: dict[tuple[str, str], list[int]] = {}
        for row, chunk in enumerate(chunks):
            articles.setdefault((chunk.source, chunk.article_sha), []).append(row)
        table = list(articles)
        article_of = np.zeros(len(chunks), dtype=np.int32)
        first = np.zeros(len(table), dtype=np.int64)
        count = np.zeros(len(table), dtype=np.int64)
        for a, rows in enumerate(articles.values()):
            if rows != list(range(rows[0], rows[0] + len(rows))):
                raise ValueError("a segment needs each article's chunks together")
            article_of[rows] = a
            first[a], count[a] = rows[0], len(rows)
        tokens = [terms(c.text) for c in chunks]
        vocab = sorted({t for doc in tokens for t in doc})
        column = {t: j for j, t in enumerate(vocab)}
        postings: list[list[tuple[int, int]]] = [[] for _ in vocab]
        for row, doc in enumerate(tokens):
            counts: dict[int, int] = {}
            for t in doc:
                j = column[t]
                counts[j] = counts.get(j, 0) + 1
            for j, tf in counts.items():
                postings[j].append((row, tf))
        post_at = np.zeros(len(vocab) + 1, dtype=np.int64)
        post_at[1:] = np.cumsum([len(p) for p in postings])
        flat = [x for p in postings for x in p]
        spans = [(s.start, s.end) for c in chunks for s in c.sentences]
        span_at = np.zeros(len(chunks) + 1, dtype=np.int64)
        span_at[1:] = np.cumsum([len(c.sentences) for c in chunks])
        ids = np.array([c.id.encode("ascii") for c in chunks], dtype="S32")
        text_bytes, text_at = _pack([c.text for c in chunks])
        term_bytes, term_at = _pack(vocab)
        source_bytes, source_at = _pack([s for s, _ in table])
        arrays = {
            "ids": ids,
            "id_order": np.argsort(ids, kind="stable").astype(np.int32),
            "article_of": article_of,
            "starts": np.array([c.start for c in chunks], dtype=np.int64),
            "ends": np.array([c.end for c in chunks], dtype=np.int64),
            "text_bytes": text_bytes,
            "text_at": text_at,
            "spans": np.array(spans, dtype=np.int64).reshape(-1, 2),
            "span_at": span_at,
            "lengths": np.array([len(doc) for doc in tokens], dtype=np.int32),
            "term_bytes": term_bytes,
            "term_at": term_at,
            "post_at": post_at,
            "post_rows": np.array([r for r, _ in flat], dtype=np.int32),
            "post_tf": np.array([tf for _, tf in flat], dtype=np.float32),
            "source_bytes": source_bytes,
            "source_at": source_at,
            "shas": np.array([sha.encode("ascii") for _, sha in table], dtype="S64"),
            "first": first,
            "count": count,
        }
        return Segment(f"seg-{uuid.uuid4().hex}", arrays)

    def save(self, parent: Path) -> None:
        """Write the segment to `parent/<name>` (whole, or not at all)."""
        folder = parent / self.name
        if (folder / DONE).exists():
            return
        tmp = parent / f".{self.name}.{uuid.uuid4().hex}"
        tmp.mkdir(parents=True)
        try:
            for key in _ARRAYS:
                np.save(tmp / f"{key}.npy", np.ascontiguousarray(self.arrays[key]))
            (tmp / DONE).touch()
            os.replace(tmp, folder)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    @staticmethod
    def load(folder: Path) -> Segment:
        """Map a saved segment (every file opened now, so a later deletion cannot break it)."""
        if not (folder / DONE).exists():
            raise FileNotFoundError(f"{folder} is not a complete segment")
        arrays = {k: np.load(folder / f"{k}.npy", mmap_mode="r") for k in _ARRAYS}
        if len({len(arrays[k]) for k in ("ids", "starts", "ends", "lengths")}) != 1:
            raise ValueError(f"{folder}: arrays of different lengths")
        return Segment(folder.name, arrays)

    # -- reading -----------------------------------------------------------------------------

    def chunk(self, row: int) -> Chunk:
        a = self.arrays
        lo, hi = int(a["text_at"][row]), int(a["text_at"][row + 1])
        s_lo, s_hi = int(a["span_at"][row]), int(a["span_at"][row + 1])
        article = int(a["article_of"][row])
        return Chunk(
            id=a["ids"][row].decode("ascii"),
            source=self.source(article),
            article_sha=a["shas"][article].decode("ascii"),
            start=int(a["starts"][row]),
            end=int(a["ends"][row]),
            text=bytes(a["text_bytes"][lo:hi]).decode("utf-8", "surrogatepass"),
            sentences=tuple(Span(int(x), int(y)) for x, y in a["spans"][s_lo:s_hi]),
        )

    def source(self, article: int) -> str:
        at = self.arrays["source_at"]
        raw = self.arrays["source_bytes"][int(at[article]) : int(at[article + 1])]
        return bytes(raw).decode("utf-8", "surrogatepass")

    def articles(self) -> list[tuple[str, str, int, int]]:
        """The article table: (source, sha256, first row, chunks)."""
        a = self.arrays
        return [
            (self.source(i), a["shas"][i].decode("ascii"), int(a["first"][i]), int(a["count"][i]))
            for i in range(len(a["shas"]))
        ]

    def row_of(self, cid: str) -> int | None:
        ids, order = self.arrays["ids"], self.arrays["id_order"]
        key = cid.encode("ascii", "replace")
        lo, hi = 0, len(order)
        while lo < hi:  # binary search through the mapped order: touches log n pages
            mid = (lo + hi) // 2
            if ids[order[mid]] < key:
                lo = mid + 1
            else:
                hi = mid
        if lo < len(order) and ids[order[lo]] == key:
            return int(order[lo])
        return None

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(rows, term frequencies) of the chunks that use `term`."""
        j = self._column(term)
        if j is None:
            return None
        lo, hi = int(self.arrays["post_at"][j]), int(self.arrays["post_at"][j + 1])
        return self.arrays["post_rows"][lo:hi], self.arrays["post_tf"][lo:hi]

    def _column(self, term: str) -> int | None:
        """The term's column: a binary search of the sorted vocabulary where it lies (UTF-8
        sorts as the code points do), so no dictionary of it is built when a segment is
        opened."""
        at, raw = self.arrays["term_at"], self.arrays["term_bytes"]
        key = term.encode("utf-8", "surrogatepass")
        lo, hi = 0, len(at) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if bytes(raw[int(at[mid]) : int(at[mid + 1])]) < key:
                lo = mid + 1
            else:
                hi = mid
        if lo < len(at) - 1 and bytes(raw[int(at[lo]) : int(at[lo + 1])]) == key:
            return lo
        return None


def _pack(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Strings as one UTF-8 byte array and their offsets into it."""
    encoded = [t.encode("utf-8", "surrogatepass") for t in texts]
    at = np.zeros(len(encoded) + 1, dtype=np.int64)
    at[1:] = np.cumsum([len(e) for e in encoded])
    return np.frombuffer(b"".join(encoded), dtype=np.uint8).copy(), at
