"""English prose that is on this machine, for scale benchmarks (no copies of the sample).

Sources, in order: the Python documentation topics (`pydoc_data`), Vim's help files
(`/usr/share/vim/vim*/doc`, Debian's vim-runtime), the long descriptions of the installed
Python packages (their METADATA files), then, when installed, Debian's python3.11-doc (the
reStructuredText sources of the Python manuals), linux-doc (the kernel's documentation) and
perl-doc (Perl's manuals): `apt-get install python3.11-doc linux-doc perl-doc` is what the
100,000-chunk corpus needs. Each is cut into article-sized files.
"""

from __future__ import annotations

import glob
import gzip
import re
import sys
from collections.abc import Iterator
from pathlib import Path

_BLANK = re.compile(r"\n\s*\n")


def _paragraphs() -> Iterator[str]:
    from pydoc_data.topics import topics

    for _, body in sorted(topics.items()):
        yield from _BLANK.split(body)
    for path in sorted(glob.glob("/usr/share/vim/vim*/doc/*.txt")):
        yield from _BLANK.split(Path(path).read_text(encoding="utf-8", errors="replace"))
    site = Path(sys.prefix) / "lib"
    for meta in sorted(site.glob("python3*/site-packages/*.dist-info/METADATA")):
        text = meta.read_text(encoding="utf-8", errors="replace")
        body = text.split("\n\n", 1)[1] if "\n\n" in text else ""
        yield from _BLANK.split(body)
    for path in sorted(
        glob.glob("/usr/share/doc/python3*/html/_sources/**/*.rst.txt", recursive=True)
    ):
        yield from _BLANK.split(Path(path).read_text(encoding="utf-8", errors="replace"))
    for path in sorted(
        glob.glob("/usr/share/doc/linux-doc-*/Documentation/**/*.rst.gz", recursive=True)
    ):
        with gzip.open(path, "rt", encoding="utf-8", errors="replace") as file:
            yield from _BLANK.split(file.read())
    for path in sorted(glob.glob("/usr/share/perl/*/pod/*.pod")):
        yield from _BLANK.split(Path(path).read_text(encoding="utf-8", errors="replace"))


def _prose(paragraph: str) -> str | None:
    """A paragraph that reads as sentences (not code, tables or headers)."""
    text = " ".join(paragraph.split())
    letters = sum(ch.isalpha() or ch == " " for ch in text)
    if len(text) < 120 or letters < 0.85 * len(text) or text.count(".") < 1:
        return None
    return text


def write_prose_corpus(folder: Path, limit_chars: int, article_chars: int = 5000) -> int:
    """Write up to `limit_chars` of prose as articles; returns the number of files."""
    folder.mkdir(parents=True, exist_ok=True)
    n, total, part = 0, 0, []
    for paragraph in _paragraphs():
        text = _prose(paragraph)
        if not text:
            continue
        part.append(text)
        if sum(map(len, part)) >= article_chars:
            body = "\n\n".join(part)
            (folder / f"prose{n:06d}.txt").write_text(f"Document {n}\n\n{body}\n", "utf-8")
            n, total, part = n + 1, total + len(body), []
            if total >= limit_chars:
                break
    return n
