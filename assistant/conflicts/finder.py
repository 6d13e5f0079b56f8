"""`ConflictFinder`: the conflict stage the assistant calls, for one answer and corpus-wide."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from assistant.conflicts.answers import answer_disagreements
from assistant.conflicts.corpus import ALL_PAIRS_LIMIT, corpus_conflicts
from assistant.conflicts.detector import ConflictDetector, same_sides
from assistant.conflicts.evidence import answer_conflicts, cite_conflicts
from assistant.conflicts.kinds import rank
from assistant.conflicts.spellings import Spellings
from assistant.records import Citation, Conflict
from index.checks import at_least
from index.corpus import Corpus
from index.revisions import PerRevision

if TYPE_CHECKING:
    from assistant.answer.compose import Composed
    from assistant.answer.scoring import ScoredSentence
    from assistant.retrieve.retriever import RetrievedChunk

_WORD_PARTNERS = 4  # chunks found by the words of each cited sentence, to compare it with


class ConflictFinder:
    def __init__(
        self,
        corpus: Corpus,
        detector: ConflictDetector | None = None,
        max_conflicts: int = 3,
        all_pairs_limit: int = ALL_PAIRS_LIMIT,
    ):
        """`max_conflicts`: shown with one answer (0: none are looked for); past
        `all_pairs_limit` sentences, corpus-wide detection compares nearest chunks only."""
        at_least("max_conflicts", max_conflicts, 0)
        at_least("all_pairs_limit", all_pairs_limit, 0)
        self.corpus = corpus
        self.detector = detector or ConflictDetector()
        self.max_conflicts, self.all_pairs_limit = max_conflicts, all_pairs_limit
        self.spellings = Spellings(corpus)
        self._corpus_wide: PerRevision[list[Conflict]] = PerRevision()

    def prepare(self) -> None:
        """Work out the corpus's name spellings now (saving the names beside the store)."""
        self.spellings.pairs()

    def for_answer(
        self,
        question: str,
        vector: np.ndarray,
        composed: Composed,
        candidates: list[RetrievedChunk],
        scored: Sequence[ScoredSentence] = (),
        query: str | None = None,
    ) -> tuple[list[Conflict], list[Citation], list[str]]:
        """The disagreements that involve an answer's evidence, each side cited (reusing the
        answer's citations where they cover it), and the answer's "Sources disagree" lines.
        `scored` (the ranked sentences) lets each source's own answer be compared; `query` is
        the question as retrieved (a follow-up made to stand alone), the question if None."""
        citations = list(composed.citations)
        if not composed.answerable or not self.max_conflicts:
            return [], citations, []
        mentioned = " ".join([question, *(c.quote for c in citations)])
        # a name the question asks about counts as met in both spellings
        pairs = self.spellings.pairs()
        mentioned += " " + " ".join(
            f"{x} {y}" for _, x, _, y in pairs if x in question or y in question
        )
        cited = list(composed.cited)
        # Nearest chunks to each cited sentence, by meaning and by words: where another
        # report says the opposite, it says it about the same things.
        partners = [r.chunk for r in candidates]
        search = self.corpus.catalogue.search
        partners += [chunk for s in cited for chunk, _ in search(s.text, _WORD_PARTNERS)]
        self.corpus.read(c.source for c in partners)
        spelled = [p for p in pairs if p[1] in mentioned and p[3] in mentioned]
        found = answer_conflicts(
            vector,
            self.detector,
            cited,
            partners,
            self.corpus.unit_vectors(partners),
            self.corpus.embedder.embed_cached,
            self.corpus.article,
            self.spellings.conflicts(spelled, self.corpus.read),
            self.max_conflicts,
        )
        # each source's answer to the question, where the rules did not pair them already
        # compared on the standalone query: a follow-up's earlier names are no new answer
        typed = answer_disagreements(query or question, scored, self.corpus.article)
        found += [c for c in typed if not any(same_sides(c, f) for f in found)]
        return cite_conflicts(rank(found)[: self.max_conflicts], citations, self.corpus.article)

    def corpus_wide(self) -> list[Conflict]:
        """Every disagreement in the corpus, most important kinds first (kept per revision)."""
        self.corpus.refresh()
        return self._corpus_wide.get(
            self.corpus.revision(),
            lambda: corpus_conflicts(
                self.corpus, self.detector, self.spellings, self.all_pairs_limit
            ),
        )
