"""Load files and folders into `Article`s.

Text is decoded from UTF-8 bytes and kept exactly (no newline translation, no normalisation),
so every offset computed later indexes the text the store keeps. HTML is reduced to its
visible text with BeautifulSoup (a forgiving parser for real-world markup); offsets then refer
to that extracted text. Dates are parsed with python-dateutil rather than hand-written rules.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from dateutil import parser as dateparser

from index.errors import LoadError, SourceNotFoundError
from index.pages import extract_page
from index.records import Article, Skipped

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".json", ".jsonl")
FEED_SUFFIX = ".feed"  # bytes fetched as a feed (`index.feeds`); no file has it

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
_MAX_DATE_CHARS = 100  # "Wednesday, 12 October 2022 14:05:00 +01:00" is 42
MAX_TITLE_CHARS = 300
# Bidirectional controls (embeddings, overrides, isolates, marks): they can make a name read
# as something else on screen ("evil\u202etxt.exe"), so names shown to a reader drop them.
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def strip_bidi(text: str) -> str:
    """`text` without bidirectional control characters (for names shown to a reader)."""
    return BIDI_CONTROLS.sub("", text)


@dataclass(frozen=True)
class Budget:
    """What one file may cost to load; a file over any of them is refused with a message that
    gives the budget and the setting that raises it (`ASSISTANT_INGEST_...`)."""

    max_records: int = 1000  # articles in one .json / .jsonl file
    max_depth: int = 500  # nesting of HTML elements or of JSON arrays and objects
    max_nodes: int = 100_000  # HTML elements, or JSON values, in one file
    max_file_bytes: int = 50 * 1024 * 1024  # bytes read from one file
    max_parse_seconds: float = 5.0  # CPU time parsing and checking one file (in a worker)
    max_parse_mb: int = 1024  # memory of the worker that parses one file

    def __post_init__(self) -> None:
        for name in (
            "max_records",
            "max_depth",
            "max_nodes",
            "max_file_bytes",
            "max_parse_seconds",
            "max_parse_mb",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"budget {name} must be at least 1")


DEFAULT_BUDGET = Budget()


def _over(what: str, found: str, budget: int, unit: str, setting: str) -> LoadError:
    return LoadError(
        f"refused: {what} {found}; the budget is {budget:,} {unit} (ASSISTANT_INGEST_{setting})"
    )


@dataclass(frozen=True)
class SourceFile:
    path: Path
    source: str  # the path as the user gave it (joined with the relative path inside a folder)


@dataclass
class Scan:
    """What a set of paths expands to: the files to load, the entries passed over (each with
    its reason) and the folders that could not be listed."""

    files: list[SourceFile] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    unreadable: list[Skipped] = field(default_factory=list)


_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _special(mode: int) -> str:
    return f"not a regular file: {_kind(mode)}"


def _follow(path: str | Path) -> os.stat_result | str:
    """The entry's status (symlinks followed), or why it cannot be used: a symlink loop, a
    broken symlink, no permission. Nothing is opened."""
    try:
        return os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symlink loop"
        if exc.errno == errno.ENOENT and os.path.islink(path):
            return "broken symlink (its target does not exist)"
        return f"unreadable: {exc.strerror or exc}"


def scan(paths: list[str | Path]) -> Scan:
    """Expand files and folders (recursively, hidden entries skipped) in a stable order.

    Only regular files are listed. FIFOs, devices, sockets, symlink loops, broken symlinks and
    folders that cannot be listed are passed over, each named with the reason; nothing is
    opened to find out. Symlinked folders are followed once (a link back to a folder being
    walked is a loop). A given path that does not exist at all is an error.
    """
    result = Scan()
    for given in paths:
        path = Path(given)
        shown = str(Path(str(given)))
        status = _follow(path)
        if isinstance(status, str):
            if not os.path.lexists(path):
                raise SourceNotFoundError(f"no such file or folder: {given}")
            result.skipped.append(Skipped(shown, status))
        elif stat.S_ISDIR(status.st_mode):
            _walk(path, shown, status, result)
        elif stat.S_ISREG(status.st_mode):
            result.files.append(SourceFile(path, shown))
        else:
            result.skipped.append(Skipped(shown, _special(status.st_mode)))
    return result


def _walk(root: Path, shown: str, status: os.stat_result, result: Scan) -> None:
    # Paths are strings and relative paths tuples of names until a file is kept: pathlib
    # objects for every entry cost a third of a second per 10,000 files, on every `index`.
    found: list[tuple[tuple[str, ...], SourceFile]] = []
    passed: list[tuple[tuple[str, ...], Skipped]] = []
    # (folder, its path relative to root, the (device, inode) of the folders above it)
    stack: list[tuple[str, tuple[str, ...], frozenset[tuple[int, int]]]] = [
        (str(root), (), frozenset({(status.st_dev, status.st_ino)}))
    ]
    while stack:
        folder, rel, above = stack.pop()
        try:
            with os.scandir(folder) as entries:
                names = sorted(e.name for e in entries)
        except OSError as exc:
            entry = Skipped(_joined(shown, rel), f"unreadable folder: {exc.strerror or exc}")
            passed.append((rel, entry))
            result.unreadable.append(entry)
            continue
        for name in reversed(names):  # popped in sorted order
            if name.startswith("."):
                continue
            child, child_rel = os.path.join(folder, name), (*rel, name)
            child_shown = _joined(shown, child_rel)
            status = _follow(child)
            if isinstance(status, str):
                passed.append((child_rel, Skipped(child_shown, status)))
            elif stat.S_ISDIR(status.st_mode):
                key = (status.st_dev, status.st_ino)
                if key in above:
                    loop = Skipped(child_shown, "symlink loop (it leads back to a folder above it)")
                    passed.append((child_rel, loop))
                else:
                    stack.append((child, child_rel, above | {key}))
            elif stat.S_ISREG(status.st_mode):
                found.append((child_rel, SourceFile(Path(child), child_shown)))
            else:
                passed.append((child_rel, Skipped(child_shown, _special(status.st_mode))))
    # ordered as the relative paths' parts, as pathlib orders them
    result.files.extend(file for _, file in sorted(found, key=lambda pair: pair[0]))
    result.skipped.extend(entry for _, entry in sorted(passed, key=lambda pair: pair[0]))


def _joined(shown: str, rel: tuple[str, ...]) -> str:
    """`str(Path(shown) / Path(*rel))` without the pathlib objects: "." is dropped as pathlib
    drops it, so `index .` names its articles `a.txt`, not `./a.txt`."""
    if shown == "." and rel:
        return os.path.join(*rel)
    return os.path.join(shown, *rel)


def find_files(paths: list[str | Path]) -> list[SourceFile]:
    """The regular files `paths` expand to (see `scan`)."""
    return scan(paths).files


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of a regular file, at most `limit` of them; `LoadError` for anything else.

    The entry is checked before it is opened (a FIFO would block, a device never end), opened
    without blocking, and checked again on the open descriptor (it may have been swapped).
    """
    status = _follow(path)
    if isinstance(status, str):
        raise LoadError(status)
    if not stat.S_ISREG(status.st_mode):
        raise LoadError(_special(status.st_mode))
    if status.st_size > limit:
        raise _size_error(status.st_size, limit)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise LoadError(f"unreadable: {exc.strerror or exc}") from exc
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise LoadError(_special(status.st_mode))
        parts, total = [], 0
        while True:
            part = os.read(fd, min(1 << 20, limit + 1 - total))
            if not part:
                break
            parts.append(part)
            total += len(part)
            if total > limit:
                raise _size_error(total, limit)
        return b"".join(parts)
    except OSError as exc:
        raise LoadError(f"unreadable: {exc.strerror or exc}") from exc
    finally:
        os.close(fd)


