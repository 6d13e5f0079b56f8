"""RSS and Atom feeds: each item an article, and what was seen of each feed.

feedparser reads the feed: it knows every dialect in use (RSS 0.9x, 1.0 and 2.0, Atom 0.3 and
1.0), their date formats and their broken variants, resolves relative links against the
feed's address, and cleans the HTML of summaries. It runs in the parse worker, under the same
CPU and memory budget as any file (`parse_bytes` with `FEED_SUFFIX`), after the same check of
the markup's shape (elements and depth) and of the number of records.

An item's article is its title, then its content (or summary) as text; its source is its link
(the URL of the report), its date the feed's. With `--follow`, the item's page replaces it
(`index.web`), and `FeedState` remembers what each item looked like in the feed, so that
re-reading a feed fetches only the pages of new or changed items.
"""

from __future__ import annotations

import calendar
import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path

from index.errors import LoadError
from index.loader import FEED_SUFFIX, Budget, check_markup_shape, check_records, clip_title
from index.records import Article, sha256_hex

_BLOCKS = ("p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr")


__all__ = ["FEED_SUFFIX", "FeedState", "feed_articles", "fingerprint"]


def feed_articles(raw: bytes, source: str, budget: Budget) -> list[Article]:
    """The items of the feed in `raw` (fetched from `source`) as articles; `LoadError` if it
    is not a feed, has no items, or is over `budget`."""
    import feedparser  # imported here: only feeds need it

    check_markup_shape(raw.decode("utf-8", "replace"), budget)
    parsed = feedparser.parse(
        raw,
        response_headers={"content-location": source, "content-type": "application/xml"},
        sanitize_html=True,
        resolve_relative_uris=True,
    )
    if not parsed.version:
        problem = parsed.get("bozo_exception")
        detail = f" ({type(problem).__name__})" if problem else ""
        raise LoadError(f"not an RSS or Atom feed{detail}")
    entries = parsed.entries
    check_records(len(entries), budget)
    if not entries:
        raise LoadError("the feed has no items")
    articles: dict[str, Article] = {}
    for n, entry in enumerate(entries, 1):
        link = str(entry.get("link") or "").strip()
        item = link if link.lower().startswith(("http://", "https://")) else None
        name = item or f"{source}#{entry.get('id') or n}"
        if name in articles:
            continue  # an item listed twice is one article
        title = " ".join(str(entry.get("title") or "").split())
        body = _entry_text(entry)
        text = "\n\n".join(part for part in (title, body) if part)
        if not text:
            continue  # nothing to say: no title, no summary
        author = " ".join(str(entry.get("author") or "").split()) or None
        articles[name] = Article(
            source=name,
            title=clip_title(title or name),
            text=text,
            published=_date(entry),
            url=item,
            author=clip_title(author) if author else None,
        )
    if not articles:
        raise LoadError("the feed has no items with a title or text")
    return list(articles.values())


def _entry_text(entry) -> str:
    """The item's full content where the feed carries it, else its summary, as text: one
    paragraph per block element of its HTML."""
    from bs4 import BeautifulSoup

    contents = entry.get("content") or []
    html = next((str(c.get("value") or "") for c in contents if c.get("value")), "")
    html = html or str(entry.get("summary") or "")
    if not html.strip():
        return ""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style"]):
        tag.decompose()
    for tag in soup(list(_BLOCKS)):
        tag.insert_before("\n")
        tag.insert_after("\n")
    lines = (" ".join(line.split()) for line in soup.get_text().splitlines())
    return "\n\n".join(line for line in lines if line)


def _date(entry) -> str | None:
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    if not stamp:
        return None
    try:  # feedparser gives UTC
        return datetime.fromtimestamp(calendar.timegm(stamp), UTC).date().isoformat()
    except (OverflowError, ValueError, OSError):
        return None


def fingerprint(article: Article) -> str:
    """What an item looked like in its feed: a change of title, date or text is a change."""
    return sha256_hex(f"{article.title}\x00{article.published}\x00{article.text}")[:32]


class FeedState:
    """For each feed, the fingerprint of each item as last indexed; kept in a JSON file (or
    in memory when there is none), written whole and renamed into place."""

    def __init__(self, path: Path | None = None):
        self.path = path
        self._lock = threading.Lock()
        self._items: dict[str, dict[str, str]] | None = None

    def _load(self) -> dict[str, dict[str, str]]:
        if self._items is None:
            self._items = {}
            if self.path is not None and self.path.is_file():
                try:
                    data = json.loads(self.path.read_text("utf-8"))
                    if isinstance(data, dict):
                        self._items = {
                            str(k): {str(a): str(b) for a, b in v.items()}
                            for k, v in data.items()
                            if isinstance(v, dict)
                        }
                except (OSError, ValueError):
                    self._items = {}  # unreadable: every item's page is fetched again
        return self._items

    def seen(self, feed: str) -> dict[str, str]:
        with self._lock:
            return dict(self._load().get(feed, {}))

    def record(self, feed: str, items: dict[str, str]) -> None:
        with self._lock:
            state = self._load()
            state[feed] = {**state.get(feed, {}), **items}
            if self.path is not None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
                tmp.write_text(json.dumps(state, ensure_ascii=False), "utf-8")
                os.replace(tmp, self.path)
