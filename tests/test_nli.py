"""The optional NLI path, with a tiny randomly initialised cross-encoder built here (no NLI
weights ship on this machine): loading, label mapping, scoring and use by the detector."""

from __future__ import annotations

import numpy as np
import pytest

from assistant import Assistant, ConfigError, Settings
from assistant.conflicts.claims import Claim
from assistant.conflicts.detector import ConflictDetector
from assistant.conflicts.nli import NliScorer
from index.embedder import bundled_model_path
from index.records import Span


def _tiny_model(folder, labels: dict[int, str]) -> str:
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(bundled_model_path())
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        num_labels=len(labels),
        id2label=labels,
        label2id={v: k for k, v in labels.items()},
    )
    BertForSequenceClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return str(folder)


@pytest.fixture(scope="module")
def nli_path(tmp_path_factory) -> str:
    return _tiny_model(
        tmp_path_factory.mktemp("nli"), {0: "entailment", 1: "neutral", 2: "contradiction"}
    )


def test_scores_are_probabilities(nli_path):
    scorer = NliScorer(nli_path)
    scores = scorer.contradiction([("The sky is blue.", "The sky is green."), ("A", "B")])
    assert len(scores) == 2 and all(0.0 <= s <= 1.0 for s in scores)
    assert scorer.contradiction([]) == []


def test_model_without_contradiction_label_is_refused(tmp_path):
    path = _tiny_model(tmp_path / "m", {0: "positive", 1: "negative"})
    with pytest.raises(ConfigError, match="contradiction"):
        NliScorer(path)


def test_missing_model_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot load NLI model"):
        NliScorer(str(tmp_path / "nothing-here"))


def _claim(text: str, source: str, vector) -> Claim:
    return Claim(
        source,
        Span(0, len(text)),
        text,
        np.asarray(vector, dtype=np.float32),
        paragraph=text,
        paragraph_start=0,
    )


def test_detector_uses_nli_for_pairs_the_rules_miss(nli_path):
    a = _claim("The festival drew record crowds this summer.", "a.txt", [1.0, 0.0])
    b = _claim("Attendance at the festival collapsed this summer.", "b.txt", [0.8, 0.6])
    scorer = NliScorer(nli_path)
    assert ConflictDetector().detect([a, b]) == []  # the rules see nothing here
    flagged = ConflictDetector(scorer, nli_threshold=1e-6).detect([a, b])
    assert [c.kind for c in flagged] == ["factual"]
    assert {s.quote for s in flagged[0].sides} == {a.text, b.text}
    assert ConflictDetector(scorer, nli_threshold=1.0).detect([a, b]) == []


def test_assistant_loads_the_configured_nli_model(nli_path, embedder):
    bot = Assistant(Settings(store_path=None, nli_model=nli_path), embedder=embedder)
    assert bot.conflict_finder.detector.nli is not None
