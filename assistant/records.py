"""What the assistant hands back: answers, citations and conflicts, as frozen records."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.conflicts.kinds import ConflictKind
from index.records import Span
from index.views import ArticleView


@dataclass(frozen=True)
class Citation:
    """An exact pointer: `article_text[start:end] == quote`."""

    id: int
    source: str
    title: str
    start: int
    end: int
    quote: str
    published: str | None = None

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "source": self.source,
            "title": self.title,
            "start": self.start,
            "end": self.end,
            "quote": self.quote,
            "published": self.published,
        }


def cite(n: int, source: str, span: Span, article: ArticleView) -> Citation:
    """Citation [n] of `span`, its quote cut from the article text itself."""
    return Citation(
        id=n,
        source=source,
        title=article.title,
        start=span.start,
        end=span.end,
        quote=article.text[span.start : span.end],
        published=article.published,
    )


@dataclass(frozen=True)
class ConflictSide:
    source: str
    start: int
    end: int
    quote: str
    title: str = ""
    citation: int | None = None  # the [n] of this side in the answer, when it is cited

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "title": self.title,
            "start": self.start,
            "end": self.end,
            "quote": self.quote,
            "citation": self.citation,
        }


@dataclass(frozen=True)
class Conflict:
    kind: ConflictKind  # a plain string value is taken too
    summary: str
    sides: tuple[ConflictSide, ...]  # two, or more in a corpus-wide group

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", ConflictKind(self.kind))

    def to_dict(self) -> dict:
        return {
            "kind": self.kind.value,
            "summary": self.summary,
            "sides": [s.to_dict() for s in self.sides],
        }


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    answerable: bool
    citations: tuple[Citation, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    mode: str = "extractive"
    nearest: tuple[Citation, ...] = ()  # shown when the articles do not say
    timings_ms: dict[str, float] = field(default_factory=dict)
    notice: str = ""  # why a generated answer was replaced by the extractive one

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "answer": self.answer,
            "answerable": self.answerable,
            "mode": self.mode,
            "citations": [c.to_dict() for c in self.citations],
            "conflicts": [c.to_dict() for c in self.conflicts],
            "nearest": [c.to_dict() for c in self.nearest],
            "notice": self.notice,
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }
