"""Real English prose available offline, cut into article-sized files, for benchmarks.

Source: the Python documentation topics shipped with CPython (`pydoc_data.topics`), which is
plain English technical prose present on every machine with Python.
"""

from __future__ import annotations

import re
from pathlib import Path


def prose_articles(limit_chars: int, article_chars: int = 4000) -> list[tuple[str, str]]:
    """(title, text) pairs, about `article_chars` each, `limit_chars` in all."""
    from pydoc_data.topics import topics

    out: list[tuple[str, str]] = []
    total = 0
    for name, body in sorted(topics.items()):
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body) if len(p.strip()) > 80]
        paragraphs = [
            re.sub(r"\s+", " ", p) for p in paragraphs if not p.startswith((">>>", "   "))
        ]
        part, n = [], 0
        for p in paragraphs:
            part.append(p)
            if sum(len(x) for x in part) >= article_chars:
                out.append((f"{name} ({n})", "\n\n".join(part)))
                total += len(out[-1][1])
                part, n = [], n + 1
        if part:
            out.append((f"{name} ({n})", "\n\n".join(part)))
            total += len(out[-1][1])
        if total >= limit_chars:
            break
    return out


def write_corpus(folder: Path, limit_chars: int) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    articles = prose_articles(limit_chars)
    for i, (title, text) in enumerate(articles):
        (folder / f"doc{i:05d}.txt").write_text(f"{title}\n\n{text}\n", encoding="utf-8")
    return len(articles)
