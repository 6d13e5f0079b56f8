"""Optional NLI scoring of candidate pairs with a sentence-transformers `CrossEncoder`.

No NLI weights ship on this machine, so this is off unless `Settings.nli_model` names a local
model; the rule-based detector never depends on it.
"""

from __future__ import annotations

import os

import numpy as np

from index.errors import ConfigError


class NliScorer:
    """Probability that the second sentence contradicts the first."""

    def __init__(self, model: str):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import CrossEncoder

        try:
            self._model = CrossEncoder(model, device="cpu")
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot load NLI model {model!r}: {exc}") from exc
        labels = {
            str(v).lower(): int(k) for k, v in (self._model.model.config.id2label or {}).items()
        }
        if "contradiction" not in labels:
            raise ConfigError(
                f"NLI model {model!r} has no 'contradiction' label (labels: {sorted(labels)})"
            )
        self._index = labels["contradiction"]

    def contradiction(self, pairs: list[tuple[str, str]]) -> list[float]:
        if not pairs:
            return []
        logits = np.asarray(
            self._model.predict(
                pairs, apply_softmax=False, convert_to_numpy=True, show_progress_bar=False
            )
        )
        if logits.ndim == 1:
            logits = logits[None, :]
        exp = np.exp(logits - logits.max(axis=1, keepdims=True))
        probs = exp / exp.sum(axis=1, keepdims=True)
        return [float(p) for p in probs[:, self._index]]
