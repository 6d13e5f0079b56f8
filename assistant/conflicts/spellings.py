"""The corpus's names, for spelling conflicts: each article's names computed once per version of
its text, saved beside an embedded store so a fresh process need not read every article again,
and the pairs of spellings worked out once per store revision."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from pathlib import Path

from assistant.conflicts.name_spellings import (
    ArticleText,
    article_names,
    same_story,
    spelling_conflict,
    spelling_pairs,
)
from assistant.records import Conflict
from index.atomic_files import write_whole
from index.corpus import Corpus
from index.records import sha256_hex
from index.revisions import SavedPerRevision, saved_path
from index.views import ArticleView

log = logging.getLogger(__name__)

# Bump when `article_names` changes what it finds, or `spelling_pairs` what it pairs (the saved
# pairs of a revision would outlive the code). 2: no sentence openers.
FORMAT = 2
FILE = f"names-v{FORMAT}.json"
PAIRS = "spelling-pairs"  # the pairs of the last revision worked out, saved by that name

Pair = tuple[str, str, str, str]  # (source a, spelling x, source b, spelling y)


class Spellings:
    def __init__(self, corpus: Corpus):
        self.corpus = corpus
        self._names: dict[tuple[str, str], frozenset[str]] = {}  # by (source, sha256)
        folder = corpus.side_files
        self._pairs: SavedPerRevision[list[Pair]] = SavedPerRevision(
            saved_path(folder, PAIRS) if folder else None,
            FORMAT,
            list,
            lambda saved: [tuple(str(x) for x in pair) for pair in saved],
            corpus.revision,
        )

    def pairs(self) -> list[Pair]:
        """Each name spelled two ways: (source a, spelling x, source b, spelling y)."""

        def compute() -> tuple[list[Pair], bool]:
            names, exact = self._names_read()
            return spelling_pairs(names), exact

        return self._pairs.get(self.corpus.revision(), compute)

    def names(self) -> dict[str, frozenset[str]]:
        """Each article's names, computed once per version of its text (and saved beside an
        embedded store); only articles whose names are not known are read, in bulk."""
        return self._names_read()[0]

    def _names_read(self) -> tuple[dict[str, frozenset[str]], bool]:
        """`names()`, and whether every text read was the version listed (another process
        may have changed an article since)."""
        folder = self.corpus.side_files
        saved = folder / FILE if folder else None
        # replaced, never changed in place: other threads may read it
        known = self._names or (load_names(saved) if saved else {})
        found: dict[str, frozenset[str]] = {}
        kept: dict[tuple[str, str], frozenset[str]] = {}
        infos = self.corpus.articles()
        missing = []
        for info in infos:
            key = (info.source, info.sha256)
            if key in known:
                kept[key] = found[info.source] = known[key]
            else:
                missing.append(info.source)
        listed = {i.source: i.sha256 for i in infos}
        read = 0
        exact = True
        for source, _, text in self.corpus.store.article_records(missing):
            # keyed by the text read, even if newer than the listing
            sha = sha256_hex(text)
            kept[(source, sha)] = found[source] = article_names(text)
            read += 1
            exact = exact and listed.get(source) == sha
        self._names = kept
        # in listing order: `spelling_pairs` quotes the first articles in it
        names = {i.source: found[i.source] for i in infos if i.source in found}
        if saved and (missing or len(kept) < len(known)):
            save_names(saved, kept)
        return names, exact and read == len(missing)

    def conflicts(
        self, pairs: list[Pair], read: Callable[[Iterable[str]], dict[str, ArticleView]]
    ) -> list[Conflict]:
        """The conflicts of these spellings, quoting each spelling's first sentence; the texts
        come through `read` (the corpus-wide run has read them all already)."""
        views = read(s for sa, _, sb, _ in pairs for s in (sa, sb))

        def text(source: str) -> ArticleText:
            view = views[source]
            # the chunks' sentences, so the quote need not be found by splitting the text again
            sentences = self.corpus.catalogue.sentences(source, sha256_hex(view.text))
            return ArticleText(source, view.title, view.published, view.text, sentences)

        chars = self.corpus.chunk_chars
        return [
            spelling_conflict(text(sa), x, text(sb), y, chars)
            for sa, x, sb, y in pairs
            if sa in views and sb in views and same_story(text(sa), x, text(sb), y)
        ]


def load_names(path: Path) -> dict[tuple[str, str], frozenset[str]]:
    """Names saved by `save_names`, by (source, sha256 of the text); none if unreadable."""
    try:
        saved = json.loads(path.read_text("utf-8"))
        if saved.get("format") != FORMAT:
            return {}
        return {(src, sha): frozenset(names) for src, sha, names in saved["names"]}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
        log.warning("recomputing article names: cannot read %s: %s", path, exc)
        return {}


def save_names(path: Path, names: dict[tuple[str, str], frozenset[str]]) -> None:
    rows = [[src, sha, sorted(n)] for (src, sha), n in sorted(names.items())]
    write_whole(path, json.dumps({"format": FORMAT, "names": rows}))
