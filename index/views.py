"""Article texts read from the store (`ArticleView`), the recently used ones kept in memory.

Answers quote articles by offset, so each answer reads a few whole articles; the same ones come
back question after question. Keeping every article would hold the whole corpus in memory (50 MB
of text at 100,000 chunks), so the least recently used are dropped past `kept`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

from index.checks import at_least
from index.errors import InputError, StoreError
from index.records import sha256_hex
from index.store import Store

KEPT = 2000  # articles kept in memory


@dataclass(frozen=True)
class ArticleView:
    """What answers quote from: an indexed article's title, date and exact text."""

    title: str
    published: str | None
    text: str


class ArticleViews:
    def __init__(self, store: Store, kept: int = KEPT):
        at_least("kept", kept, 1)
        self.store, self.kept = store, kept
        self._views: OrderedDict[tuple[str, str], ArticleView] = OrderedDict()  # (source, sha)
        self._lock = threading.Lock()  # answers run in several threads of the web chat

    def get(self, source: str) -> ArticleView:
        """Title, date and exact text of an indexed article; `InputError` if none."""
        sha = self.store.article_sha(source)
        view = self._cached(source, sha) if sha else None
        if view is None:
            record = self.store.article_record(source) if sha else None
            if record is None:
                raise InputError(f"no indexed article {source!r}")
            view = self._keep(source, *record)
        return view

    def read(self, sources: Iterable[str]) -> dict[str, ArticleView]:
        """Views of these articles, the ones not in memory read in bulk (removed ones absent)."""
        views, missing = {}, []
        for source in sorted(set(sources)):
            sha = self.store.article_sha(source)
            view = self._cached(source, sha) if sha else None
            if view:
                views[source] = view
            elif sha:
                missing.append(source)
        for source, meta, text in self.store.article_records(missing):
            views[source] = self._keep(source, meta, text)
        return views

    def _cached(self, source: str, sha: str) -> ArticleView | None:
        with self._lock:
            view = self._views.get((source, sha))
            if view is not None:
                self._views.move_to_end((source, sha))
            return view

    def _keep(self, source: str, meta: dict, text: str) -> ArticleView:
        # Text and record come from one read, and the text must hash to the record's sha: a
        # view is kept only under the hash of the very text it holds.
        if sha256_hex(text) != meta["sha256"]:
            raise StoreError(f"article {source!r} in the store does not match its hash")
        view = ArticleView(meta.get("title", ""), meta.get("published") or None, text)
        with self._lock:
            self._views[(source, meta["sha256"])] = view
            while len(self._views) > self.kept:
                self._views.popitem(last=False)
        return view
