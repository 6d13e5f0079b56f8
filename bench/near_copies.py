"""Syndicated copies: a real report and a copy of it edited in one figure, date, name or place.

The report is the sample corpus's CNN-based article (`data/articles/000_...txt`); each case
writes a copy of it with one sentence edited, indexes the original, the copy and the other
sample report, and asks the question that sentence answers. A case is

- flagged when the answer shows a disagreement with one side in the original's edited sentence
  and the other in the copy's, each quoted exactly;
- cited as agreement when the answer's statements (the lines before "Sources disagree") cite
  both versions of the sentence.

Then the same six questions against an identical copy: an alarm is any disagreement between
the original and its copy, a double citation any statement citing the same sentence in both.
It uses only the public API, so the same script measures any tree:
`PYTHONPATH=TREE .venv/bin/python bench/near_copies.py`.
"""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import dataclass
from pathlib import Path

from assistant import Assistant, Settings
from index.embedder import make_embedder

DATA = Path(__file__).resolve().parent.parent / "data" / "articles"
ORIGINAL = "000_16daae7c1b36e9cd.txt"
OTHER = "002_ccb087069196d22c.txt"


@dataclass(frozen=True)
class Case:
    kind: str
    old: str  # the words of the original...
    new: str  # ...as the copy writes them
    question: str


CASES = [
    Case(
        "figure",
        "for the past 24 years",
        "for the past 19 years",
        "How many years has Bremer been writing his weekly newsletter on geopolitics?",
    ),
    Case(
        "figure",
        "which he said happened about two weeks ago",
        "which he said happened about five weeks ago",
        "When did Bremer say his conversation with Musk happened?",
    ),
    Case(
        "date",
        "annexed by Moscow in 2014",
        "annexed by Moscow in 2015",
        "In what year did Moscow annex the peninsula?",
    ),
    Case(
        "name",
        "Ukraine’s ambassador to Germany, Andrei Melnik, wrote",
        "Ukraine’s ambassador to Germany, Oleksii Makeiev, wrote",
        "Who is Ukraine's ambassador to Germany?",
    ),
    Case(
        "place",
        "festival in Aspen, Colorado, last month",
        "festival in Telluride, Colorado, last month",
        "Where was the festival at which Musk told attendees to pursue peace?",
    ),
    Case(
        "name",
        "Musk told the Financial Times in an interview published last week",
        "Musk told the Wall Street Journal in an interview published last week",
        "Which newspaper did Musk tell about a special administrative region for Taiwan?",
    ),
]
COPY = "wire/copy-of-000.txt"


def _statement_ids(answer) -> set[int]:
    """The citation numbers of the answer's statements (not of its "Sources disagree" lines)."""
    lines = [ln for ln in answer.answer.splitlines() if not ln.startswith("Sources disagree")]
    return {int(n) for ln in lines for n in re.findall(r"\[(\d+)\]", ln)}


def _covers(side_or_citation, source: str, start: int, end: int) -> bool:
    s = side_or_citation
    return s.source == source and s.start < end and start < s.end


def _exact(bot: Assistant, answer) -> None:
    for c in answer.citations:
        assert bot.article(c.source).text[c.start : c.end] == c.quote, c
    for conflict in answer.conflicts:
        for s in conflict.sides:
            assert bot.article(s.source).text[s.start : s.end] == s.quote, s


def run_case(embedder, case: Case | None, question: str, original: str, other: str) -> dict:
    """One question against the original, its copy (edited by `case`, or identical) and the
    other report."""
    copy = original.replace(case.old, case.new) if case else original
    bot = Assistant(Settings(store_path=None), embedder=embedder)
    bot.add_document(original, ORIGINAL)
    bot.add_document(copy, COPY)
    bot.add_document(other, OTHER)
    answer = bot.ask(question)
    _exact(bot, answer)
    # the sentence the case is about, in each version (its whole line: a paragraph)
    lo = original.index(case.old if case else "")
    a_start, a_end = original.rfind("\n", 0, lo) + 1, original.find("\n", lo)
    b_start = copy.rfind("\n", 0, lo) + 1
    b_end = copy.find("\n", lo)
    pair = [
        c
        for c in answer.conflicts
        if any(_covers(s, ORIGINAL, a_start, a_end) for s in c.sides)
        and any(_covers(s, COPY, b_start, b_end) for s in c.sides)
    ]
    between_copies = [
        c for c in answer.conflicts if {s.source for s in c.sides} >= {ORIGINAL, COPY}
    ]
    stated = _statement_ids(answer)
    cited = {c.id: c for c in answer.citations}
    both = any(_covers(cited[i], ORIGINAL, 0, len(original)) for i in stated if i in cited) and any(
        _covers(cited[i], COPY, 0, len(copy)) for i in stated if i in cited
    )
    return {
        "kind": case.kind if case else "identical",
        "question": question,
        "flagged": bool(pair),
        "alarm": bool(between_copies),
        "cited_as_agreement": both,
        "answer": answer.answer,
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--verbose", action="store_true", help="print every answer")
    args = parser.parse_args(argv)
    original = (DATA / ORIGINAL).read_text(encoding="utf-8")
    other = (DATA / OTHER).read_text(encoding="utf-8")
    for case in CASES:
        assert original.count(case.old) == 1, case.old
    embedder = make_embedder()
    edited = [run_case(embedder, c, c.question, original, other) for c in CASES]
    identical = [run_case(embedder, None, c.question, original, other) for c in CASES]
    result = {
        "near_copies_flagged": sum(r["flagged"] for r in edited),
        "near_copies_cited_as_agreement": sum(r["cited_as_agreement"] for r in edited),
        "identical_alarms": sum(r["alarm"] for r in identical),
        "identical_cited_twice": sum(r["cited_as_agreement"] for r in identical),
        "cases": len(CASES),
        "edited": edited,
        "identical": identical,
    }
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return result
    n = len(CASES)
    print(f"near-copies flagged: {result['near_copies_flagged']} of {n}")
    print(f"near-copies cited as agreement: {result['near_copies_cited_as_agreement']} of {n}")
    print(f"identical copies: {result['identical_alarms']} of {n} questions with an alarm, ")
    print(f"  {result['identical_cited_twice']} of {n} citing one sentence twice as agreement")
    for r in edited + identical:
        flags = [k for k in ("flagged", "alarm", "cited_as_agreement") if r[k]]
        print(f"- {r['kind']}: {r['question']} -> {', '.join(flags) or 'nothing'}")
        if args.verbose:
            print("    " + r["answer"].replace("\n", "\n    "))
    return result


if __name__ == "__main__":
    main()
