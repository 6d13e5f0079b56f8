"""Scoring one system's answers: each question against its gold answers and evidence, then
the summary figures of the report (each defined in `report.DEFINITIONS`)."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from assistant.conflicts.kinds import ConflictKind
from assistant.evaluate import metrics as m
from assistant.evaluate.questions import Question, find_quote, resolve_source
from assistant.records import Answer, Citation
from index.records import Chunk

Span3 = tuple[str, int, int]


@dataclass
class QuestionResult:
    id: str
    question: str
    type: str
    answer: str
    accepted: list[str]
    refused: bool
    correct: bool | None
    f1: float | None
    recall_at_k: float | None
    mrr: float | None
    ndcg: float | None
    citations: int
    exact_citations: int
    inexact: list[dict]
    supported: bool | None
    citations_on_gold: int
    flagged_conflict: bool
    gold_conflict: bool
    both_sides: bool | None
    latency_ms: float
    gold_evidence: list[dict] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        if self.accepted:
            return not self.correct or self.supported is False
        return not self.refused


@dataclass
class SystemReport:
    system: str
    summary: dict[str, float | None]
    results: list[QuestionResult]

    def to_dict(self) -> dict:
        return {
            "system": self.system,
            "summary": self.summary,
            "questions": [asdict(r) for r in self.results],
        }


def gold_spans(q: Question, sources: list[str], text: Callable[[str], str]) -> list[Span3 | None]:
    """Where each gold quote is, as an exact span (None if the quote is not in the article)."""
    out: list[Span3 | None] = []
    for ev in q.evidence:
        source = resolve_source(ev.source, sources)
        span = find_quote(text(source), ev.quote) if source else None
        out.append((source, span.start, span.end) if source and span else None)
    return out


def _chunk_hits(chunks: list[Chunk], gold: list[Span3 | None]) -> list[frozenset[int]]:
    return [
        frozenset(
            i
            for i, g in enumerate(gold)
            if g and g[0] == c.source and c.start <= g[1] and g[2] <= c.end
        )
        for c in chunks
    ]


def score_question(
    q: Question,
    answer: Answer,
    ranked: list[Chunk],
    all_chunks: list[Chunk],
    gold: list[Span3 | None],
    text: Callable[[str], str],
    k: int,
    latency_ms: float,
) -> QuestionResult:
    hits = _chunk_hits(ranked, gold)
    found_gold = [g for g in gold if g]
    n_relevant = sum(1 for h in _chunk_hits(all_chunks, gold) if h)
    cites: list[Citation] = list(answer.citations)
    inexact = [c.to_dict() for c in cites if text(c.source)[c.start : c.end] != c.quote]
    on_gold = [any(m.overlaps((c.source, c.start, c.end), g) for g in found_gold) for c in cites]
    both = None
    if q.conflict and len(found_gold) >= 2:
        both = any(
            len(
                {
                    i
                    for side in c.sides
                    for i, g in enumerate(found_gold)
                    if m.overlaps((side.source, side.start, side.end), g)
                }
            )
            >= 2
            and all(
                any(m.overlaps((s.source, s.start, s.end), g) for g in found_gold) for s in c.sides
            )
            for c in answer.conflicts
        )
    return QuestionResult(
        id=q.id,
        question=q.question,
        type=q.kind,
        answer=answer.answer,
        accepted=list(q.answers),
        refused=not answer.answerable,
        correct=m.contains_answer(answer.answer, q.answers) if q.answers else None,
        f1=m.token_f1(answer.answer, q.answers) if q.answers else None,
        recall_at_k=m.recall_at_k(hits, len(found_gold), k) if found_gold else None,
        mrr=m.mrr_at_k(hits, 10) if found_gold else None,
        ndcg=m.ndcg_at_k(hits, n_relevant, 10) if found_gold else None,
        citations=len(cites),
        exact_citations=len(cites) - len(inexact),
        inexact=inexact,
        supported=any(on_gold) if q.answers and found_gold else None,
        citations_on_gold=sum(on_gold) if q.answers and found_gold else 0,
        # name spellings are reported apart from factual disagreements (and not scored here)
        flagged_conflict=any(c.kind != ConflictKind.NAME_SPELLING for c in answer.conflicts),
        gold_conflict=q.conflict,
        both_sides=both,
        latency_ms=latency_ms,
        gold_evidence=[{"source": e.source, "quote": e.quote} for e in q.evidence],
    )


def summarize(results: list[QuestionResult], index_seconds: float | None) -> dict:
    answerable = [r for r in results if r.accepted]
    with_gold = [r for r in answerable if r.supported is not None]
    latencies = [r.latency_ms for r in results]
    total_cites = sum(r.citations for r in results)
    refusals = m.precision_recall_f1(
        [r.refused for r in results], [not r.accepted for r in results]
    )
    conflicts = m.precision_recall_f1(
        [r.flagged_conflict for r in results], [r.gold_conflict for r in results]
    )
    return {
        "questions": len(results),
        "recall_at_k": m.mean([r.recall_at_k for r in results]),
        "mrr_at_10": m.mean([r.mrr for r in results]),
        "ndcg_at_10": m.mean([r.ndcg for r in results]),
        "accuracy": m.share([bool(r.correct) for r in answerable]),
        "token_f1": m.mean([r.f1 for r in answerable]),
        "citation_exactness": (
            sum(r.exact_citations for r in results) / total_cites if total_cites else None
        ),
        "citation_support": m.share([bool(r.supported) for r in with_gold]),
        "citation_precision": (
            sum(r.citations_on_gold for r in with_gold) / n
            if (n := sum(r.citations for r in with_gold))
            else None
        ),
        "refusal_precision": refusals["precision"],
        "refusal_recall": refusals["recall"],
        "conflict_precision": conflicts["precision"],
        "conflict_recall": conflicts["recall"],
        "conflict_f1": conflicts["f1"],
        "conflict_both_sides": m.share(
            [bool(r.both_sides) for r in results if r.both_sides is not None]
        ),
        "ask_median_ms": statistics.median(latencies) if latencies else None,
        "ask_p95_ms": m.percentile(latencies, 95),
        "index_seconds": index_seconds,
    }
