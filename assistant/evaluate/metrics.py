"""Evaluation metrics as small pure functions (each defined in the report it feeds)."""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter
from collections.abc import Sequence

from assistant.evaluate.questions import folded

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = re.compile(r"[^\w\s]")


def recall_at_k(retrieved: Sequence[frozenset[int]], n_gold: int, k: int) -> float | None:
    """Share of the gold quotes found in the first `k` retrieved chunks.

    `retrieved[i]` holds the indices of the gold quotes the i-th chunk contains."""
    if n_gold == 0:
        return None
    found = set().union(*retrieved[:k]) if retrieved[:k] else set()
    return len(found) / n_gold


def mrr_at_k(retrieved: Sequence[frozenset[int]], k: int = 10) -> float:
    """1 / rank of the first relevant chunk in the first `k`; 0 when there is none."""
    for rank, gold in enumerate(retrieved[:k], 1):
        if gold:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(retrieved: Sequence[frozenset[int]], n_relevant: int, k: int = 10) -> float | None:
    """Binary-relevance nDCG: DCG of the ranking over the DCG of an ideal one, where
    `n_relevant` chunks of the whole corpus are relevant."""
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(k, n_relevant)))
    if ideal == 0:
        return None
    dcg = sum(1.0 / math.log2(i + 2) for i, gold in enumerate(retrieved[:k]) if gold)
    return dcg / ideal


def normalize(text: str) -> str:
    """Lower case, typography folded, punctuation and articles dropped (SQuAD style)."""
    return " ".join(_ARTICLES.sub(" ", _PUNCT.sub(" ", folded(text))).split())


def contains_answer(answer: str, accepted: Sequence[str]) -> bool:
    """Does the answer text contain one of the accepted answers?"""
    text = f" {normalize(answer)} "
    return any(f" {normalize(a)} " in text for a in accepted if normalize(a))


def token_f1(answer: str, accepted: Sequence[str]) -> float:
    """Best token-overlap F1 between the answer and any accepted answer (0 if none)."""
    best = 0.0
    predicted = normalize(answer).split()
    for gold in accepted:
        truth = normalize(gold).split()
        common = sum((Counter(predicted) & Counter(truth)).values())
        if not predicted or not truth or common == 0:
            continue
        precision, recall = common / len(predicted), common / len(truth)
        best = max(best, 2 * precision * recall / (precision + recall))
    return best


def overlaps(a: tuple[str, int, int], b: tuple[str, int, int]) -> bool:
    """Do two (source, start, end) spans share a character?"""
    return a[0] == b[0] and a[1] < b[2] and b[1] < a[2]


def share(flags: Sequence[bool]) -> float | None:
    return sum(flags) / len(flags) if flags else None


def precision_recall_f1(predicted: Sequence[bool], gold: Sequence[bool]) -> dict[str, float | None]:
    """Of the items flagged, how many should be (precision); of those that should be, how
    many are (recall); and their harmonic mean."""
    tp = sum(p and g for p, g in zip(predicted, gold, strict=True))
    flagged, positive = sum(predicted), sum(gold)
    precision = tp / flagged if flagged else None
    recall = tp / positive if positive else None
    f1 = (
        2 * precision * recall / (precision + recall)
        if precision is not None and recall is not None and precision + recall
        else (0.0 if precision is not None and recall is not None else None)
    )
    return {"precision": precision, "recall": recall, "f1": f1}


def percentile(values: Sequence[float], q: float) -> float | None:
    """The `q`-th percentile (0-100), interpolated; None for no values."""
    if not values:
        return None
    if len(values) == 1:
        return float(values[0])
    return statistics.quantiles(values, n=100, method="inclusive")[max(0, min(98, int(q) - 1))]


def mean(values: Sequence[float | None]) -> float | None:
    kept = [v for v in values if v is not None]
    return sum(kept) / len(kept) if kept else None
