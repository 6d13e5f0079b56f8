"""Load files and folders into `Article`s.

Text is decoded from UTF-8 bytes and kept exactly (no newline translation, no normalisation),
so every offset computed later indexes the text the store keeps. HTML is reduced to its
visible text with BeautifulSoup (a forgiving parser for real-world markup); offsets then refer
to that extracted text. Dates are parsed with python-dateutil rather than hand-written rules.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from dateutil import parser as dateparser

from index.errors import LoadError, SourceNotFoundError
from index.records import Article

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".json", ".jsonl")

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
# Only full dates (day, month and year) count as a publication date.
_DATE = re.compile(
    rf"\b(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+\d{{4}}"
    r"|\d{4}-\d{2}-\d{2})\b"
)
# Site furniture that sometimes precedes the headline of a saved page.
_BOILERPLATE = re.compile(
    r"^(?:join|subscribe|sign up|sign in|log in|follow us|advertisement|skip to|menu\b|share\b)"
    r"|\b(?:telegram channel|newsletter|cookies?)\b",
    re.IGNORECASE,
)
_HEADER_LINES = 12  # a stated publication date sits near the top of an article
_MAX_DATE_LINE = 120


@dataclass(frozen=True)
class SourceFile:
    path: Path
    source: str  # the path as the user gave it (joined with the relative path inside a folder)


def find_files(paths: list[str | Path]) -> list[SourceFile]:
    """Expand files and folders (recursively, hidden entries skipped) in a stable order."""
    found: list[SourceFile] = []
    for given in paths:
        path = Path(given)
        if not path.exists():
            raise SourceNotFoundError(f"no such file or folder: {given}")
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                rel = child.relative_to(path)
                if child.is_file() and not any(p.startswith(".") for p in rel.parts):
                    found.append(SourceFile(child, str(Path(str(given)) / rel)))
        else:
            found.append(SourceFile(path, str(Path(str(given)))))
    return found


def load_file(file: SourceFile) -> list[Article]:
    """Read one file into one or more articles; raise `LoadError` saying why it cannot."""
    suffix = file.path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise LoadError(f"unsupported file type {suffix or '(none)'}")
    try:
        raw = file.path.read_bytes()
    except OSError as exc:
        raise LoadError(f"unreadable: {exc.strerror or exc}") from exc
    return parse_bytes(raw, file.source, suffix)


def parse_bytes(raw: bytes, source: str, suffix: str) -> list[Article]:
    if b"\x00" in raw:
        raise LoadError("binary file (it contains NUL bytes)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadError(f"not UTF-8 (bad byte at offset {exc.start})") from exc
    if not text.strip():
        raise LoadError("empty file")
    if suffix in (".json", ".jsonl"):
        articles = list(_json_articles(text, source, suffix))
    elif suffix in (".html", ".htm"):
        articles = [_html_article(text, source)]
    else:
        articles = [plain_article(text, source)]
    for article in articles:
        check_text(article)
    return articles


def check_text(article: Article) -> None:
    """Text the store can keep: valid Unicode (JSON can smuggle lone surrogates), no NUL."""
    try:
        article.text.encode("utf-8")
        article.title.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise LoadError(f"{article.source}: invalid Unicode (lone surrogate)") from exc
    if "\x00" in article.text or "\x00" in article.title:
        raise LoadError(f"{article.source}: text contains NUL characters")


def plain_article(text: str, source: str, title: str | None = None) -> Article:
    """An article from plain text: the title is the first non-empty line that is not furniture."""
    if not text.strip():
        raise LoadError("empty text")
    return Article(
        source=source,
        title=title or _title_of(text) or Path(source).stem,
        text=text,
        published=published_date(text),
    )


def _title_of(text: str) -> str:
    lines = [ln.strip().lstrip("#").strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln]
    for line in lines[:3]:
        if not _BOILERPLATE.search(line):
            return line[:300]
    return lines[0][:300] if lines else ""


_DATELINE = re.compile(r"\b(published|updated|posted|date|dated)\b", re.I)


def published_date(text: str) -> str | None:
    """A full date on a dateline near the top (after the title), as YYYY-MM-DD.

    A dateline is a short line that is mostly the date, or starts with "Published",
    "Updated" and the like; a date inside a sentence ("born 21 August 1968") is not one.
    """
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for line in lines[1:_HEADER_LINES]:
        match = _DATE.search(line)
        if not match or len(line) > _MAX_DATE_LINE:
            continue
        rest = (line[: match.start()] + line[match.end() :]).strip()
        if len(rest) <= 30 or _DATELINE.search(line[: match.start()]):
            parsed = parse_date(match.group(0))
            if parsed:
                return parsed
    return None


def parse_date(value: str) -> str | None:
    try:
        return dateparser.parse(value).date().isoformat()
    except (ValueError, OverflowError, TypeError):
        return None


def _json_articles(text: str, source: str, suffix: str) -> Iterator[Article]:
    if suffix == ".jsonl":
        records = []
        for n, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                records.append((f"{source}#{n}", _json_load(line, f"line {n}")))
    else:
        data = _json_load(text, "file")
        items = data if isinstance(data, list) else [data]
        single = len(items) == 1
        records = [(source if single else f"{source}#{i}", item) for i, item in enumerate(items, 1)]
    if not records:
        raise LoadError("no articles in file")
    for name, record in records:
        yield _json_article(record, name)


def _json_load(text: str, where: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise LoadError(f"invalid JSON ({where}: {exc.msg})") from exc
    except RecursionError as exc:
        raise LoadError(f"invalid JSON ({where}: nested too deeply)") from exc


def _json_article(record: object, source: str) -> Article:
    if not isinstance(record, dict):
        raise LoadError(f"{source}: expected an object with 'title' and 'text'")
    text, title = record.get("text"), record.get("title")
    if not isinstance(text, str) or not text.strip():
        raise LoadError(f"{source}: missing or empty 'text'")
    if title is not None and not isinstance(title, str):
        raise LoadError(f"{source}: 'title' must be a string")
    published = record.get("published")
    url = record.get("url")
    return Article(
        source=source,
        title=(title or "").strip() or _title_of(text) or Path(source).stem,
        text=text,
        published=parse_date(published) if isinstance(published, str) else published_date(text),
        url=url if isinstance(url, str) else None,
    )


def _html_article(markup: str, source: str) -> Article:
    from bs4 import BeautifulSoup  # imported here: only HTML needs it

    soup = BeautifulSoup(markup, "html.parser")
    for tag in soup(["script", "style", "noscript", "template", "nav", "footer", "header"]):
        tag.decompose()
    title = ""
    if soup.title and soup.title.get_text(strip=True):
        title = soup.title.get_text(" ", strip=True)
        soup.title.decompose()
    blocks = [ln.strip() for ln in soup.get_text("\n").splitlines()]
    text = "\n\n".join(b for b in blocks if b)
    if not text:
        raise LoadError("no text in HTML")
    meta = soup.find("meta", attrs={"property": "article:published_time"})
    published = parse_date(str(meta.get("content"))) if meta and meta.get("content") else None
    article = plain_article(text, source, title=title or None)
    if published:
        article = Article(article.source, article.title, article.text, published, article.url)
    return article
