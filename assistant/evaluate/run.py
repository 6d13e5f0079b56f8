"""Run a question set against the index and score it (our pipeline and baselines).

Systems: `hybrid` (the assistant as shipped), `dense` (the same assistant with the dense
retriever in place of the hybrid one: every other stage is the same object) and `langchain`
(the canonical LangChain RAG retrieval: `Chroma.similarity_search` with the same embeddings,
the answer being the top chunk, cited whole).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from assistant.evaluate.baselines import LangChainBaseline
from assistant.evaluate.questions import Question, QuestionSet
from assistant.evaluate.scoring import SystemReport, gold_spans, score_question, summarize
from assistant.records import Answer
from assistant.retrieve.dense import DenseRetriever
from index.records import Chunk

if TYPE_CHECKING:
    from assistant.facade import Assistant

RANKED = 10  # chunks ranked per question, for MRR@10 and nDCG@10


def evaluate(
    bot: Assistant,
    qset: QuestionSet,
    k: int = 5,
    compare: bool = False,
    index_seconds: float | None = None,
    progress: Callable[[], None] | None = None,
) -> list[SystemReport]:
    """Score the assistant (and, with `compare`, the baselines) on every question."""
    bot.corpus.refresh()
    all_chunks = bot.corpus.chunks
    sources = [a.source for a in bot.articles()]

    def text(source: str) -> str:
        return bot.article(source).text

    systems: dict[str, Callable[[Question], tuple[Answer, list[Chunk]]]] = {
        "hybrid": lambda q: _ask(bot, q, k),
    }
    if compare:
        dense = bot.replace(retriever=DenseRetriever(bot.corpus))
        systems["dense"] = lambda q: _ask(dense, q, k)
        baseline = LangChainBaseline(bot.corpus.embedder, all_chunks, bot.article)
        systems["langchain"] = lambda q: baseline.ask(q.question, max(k, RANKED))
    reports = []
    for name, run in systems.items():
        results = []
        for q in qset.questions:
            gold = gold_spans(q, sources, text)
            started = time.perf_counter()
            answer, ranked = run(q)
            latency = (time.perf_counter() - started) * 1000
            results.append(score_question(q, answer, ranked, all_chunks, gold, text, k, latency))
            if progress:
                progress()
        reports.append(SystemReport(name, summarize(results, index_seconds), results))
    return reports


def _ask(bot: Assistant, q: Question, k: int) -> tuple[Answer, list[Chunk]]:
    answer = bot.ask(q.question, history=q.history)
    query = bot.standalone(q.question, q.history)
    ranked = [r.chunk for r in bot.retriever.retrieve(query, max(k, RANKED))]
    return answer, ranked
