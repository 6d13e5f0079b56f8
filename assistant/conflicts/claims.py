"""Claims: the sentences of articles that the conflict rules compare, with their context.

Every way of finding conflicts (among an answer's evidence, between neighbouring chunks, across
the whole corpus) turns chunk sentences into claims through `sentence_claims`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from assistant.answer.attribution import quoted_regions
from index.records import Chunk, Span
from index.units import UnitVectors, sentence_text
from index.views import ArticleView


@dataclass(frozen=True, eq=False)
class Claim:
    """A sentence of an article, with what the rules need to know about it."""

    source: str
    span: Span
    text: str
    vector: np.ndarray
    title: str = ""
    published: str | None = None
    paragraph: str = ""  # the line holding the sentence
    paragraph_start: int = 0  # its offset in the article


def claim_of(source: str, span: Span, text: str, vector: np.ndarray, view: ArticleView) -> Claim:
    start = view.text.rfind("\n", 0, span.start) + 1
    end = view.text.find("\n", span.end)
    return Claim(
        source=source,
        span=span,
        text=text,
        vector=vector,
        title=view.title,
        published=view.published,
        paragraph=view.text[start : end if end >= 0 else len(view.text)],
        paragraph_start=start,
    )


def sentence_claims(
    chunks: Iterable[Chunk],
    vectors: dict[str, UnitVectors],
    article: Callable[[str], ArticleView],
    taken: set[tuple[str, int]],
) -> list[Claim]:
    """Each sentence of `chunks` as a claim, in chunk order, skipping those in `taken` (by
    source and start; a sentence two chunks share is one claim). `vectors` are the chunks'
    sentence vectors by chunk id; `taken` is updated."""
    out = []
    for chunk in chunks:
        for span, vector in zip(chunk.sentences, vectors[chunk.id].sentences, strict=True):
            if (chunk.source, span.start) not in taken:
                taken.add((chunk.source, span.start))
                text = sentence_text(chunk, span)
                out.append(claim_of(chunk.source, span, text, vector, article(chunk.source)))
    return out


def quote_segments(claim: Claim, min_words: int = 6) -> list[Span]:
    """Quotations of at least `min_words` words overlapping the claim, as article spans."""
    return list(_quote_segments(claim.paragraph, claim.paragraph_start, claim.span, min_words))


@lru_cache(maxsize=8192)
def _quote_segments(paragraph: str, base: int, span: Span, min_words: int) -> tuple[Span, ...]:
    out = []
    for lo, hi in quoted_regions(paragraph):
        a, b = base + lo, base + hi
        if b <= span.start or a >= span.end:
            continue
        if len(paragraph[lo:hi].split()) >= min_words:
            out.append(Span(a, b))
    return tuple(out)
