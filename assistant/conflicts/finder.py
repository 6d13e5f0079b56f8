"""`ConflictFinder`: the conflict stage the assistant calls, for one answer and corpus-wide."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from assistant.conflicts.answers import answer_disagreements
from assistant.conflicts.copies import (
    copy_conflicts,
    copy_lines,
    group_edits,
    one_report,
    prune,
)
from assistant.conflicts.corpus import ALL_PAIRS_LIMIT, corpus_conflicts
from assistant.conflicts.detector import ConflictDetector, same_sides
from assistant.conflicts.evidence import answer_conflicts, cite_conflicts
from assistant.conflicts.kinds import rank
from assistant.conflicts.spellings import Spellings
from assistant.records import Citation, Conflict
from index.checks import at_least
from index.corpus import Corpus
from index.records import Span, sha256_hex
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
        """Work out the corpus's name spellings and copies of one report now (saving the names
        and signatures beside the store)."""
        self.spellings.pairs()
        self.corpus.copy_groups()

    def one_report(self, scored: list[ScoredSentence]) -> list[ScoredSentence]:
        """The scored sentences with copies of a better one in another copy of its report
        left out: a syndicated copy is never a second source that agrees."""
        return one_report(scored, self.corpus.copy_groups())

    def _sentences(self, source: str, text: str) -> tuple[Span, ...]:
        return self.corpus.catalogue.sentences(source, sha256_hex(text))

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
        # copies of one report: an edited sentence is a disagreement (listed first within its
        # kind), the rules' pairs between two copies are none, and word-for-word copies of a
        # cited passage are named as one report
        groups = self.corpus.copy_groups()
        edits, copies = copy_conflicts(cited, groups, self.corpus.read, self._sentences)
        found = prune(
            edits + [c for c in found if not any(same_sides(c, e) for e in edits)], groups, edits
        )
        conflicts, citations, lines = cite_conflicts(
            rank(found)[: self.max_conflicts], citations, self.corpus.article
        )
        return conflicts, citations, lines + copy_lines(citations, copies)

    def corpus_wide(self) -> list[Conflict]:
        """Every disagreement in the corpus, most important kinds first (kept per revision)."""
        self.corpus.refresh()
        return self._corpus_wide.get(self.corpus.revision(), self._corpus_wide_now)

    def _corpus_wide_now(self) -> list[Conflict]:
        found = corpus_conflicts(self.corpus, self.detector, self.spellings, self.all_pairs_limit)
        # copies of one report: their edited sentences are disagreements, the rest of what
        # the rules pair between them is not, and one found against each copy is listed once
        groups = self.corpus.copy_groups()
        if not groups.groups:
            return found
        edits = group_edits(groups, self.corpus.read, self._sentences)
        return rank(edits + prune(found, groups, edits))
