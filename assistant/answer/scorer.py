"""The learned answer scorer: (question, candidate sentence in its context) -> the logit that
the sentence answers the question, from a MiniLM cross-encoder trained on SQuAD
(`train/answer_scorer.py`; the model card is `scorer_model/MODEL_CARD.md`).

It runs as an int8 ONNX graph with onnxruntime and the `tokenizers` library, like the
embedder, so answering imports neither torch nor transformers. The calibration in
`scorer.json` maps the best candidate's logit to P(some candidate answers), fitted on SQuAD
2.0's unanswerable questions. Dynamic int8 quantisation scales a batch's activations
together, so a logit moves slightly (a few tenths at most) with its batch-mates.
"""

from __future__ import annotations

import json
import threading
from functools import cache
from pathlib import Path

import numpy as np

from assistant.answer.scorer_input import MAX_TOKENS
from index.errors import ConfigError
from index.onnx_embedder import cpu_session

MODEL_DIR = Path(__file__).with_name("scorer_model")
GRAPH = "answer_scorer-int8.onnx"
_BATCH = 16  # on 2 cores, larger batches only add padding


class AnswerScorer:
    def __init__(self, folder: Path = MODEL_DIR, calibration: str | None = "scorer.json"):
        """`calibration`: the JSON file in `folder` that holds the answerable calibration;
        None when there is none yet (the training script, before it fits one)."""
        from tokenizers import Tokenizer

        folder = Path(folder)
        try:
            self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        except Exception as exc:  # tokenizers raises a bare Exception on a bad file
            raise ConfigError(
                f"cannot load the answer scorer's tokenizer in {folder}: {exc}"
            ) from exc
        self._tokenizer.enable_truncation(MAX_TOKENS, strategy="only_second")
        self._tokenizer.enable_padding()
        self.slope, self.intercept = 1.0, 0.0
        if calibration is not None:
            try:
                fitted = json.loads((folder / calibration).read_text())["calibration"]
                self.slope, self.intercept = float(fitted["slope"]), float(fitted["intercept"])
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise ConfigError(f"cannot read the answer scorer's {calibration}: {exc}") from exc
        try:
            self._session = cpu_session(folder / GRAPH)
        except Exception as exc:  # onnxruntime raises its own kinds for a missing/damaged file
            raise ConfigError(f"cannot load the answer scorer {folder / GRAPH}: {exc}") from exc
        self._lock = threading.Lock()  # the tokenizer's padding settings are shared state

    def logits(self, questions: list[str], candidates: list[str]) -> np.ndarray:
        """One logit per (question, candidate) pair: above 0, more likely to answer than not."""
        out = np.zeros(len(candidates), dtype=np.float32)
        # Similar lengths share a batch, so little is spent on padding; ties go by text, so the
        # same candidates make the same batches in whatever order they come (a logit moves a
        # little with its batch-mates).
        keys = sorted(
            range(len(candidates)),
            key=lambda i: (len(candidates[i]) + len(questions[i]), questions[i], candidates[i]),
        )
        order = np.array(keys, dtype=np.int64)
        for lo in range(0, len(order), _BATCH):
            rows = order[lo : lo + _BATCH]
            with self._lock:
                encoded = self._tokenizer.encode_batch(
                    [(questions[i], candidates[i]) for i in rows]
                )
            feed = {
                "input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in encoded], dtype=np.int64),
            }
            out[rows] = self._session.run(None, feed)[0].reshape(-1)
        return out

    def score(self, question: str, candidates: list[str]) -> np.ndarray:
        return self.logits([question] * len(candidates), candidates)

    def answerable(self, best_logit: float) -> float:
        """P(the question is answered by some candidate), from the best candidate's logit."""
        return float(1.0 / (1.0 + np.exp(-(self.slope * best_logit + self.intercept))))


_LOADING = threading.Lock()


@cache
def _shipped() -> AnswerScorer:
    return AnswerScorer()


def default_scorer() -> AnswerScorer:
    """The shipped scorer, loaded once per process (every assistant shares it). `cache` alone
    would let threads that ask at once each load a copy: a server's first questions do."""
    with _LOADING:
        return _shipped()
