"""A news page's main text, title, date and author.

trafilatura does the extraction: it is made for exactly this (news and blog pages), is kept up
to date against real sites, scores at the top of the public article-extraction benchmarks, and
finds the publication date with htmldate (meta tags, JSON-LD, URL and visible dates, preferring
the original date to an update). A hand-written reducer of visible text cannot tell an article
from the menus, "related stories", cookie notices and footers around it; on the 38 saved pages
of `../shared/external/news_html` with "must contain / must not contain" strings the loader's
old BeautifulSoup path kept 2 clean, trafilatura alone 29 (`bench/news_pages.py`).

Two small additions over its output, both measured there:
- the standfirst (the page's description) is put under the headline when the body does not
  already hold it: news pages often set it apart from the body, and it is part of the report;
- paragraphs that are calls to action rather than reporting ("Read more: ...", "Sign up for
  our newsletter", "Our Standards: ...") are dropped. That list was written while reading the
  pages trafilatura left them on, so it is a fitted rule; the 20 ScrapingHub pages (no such
  strings, a gold body only) are the held-out check that it costs no body text.

The text kept is headline, standfirst and body paragraphs joined by blank lines: the exact
text the store keeps and every offset refers to. Where trafilatura finds no article (a short
or unusual page), the caller falls back to the page's visible text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A paragraph that asks the reader to do something instead of reporting: whole paragraphs only
# (anchored at the start), so a sentence that merely mentions a newsletter is kept.
_CALL_TO_ACTION = re.compile(
    r"^\(?(?:"
    # labels: only with their colon ("Related charges were filed" is reporting)
    r"(?:read more|related(?: stories| articles| coverage)?|see also|more on this story"
    r"|credit|image copyright|photo(?:graph)?|our standards)\s*:"
    # imperatives addressed to the reader
    r"|(?:sign up|subscribe|never miss|follow us|click here|download (?:the|our) app"
    r"|we want to hear what you think|submit a letter)\b"
    r"|get (?:the |our )?[\w' ]{0,40}(?:newsletter|by email|daily edition)\b"
    r"|(?:copyright )?©)",
    re.IGNORECASE,
)
_MIN_STANDFIRST_WORDS = 8  # shorter descriptions are site slogans or labels, not a standfirst
_MIN_ARTICLE_CHARS = 200  # less than this is no article: the caller keeps the visible text


@dataclass(frozen=True)
class Page:
    """What a news page says: its headline, main text (headline, standfirst and body, exactly
    as stored), publication date (YYYY-MM-DD) and author, when found."""

    title: str | None
    text: str
    published: str | None
    author: str | None


def extract_page(markup: str, url: str | None = None) -> Page | None:
    """The page's article, or None when trafilatura finds none (too short, not an article)."""
    import trafilatura  # imported here: only HTML needs it, and it loads lxml and more

    doc = trafilatura.bare_extraction(
        markup,
        url=url,
        with_metadata=True,
        include_comments=False,  # readers' comments are not the report
        include_tables=True,
        include_images=False,
        # the date the article was first published, not when it was last touched
        date_extraction_params={"original_date": True, "extensive_search": True},
    )
    if doc is None or not doc.text:
        return None
    paragraphs = [p.strip() for p in doc.text.split("\n") if p.strip()]
    paragraphs = [p for p in paragraphs if not _CALL_TO_ACTION.search(p)]
    body = "\n\n".join(paragraphs)
    if len(body) < _MIN_ARTICLE_CHARS:
        return None
    title = " ".join((doc.title or "").split()) or None
    head = [title] if title and not _starts_with(body, title) else []
    standfirst = " ".join((doc.description or "").split())
    if len(standfirst.split()) >= _MIN_STANDFIRST_WORDS and not _holds(body, standfirst):
        head.append(standfirst)
    return Page(
        title=title,
        text="\n\n".join([*head, body]),
        published=doc.date or None,
        author=" ".join((doc.author or "").split()) or None,
    )


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def _starts_with(body: str, title: str) -> bool:
    return _fold(body[: len(title) + 20]).startswith(_fold(title))


def _holds(body: str, standfirst: str) -> bool:
    """Does the body already hold the standfirst (or open with its first words: a description
    is often the first paragraph, cut short)?"""
    folded = _fold(standfirst).rstrip(".…")
    return folded[:80] in _fold(body)
