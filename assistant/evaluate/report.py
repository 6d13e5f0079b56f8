"""The evaluation report: JSON with every figure, Markdown people can read, PNG charts.

matplotlib (with the file-only Agg backend) draws the charts: no display needed.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from assistant.evaluate.scoring import SystemReport

DEFINITIONS = {
    "recall_at_k": "Recall@k: share of gold evidence quotes found in the top k retrieved chunks "
    "(a chunk is relevant if it contains a gold quote, after folding typography).",
    "mrr_at_10": "MRR@10: mean of 1/rank of the first relevant chunk in the top 10 (0 if none).",
    "ndcg_at_10": "nDCG@10: binary-relevance DCG of the top 10 over that of an ideal ranking.",
    "accuracy": "Accuracy: share of answerable questions whose answer contains an accepted "
    "answer (normalised: case, typography, punctuation, articles).",
    "token_f1": "Token F1: best token-overlap F1 between the answer and an accepted answer "
    "(low for whole-sentence answers against short gold answers, by construction).",
    "citation_exactness": "Citation exactness: share of citations with text[start:end] == "
    "quote. Anything under 100% is a bug; such citations are listed.",
    "citation_support": "Citation support: share of answerable questions citing at least one "
    "gold evidence span.",
    "citation_precision": "Citation precision: share of citations (answerable questions) that "
    "overlap some gold evidence span.",
    "refusal_precision": 'Refusal precision: of the questions refused ("the articles do not '
    'say"), the share that have no accepted answer.',
    "refusal_recall": "Refusal recall: of the questions with no accepted answer, the share "
    "refused.",
    "conflict_precision": "Conflict precision: of the answers flagging a disagreement (name "
    "spellings apart), the share on questions marked `conflict`.",
    "conflict_recall": "Conflict recall: of the questions marked `conflict`, the share flagged.",
    "conflict_f1": "Conflict F1: harmonic mean of the two.",
    "conflict_both_sides": "Both-sides coverage: of the `conflict` questions with two or more "
    "gold quotes, the share where one flagged conflict cites two gold quotes as its sides.",
    "ask_median_ms": "Ask median / p95: wall time of one question, in process, warm.",
    "ask_p95_ms": "",
    "index_seconds": "Index time: seconds to index the corpus for this run (when measured).",
}
_PERCENT = {"ask_median_ms", "ask_p95_ms", "index_seconds", "questions"}


def fmt(name: str, value: float | None) -> str:
    if value is None:
        return "n/a"
    if name in _PERCENT:
        return f"{value:.1f}" if isinstance(value, float) else str(value)
    return f"{value:.1%}"


def table(reports: list[SystemReport]) -> str:
    """The summary as a Markdown table, one column per system."""
    names = [r.system for r in reports]
    lines = ["| metric | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for metric in reports[0].summary:
        cells = [fmt(metric, r.summary[metric]) for r in reports]
        lines.append(f"| {metric} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_report(reports: list[SystemReport], folder: str | Path, questions: str) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    payload = {"questions_file": questions, "systems": [r.to_dict() for r in reports]}
    (folder / "report.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False), "utf-8")
    ours = reports[0]
    md = [
        f"# Evaluation of `{questions}`",
        "",
        "Systems: **hybrid** is the assistant as shipped (dense + BM25, extractive answers); "
        "**dense** is the same answerer over dense-only retrieval; **langchain** is the "
        "canonical LangChain retrieval (`Chroma.similarity_search`, top chunk as the answer, "
        "cited whole).",
        "",
        table(reports),
        "",
        "![metrics by question type](by_type.png)",
        "![latency](latency.png)",
        "",
        "## Definitions",
        "",
        *[f"- {d}" for d in DEFINITIONS.values() if d],
        "",
        f"## Failed questions ({ours.system})",
        "",
    ]
    failed = [r for r in ours.results if r.failed or r.inexact]
    if not failed:
        md.append("None.")
    for r in failed:
        md += [
            f"### {r.id} ({r.type}): {r.question}",
            "",
            f"- answer given: {r.answer}",
            f"- accepted: {', '.join(r.accepted) if r.accepted else '(none: should be refused)'}",
            *[f"- gold evidence: {e['source']}: “{e['quote']}”" for e in r.gold_evidence],
            *[f"- INEXACT citation: {c}" for c in r.inexact],
            "",
        ]
    (folder / "report.md").write_text("\n".join(md), "utf-8")
    _charts(reports, folder)
    return folder


def _charts(reports: list[SystemReport], folder: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ours = reports[0]
    by_type: dict[str, list] = defaultdict(list)
    for r in ours.results:
        by_type[r.type].append(r)
    types = sorted(by_type)
    score = [
        sum((r.correct if r.accepted else r.refused) for r in by_type[t]) / len(by_type[t])
        for t in types
    ]
    support = [
        sum(bool(r.supported) for r in by_type[t])
        / max(1, sum(r.supported is not None for r in by_type[t]))
        for t in types
    ]
    fig, ax = plt.subplots(figsize=(8, 4))
    xs = range(len(types))
    ax.bar([x - 0.2 for x in xs], score, 0.4, label="correct (or rightly refused)")
    ax.bar([x + 0.2 for x in xs], support, 0.4, label="cites gold evidence")
    ax.set_xticks(list(xs), [f"{t}\n(n={len(by_type[t])})" for t in types], fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_title(f"{ours.system}: metrics by question type")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(folder / "by_type.png", dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(8, 4))
    for report in reports:
        ax.hist([r.latency_ms for r in report.results], bins=30, alpha=0.6, label=report.system)
    ax.set_xlabel("ask latency (ms)")
    ax.set_ylabel("questions")
    ax.set_title("Latency distribution")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(folder / "latency.png", dpi=110)
    plt.close(fig)