def _size_error(size: int, limit: int) -> LoadError:
    return LoadError(
        f"refused: the file is {_size(size)}; the budget is {_size(limit)} per file "
        "(ASSISTANT_INGEST_MAX_FILE_MB)"
    )


def _size(n: int) -> str:
    return f"{n / 1048576:,.4g} MB" if n >= 104858 else f"{n:,} bytes"


def read_file(file: SourceFile, budget: Budget = DEFAULT_BUDGET) -> bytes:
    """The bytes of one file of a supported type; `LoadError` saying why they cannot be had."""
    suffix = file.path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise LoadError(f"unsupported file type {suffix or '(none)'}")
    return read_regular(file.path, budget.max_file_bytes)


def load_file(file: SourceFile, budget: Budget = DEFAULT_BUDGET) -> list[Article]:
    """Read one file into one or more articles, in this process; `LoadError` saying why not."""
    return parse_bytes(read_file(file, budget), file.source, file.path.suffix.lower(), budget)


def parse_bytes(
    raw: bytes, source: str, suffix: str, budget: Budget = DEFAULT_BUDGET
) -> list[Article]:
    """The articles in the bytes of one file; `LoadError` if there are none or it is over
    `budget` (checked before anything costly is built)."""
    if len(raw) > budget.max_file_bytes:
        raise _size_error(len(raw), budget.max_file_bytes)
    if suffix == FEED_SUFFIX:  # a feed declares its own encoding: feedparser reads the bytes
        from index.feeds import feed_articles

        articles = feed_articles(raw, source, budget)
        for article in articles:
            check_text(article)
        return articles
    if b"\x00" in raw:
        raise LoadError("binary file (it contains NUL bytes)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadError(f"not UTF-8 (bad byte at offset {exc.start})") from exc
    if not text.strip():
        raise LoadError("empty file")
    if suffix in (".json", ".jsonl"):
        articles = list(_json_articles(text, source, suffix, budget))
    elif suffix in (".html", ".htm"):
        articles = [_html_article(text, source, budget)]
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
        title=clip_title(title or _title_of(text) or Path(source).stem),
        text=text,
        published=published_date(text),
    )


