"""URLs in: a page becomes an article; a feed becomes its items, or with `follow` their pages.

Everything is fetched (`index.fetch`, under its guards) and parsed (in the parse worker, under
the ingestion budgets) before anything is written, so a URL that fails leaves the store as it
was; the caller then indexes what was read in one run. An article's source is its URL: the
page's as given, or the item's link. A followed page keeps the feed's date where the feed gives
one (a feed states it on purpose; a page's date is found by htmldate), and the page's title.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from index.errors import LoadError
from index.feeds import FEED_SUFFIX, FeedState, fingerprint
from index.fetch import (
    ANY_ARTICLE,
    FEED_TYPES,
    PAGE_TYPES,
    TEXT_TYPES,
    Fetched,
    FetchLimits,
    fetch,
)
from index.parse_worker import ParseWorker
from index.records import Article, Skipped

log = logging.getLogger(__name__)


@dataclass
class WebBatch:
    """What a set of URLs yielded: the articles read, the URLs and items passed over (each with
    its reason), the followed items left alone because their feed entry has not changed, and
    the feed entries to remember once the articles are indexed."""

    articles: list[Article] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    seen: dict[str, dict[str, str]] = field(default_factory=dict)


def read_urls(
    urls: Iterable[str],
    parser: ParseWorker,
    limits: FetchLimits,
    follow: bool = False,
    state: FeedState | None = None,
    indexed: Callable[[str], str | None] = lambda source: None,
    max_items: int = 100,
    progress: Callable[[str], None] | None = None,
) -> WebBatch:
    """Fetch and parse `urls`. `indexed(source)` is the indexed article's hash (or None): a
    followed item whose feed entry matches `state` and which is indexed is not fetched again;
    at most `max_items` items of a feed are followed."""
    batch = WebBatch()
    for url in urls:
        try:
            fetched = fetch(url, limits, ANY_ARTICLE)
            if fetched.media_type in FEED_TYPES:
                items = parser.parse(fetched.body, url, FEED_SUFFIX)
                if follow:
                    _follow(url, items, parser, limits, state, indexed, max_items, batch, progress)
                else:
                    batch.articles.extend(items)
            else:
                batch.articles.extend(_page(fetched, url, parser))
        except LoadError as exc:
            log.warning("skipped %s: %s", url, exc)
            batch.skipped.append(Skipped(url, _reason(url, exc)))
        if progress:
            progress(url)
    return batch


def _page(fetched: Fetched, source: str, parser: ParseWorker) -> list[Article]:
    suffix = ".html" if fetched.media_type in PAGE_TYPES else ".txt"
    articles = parser.parse(fetched.text_utf8(), source, suffix)
    return [dataclasses.replace(a, url=fetched.requested) for a in articles]


def _follow(
    feed: str,
    items: list[Article],
    parser: ParseWorker,
    limits: FetchLimits,
    state: FeedState | None,
    indexed: Callable[[str], str | None],
    max_items: int,
    batch: WebBatch,
    progress: Callable[[str], None] | None,
) -> None:
    """Each item's page in place of the item (at most `max_items`); an item whose feed entry
    is as last indexed, and is still indexed, is not fetched."""
    seen = state.seen(feed) if state is not None else {}
    remembered = batch.seen.setdefault(feed, {})
    for n, item in enumerate(items):
        mark = fingerprint(item)
        if seen.get(item.source) == mark and indexed(item.source) is not None:
            batch.unchanged.append(item.source)
            continue
        if n >= max_items:
            batch.skipped.append(
                Skipped(
                    item.source,
                    f"not followed: the feed has more than {max_items} items "
                    "(ASSISTANT_FETCH_MAX_ITEMS)",
                )
            )
            continue
        if item.url is None:
            batch.articles.append(item)  # no page to follow: the feed's text is the article
            remembered[item.source] = mark
            continue
        try:
            page = fetch(item.url, limits, PAGE_TYPES | TEXT_TYPES)
            article = _page(page, item.source, parser)[0]
        except LoadError as exc:
            log.warning("skipped %s: %s", item.source, exc)
            batch.skipped.append(Skipped(item.source, _reason(item.source, exc)))
            continue
        batch.articles.append(
            dataclasses.replace(
                article,
                published=item.published or article.published,
                author=article.author or item.author,
            )
        )
        remembered[item.source] = mark
        if progress:
            progress(item.source)


def _reason(url: str, exc: LoadError) -> str:
    """The error without the URL it starts with (the report names the URL already)."""
    text = str(exc)
    return text[len(url) + 2 :] if text.startswith(f"{url}: ") else text
