"""Question sets (JSONL) and matching gold evidence in article text.

Quotes are matched after folding typography (curly quotes, dashes, non-breaking spaces, runs
of white space), with a map back to exact offsets, so a gold quote typed with straight quotes
still points at the exact span of the article.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from index.errors import InputError
from index.records import Span

_TYPOGRAPHY = str.maketrans(
    {
        "“": '"',
        "”": '"',
        "„": '"',
        "‟": '"',
        "«": '"',
        "»": '"',
        "‘": "'",
        "’": "'",
        "‚": "'",
        "‛": "'",
        "′": "'",
        "–": "-",
        "—": "-",
        "―": "-",
        "‐": "-",
        "‑": "-",
        "−": "-",
        "\u00a0": " ",
        "\u2007": " ",
        "\u202f": " ",
        "\u2009": " ",
        "\u200a": " ",
        "…": "...",
    }
)


def fold_typography(text: str) -> tuple[str, list[int]]:
    """Text with typography folded and white-space runs collapsed, lower-cased; and for each
    character of the result, the offset of the original character it came from."""
    out: list[str] = []
    where: list[int] = []
    last_space = False
    for i, ch in enumerate(text):
        folded = ch.translate(_TYPOGRAPHY).lower()
        if folded.isspace():
            if last_space:
                continue
            folded, last_space = " ", True
        else:
            last_space = False
        for piece in folded:
            out.append(piece)
            where.append(i)
    return "".join(out), where


def folded(text: str) -> str:
    return fold_typography(text)[0].strip()


def find_quote(text: str, quote: str) -> Span | None:
    """The exact span of `text` that `quote` matches after folding, or None."""
    haystack, where = fold_typography(text)
    needle = folded(quote)
    if not needle:
        return None
    at = haystack.find(needle)
    if at < 0:
        return None
    return Span(where[at], where[at + len(needle) - 1] + 1)


@dataclass(frozen=True)
class Evidence:
    source: str
    quote: str


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    answers: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    conflict: bool = False
    history: tuple[str, ...] = ()
    type: str = ""
    line: int = 0

    @property
    def answerable(self) -> bool:
        return bool(self.answers)

    @property
    def kind(self) -> str:
        if self.type:
            return self.type
        if not self.answers:
            return "unanswerable"
        if self.history:
            return "followup"
        return "conflict" if self.conflict else "fact"


@dataclass
class QuestionSet:
    path: str
    questions: list[Question] = field(default_factory=list)


_REQUIRED = ("id", "question", "answers", "evidence")


def load_questions(path: str | Path, sources: list[str] | None = None) -> QuestionSet:
    """Read and check a JSONL question set; every bad line is named in one `InputError`.

    With `sources` (the indexed articles), each evidence source must name one of them.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"no such question file: {path}")
    problems: list[str] = []
    questions: list[Question] = []
    seen: set[str] = set()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read question file {path}: {exc}") from exc
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"line {n}: invalid JSON ({exc.msg})")
            continue
        try:
            question = _question(record, n)
        except InputError as exc:
            problems.append(f"line {n}: {exc}")
            continue
        if question.id in seen:
            problems.append(f"line {n}: duplicate id {question.id!r}")
        seen.add(question.id)
        for ev in question.evidence:
            if sources is not None and resolve_source(ev.source, sources) is None:
                problems.append(f"line {n}: unknown source {ev.source!r}")
        questions.append(question)
    if problems:
        raise InputError(f"{path}: " + "; ".join(problems))
    if not questions:
        raise InputError(f"{path}: no questions")
    return QuestionSet(str(path), questions)


def _question(record: object, n: int) -> Question:
    if not isinstance(record, dict):
        raise InputError("expected a JSON object")
    missing = [k for k in _REQUIRED if k not in record]
    if missing:
        raise InputError(f"missing field {', '.join(repr(m) for m in missing)}")
    text, answers, evidence = record["question"], record["answers"], record["evidence"]
    if not isinstance(text, str) or not text.strip():
        raise InputError("'question' must be non-empty text")
    if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
        raise InputError("'answers' must be a list of strings")
    if not isinstance(evidence, list) or not all(
        isinstance(e, dict) and isinstance(e.get("source"), str) and isinstance(e.get("quote"), str)
        for e in evidence
    ):
        raise InputError("'evidence' must be a list of {source, quote} objects")
    history = record.get("history", [])
    if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
        raise InputError("'history' must be a list of strings")
    return Question(
        id=str(record["id"]),
        question=text,
        answers=tuple(answers),
        evidence=tuple(Evidence(e["source"], e["quote"]) for e in evidence),
        conflict=bool(record.get("conflict", False)),
        history=tuple(history),
        type=str(record.get("type", "")),
        line=n,
    )


def resolve_source(name: str, sources: list[str]) -> str | None:
    """The indexed source a question's evidence names: exact, or the same file name."""
    if name in sources:
        return name
    tail = [s for s in sources if re.split(r"[\\\\/]", s)[-1] == name or s.endswith("/" + name)]
    return tail[0] if len(tail) == 1 else None