def clip_title(title: str) -> str:
    """A title as kept: one line of at most `MAX_TITLE_CHARS` characters."""
    title = " ".join(title.split())
    if len(title) > MAX_TITLE_CHARS:
        title = title[: MAX_TITLE_CHARS - 1].rstrip() + "…"
    return title


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
        if len(line) > _MAX_DATE_LINE:
            continue  # not a dateline; and a long line is not searched at all
        match = _DATE.search(line)
        if not match:
            continue
        rest = (line[: match.start()] + line[match.end() :]).strip()
        if len(rest) <= 30 or _DATELINE.search(line[: match.start()]):
            parsed = parse_date(match.group(0))
            if parsed:
                return parsed
    return None


def parse_date(value: str) -> str | None:
    """`value` as YYYY-MM-DD, or None. A longer value than any way of writing a date is not
    parsed: dateutil's time grows with the square of its length (400,000 digits took 4 s)."""
    if len(value) > _MAX_DATE_CHARS:
        return None
    try:
        return dateparser.parse(value).date().isoformat()
    except (ValueError, OverflowError, TypeError):
        return None


def _json_articles(text: str, source: str, suffix: str, budget: Budget) -> Iterator[Article]:
    if suffix == ".jsonl":
        lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
        check_records(len(lines), budget)
        _check_json_shape(text, budget)  # before any value is built
        records = [(f"{source}#{n}", _json_load(line, f"line {n}")) for n, line in lines]
    else:
        _check_json_shape(text, budget)
        data = _json_load(text, "file")
        items = data if isinstance(data, list) else [data]
        check_records(len(items), budget)
        single = len(items) == 1
        records = [(source if single else f"{source}#{i}", item) for i, item in enumerate(items, 1)]
    if not records:
        raise LoadError("no articles in file")
    for name, record in records:
        yield _json_article(record, name)


def check_records(count: int, budget: Budget) -> None:
    if count > budget.max_records:
        raise _over(
            "the file holds",
            f"{count:,} records",
            budget.max_records,
            "records per file",
            "MAX_RECORDS",
        )


# JSON's structure outside its strings: a string is skipped whole, so brackets in text count not.
# A string ends at its line (JSON strings hold no raw newline), and a quote that opens no string
# ending there is matched alone: the document is invalid from it on, so the scan stops. Each
# character is then looked at a bounded number of times (a scan that retried every quote of an
# unterminated run of escaped quotes took time growing with the square of the file).
_JSON_TOKEN = re.compile(r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"|[\[\]{},"]')


def _check_json_shape(text: str, budget: Budget) -> None:
    """Refuse JSON nested deeper, or with more values, than the budget allows, by a scan of
    its brackets and commas (no value is built). In JSONL each line starts at depth 0."""
    depth = values = 0
    for match in _JSON_TOKEN.finditer(text):
        token = match.group(0)
        if token == '"':
            return  # an unterminated string: json.loads refuses the file with its position
        if token in "[{":
            depth += 1
            values += 1
            if depth > budget.max_depth:
                raise _over(
                    "JSON is nested more than",
                    f"{budget.max_depth:,} levels deep",
                    budget.max_depth,
                    "levels",
                    "MAX_DEPTH",
                )
        elif token in "]}":
            depth = max(0, depth - 1)
        elif token == ",":
            values += 1
        if values > budget.max_nodes:
            raise _over(
                "JSON holds more than",
                f"{budget.max_nodes:,} values",
                budget.max_nodes,
                "values per file",
                "MAX_NODES",
            )


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
        title=clip_title((title or "").strip() or _title_of(text) or Path(source).stem),
        text=text,
        published=parse_date(published) if isinstance(published, str) else published_date(text),
        url=url if isinstance(url, str) else None,
    )


# Elements that never hold others; every other start tag opens a level until its end tag.
_VOID = frozenset(
    "area base br col embed hr img input link meta param source track wbr basefont bgsound "
    "frame keygen".split()
)
_TAG_START = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)")
# Elements whose content is text to every HTML parser, never elements: the markup in a script's
# strings ("<p>" built in JavaScript) opens nothing, so it is not counted or nested.
_RAW_TEXT = {name: re.compile(rf"</{name}\b", re.IGNORECASE) for name in ("script", "style")}


def _tags(markup: str) -> Iterator[tuple[bool, str, bool]]:
    """(closing, lower-case name, self-closing) of each tag, in linear time.

    A tag runs from `<name` to the first `>` after it. Where no `>` follows, no later tag can
    end either, so the scan stops instead of looking for one from every `<` (which made
    `'<a' * n` cost time growing with the square of n). The content of a script or style is
    passed over to its end tag (each character is still looked at once).
    """
    pos = 0
    while True:
        match = _TAG_START.search(markup, pos)
        if match is None:
            return
        end = markup.find(">", match.end())
        if end < 0:
            return
        closing, name = bool(match.group(1)), match.group(2).lower()
        yield closing, name, markup[end - 1] == "/"
        pos = end + 1
        raw = _RAW_TEXT.get(name)
        if raw is not None and not closing and markup[end - 1] != "/":
            close = raw.search(markup, pos)
            if close is None:
                return  # the rest is the element's text
            pos = close.start()


def check_markup_shape(markup: str, budget: Budget) -> None:
    """Refuse markup with more elements, or nested deeper, than the budget allows, by a scan
    of its tags before the parser builds a tree (the tree costs memory per element, and a
    parser keeps unclosed elements open: a million `<div>`s nest a million deep)."""
    open_tags: list[str] = []
    open_count: Counter[str] = Counter()  # membership in O(1), whatever the depth
    elements = 0
    for closing, name, self_closing in _tags(markup):
        if closing:
            if open_count[name]:
                # the scan from the top stops at the element closed: each element is removed
                # once, so closing tags cost linear time in all
                at = len(open_tags) - 1
                while open_tags[at] != name:
                    at -= 1
                open_count.subtract(open_tags[at:])
                del open_tags[at:]
            continue
        elements += 1
        if elements > budget.max_nodes:
            raise _over(
                "the HTML has more than",
                f"{budget.max_nodes:,} elements",
                budget.max_nodes,
                "elements per file",
                "MAX_NODES",
            )
        if name in _VOID or self_closing:
            continue
        open_tags.append(name)
        open_count[name] += 1
        if len(open_tags) > budget.max_depth:
            raise _over(
                "the HTML nests elements more than",
                f"{budget.max_depth:,} deep",
                budget.max_depth,
                "levels",
                "MAX_DEPTH",
            )


def _inert_tail(markup: str) -> str:
    """The markup with every `<` after its last `>` written as `&lt;`.

    No tag can end there, and the parser shows such a tail as text anyway; but it looks for
    the end of a tag from each `<` of it, which takes time growing with the square of the
    tail (`'<a x=' * 8000`, 40 KB: 7 s). As `&lt;` it is read once, as the same text.
    """
    end = markup.rfind(">") + 1
    return markup[:end] + markup[end:].replace("<", "&lt;")


def _html_article(markup: str, source: str, budget: Budget = DEFAULT_BUDGET) -> Article:
    """A page's article: its main text, headline, date and author by `index.pages` (a library
    made for news pages); a page it finds no article in keeps its visible text."""
    check_markup_shape(markup, budget)
    markup = _inert_tail(markup)
    url = source if _WEB.match(source) else None
    if markup.count("=") > _MAX_ATTRIBUTES:
        # lxml keeps some 300 bytes per attribute and trafilatura copies the tree: a page of
        # millions of attributes would need gigabytes; the visible text needs only time, which
        # the parse budget bounds
        return _visible_text_article(markup, source, url)
    page = extract_page(markup, url)
    if page is None:
        return _visible_text_article(markup, source, url)
    return Article(
        source=source,
        title=clip_title(page.title or _title_of(page.text) or Path(source).stem),
        text=page.text,
        published=parse_date(page.published) if page.published else None,
        url=url,
        author=clip_title(page.author) if page.author else None,
    )


_WEB = re.compile(r"^https?://", re.IGNORECASE)
# attribute values ("=" signs) above which a page is not given to trafilatura: the 58 real
# news pages of ../shared/external/news_html hold at most 9,241
_MAX_ATTRIBUTES = 200_000


def _visible_text_article(markup: str, source: str, url: str | None) -> Article:
    """Every visible line of the page, scripts, styles and site navigation dropped."""
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
    return Article(article.source, article.title, article.text, published or article.published, url)
