"""Metric functions against hand-computed examples, edge cases included."""

from __future__ import annotations

import math

import pytest

from assistant.evaluate import metrics as m

F, E = frozenset, frozenset()


def test_recall_at_k():
    ranked = [E, F({0}), F({0, 1}), F({2})]
    assert m.recall_at_k(ranked, 3, 2) == pytest.approx(1 / 3)
    assert m.recall_at_k(ranked, 3, 3) == pytest.approx(2 / 3)
    assert m.recall_at_k(ranked, 3, 10) == 1.0
    assert m.recall_at_k([E, E], 2, 5) == 0.0  # no relevant chunk
    assert m.recall_at_k([], 2, 5) == 0.0
    assert m.recall_at_k(ranked, 0, 5) is None  # nothing to find


def test_mrr():
    assert m.mrr_at_k([E, E, F({1})]) == pytest.approx(1 / 3)
    assert m.mrr_at_k([F({0})]) == 1.0
    assert m.mrr_at_k([E] * 10 + [F({0})], 10) == 0.0  # beyond the cut-off
    assert m.mrr_at_k([]) == 0.0


def test_ndcg():
    # relevant at ranks 1 and 3, two relevant chunks in the corpus
    dcg = 1 + 1 / math.log2(4)
    ideal = 1 + 1 / math.log2(3)
    assert m.ndcg_at_k([F({0}), E, F({1})], 2) == pytest.approx(dcg / ideal)
    assert m.ndcg_at_k([F({0}), F({1})], 2) == pytest.approx(1.0)
    assert m.ndcg_at_k([E, E], 2) == 0.0
    assert m.ndcg_at_k([E], 0) is None


def test_answer_matching_and_f1():
    answer = "“I only spoke to Putin once and that was about 18\u00a0months ago,” Musk wrote."
    assert m.contains_answer(answer, ["18 months ago"])
    assert m.contains_answer(answer, ["nothing", "18 Months Ago"])
    assert not m.contains_answer(answer, ["8 months"])  # whole words only
    assert not m.contains_answer("", ["x"])
    assert m.token_f1("the Eurasia Group", ["Eurasia Group"]) == 1.0
    # predicted: eurasia group is firm (4); gold: eurasia group (2); common 2
    assert m.token_f1("Eurasia Group is a firm", ["Eurasia Group"]) == pytest.approx(
        2 * 0.5 * 1 / 1.5
    )
    assert m.token_f1("", ["x"]) == 0.0
    assert m.token_f1("abc", []) == 0.0


def test_precision_recall_f1():
    out = m.precision_recall_f1([True, True, False, False], [True, False, True, False])
    assert out == {"precision": 0.5, "recall": 0.5, "f1": 0.5}
    none = m.precision_recall_f1([False, False], [False, False])
    assert none == {"precision": None, "recall": None, "f1": None}
    missed = m.precision_recall_f1([True, False], [False, True])
    assert missed == {"precision": 0.0, "recall": 0.0, "f1": 0.0}


def test_overlaps_share_percentile_mean():
    assert m.overlaps(("a", 0, 10), ("a", 9, 12))
    assert not m.overlaps(("a", 0, 10), ("a", 10, 12))
    assert not m.overlaps(("a", 0, 10), ("b", 0, 10))
    assert m.share([True, False, True, True]) == 0.75 and m.share([]) is None
    assert m.percentile([1, 2, 3, 4, 5], 50) == 3
    assert m.percentile([7.0], 95) == 7.0 and m.percentile([], 95) is None
    assert m.mean([1, None, 3]) == 2 and m.mean([None]) is None
