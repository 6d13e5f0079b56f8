"""The shipped answer scorer, loaded as the assistant loads it: the int8 ONNX file, its model
card, its calibration, and scores that put the answering sentence first on questions written
for this test (not from any training or development set)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.answer.scorer import GRAPH, MODEL_DIR, AnswerScorer, default_scorer
from assistant.answer.scorer_input import SEPARATOR, candidate_text
from index.errors import ConfigError

# Each question, its answering sentence first, then sentences of the same story.
CASES = [
    (
        "How many people were rescued from the ferry?",
        [
            "Coastguards said 212 passengers were rescued from the ferry overnight.",
            "The ferry left the port of Dover on Tuesday evening.",
            "The operator said it would review its safety procedures.",
        ],
    ),
    (
        "Who was appointed chief executive of the bank?",
        [
            "The bank appointed Maria Okafor as its chief executive on Monday.",
            "Shares in the bank rose 3% in early trading.",
            "The previous chief executive left the bank in March after a dispute over pay.",
        ],
    ),
    (
        "When will the new bridge open?",
        [
            "The council said the new bridge would open to traffic in September 2026.",
            "The bridge cost £40m and spans the river at its widest point.",
            "Residents have campaigned for a new crossing for a decade.",
        ],
    ),
    (
        "Why was the match postponed?",
        [
            "The match was postponed because the pitch was frozen.",
            "The home side had won their previous four matches.",
            "Tickets will remain valid for the rearranged fixture.",
        ],
    ),
]


@pytest.fixture(scope="module")
def scorer() -> AnswerScorer:
    return default_scorer()


def test_the_shipped_file_is_int8_onnx_within_30_mb_with_a_model_card():
    graph = MODEL_DIR / GRAPH
    assert graph.stat().st_size <= 30 * 1024 * 1024
    card = (MODEL_DIR / "MODEL_CARD.md").read_text(encoding="utf-8")
    for needed in ("SQuAD", "CC BY-SA 4.0", "make train-scorer", "SelQA", "sha256"):
        assert needed in card, needed
    meta = json.loads((MODEL_DIR / "scorer.json").read_text())
    assert set(meta["calibration"]) == {"slope", "intercept"}
    assert meta["calibration"]["slope"] > 0  # a higher logit means more likely answerable
    hashes = meta["training"]["data_sha256"]
    assert all(len(h) == 64 for h in hashes.values())


@pytest.mark.parametrize(("question", "sentences"), CASES)
def test_the_answering_sentence_scores_first(scorer, question, sentences):
    logits = scorer.score(question, [candidate_text(s, "News") for s in sentences])
    assert int(np.argmax(logits)) == 0, logits
    assert scorer.answerable(float(logits[0])) > scorer.answerable(float(logits[1:].max()))


def test_batching_moves_scores_a_little_and_the_order_not_at_all(scorer):
    # int8 dynamic quantisation scales each batch's activations together, so a sentence's
    # logit shifts slightly with its batch-mates; the order of the candidates must not.
    question, sentences = CASES[0]
    texts = [candidate_text(s) for s in sentences]
    alone = np.array([float(scorer.score(question, [t])[0]) for t in texts])
    together = scorer.score(question, texts * 7)  # several batches, lengths sorted
    np.testing.assert_allclose(together[:3], alone, atol=0.5)
    assert list(np.argsort(-together[:3])) == list(np.argsort(-alone))


def test_calibration_is_a_monotone_probability(scorer):
    values = [scorer.answerable(x) for x in (-8.0, -2.0, 0.0, 2.0, 8.0)]
    assert all(0.0 <= v <= 1.0 for v in values)
    assert values == sorted(values) and values[0] < values[-1]


def test_a_missing_or_damaged_model_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="tokenizer"):
        AnswerScorer(tmp_path)
    (tmp_path / "tokenizer.json").write_bytes((MODEL_DIR / "tokenizer.json").read_bytes())
    (tmp_path / "scorer.json").write_text("{}")
    with pytest.raises(ConfigError, match=r"scorer\.json"):
        AnswerScorer(tmp_path)
    (tmp_path / "scorer.json").write_text('{"calibration": {"slope": 1, "intercept": 0}}')
    (tmp_path / GRAPH).write_bytes(b"not a graph")
    with pytest.raises(ConfigError, match="answer scorer"):
        AnswerScorer(tmp_path)


@settings(max_examples=50, deadline=None)
@given(st.text(min_size=1, max_size=80), st.text(max_size=40), st.text(max_size=80))
def test_the_candidate_text_starts_with_the_sentence(sentence, title, previous):
    text = candidate_text(sentence, title, previous)
    assert text.startswith(sentence.strip())
    assert (SEPARATOR in text) == bool(title.strip() or previous.strip()) or SEPARATOR in sentence


def test_threads_that_ask_at_once_share_one_loaded_scorer(monkeypatch):
    import threading

    from assistant.answer import scorer as module

    module._shipped.cache_clear()
    got: list[AnswerScorer] = []
    start = threading.Barrier(4)

    def load() -> None:
        start.wait()
        got.append(default_scorer())

    threads = [threading.Thread(target=load) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 4 and all(s is got[0] for s in got)
