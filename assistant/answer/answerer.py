"""`Answerer`: the extractive answer stage the assistant calls (score, then compose)."""

from __future__ import annotations

import numpy as np

from assistant.answer.compose import Composed, compose
from assistant.answer.instructions import addresses_reader
from assistant.answer.scorer import AnswerScorer, default_scorer
from assistant.answer.scoring import ScoredSentence, score_sentences
from assistant.retrieve.retriever import RetrievedChunk
from index.checks import at_least, between
from index.corpus import Corpus


class Answerer:
    def __init__(
        self,
        corpus: Corpus,
        top_k: int = 6,
        min_confidence: float = 0.3,
        answer_sentences: int = 3,
        scorer: AnswerScorer | None = None,
    ):
        """`top_k`: chunks whose sentences are scored; below `min_confidence` the answer is
        "the articles do not say"; at most `answer_sentences` are stated; `scorer`: the
        learned answer scorer (the shipped one by default)."""
        at_least("top_k", top_k, 1)
        between("min_confidence", min_confidence, 0, 1)
        at_least("answer_sentences", answer_sentences, 1)
        self.corpus, self.top_k = corpus, top_k
        self.min_confidence, self.answer_sentences = min_confidence, answer_sentences
        self._scorer = scorer

    @property
    def scorer(self) -> AnswerScorer:
        """Loaded on first use (indexing never needs it) or by `Assistant.prepare`; threads
        that race here share the one `default_scorer` loads."""
        if self._scorer is None:
            self._scorer = default_scorer()
        return self._scorer

    @property
    def candidates(self) -> int:
        """Chunks to retrieve: more than are scored, the extra ones serve the conflict check."""
        return 2 * self.top_k

    def score(
        self, query: str, vector: np.ndarray, candidates: list[RetrievedChunk]
    ) -> list[ScoredSentence]:
        """The sentences of the best `top_k` candidates, best first."""
        # one read each, for every candidate: the answer quotes some, the conflict check the rest
        self.corpus.read(r.chunk.source for r in candidates)
        units = self.corpus.unit_vectors([r.chunk for r in candidates])
        retrieved = candidates[: self.top_k]
        scored = score_sentences(
            query,
            vector,
            retrieved,
            units,
            self.corpus.catalogue.idf,
            self.scorer,
            lambda source: self.corpus.article(source).title,
            lambda source: self.corpus.article(source).text,
        )
        # a sentence telling the reader or a model what to say reports nothing: never an answer
        return [s for s in scored if not addresses_reader(s.text)]

    def compose(self, scored: list[ScoredSentence]) -> Composed:
        return compose(scored, self.corpus.article, self.min_confidence, self.answer_sentences)
